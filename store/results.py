"""Query results as a person reads them: the aligned table of `tsr query` (the other formats
are written by the API's writers, api/sparql/jobs.py, the same for the CLI and HTTP)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QuerySolutions,
)

from .namespaces import PREFIXES

_TABLE_SAMPLE = 200
_CELL_MAX = 60


def short(term: Any) -> str:
    """A term as a person reads it: prefixed IRIs, literal values, `_:` blank nodes."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        for prefix, namespace in PREFIXES.items():
            if term.value.startswith(namespace):
                return f"{prefix}:{term.value[len(namespace):]}"
        return f"<{term.value}>"
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        return term.value
    return str(term)


def write_table(solutions: QuerySolutions, output: IO[bytes], limit: int | None = None) -> bool:
    """An aligned text table of at most `limit` rows (True if it cut the result); widths
    come from the first rows, so output still streams."""
    names = [variable.value for variable in solutions.variables]
    every_row = _text_rows(solutions, names)
    rows = every_row if limit is None else islice(every_row, limit)
    sample = list(islice(rows, _TABLE_SAMPLE))
    widths = [max([len(name)] + [len(row[i]) for row in sample]) for i, name in enumerate(names)]

    def line(cells: Iterable[str]) -> bytes:
        padded = (cell[:width].ljust(width) for cell, width in zip(cells, widths, strict=True))
        return (" | ".join(padded).rstrip() + "\n").encode("utf-8")

    output.write(line(names))
    output.write(("-+-".join("-" * width for width in widths) + "\n").encode())
    count = 0
    for row in sample:
        output.write(line(row))
        count += 1
    for row in rows:
        output.write(line(row))
        count += 1
    cut = limit is not None and count == limit and next(every_row, None) is not None
    output.write(f"({count} row{'s' if count != 1 else ''})\n".encode())
    return cut


def _text_rows(solutions: QuerySolutions, names: list[str]) -> Iterator[list[str]]:
    for solution in solutions:
        yield [_clip(short(solution[name])) for name in names]


def _clip(text: str) -> str:
    text = text.replace("\n", " ").replace("\t", " ")
    return text if len(text) <= _CELL_MAX else text[: _CELL_MAX - 1] + "…"
