"""The labels the detail routes show for what an entity names are kept between requests
(api/resources/neighbourhood.py: past answers, then an index of every label): they must
follow a change to the store, and a label from a restricted source must reach only
readers with the token."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator

import pytest
from pyoxigraph import NamedNode

from api.named_queries import shipped_queries
from api.resources.neighbourhood import LABEL_PROPERTIES, EveryLabel, labels_query
from store.namespaces import SKOS, TSR, TSRV, XSD
from tests.api.conftest import (
    READER,
    SECRET_GRAPH,
    WRITER,
    AppClient,
    engine_of,
    fresh_serving,
)

ATELIER = "/api/actors/siren-810079194"
ASSOCIATION = f"<{TSRV}legal-form/association-1901>"


pytestmark = pytest.mark.on_engines  # the app on every engine (tests/api/conftest.py)


@pytest.fixture
def fresh_api(request: pytest.FixtureRequest) -> Iterator[AppClient]:
    """An app of its own that keeps no entity responses: each request here must read its
    labels (a kept response would pass these tests without reading any)."""
    yield from fresh_serving(request, entity_cache_bytes=0)


def legal_form_label(api: AppClient, headers: dict[str, str] | None = None) -> object:
    response = api.get(ATELIER, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()["legalForm"]["prefLabel"]


def update(api: AppClient, text: str) -> None:
    response = api.post("/sparql", data={"update": text}, headers=WRITER)
    assert response.status_code in (200, 204), response.text


def test_labels_are_kept_until_the_store_changes(fresh_api: AppClient) -> None:
    assert legal_form_label(fresh_api) == {"fr": "Association loi 1901"}
    reads = fresh_api.app.state.services.labels.known.reads
    assert legal_form_label(fresh_api) == {"fr": "Association loi 1901"}
    assert fresh_api.app.state.services.labels.known.reads == reads, "the second request asked again"
    update(fresh_api, f"""
        DELETE {{ GRAPH ?g {{ {ASSOCIATION} <{SKOS}prefLabel> ?old }} }}
        INSERT {{ GRAPH ?g {{ {ASSOCIATION} <{SKOS}prefLabel> "Association (loi de 1901)"@fr }} }}
        WHERE {{ GRAPH ?g {{ {ASSOCIATION} <{SKOS}prefLabel> ?old FILTER(lang(?old) = "fr") }} }}""")
    assert legal_form_label(fresh_api) == {"fr": "Association (loi de 1901)"}
    assert fresh_api.app.state.services.labels.known.reads == reads + 1


def test_a_restricted_label_reaches_only_token_holders(fresh_api: AppClient) -> None:
    update(fresh_api, f"""INSERT DATA {{ GRAPH <{SECRET_GRAPH.value}> {{
        {ASSOCIATION} <{SKOS}prefLabel> "Libellé confidentiel"@fr }} }}""")
    # the token holder asks first, so a cache shared between readers would leak it
    with_token = legal_form_label(fresh_api, READER)
    assert isinstance(with_token, dict) and list(with_token) == ["fr"]
    assert sorted(with_token["fr"]) == ["Association loi 1901", "Libellé confidentiel"]
    assert legal_form_label(fresh_api) == {"fr": "Association loi 1901"}


def ready_label_index(api: AppClient) -> EveryLabel:
    """The app's label index, built now (requests build it in the background)."""
    legal_form_label(api)  # makes the app's index
    index = api.app.state.services.labels.index
    return index.fresh()


def test_once_every_label_is_indexed_an_entity_asks_for_none(fresh_api: AppClient) -> None:
    every_label = ready_label_index(fresh_api)
    assert every_label.complete and len(every_label.by_subject) > 100
    reads = fresh_api.app.state.services.labels.known.reads
    for path in (ATELIER, "/api/projects/tsr-example~co3-habitat"):
        assert fresh_api.get(path).status_code == 200
    assert legal_form_label(fresh_api) == {"fr": "Association loi 1901"}
    assert fresh_api.app.state.services.labels.known.reads == reads, "a label query was sent"


def test_the_index_follows_the_store_and_hides_restricted_labels(fresh_api: AppClient) -> None:
    ready_label_index(fresh_api)
    update(fresh_api, f"""INSERT DATA {{ GRAPH <{SECRET_GRAPH.value}> {{
        {ASSOCIATION} <{SKOS}prefLabel> "Libellé confidentiel"@fr }} }}""")
    index = fresh_api.app.state.services.labels.index
    assert index.ready(background=False) is None, "the index outlived a write"
    every_label = index.fresh()
    assert "Libellé confidentiel" in [
        entry[3] for entry in every_label.by_subject[ASSOCIATION[1:-1]]]
    assert legal_form_label(fresh_api) == {"fr": "Association loi 1901"}
    with_token = legal_form_label(fresh_api, READER)
    assert isinstance(with_token, dict)
    assert sorted(with_token["fr"]) == ["Association loi 1901", "Libellé confidentiel"]


@pytest.fixture
def small_index_api(request: pytest.FixtureRequest) -> Iterator[AppClient]:
    """`fresh_api` with room for about 100 labels in the index: fewer than the example's."""
    yield from fresh_serving(request, entity_cache_bytes=0, label_index_bytes=100 * 400)


