"""SPARQL results and RDF graphs written incrementally, with the result-row cap.

Each writer reads its input lazily and writes to `sink` (anything with `write(bytes)`), so
a million-row result never sits in memory. When the cap cuts a result, `Cap.truncated` is
set and, where the format has room for it, the output says so: a `"truncated"` member in
SPARQL JSON, a comment in SPARQL XML, Turtle, N-Triples and RDF/XML. CSV, TSV and JSON-LD
have no such room: there the `TSR-Result-Limit` header is the signal (a result with exactly
that many rows may have been cut).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring as json_string
from typing import IO, Any, Protocol, cast
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple, serialize

from store.namespaces import PREFIXES, XSD

from .negotiation import MediaType

_XSD_STRING = f"{XSD}string"
_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
# rows handed to the sink at once: fewer calls into the chunk writer, still streaming
_JSON_ROWS_PER_WRITE = 64


class Sink(Protocol):
    def write(self, data: bytes) -> Any: ...


class Cap:
    """Counts rows against the limit and remembers whether it cut the result."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.truncated = False

    def take(self, rows: Iterable[Any]) -> Iterator[Any]:
        for count, row in enumerate(rows):
            if count >= self.limit:
                self.truncated = True
                return
            yield row

    @property
    def note(self) -> str:
        return (f"truncated: the result has more than {self.limit} rows, the server's "
                "result limit; narrow the query or page through it with LIMIT/OFFSET")


# -- SELECT -------------------------------------------------------------------------------

def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        encoded: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            encoded["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            encoded["datatype"] = term.datatype.value
        return encoded
    if isinstance(term, Triple):
        return {"type": "triple", "value": {
            "subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
            "object": _json_term(term.object)}}
    raise TypeError(f"cannot write {term!r} as a SPARQL JSON term")


def _xml_term(term: Any) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != _XSD_STRING:
            return (f"<literal datatype={quoteattr(term.datatype.value)}>"
                    f"{escape(term.value)}</literal>")
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>"
                f"{_xml_term(term.predicate)}</predicate><object>{_xml_term(term.object)}"
                "</object></triple>")
    raise TypeError(f"cannot write {term!r} as a SPARQL XML term")


def _csv_cell(term: Any) -> str:
    if term is None:
        return ""
    text = f"_:{term.value}" if isinstance(term, BlankNode) else (
        term.value if isinstance(term, NamedNode | Literal) else str(term))
    if any(char in text for char in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_solutions(solutions: Any, media: MediaType, sink: Sink, cap: Cap) -> None:
    """Write a SELECT result in SPARQL JSON, XML, CSV or TSV, row by row."""
    names = [variable.value for variable in solutions.variables]
    rows = cap.take(solutions)
    if media.name == "json":
        _write_json(names, rows, sink, cap)
    elif media.name == "xml":
        _write_xml(names, rows, sink, cap)
    elif media.name == "csv":
        sink.write((",".join(names) + "\r\n").encode())
        for row in rows:
            sink.write((",".join(_csv_cell(row[name]) for name in names) + "\r\n").encode())
    else:
        sink.write(("\t".join(f"?{name}" for name in names) + "\n").encode())
        for row in rows:
            cells = (str(row[name]) if row[name] is not None else "" for name in names)
            sink.write(("\t".join(cells) + "\n").encode())


def _json_term_text(term: Any) -> str:
    """`_json_term` already encoded: the common terms built as text, without a dict and a
    `json.dumps` per value (the writer's cost on results of tens of thousands of rows)."""
    kind = type(term)
    if kind is NamedNode:
        return '{"type":"uri","value":' + json_string(term.value) + "}"
    if kind is Literal:
        if term.language:
            return ('{"type":"literal","value":' + json_string(term.value)
                    + ',"xml:lang":' + json_string(term.language) + "}")
        datatype = term.datatype.value
        if datatype != _XSD_STRING:
            return ('{"type":"literal","value":' + json_string(term.value)
                    + ',"datatype":' + json_string(datatype) + "}")
        return '{"type":"literal","value":' + json_string(term.value) + "}"
    return json.dumps(_json_term(term), ensure_ascii=False)


def _write_json(names: list[str], rows: Iterator[Any], sink: Sink, cap: Cap) -> None:
    sink.write(b'{"head":{"vars":' + json.dumps(names).encode() + b'},"results":{"bindings":[')
    keys = [json_string(name) + ":" for name in names]
    separator = "\n"
    batch: list[str] = []
    for row in rows:
        members = ",".join(key + _json_term_text(value)
                           for key, value in zip(keys, row, strict=True) if value is not None)
        batch.append(separator + "{" + members + "}")
        separator = ",\n"
        if len(batch) >= _JSON_ROWS_PER_WRITE:
            sink.write("".join(batch).encode())
            batch.clear()
    sink.write(("".join(batch) + "\n]}").encode())
    if cap.truncated:
        sink.write(b',"truncated":' + json.dumps({"limit": cap.limit, "reason": cap.note}).encode())
    sink.write(b"}\n")


def _write_xml(names: list[str], rows: Iterator[Any], sink: Sink, cap: Cap) -> None:
    head = "".join(f"<variable name={quoteattr(name)}/>" for name in names)
    sink.write(f'<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="{_RESULTS_NS}">'
               f"<head>{head}</head>\n<results>\n".encode())
    for row in rows:
        bindings = "".join(f"<binding name={quoteattr(name)}>{_xml_term(row[name])}</binding>"
                           for name in names if row[name] is not None)
        sink.write(f"<result>{bindings}</result>\n".encode())
    sink.write(b"</results>\n")
    if cap.truncated:
        sink.write(f"<!-- {escape(cap.note)} -->\n".encode())
    sink.write(b"</sparql>\n")


# -- ASK ----------------------------------------------------------------------------------

def boolean_bytes(value: bool, media: MediaType) -> bytes:
    word = "true" if value else "false"
    if media.name == "json":
        return f'{{"head":{{}},"boolean":{word}}}\n'.encode()
    if media.name == "xml":
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="{_RESULTS_NS}">'
                f"<head/><boolean>{word}</boolean></sparql>\n").encode()
    if media.name == "csv":
        return f"_askResult\r\n{word}\r\n".encode()
    return f"?_askResult\n{word}\n".encode()


# -- CONSTRUCT / DESCRIBE ------------------------------------------------------------------

class _Flushable:
    """pyoxigraph's serializer wants `write` and `flush`; the sink may only write."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    def write(self, data: bytes) -> int:
        self._sink.write(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def write_graph(triples: Iterable[Triple | Quad], media: MediaType, sink: Sink, cap: Cap) -> None:
    """Serialise triples lazily in the chosen RDF syntax, cut at the cap."""
    assert media.rdf_format is not None
    prefixes = PREFIXES if media.name in ("turtle", "rdfxml") else None
    serialize(cap.take(triples), cast(IO[bytes], _Flushable(sink)), media.rdf_format,
              prefixes=prefixes)
    if cap.truncated and media.name in ("turtle", "ntriples"):
        sink.write(f"\n# {cap.note}\n".encode())
    elif cap.truncated and media.name == "rdfxml":
        sink.write(f"\n<!-- {escape(cap.note)} -->\n".encode())
