"""SPARQL results and RDF graphs written incrementally, with the result-row cap.

Each writer reads its input lazily and writes to `sink` (anything with `write(bytes)`), so
a million-row result never sits in memory. SELECT results go through pyoxigraph's own
serialiser (row_cut.py); graphs are read triple by triple here. When the cap cuts a result, `Cap.truncated` is
set and, where the format has room for it, the output says so: a `"truncated"` member in
SPARQL JSON, a comment in SPARQL XML, Turtle, N-Triples and RDF/XML. CSV, TSV and JSON-LD
have no such room: there the `TSR-Result-Limit` header is the signal (a result with exactly
that many rows may have been cut).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any, cast
from xml.sax.saxutils import escape

from pyoxigraph import Quad, Triple, serialize

from store.base import UnwritableAnswer, first_line
from store.namespaces import PREFIXES, XSD
from store.rdf_xml import writable_in_rdf_xml

from .cap import Cap, Sink
from .negotiation import MediaType
from .row_cut import serialise_with_cap

_XSD_STRING = f"{XSD}string"
_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


# -- SELECT -------------------------------------------------------------------------------

def write_solutions(solutions: Any, media: MediaType, sink: Sink, cap: Cap) -> None:
    """Write a SELECT result in SPARQL JSON, XML, CSV or TSV as it is computed, by
    pyoxigraph's serialiser (see row_cut.py)."""
    serialise_with_cap(solutions, media.name, sink, cap)


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
    """pyoxigraph's serializer wants `write` and `flush`; the sink may only write.
    `failed`: the sink raised (its error, not the serialiser's, comes out of serialize)."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self.failed = False

    def write(self, data: bytes) -> int:
        try:
            self._sink.write(bytes(data))
        except BaseException:
            self.failed = True
            raise
        return len(data)

    def flush(self) -> None:
        pass


class _Source:
    """The triples as the serialiser reads them, remembering whether reading them raised
    (the engine's error, not the serialiser's)."""

    def __init__(self, triples: Iterable[Any]) -> None:
        self._triples = triples
        self.failed = False

    def read(self) -> Iterator[Any]:
        try:
            yield from self._triples
        except GeneratorExit:  # closed unfinished: the serialiser stopped reading
            raise
        except BaseException:
            self.failed = True
            raise


def write_graph(triples: Iterable[Triple | Quad], media: MediaType, sink: Sink, cap: Cap) -> None:
    """Serialise triples lazily in the chosen RDF syntax, cut at the cap.

    Raises UnwritableAnswer when the serialiser refuses a triple the format cannot carry
    (pyoxigraph's JSON-LD has no RDF 1.2 triple terms): the answer exists in other formats.
    """
    assert media.rdf_format is not None
    prefixes = PREFIXES if media.name in ("turtle", "rdfxml") else None
    taken: Iterable[Triple | Quad] = cap.take(triples)
    if media.name == "rdfxml":
        # refused (406) rather than written broken; read whole (at most the cap) before a
        # byte is written: a refusal met once the answer has begun could only cut it
        taken = list(writable_in_rdf_xml(taken))
    source, output = _Source(taken), _Flushable(sink)
    try:
        serialize(source.read(), cast(IO[bytes], output), media.rdf_format, prefixes=prefixes)
    except (OSError, ValueError) as error:
        if source.failed or output.failed:
            raise
        raise UnwritableAnswer.because(media.media_type, first_line(error)) from None
    if cap.truncated and media.name in ("turtle", "ntriples"):
        sink.write(f"\n# {cap.note}\n".encode())
    elif cap.truncated and media.name == "rdfxml":
        sink.write(f"\n<!-- {escape(cap.note)} -->\n".encode())
