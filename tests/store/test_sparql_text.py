"""The lexer-aware helpers the remote backend uses to bind parameters."""

from __future__ import annotations

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Store

from store.sparql_text import query_form, with_values


@pytest.mark.parametrize(("text", "form"), [
    ("SELECT * { ?s ?p ?o }", "SELECT"),
    ("prefix ex: <http://ex/#select>\nask { ?s ex:construct ?o }", "ASK"),
    ("# SELECT in a comment\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ('DESCRIBE <http://ex/a>', "DESCRIBE"),
    ('BASE <http://x/> SELECT ("ASK" AS ?x) {}', "SELECT"),
])
def test_query_form_skips_comments_strings_iris_and_prefixed_names(text: str, form: str) -> None:
    assert query_form(text) == form


def test_query_form_rejects_updates() -> None:
    with pytest.raises(ValueError, match="not a SPARQL query"):
        query_form("INSERT DATA { <a:b> <a:c> <a:d> }")


QUERIES = [
    "SELECT ?x ?o WHERE { ?s ?p ?o }",
    "SELECT ?x ?o { ?s ?p ?o }",
    "ASK { ?s ?p ?o FILTER(?x != \"}\") }",
    "CONSTRUCT { ?s <http://ex/label> ?x } WHERE { ?s ?p ?o }",
    "PREFIX where: <http://ex/> SELECT ?x ?o WHERE { ?s where:p ?o } ORDER BY ?o",
    "SELECT ?x ?o WHERE { { SELECT ?s ?o WHERE { ?s ?p ?o } } }",
]


@pytest.mark.parametrize("text", QUERIES)
def test_values_block_keeps_the_query_valid_and_binds(text: str) -> None:
    store = Store()
    store.update('INSERT DATA { <http://ex/a> <http://ex/p> "1" }')
    bound = with_values(text, {"x": Literal('he said "}" \n')})
    result = store.query(bound)
    if isinstance(result, bool) or type(result).__name__ == "QueryBoolean":
        assert bool(result) is True
    else:
        items = list(result)
        assert items, bound
        first = items[0]
        value = first[2] if type(first).__name__ == "Triple" else first["x"]
        assert value == Literal('he said "}" \n')


def test_describe_without_where_gets_one() -> None:
    bound = with_values("DESCRIBE ?x", {"x": NamedNode("http://ex/a")})
    assert bound == "DESCRIBE ?x WHERE { VALUES (?x) { (<http://ex/a>) } }"


def test_blank_nodes_cannot_be_parameters() -> None:
    with pytest.raises(ValueError, match="blank nodes"):
        with_values("SELECT * { ?s ?p ?o }", {"s": BlankNode()})
