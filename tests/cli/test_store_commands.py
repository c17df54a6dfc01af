"""`tsr load`, `query`, `dump` and `info` behave the same on both backends."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from .conftest import Runner, tsr_command

EX = "http://example.org/"
GRAPH = "https://data.tsr-observatory.org/graph/source/sample"
TURTLE = f"""@prefix ex: <{EX}> .
ex:a ex:name "Atelier des savoirs"@fr ; ex:size 12 .
ex:b ex:name "Coop \\"quotes\\"" .
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_query_dump_info(tsr: Runner, tmp_path: Path) -> None:
    source = write(tmp_path, "sample.ttl", TURTLE)
    loaded = tsr("load", str(source), "--graph", GRAPH)
    assert loaded.returncode == 0, loaded.stderr
    assert "3 statements loaded" in loaded.stderr

    result = tsr("query", f"SELECT ?s ?n WHERE {{ ?s <{EX}name> ?n }} ORDER BY ?s", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [["s", "n"], [EX + "a", "Atelier des savoirs"], [EX + "b", 'Coop "quotes"']]

    table = tsr("query", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    assert table.stdout.splitlines()[2].strip() == "3"
    assert table.stdout.rstrip().endswith("(1 row)")

    query_file = write(tmp_path, "q.rq", f"CONSTRUCT WHERE {{ ?s <{EX}size> ?o }}")
    built = tsr("query", f"@{query_file}", "--format", "ntriples")
    assert built.returncode == 0, built.stderr
    triples = [(q.subject, q.object) for q in parse(built.stdout.encode(), RdfFormat.N_TRIPLES)]
    assert triples == [(NamedNode(EX + "a"), Literal("12", datatype=NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer")))]

    dumped = tsr("dump", "out.nq")
    assert dumped.returncode == 0, dumped.stderr
    quads = list(parse(path=str(tmp_path / "out.nq"), format=RdfFormat.N_QUADS))
    assert len(quads) == 3 and {q.graph_name for q in quads} == {NamedNode(GRAPH)}

    info = tsr("info", "--json")
    assert info.returncode == 0, info.stderr
    described = json.loads(info.stdout)
    assert described["graphs"] == [{"name": GRAPH, "triples": 3}]
    assert described["backend"] == ("embedded" if tsr.backend == "embedded" else "remote")  # type: ignore[attr-defined]


def test_info_masks_secrets(tsr: Runner) -> None:
    result = tsr("info")
    assert result.returncode == 0, result.stderr
    assert "TSR_WRITE_TOKEN" in result.stdout


def test_bad_query_is_one_line_exit_2(tsr: Runner) -> None:
    result = tsr("query", "SELECT ?s WHERE { ?s ?p }")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tsr: error: ")
    assert "Traceback" not in result.stderr


def test_deeply_nested_query_is_one_line_exit_2(tsr: Runner, tmp_path: Path) -> None:
    """Oxigraph's parser would overflow its stack and kill the process at this depth."""
    deep = write(tmp_path, "deep.rq", "ASK { FILTER(" + "(" * 6000 + "1" + ")" * 6000 + ") }")
    result = tsr("query", f"@{deep}")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "tsr: error: query nested more than 200 levels deep at line 1, column 212; "
        "the limit is 200 levels of ( ), { } and [ ]")


def test_a_query_file_with_a_tuned_twin_runs_the_twin(tsr: Runner, tmp_path: Path) -> None:
    """As /api/queries runs it: `x.tuned.rq` beside `x.rq` runs in its place (here the two
    differ, to see which ran; shipped twins give the same rows)."""
    plain = write(tmp_path, "ones.rq", "#+ summary: One\nSELECT ?n WHERE { BIND (1 AS ?n) }\n")
    run = tsr("query", f"@{plain}", "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["n", "1"]
    write(tmp_path, "ones.tuned.rq", "#+ summary: One\nSELECT ?n WHERE { BIND (2 AS ?n) }\n")
    assert tsr("query", f"@{plain}", "--format", "csv").stdout.split() == ["n", "2"]


def test_missing_file_is_one_line_exit_2(tsr: Runner) -> None:
    result = tsr("load", "nowhere.ttl", "--graph", GRAPH)
    assert result.returncode == 2
    assert result.stderr.strip() == "tsr: error: nowhere.ttl: no such file"


def test_read_commands_refuse_a_missing_store_and_create_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent" / "dir"
    for command in (["info"], ["query", "ASK {}"], ["sources"], ["dump"]):
        result = subprocess.run([*tsr_command(), *command, "--store", str(missing)],
                                capture_output=True, text=True, timeout=60, env=_clean_env())
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.strip() == (
            f"tsr: error: no store at {missing}: check --store or TSR_STORE "
            "(tsr ingest or tsr load creates one)")
        assert result.stdout == ""
    assert not (tmp_path / "nonexistent").exists()


def test_missing_spreadsheet_is_one_line_exit_2_and_creates_no_store(tmp_path: Path) -> None:
    store = tmp_path / "db"
    for command in ("ingest", "validate"):
        result = subprocess.run([*tsr_command(), command, "missing.xlsx", "--store", str(store)],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path,
                                env=_clean_env())
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == "tsr: error: missing.xlsx: no such file"
    assert not store.exists()
    unwritable = subprocess.run([*tsr_command(), "template", str(tmp_path / "no" / "t.xlsx")],
                                capture_output=True, text=True, timeout=60, env=_clean_env())
    assert unwritable.returncode == 2
    assert unwritable.stderr.strip() == (
        f"tsr: error: {tmp_path / 'no' / 't.xlsx'}: No such file or directory")


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}


def test_broken_turtle_names_file_and_position_and_loads_nothing(tsr: Runner, tmp_path: Path) -> None:
    good = write(tmp_path, "good.ttl", TURTLE)
    assert tsr("load", str(good), "--graph", GRAPH).returncode == 0
    bad = write(tmp_path, "bad.ttl", f"<{EX}x> <{EX}p> \"unterminated .\n")
    result = tsr("load", str(bad), "--graph", GRAPH)
    assert result.returncode == 2
    assert result.stderr.startswith(f"tsr: error: {bad}: not valid Turtle: Parser error ")
    assert "line 1 column 47" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    count = tsr("query", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "--format", "csv")
    assert count.stdout.splitlines()[1] == "3"


def test_wrong_format_for_result_kind(tsr: Runner) -> None:
    result = tsr("query", "SELECT * { ?s ?p ?o }", "--format", "turtle")
    assert result.returncode == 2
    assert result.stderr == ("tsr: error: format turtle does not fit this query's result; use "
                             "one of json, xml, csv, tsv\n")


def test_unknown_extension(tsr: Runner, tmp_path: Path) -> None:
    other = write(tmp_path, "data.txt", "hello")
    result = tsr("load", str(other))
    assert result.returncode == 2
    assert "unknown RDF file extension" in result.stderr


def test_every_command_has_help_and_store_option(tsr: Runner) -> None:
    for command in ("info", "query", "load", "dump", "serve"):
        result = tsr(command, "--help")
        assert result.returncode == 0
        assert "--store" in result.stdout


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
