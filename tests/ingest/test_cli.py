"""`tsr validate`, `tsr ingest`, `tsr sources`, `tsr drop-source` as a user runs them (those
that write or read a store, on each backend)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cli.main import cli

from .conftest import EXAMPLES, TsrCommand


def broken_copy(tmp_path: Path) -> Path:
    path = tmp_path / "enquete.xlsx"
    book = load_workbook(EXAMPLES / "tsr-example.xlsx")
    book["Acteurs"]["E3"] = "81023757"  # a SIREN one digit short
    book["Acteurs"]["R4"] = "32/13/2020"  # no such date
    book.save(path)
    return path


def test_validate_prints_one_line_per_violation_and_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(broken_copy(tmp_path)), "--store",
                                      "memory", "--lang", "en"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert ("enquete.xlsx, sheet 'Acteurs', row 3, column 'SIREN' (E3), value '81023757': "
            "'SIREN': a single value; text; 9 digits without spaces (e.g. 552100554).") in lines
    assert any(line.startswith("enquete.xlsx, sheet 'Acteurs', row 4, column 'Date de création'"
                               " (R4), value '32/13/2020'") for line in lines)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".xlsx"])
def test_validate_writes_the_report(tmp_path: Path, suffix: str) -> None:
    report = tmp_path / f"rapport{suffix}"
    result = CliRunner().invoke(cli, ["validate", str(broken_copy(tmp_path)), "--store", "memory",
                                      "--report", str(report)])
    assert result.exit_code == 2
    if suffix == ".json":
        records = json.loads(report.read_text(encoding="utf-8"))
    elif suffix == ".csv":
        with report.open(encoding="utf-8-sig", newline="") as handle:
            records = list(csv.DictReader(handle))
    else:
        page = load_workbook(report)["Acteurs"]
        assert page["E3"].fill.fgColor.rgb.endswith("FFC7CE")
        assert "9 chiffres" in page["E3"].comment.text
        assert page["R4"].comment is not None
        assert page["E2"].comment is None
        return
    assert {(str(r["row"]), r["column"], r["cell"], r["component"]) for r in records} >= {
        ("3", "SIREN", "E3", "PatternConstraintComponent"),
        ("4", "Date de création", "R4", "DatatypeConstraintComponent")}


def test_ingest_sources_and_drop_source(tsr_on: TsrCommand) -> None:
    loaded = tsr_on("ingest", str(EXAMPLES / "tsr-example.ods"))
    assert loaded.exit_code == 0, loaded.output
    assert "rows, " in loaded.stderr and "triples loaded into" in loaded.stderr
    assert "rows/s" not in loaded.stderr  # no progress bar when not on a terminal
    listed = tsr_on("sources", "--json")
    [source] = json.loads(listed.stdout)
    assert source["file"] == "tsr-example.ods" and not source["restricted"]
    dropped = tsr_on("drop-source", "tsr-example.ods")
    assert dropped.exit_code == 0
    assert json.loads(tsr_on("sources", "--json").stdout) == []
    missing = tsr_on("drop-source", "nope")
    assert missing.exit_code == 2
    assert missing.stderr.strip() == "tsr: error: no loaded source named 'nope' (sources: none loaded)"


def test_ingest_partial_writes_the_rejected_rows(tmp_path: Path) -> None:
    path = broken_copy(tmp_path)
    result = CliRunner().invoke(cli, ["ingest", str(path), "--partial", "--store",
                                      str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    rejected = tmp_path / "enquete.rejected.xlsx"
    assert f"rows rejected, written to {rejected}" in result.stderr
    page = load_workbook(rejected)["Acteurs"]
    assert page["A1"].value == "Nom" and page.cell(1, page.max_column).value == "Erreurs"
    assert {page.cell(r, 5).value for r in range(2, page.max_row + 1)} >= {"81023757"}


def test_ingest_rejects_and_writes_nothing(tsr_on: TsrCommand, tmp_path: Path) -> None:
    result = tsr_on("ingest", str(broken_copy(tmp_path)))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("tsr: error: ")
    assert "nothing was loaded" in result.stderr
    info = tsr_on("info", "--json")
    assert json.loads(info.stdout)["quads"] == 0


def test_bad_mapping_file_is_one_line(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("sheets:\n  export:\n    columns: {a: b}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(EXAMPLES / "tsr-example-acteurs.csv"),
                                      "--mapping", str(mapping), "--store", "memory",
                                      "--lang", "en"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"tsr: error: {mapping}: sheets.export: expected 'sheet: "
                                     "<template sheet name>', 'entities:' or 'skip'")


def test_xlsx_report_of_a_csv_is_rebuilt_from_its_cells(tmp_path: Path) -> None:
    source = tmp_path / "Acteurs.csv"
    source.write_text("Nom;Type d'acteur;SIREN\nAtelier;Association;12 34\n",
                      encoding="cp1252")
    report = tmp_path / "rapport.xlsx"
    result = CliRunner().invoke(cli, ["validate", str(source), "--report", str(report),
                                      "--store", "memory"])
    assert result.exit_code == 2
    page = load_workbook(report)["Acteurs"]
    assert [c.value for c in page[1]] == ["Nom", "Type d'acteur", "SIREN"]
    assert page["C2"].value == "12 34"
    assert "9 chiffres" in page["C2"].comment.text
