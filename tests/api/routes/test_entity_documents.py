"""An entity's JSON-LD is framed from the JSON-LD the engine writes in one call, or, past a
size (or for a hub cut at the incoming limit, or a value that reader does not know), from
the triples read one by one: both ways give the same document."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from api.named_queries import shipped_queries
from api.resources import neighbourhood
from api.resources.framing import GroupedStatements, UnusualJsonLd
from store.namespaces import RDF, XSD
from tests.api.conftest import AppClient, serving_app, serving_on

from .jsonld_check import jsonld_triples

PATHS = ["/api/actors/siren-810079194", "/api/projects/tsr-example~co3-habitat",
         "/id/network/rrp-occitanie", "/id/actor/siren-810079194?lang=en"]
JSON_LD = {"Accept": "application/ld+json"}


pytestmark = pytest.mark.on_engines  # the app on every engine (tests/api/conftest.py)


@pytest.fixture(scope="module")
def api(request: pytest.FixtureRequest) -> Iterator[AppClient]:
    """An app that keeps no entity responses (the second reading must really read), on the
    store the module's `on_engines` marker gives it."""
    yield from serving_on(request, getattr(request, "param", "memory"), entity_cache_bytes=0)


@pytest.fixture(scope="module")
def in_memory() -> Iterator[AppClient]:
    """The same app in memory: what every engine's documents are compared with."""
    yield from serving_app(entity_cache_bytes=0)


def documents(api: AppClient) -> list[object]:
    found = []
    for path in PATHS:
        response = api.get(path, headers=JSON_LD)
        assert response.status_code == 200, (path, response.text)
        found.append(response.json())
    return found


def test_both_ways_give_the_same_document(api: AppClient,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """(On a remote engine both readings are triple by triple: the documents are still
    compared, and each must say something.)"""
    from_the_engine = documents(api)
    monkeypatch.setattr(neighbourhood, "ENTITY_DOCUMENT_BYTES", 10)
    triple_by_triple = documents(api)
    assert from_the_engine == triple_by_triple
    assert all(len(document) > 3 for document in from_the_engine)  # type: ignore[arg-type]


def test_the_engine_json_ld_is_grouped_for_framing() -> None:
    grouped = GroupedStatements()
    named = grouped.add_jsonld([
        {"@id": "http://x", RDF + "type": [{"@id": "http://C"}],
         "http://p": [{"@value": "a"}, {"@value": "b", "@language": "fr"},
                      {"@value": "3", "@type": XSD + "integer"}, {"@id": "_:b0"}]}])
    assert grouped.forward == {"http://x": {
        RDF + "type": [("http://C", "iri", "http://C")],
        "http://p": [("a", ("literal", "", XSD + "string"), None),
                     ("b", ("literal", "fr", RDF + "langString"), None),
                     ("3", ("literal", "", XSD + "integer"), None),
                     ("_:b0", "node", "_:b0")]}}
    assert grouped.backward == {"http://C": [("http://x", RDF + "type")],
                                "_:b0": [("http://x", "http://p")]}
    assert named == {"http://C"}  # a blank node is not named


def test_a_subject_the_writer_comes_back_to_is_merged_once() -> None:
    """Oxigraph's JSON-LD writer starts a new node each time the subject changes, so one
    subject may come in several nodes; what they repeat is kept once."""
    grouped = GroupedStatements()
    grouped.add_jsonld([{"@id": "http://x", "http://p": [{"@id": "http://a"}]},
                        {"@id": "http://y", "http://p": [{"@id": "http://x"}]},
                        {"@id": "http://x", "http://p": [{"@id": "http://a"}, {"@id": "http://b"}],
                         "http://q": [{"@value": "v"}]}])
    assert grouped.forward["http://x"] == {
        "http://p": [("http://a", "iri", "http://a"), ("http://b", "iri", "http://b")],
        "http://q": [("v", ("literal", "", XSD + "string"), None)]}
    assert grouped.backward["http://a"] == [("http://x", "http://p")]


def test_statements_said_twice_are_framed_once_and_languages_chosen() -> None:
    label = ("http://c", "http://l", "Sol", ("literal", "fr", RDF + "langString"), None)
    english = ("http://c", "http://l", "Soil", ("literal", "en-GB", RDF + "langString"), None)
    code = ("http://c", "http://n", "S1", ("literal", "", XSD + "string"), None)
    grouped = GroupedStatements()
    grouped.add_jsonld([{"@id": "http://c", "http://l": [{"@value": "Sol", "@language": "fr"}]}])
    grouped.add([label, english, code, english])  # in two graphs, and already in the document
    grouped.keep_language("en")
    assert grouped.forward["http://c"] == {"http://l": [("Soil", english[3], None)],
                                           "http://n": [("S1", code[3], None)]}
    none_in_german = GroupedStatements([label, english])
    none_in_german.keep_language("de")  # neither: French first
    assert none_in_german.forward["http://c"]["http://l"] == [("Sol", label[3], None)]


@pytest.mark.parametrize("node", [
    {"@id": "http://x", "http://p": [{"@value": 3}]},  # a native JSON number
    {"@id": "http://x", "http://p": [{"@value": "a", "@direction": "ltr"}]},
    {"@id": "http://x", "@type": ["http://C"]},
    {"@id": "http://x", "http://p": [{"@id": "http://y", "@type": "http://C"}]},
])
def test_a_value_it_does_not_know_is_refused(node: dict[str, object]) -> None:
    with pytest.raises(UnusualJsonLd):
        GroupedStatements().add_jsonld([node])


def test_the_store_is_asked_the_entity_query_once(api: AppClient,
                                                  in_memory: AppClient) -> None:
    """The embedded store writes the entity's JSON-LD in one call; a remote store's triples
    cannot be written as one document: they are read one by one from the answer already
    received, not asked for again."""
    store = api.app.state.store
    entity_text = shipped_queries()["api-entity"].text
    asked: list[str] = []
    marks_by_thread: list[str] = []
    query = store.query

    def counted(sparql: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(sparql)
        if "COUNT(?activity)" in sparql:
            marks_by_thread.append(threading.current_thread().name)
        return query(sparql, *args, **kwargs)

    store.query = counted
    try:
        document = api.get(PATHS[0], headers=JSON_LD)
    finally:
        vars(store).pop("query", None)  # no cycle store -> counted -> store left behind
    assert document.status_code == 200, document.text
    assert sum(entity_text in text for text in asked) == 1
    # a remote store's mark (a count of load records there) is read once per request (the
    # label index, built in the background, reads its own); an embedded store's is its own
    # count of writes, never asked (api/resources/store_state.py)
    local = api.app.state.store.capabilities.local_change_mark
    assert sum(name != "label-index" for name in marks_by_thread) == (0 if local else 1)
    # the same triples as in memory (values may come in another order from another engine)
    assert jsonld_triples(document.json()) == jsonld_triples(
        in_memory.get(PATHS[0], headers=JSON_LD).json())
