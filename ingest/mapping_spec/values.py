"""Values of a foreign row, computed as the mapping says: each `ValueSpec` becomes a small
function of the row (a getter), built once per sheet, so a row costs a few calls.

A getter gives what a template cell would hold (the raw cell, a text), or None for no
value, or one of the wrappers below, which the row mapper reads as they are:
`Values` (several values), `Typed` (a literal already typed, e.g. a year), `Link` (the
IRI of another entity of the row).

>>> from ingest.mapping_spec.values import year_literal
>>> year_literal("2011.0").literal.datatype.value.rsplit("#", 1)[-1]
'gYear'
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable
from typing import Any

from pyoxigraph import Literal, NamedNode

from store.namespaces import XSD

from ..normalise import cached_node, cell_text, french_date
from .schema import ValueSpec, normal

_YEAR = re.compile(r"^(\d{4})(?:[.,]0+)?$")
_YEAR_MONTH = re.compile(r"^(?:(\d{4})-(\d{1,2})|(\d{1,2})[/.-](\d{4}))$")


class Values(list):
    """Several values from one cell (or several links); shows as the cell's text."""

    def __init__(self, items: list[Any], text: str) -> None:
        super().__init__(items)
        self.text = text

    def __str__(self) -> str:
        return self.text


class Typed(str):
    """A value whose literal is already made (a year, a year and month, a date)."""

    literal: Literal

    def __new__(cls, text: str, literal: Literal) -> Typed:
        made = super().__new__(cls, text)
        made.literal = literal
        return made


class Link(str):
    """The IRI of another entity made from the same row."""

    node: NamedNode

    def __new__(cls, node: NamedNode) -> Link:
        made = super().__new__(cls, node.value)
        made.node = node
        return made


class RowContext:
    """One foreign row while its entities are made."""

    __slots__ = ("cells", "items", "links", "made")

    def __init__(self, cells: list[Any]) -> None:
        self.cells = cells
        self.items: dict[str, Any] = {}  # names an `each` gives, for the current item
        self.links: dict[str, Link] = {}  # entity -> IRI, for the current item
        self.made: dict[str, list[tuple[dict[str, Any], Link]]] = {}


Getter = Callable[[RowContext], Any]


def typed(datatype: str, value: str) -> Typed:
    return Typed(value, Literal(value, datatype=cached_node(XSD + datatype)))


def year_literal(raw: Any) -> Any:
    """`2011`, `2011.0`, 2011.0 or a date to an xsd:gYear; anything else as it was."""
    if isinstance(raw, dt.date):
        return typed("gYear", f"{raw.year:04d}")
    if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
        whole = int(raw)
        return typed("gYear", str(whole)) if 1000 <= whole <= 9999 else raw
    text = cell_text(raw)
    found = _YEAR.match(text)
    if found:
        return typed("gYear", found.group(1))
    date = french_date(text)
    return typed("gYear", date[:4]) if date else raw


def date_literal(raw: Any) -> Any:
    """A date as what it is: a full date (xsd:date), a year and month (xsd:gYearMonth) or a
    year (xsd:gYear); anything else as it was (the validation reports it)."""
    if isinstance(raw, dt.datetime):
        return typed("date", raw.date().isoformat())
    if isinstance(raw, dt.date):
        return typed("date", raw.isoformat())
    text = cell_text(raw)
    date = french_date(text)
    if date:
        return typed("date", date)
    found = _YEAR_MONTH.match(text)
    if found:
        year, month = (found.group(1), found.group(2)) if found.group(1) else (
            found.group(4), found.group(3))
        if 1 <= int(month) <= 12:
            return typed("gYearMonth", f"{year}-{int(month):02d}")
    return year_literal(raw)


_KINDS: dict[str, Callable[[Any], Any]] = {"year": year_literal, "date": date_literal}


