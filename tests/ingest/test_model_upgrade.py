"""A new model version rewrites the materialised types of source graphs (store/model.py):
each touched source's load record must still give its graph's triple count."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Triple

import ingest.model_facts
import ingest.pipeline
import store.model
from bench.torture import check
from ingest.pipeline import ingest_files
from ingest.source_names import source_name
from ingest.sources import list_sources
from store import Settings, open_store
from store.model import install_model
from store.namespaces import RDFS, TSR, DataIris

from .test_atomic_load import actors_csv

IRIS = DataIris(Settings().base_iri)
# the link an older model lacked: its actors were not yet materialised as Organisation
ADDED = (TSR + "TSROrganisation", RDFS + "subClassOf", TSR + "Organisation")


_SHIPPED = store.model.model_triples


def _older_model() -> Iterator[Triple]:
    return (t for t in _SHIPPED()
            if (t.subject.value, t.predicate.value, t.object.value) != ADDED)


@pytest.fixture
def older_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Ingest as a version of the package whose model lacked `ADDED` would."""
    for module in (store.model, ingest.pipeline, ingest.model_facts):
        monkeypatch.setattr(module, "model_triples", _older_model)
    ingest.model_facts.model_facts.cache_clear()
    store.model.shipped_type_rules.cache_clear()
    yield
    ingest.model_facts.model_facts.cache_clear()
    store.model.shipped_type_rules.cache_clear()


def _organisations(location: Path, graph: str) -> int:
    with open_store(Settings(store=str(location))) as opened:
        rows = opened.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?a a <{TSR}Organisation> }} }}")
        return int(next(iter(rows))["n"].value)


def test_a_model_upgrade_keeps_the_load_record_true(
        tmp_path: Path, older_model: None, monkeypatch: pytest.MonkeyPatch) -> None:
    location = tmp_path / "store"
    settings = Settings(store=str(location))
    path = actors_csv(tmp_path / "Acteurs.csv", 300)
    graph = IRIS.source_graph(source_name(path))
    with open_store(settings) as opened:
        ingest_files(opened, [path], settings)
        before = opened.count(graph)
        assert [source.triples for source in list_sources(opened, IRIS, graph)] == [before]
    assert _organisations(location, graph.value) == 0  # the older model's load
    monkeypatch.undo()  # this package's model: one more superclass for every actor
    ingest.model_facts.model_facts.cache_clear()
    store.model.shipped_type_rules.cache_clear()
    with open_store(settings) as opened:
        install_model(opened, IRIS)
        after = opened.count(graph)
        assert after == before + 300  # each actor is now an Organisation too
        assert [source.triples for source in list_sources(opened, IRIS, graph)] == [after]
    assert _organisations(location, graph.value) == 300
    # the torture's own check of the source (bench/torture.py): its record and its graph
    state = check(location, graph.value)
    assert state["count"] == after and [t for t, _ in state["prov"]] == [after], state
    assert state["hidden"] == []


# a real process (the torture's check) and a store loaded twice: out of the edit-test loop
pytestmark = pytest.mark.slow
