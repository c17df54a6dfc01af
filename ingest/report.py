"""Validation reports a coordinator can act on: one line per violation on the terminal, and
CSV, JSON or XLSX files. The XLSX report is the submitted workbook itself with each offending
cell filled in red and commented, so it can be fixed and sent again."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from store.rdf_files import BadInputError

from .readers import open_workbook
from .readers.base import column_letter
from .violations import Violation
from .xlsx_cells import append_row

REPORT_FORMATS = (".csv", ".json", ".xlsx")
_FIELDS = ("file", "sheet", "row", "column", "cell", "value", "message", "focus", "path",
           "component")
_LABELS = {
    "fr": {"sheet": "feuille", "row": "ligne", "column": "colonne", "value": "valeur",
           "errors": "Erreurs", "more": "autres violations (voir le rapport)"},
    "en": {"sheet": "sheet", "row": "row", "column": "column", "value": "value",
           "errors": "Errors", "more": "more violations (see the report)"},
}


def cell_name(violation: Violation) -> str | None:
    if violation.letter and violation.row:
        return f"{violation.letter}{violation.row}"
    return None


def line(violation: Violation, lang: str) -> str:
    """One violation on one line, in `lang`."""
    words = _LABELS[lang]
    parts = [Path(violation.file).name, f"{words['sheet']} {violation.sheet!r}"]
    if violation.row is not None:
        parts.append(f"{words['row']} {violation.row}")
    if violation.column is not None:
        where = cell_name(violation)
        parts.append(f"{words['column']} {violation.column!r}" + (f" ({where})" if where else ""))
    if violation.value is not None:
        parts.append(f"{words['value']} {_short(violation.value)!r}")
    return ", ".join(parts) + ": " + violation.message(lang)


def distinct(violations: Iterable[Violation]) -> list[Violation]:
    """Each error once: a bad vocabulary value breaks sh:class and sh:node of its column,
    which pySHACL reports as two results with one message; a reader wants it once."""
    seen: set[tuple[object, ...]] = set()
    found = []
    for violation in violations:
        key = (violation.file, violation.sheet, violation.row, violation.column,
               violation.value, tuple(sorted(violation.messages.items())))
        if key not in seen:
            seen.add(key)
            found.append(violation)
    return found


def console_lines(violations: list[Violation], lang: str, limit: int = 50) -> list[str]:
    # one cell breaking two constraints with one message (e.g. class and node) reads once
    unique = list(dict.fromkeys(line(v, lang) for v in violations))
    lines = unique[:limit]
    if len(unique) > limit:
        lines.append(f"… {len(unique) - limit} {_LABELS[lang]['more']}")
    return lines


def _short(text: str, width: int = 80) -> str:
    flat = text.replace("\n", "\\n").replace("\r", "\\r")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def record(violation: Violation, lang: str) -> dict[str, Any]:
    return {
        "file": violation.file, "sheet": violation.sheet, "row": violation.row,
        "column": violation.column, "cell": cell_name(violation), "value": violation.value,
        "message": violation.message(lang), "focus": violation.focus, "path": violation.path,
        "component": violation.component,
    }


def write_report(target: Path, violations: list[Violation], lang: str) -> None:
    """Write the report in the format of `target`'s extension (.csv, .json or .xlsx)."""
    suffix = target.suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise BadInputError(f"--report {target}: use a .csv, .json or .xlsx file name")
    partial = target.with_name(target.name + ".part")
    violations = distinct(violations)
    if suffix == ".json":
        partial.write_text(json.dumps([record(v, lang) for v in violations], indent=2,
                                      ensure_ascii=False), encoding="utf-8")
    elif suffix == ".csv":
        with partial.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=_FIELDS)
            writer.writeheader()
            writer.writerows(record(v, lang) for v in violations)
    else:
        write_annotated_workbook(partial, violations, lang)
    partial.replace(target)


