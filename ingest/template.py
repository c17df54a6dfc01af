"""Blank (or filled) workbooks built from the shapes: one sheet per node shape, one column per
property shape (header = sh:name, comment = sh:description and the rule), drop-down lists
from the SKOS schemes, a README sheet. `tsr template` writes it; the example workbooks are
the same template filled in, so the two never drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from store.namespaces import XSD

from .model_facts import ModelFacts, model_facts
from .shapes_model import Column, ShapesModel, Sheet, shapes_model
from .xlsx_cells import append_row

Rows = dict[str, Sequence[Sequence[Any]]]  # node shape IRI -> data rows (cells in column order)

_README = {"fr": "Lisez-moi", "en": "README"}
_LISTS = {"fr": "Listes", "en": "Lists"}
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


def readme_lines(model: ShapesModel, lang: str) -> list[list[str]]:
    lines = [[text] for text in _TEXT[lang]]
    for sheet in model.sheets:
        lines.append([sheet.name(lang), sheet.descriptions.get(lang, "")])
    return lines


def write_template(path: Path, lang: str = "fr", rows: Rows | None = None) -> None:
    """Write the template (optionally filled with `rows`) as .xlsx or .ods, by extension."""
    if path.suffix.lower() == ".ods":
        from .template_ods import write_ods

        write_ods(path, lang, rows or {})
    else:
        write_xlsx(path, lang, rows or {})


def write_xlsx(path: Path, lang: str, rows: Rows) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    model, facts = shapes_model(), model_facts()
    book = Workbook()
    readme = book.active
    assert readme is not None
    readme.title = _README[lang]
    for line in readme_lines(model, lang):
        readme.append(line)
    readme["A1"].font = Font(bold=True, size=14)
    readme.column_dimensions["A"].width = 30
    lists = book.create_sheet(_LISTS[lang])
    lists.sheet_state = "hidden"
    list_ranges: dict[tuple[str, ...], str] = {}
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in model.sheets:
        page = book.create_sheet(sheet.name(lang))
        columns = template_columns(sheet)
        page.append([c.name(lang) for c in columns])
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            cell = page.cell(row=1, column=index)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            note = "\n".join(t for t in (column.descriptions.get(lang), column.message(lang)) if t)
            cell.comment = Comment(note, "tsr", width=320, height=140)
            page.column_dimensions[letter].width = max(12, min(40, len(cell.value or "") + 4))
            values = choices(column, lang, facts)
            if values:
                key = tuple(values)
                if key not in list_ranges:
                    list_letter = get_column_letter(len(list_ranges) + 1)
                    for row, value in enumerate(values, start=1):
                        lists.cell(row=row, column=len(list_ranges) + 1, value=value)
                    list_ranges[key] = (f"'{_LISTS[lang]}'!${list_letter}$1:"
                                        f"${list_letter}${len(values)}")
                # several values per cell ("a; b") cannot come from a list: allow typing
                validation = DataValidation(type="list", formula1=f"={list_ranges[key]}",
                                            allow_blank=True,
                                            showErrorMessage=not column.multi_valued)
                validation.add(f"{letter}2:{letter}5000")
                page.add_data_validation(validation)
        page.freeze_panes = "A2"
        for data in rows.get(sheet.shape, ()):
            append_row(page, data)
    book.move_sheet(lists, offset=len(book.sheetnames))
    book.save(path)
