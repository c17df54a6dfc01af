"""Which sheet of a file is which node shape, and which header is which column.

Headers match a column's `sh:name` in French or English (accents, case and punctuation
ignored). A foreign spreadsheet brings a YAML mapping file (see :mod:`ingest.mapping_spec`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from store.namespaces import slug

from .errors import SpreadsheetError, Where
from .readers.base import Cell, column_letter, is_blank
from .shapes_model import Column, ShapesModel, Sheet

# Sheets a template or a coordinator adds for people, not data.
IGNORED_SHEETS = {"readme", "lisez-moi", "aide", "help", "notes", "listes", "lists"}


@dataclass
class BoundColumn:
    """A column of the file bound to a property shape (or a value a mapping makes)."""

    index: int | None  # position in the row, None for a constant
    header: str
    column: Column
    letter: str
    constant: str | None = None


@dataclass
class BoundSheet:
    sheet: Sheet
    file_sheet: str
    header_row: int
    columns: list[BoundColumn] = field(default_factory=list)
    # what a mapping says of the entities' keys: "local" (a code of this source only) or
    # "shared" (an identifier every source uses); None for a template sheet
    key_scope: str | None = None
    key_source: str | None = None  # local codes that are another source's (same_as)


def find_sheet(model: ShapesModel, file_sheet: str, headers: list[str],
               where: Where) -> Sheet | None:
    """The node shape a sheet of the file feeds; None for sheets to skip."""
    found = model.sheet_named(file_sheet)
    if found is not None:
        return found
    if slug(file_sheet) in IGNORED_SHEETS:
        return None
    # a CSV or a renamed sheet: the one node shape that knows every header
    candidates = [s for s in model.sheets if headers and all(
        _column_by_header(s, h) is not None for h in headers)]
    if len(candidates) == 1:
        return candidates[0]
    raise SpreadsheetError(where, f"unknown sheet {file_sheet!r}; name it after one of "
                           f"{known_sheets(model)} or give a --mapping file")


def known_sheets(model: ShapesModel) -> str:
    return ", ".join(s.name("fr") for s in model.sheets)


def bind_headers(sheet: Sheet, file_sheet: str, header_row: int, header_cells: list[Cell],
                 file: str) -> BoundSheet:
    bound = BoundSheet(sheet, file_sheet, header_row)
    seen: dict[str, str] = {}
    for index, cell in enumerate(header_cells):
        if is_blank(cell):
            continue
        header = str(cell).strip()
        letter = column_letter(index)
        where = Where(file, file_sheet, header_row, header)
        if slug(header) in seen:
            raise SpreadsheetError(where, f"duplicated header (also in column "
                                   f"{seen[slug(header)]})")
        seen[slug(header)] = letter
        target = header
        found = _column_by_header(sheet, target)
        if found is None:
            raise SpreadsheetError(where, f"unknown column in sheet {sheet.name('fr')!r} "
                                   f"(known: {', '.join(c.name('fr') for c in sheet.columns)})")
        bound.columns.append(BoundColumn(index, header, found, letter))
    present = {b.column.path for b in bound.columns}
    for column in sheet.columns:
        if column.min_count and column.path not in present and column.default_value is None:
            raise SpreadsheetError(Where(file, file_sheet, header_row),
                                   f"missing column {column.name('fr')!r} "
                                   f"({column.name('en')!r}), which is required")
    return bound


def _column_by_header(sheet: Sheet, header: str) -> Column | None:
    wanted = slug(header)
    return next((c for c in sheet.columns if wanted in {slug(n) for n in c.names.values()}),
                None)


def header_row_of(rows: Any) -> tuple[int, list[Cell]] | None:
    """The first non-empty row is the header row."""
    return next(rows, None)
