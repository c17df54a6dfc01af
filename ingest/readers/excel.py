"""XLSX and ODS through python-calamine (Rust, fast), plus a structure check that calamine
does not do: merged cells and formula cells are refused, because what they show is not what
the file holds in each cell."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine as calamine

from store.settings import get_settings

from ..errors import SpreadsheetError, Where
from .base import Cell, RawSheet, Workbook, column_letter

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 4 << 20


@dataclass(frozen=True)
class WorkbookLimits:
    """What a workbook's ZIP directory may announce before any part is unpacked."""

    max_bytes: int = 256 << 20  # all parts together, uncompressed
    max_ratio: int = 200  # uncompressed / compressed, for a part of more than a MiB

    @classmethod
    def from_settings(cls) -> WorkbookLimits:
        settings = get_settings()
        return cls(settings.max_workbook_bytes, settings.max_workbook_ratio)


def read_excel(path: Path, limits: WorkbookLimits | None = None) -> Workbook:
    fmt = "ods" if path.suffix.lower() == ".ods" else "xlsx"
    where = Where(str(path))
    _check_container(path, fmt, where)
    _check_parts(path, limits or WorkbookLimits.from_settings(), where)
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise SpreadsheetError(where, "the workbook is password-protected; save a copy "
                               "without a password") from None
    except Exception as error:  # calamine raises several unrelated types for damaged files
        raise SpreadsheetError(
            where, f"not a readable {fmt.upper()} workbook ({_short(error)})") from None
    try:
        if fmt == "xlsx":
            _refuse_xlsx_formulas(path, where)
        else:
            _refuse_ods_merges_and_formulas(path, where)
        sheets = [_sheet(book, name, where) for name in book.sheet_names]
    finally:
        book.close()
    return Workbook(str(path), fmt, sheets)


def _check_container(path: Path, fmt: str, where: Where) -> None:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == _OLE_MAGIC:
        # Encrypted OOXML is stored inside an OLE compound file; so is the old .xls format.
        content = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in content:
            raise SpreadsheetError(where, "the workbook is password-protected; save a copy "
                                   "without a password")
        raise SpreadsheetError(where, "this is an old binary Excel file (.xls); save it as .xlsx")
    if not zipfile.is_zipfile(path):
        raise SpreadsheetError(where, f"not an {fmt.upper()} workbook: the file is not a ZIP "
                               "archive (truncated, or another format renamed)")
    try:
        # opening reads the central directory; damaged members surface when calamine reads
        with zipfile.ZipFile(path):
            pass
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise SpreadsheetError(
            where, f"damaged {fmt.upper()} workbook ({_short(error)})") from None


_MIB = 1 << 20
# the first markup of an XML part's prolog that is a declaration or the root element
_DECLARATION_OR_ROOT = re.compile(rb"<!(?:DOCTYPE|ENTITY)|<[A-Za-z_]", re.IGNORECASE)


def _check_parts(path: Path, limits: WorkbookLimits, where: Where) -> None:
    """Refuse decompression bombs (from the ZIP directory, before unpacking anything) and
    XML parts that declare a DTD or entities (never in XLSX or ODS; the way to entity
    expansion bombs and external entities)."""
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
        total = sum(part.file_size for part in parts)
        if total > limits.max_bytes:
            raise SpreadsheetError(where, (
                f"the workbook unpacks to {total / _MIB:,.0f} MiB; at most "
                f"{limits.max_bytes / _MIB:,.0f} MiB are read (setting max_workbook_bytes)"))
        for part in parts:
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size > _MIB and ratio > limits.max_ratio:
                raise SpreadsheetError(where, (
                    f"part {part.filename} unpacks {ratio:,.0f} times its size "
                    f"({part.compress_size / 1024:,.0f} KiB to {part.file_size / _MIB:,.0f} MiB): "
                    f"refused as a decompression bomb (at most {limits.max_ratio} times, "
                    "setting max_workbook_ratio)"))
        for part in parts:
            if part.filename.lower().endswith((".xml", ".rels")):
                with archive.open(part) as stream:
                    if _declares_entities(stream):
                        raise SpreadsheetError(where, (
                            f"part {part.filename} declares XML entities (<!DOCTYPE> or "
                            "<!ENTITY>), which spreadsheets never hold; the file was crafted "
                            "or damaged"))


