"""Named queries: the `queries/*.rq` files, parsed once at start-up.

A file starts with a small header of `#+` comment lines that documents it and declares
its parameters; a parameter `name` is the variable `?_name` in the query, bound as an RDF
term by the store (never pasted into the query text)::

    #+ summary: Actors by legal form
    #+ summary_fr: Acteurs par forme juridique
    #+ description: Counts actors per legal form.
    #+ question: CQ1
    #+ param: legal_form concept:legal-form optional Only this legal form
    #+ default: legal_form association-1901
    SELECT ...

A query whose rows are aggregates of indicator observations may be marked as a published
aggregate (`#+ published: actors jobsFTE budget`): the first column counts the actors behind
a row, the others are the values that statistical confidentiality suppresses for a reader
without the read token when fewer than k actors are behind the row (api/confidentiality.py).

>>> query = parse_named_query("demo", "#+ param: year year required Year\\nASK { ?s ?p ?_year }")
>>> query.params[0].kind, query.params[0].required
('year', True)
>>> query.params[0].term("2023", "https://data.example/")
<Literal value=2023 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#gYear>>
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources.abc import Traversable

from pyoxigraph import Literal, NamedNode

from store.model import query_files
from store.namespaces import TSR, TSRV, XSD, DataIris, slug
from store.rdf_files import BadInputError
from store.sparql_text import query_form

from .sparql.text import SparqlFacts, read_sparql

# Query-string names /api/queries routes use themselves; a query may not declare them.
RESERVED_NAMES = frozenset({"format", "request"})
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_MINTED_KEY = re.compile(r"[a-z0-9][a-z0-9~-]*")
_SIMPLE_KINDS = {
    "iri": "an absolute IRI",
    "string": "a text",
    "text": "a text matched ignoring case and accents",
    "integer": "an integer",
    "decimal": "a decimal number",
    "boolean": "true or false",
    "date": "a date, YYYY-MM-DD",
    "year": "a year, YYYY",
    "class": "an ontology class name (e.g. TSRActor) or IRI",
}
# Kinds with an argument: `concept:{scheme}` (a notation or a concept IRI) and
# `entity:{type}` (a minted key such as `siren-812345674`, or an entity IRI).
_PREFIXED_KINDS = ("concept:", "entity:")
_PATTERNS = {
    "integer": r"^[+-]?\d{1,18}$",
    "decimal": r"^[+-]?(\d+(\.\d*)?|\.\d+)$",
    "boolean": r"^(true|false|1|0)$",
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "year": r"^\d{4}$",
}


class ParameterValueError(ValueError):
    """A request gave a parameter value of the wrong form; the message is for the user."""


@dataclass(frozen=True)
class QueryParam:
    name: str
    kind: str
    required: bool
    description: str
    default: str | None = None

    @property
    def pattern(self) -> str | None:
        return _PATTERNS.get(self.kind)

    @property
    def kind_text(self) -> str:
        if self.kind.startswith("concept:"):
            return f"a concept of the {self.kind[8:]} scheme (its notation, or its IRI)"
        if self.kind.startswith("entity:"):
            return f"a {self.kind[7:]} (its key as in /id/{self.kind[7:]}/KEY, or its IRI)"
        return _SIMPLE_KINDS[self.kind]

    def term(self, value: str, base_iri: str) -> NamedNode | Literal:
        """The RDF term a request value stands for; ParameterValueError if malformed."""
        pattern = self.pattern
        if pattern and not re.match(pattern, value):
            raise ParameterValueError(f"parameter {self.name}: {value!r} is not {self.kind_text}")
        kind = self.kind
        given_iri = value.startswith(("http://", "https://"))
        if kind == "iri" or (given_iri and (kind == "class" or kind.startswith(_PREFIXED_KINDS))):
            return _iri(self.name, value)
        if kind == "class":
            return _iri(self.name, TSR + value, shown=value)
        if kind.startswith("concept:"):
            return _iri(self.name, f"{TSRV}{kind[8:]}/{slug(value)}", shown=value)
        if kind.startswith("entity:"):
            # a minted key as it is (`tsr-example~co3-sols`, `a--b--c`), else its slug
            key = value if _MINTED_KEY.fullmatch(value) else slug(value)
            return DataIris(base_iri).entity(kind[7:], key or "-")
        if kind == "text":
            return Literal(fold(value))
        if kind in ("integer", "decimal", "date"):
            return Literal(value.lstrip("+"), datatype=NamedNode(XSD + kind))
        if kind == "year":
            return Literal(value, datatype=NamedNode(XSD + "gYear"))
        if kind == "boolean":
            return Literal(value in ("true", "1"), datatype=NamedNode(XSD + "boolean"))
        return Literal(value)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    form: str
    summary: str = ""
    summary_fr: str = ""
    description: str = ""
    description_fr: str = ""
    question: str = ""
    params: tuple[QueryParam, ...] = field(default_factory=tuple)
    # a published aggregate: (column counting the actors behind a row, suppressed columns...)
    published: tuple[str, ...] = ()
    # the documented text when a tuned twin (`queries/{name}.tuned.rq`) runs in its place;
    # None when `text` is the file itself
    plain: str | None = None

    @property
    def readable_text(self) -> str:
        """The text people read (the gallery, the OpenAPI document): the plain file."""
        return self.plain if self.plain is not None else self.text

    @property
    def tuned(self) -> bool:
        return self.plain is not None

    @cached_property
    def facts(self) -> SparqlFacts:
        """What the server reads from the text before running it (FROM clauses...)."""
        return read_sparql(self.text)

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def bindings(self, values: dict[str, str | None], base_iri: str
                 ) -> dict[str, NamedNode | Literal]:
        """RDF terms for the given request values (defaults filled in, empty values skipped)."""
        bound: dict[str, NamedNode | Literal] = {}
        for param in self.params:
            value = values.get(param.name)
            if value is None or value == "":
                value = param.default
            if value is None or value == "":
                if param.required:
                    raise ParameterValueError(f"parameter {param.name} is required")
                continue
            bound[f"_{param.name}"] = param.term(value, base_iri)
        return bound


def fold(text: str) -> str:
    """Lower case without accents, as the `text` parameters and search compare.

    >>> fold("Économie SOLIDAIRE")
    'economie solidaire'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.lower().replace("œ", "oe").replace("æ", "ae")


