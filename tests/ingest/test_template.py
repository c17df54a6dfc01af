"""The template comes from the shapes: sheets, headers, comments, drop-downs, README."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cli.main import cli
from ingest.readers import open_workbook
from ingest.shapes_model import Column, shapes_model
from ingest.template_content import keeps_text, template_columns


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_xlsx_template_has_a_sheet_per_shape_and_a_column_per_property(tmp_path: Path,
                                                                       lang: str) -> None:
    out = tmp_path / "modele.xlsx"
    result = CliRunner().invoke(cli, ["template", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    model = shapes_model()
    assert book.sheetnames == [{"fr": "Lisez-moi", "en": "README"}[lang],
                               *[s.name(lang) for s in model.sheets],
                               {"fr": "Listes", "en": "Lists"}[lang]]
    actors = book[model.sheets[0].name(lang)]
    headers = [c.value for c in actors[1]]
    assert headers == [c.name(lang) for c in template_columns(model.sheets[0])]
    name_column = model.sheets[0].columns[0]
    assert actors["A1"].comment.text.startswith(name_column.descriptions[lang])
    validations = {str(v.sqref): v.formula1 for v in actors.data_validations.dataValidation}
    type_letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[headers.index(
        {"fr": "Type d'acteur", "en": "Actor type"}[lang])]
    assert f"{type_letter}2:{type_letter}5000" in validations
    lists = book[{"fr": "Listes", "en": "Lists"}[lang]]
    listed = {c.value for row in lists.iter_rows() for c in row if c.value}
    assert {"fr": "Coopérative", "en": "Cooperative"}[lang] in listed


def test_template_changes_with_the_shapes() -> None:
    """No header is written in code: every one is a sh:name of the shipped shapes."""
    source = Path("ingest/template.py").read_text(encoding="utf-8")
    for sheet in shapes_model().sheets:
        assert sheet.name("fr") not in source
        for column in sheet.columns:
            assert f'"{column.name("fr")}"' not in source


def test_ods_template_reads_back_with_the_same_headers(tmp_path: Path) -> None:
    out = tmp_path / "template.ods"
    assert CliRunner().invoke(cli, ["template", str(out), "--lang", "en"]).exit_code == 0
    book = open_workbook(out)
    actors = book.sheet("Actors")
    assert actors is not None
    assert next(actors.rows())[1] == [c.name("en") for c in template_columns(shapes_model().sheets[0])]
    content = zipfile.ZipFile(out).read("content.xml").decode()
    assert "of:cell-content-is-in-list(" in content  # the drop-down lists


def test_blank_template_validates_as_empty(tmp_path: Path) -> None:
    out = tmp_path / "modele.xlsx"
    CliRunner().invoke(cli, ["template", str(out)])
    result = CliRunner().invoke(cli, ["validate", str(out), "--store", "memory"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"tsr: error: {out}: no data row, only headers"


def test_template_refuses_other_extensions(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["template", str(tmp_path / "t.csv")])
    assert result.exit_code == 2
    expected = f"tsr: error: {tmp_path / 't.csv'}: the template is written as .xlsx or .ods"
    assert result.stderr.strip() == expected


CODE_HEADERS = ("SIREN", "SIRET", "RNA", "RNSR", "Code commune", "PIC", "Code postal")


def _actor_columns() -> dict[str, Column]:
    return {c.name("fr"): c for c in template_columns(shapes_model().sheets[0])}


def test_xlsx_code_columns_are_text_format(tmp_path: Path) -> None:
    """In Excel's "General" format `01053` becomes 1053 and a SIRET 8,1E+13: identifier and
    code columns are formatted as text ("@"); numbers and dates keep "General"."""
    out = tmp_path / "modele.xlsx"
    assert CliRunner().invoke(cli, ["template", str(out)]).exit_code == 0
    actors = load_workbook(out)["Acteurs"]
    formats = {cell.value: actors.column_dimensions[cell.column_letter].number_format
               for cell in actors[1]}
    for header in CODE_HEADERS:
        assert formats[header] == "@", header
    assert formats["Date de création"] == "General"
    projects = load_workbook(out)["Projets"]
    start = next(cell for cell in projects[1] if cell.value == "Début")  # a date or a year
    assert projects.column_dimensions[start.column_letter].number_format == "General"
    columns = _actor_columns()
    assert {header for header, fmt in formats.items() if fmt == "@"} == {
        header for header, column in columns.items() if keeps_text(column)}


def test_commune_code_typed_into_the_xlsx_template_round_trips(tmp_path: Path) -> None:
    """A coordinator types `01053` (Bourg-en-Bresse) into the text-formatted cell: it is
    stored as the text it is, read back as `01053`, and the row validates."""
    out = tmp_path / "modele.xlsx"
    assert CliRunner().invoke(cli, ["template", str(out)]).exit_code == 0
    book = load_workbook(out)
    actors = book["Acteurs"]
    headers = [cell.value for cell in actors[1]]
    row = {"Nom": "Atelier de Bourg", "Type d'acteur": "Association",
           "Forme juridique": "Association loi 1901", "Région": "Auvergne-Rhône-Alpes",
           "Département": "Ain", "Commune": "Bourg-en-Bresse", "Code commune": "01053"}
    for header, value in row.items():
        cell = actors.cell(row=2, column=headers.index(header) + 1, value=value)
        # what a spreadsheet gives a new cell: its column's format
        cell.number_format = actors.column_dimensions[cell.column_letter].number_format
    book.save(out)
    typed = load_workbook(out)["Acteurs"].cell(row=2, column=headers.index("Code commune") + 1)
    assert typed.number_format == "@" and typed.data_type == "s" and typed.value == "01053"
    sheet = open_workbook(out).sheet("Acteurs")
    assert sheet is not None
    read = list(sheet.rows())[1][1]
    assert read[headers.index("Code commune")] == "01053"
    result = CliRunner().invoke(cli, ["validate", str(out), "--store", "memory"])
    assert result.exit_code == 0, result.output


def test_ods_code_columns_are_text_format(tmp_path: Path) -> None:
    from odf.namespaces import STYLENS, TABLENS
    from odf.number import TextStyle
    from odf.opendocument import load
    from odf.table import Table, TableColumn

    out = tmp_path / "modele.ods"
    assert CliRunner().invoke(cli, ["template", str(out)]).exit_code == 0
    document = load(str(out))
    text_styles = {style.getAttribute("name") for style in
                   document.getElementsByType(TextStyle)}
    cell_styles = {style.getAttribute("name"): style.attributes.get((STYLENS, "data-style-name"))
                   for style in document.automaticstyles.childNodes}
    actors = next(table for table in document.getElementsByType(Table)
                  if table.getAttribute("name") == "Acteurs")
    columns = [column.attributes.get((TABLENS, "default-cell-style-name"))
               for column in actors.getElementsByType(TableColumn)]
    expected = [keeps_text(column) for column in _actor_columns().values()]
    shown_as_text = [style is not None and cell_styles.get(style) in text_styles
                     for style in columns]
    assert shown_as_text == expected
    assert shown_as_text[list(_actor_columns()).index("Code commune")] is True
