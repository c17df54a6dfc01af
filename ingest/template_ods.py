"""The template (or a filled copy) as an OpenDocument spreadsheet, for LibreOffice users."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from odf import teletype
from odf.number import TextContent, TextStyle
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style
from odf.table import (
    ContentValidation,
    ContentValidations,
    Table,
    TableCell,
    TableColumn,
    TableRow,
)
from odf.text import P

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

_EMPTY_ROWS = 500
# a cell style whose number format is "Text" (`@`): codes keep their leading zeros
_TEXT_CELL = "text-cell"


def _text_cell_style(document: OpenDocumentSpreadsheet) -> None:
    text_format = TextStyle(name="text-format")
    text_format.addElement(TextContent())
    document.automaticstyles.addElement(text_format)
    document.automaticstyles.addElement(
        Style(name=_TEXT_CELL, family="table-cell", datastylename="text-format"))


def write_ods(path: Path, lang: str, rows: Rows) -> None:
    model, facts = shapes_model(), model_facts()
    document = OpenDocumentSpreadsheet()
    _text_cell_style(document)
    validations = ContentValidations()
    readme = Table(name=README_SHEET[lang])
    for line in readme_lines(model, lang):
        readme.addElement(_row(line))
    document.spreadsheet.addElement(validations)
    document.spreadsheet.addElement(readme)
    for sheet in model.sheets:
        name = sheet.name(lang)
        table = Table(name=name)
        columns = template_columns(sheet)
        styles = [_TEXT_CELL if keeps_text(column) else None for column in columns]
        for style in styles:
            table.addElement(TableColumn(defaultcellstylename=style) if style else TableColumn())
        table.addElement(_row([c.name(lang) for c in columns]))
        for values in rows.get(sheet.shape, ()):
            table.addElement(_row(values, styles))
        if not rows.get(sheet.shape):
            empty = TableRow(numberrowsrepeated=_EMPTY_ROWS)
            for index, column in enumerate(columns):
                allowed = choices(column, lang, facts)
                text_style = styles[index]
                styled: dict[str, str] = {"stylename": text_style} if text_style else {}
                cell = TableCell(**styled)
                if allowed and not column.multi_valued:
                    validation_name = f"v{len(validations.childNodes) + 1}"
                    listed = ";".join('"' + v.replace('"', '""') + '"' for v in allowed)
                    validations.addElement(ContentValidation(
                        name=validation_name, allowemptycell="true",
                        condition=f"of:cell-content-is-in-list({listed})",
                        basecelladdress=f"'{name}'.{_letter(index)}2"))
                    cell = TableCell(contentvalidationname=validation_name, **styled)
                empty.addElement(cell)
            table.addElement(empty)
        document.spreadsheet.addElement(table)
    lists = Table(name=LISTS_SHEET[lang])
    document.spreadsheet.addElement(lists)
    if not validations.childNodes:
        document.spreadsheet.removeChild(validations)
    document.save(str(path))


def _letter(index: int) -> str:
    from .readers.base import column_letter

    return column_letter(index)


def _row(values: Any, styles: list[str | None] | None = None) -> TableRow:
    row = TableRow()
    for index, value in enumerate(values):
        style = styles[index] if styles and index < len(styles) else None
        cell = _cell(value)
        if style:
            cell.setAttribute("stylename", style)
        row.addElement(cell)
    return row


def _cell(value: Any) -> TableCell:
    if value is None or value == "":
        return TableCell()
    if isinstance(value, bool):
        value = "oui" if value else "non"
    if isinstance(value, int | float):
        cell = TableCell(valuetype="float", value=value)
        cell.addElement(P(text=str(value)))
        return cell
    if isinstance(value, dt.date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
        cell.addElement(P(text=value.isoformat()))
        return cell
    cell = TableCell(valuetype="string")
    paragraph = P()
    teletype.addTextToElement(paragraph, str(value))
    cell.addElement(paragraph)
    return cell
