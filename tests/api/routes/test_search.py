"""`/api/search` answers from an in-memory index: the same items, in the same order, as the
named query's SPARQL folding on the example; restricted sources stay hidden; and a real
write (through `/sparql`, `/store`, or `tsr ingest` from another process against a remote
store) is seen by the next search."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode

from api.named_queries import fold, shipped_queries
from api.resources.search_index import SEARCHED_PROPERTIES, SearchIndex, fold_value
from api.resources.store_state import StoreState
from store import Store, open_store
from store.access import visible_graphs
from store.namespaces import TSR
from tests.api.conftest import (
    IRIS,
    PUBLIC_GRAPH,
    READER,
    SECRET_ACTOR,
    WRITER,
    AppClient,
    api_settings,
    load_test_data,
)
from tests.servers import oxigraph_server, remote_env

QUERY = shipped_queries()["api-search"]
NEW_ACTOR = IRIS.entity("actor", "name-zebulon-cooperative")
TEXTS = ["savoirs partages", "SAVOIRS PARTAGÉS", "Atelier des Sav", "810079194", "e", "a",
         "ment", "Économie", "oeuvre", "co3", "secrete", "ç", "", "zzz", "recherche", "19",
         "https://ror.org", '" } UNION { ?item ?p ?o } #']


@pytest.fixture(scope="module")
def example_store() -> Iterator[Store]:
    with open_store(api_settings()) as store:
        load_test_data(store)
        yield store


def sparql_search(store: Store, text: str, graphs: list[NamedNode],
                  wanted: NamedNode | None = None) -> list[str]:
    """What the named query itself answers, over `graphs`."""
    bindings: dict[str, NamedNode | Literal] = {"_q": Literal(fold(text))}
    if wanted is not None:
        bindings["_class"] = wanted
    rows = store.query(QUERY.text, bindings, default_graph=graphs, named_graphs=graphs)
    return [row["item"].value for row in rows]


def index_search(store: Store, text: str, graphs: list[NamedNode],
                 wanted: NamedNode | None = None) -> list[NamedNode | BlankNode]:
    index = SearchIndex(StoreState(store, IRIS))
    return index.search(index.fresh(), text, graphs, wanted)


@pytest.mark.parametrize("restricted", [False, True], ids=["anonymous", "reader"])
@pytest.mark.parametrize("text", TEXTS)
def test_the_index_finds_what_the_query_finds_in_the_same_order(
        example_store: Store, text: str, restricted: bool) -> None:
    graphs = visible_graphs(example_store, IRIS, include_restricted=restricted)
    found = [item.value for item in index_search(example_store, fold(text), graphs)]
    assert found == sparql_search(example_store, text, graphs)


@pytest.mark.parametrize("wanted", ["TSRActor", "Actor", "Project", "Output", "Concept"])
def test_the_class_filter_keeps_what_the_query_keeps(example_store: Store, wanted: str) -> None:
    graphs = visible_graphs(example_store, IRIS, include_restricted=False)
    for text in ("e", "savoirs", "a"):
        found = [item.value for item in
                 index_search(example_store, text, graphs, NamedNode(TSR + wanted))]
        assert found == sparql_search(example_store, text, graphs, NamedNode(TSR + wanted))


def test_every_value_of_the_example_is_found_by_its_own_text(example_store: Store) -> None:
    graphs = visible_graphs(example_store, IRIS, include_restricted=True)
    properties = " ".join(f"<{p}>" for p in SEARCHED_PROPERTIES)
    rows = list(example_store.query(
        f"SELECT DISTINCT ?value WHERE {{ VALUES ?p {{ {properties} }} ?item ?p ?value }}"))
    assert len(rows) > 100
    index = SearchIndex(StoreState(example_store, IRIS))
    for row in rows[::7]:
        text = row["value"].value
        assert index.search(index.fresh(), fold(text), graphs) == [
            NamedNode(iri) for iri in sparql_search(example_store, text, graphs)], text


@pytest.mark.parametrize("value", [
    "ÀÉÎÕÜ Ÿ Ñ Ç", "Œuvre Æther", "straße", "İstanbul", "ΟΔΟΣ", "ǅemal", "ﬁne", "Ōsaka",
    "ÅNGSTRÖM", "tab\there", "x\x00y", "émoji 🙂", "ⅫⅯ", "ß", "Ǆ",
])
def test_values_are_folded_as_the_query_folds_them(example_store: Store, value: str) -> None:
    text = QUERY.text
    fold_expression = text[text.index("BIND(") + 5:text.index(" AS ?folded")]
    expression = fold_expression.replace("?value", "?given")
    rows = example_store.query(f"SELECT ({expression} AS ?folded) WHERE {{}}",
                               {"given": Literal(value)})
    assert next(iter(rows))["folded"].value == fold_value(value)


def test_the_index_reads_the_properties_the_query_reads() -> None:
    where = QUERY.text[QUERY.text.index("WHERE"):]
    named = {f"{TSR}{word[4:]}" for word in where.split() if word.startswith("tsr:")}
    assert set(SEARCHED_PROPERTIES) == named


def test_restricted_values_are_found_only_with_a_read_token(api: AppClient) -> None:
    anonymous = api.get("/api/search", params={"q": "secrète"})
    assert anonymous.status_code == 200 and anonymous.json()["total"] == 0
    reader = api.get("/api/search", params={"q": "secrète"}, headers=READER).json()
    assert [item["id"] for item in reader["items"]] == [SECRET_ACTOR.value]


def test_pages_total_and_links_come_from_the_index(api: AppClient) -> None:
    whole = api.get("/api/search", params={"q": "e", "per_page": 100}).json()
    assert whole["total"] > 30
    ids = [item["id"] for item in whole["items"]]
    expected = sparql_search(api.app.state.store, "e",
                             visible_graphs(api.app.state.store, IRIS, include_restricted=False))
    assert ids == expected[:100]
    second = api.get("/api/search", params={"q": "e", "per_page": 10, "page": 2})
    assert [item["id"] for item in second.json()["items"]] == expected[10:20]
    assert second.json()["total"] == len(expected)
    assert 'rel="prev"' in second.headers["link"] and 'rel="next"' in second.headers["link"]
    beyond = api.get("/api/search", params={"q": "e", "per_page": 100, "page": 50}).json()
    assert beyond["items"] == [] and beyond["total"] == len(expected)


def found(api: AppClient, text: str) -> list[str]:
    """The items found for `text`, the same whether the index is still being built (the
    named query answers) or ready."""
    def ask() -> list[str]:
        response = api.get("/api/search", params={"q": text})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    first = ask()
    index = api.app.state.services.search_index
    index.fresh()
    assert index.ready(background=False) is not None
    assert ask() == first
    return first


def test_a_sparql_update_is_seen_by_the_next_search(fresh_api: AppClient) -> None:
    assert found(fresh_api, "zebulon") == []
    insert = (f"INSERT DATA {{ GRAPH {PUBLIC_GRAPH} {{ {NEW_ACTOR} a <{TSR}TSRActor> ; "
              f"<{TSR}name> \"Zébulon coopérative\" }} }}")
    assert fresh_api.post("/sparql", data={"update": insert}, headers=WRITER).status_code == 204
    assert found(fresh_api, "ZEBULON") == [NEW_ACTOR.value]
    rename = (f"DELETE {{ GRAPH ?g {{ {NEW_ACTOR} <{TSR}name> ?n }} }} INSERT {{ GRAPH ?g "
              f"{{ {NEW_ACTOR} <{TSR}name> \"Zoé coopérative\" }} }} WHERE {{ GRAPH ?g "
              f"{{ {NEW_ACTOR} <{TSR}name> ?n }} }}")
    assert fresh_api.post("/sparql", data={"update": rename}, headers=WRITER).status_code == 204
    assert found(fresh_api, "zebulon") == []
    assert found(fresh_api, "zoe coop") == [NEW_ACTOR.value]


def test_a_graph_store_write_is_seen_by_the_next_search(fresh_api: AppClient) -> None:
    assert found(fresh_api, "zebulon") == []
    graph = IRIS.source_graph("pushed.ttl")
    body = f'{NEW_ACTOR} <{TSR}name> "Zébulon coopérative" .'
    put = fresh_api.request("PUT", "/store", params={"graph": graph.value}, content=body,
                            headers={**WRITER, "Content-Type": "application/n-triples"})
    assert put.status_code == 201
    assert found(fresh_api, "zebulon") == [NEW_ACTOR.value]
    dropped = fresh_api.request("DELETE", "/store", params={"graph": graph.value},
                                headers=WRITER)
    assert dropped.status_code == 204
    assert found(fresh_api, "zebulon") == []


def test_an_ingest_by_another_process_into_a_remote_store_is_seen(tmp_path: Path) -> None:
    survey = tmp_path / "zebulon.csv"
    survey.write_text("Nom;Type d'acteur;Région\nZébulon coopérative;Association;Bretagne\n",
                      encoding="utf-8")
    with oxigraph_server() as base:
        env = remote_env(base)
        settings = api_settings("remote", query_url=env["TSR_QUERY_URL"],
                                update_url=env["TSR_UPDATE_URL"],
                                graph_store_url=env["TSR_GRAPH_STORE_URL"])
        client = AppClient(settings)
        try:
            assert found(client, "zebulon") == []
            index = client.app.state.services.search_index
            builds = index.builds
            assert found(client, "savoirs partages")  # nothing changed: the same index
            assert index.builds == builds
            tsr = str(Path(sys.executable).with_name("tsr"))
            ingest = subprocess.run([tsr, "ingest", str(survey)], env={**os.environ, **env},
                                    capture_output=True, text=True, timeout=120)
            assert ingest.returncode == 0, ingest.stderr
            assert index.ready(background=False) is None  # the ingest's PROV record
            assert len(found(client, "zebulon")) == 1
            assert index.builds == builds + 1
        finally:
            client.close()



@pytest.mark.parametrize("headers", [{}, READER], ids=["anonymous", "reader"])
def test_the_class_filter_of_the_route_keeps_what_the_query_keeps(
        api: AppClient, headers: dict[str, str]) -> None:
    store = api.app.state.store
    graphs = visible_graphs(store, IRIS, include_restricted=bool(headers))
    expected = sparql_search(store, "e", graphs, NamedNode(TSR + "Actor"))
    assert len(expected) > 5
    for _ in range(2):  # the named query alone, then the index (built in between)
        response = api.get("/api/search", params={"q": "e", "class": "Actor", "per_page": 100},
                           headers=headers)
        body = response.json()
        assert [item["id"] for item in body["items"]] == expected
        assert body["total"] == len(expected)
        api.app.state.services.search_index.fresh()


# the app on every engine (tests/api/conftest.py); real processes (servers, the CLI, a
# browser) or stores loaded for the module: out of the edit-test loop, `pytest -m "not
# slow"`; CI runs every test
pytestmark = [pytest.mark.on_engines, pytest.mark.slow]
