"""--partial at the cell: a bad optional cell is left empty and its row kept, a bad required
cell (or a key, or a duplicate row) rejects the row; the rejected-rows file and the annotated
workbook carry every error once, with the value that failed and the part of the rule."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from cli.main import cli
from store import Settings, open_store
from store.namespaces import TSR


def survey(tmp_path: Path) -> Path:
    book = Workbook()
    book.remove(book.active)
    actors = book.create_sheet("Acteurs")
    actors.append(["Nom", "Type d'acteur", "SIREN", "Date de création"])
    actors.append(["Atelier", "Association", "810079194", "12/03/2009"])
    actors.append(["Mares", "Association", "", "31/02/2020"])  # optional date: dropped
    actors.append(["Banane SA", "Banane", "", ""])  # required type: row rejected
    actors.append(["Atelier bis", "Association", "810079194", ""])  # same key as row 2
    projects = book.create_sheet("Projets")
    projects.append(["Code", "Titre"])
    projects.append(["P1", "Jardins"])
    roles = book.create_sheet("Participations")
    roles.append(["Projet", "Acteur", "Rôle"])
    roles.append(["P1", "Mares", "Porteur"])
    roles.append(["P1", "GISOM", "Porteur"])  # nobody: row rejected
    path = tmp_path / "enquete.xlsx"
    book.save(path)
    return path


def test_partial_keeps_rows_with_a_bad_optional_cell(tmp_path: Path) -> None:
    path = survey(tmp_path)
    store = tmp_path / "store"
    report = tmp_path / "rapport.xlsx"
    result = CliRunner().invoke(cli, ["ingest", str(path), "--partial", "--store", str(store),
                                      "--report", str(report), "--lang", "en"])
    assert result.exit_code == 0, result.stderr
    assert f"{path}: 1 bad optional cell left empty, rows kept (listed above)" in result.stderr
    rejected = path.with_name("enquete.rejected.xlsx")
    assert f"{path}: 3 rows rejected, written to {rejected}" in result.stderr
    assert f"{path}: 4 rows (3 rejected), " in result.stderr
    with open_store(Settings(store=str(store))) as opened:
        rows = {(row["name"].value, row["created"] is not None) for row in opened.query(
            f"SELECT ?name ?created WHERE {{ ?a <{TSR}name> ?name "
            f"OPTIONAL {{ ?a <{TSR}creationDate> ?created }} }}")}
    assert rows == {("Atelier", True), ("Mares", False)}
    # the rejected rows, each error once, with its value and the part of the rule it broke
    book = load_workbook(rejected)
    errors = {(sheet, row[0].value): row[-1].value for sheet in book.sheetnames
              for row in book[sheet].iter_rows(min_row=2)}
    assert errors == {
        ("Acteurs", "Banane SA"): "Type d'acteur ('Banane'): 'Banane' is not a value of the "
                                  "list 'Actor type'",
        ("Acteurs", "Atelier bis"): "This row describes the same entity as row 2 of sheet "
                                    "'Acteurs' (same key).",
        ("Participations", "P1"): "Acteur ('GISOM'): no actor named 'GISOM' (in this file or "
                                  "the loaded sources)",
    }
    # the annotated workbook: the dropped cell, the bad value, the duplicate row
    annotated = load_workbook(report)
    assert annotated["Acteurs"]["D3"].comment.text == "'31/02/2020' is not a date (DD/MM/YYYY or YYYY-MM-DD)"
    assert annotated["Acteurs"]["B4"].comment.text == "'Banane' is not a value of the list 'Actor type'"
    assert "same entity as row 2" in annotated["Acteurs"]["A5"].comment.text
    assert annotated["Participations"]["B3"].comment.text.startswith("no actor named 'GISOM'")
