"""Cell values the way French (and English) spreadsheets write them, to RDF literals.

A value that does not fit the column's datatype is kept as a plain string literal, so the
validation reports it (sh:datatype) exactly as pySHACL would on the same triples.

>>> decimal_text("1 234,56 €"), french_date("17/06/2024"), boolean_text("Oui")
('1234.56', '2024-06-17', 'true')
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from pyoxigraph import Literal, NamedNode

from store.namespaces import XSD

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_NUMBER_JUNK = re.compile(r"[\s\u00a0\u202f€$£%]|EUR|eur")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_TRUE = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
_FALSE = {"non", "n", "no", "faux", "false", "0"}

XSD_STRING = NamedNode(XSD + "string")
_NODES: dict[str, NamedNode] = {}
_NODE_TEXTS: dict[str, str] = {}


def cached_node(iri: str) -> NamedNode:
    """Datatypes, predicates and classes repeat on every row: build each node once."""
    node = _NODES.get(iri)
    if node is None:
        node = _NODES[iri] = NamedNode(iri)
    return node


def node_text(iri: str) -> str:
    """The N-Triples form of a repeated IRI (`<iri>`), written once."""
    text = _NODE_TEXTS.get(iri)
    if text is None:
        text = _NODE_TEXTS[iri] = str(cached_node(iri))
    return text


def cell_text(cell: Any) -> str:
    """The text a user sees in a cell: integral numbers without `.0`, dates in ISO form.

    >>> cell_text(812345674.0), cell_text(dt.date(2024, 6, 17)), cell_text("  a ")
    ('812345674', '2024-06-17', 'a')
    """
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell).strip()


def split_list(text: str) -> list[str]:
    """`a ; b;c` -> ['a', 'b', 'c'] (lists in one cell are separated by `;`)."""
    return [part.strip() for part in text.split(";") if part.strip()]


def decimal_text(text: str) -> str | None:
    """A decimal number written the French or English way, in canonical form; else None."""
    cleaned = _NUMBER_JUNK.sub("", text)
    if "," in cleaned and "." in cleaned:
        # 1.234,56 (French thousands dots) or 1,234.56 (English thousands commas)
        cleaned = (cleaned.replace(".", "").replace(",", ".")
                   if cleaned.rfind(",") > cleaned.rfind(".") else cleaned.replace(",", ""))
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not number.is_finite() or not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        return None
    return canonical_decimal(number)


def canonical_decimal(number: Decimal) -> str:
    """XSD canonical decimal: no exponent, no trailing zeros, at least one fraction digit."""
    text = format(number.normalize(), "f")
    if "." not in text:
        return text + ".0"
    return text


def integer_text(text: str) -> str | None:
    cleaned = _SPACES.sub("", text)
    if re.fullmatch(r"[+-]?\d+", cleaned):
        return str(int(cleaned))
    if re.fullmatch(r"[+-]?\d+[.,]0+", cleaned):
        return str(int(cleaned.replace(",", ".").split(".")[0]))
    return None


def french_date(text: str) -> str | None:
    """`17/06/2024`, `17.06.2024`, `2024-06-17` (or an ISO timestamp) to `2024-06-17`."""
    found = _DMY.match(text)
    try:
        if found:
            day, month, year = (int(g) for g in found.groups())
            return dt.date(year, month, day).isoformat()
        found = _ISO_DATE.match(text)
        if found:
            return dt.date(*(int(g) for g in found.groups())).isoformat()
    except ValueError:
        return None
    return None


def year_text(text: str) -> str | None:
    cleaned = _SPACES.sub("", text)
    if re.fullmatch(r"\d{4}", cleaned):
        return cleaned
    if re.fullmatch(r"\d{4}[.,]0+", cleaned):
        return cleaned[:4]
    date = french_date(cleaned)
    return date[:4] if date else None


def boolean_text(text: str) -> str | None:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return "true"
    if lowered in _FALSE:
        return "false"
    return None


def compact_identifier(text: str, pattern: re.Pattern[str]) -> str:
    """An identifier as the pattern wants it: spaces removed, a URL cut to its last part,
    upper or lower case when only that fits (`812 345 674`, `https://ror.org/05a0dhs15`)."""
    if pattern.search(text):
        return text
    candidates = [_SPACES.sub("", text)]
    if "://" in text:
        candidates.append(text.rstrip("/").rsplit("/", 1)[-1])
        if "doi.org/" in text:
            candidates.append(text.split("doi.org/", 1)[1])
    for candidate in list(candidates):
        candidates += [candidate.upper(), candidate.lower()]
    return next((c for c in candidates if pattern.search(c)), text)


_CONVERTERS = {
    XSD + "decimal": decimal_text,
    XSD + "integer": integer_text,
    XSD + "date": french_date,
    XSD + "gYear": year_text,
    XSD + "boolean": boolean_text,
}


def typed_literal(raw: Any, datatype: str | None) -> Literal:
    """The literal for one cell value of a column with `datatype`.

    Values that do not fit stay plain strings (the validation then reports them).
    """
    if datatype is None or datatype == XSD + "string":
        return Literal(cell_text(raw))
    if datatype == XSD + "date" and isinstance(raw, dt.date):
        value: str | None = (raw.date() if isinstance(raw, dt.datetime) else raw).isoformat()
    elif isinstance(raw, bool) and datatype == XSD + "boolean":
        value = "true" if raw else "false"
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and datatype in (
            XSD + "decimal", XSD + "integer", XSD + "gYear"):
        value = _number_as(raw, datatype)
    else:
        converter = _CONVERTERS.get(datatype)
        text = cell_text(raw)
        value = converter(text) if converter else text
        if value is None:
            return Literal(text)
    if value is None:
        return Literal(cell_text(raw))
    return Literal(value, datatype=cached_node(datatype))


# finer first: "2011-06-17" must stay a date, though a year could be read from it
_PRECISION = {XSD + "dateTime": 0, XSD + "date": 1, XSD + "gYearMonth": 2, XSD + "gYear": 3}


def typed_literal_of(raw: Any, datatypes: tuple[str, ...]) -> Literal:
    """The literal for a cell of a column that accepts several datatypes (an sh:or of
    datatypes): the most precise one the value fits, else a plain string.

    >>> [typed_literal_of(v, (XSD + "date", XSD + "gYear")).value for v in ("2011", 2011.0, "17/06/2024")]
    ['2011', '2011', '2024-06-17']
    """
    if len(datatypes) == 1:
        return typed_literal(raw, datatypes[0])
    ordered = sorted(datatypes, key=lambda d: _PRECISION.get(d, -1))
    for datatype in ordered:
        literal = typed_literal(raw, datatype)
        if literal.datatype.value == datatype:
            return literal
    return Literal(cell_text(raw))


def _number_as(number: float | int, datatype: str) -> str | None:
    if datatype == XSD + "decimal":
        return canonical_decimal(Decimal(repr(number)))
    if isinstance(number, float) and not number.is_integer():
        return None
    whole = str(int(number))
    if datatype == XSD + "gYear":
        return whole if len(whole) == 4 else None
    return whole
