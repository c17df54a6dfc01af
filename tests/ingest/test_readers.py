from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import SpreadsheetError
from ingest.readers import open_workbook

from .conftest import EXAMPLES

ROWS = "Nom;Région;Budget\nAtelier é;Île-de-France;1 234,56\n"


@pytest.mark.parametrize(("encoding", "bom"), [
    ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16-le", b"\xff\xfe"),
])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_csv_encoding_and_delimiter_are_detected(tmp_path: Path, encoding: str, bom: bytes,
                                                 delimiter: str) -> None:
    path = tmp_path / "Acteurs.csv"
    text = ROWS.replace(";", delimiter) if delimiter != "," else ROWS.replace(";", ",").replace(
        "1 234,56", '"1 234,56"')
    path.write_bytes(bom + text.encode(encoding))
    [sheet] = open_workbook(path).sheets
    assert sheet.name == "Acteurs"
    assert list(sheet.rows()) == [(1, ["Nom", "Région", "Budget"]),
                                  (2, ["Atelier é", "Île-de-France", "1 234,56"])]


def test_xlsx_and_ods_examples_read_the_same_cells() -> None:
    xlsx = open_workbook(EXAMPLES / "tsr-example.xlsx")
    ods = open_workbook(EXAMPLES / "tsr-example.ods")
    assert [s.name for s in xlsx.sheets if s.name != "Listes"] == [
        s.name for s in ods.sheets if s.name != "Listes"]
    first_xlsx = list(xlsx.sheet("Acteurs").rows())[:3]  # type: ignore[union-attr]
    first_ods = list(ods.sheet("Acteurs").rows())[:3]  # type: ignore[union-attr]
    assert first_xlsx[0] == first_ods[0]
    assert first_xlsx[1][1][0] == first_ods[1][1][0] == "Atelier des Savoirs Partagés"


def test_unknown_extension_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "data.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(SpreadsheetError, match=r"data.pdf: unknown spreadsheet extension"):
        open_workbook(path)
