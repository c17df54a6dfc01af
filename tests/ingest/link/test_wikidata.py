"""`link_wikidata` against a real `oxigraph serve` holding a Wikidata-shaped fixture."""

from __future__ import annotations

from pyoxigraph import NamedNode

from ingest.link import link_wikidata
from ingest.link.review import SEVERAL_EXTERNAL, SEVERAL_LOCAL
from store import Store
from store.namespaces import OWL, PROV, SCHEMA, TSR

from .conftest import IRIS, ScriptedServer, load_observatory, proxy_to, triples_of

WD = "http://www.wikidata.org/entity/"
ACTOR = "https://data.tsr-observatory.org/id/actor/"
OUTPUT = "https://data.tsr-observatory.org/id/output/"
GRAPH = IRIS.links_graph("wikidata")


def run(store: Store, endpoint: str, **options: object):  # type: ignore[no-untyped-def]
    settings = {"user_agent": "tsr-test/1 (+mailto:test@example.org)",
                "requests_per_second": 100.0, "timeout": 5.0, **options}
    return link_wikidata(store, IRIS, endpoint=endpoint, **settings)  # type: ignore[arg-type]


def same_as(store: Store) -> dict[str, set[str]]:
    links: dict[str, set[str]] = {}
    for s, p, o in triples_of(store, GRAPH):
        if p == f"<{OWL}sameAs>":
            links.setdefault(s.strip("<>"), set()).add(o.strip("<>"))
    return links


def test_each_identifier_links_its_actor_on_both_backends(any_store: Store,
                                                          wikidata_endpoint: str) -> None:
    load_observatory(any_store)
    result = run(any_store, wikidata_endpoint)
    assert same_as(any_store) == {
        ACTOR + "siren-812345674": {WD + "Q900001"},          # SIREN P1616
        ACTOR + "rnsr-200212345x": {WD + "Q900002"},          # RNSR P3016 and ROR P6782
        ACTOR + "siren-312345678": {WD + "Q900003"},          # SIRET P3215
        ACTOR + "rna-w751234567": {WD + "Q3487870"},          # declared tsr:wikidata
        ACTOR + "siren-423456789": {WD + "Q900010"},          # IdRef P269
        OUTPUT + "doi-10-1234-tsr-2023-001": {WD + "Q900100"},  # DOI P356, upper case there
    }
    schema_links = {s for s, p, _ in triples_of(any_store, GRAPH) if p == f"<{SCHEMA}sameAs>"}
    assert len(schema_links) == 6
    # one query per identifier property that has values, none for the declared ids
    assert result.requests == 6


def test_ambiguities_go_to_review_and_get_no_link(observatory: Store,
                                                  wikidata_endpoint: str) -> None:
    result = run(observatory, wikidata_endpoint)
    reasons = {(item.subject, item.reason): item for item in result.review}
    several = reasons[(ACTOR + "siren-900000001", SEVERAL_EXTERNAL)]
    assert several.candidates == (WD + "Q900051", WD + "Q900052")
    assert several.identifier == "siren=900000001"
    assert (ACTOR + "siren-900000002", SEVERAL_LOCAL) in reasons
    assert (ACTOR + "name-atelier-des-sols-vivants-antenne-sud", SEVERAL_LOCAL) in reasons
    assert len(result.review) == 3
    linked = same_as(observatory)
    for actor in ("siren-900000001", "siren-900000002", "name-atelier-des-sols-vivants-antenne-sud"):
        assert ACTOR + actor not in linked


def test_every_link_keeps_its_rule_and_identifier(observatory: Store,
                                                  wikidata_endpoint: str) -> None:
    run(observatory, wikidata_endpoint)
    rows = observatory.query(f"""
        SELECT ?rule ?prop ?value WHERE {{ GRAPH {GRAPH} {{
            ?link <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{ACTOR}rnsr-200212345x> ;
                  <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <{OWL}sameAs> ;
                  <{TSR}matchRule> ?rule ; <{TSR}matchedProperty> ?prop ; <{TSR}matchedValue> ?value
        }} }}""", default_graph=[])
    found = {(r["rule"].value, r["prop"].value, r["value"].value) for r in rows}
    # both identifiers found the same item: both rules are kept
    assert ("wikidata:rnsr-P3016", TSR + "rnsr", "200212345X") in found
    assert ("wikidata:ror-P6782", TSR + "ror", "002a9ne93") in found


def test_provenance_records_endpoint_time_and_counts(observatory: Store,
                                                     wikidata_endpoint: str) -> None:
    run(observatory, wikidata_endpoint)
    rows = list(observatory.query(f"""
        SELECT ?activity ?used ?started ?links ?review WHERE {{ GRAPH {IRIS.provenance_graph} {{
            {GRAPH} <{PROV}wasGeneratedBy> ?activity .
            ?activity <{PROV}used> ?used ; <{PROV}startedAtTime> ?started ;
                      <{TSR}linkCount> ?links ; <{TSR}reviewCount> ?review .
        }} }}""", default_graph=[]))
    assert len(rows) == 1
    assert rows[0]["used"] == NamedNode(wikidata_endpoint)
    assert int(rows[0]["links"].value) == 6
    assert int(rows[0]["review"].value) == 3


def test_rerun_replaces_the_links_graph(observatory: Store, wikidata_endpoint: str) -> None:
    run(observatory, wikidata_endpoint)
    first = triples_of(observatory, GRAPH)
    run(observatory, wikidata_endpoint)
    second = triples_of(observatory, GRAPH)
    assert {t for t in first if "/run/" not in t[2]} == {t for t in second if "/run/" not in t[2]}
    # one description of the links graph, pointing at the latest run
    rows = list(observatory.query(
        f"SELECT ?a WHERE {{ GRAPH {IRIS.provenance_graph} {{ {GRAPH} <{PROV}wasGeneratedBy> ?a }} }}",
        default_graph=[]))
    assert len(rows) == 1


def test_batches_split_the_values_and_send_the_user_agent(observatory: Store,
                                                          wikidata_base: str) -> None:
    with ScriptedServer(proxy_to(wikidata_base)) as server:
        result = run(observatory, f"{server.url}/query", batch_size=2)
    siren_queries = [r for r in server.requests if b"P1616" in r["body"]]
    # five SIRENs (812345674, 900000001, 900000002, 900000003, 423456789) in batches of two
    assert len(siren_queries) == 3
    assert {r["headers"]["user-agent"] for r in server.requests} == {
        "tsr-test/1 (+mailto:test@example.org)"}
    assert len(same_as(observatory)) == 6
    assert result.requests == len(server.requests)


def test_request_rate_is_bounded(observatory: Store, wikidata_base: str) -> None:
    with ScriptedServer(proxy_to(wikidata_base)) as server:
        run(observatory, f"{server.url}/query", requests_per_second=10.0)
    starts = [r["time"] for r in server.requests]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(gaps) == 5
    assert min(gaps) >= 0.09


def test_wikidata_id_is_added_only_where_missing(observatory: Store,
                                                 wikidata_endpoint: str) -> None:
    run(observatory, wikidata_endpoint)
    added = {(s.strip("<>"), o) for s, p, o in triples_of(observatory, GRAPH)
             if p == f"<{TSR}wikidata>"}
    assert (ACTOR + "siren-812345674", '"Q900001"') in added
    assert (OUTPUT + "doi-10-1234-tsr-2023-001", '"Q900100"') in added
    assert not any(s == ACTOR + "rna-w751234567" for s, _ in added)  # declared already
    assert len(added) == 5
