"""Blank (or filled) workbooks built from the shapes: one sheet per node shape, one column per
property shape (header = sh:name, comment = sh:description and the rule), drop-down lists
from the SKOS schemes, a README sheet. `tsr template` writes it; the example workbooks are
the same template filled in, so the two never drift apart.
"""

from __future__ import annotations

from pathlib import Path

from .model_facts import model_facts
from .shapes_model import shapes_model
from .template_content import (
    LISTS_SHEET,
    README_SHEET,
    Rows,
    choices,
    keeps_text,
    readme_lines,
    template_columns,
)
from .xlsx_cells import append_row

TEXT_FORMAT = "@"  # Excel's and LibreOffice's "Text" number format


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
    readme.title = README_SHEET[lang]
    for line in readme_lines(model, lang):
        readme.append(line)
    readme["A1"].font = Font(bold=True, size=14)
    readme.column_dimensions["A"].width = 30
    lists = book.create_sheet(LISTS_SHEET[lang])
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
            if keeps_text(column):
                # the column's style: what a spreadsheet gives each cell typed into it
                page.column_dimensions[letter].number_format = TEXT_FORMAT
            values = choices(column, lang, facts)
            if values:
                key = tuple(values)
                if key not in list_ranges:
                    list_letter = get_column_letter(len(list_ranges) + 1)
                    for row, value in enumerate(values, start=1):
                        lists.cell(row=row, column=len(list_ranges) + 1, value=value)
                    list_ranges[key] = (f"'{LISTS_SHEET[lang]}'!${list_letter}$1:"
                                        f"${list_letter}${len(values)}")
                # several values per cell ("a; b") cannot come from a list: allow typing
                validation = DataValidation(type="list", formula1=f"={list_ranges[key]}",
                                            allow_blank=True,
                                            showErrorMessage=not column.multi_valued)
                validation.add(f"{letter}2:{letter}5000")
                page.add_data_validation(validation)
        page.freeze_panes = "A2"
        text_columns = [index for index, column in enumerate(columns, start=1)
                        if keeps_text(column)]
        for data in rows.get(sheet.shape, ()):
            append_row(page, data)
            for index in text_columns:
                page.cell(row=page.max_row, column=index).number_format = TEXT_FORMAT
    book.move_sheet(lists, offset=len(book.sheetnames))
    book.save(path)
