"""The template comes from the shapes: sheets, headers, comments, drop-downs, README."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cli.main import cli
from ingest.readers import open_workbook
from ingest.shapes_model import shapes_model
from ingest.template import template_columns


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
