"""Which queries run in the server's own threads, outside the query workers
(store/single_scan.py): one triple pattern answered by one index scan, nothing else."""

from __future__ import annotations

import pytest

from store.single_scan import single_scan

IRI = "<https://data.example.org/id/actor/a1>"


@pytest.mark.parametrize("text", [
    f"SELECT ?p ?o WHERE {{ {IRI} ?p ?o }}",
    f"SELECT ?p ?o WHERE {{ {IRI} ?p ?o }} LIMIT 50",
    f"select * where {{ {IRI} ?p ?o . }}",
    f"ASK {{ {IRI} ?p ?o }}",
    "PREFIX tsr: <https://w3id.org/tsr-observatory/ontology#>\nSELECT ?a { ?a a tsr:Actor }",
    f"BASE <https://data.example.org/> SELECT ?s {{ ?s <knows> {IRI} }}",
    f"SELECT $p ?o {{ {IRI} $p ?o }}",
])
def test_one_pattern_with_a_constant_is_a_single_scan(text: str) -> None:
    assert single_scan(text)


@pytest.mark.parametrize("text", [
    "SELECT ?s { ?s ?p ?o }",  # no constant: the whole store
    "SELECT ?s { ?s ?p ?s }",  # a repeated variable: a scan that filters
    f"SELECT ?p {{ {IRI} ?p $p }}",  # the same variable, two spellings
    f"SELECT ?p ?o {{ {IRI} ?p ?o . ?o ?q ?r }}",  # a join
    f"SELECT ?p ?o {{ {IRI} ?p ?o }} OFFSET 100000000",  # scans what it skips
    f"SELECT ?p ?o {{ {IRI} ?p ?o }} ORDER BY ?o",
    f"SELECT DISTINCT ?p {{ {IRI} ?p ?o }}",
    f"SELECT (COUNT(*) AS ?n) {{ {IRI} ?p ?o }}",
    f"SELECT ?o {{ {IRI} <urn:p>* ?o }}",  # a path
    f"SELECT ?o {{ {IRI} <urn:p>/<urn:q> ?o }}",
    f'SELECT ?p {{ {IRI} ?p "x" }}',  # strings are left to the workers
    f"SELECT ?p ?o {{ {IRI} ?p ?o FILTER(REGEX(STR(?o), \"(a+)+$\")) }}",
    f"SELECT ?p ?o {{ {IRI} ?p ?o }} # a comment",
    f"SELECT ?p ?o {{ #x\rSERVICE <http://127.0.0.1:9/> {{ ?s ?p ?o }} {IRI} ?p ?o }}",
    f"SELECT ?p ?o {{ SERVICE <http://127.0.0.1:9/> {{ {IRI} ?p ?o }} }}",
    f"SELECT ?p ?o {{ {{ {IRI} ?p ?o }} }}",  # nesting
    f"SELECT ?p ?o {{ GRAPH ?g {{ {IRI} ?p ?o }} }}",
    f"SELECT ?p ?o FROM <urn:g> {{ {IRI} ?p ?o }}",
    "SELECT ?p ?o { <https://x/\\u0041> ?p ?o }",  # escapes
    f"SELECT ?p ?o {{ {IRI} ?p ?o }} VALUES ?p {{ <urn:a> }}",
    f"CONSTRUCT WHERE {{ {IRI} ?p ?o }}",
    f"SELECT ?p ?o {{ {IRI} ?p ?o }} " + " " * 3000,  # too long to be worth reading
])
def test_anything_else_goes_to_a_worker(text: str) -> None:
    assert not single_scan(text)
