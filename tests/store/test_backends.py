"""The store contract, run on both backends (embedded on disk and a real `oxigraph serve`)."""

from __future__ import annotations

import io

import pytest
from pyoxigraph import Literal, NamedNode, QueryBoolean, RdfFormat, Triple, parse

from store import QuerySyntaxError, Store
from store.lazy_results import is_solutions

EX = "http://example.org/"
G1, G2 = NamedNode(EX + "g1"), NamedNode(EX + "g2")


def triple(s: str, o: str) -> Triple:
    return Triple(NamedNode(EX + s), NamedNode(EX + "p"), Literal(o))


def objects(store: Store, graph: NamedNode) -> set[str]:
    rows = store.query(f"SELECT ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
    return {row["o"].value for row in rows}


def test_add_then_count_and_list_graphs(any_store: Store) -> None:
    any_store.add([triple("a", "1"), triple("b", "2")], G1)
    any_store.add([triple("c", "3")], G2)
    assert any_store.count(G1) == 2
    assert any_store.count() == 3
    assert [(g.name, g.triples) for g in any_store.graphs()] == [(G1, 2), (G2, 1)]


def test_select_default_graph_is_union_of_graphs(any_store: Store) -> None:
    any_store.add([triple("a", "1")], G1)
    any_store.add([triple("b", "2")], G2)
    rows = any_store.query("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o")
    assert is_solutions(rows)
    assert [row["o"].value for row in rows] == ["1", "2"]


def test_explicit_default_graph_limits_the_dataset(any_store: Store) -> None:
    any_store.add([triple("a", "1")], G1)
    any_store.add([triple("b", "2")], G2)
    rows = any_store.query("SELECT ?o WHERE { ?s ?p ?o }", default_graph=[G2], named_graphs=[G2])
    assert [row["o"].value for row in rows] == ["2"]
    rows = any_store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", default_graph=[G2],
                           named_graphs=[G2])
    assert [row["g"] for row in rows] == [G2]