def test_a_store_with_too_many_labels_is_served_label_by_label(
        small_index_api: AppClient) -> None:
    fresh_api = small_index_api
    every_label = ready_label_index(fresh_api)
    assert not every_label.complete and every_label.by_subject == {}
    update(fresh_api, f"""
        DELETE {{ GRAPH ?g {{ {ASSOCIATION} <{SKOS}prefLabel> ?old }} }}
        INSERT {{ GRAPH ?g {{ {ASSOCIATION} <{SKOS}prefLabel> "Association (loi de 1901)"@fr }} }}
        WHERE {{ GRAPH ?g {{ {ASSOCIATION} <{SKOS}prefLabel> ?old FILTER(lang(?old) = "fr") }} }}""")
    fresh_api.app.state.services.labels.index.fresh()
    reads = fresh_api.app.state.services.labels.known.reads
    assert legal_form_label(fresh_api) == {"fr": "Association (loi de 1901)"}
    assert fresh_api.app.state.services.labels.known.reads == reads + 1


def test_the_index_reads_the_properties_api_labels_reads() -> None:
    text = shipped_queries()["api-labels"].text
    listed = re.search(r"IN \(([^)]*)\)", text)
    assert listed is not None
    prefixes = {"skos:": SKOS, "tsr:": TSR}
    named = [prefixes[name.strip()[:name.strip().index(":") + 1]] + name.strip().split(":")[1]
             for name in listed.group(1).split(",")]
    assert named == list(LABEL_PROPERTIES)


def test_a_built_index_is_set_aside_from_garbage_collection(fresh_api: AppClient) -> None:
    every_label = ready_label_index(fresh_api)
    # every label list of the index is among the objects the collector no longer walks
    assert gc.get_freeze_count() >= len(every_label.by_subject) > 100
    gc.unfreeze()
    gc.collect()
    assert gc.get_freeze_count() == 0
    fresh_api.app.state.services.labels.index._build()
    assert gc.get_freeze_count() >= len(every_label.by_subject)


def test_a_label_node_is_framed_once_per_reader_and_language(fresh_api: AppClient) -> None:
    """Every document naming a concept embeds the node its labels make: it is framed once
    per store state, reader graphs and language, and never crosses from one to another."""
    update(fresh_api, f"""INSERT DATA {{ GRAPH <{SECRET_GRAPH.value}> {{
        {ASSOCIATION} <{SKOS}prefLabel> "Libellé confidentiel"@fr }} }}""")
    every_label = ready_label_index(fresh_api)
    iri = ASSOCIATION[1:-1]
    first = legal_form_label(fresh_api, {"Accept-Language": "en"})
    assert first == {"en": "Association (1901 law)"}
    kept = [key for key in every_label._framed if key[0] == iri]
    # kept nodes serve the document framed from the engine's own JSON-LD (the embedded
    # store); a remote store's document is read triple by triple (test_entity_documents.py),
    # its label nodes framed with it: none kept, the same labels
    framed_once = engine_of(fresh_api) == "memory"
    assert [key[2] for key in kept] == (["en"] if framed_once else [])
    if framed_once:
        node = every_label._framed[kept[0]]
        assert node is not None and node["prefLabel"] == first
    assert legal_form_label(fresh_api, {"Accept-Language": "en"}) == first
    if framed_once:
        assert every_label._framed[kept[0]] is node, "framed again"
    assert legal_form_label(fresh_api) == {"fr": "Association loi 1901"}
    with_token = legal_form_label(fresh_api, READER)
    assert isinstance(with_token, dict)
    assert sorted(with_token["fr"]) == ["Association loi 1901", "Libellé confidentiel"]
    # one node per reader graphs: the anonymous reader's and the token holder's
    assert len({key[1] for key in every_label._framed if key[0] == iri}) == (
        2 if framed_once else 0)


def test_a_label_that_is_a_resource_is_framed_with_the_document() -> None:
    statement = ("http://c", TSR + "name", "http://other", "iri", "http://other")
    literal = ("http://d", TSR + "name", "Nom", ("literal", "", XSD + "string"), None)
    every_label = EveryLabel({"http://c": (("http://g", *statement),),
                              "http://d": (("http://g", *literal),)}, complete=True)
    assert every_label.framed("http://c", None, "fr", graphs_id=None) is None
    assert every_label.framed("http://e", None, "fr", graphs_id=None) is None  # no label
    assert every_label.framed("http://d", None, "fr", graphs_id=None) == {
        "id": "http://d", "name": "Nom"}


def test_the_index_gives_the_triples_the_label_query_gives(fresh_api: AppClient) -> None:
    """The index keeps statements, not triples: the triples made again from them (Turtle
    documents and lists read these) are those api-labels answers, language tags and
    datatypes included."""
    every_label = ready_label_index(fresh_api)
    iris = [NamedNode(iri) for iri in every_label.by_subject]
    asked = set(fresh_api.app.state.store.query(labels_query(iris).text))
    assert len(asked) > 100
    assert set(every_label.of(iris, None)) == asked
    secret_only = every_label.of(iris, [SECRET_GRAPH])
    assert secret_only and set(secret_only) < asked
