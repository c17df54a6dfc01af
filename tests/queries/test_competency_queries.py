"""The 15 competency queries: headers, and their answers on the example dataset.

Each query runs on an in-memory Oxigraph store holding the example dataset in its own named
graph and the ontology + vocabularies in graph/model, with the default graph as the union
of all graphs, its parameters bound to their `#+ default:` values (read by the API's
one header reader, api/named_queries.py) through pyoxigraph
`substitutions`. The answer must equal tests/queries/expected/{query}.csv, and be the same
when the parameters travel as a VALUES block instead (as the remote backend, `/sparql`
clients and bench/api.py bind them) or as BIND clauses (as the remote backend binds them
on Virtuoso); test_competency_queries_on_engines.py runs them on the remote engines. A
few answers are also recomputed here in plain Python from the Turtle, independently of
SPARQL.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, NamedNode, QuerySolutions, RdfFormat, Store, Variable
from pyoxigraph import Literal as OxLiteral
from rdflib import RDF, Graph, Namespace, URIRef

from api.named_queries import NamedQuery, parse_named_query
from store.sparql_text import with_binds, with_values

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"
BASE = "https://data.tsr-observatory.org/"
TSR = Namespace("https://w3id.org/tsr-observatory/ontology#")
QUERIES = sorted((r.name, r) for r in files("queries").iterdir()
                 if re.match(r"cq\d\d-.*\.rq$", r.name) and not r.name.endswith(".tuned.rq"))
# the tuned twins (`{name}.tuned.rq`, run in place of the plain text): the same rows expected
TWINS = sorted((r.name, r) for r in files("queries").iterdir()
               if re.match(r"cq\d\d-.*\.tuned\.rq$", r.name))


def expected_file(name: str) -> Path:
    """tests/queries/expected/{query}.csv, for a plain query and its twin alike."""
    return EXPECTED / (name.removesuffix(".rq").removesuffix(".tuned") + ".csv")
PARAM_TYPES = {"iri", "string", "integer", "date"}


def query_text(name: str) -> str:
    return (files("queries") / name).read_text(encoding="utf-8")


def parsed(name: str) -> NamedQuery:
    """The query as the API and the CLI read it (one `#+` header reader)."""
    return parse_named_query(name.removesuffix(".rq").removesuffix(".tuned"), query_text(name))


def substitutions(name: str) -> dict[Variable, NamedNode | OxLiteral | BlankNode]:
    bound = parsed(name).bindings({}, BASE)  # every parameter at its `#+ default:`
    return {Variable(variable): term for variable, term in bound.items()}


@pytest.fixture(scope="module")
def store() -> Store:
    store = Store()
    with as_file(files("examples") / "tsr-example.ttl") as path:
        store.load(path=str(path), format=RdfFormat.TURTLE,
                   to_graph=NamedNode(BASE + "graph/source/tsr-example-ttl"))
    model = NamedNode(BASE + "graph/model")
    for package, sub in (("ontology", None), ("ontology", "vocabularies")):
        root = files(package) if sub is None else files(package) / sub
        for resource in sorted(root.iterdir(), key=lambda r: r.name):
            if resource.name.endswith(".ttl"):
                with as_file(resource) as path:
                    store.load(path=str(path), format=RdfFormat.TURTLE, to_graph=model)
    return store


def run(store: Store, name: str, *, binding: str = "substitutions") -> tuple[list[str], list[list[str]]]:
    text = query_text(name)
    bound = substitutions(name)
    if binding != "substitutions":
        bind = with_values if binding == "values" else with_binds
        text = bind(text, {variable.value: term for variable, term in bound.items()})
        bound = {}
    result = store.query(text, substitutions=bound, use_default_graph_as_union=True)
    assert isinstance(result, QuerySolutions)
    columns = [v.value for v in result.variables if not v.value.startswith("_")]
    rows = [["" if row[c] is None else row[c].value for c in columns] for row in result]
    return columns, rows


def same(actual: str, expected: str) -> bool:
    if actual == expected:
        return True
    try:
        return Decimal(actual) == Decimal(expected)
    except InvalidOperation:
        return False


@pytest.fixture(scope="module")
def example() -> Graph:
    with as_file(files("examples") / "tsr-example.ttl") as path:
        return Graph().parse(path, format="turtle")


# --------------------------------------------------------------------------- headers

def test_one_query_per_competency_question() -> None:
    numbers = sorted(int(parsed(name).question) for name, _ in QUERIES)
    assert numbers == list(range(1, 16))


@pytest.mark.parametrize("name", [n for n, _ in QUERIES])
def test_query_header(name: str) -> None:
    text = query_text(name)
    query = parsed(name)
    for key in ("summary", "summary_fr", "description", "question"):
        assert getattr(query, key), key
        assert len(re.findall(rf"^#\+ {key}:", text, flags=re.M)) == 1, key
    assert int(query.question) == int(name[2:4])
    select = text[text.index("SELECT"):text.index("WHERE")]
    for param in query.params:
        assert param.kind in PARAM_TYPES and param.description, param
        assert param.default is not None, f"no default for {param.name}"
        # pyoxigraph substitutes only variables of the top-level projection
        assert f"?_{param.name}" in select, f"?_{param.name} must be projected"


# --------------------------------------------------------------------------- answers

@pytest.mark.parametrize("binding", ["substitutions", "values", "bind"])
@pytest.mark.parametrize("name", [n for n, _ in QUERIES + TWINS])
def test_query_returns_expected_answer(store: Store, name: str, binding: str) -> None:
    columns, rows = run(store, name, binding=binding)
    with expected_file(name).open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        expected_columns = next(reader)
        expected_rows = list(reader)
    assert columns == expected_columns
    assert len(rows) == len(expected_rows)
    for i, (got, want) in enumerate(zip(rows, expected_rows, strict=True)):
        assert all(same(a, e) for a, e in zip(got, want, strict=True)), (i, got, want)


def _by(rows: list[list[str]], columns: list[str], *keys: str) -> list[tuple[str, ...]]:
    idx = [columns.index(k) for k in keys]
    return [tuple(row[i] for i in idx) for row in rows]


def _tsr_actors(example: Graph) -> set[URIRef]:
    classes = {TSR.TSROrganisation, TSR.IndependentResearcher, TSR.IntermediaryStructure}
    return {s for c in classes for s in example.subjects(RDF.type, c)}


def test_cq01_counts_match_a_plain_count(store: Store, example: Graph) -> None:
    columns, rows = run(store, "cq01-tsr-actors-by-type-legal-form-region.rq")
    tsr = _tsr_actors(example)
    by_type = Counter(str(example.value(a, TSR.actorType)) for a in tsr)
    got = {v: int(n) for d, v, n in _by(rows, columns, "dimension", "value", "actors") if d == "actorType"}
    assert got == dict(by_type)
    assert ("total", str(TSR.TSRActor), "40") in _by(rows, columns, "dimension", "value", "actors")


def test_cq04_sums_match_a_plain_sum(store: Store, example: Graph) -> None:
    columns, rows = run(store, "cq04-jobs-by-year.rq")
    tsr = _tsr_actors(example)
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for obs in example.subjects(RDF.type, TSR.Observation):
        if example.value(obs, TSR.actor) in tsr:
            sums[int(str(example.value(obs, TSR.year)))] += Decimal(str(example.value(obs, TSR.jobsFTE)))
    got = {int(y): Decimal(j) for y, j in _by(rows, columns, "year", "jobsFTE")}
    assert got == dict(sums)
    change = {int(y): Decimal(c) for y, c in _by(rows, columns, "year", "jobsFTEChange")}
    assert change[2024] == sums[2024] - sums[2022]


def test_cq07_partnership_types_match_a_plain_count(store: Store, example: Graph) -> None:
    columns, rows = run(store, "cq07-tsr-esr-partnerships.rq")
    tsr = _tsr_actors(example)
    esr = set(example.subjects(RDF.type, TSR.ESROrganisation)) | set(
        example.subjects(RDF.type, TSR.ResearchUnit))
    counted: Counter[str] = Counter()
    for ps in example.subjects(RDF.type, TSR.Partnership):
        pair = {example.value(ps, TSR.actor), example.value(ps, TSR.partner)}
        if pair & tsr and pair & esr:
            counted[str(example.value(ps, TSR.partnershipType))] += 1
    got = {v: int(n) for d, v, n in _by(rows, columns, "dimension", "value", "partnerships")
           if d == "partnershipType"}
    assert got == dict(counted)
    assert sum(counted.values()) == 28  # 30 partnerships, two inside the third sector


def test_cq12_renewals_follow_previous_year(store: Store) -> None:
    columns, rows = run(store, "cq12-network-members-by-year.rq")
    members = defaultdict(set)
    for year, actor in _by(rows, columns, "year", "actor"):
        members[int(year)].add(actor)
    for year, actor, renewal, count in _by(rows, columns, "year", "actor", "renewal", "members"):
        assert (renewal == "true") == (actor in members[int(year) - 1])
        assert int(count) == len(members[int(year)])


def test_cq13_coverage_is_the_ratio(store: Store, example: Graph) -> None:
    columns, rows = run(store, "cq13-identifier-coverage.rq")
    tsr = _tsr_actors(example)
    with_wikidata = {a for a in tsr if example.value(a, TSR.wikidata) is not None}
    ratios = {(i, s): Decimal(c) for i, s, c in _by(rows, columns, "identifier", "sector", "coverage")}
    assert ratios[("wikidata", "tsr")] == round(Decimal(len(with_wikidata)) / Decimal(len(tsr)), 4)


# --------------------------------------------------------------------------- tuned twins

# every `X.tuned.rq` of queries/ (competency queries, portal figures, any later one) beside
# its `X.rq`: a new twin is picked up here without being named
EVERY_TWIN = sorted(r.name for r in files("queries").iterdir() if r.name.endswith(".tuned.rq"))
# a second value for each parameter the twins declare, one the plain answer depends on (a
# twin that ignored the parameter, or read it differently, would then give other rows); a
# twin with a parameter not listed here fails until one is added
OTHER_VALUES = {
    "lang": "en",
    "dimension": "region",
    "actor": BASE + "id/actor/siren-810395954",
    "programme": BASE + "id/programme/fsp-savoirs",
    "from_year": "2023",
    "to_year": "2024",
}


def run_with(store: Store, name: str, values: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    """The query's columns and rows with these parameter values (the others at their
    defaults), bound as a VALUES block: the way every backend can bind a parameter the
    SELECT does not project (portal-indicators' dimension)."""
    bound = parsed(name).bindings(dict(values), BASE)
    result = store.query(with_values(query_text(name), bound), use_default_graph_as_union=True)
    assert isinstance(result, QuerySolutions)
    columns = [v.value for v in result.variables if not v.value.startswith("_")]
    return columns, [["" if row[c] is None else row[c].value for c in columns] for row in result]


def ordered(text: str) -> bool:
    """Whether the query's own answer is ordered (an ORDER BY of the outer query, on a line
    of its own at the start, as the shipped queries write it)."""
    return re.search(r"^ORDER BY\b", text, flags=re.M) is not None


def bindings_to_compare(twin: str) -> list[dict[str, str]]:
    """The defaults, and the other values when the twin has parameters."""
    params = [param.name for param in parsed(twin).params]
    missing = [name for name in params if name not in OTHER_VALUES]
    assert not missing, f"{twin}: give OTHER_VALUES a second value for {missing}"
    return [{}] + ([{name: OTHER_VALUES[name] for name in params}] if params else [])


def test_every_plain_query_with_a_twin_is_found() -> None:
    stems = {name.removesuffix(".tuned.rq") for name in EVERY_TWIN}
    assert {"portal-actors-by-sector-and-type", "portal-indicators",
            "portal-key-figures", "cq04-jobs-by-year"} <= stems
    assert all((files("queries") / f"{stem}.rq").is_file() for stem in stems)


@pytest.mark.parametrize("twin", EVERY_TWIN)
def test_every_tuned_twin_gives_the_rows_of_its_plain_query(store: Store, twin: str) -> None:
    """Any shipped twin: the same header, the same columns and rows as the plain text (in
    the same order when the plain text orders them, else as a multiset), parameters at
    their defaults and then at other values that change the plain answer."""
    plain = twin.removesuffix(".tuned.rq") + ".rq"
    header = [line for line in query_text(plain).splitlines() if line.startswith("#+")]
    assert [line for line in query_text(twin).splitlines() if line.startswith("#+")] == header
    answers: list[list[list[str]]] = []
    for values in bindings_to_compare(twin):
        plain_columns, plain_rows = run_with(store, plain, values)
        columns, rows = run_with(store, twin, values)
        assert columns == plain_columns, values
        assert plain_rows, values
        if ordered(query_text(plain)):
            assert ordered(query_text(twin))
            assert rows == plain_rows, values
        else:
            assert Counter(map(tuple, rows)) == Counter(map(tuple, plain_rows)), values
        answers.append(plain_rows)
    # the second binding is worth having: the plain answer depends on it
    assert len(answers) == 1 or answers[0] != answers[1]
