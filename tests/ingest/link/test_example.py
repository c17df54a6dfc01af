"""The linkers on the example dataset (examples/tsr-example.ttl), and competency question
13 (identifier coverage) before and after: the figures the README shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from ingest.link import link_hal, link_wikidata
from ingest.link.review import SEVERAL_EXTERNAL
from store import Settings, Store, open_store
from store.model import install_model

from .conftest import IRIS, ScriptedServer, hal_answer, hal_documents

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "tsr-example.ttl"
CQ13 = REPO / "queries" / "cq13-identifier-coverage.rq"
ACTOR = "https://data.tsr-observatory.org/id/actor/"
POLITE = {"user_agent": "tsr-test/1", "requests_per_second": 100.0, "timeout": 5.0}


@pytest.fixture
def example(tmp_path: Path) -> Iterator[Store]:
    store = open_store(Settings(store=str(tmp_path / "store")))
    with EXAMPLE.open("rb") as handle:
        store.load(handle, RdfFormat.TURTLE, IRIS.source_graph("tsr-example"))
    install_model(store, IRIS)
    try:
        yield store
    finally:
        store.close()


def coverage(store: Store) -> dict[tuple[str, str], tuple[int, int]]:
    """(identifier, sector) -> (actors with it, actors) from the CQ13 query itself."""
    rows = store.query(CQ13.read_text(encoding="utf-8"))
    return {(r["identifier"].value, r["sector"].value):
            (int(r["withIdentifier"].value), int(r["sectorActors"].value)) for r in rows}


def test_wikidata_on_the_example_raises_coverage(example: Store,
                                                 wikidata_endpoint: str) -> None:
    before = coverage(example)
    result = link_wikidata(example, IRIS, endpoint=wikidata_endpoint, **POLITE)  # type: ignore[arg-type]
    after = coverage(example)
    assert before[("wikidata", "tsr")] == (7, 40)
    assert before[("wikidata", "esr")] == (2, 15)
    assert ("wikidata", "other") not in before
    # found by ROR id or RNSR in the Wikidata stand-in
    assert after[("wikidata", "tsr")] == (8, 40)
    assert after[("wikidata", "esr")] == (6, 15)
    assert after[("wikidata", "other")] == (1, 5)
    assert [(r.subject, r.reason) for r in result.review] == [
        (ACTOR + "siren-811267046", SEVERAL_EXTERNAL)]


def test_hal_on_the_example_adds_publications(example: Store) -> None:
    with ScriptedServer(hal_answer(hal_documents())) as server:
        result = link_hal(example, IRIS, api_url=f"{server.url}/search/", **POLITE)  # type: ignore[arg-type]
    assert result.documents == 3
    assert result.new_outputs == 2  # the third is the example's output doi-10-5555-tsr-2058
    rows = example.query("""SELECT ?a WHERE {
        <https://data.tsr-observatory.org/id/output/doi-10-5555-tsr-2058>
            <https://w3id.org/tsr-observatory/ontology#halId> "hal-04100001" ;
            <https://w3id.org/tsr-observatory/ontology#author> ?a }""")
    assert ACTOR + "rnsr-211007351b" in {r["a"].value for r in rows}
