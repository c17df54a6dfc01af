"""The lexer-aware helpers the remote backend uses to bind parameters."""

from __future__ import annotations

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Store

from store.sparql_text import calls_wrapped, query_form, with_binds, with_values


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


@pytest.mark.parametrize("bind", [with_values, with_binds])
@pytest.mark.parametrize("text", QUERIES)
def test_values_block_keeps_the_query_valid_and_binds(text: str, bind: object) -> None:
    store = Store()
    store.update('INSERT DATA { <http://ex/a> <http://ex/p> "1" }')
    assert callable(bind)
    bound = bind(text, {"x": Literal('he said "}" \n')})
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


def test_calls_are_wrapped_with_the_same_value() -> None:
    text = ('SELECT ?r WHERE { BIND(REPLACE(REPLACE(lcase("Déjà (vu)"), "[àâ]", "a"), '
            '"[éè]", "e") AS ?r) FILTER(CONTAINS(?r, "REPLACE(")) } # REPLACE(')
    wrapped = calls_wrapped(text, {"REPLACE", "LCASE"})
    assert wrapped == ('SELECT ?r WHERE { BIND(CONCAT(REPLACE(CONCAT(REPLACE(CONCAT('
                       'lcase("Déjà (vu)")), "[àâ]", "a")), "[éè]", "e")) AS ?r) '
                       'FILTER(CONTAINS(?r, "REPLACE(")) } # REPLACE(')
    store = Store()
    plain = calls_wrapped('SELECT ?r { BIND(REPLACE(LCASE("Déjà (vu)"), "[àâ]", "a") AS ?r) }',
                          {"REPLACE", "LCASE"})
    assert [row["r"] for row in store.query(plain)] == [Literal("déja (vu)")]
    tagged = calls_wrapped('SELECT ?r { BIND(UCASE("vu"@fr) AS ?r) }', {"UCASE"})
    assert [row["r"] for row in store.query(tagged)] == [Literal("VU", language="fr")]
