"""`link_hal` against a local server answering as HAL's search API does."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from pyoxigraph import NamedNode

from ingest.link import link_hal
from ingest.link.review import SEVERAL_EXTERNAL
from store import Store
from store.namespaces import OWL, TSR

from .conftest import IRIS, ScriptedServer, hal_answer, hal_documents, triples_of

BASE = "https://data.tsr-observatory.org/id/"
LAB = BASE + "actor/rnsr-200212345x"
GRAPH = IRIS.links_graph("hal")


def run(store: Store, url: str, rows: int = 100):  # type: ignore[no-untyped-def]
    return link_hal(store, IRIS, api_url=f"{url}/search/", user_agent="tsr-test/1",
                    requests_per_second=100.0, timeout=5.0, rows=rows)


def outputs_by(store: Store, actor: str) -> dict[str, dict[str, str]]:
    rows = store.query(f"""
        SELECT ?o ?halId ?doi ?year ?type WHERE {{
            ?o <{TSR}author> <{actor}> .
            OPTIONAL {{ ?o <{TSR}halId> ?halId }} OPTIONAL {{ ?o <{TSR}doi> ?doi }}
            OPTIONAL {{ ?o <{TSR}year> ?year }} OPTIONAL {{ ?o <{TSR}outputType> ?type }}
        }}""")
    found: dict[str, dict[str, str]] = {}
    for r in rows:
        entry = found.setdefault(r["o"].value.removeprefix(BASE + "output/"), {})
        for name in ("halId", "doi", "year", "type"):
            if r[name] is not None:
                value = r[name].value
                entry[name] = value.rsplit("/", 1)[-1] if name == "type" else value
    return found


def test_publications_become_outputs_deduplicated_by_doi_and_hal_id(observatory: Store) -> None:
    with ScriptedServer(hal_answer(hal_documents())) as server:
        result = run(observatory, server.url)
    assert outputs_by(observatory, LAB) == {
        # existed with the DOI: gets its HAL id; existed with the HAL id: unchanged
        "doi-10-1234-tsr-2023-001": {"halId": "hal-04000001", "doi": "10.1234/tsr.2023.001",
                                     "year": "2023"},
        "hal-hal-04000002": {"halId": "hal-04000002"},
        # new ones, minted per CONVENTIONS (doi-… else hal-…)
        "doi-10-5678-new-2024-7": {"halId": "hal-04000003", "doi": "10.5678/new.2024.7",
                                   "year": "2024", "type": "conference-paper"},
        "hal-tel-04000004": {"halId": "tel-04000004", "year": "2021", "type": "thesis"},
        "hal-hal-04000007": {"halId": "hal-04000007", "year": "2019", "type": "grey-literature"},
    }
    assert result.new_outputs == 3
    assert result.documents == 7


def test_one_doi_on_two_hal_documents_goes_to_review(observatory: Store) -> None:
    with ScriptedServer(hal_answer(hal_documents())) as server:
        result = run(observatory, server.url)
    assert [(i.identifier, i.candidates, i.reason) for i in result.review] == [
        ("doi=10.9999/dup.1", ("https://hal.science/hal-04000005",
                               "https://hal.science/hal-04000006"), SEVERAL_EXTERNAL)]
    assert not any("dup-1" in s or "04000005" in o for s, _, o in triples_of(observatory, GRAPH))


def test_rules_say_which_structure_identifier_matched(observatory: Store) -> None:
    with ScriptedServer(hal_answer(hal_documents())) as server:
        run(observatory, server.url)
    rows = observatory.query(f"""
        SELECT ?o ?rule WHERE {{ GRAPH {GRAPH} {{
            ?link <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?o ;
                  <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <{TSR}author> ;
                  <{TSR}matchRule> ?rule }} }}""", default_graph=[])
    rules = {r["o"].value.removeprefix(BASE + "output/"): r["rule"].value for r in rows}
    assert rules["hal-tel-04000004"] == "hal:rnsr"
    assert rules["doi-10-5678-new-2024-7"] == "hal:structId"
    same = observatory.query(
        f"ASK {{ GRAPH {GRAPH} {{ <{BASE}output/hal-tel-04000004> <{OWL}sameAs> "
        f"<https://hal.science/tel-04000004> }} }}", default_graph=[])
    assert bool(same)


def test_pages_with_cursor_mark_and_filters_by_structure(observatory: Store) -> None:
    with ScriptedServer(hal_answer(hal_documents())) as server:
        paged = run(observatory, server.url, rows=2)
    queries = [{k: v[0] for k, v in parse_qs(urlsplit(r["path"]).query).items()}
               for r in server.requests]
    assert [q["cursorMark"] for q in queries] == ["*", "2", "4", "6"]
    assert queries[0]["fq"] == 'structId_i:1001 OR structRnsrIdExt_s:"200212345X" OR ' \
        'structRorIdExt_s:"002a9ne93" OR structRorIdExt_s:"https://ror.org/002a9ne93"'
    assert paged.documents == 7
    assert NamedNode(BASE + "output/hal-hal-04000099") not in {
        NamedNode(s.strip("<>")) for s, _, _ in triples_of(observatory, GRAPH)}


def test_cli_reports_and_links(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from click.testing import CliRunner

    from cli.main import cli
    from store import Settings, open_store

    from .conftest import load_observatory

    store_dir, report = tmp_path / "store", tmp_path / "hal.csv"
    with open_store(Settings(store=str(store_dir))) as store:
        load_observatory(store)
    with ScriptedServer(hal_answer(hal_documents())) as server:
        result = CliRunner().invoke(
            cli, ["link", "hal", "--store", str(store_dir), "--report", str(report)],
            env={"TSR_HAL_API_URL": f"{server.url}/search/", "TSR_LINK_REQUESTS_PER_SECOND": "50",
                 "TSR_USER_AGENT": "tsr-cli-test/1"})
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"hal: 7 linked, 1 left for review (see {report}); "
                             "3 new outputs, 1 request\n")
    assert server.requests[0]["headers"]["user-agent"] == "tsr-cli-test/1"
    with report.open(encoding="utf-8", newline="") as handle:
        assert [row["identifier"] for row in csv.DictReader(handle)] == ["doi=10.9999/dup.1"]
