"""Errors of the ingest, each one line naming the file and, where it applies, the cell."""

from __future__ import annotations

from dataclasses import dataclass

from store.rdf_files import BadInputError


@dataclass(frozen=True)
class Where:
    """A place in a source file; rows are 1-based as spreadsheet programs show them."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


class SpreadsheetError(BadInputError):
    """A file cannot be read as the spreadsheet it should be (exit code 2)."""

    def __init__(self, where: Where, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.reason = message
