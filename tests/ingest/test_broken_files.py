"""The bad-input corpus: one line naming the file (and sheet/row/column), exit 2, store
unchanged; the tricky-but-valid files load with their odd values kept as literals."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode

from cli.main import cli
from ingest.source_names import source_name
from store import Settings, open_store
from store.namespaces import TSR, DataIris

from .conftest import BROKEN, EXAMPLES

EXPECTED = {
    "truncated.xlsx": "truncated.xlsx: not an XLSX workbook: the file is not a ZIP archive",
    "not-a-zip.xlsx": "not-a-zip.xlsx: not an XLSX workbook: the file is not a ZIP archive",
    "not-a-zip.ods": "not-a-zip.ods: not an ODS workbook: the file is not a ZIP archive",
    "password.xlsx": "password.xlsx: the workbook is password-protected",
    "utf16-without-bom.csv": "utf16-without-bom.csv: not a text CSV file (it holds NUL bytes",
    "not-text.csv": "not-text.csv: not UTF-8 or Windows-1252 text",
    "empty.csv": "empty.csv: the file is empty",
    "empty-sheets.xlsx": "empty-sheets.xlsx: no sheet with data (expected one of: Acteurs,",
    "missing-header.xlsx": "missing-header.xlsx, sheet 'Acteurs', row 1: missing column 'Nom'",
    "duplicated-header.xlsx": "duplicated-header.xlsx, sheet 'Acteurs', row 1, column 'SIREN': "
                              "duplicated header (also in column B)",
    "unknown-header.xlsx": "unknown-header.xlsx, sheet 'Acteurs', row 1, column 'Sirène': "
                           "unknown column in sheet 'Acteurs'",
    "unknown-sheet.xlsx": "unknown-sheet.xlsx, sheet 'Feuil1': unknown sheet 'Feuil1'",
    "merged-cells.xlsx": "merged-cells.xlsx, sheet 'Acteurs': cells B2:B3 are merged",
    "formula.xlsx": "formula.xlsx, sheet 'Acteurs': cell D2 holds a formula",
    "formula.ods": "formula.ods, sheet 'Acteurs': a cell holds a formula",
    "long-cell.xlsx": "long-cell.xlsx, sheet 'Acteurs', row 2, column 'Description': cell D2 "
                      "holds 10000 characters (at most 5000)",
}


def test_every_broken_file_has_an_expected_message() -> None:
    on_disk = {p.name for p in BROKEN.iterdir() if p.suffix in (".xlsx", ".ods", ".csv")}
    assert on_disk - {"valid.xlsx"} - {n for n in on_disk if n.startswith("tricky-")} == set(
        EXPECTED)


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store holding the example workbook, to check nothing changes."""
    location = tmp_path_factory.mktemp("broken") / "store"
    result = CliRunner().invoke(cli, ["ingest", str(EXAMPLES / "tsr-example.xlsx"),
                                      "--store", str(location)])
    assert result.exit_code == 0, result.output
    return location


def _dump(location: Path) -> set[str]:
    with open_store(Settings(store=str(location))) as store:
        return {str(q) for q in store.oxigraph.quads_for_pattern(None, None, None)}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("command", ["ingest", "validate"])
def test_broken_file_is_one_line_exit_2_store_unchanged(loaded_store: Path, name: str,
                                                        command: str) -> None:
    before = _dump(loaded_store)
    result = CliRunner().invoke(cli, [command, str(BROKEN / name), "--store", str(loaded_store)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("tsr: error: ")
    assert EXPECTED[name] in lines[0]
    assert "Traceback" not in result.output
    assert _dump(loaded_store) == before


def _source_literals(location: Path, path: Path, predicate: str) -> set[str]:
    graph = DataIris(Settings().base_iri).source_graph(source_name(path))
    with open_store(Settings(store=str(location))) as store:
        return {q.object.value for q in store.oxigraph.quads_for_pattern(  # type: ignore[attr-defined]
            None, NamedNode(predicate), None, graph) if isinstance(q.object, Literal)}


def test_markup_quotes_backslashes_newlines_and_formula_text_stay_literals(tmp_path: Path) -> None:
    location = tmp_path / "store"
    path = BROKEN / "tricky-text.xlsx"
    result = CliRunner().invoke(cli, ["ingest", str(path), "--store", str(location)])
    assert result.exit_code == 0, result.output
    assert _source_literals(location, path, TSR + "name") == {
        'Les <Savoirs> & "Communs" \\ Atelier'}
    assert _source_literals(location, path, TSR + "description") == {
        "=SUM(A1:A2) est un texte, pas une formule\nsur deux lignes"}
    # and the store still serialises and parses back
    dump = tmp_path / "dump.nq"
    assert CliRunner().invoke(cli, ["dump", str(dump), "--store", str(location)]).exit_code == 0
    from pyoxigraph import RdfFormat, parse

    with dump.open("rb") as handle:
        assert any("Savoirs" in str(q.object) for q in parse(handle, RdfFormat.N_QUADS))


def test_control_characters_in_a_windows_csv_stay_literals(tmp_path: Path) -> None:
    location = tmp_path / "store"
    path = BROKEN / "tricky-control-chars.csv"
    result = CliRunner().invoke(cli, ["ingest", str(path), "--store", str(location)])
    assert result.exit_code == 0, result.output
    assert _source_literals(location, path, TSR + "name") == {"Atelier\x01<b>"}
    assert _source_literals(location, path, TSR + "description") == {'a\x07b\\c\n"d"e'}


def test_formula_text_is_written_back_as_text_in_the_xlsx_report(tmp_path: Path) -> None:
    import zipfile

    from openpyxl import load_workbook

    source = tmp_path / "Acteurs.xlsx"
    source.write_bytes((BROKEN / "tricky-text.xlsx").read_bytes())
    book = load_workbook(source)
    book["Acteurs"]["C2"] = "12"  # a SIREN that breaks the pattern
    book.save(source)
    report = tmp_path / "report.xlsx"
    result = CliRunner().invoke(cli, ["validate", str(source), "--report", str(report),
                                      "--store", "memory"])
    assert result.exit_code == 2
    sheet_xml = zipfile.ZipFile(report).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    assert load_workbook(report)["Acteurs"]["D2"].value.startswith("=SUM(A1:A2)")


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
