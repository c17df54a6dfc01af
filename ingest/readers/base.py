"""What every reader produces: sheets of rows of raw cell values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# A raw cell: what the file holds, before normalisation (str, int, float, bool, date,
# datetime, time or None for an empty cell).
Cell = Any


@dataclass
class RawSheet:
    """One sheet; `rows()` yields (1-based row number, cells) for non-empty rows, lazily."""

    name: str
    rows: Callable[[], Iterator[tuple[int, list[Cell]]]]


@dataclass
class Workbook:
    path: str
    format: str
    sheets: list[RawSheet] = field(default_factory=list)

    def sheet(self, name: str) -> RawSheet | None:
        return next((s for s in self.sheets if s.name == name), None)


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def column_letter(index: int) -> str:
    """0-based column index to the spreadsheet letters: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