def test_ask_construct_describe(any_store: Store) -> None:
    any_store.add([triple("a", "1")], G1)
    assert bool(any_store.query("ASK { ?s ?p \"1\" }")) is True
    assert isinstance(any_store.query("ASK { ?s ?p \"9\" }"), QueryBoolean | bool)
    assert bool(any_store.query("ASK { ?s ?p \"9\" }")) is False
    built = set(any_store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
    assert built == {triple("a", "1")}
    described = set(any_store.query(f"DESCRIBE <{EX}a>"))
    assert triple("a", "1") in described


def test_update_is_applied(any_store: Store) -> None:
    any_store.update(f'INSERT DATA {{ GRAPH {G1} {{ <{EX}x> <{EX}p> "new" }} }}')
    assert objects(any_store, G1) == {"new"}


def test_failed_update_changes_nothing(any_store: Store) -> None:
    any_store.add([triple("a", "1")], G1)
    with pytest.raises(QuerySyntaxError):
        any_store.update(f"DROP GRAPH {G1} ; INSERT DATA {{ oops")
    assert objects(any_store, G1) == {"1"}


def test_replace_graph_swaps_content_and_leaves_others(any_store: Store) -> None:
    any_store.add([triple("a", "old")], G1)
    any_store.add([triple("b", "keep")], G2)
    any_store.replace_graph(G1, [triple("a", "new1"), triple("c", "new2")])
    assert objects(any_store, G1) == {"new1", "new2"}
    assert objects(any_store, G2) == {"keep"}


def test_replace_graph_large_goes_through_staging_without_leftovers(any_store: Store) -> None:
    any_store.add([triple("a", "old")], G1)
    big = [triple(f"s{i}", str(i)) for i in range(60_000)]
    any_store.replace_graph(G1, big)
    assert any_store.count(G1) == 60_000
    assert [g.name for g in any_store.graphs()] == [G1]


def test_drop_graph(any_store: Store) -> None:
    any_store.add([triple("a", "1")], G1)
    any_store.drop_graph(G1)
    any_store.drop_graph(G1)  # dropping a missing graph is not an error
    assert any_store.graphs() == []


@pytest.mark.parametrize("fmt", [RdfFormat.N_QUADS, RdfFormat.TRIG])
def test_dump_whole_dataset_round_trips(any_store: Store, fmt: RdfFormat) -> None:
    any_store.add([triple("a", "1")], G1)
    any_store.add([triple("b", "é \"q\"")], G2)
    out = io.BytesIO()
    any_store.dump(out, fmt)
    quads = {(q.subject, q.object, q.graph_name) for q in parse(out.getvalue(), fmt)}
    assert quads == {(NamedNode(EX + "a"), Literal("1"), G1),
                     (NamedNode(EX + "b"), Literal("é \"q\""), G2)}


def test_dump_one_graph_as_turtle(any_store: Store) -> None:
    any_store.add([triple("a", "1")], G1)
    any_store.add([triple("b", "2")], G2)
    out = io.BytesIO()
    any_store.dump(out, RdfFormat.TURTLE, G2)
    assert {Triple(q.subject, q.predicate, q.object)
            for q in parse(out.getvalue(), RdfFormat.TURTLE)} == {triple("b", "2")}


def test_load_triples_into_graph_and_quads_into_theirs(any_store: Store) -> None:
    turtle = f'<{EX}a> <{EX}p> "1" .'.encode()
    assert any_store.load(io.BytesIO(turtle), RdfFormat.TURTLE, G1) == 1
    nquads = f'<{EX}b> <{EX}p> "2" <{EX}g2> .\n'.encode()
    any_store.load(io.BytesIO(nquads), RdfFormat.N_QUADS, None)
    assert objects(any_store, G1) == {"1"}
    assert objects(any_store, G2) == {"2"}


def test_malformed_query_reports_position(any_store: Store) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        list(any_store.query("SELECT ?s WHERE { ?s ?p }"))
    assert "1:" in str(caught.value) or "error" in str(caught.value).lower()


HOSTILE = [
    'quote " inside',
    "single ' quote",
    "angle > and < brackets",
    "brace } and { braces",
    "new\nline and \r return",
    "nul \u0000 char",
    "back\\slash \\\" escaped",
    '"""triple""" quotes',
    "} } ; DROP ALL ; INSERT DATA { <x> <y> <z> } #",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_parameters_come_back_as_plain_literals(any_store: Store, hostile: str) -> None:
    any_store.add([triple("a", "1")], G1)
    rows = list(any_store.query(
        "SELECT ?value ?s WHERE { ?s ?p ?o }", {"value": Literal(hostile)}
    ))
    assert len(rows) == 1
    assert rows[0]["value"] == Literal(hostile)
    # and the store is untouched
    assert objects(any_store, G1) == {"1"}


def test_parameters_filter_like_constants(any_store: Store) -> None:
    any_store.add([triple("a", "1"), triple("b", "2")], G1)
    rows = any_store.query("SELECT ?o WHERE { ?s ?p ?o FILTER(?s = ?_who) }",
                           {"_who": NamedNode(EX + "b")})
    assert [row["o"].value for row in rows] == ["2"]


def test_select_streams_large_results(any_store: Store) -> None:
    any_store.add([triple(f"s{i}", str(i)) for i in range(20_000)], G1)
    rows = any_store.query("SELECT ?s ?o WHERE { ?s ?p ?o }")
    first = next(iter(rows))
    assert first["o"].value.isdigit()
    assert sum(1 for _ in rows) == 19_999


def test_graph_names_are_cheap_and_sorted(any_store: Store) -> None:
    any_store.add([triple("b", "2")], G2)
    any_store.add([triple("a", "1")], G1)
    assert any_store.graph_names() == [G1, G2]


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
