"""A source has an identity of its own: two coordinators' `projets.csv` are two sources,
replacing a source with another file says so, and each load's PROV record names its file;
on each backend (the embedded store, `oxigraph serve`, Virtuoso)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from cli.main import cli

from .conftest import TsrCommand


def tsr(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def projects(folder: Path, rows: str, name: str = "projets.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("Code;Titre\n" + rows, encoding="utf-8")
    return path


def sources(tsr: TsrCommand) -> list[dict]:
    result = tsr("sources", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_two_folders_projets_csv_are_two_sources(tsr_on: TsrCommand, tmp_path: Path) -> None:
    first = projects(tmp_path / "reseau-a", "A1;Jardins partagés\n")
    second = projects(tmp_path / "reseau-b", "B1;Sols vivants\nB2;Mares\n")
    for path in (first, second):
        result = tsr_on("ingest", str(path))
        assert result.exit_code == 0, result.output
        assert "replaces" not in result.stderr
    found = sources(tsr_on)
    assert [(s["name"], s["file"], s["rows"]) for s in found] == [
        ("reseau-a/projets.csv", "projets.csv", 1), ("reseau-b/projets.csv", "projets.csv", 2)]
    assert [s["graph"].rsplit("/", 1)[-1] for s in found] == [
        "reseau-a-projets-csv", "reseau-b-projets-csv"]
    # the file name alone names two sources: drop-source asks which
    result = tsr_on("drop-source", "projets.csv")
    assert result.exit_code != 0
    assert ("2 sources hold a file named 'projets.csv': reseau-a/projets.csv, "
            "reseau-b/projets.csv; name one of them") in result.stderr
    result = tsr_on("drop-source", "reseau-b/projets.csv")
    assert result.exit_code == 0, result.output
    assert [s["name"] for s in sources(tsr_on)] == ["reseau-a/projets.csv"]


def test_replacing_a_source_with_other_bytes_or_another_file_says_so(tsr_on: TsrCommand,
                                                                     tmp_path: Path) -> None:
    path = projects(tmp_path / "reseau-a", "A1;Jardins partagés\n")
    assert tsr_on("ingest", str(path)).exit_code == 0
    again = tsr_on("ingest", str(path))  # the same file: quietly
    assert again.exit_code == 0 and "replaces" not in again.stderr
    projects(tmp_path / "reseau-a", "A1;Jardins partagés (corrigé)\n")
    corrected = tsr_on("ingest", str(path))
    assert corrected.exit_code == 0, corrected.output
    [line] = [x for x in corrected.stderr.splitlines() if "replaces" in x]
    assert line.startswith(f"{path}: replaces source 'reseau-a/projets.csv', loaded from "
                           "projets.csv (sha256 ")
    other = projects(tmp_path / "ailleurs", "A9;Autre\n", name="projets-2025.csv")
    renamed = tsr_on("ingest", str(other), "--source", "reseau-a/projets.csv")
    assert renamed.exit_code == 0, renamed.output
    [line] = [x for x in renamed.stderr.splitlines() if "replaces" in x]
    assert "loaded from projets.csv" in line and "with projets-2025.csv" in line
    [source] = sources(tsr_on)
    assert (source["name"], source["file"], source["rows"]) == (
        "reseau-a/projets.csv", "projets-2025.csv", 1)


def test_two_files_with_identical_bytes_keep_their_own_names(tsr_on: TsrCommand, tmp_path: Path) -> None:
    first = projects(tmp_path / "a", "P1;Même contenu\n", name="premier.csv")
    second = projects(tmp_path / "b", "P1;Même contenu\n", name="second.csv")
    for path in (first, second, first):  # a reload too
        assert tsr_on("ingest", str(path)).exit_code == 0
    assert [(s["name"], s["file"]) for s in sources(tsr_on)] == [
        ("a/premier.csv", "premier.csv"), ("b/second.csv", "second.csv")]


def test_source_names_one_file(tmp_path: Path) -> None:
    a = projects(tmp_path / "a", "P1;Un\n")
    b = projects(tmp_path / "b", "P2;Deux\n")
    result = tsr("ingest", str(a), str(b), "--source", "x", "--store", "memory")
    assert result.exit_code != 0
    assert "--source names one source: give one file with it" in result.stderr


def test_a_source_of_an_older_store_named_by_its_file_is_pointed_out(tsr_on: TsrCommand,
                                                                     tmp_path: Path) -> None:
    path = projects(tmp_path / "reseau-a", "A1;Jardins partagés\n")
    # as stores loaded before sources had names hold it: graph and name from the file alone
    assert tsr_on("ingest", str(path), "--source", "projets.csv").exit_code == 0
    result = tsr_on("ingest", str(path))
    assert result.exit_code == 0, result.output
    assert (f"{path}: loaded as source 'reseau-a/projets.csv'; source 'projets.csv' (named by "
            "its file name alone) is still loaded: drop it (tsr drop-source projets.csv) or load "
            "with --source projets.csv to replace it") in result.stderr
