"""The labels the detail routes show for what an entity names are kept between requests
(api/resources/neighbourhood.py): they must follow a change to the store, and a label
from a restricted source must reach only readers with the token."""

from __future__ import annotations

from store.namespaces import SKOS, TSRV
from tests.api.conftest import READER, SECRET_GRAPH, WRITER, AppClient

ATELIER = "/api/actors/siren-810079194"
ASSOCIATION = f"<{TSRV}legal-form/association-1901>"


def legal_form_label(api: AppClient, headers: dict[str, str] | None = None) -> object:
    response = api.get(ATELIER, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()["legalForm"]["prefLabel"]


def update(api: AppClient, text: str) -> None:
    response = api.post("/sparql", data={"update": text}, headers=WRITER)
    assert response.status_code in (200, 204), response.text


def test_labels_are_kept_until_the_store_changes(fresh_api: AppClient) -> None:
    assert legal_form_label(fresh_api) == {"fr": "Association loi 1901"}
    reads = fresh_api.app.state.known_labels.reads
    assert legal_form_label(fresh_api) == {"fr": "Association loi 1901"}
    assert fresh_api.app.state.known_labels.reads == reads, "the second request asked again"
    update(fresh_api, f"""
        DELETE {{ GRAPH ?g {{ {ASSOCIATION} <{SKOS}prefLabel> ?old }} }}
        INSERT {{ GRAPH ?g {{ {ASSOCIATION} <{SKOS}prefLabel> "Association (loi de 1901)"@fr }} }}
        WHERE {{ GRAPH ?g {{ {ASSOCIATION} <{SKOS}prefLabel> ?old FILTER(lang(?old) = "fr") }} }}""")
    assert legal_form_label(fresh_api) == {"fr": "Association (loi de 1901)"}
    assert fresh_api.app.state.known_labels.reads == reads + 1


def test_a_restricted_label_reaches_only_token_holders(fresh_api: AppClient) -> None:
    update(fresh_api, f"""INSERT DATA {{ GRAPH <{SECRET_GRAPH.value}> {{
        {ASSOCIATION} <{SKOS}prefLabel> "Libellé confidentiel"@fr }} }}""")
    # the token holder asks first, so a cache shared between readers would leak it
    with_token = legal_form_label(fresh_api, READER)
    assert isinstance(with_token, dict) and list(with_token) == ["fr"]
    assert sorted(with_token["fr"]) == ["Association loi 1901", "Libellé confidentiel"]
    assert legal_form_label(fresh_api) == {"fr": "Association loi 1901"}
