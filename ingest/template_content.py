"""What the template's sheets hold, whatever the file format: the columns a person fills in,
their drop-down values, which columns keep their text as typed, and the README sheet.
`template.py` (XLSX) and `template_ods.py` (ODS) both write it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store.namespaces import XSD

from .model_facts import ModelFacts
from .shapes_model import Column, ShapesModel, Sheet

Rows = dict[str, Sequence[Sequence[Any]]]  # node shape IRI -> data rows (cells in column order)

README_SHEET = {"fr": "Lisez-moi", "en": "README"}
LISTS_SHEET = {"fr": "Listes", "en": "Lists"}
_BOOLEANS = {"fr": ["oui", "non"], "en": ["yes", "no"]}
_TEXT = {
    "fr": [
        "Modèle de l'Observatoire du tiers secteur de la recherche",
        "Une feuille par type d'entité, une ligne par entité ; les en-têtes ne doivent pas "
        "être modifiés (le commentaire de chaque en-tête explique la colonne).",
        "Dates : JJ/MM/AAAA ou AAAA-MM-JJ. Nombres : 1 234,56 ou 1234.56. Oui/non : oui, non.",
        "Plusieurs valeurs dans une cellule : séparez-les par « ; ».",
        "Références : identifiant (SIREN, RNSR, RNA, ROR, ORCID), code ou nom exact de "
        "l'entité d'une autre feuille. Listes : libellé (fr ou en) ou code.",
        "Vérifiez le fichier avec « tsr validate FICHIER --report rapport.xlsx ».",
        "",
    ],
    "en": [
        "Template of the Observatory of the third sector of research",
        "One sheet per kind of entity, one row per entity; keep the headers as they are "
        "(each header's comment explains the column).",
        "Dates: DD/MM/YYYY or YYYY-MM-DD. Numbers: 1234.56 or 1 234,56. Yes/no: yes, no.",
        "Several values in one cell: separate them with ';'.",
        "References: identifier (SIREN, RNSR, RNA, ROR, ORCID), code or exact name of the "
        "entity of another sheet. Lists: label (fr or en) or code.",
        "Check the file with 'tsr validate FILE --report report.xlsx'.",
        "",
    ],
}


def template_columns(sheet: Sheet) -> list[Column]:
    """Columns a person fills in (those with a default value are filled by the ingest)."""
    return [c for c in sheet.columns if c.default_value is None]


def choices(column: Column, lang: str, facts: ModelFacts) -> list[str] | None:
    """The drop-down values of a column, in `lang`; None for free cells."""
    if column.scheme is not None:
        concepts = [c for c in facts.concepts.values() if column.scheme in c.schemes]
        labels = [c.labels.get(lang) or c.labels.get("fr") or c.notation for c in concepts]
        return sorted(labels, key=str.casefold)
    if column.datatype == XSD + "boolean":
        return _BOOLEANS[lang]
    return None


# Text columns are formatted as text (Excel's "@"): in "General" format a spreadsheet turns
# a commune code `01053` into the number 1053 and a SIRET into `8,1E+13`, and the digits
# are lost. Only those: a date or number typed into a text cell would stay text, and a
# date written there is read back as its serial number.
_TEXT_TYPES = {XSD + "string", XSD + "anyURI"}


def keeps_text(column: Column) -> bool:
    """Whether the column's cells must keep what is typed, character for character: string
    cells (identifiers, codes, names) and references to entities, which may be typed as an
    identifier (a SIREN); not numbers, dates, years, yes/no or a choice of datatypes."""
    if column.is_reference:
        return column.scheme is None  # a concept is picked from its list
    return column.datatype in _TEXT_TYPES


def readme_lines(model: ShapesModel, lang: str) -> list[list[str]]:
    lines = [[text] for text in _TEXT[lang]]
    for sheet in model.sheets:
        lines.append([sheet.name(lang), sheet.descriptions.get(lang, "")])
    return lines
