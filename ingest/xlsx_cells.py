"""Writing cell values to openpyxl sheets safely: text that starts with `=` stays text (never
a formula), and control characters XML cannot hold are shown as U+FFFD."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def safe_value(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def append_row(sheet: Any, values: Sequence[Any]) -> None:
    sheet.append([safe_value(v) for v in values])
    row = sheet.max_row
    for index, value in enumerate(values, start=1):
        if isinstance(value, str) and value.startswith("="):
            sheet.cell(row=row, column=index).data_type = "s"
