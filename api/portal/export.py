"""A table (headers and rows of text) as a CSV or an XLSX file, for the lists' downloads."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark: spreadsheet programs then read the accents right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(headers: list[str], rows: list[list[str]], sheet: str) -> bytes:
    """One sheet named `sheet` (at most 31 characters, as Excel allows), headers first."""
    book = Workbook(write_only=True)
    page = book.create_sheet(sheet[:31])
    page.append(headers)
    for row in rows:
        page.append([_text_cell(page, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cell(page: object, value: str) -> WriteOnlyCell:
    """A cell holding `value` as text: openpyxl would write "=..." as a formula."""
    cell = WriteOnlyCell(page, value=value)
    cell.data_type = "s"
    return cell
