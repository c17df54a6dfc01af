"""A violation found in a file, with everything the report shows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Violation:
    file: str
    sheet: str
    row: int | None
    column: str | None  # the header as written in the file
    letter: str | None  # the column's letters, for the highlighted copy of the workbook
    value: str | None
    focus: str
    path: str | None
    component: str  # SHACL constraint component, local name (e.g. MinCountConstraintComponent)
    messages: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # the part of the rule the value broke ("no actor named 'GISOM'"), when known; reports
    # that sit next to the cell (annotated workbook, rejected rows) show it
    details: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # about one value of an optional column that is no part of the key: --partial may
    # leave the cell empty and keep the row
    droppable: bool = field(default=False, compare=False, hash=False)

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or next(iter(self.messages.values()), self.component)

    def detail(self, lang: str) -> str:
        return self.details.get(lang) or self.message(lang)

    @property
    def key(self) -> tuple[str, str | None, str]:
        """What pySHACL would name: (focus node, result path, constraint component)."""
        return (self.focus, self.path, self.component)


@dataclass(frozen=True)
class Notice:
    """Something the coordinator should know about a file that is not a violation (columns
    a mapping leaves out)."""

    file: str
    sheet: str | None
    messages: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def message(self, lang: str) -> str:
        where = f"{self.file}, {'feuille' if lang == 'fr' else 'sheet'} {self.sheet!r}" \
            if self.sheet else self.file
        return f"{where}: {self.messages.get(lang) or next(iter(self.messages.values()), '')}"
