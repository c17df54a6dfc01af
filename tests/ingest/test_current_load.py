"""The PROV record of a source names the one load whose triples its graph holds, whatever
the clocks said: `tsr sources` and the crash checks read the triple count and checksum of
that load, so they must not pick an older load that happens to have a later end time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from ingest.load import LoadRecord, provenance_update
from ingest.sources import list_sources
from store import Settings, open_store
from store.namespaces import PROV, DataIris
from tests.conftest import REMOTE_ENGINES, empty_remote_env, remote_settings

IRIS = DataIris(Settings().base_iri)
GRAPH = IRIS.source_graph("Acteurs.csv")


def record(sha: str, triples: int, ended: dt.datetime) -> LoadRecord:
    return LoadRecord(path=Path("Acteurs.csv"), graph=GRAPH, sheets={"Acteurs": triples},
                      triples_added=triples, triples_removed=0, started=ended, ended=ended,
                      restricted=False, shapes_version="0.1.0", ontology_version="0.1.0",
                      sha256=sha)


def load(store_settings: Settings, version: str, triples: int, ended: dt.datetime) -> None:
    with open_store(store_settings) as store:
        statements = [Triple(NamedNode(f"https://example.org/{version}/{i}"),
                             NamedNode("https://example.org/p"), Literal(str(i)))
                      for i in range(triples)]
        store.replace_graph(GRAPH, statements,
                            with_update=provenance_update(IRIS, record(version, triples, ended)))


@pytest.fixture(params=["embedded", *REMOTE_ENGINES])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """An empty store on each backend: embedded on disk, `oxigraph serve`, Virtuoso (each
    load opens it anew, as each `tsr ingest` does)."""
    if request.param == "embedded":
        return Settings(store=str(tmp_path / "store"))
    return remote_settings(empty_remote_env(request, request.param))


def test_the_current_load_is_the_last_committed_one_not_the_latest_clock(
        settings: Settings) -> None:
    noon = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    load(settings, "a" * 64, 30, noon)
    load(settings, "b" * 64, 20, noon - dt.timedelta(hours=1))  # the clock went back
    with open_store(settings) as store:
        [source] = list_sources(store, IRIS)
        assert (source.sha256, source.triples) == ("b" * 64, store.count(GRAPH)) == ("b" * 64, 20)
        generated_by = list(store.query(
            f"SELECT ?load WHERE {{ {GRAPH} <{PROV}wasGeneratedBy> ?load }}"))
        assert len(generated_by) == 1
        assert len(list(store.query(f"SELECT ?l WHERE {{ ?l <{PROV}generated> {GRAPH} }}"))) == 2
