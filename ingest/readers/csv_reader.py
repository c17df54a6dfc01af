"""CSV as one sheet: encoding (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252)
and delimiter (`,` `;` tab) are detected, so exports from Excel or LibreOffice in French or
English read the same. The file is streamed, never held whole in memory."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from ..errors import SpreadsheetError, Where
from .base import Cell, RawSheet, Workbook

_SAMPLE = 1 << 16
_DELIMITERS = (";", ",", "\t")

# csv refuses fields over 128 KiB by default; the ingest reports long values itself.
csv.field_size_limit(1 << 24)


def read_csv(path: Path) -> Workbook:
    where = Where(str(path))
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE)
    encoding = detect_encoding(sample, where)
    text_sample = sample.decode(encoding, errors="ignore")
    if not text_sample.strip():
        raise SpreadsheetError(where, "the file is empty")
    delimiter = detect_delimiter(text_sample)

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        with path.open("r", encoding=encoding, newline="") as text:
            reader = csv.reader(text, delimiter=delimiter)
            number = 0
            try:
                for number, values in enumerate(reader, start=1):  # noqa: B007 - used below
                    cells: list[Cell] = [value if value.strip() else None for value in values]
                    if any(cell is not None for cell in cells):
                        yield number, cells
            except UnicodeDecodeError:
                raise SpreadsheetError(Where(str(path), path.stem, number + 1),
                                       f"bytes that are not {encoding} text") from None
            except csv.Error as error:
                raise SpreadsheetError(Where(str(path), path.stem, number + 1),
                                       f"not valid CSV ({error})") from None

    return Workbook(str(path), "csv", [RawSheet(path.stem, rows)])


def detect_encoding(sample: bytes, where: Where) -> str:
    """The encoding of a text file from its first bytes.

    >>> detect_encoding("Nom;Région".encode("cp1252"), Where("f.csv"))
    'cp1252'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise SpreadsheetError(where, "not a text CSV file (it holds NUL bytes: binary data, "
                               "or UTF-16 without a byte-order mark)")
    try:
        # a multi-byte character may be cut at the end of the sample
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        raise SpreadsheetError(where, "not UTF-8 or Windows-1252 text; save the CSV as "
                               "UTF-8") from None


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the header line into most fields.

    >>> detect_delimiter('Nom;Ville\\n"A, B";Paris')
    ';'
    """
    first_line = next(iter(io.StringIO(text)), "")
    counts = {d: len(next(csv.reader([first_line], delimiter=d), [])) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: counts[d])
