"""Workbooks for the workspace tests, made from the example workbook (examples/): one with
errors a coordinator would make, and the same survey corrected with one change."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tsr-example.xlsx"
# the first actor of the example workbook (Acteurs, row 2), minted from its SIREN
FIRST_ACTOR_NAME = "Atelier des Savoirs Partagés"
FIRST_ACTOR_PATH = "/id/actor/siren-810079194"
RENAMED = "Atelier des Savoirs Partagés et Ouverts"
BAD_RNA = "W12"  # an RNA number is W and 9 characters
BAD_TYPE = "Entreprise fantôme"


def with_errors(target: Path) -> Path:
    """Two errors in the Acteurs sheet: an RNA number too short (row 2), an actor type
    that is no value of the list (row 4)."""
    book = load_workbook(EXAMPLE)
    sheet = book["Acteurs"]
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=headers.index("RNA") + 1, value=BAD_RNA)
    sheet.cell(row=4, column=headers.index("Type d'acteur") + 1, value=BAD_TYPE)
    book.save(target)
    return target


def corrected(target: Path) -> Path:
    """The example with its first actor renamed: one entity changed."""
    book = load_workbook(EXAMPLE)
    sheet = book["Acteurs"]
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=headers.index("Nom") + 1, value=RENAMED)
    book.save(target)
    return target
