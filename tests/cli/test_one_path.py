"""One answer whatever the path: `tsr query` and the HTTP API agree on the same store.

The CLI runs first (it opens the store for itself), then the app on the same directory.
"""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.named_queries import parse_named_query
from api.routes.named_queries import query_router
from store import Settings, open_store
from tests.api.conftest import PUBLIC_GRAPH, AppClient, api_settings, load_test_data

from .conftest import tsr_command

CQ04 = Path(__file__).resolve().parents[2] / "queries" / "cq04-jobs-by-year.rq"
pytestmark = pytest.mark.slow  # a store on disk, six CLI runs and a server: about 20 s

FROM_PUBLIC = f"SELECT (COUNT(*) AS ?n) FROM <{PUBLIC_GRAPH.value}> WHERE {{ ?s ?p ?o }}"
ASK = "ASK { ?s a <https://w3id.org/tsr-observatory/ontology#TSRActor> }"
EVERYTHING = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# an RDF 1.2 triple term: JSON-LD cannot carry it
TRIPLE_TERM_CONSTRUCT = ("CONSTRUCT { <http://a> <http://b> <<( <http://a> <http://b> "
                         "<http://c> )>> } WHERE {}")
# refused by the engine only as it reads the results (store/lazy_results.py)
UNBOUND_SERVICE = "SELECT * { VALUES ?x { 1 } SERVICE ?x { ?s ?p ?o } }"
UNBOUND_MESSAGE = "The variable encoding the service name is unbound"
# a named query naming its dataset, served as /api/queries/from-public
FROM_QUERY = parse_named_query("from-public", "#+ summary: Statements of the example source\n"
                               + FROM_PUBLIC)


@pytest.fixture(scope="module")
def location(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("one-path") / "store"
    with open_store(Settings(store=str(location))) as store:
        load_test_data(store)
    return location


@pytest.fixture(scope="module")
def cli_answers(location: Path) -> dict[str, subprocess.CompletedProcess[bytes]]:
    """Every CLI answer the tests compare, run before the app holds the store."""
    def tsr(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*tsr_command(), "query", *args, "--store", str(location)],
                              capture_output=True, timeout=120)

    return {
        "cq04": tsr(f"@{CQ04}", "--param", "from_year=2022",
                    "--param", "to_year=2024", "--format", "csv"),
        "cq04-2023": tsr(f"@{CQ04}", "--param", "from_year=2023",
                         "--format", "csv"),
        "from": tsr(FROM_PUBLIC, "--format", "csv"),
        "everything": tsr(EVERYTHING, "--format", "csv"),
        "ask-csv": tsr(ASK, "--format", "csv"),
        "ask-table": tsr(ASK),
        "undeclared": tsr(f"@{CQ04}", "--param", "year=2022"),
        "malformed": tsr(f"@{CQ04}", "--param", "from_year=twenty"),
        "triple-term-jsonld": tsr(TRIPLE_TERM_CONSTRUCT, "--format", "jsonld"),
        "refused-table": tsr(UNBOUND_SERVICE),
        "refused-json": tsr(UNBOUND_SERVICE, "--format", "json"),
    }


@pytest.fixture(scope="module")
def api(location: Path, cli_answers: dict[str, subprocess.CompletedProcess[bytes]]
        ) -> Iterator[AppClient]:
    # a deadline far away: this compares answers, on a machine that may be busy (a fresh
    # server's first query waits for its worker processes to start)
    client = AppClient(api_settings(store=str(location), query_timeout=300), data=False)
    client.app.include_router(query_router([FROM_QUERY]))
    try:
        yield client
    finally:
        client.close()


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def cli_rows(answer: subprocess.CompletedProcess[bytes]) -> list[list[str]]:
    assert answer.returncode == 0, answer.stderr
    return rows(answer.stdout.decode())