def write_annotated_workbook(target: Path, violations: list[Violation], lang: str) -> None:
    """Each source workbook with its offending cells highlighted and commented.

    An XLSX source is copied with its formatting; ODS and CSV sources are rebuilt from their
    cells. Several source files give one workbook with their sheets side by side.
    """
    from openpyxl import Workbook, load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    red = PatternFill("solid", fgColor="FFC7CE")
    by_file: dict[str, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_file[violation.file].append(violation)
    files = list(by_file) or []
    book: Any
    if len(files) == 1 and Path(files[0]).suffix.lower() in (".xlsx", ".xlsm"):
        book = load_workbook(files[0])
    else:
        book = Workbook()
        book.remove(book.active)
        for file in files:
            for sheet in open_workbook(Path(file)).sheets:
                _copy_sheet(book, sheet, prefix=Path(file).stem if len(files) > 1 else None)
    for file, found in by_file.items():
        for violation in found:
            name = violation.sheet if len(files) == 1 else f"{Path(file).stem}.{violation.sheet}"
            name = name[:31]
            if name not in book.sheetnames or violation.row is None:
                continue
            page = book[name]
            letter = violation.letter or _header_letter(page, violation.column)
            if letter is None and violation.column is None:
                letter = "A"  # about the whole row (a duplicate): its first cell says it
            if letter is None:
                continue
            cell = page[f"{letter}{violation.row}"]
            cell.fill = red
            previous = cell.comment.text if cell.comment else ""
            said = violation.detail(lang)  # the part of the rule the value broke
            if said not in previous:
                text = (previous + "\n" if previous else "") + said
                cell.comment = Comment(text, "tsr", width=300, height=120)
    book.save(target)


def _copy_sheet(book: Any, sheet: Any, prefix: str | None) -> None:
    page = book.create_sheet(f"{prefix}.{sheet.name}"[:31] if prefix else sheet.name[:31])
    written = 0
    for number, cells in sheet.rows():
        while written < number - 1:
            page.append([])
            written += 1
        append_row(page, cells)
        written += 1


def _header_letter(page: Any, header: str | None) -> str | None:
    if header is None:
        return None
    for row in page.iter_rows(min_row=1, max_row=5):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.strip() == header:
                return column_letter(cell.column - 1)
    return None


def write_rejected_rows(target: Path, source: Path, rejected: set[tuple[str, int]],
                        violations: Iterable[Violation], lang: str) -> None:
    """The rows left out by a --partial load, with their header and an errors column."""
    from openpyxl import Workbook

    messages: dict[tuple[str, int], list[str]] = defaultdict(list)
    for violation in distinct(violations):
        if violation.row is not None:
            where = violation.column or ""
            if violation.value is not None:
                where += f" ({_short(violation.value)!r})" if where else repr(violation.value)
            text = (f"{where}: " if where else "") + violation.detail(lang)
            messages[(violation.sheet, violation.row)].append(text)
    book = Workbook()
    book.remove(book.active)
    for sheet in open_workbook(source).sheets:
        rows = sheet.rows()
        header = next(rows, None)
        wanted = [(n, c) for n, c in rows if (sheet.name, n) in rejected]
        if header is None or not wanted:
            continue
        page = book.create_sheet(sheet.name[:31])
        append_row(page, [*header[1], _LABELS[lang]["errors"]])
        for number, cells in wanted:
            padded = list(cells) + [None] * (len(header[1]) - len(cells))
            append_row(page, [*padded, "\n".join(messages.get((sheet.name, number), []))])
    if not book.sheetnames:
        book.create_sheet(_LABELS[lang]["errors"])
    book.save(target)


_REVIEW_FIELDS = ("name", "sheet", "row", "entity", "source", "other_entity", "other_source")


def write_review(target: Path, candidates: Iterable[Any]) -> None:
    """Same-name organisations without a shared identifier, one per line, for a person to
    decide (the ingest never merges them): a CSV that opens in a spreadsheet."""
    partial = target.with_name(target.name + ".part")
    with partial.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(_REVIEW_FIELDS)
        for c in candidates:
            writer.writerow((c.name, c.sheet, c.row, c.entity, c.source, c.other,
                             c.other_source))
    partial.replace(target)