def _declares_entities(stream: Any) -> bool:
    tail = b""
    while chunk := stream.read(64 << 10):
        window = (tail + chunk).replace(b"\0", b"")  # UTF-16 text read as ASCII
        found = _DECLARATION_OR_ROOT.search(window)
        if found:
            return found.group(0).startswith(b"<!")
        tail = window[-16:]
    return False


def _sheet(book: Any, name: str, where: Where) -> RawSheet:
    sheet_where = Where(where.file, name)
    try:
        sheet = book.get_sheet_by_name(name)
    except Exception as error:  # calamine's XML, ZIP and value errors
        raise SpreadsheetError(sheet_where, f"cannot read the sheet ({_short(error)})") from None
    merged = sheet.merged_cell_ranges or []
    if merged:
        (r1, c1), (r2, c2) = merged[0]
        cells = f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}"
        raise SpreadsheetError(sheet_where, f"cells {cells} are merged; unmerge them and fill "
                               "every cell")
    start = sheet.start

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        if start is None:
            return
        first_row, first_column = start
        padding: list[Cell] = [None] * first_column
        try:
            for offset, values in enumerate(sheet.iter_rows()):
                cells = padding + [None if v == "" else v for v in values]
                if any(cell is not None for cell in cells):
                    yield first_row + offset + 1, cells
        except SpreadsheetError:
            raise
        except Exception as error:  # calamine's errors while it reads the rows
            raise SpreadsheetError(sheet_where, f"cannot read the sheet ({_short(error)})") from None

    return RawSheet(name, rows)


def _scan(stream: Any, pattern: re.Pattern[bytes]) -> tuple[bytes, re.Match[bytes]] | None:
    """First match of `pattern` in a large XML member, read in chunks; (context, match)."""
    tail = b""
    while chunk := stream.read(_CHUNK):
        window = tail + chunk
        found = pattern.search(window)
        if found:
            return window, found
        tail = window[-4096:]
    return None


_XLSX_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")
_XLSX_CELL_REF = re.compile(rb'<(?:\w+:)?c r="([A-Z]+[0-9]+)"')


def _refuse_xlsx_formulas(path: Path, where: Where) -> None:
    with zipfile.ZipFile(path) as archive:
        names = _xlsx_sheet_files(archive)
        for member, sheet_name in names.items():
            with archive.open(member) as stream:
                hit = _scan(stream, _XLSX_FORMULA)
            if hit is None:
                continue
            window, found = hit
            refs = _XLSX_CELL_REF.findall(window, 0, found.start())
            cell = refs[-1].decode() if refs else "?"
            raise SpreadsheetError(
                Where(where.file, sheet_name),
                f"cell {cell} holds a formula; replace formulas by their values "
                "(copy, then paste values only)",
            )


def _xlsx_sheet_files(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member name -> sheet name, from the workbook and its relationships."""
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = dict(re.findall(r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update(
        {rid: target for target, rid in
         re.findall(r'<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)}
    )
    found = {}
    for name, rid in re.findall(r'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"', workbook):
        target = targets.get(rid, "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        found[member] = _xml_unescape(name)
    return found


_ODS_PROBLEM = re.compile(rb'table:(formula|number-columns-spanned|number-rows-spanned)="([^"]*)"')
_ODS_TABLE = re.compile(rb'<table:table [^>]*?table:name="([^"]*)"')


def _refuse_ods_merges_and_formulas(path: Path, where: Where) -> None:
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
        tail = b""
        sheet: str | None = None  # the table being read, carried across chunks
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            for found in _ODS_PROBLEM.finditer(window):
                kind, value = found.group(1), found.group(2)
                if kind != b"formula" and value == b"1":
                    continue
                tables = _ODS_TABLE.findall(window, 0, found.start())
                if tables:
                    sheet = _xml_unescape(tables[-1].decode())
                message = ("a cell holds a formula; replace formulas by their values "
                           "(copy, then paste values only)" if kind == b"formula"
                           else "some cells are merged; unmerge them and fill every cell")
                raise SpreadsheetError(Where(where.file, sheet), message)
            tables = _ODS_TABLE.findall(window)
            if tables:
                sheet = _xml_unescape(tables[-1].decode())
            tail = window[-4096:]


def _xml_unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]