def _iri(name: str, value: str, shown: str | None = None) -> NamedNode:
    try:
        return NamedNode(value)
    except ValueError:
        given = value if shown is None else shown
        raise ParameterValueError(f"parameter {name}: {given!r} is not a valid IRI") from None


def parse_named_query(name: str, text: str, *, source: str | None = None) -> NamedQuery:
    """Read the header of one query; BadInputError names the file and line of a bad header."""
    where = source or f"{name}.rq"
    header: dict[str, str] = {}
    published: tuple[str, ...] = ()
    declared: list[tuple[str, str, bool, str]] = []
    defaults: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#+"):
            continue
        key, _, value = line[2:].partition(":")
        key, value = key.strip(), value.strip()
        if key in ("summary", "summary_fr", "description", "description_fr", "question"):
            header[key] = f"{header[key]} {value}".strip() if key in header else value
        elif key == "published":
            published = tuple(value.split())
            if len(published) < 2:
                raise BadInputError(f"{where} line {number}: write `#+ published: ACTORS_COLUMN "
                                    "VALUE_COLUMN...` (the column counting the actors, then "
                                    "the columns to suppress)")
        elif key == "param":
            declared.append(_parse_param(value, f"{where} line {number}"))
        elif key == "default":
            param_name, _, default = value.partition(" ")
            defaults[param_name] = default.strip()
        else:
            raise BadInputError(f"{where} line {number}: unknown header key {key!r} (use "
                                "summary, summary_fr, description, description_fr, question, "
                                "param, default, published)")
    try:
        form = query_form(text)
    except ValueError as error:
        raise BadInputError(f"{where}: {error}") from None
    params = tuple(
        QueryParam(p_name, kind, required, description, defaults.get(p_name))
        for p_name, kind, required, description in declared
    )
    unknown = set(defaults) - {p.name for p in params}
    if unknown:
        raise BadInputError(f"{where}: default for undeclared parameter {sorted(unknown)[0]}")
    for param in params:
        if f"?_{param.name}" not in text and f"$_{param.name}" not in text:
            raise BadInputError(f"{where}: parameter {param.name} is declared but the query "
                                f"never uses ?_{param.name}")
    for column in published:
        if f"?{column}" not in text:
            raise BadInputError(f"{where}: published column {column} is not a variable of "
                                "the query")
    return NamedQuery(name=name, text=text, form=form, params=params, published=published,
                      **header)


