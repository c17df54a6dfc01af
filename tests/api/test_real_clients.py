"""Against a real `tsr serve` (uvicorn) on an on-disk store, with real SPARQL clients."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from .conftest import PUBLIC_GRAPH

ACTORS = ("PREFIX tsr: <https://w3id.org/tsr-observatory/ontology#> "
          "SELECT ?actor ?name WHERE { ?actor a tsr:Actor ; tsr:name ?name } ORDER BY ?actor")
NAMES = ("PREFIX tsr: <https://w3id.org/tsr-observatory/ontology#> "
         "CONSTRUCT { ?a tsr:name ?n } WHERE { ?a a tsr:Actor ; tsr:name ?n }")


def _wrapper(served: str, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(f"{served}/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_select_formats(served: str) -> None:
    rows = _wrapper(served, ACTORS, JSON).queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert len(rows) > 5
    xml = _wrapper(served, ACTORS, XML).queryAndConvert()
    assert len(xml.getElementsByTagName("result")) == len(rows)  # type: ignore[union-attr]
    csv_text = _wrapper(served, ACTORS, CSV).queryAndConvert().decode()  # type: ignore[union-attr]
    assert csv_text.splitlines()[0] == "actor,name" and len(csv_text.splitlines()) == len(rows) + 1


def test_sparqlwrapper_construct_turtle_and_jsonld(served: str) -> None:
    expected = len(_wrapper(served, ACTORS, JSON).queryAndConvert()["results"]["bindings"])  # type: ignore[index]
    turtle = _wrapper(served, NAMES, TURTLE).queryAndConvert()
    assert len(rdflib.Graph().parse(data=turtle, format="turtle")) == expected
    with warnings.catch_warnings():
        # SPARQLWrapper parses JSON-LD with rdflib's ConjunctiveGraph, which rdflib deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = _wrapper(served, NAMES, JSONLD).queryAndConvert()
    assert len(graph) == expected  # type: ignore[arg-type]


def test_rdflib_sparqlstore(served: str) -> None:
    store = SPARQLStore(f"{served}/sparql", returnFormat="json")
    try:
        graph = rdflib.Graph(store=store)
        rows = list(graph.query(ACTORS))
        assert len(rows) > 5
        in_source = list(graph.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{PUBLIC_GRAPH.value}> {{ ?s ?p ?o }} }}"))
        assert int(in_source[0][0]) > 1000  # type: ignore[index]
    finally:
        store.close()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _server_pid(served: str) -> int:
    port = served.rsplit(":", 1)[1]
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = status.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and port.encode() in command:
            return int(status.parent.name)
    raise AssertionError("server process not found")


@pytest.mark.slow
def test_million_rows_stream_with_flat_memory(served: str) -> None:
    million = ("SELECT ?a ?d { {SELECT ?a {?a ?b ?c} LIMIT 1000} "
               "{SELECT ?d {?d ?e ?f} LIMIT 1000} }")
    pid = _server_pid(served)
    before = _rss_kib(pid)
    peak, rows, first_byte = before, 0, None
    started = time.monotonic()
    with httpx.stream("GET", f"{served}/sparql", params={"query": million},
                      headers={"Accept": "text/tab-separated-values"}, timeout=120) as response:
        assert response.status_code == 200
        for number, _line in enumerate(response.iter_lines()):
            if first_byte is None:
                first_byte = time.monotonic() - started
            rows += 1
            if number % 50_000 == 0:
                peak = max(peak, _rss_kib(pid))
    assert rows == 1_000_001  # header + a million rows
    assert first_byte is not None and first_byte < 1.0
    # the response is ~100 MB; the server holds a few 64 KiB chunks of it at a time
    assert peak - before < 40 * 1024, f"server RSS grew by {(peak - before) // 1024} MiB"


ASK_ANY = "ASK { ?s ?p ?o }"
DESCRIBE_ONE = ("PREFIX tsr: <https://w3id.org/tsr-observatory/ontology#> "
                "DESCRIBE ?a WHERE { ?a a tsr:Actor } ORDER BY ?a LIMIT 1")


def _plain_wrapper(served: str, query: str, fmt: str | None = None) -> SPARQLWrapper:
    """SPARQLWrapper as a data scientist uses it: its defaults (it sends `format=`,
    `output=` and `results=` beside `Accept`), no setOnlyConneg."""
    client = SPARQLWrapper(f"{served}/sparql")
    client.setQuery(query)
    if fmt is not None:
        client.setReturnFormat(fmt)
    return client


@pytest.mark.parametrize("query", [NAMES, DESCRIBE_ONE], ids=["construct", "describe"])
@pytest.mark.parametrize("fmt", [None, XML, RDFXML, RDF, TURTLE, N3, JSONLD, JSON])
def test_sparqlwrapper_defaults_graph_forms(served: str, query: str, fmt: str | None) -> None:
    with warnings.catch_warnings():
        # SPARQLWrapper warns that it sends `Accept: */*` for RDF and JSON, and parses
        # JSON-LD with rdflib's deprecated ConjunctiveGraph
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        result = _plain_wrapper(served, query, fmt).query()
        assert result.response.status == 200
        converted = result.convert()
    if isinstance(converted, bytes):  # Turtle and N3 come back as text
        converted = rdflib.Graph().parse(data=converted, format="turtle")
    assert isinstance(converted, rdflib.Graph)
    assert len(converted) > 0


@pytest.mark.parametrize("fmt", [None, XML, JSON, CSV, TSV])
def test_sparqlwrapper_defaults_result_forms(served: str, fmt: str | None) -> None:
    expected = len(_wrapper(served, ACTORS, JSON).queryAndConvert()["results"]["bindings"])  # type: ignore[index]
    select = _plain_wrapper(served, ACTORS, fmt).queryAndConvert()
    ask = _plain_wrapper(served, ASK_ANY, fmt).queryAndConvert()
    if fmt in (CSV, TSV):
        lines = select.decode().splitlines()  # type: ignore[union-attr]
        assert lines[0] == ("actor,name" if fmt == CSV else "?actor\t?name")
        assert len(lines) == expected + 1
        assert ask.decode().splitlines()[1] == "true"  # type: ignore[union-attr]
    elif fmt == JSON:
        assert len(select["results"]["bindings"]) == expected  # type: ignore[index]
        assert ask["boolean"] is True  # type: ignore[index]
    else:  # SPARQL XML, SPARQLWrapper's default
        assert len(select.getElementsByTagName("result")) == expected  # type: ignore[union-attr]
        boolean = ask.getElementsByTagName("boolean")[0]  # type: ignore[union-attr]
        assert boolean.firstChild.data == "true"


def test_rdflib_sparqlstore_every_form(served: str) -> None:
    """rdflib's SPARQLStore with its default return format (XML): SELECT, ASK, CONSTRUCT and
    DESCRIBE (it asks for RDF/XML for the last two)."""
    store = SPARQLStore(f"{served}/sparql")
    try:
        graph = rdflib.Graph(store=store)
        assert graph.query(ASK_ANY).askAnswer is True
        names = graph.query(NAMES).graph
        assert names is not None and len(names) == len(list(graph.query(ACTORS)))
        described = graph.query(DESCRIBE_ONE).graph
        assert described is not None and len(described) > 3
    finally:
        store.close()


@pytest.mark.parametrize("path", ["/", "/id/actor/siren-810079194", "/api/actors",
                                  f"/sparql?query={ASK_ANY}", "/dumps/tsr.ttl",
                                  "/reconcile", "/.well-known/void"])
def test_head_through_uvicorn(served: str, path: str) -> None:
    plain = {"Accept-Encoding": "identity"}  # the length of the body as sent
    got = httpx.get(served + path, headers=plain, timeout=30)
    head = httpx.head(served + path, headers=plain, timeout=30)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if "content-length" in got.headers:
        assert head.headers["content-length"] == str(len(got.content))


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
