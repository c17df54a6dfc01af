"""Readers: a spreadsheet file as named sheets of raw rows, whatever its format.

>>> from pathlib import Path
>>> # open_workbook(Path("examples/tsr-example.xlsx")).sheets[0].name  -> 'Acteurs'
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SpreadsheetError, Where
from .base import RawSheet, Workbook
from .csv_reader import read_csv
from .excel import read_excel

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".csv", ".tsv", ".txt")


def open_workbook(path: Path) -> Workbook:
    """Open `path` by its extension; every failure is a one-line SpreadsheetError."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SpreadsheetError(Where(str(path)), "no such file")
    if suffix in (".csv", ".tsv", ".txt"):
        return read_csv(path)
    if suffix in (".xlsx", ".xlsm", ".ods"):
        return read_excel(path)
    known = " ".join(SPREADSHEET_SUFFIXES)
    raise SpreadsheetError(Where(str(path)), f"unknown spreadsheet extension (known: {known})")


__all__ = ["RawSheet", "SPREADSHEET_SUFFIXES", "Workbook", "open_workbook"]
