"""queries/federated-*.rq on the example dataset after `link wikidata`, their SERVICE
pointed at the Wikidata stand-in (`oxigraph serve`) instead of query.wikidata.org."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat

from ingest.link import link_wikidata
from store import Settings, Store, open_store
from store.model import install_model
from store.namespaces import TSRV

from .conftest import IRIS, ScriptedServer, proxy_to

REPO = Path(__file__).resolve().parents[3]
ACTOR = "https://data.tsr-observatory.org/id/actor/"
WIKIDATA = "https://query.wikidata.org/sparql"


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory, wikidata_endpoint: str) -> Iterator[Store]:
    store = open_store(Settings(store=str(tmp_path_factory.mktemp("fed") / "store")))
    with (REPO / "examples" / "tsr-example.ttl").open("rb") as handle:
        store.load(handle, RdfFormat.TURTLE, IRIS.source_graph("tsr-example"))
    install_model(store, IRIS)
    link_wikidata(store, IRIS, endpoint=wikidata_endpoint, user_agent="tsr-test/1",
                  requests_per_second=100.0)
    try:
        yield store
    finally:
        store.close()


def run(store: Store, name: str, endpoint: str, region: str | None = None) -> list[dict[str, str]]:
    text = (REPO / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    assert f"SERVICE SILENT <{WIKIDATA}>" in text
    bindings = {"_region": NamedNode(f"{TSRV}region/{region}")} if region else None
    rows = store.query(text.replace(WIKIDATA, endpoint), bindings)
    names = [v.value for v in rows.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in rows]


def test_descriptions_of_declared_and_found_links(linked: Store, wikidata_endpoint: str) -> None:
    rows = run(linked, "federated-wikidata-descriptions", wikidata_endpoint)
    by_actor = {row["actor"].removeprefix(ACTOR): row for row in rows}
    # declared in the example
    assert by_actor["siren-810079194"]["wikidataDescription"] == \
        "association lyonnaise de recherche participative"
    # found by `tsr link wikidata` (ROR id 0ty9n7879)
    assert by_actor["siren-813167608"]["item"] == "http://www.wikidata.org/entity/Q130000301"
    assert by_actor["siren-813167608"]["wikidataDescription"] == "observatoire associatif"
    assert len(by_actor) == 15


def test_coordinates_for_a_map_filtered_by_region(linked: Store, wikidata_endpoint: str) -> None:
    rows = run(linked, "federated-wikidata-coordinates", wikidata_endpoint, region="84")
    assert [(r["name"], r["longitude"], r["latitude"], r["regionName"]) for r in rows] == [
        ("Atelier des Savoirs Partagés", "4.8357", "45.764", "Auvergne-Rhône-Alpes"),
        ("Université de Valombre", "4.85", "45.75", "Auvergne-Rhône-Alpes"),
    ]
    everywhere = run(linked, "federated-wikidata-coordinates", wikidata_endpoint)
    assert len(everywhere) > len(rows)


def test_wikidata_is_asked_once_per_query(linked: Store, wikidata_base: str) -> None:
    with ScriptedServer(proxy_to(wikidata_base)) as server:
        rows = run(linked, "federated-wikidata-descriptions", f"{server.url}/query")
    assert len(rows) == 15
    assert len(server.requests) == 1


def test_unreachable_wikidata_is_not_an_error(linked: Store) -> None:
    with ScriptedServer(proxy_to("http://127.0.0.1:9")) as server:
        server.script = ["close"]
        rows = run(linked, "federated-wikidata-descriptions", f"{server.url}/query")
        assert len(rows) == 15
        assert not any("wikidataDescription" in row for row in rows)
        server.script = ["500"]
        rows = run(linked, "federated-wikidata-coordinates", f"{server.url}/query")
        assert len(rows) == 15
        assert not any("coordinates" in row for row in rows)