def _parse_param(value: str, where: str) -> tuple[str, str, bool, str]:
    parts = value.split(maxsplit=3)
    if len(parts) < 3 or parts[2] not in ("required", "optional"):
        raise BadInputError(f"{where}: write `#+ param: name type required|optional "
                            "description`")
    name, kind, presence = parts[:3]
    if not _NAME.fullmatch(name) or name in RESERVED_NAMES:
        raise BadInputError(f"{where}: {name!r} cannot be a parameter name (lower-case "
                            f"letters, digits, _; not {', '.join(sorted(RESERVED_NAMES))})")
    if kind not in _SIMPLE_KINDS and not (kind.startswith(_PREFIXED_KINDS) and
                                          _NAME.fullmatch(kind.split(":", 1)[1].replace("-", "_"))):
        raise BadInputError(f"{where}: unknown parameter type {kind!r} (use "
                            f"{', '.join(_SIMPLE_KINDS)}, concept:SCHEME or entity:TYPE)")
    return name, kind, presence == "required", parts[3] if len(parts) > 3 else ""


TUNED_SUFFIX = ".tuned.rq"


def load_named_queries(files: Iterable[Traversable] | None = None) -> dict[str, NamedQuery]:
    """Parse every query file (default: the shipped `queries/*.rq`), by name.

    A tuned twin `{name}.tuned.rq` is not a query of its own: it runs in place of
    `{name}.rq`, whose text stays the documented one (`readable_text`). The twin must
    declare the same `#+` header, so that both take the same parameters."""
    found: dict[str, NamedQuery] = {}
    sources = sorted(files if files is not None else query_files(), key=lambda f: f.name)
    twins = {source.name.removesuffix(TUNED_SUFFIX): source
             for source in sources if source.name.endswith(TUNED_SUFFIX)}
    for source in sources:
        if source.name.endswith(TUNED_SUFFIX):
            continue
        name = source.name.removesuffix(".rq")
        query = parse_named_query(name, source.read_text(encoding="utf-8"),
                                  source=f"queries/{source.name}")
        twin = twins.pop(name, None)
        if twin is not None:
            query = _with_twin(query, twin)
        found[name] = query
    if twins:
        lonely = sorted(twins.values(), key=lambda f: f.name)[0].name
        raise BadInputError(f"queries/{lonely}: a tuned twin without its plain query "
                            f"{lonely.removesuffix(TUNED_SUFFIX)}.rq")
    return found


def header_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#+")]


def _with_twin(query: NamedQuery, twin: Traversable) -> NamedQuery:
    text = twin.read_text(encoding="utf-8")
    where = f"queries/{twin.name}"
    tuned = parse_named_query(query.name, text, source=where)
    if header_lines(text) != header_lines(query.text):
        raise BadInputError(f"{where}: its `#+` header differs from {query.name}.rq's")
    if tuned.form != query.form:
        raise BadInputError(f"{where}: a {tuned.form} twin of a {query.form} query")
    return dataclasses.replace(query, text=text, plain=query.text)


@cache
def shipped_queries() -> dict[str, NamedQuery]:
    """The shipped queries, parsed once per process."""
    return load_named_queries()