def test_named_query_with_parameters_same_rows(cli_answers: dict[str, subprocess.CompletedProcess[bytes]],
                                               api: AppClient) -> None:
    served = api.get("/api/queries/cq04-jobs-by-year",
                     params={"from_year": "2022", "to_year": "2024", "format": "csv"})
    assert served.status_code == 200, served.text
    expected = rows(served.text)
    assert [row[0] for row in expected[1:]] == ["2022", "2023", "2024"]
    assert cli_rows(cli_answers["cq04"]) == expected
    # a parameter left out takes its `#+ default:`, on both paths
    served = api.get("/api/queries/cq04-jobs-by-year", params={"from_year": "2023", "format": "csv"})
    assert cli_rows(cli_answers["cq04-2023"]) == rows(served.text)
    assert [row[0] for row in rows(served.text)[1:]] == ["2023", "2024"]


def test_from_reads_the_same_graphs(cli_answers: dict[str, subprocess.CompletedProcess[bytes]],
                                    api: AppClient) -> None:
    from_cli = cli_rows(cli_answers["from"])
    everything = cli_rows(cli_answers["everything"])
    assert int(from_cli[1][0]) < int(everything[1][0])  # FROM is honoured, not the union
    sparql = api.get("/sparql", params={"query": FROM_PUBLIC}, headers={"Accept": "text/csv"})
    assert rows(sparql.text) == from_cli
    named = api.get("/api/queries/from-public", params={"format": "csv"})
    assert named.status_code == 200, named.text
    assert rows(named.text) == from_cli


def test_bad_parameters_are_one_line(cli_answers: dict[str, subprocess.CompletedProcess[bytes]]) -> None:
    undeclared = cli_answers["undeclared"]
    assert undeclared.returncode == 2
    assert undeclared.stderr.decode() == ("tsr: error: --param year: the query declares no such parameter "
                                 "(its `#+ param:` header declares: from_year, to_year)\n")
    malformed = cli_answers["malformed"]
    assert malformed.returncode == 2
    assert malformed.stderr.decode() == "tsr: error: parameter from_year: 'twenty' is not an integer\n"


def test_ask_as_csv_is_the_same_bytes(cli_answers: dict[str, subprocess.CompletedProcess[bytes]],
                                      api: AppClient) -> None:
    sparql = api.get("/sparql", params={"query": ASK}, headers={"Accept": "text/csv"})
    assert sparql.status_code == 200, sparql.text
    assert sparql.content == b"_askResult\r\ntrue\r\n"
    ask = cli_answers["ask-csv"]
    assert ask.returncode == 0, ask.stderr
    assert ask.stdout == sparql.content
    assert cli_answers["ask-table"].stdout == b"true\n"


def test_an_answer_the_format_cannot_carry_is_the_same_line(
        cli_answers: dict[str, subprocess.CompletedProcess[bytes]], api: AppClient) -> None:
    """The user's to mend on both paths: exit 2 (before: 1, "input/output error: ..."), and
    406 on /sparql (before: 500), with the same words."""
    sparql = api.get("/sparql", params={"query": TRIPLE_TERM_CONSTRUCT},
                     headers={"Accept": "application/ld+json"})
    assert sparql.status_code == 406
    refused = cli_answers["triple-term-jsonld"]
    assert refused.returncode == 2
    assert refused.stdout == b""
    assert refused.stderr.decode() == f"tsr: error: {sparql.text}"


def test_a_refusal_met_reading_the_results_is_one_line(
        cli_answers: dict[str, subprocess.CompletedProcess[bytes]]) -> None:
    """Read row by row (the table) or by the serialiser (JSON): exit 2 and the engine's
    words, as for a refusal at the query's start (before: a traceback, exit 1). (/sparql
    refuses this query before it runs: SERVICE ?x is not on its allow-list.)"""
    for name in ("refused-table", "refused-json"):
        refused = cli_answers[name]
        assert refused.returncode == 2, name
        assert refused.stderr.decode() == f"tsr: error: {UNBOUND_MESSAGE}\n", name
