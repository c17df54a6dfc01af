"""SHACL shapes: their spreadsheet annotations, the example dataset, and data-driven cases.

Each file in `valid/` must conform. Each file in `invalid/` declares, in leading comment
lines `# expect: FOCUS PATH COMPONENT` (prefixed names), exactly the violations it must
raise; every reported message must exist in French and in English.
"""

from __future__ import annotations

import re
from importlib.resources import as_file, files
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

HERE = Path(__file__).resolve().parent
VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))
TSRX = Namespace("https://w3id.org/tsr-observatory/shapes-ext#")
DATA = "https://data.tsr-observatory.org/id/"
PREFIXES = {
    "tsr": "https://w3id.org/tsr-observatory/ontology#",
    "qb": "http://purl.org/linked-data/cube#",
    "sh": str(SH),
    **{kind: f"{DATA}{kind}/" for kind in (
        "actor", "project", "participation", "funding", "programme", "output", "partnership",
        "observation", "transformation", "membership", "network")},
}


def _parse_package(package: str, pattern: str = "*.ttl", sub: str | None = None) -> Graph:
    graph = Graph()
    root = files(package) if sub is None else files(package) / sub
    for resource in sorted(root.iterdir(), key=lambda r: r.name):
        if Path(resource.name).match(pattern):
            with as_file(resource) as path:
                graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return _parse_package("shapes")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return _parse_package("ontology")


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    return _parse_package("ontology", sub="vocabularies")


def validate(data: Graph, shapes: Graph, ontology: Graph, vocabularies: Graph) -> tuple[bool, Graph]:
    data_graph = data + vocabularies
    conforms, report, _ = pyshacl.validate(
        data_graph, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True)
    return conforms, report


def expand(name: str) -> URIRef:
    prefix, local = name.split(":", 1)
    return URIRef(PREFIXES[prefix] + local)


def expected_violations(path: Path) -> set[tuple[URIRef, URIRef, URIRef]]:
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s*expect:\s*(\S+)\s+(\S+)\s+(\S+)\s*$", line)
        if match:
            found.add(tuple(expand(part) for part in match.groups()))
    return found


def results(report: Graph) -> list[URIRef]:
    """Top-level results only: nested sh:detail results belong to helper shapes."""
    return list(report.objects(None, SH.result))


def node_shapes(shapes: Graph) -> list[URIRef]:
    return sorted(s for s in shapes.subjects(SH.targetClass, None) if isinstance(s, URIRef))


def langs(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


def assert_bilingual_messages(report: Graph, result: URIRef) -> None:
    """The result carries its shape's message in French and in English.

    pySHACL drops the language tag of SPARQL-constraint messages once it has substituted
    {?value}; for those, the constraint itself must hold both languages and the result
    must carry one message per language.
    """
    messages = list(report.objects(result, SH.resultMessage))
    if {"fr", "en"} <= {m.language for m in messages if isinstance(m, Literal)}:
        return
    source = report.value(result, SH.sourceConstraint)
    assert source is not None, f"result without fr+en message: {messages}"
    assert {"fr", "en"} <= langs(report, source, SH.message), source
    assert len(messages) >= 2, messages


# --------------------------------------------------------------------------- annotations

def test_every_class_sheet_has_names_order_and_key_rule(shapes: Graph) -> None:
    orders = []
    for shape in node_shapes(shapes):
        assert {"fr", "en"} <= langs(shapes, shape, SH.name), shape
        assert {"fr", "en"} <= langs(shapes, shape, SH.description), shape
        orders.append(int(shapes.value(shape, TSRX.order)))
        assert shapes.value(shape, TSRX.iriType) is not None, shape
        assert (shapes.value(shape, TSRX.keyParts) is not None
                or shapes.value(shape, TSRX.keyAlternatives) is not None), shape
    assert sorted(orders) == list(range(1, len(orders) + 1))


def test_every_column_has_simple_path_names_help_order_and_messages(shapes: Graph) -> None:
    columns = 0
    for shape in node_shapes(shapes):
        paths = []
        for prop in shapes.objects(shape, SH.property):
            columns += 1
            path = shapes.value(prop, SH.path)
            assert isinstance(path, URIRef), (shape, prop)
            paths.append(path)
            for predicate in (SH.name, SH.description, SH.message):
                assert {"fr", "en"} <= langs(shapes, prop, predicate), (prop, predicate)
            assert shapes.value(prop, SH.order) is not None, prop
        assert len(paths) == len(set(paths)), f"{shape}: one column per property"
        for part in Collection(shapes, shapes.value(shape, TSRX.keyParts) or RDF.nil):
            assert part in paths, (shape, part)
        alternatives = shapes.value(shape, TSRX.keyAlternatives)
        for alt in Collection(shapes, alternatives) if alternatives else []:
            assert shapes.value(alt, TSRX.path) in paths, (shape, alt)
    assert columns > 80


def test_sparql_constraints_have_bilingual_messages(shapes: Graph) -> None:
    constraints = list(shapes.objects(None, SH.sparql))
    assert len(constraints) == 5
    for constraint in constraints:
        assert {"fr", "en"} <= langs(shapes, constraint, SH.message)


def test_vocabulary_columns_name_an_existing_scheme(shapes: Graph, vocabularies: Graph) -> None:
    from rdflib.namespace import SKOS

    schemes = set(vocabularies.subjects(RDF.type, SKOS.ConceptScheme))
    used = set(shapes.objects(None, TSRX.scheme))
    assert used and used <= schemes


def test_every_shape_file_has_valid_and_invalid_cases() -> None:
    shape_files = [r.name[:-4] for r in files("shapes").iterdir() if r.name.endswith(".ttl")]
    sheets = [name for name in shape_files if name not in ("concepts", "tsrx")]
    assert len(sheets) == 11
    for name in sheets:
        assert any(p.name.startswith(name + "-") for p in VALID), name
        assert any(p.name.startswith(name + "-") for p in INVALID), name


# --------------------------------------------------------------------------- data

def test_example_dataset_conforms(shapes: Graph, ontology: Graph, vocabularies: Graph) -> None:
    with as_file(files("examples") / "tsr-example.ttl") as path:
        data = Graph().parse(path, format="turtle")
    conforms, report = validate(data, shapes, ontology, vocabularies)
    assert conforms, report.serialize(format="turtle")[:3000]


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_file_conforms(path: Path, shapes: Graph, ontology: Graph, vocabularies: Graph) -> None:
    conforms, report = validate(Graph().parse(path, format="turtle"), shapes, ontology, vocabularies)
    assert conforms, report.serialize(format="turtle")


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_file_raises_exactly_its_violations(
        path: Path, shapes: Graph, ontology: Graph, vocabularies: Graph) -> None:
    expected = expected_violations(path)
    assert expected, f"{path.name} declares no '# expect:' line"
    conforms, report = validate(Graph().parse(path, format="turtle"), shapes, ontology, vocabularies)
    assert not conforms
    found = set()
    for result in results(report):
        found.add((report.value(result, SH.focusNode), report.value(result, SH.resultPath),
                   report.value(result, SH.sourceConstraintComponent)))
        assert_bilingual_messages(report, result)
    assert found == expected, (sorted(found - expected), sorted(expected - found))


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
