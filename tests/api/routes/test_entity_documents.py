"""An entity's JSON-LD is framed from the JSON-LD the engine writes in one call, or, past a
size (or for a hub cut at the incoming limit, or a value that reader does not know), from
the triples read one by one: both ways give the same document."""

from __future__ import annotations

import pytest

from api.resources import neighbourhood
from api.resources.framing import UnusualJsonLd, statements_of_jsonld
from store.namespaces import RDF, XSD
from tests.api.conftest import AppClient

PATHS = ["/api/actors/siren-810079194", "/api/projects/co3-habitat",
         "/id/network/rrp-occitanie", "/id/actor/siren-810079194?lang=en"]
JSON_LD = {"Accept": "application/ld+json"}


def documents(api: AppClient) -> list[object]:
    found = []
    for path in PATHS:
        response = api.get(path, headers=JSON_LD)
        assert response.status_code == 200, (path, response.text)
        found.append(response.json())
    return found


def test_both_ways_give_the_same_document(api: AppClient,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from_the_engine = documents(api)
    monkeypatch.setattr(neighbourhood, "ENTITY_DOCUMENT_BYTES", 10)
    triple_by_triple = documents(api)
    assert from_the_engine == triple_by_triple
    assert all(len(document) > 3 for document in from_the_engine)  # type: ignore[arg-type]


def test_the_engine_json_ld_reads_as_statements() -> None:
    nodes = [{"@id": "http://x", RDF + "type": [{"@id": "http://C"}],
              "http://p": [{"@value": "a"}, {"@value": "b", "@language": "fr"},
                           {"@value": "3", "@type": XSD + "integer"}, {"@id": "_:b0"}]}]
    assert statements_of_jsonld(nodes) == [
        ("http://x", RDF + "type", "http://C", "iri", "http://C"),
        ("http://x", "http://p", "a", ("literal", "", XSD + "string"), None),
        ("http://x", "http://p", "b", ("literal", "fr", RDF + "langString"), None),
        ("http://x", "http://p", "3", ("literal", "", XSD + "integer"), None),
        ("http://x", "http://p", "_:b0", "node", "_:b0"),
    ]


@pytest.mark.parametrize("node", [
    {"@id": "http://x", "http://p": [{"@value": 3}]},  # a native JSON number
    {"@id": "http://x", "http://p": [{"@value": "a", "@direction": "ltr"}]},
    {"@id": "http://x", "@type": ["http://C"]},
    {"@id": "http://x", "http://p": [{"@id": "http://y", "@type": "http://C"}]},
])
def test_a_value_it_does_not_know_is_refused(node: dict[str, object]) -> None:
    with pytest.raises(UnusualJsonLd):
        statements_of_jsonld([node])
