"""api/sparql/text.py: a text that holds neither FROM nor SERVICE is read only up to its
operation, and that reading gives what reading every token gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.sparql.text import read_sparql, read_whole

QUERIES = Path(__file__).resolve().parents[2] / "queries"
DEEP = 4000
TEXTS = {
    **{path.name: path.read_text(encoding="utf-8") for path in sorted(QUERIES.glob("*.rq"))},
    "deep FILTER": "ASK { FILTER(" + "(" * DEEP + "1" + ")" * DEEP + ") }",
    "nested BIND": 'SELECT ?x3 { BIND("ab" AS ?x0)' + "".join(
        f" BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(3)) + " }",
    "prefix then ask": "PREFIX ex: <http://example.org/> ASK { ex:a ?p ?o }",
    "comment before the form": "# SELECT in a comment\nCONSTRUCT WHERE { ?s ?p ?o }",
    "string holding a form": 'ASK { ?s ?p "SELECT" }',
    "update": "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }",
    "WITH update": "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "FROM": "SELECT * FROM <http://g> FROM NAMED <http://h> { ?s ?p ?o }",
    "lower-case from": "select * from <http://g> { ?s ?p ?o }",
    "SERVICE after a comment ended by CR": "SELECT * { #x\rSERVICE <http://x/> { ?s ?p ?o } }",
    "SERVICE by prefix": "PREFIX w: <http://x/> SELECT * { SERVICE w:sparql { ?s ?p ?o } }",
    "SERVICE variable": "SELECT * { SERVICE ?e { ?s ?p ?o } }",
    "escaped SERVICE": "SELECT * { SERV\\u0049CE <http://x/> { ?s ?p ?o } }",
    "long s": "SELECT * { \u017fERVICE <http://x/> { ?s ?p ?o } }",
    "nothing": "   ",
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_short_reading_gives_the_whole_reading(name: str) -> None:
    assert read_sparql(TEXTS[name]) == read_whole(TEXTS[name])


def test_a_query_without_from_or_service_is_read_to_its_form() -> None:
    assert read_sparql(TEXTS["deep FILTER"]).operation == "ASK"
    assert read_sparql(TEXTS["update"]).is_update
    assert read_sparql(TEXTS["comment before the form"]).operation == "CONSTRUCT"
    assert read_sparql(TEXTS["FROM"]).from_named_graphs == ["http://h"]
