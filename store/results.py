"""Writing query results in the formats users ask for (CLI, API)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from itertools import islice
from typing import IO, Any

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    serialize,
)

from .namespaces import PREFIXES


class ResultFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    xml = "xml"
    turtle = "turtle"
    ntriples = "ntriples"
    nquads = "nquads"
    jsonld = "jsonld"
    rdfxml = "rdfxml"


_SOLUTION_FORMATS = {
    ResultFormat.csv: QueryResultsFormat.CSV, ResultFormat.tsv: QueryResultsFormat.TSV,
    ResultFormat.json: QueryResultsFormat.JSON, ResultFormat.xml: QueryResultsFormat.XML,
}
_GRAPH_FORMATS = {
    ResultFormat.turtle: RdfFormat.TURTLE, ResultFormat.ntriples: RdfFormat.N_TRIPLES,
    ResultFormat.nquads: RdfFormat.N_QUADS, ResultFormat.jsonld: RdfFormat.JSON_LD,
    ResultFormat.rdfxml: RdfFormat.RDF_XML,
}
_TABLE_SAMPLE = 200
_CELL_MAX = 60


class FormatMismatch(ValueError):
    pass


def write_result(result: Any, output: IO[bytes], fmt: ResultFormat | None) -> None:
    """Write a SELECT/ASK/CONSTRUCT result; `fmt=None` picks table or Turtle."""
    if isinstance(result, QueryBoolean | bool):
        write_boolean(bool(result), output, fmt or ResultFormat.table)
    elif isinstance(result, QuerySolutions):
        fmt = fmt or ResultFormat.table
        if fmt is ResultFormat.table:
            write_table(result, output)
        elif fmt in _SOLUTION_FORMATS:
            result.serialize(output, _SOLUTION_FORMATS[fmt])
        else:
            raise FormatMismatch(f"a SELECT result cannot be written as {fmt.value}; "
                                 "use table, csv, tsv, json or xml")
    else:
        fmt = fmt or ResultFormat.turtle
        if fmt not in _GRAPH_FORMATS:
            raise FormatMismatch(f"a graph result cannot be written as {fmt.value}; "
                                 "use turtle, ntriples, jsonld or rdfxml")
        prefixes = PREFIXES if fmt is ResultFormat.turtle else None
        serialize(result, output, _GRAPH_FORMATS[fmt], prefixes=prefixes)


def write_boolean(value: bool, output: IO[bytes], fmt: ResultFormat) -> None:
    if fmt is ResultFormat.json:
        output.write(json.dumps({"head": {}, "boolean": value}).encode())
    elif fmt in (ResultFormat.table, ResultFormat.csv, ResultFormat.tsv):
        output.write(b"true\n" if value else b"false\n")
    elif fmt is ResultFormat.xml:
        output.write(
            b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            b"<head/><boolean>" + (b"true" if value else b"false") + b"</boolean></sparql>"
        )
    else:
        raise FormatMismatch(f"an ASK result cannot be written as {fmt.value}")


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


def write_table(solutions: QuerySolutions, output: IO[bytes]) -> None:
    """An aligned text table; widths come from the first rows, so output still streams."""
    names = [variable.value for variable in solutions.variables]
    rows = _text_rows(solutions, names)
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
    output.write(f"({count} row{'s' if count != 1 else ''})\n".encode())


def _text_rows(solutions: QuerySolutions, names: list[str]) -> Iterator[list[str]]:
    for solution in solutions:
        yield [_clip(short(solution[name])) for name in names]


def _clip(text: str) -> str:
    text = text.replace("\n", " ").replace("\t", " ")
    return text if len(text) <= _CELL_MAX else text[: _CELL_MAX - 1] + "…"