def compile_value(spec: ValueSpec, read: Callable[[str], Getter],
                  empty: frozenset[str]) -> Getter:
    """The getter of `spec`; `read(name)` gives the getter of a header (or item name)."""
    empties = empty | spec.empty
    source = _source(spec, read, empties)
    mapping = spec.map
    otherwise = spec.otherwise
    default = spec.default
    convert = _KINDS.get(spec.kind)
    rank = {normal(v): i for i, v in enumerate(spec.prefer)} if spec.prefer else None
    if mapping is None and default is None and convert is None and rank is None:
        return source

    def one(value: Any) -> Any:
        if mapping is not None:
            key = normal(cell_text(value)) if not isinstance(value, Link) else None
            if key in mapping:
                value = mapping[key]
            elif otherwise is not None and key is not None:
                value = otherwise[0]
            if value is None:
                return None
        return convert(value) if convert is not None else value

    if mapping is not None and default is None and convert is None and rank is None \
            and otherwise is None:
        def mapped(ctx: RowContext) -> Any:  # the usual case, in one call
            value = source(ctx)
            if value is None or type(value) is Values or type(value) is Link:
                return get(ctx) if value is not None else None
            key = (value if type(value) is str else cell_text(value)).strip().casefold()
            return mapping.get(key, value)

    def get(ctx: RowContext) -> Any:
        value = source(ctx)
        if value is not None:
            if isinstance(value, Values):
                values = [v for v in (one(item) for item in value) if v is not None]
                if rank is not None and values:  # one value: the most preferred one
                    values = [min(values, key=lambda v: rank.get(normal(cell_text(v)),
                                                                 len(rank)))]
                value = Values(values, value.text) if values else None
            else:
                value = one(value)
        if value is None and default is not None:
            return convert(default) if convert is not None else default
        return value

    if mapping is not None and default is None and convert is None and rank is None \
            and otherwise is None:
        return mapped
    return get


def _source(spec: ValueSpec, read: Callable[[str], Getter], empties: frozenset[str]) -> Getter:
    if spec.value is not None:
        constant = spec.value
        return lambda ctx: constant
    if spec.entity is not None:
        return _link(spec.entity)
    if spec.first:
        options = [compile_value(o, read, empties) for o in spec.first]

        def first(ctx: RowContext) -> Any:
            for option in options:
                value = option(ctx)
                if value is not None:
                    return value
            return None

        return first
    if spec.template is not None:
        return _template(spec.template, read, empties)
    assert spec.column is not None
    cell = read(spec.column)
    split, pick = spec.split, spec.pick
    if split is not None:
        def parts(ctx: RowContext) -> Any:
            raw = cell(ctx)
            if raw is None:
                return None
            text = cell_text(raw)
            found = [p.strip() for p in text.split(split)]
            if pick is not None:
                part = found[pick] if pick < len(found) else ""
                return part if part and normal(part) not in empties else None
            kept = [p for p in found if p and normal(p) not in empties]
            return Values(kept, text) if kept else None

        return parts
    if not empties:
        return cell
    index = getattr(cell, "index", None)
    if index is None:  # a name an `each` gives
        def checked(ctx: RowContext) -> Any:
            raw = cell(ctx)
            if raw is None:
                return None
            text = raw if type(raw) is str else cell_text(raw)
            return None if text.strip().casefold() in empties else raw

        return checked

    def read_checked(ctx: RowContext) -> Any:  # one call a cell: this runs on every row
        cells = ctx.cells
        raw = cells[index] if index < len(cells) else None
        if raw is None:
            return None
        text = (raw if type(raw) is str else cell_text(raw)).strip()
        return None if not text or text.casefold() in empties else raw

    return read_checked


def _link(name: str) -> Getter:
    def link(ctx: RowContext) -> Any:
        node = ctx.links.get(name)
        if node is not None:
            return node
        made = ctx.made.get(name)
        if not made:
            return None
        if len(made) == 1:
            return made[0][1]
        return Values([iri for _, iri in made], "; ".join(iri for _, iri in made))

    return link


def _template(template: str, read: Callable[[str], Getter], empties: frozenset[str]) -> Getter:
    pieces = [(text, read(name) if name is not None else None)
              for text, name, _, _ in string.Formatter().parse(template)]

    def build(ctx: RowContext) -> Any:
        out = []
        for text, getter in pieces:
            out.append(text)
            if getter is not None:
                value = getter(ctx)
                part = cell_text(value) if value is not None else ""
                if not part or normal(part) in empties:
                    return None  # a key made of a missing part would name the wrong thing
                out.append(part)
        return "".join(out)

    return build


def blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())
