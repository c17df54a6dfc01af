"""SELECT results written by pyoxigraph's own serialiser, cut at the result-row cap.

Reading a result row by row in Python hands the GIL back and forth once per row (pyoxigraph
releases it to compute each row). With a dozen queries in flight those hand-offs are
context switches, and with the Python writer they were about a sixth of the server's CPU in
the analytical mix of bench/api.py. `QuerySolutions.serialize` evaluates and writes with
the GIL released and calls back into Python once per 8 KiB. It knows nothing of the cap,
so the sink below counts rows in the bytes it is given, stops the serialiser at the first
row past the cap and closes the document itself.

Counting rows in those bytes is exact because of what the serialiser writes:

* SPARQL XML: each row starts with `<result>`, and `<` is always escaped in text and
  attribute values.
* SPARQL JSON (compact, no whitespace): outside strings, a `{` right after `,` or `[`
  starts a row (the bindings array is the only array holding objects; inside a row, `,`
  is followed by `"`). Inside a string the same bytes may occur, but a string's closing
  quote is followed by `}` or `,`, while a row that binds something starts `{"` followed by
  a variable name. So `,{"` or `[{"` followed by neither `,` nor `}` is a row, and
  followed by `,` or `}` it is inside a string. Only `,{}` (a row binding nothing, or a
  string holding those bytes) needs to know whether it is inside a string: that is settled
  by reading the strings from the last position known to be outside one.
* TSV: terms are written N-Triples style, a line break in a literal as `\n`: every line
  break ends the header or a row, and a row starts after one when anything follows it.
* CSV: a row ends with CRLF outside quotes (a field holding a quote, comma or line break
  is quoted, its quotes doubled): whether a CRLF is inside quotes is the parity of the
  quotes before it.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import escape

from pyoxigraph import QueryResultsFormat

from .cap import Cap, Sink

_JSON_ROW = re.compile(rb"[,\[]\{")
# a whole string, a row start, or the opening quote of a string that goes on past the bytes
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[,\[]\{|"', re.S)
_XML_ROW = b"<result>"
_FORMATS = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML,
            "csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV}


class CapReached(Exception):
    """Raised from the sink's `write` to stop the serialiser once the cap is reached."""


class RowCut:
    """The serialiser's output file: forwards its bytes to `sink`, counting rows; at the
    first row past the cap it writes the format's ending (with the truncation note where
    the format has room for one) and stops the serialiser (raises CapReached)."""

    def __init__(self, sink: Sink, cap: Cap, format_name: str) -> None:
        self._sink = sink
        self._cap = cap
        self._format = format_name
        # the bytes held back until enough of what follows them is seen to know whether a
        # row starts there (a row start seen whole, with what follows it)
        self._hold = {"json": 3, "xml": len(_XML_ROW) - 1, "csv": 2, "tsv": 1}[format_name]
        self._held = b""
        self._rows = 0
        # JSON: the bytes from the last position known to be outside a string, kept to
        # settle `,{}`; their first byte is that position (bounded by one row's size)
        self._since_outside = bytearray()
        self._quotes_odd = False  # CSV: inside quotes where the held bytes begin
        self._cut_done = False

    def write(self, data: bytes) -> int:
        if self._cut_done:  # the serialiser's buffer, flushed as the error unwinds it
            return len(data)
        pending = self._held + bytes(data)
        final = len(pending) - self._hold  # row starts are looked for before this offset
        if final <= 0:
            self._held = pending
            if self._format == "json":
                self._since_outside += data
            return len(data)
        if self._format == "json":
            starts = self._json_rows(pending, final, data)
        elif self._format == "xml":
            starts = self._xml_rows(pending, final)
        else:
            starts = self._line_rows(pending, final)
        for start in starts:
            self._rows += 1
            if self._rows > self._cap.limit:
                self._cut(pending[:start])
        self._sink.write(pending[:final])
        self._held = pending[final:]
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        """The serialiser ended: the held bytes are the end of the document."""
        self._sink.write(self._held)
        self._held = b""

    def _cut(self, before: bytes) -> None:
        self._cap.truncated = self._cut_done = True
        self._sink.write(before)
        if self._format == "json":
            note = json.dumps({"limit": self._cap.limit, "reason": self._cap.note})
            self._sink.write(b']},"truncated":' + note.encode() + b"}\n")
        elif self._format == "xml":
            self._sink.write(f"</results>\n<!-- {escape(self._cap.note)} -->\n</sparql>\n"
                             .encode())
        # CSV and TSV have no room for a note: the TSR-Result-Limit header says it
        raise CapReached

    def _xml_rows(self, pending: bytes, final: int) -> list[int]:
        starts, at = [], pending.find(_XML_ROW, 0, final + len(_XML_ROW) - 1)
        while at != -1:
            starts.append(at)
            at = pending.find(_XML_ROW, at + 1, final + len(_XML_ROW) - 1)
        return starts

    def _line_rows(self, pending: bytes, final: int) -> list[int]:
        """Offsets in `pending` of the rows whose line break before them is before `final`
        (a byte follows each: held bytes are the ones after `final`)."""
        csv = self._format == "csv"
        end = b"\r\n" if csv else b"\n"
        starts: list[int] = []
        odd, counted = self._quotes_odd, 0
        at = pending.find(end, 0, final + len(end) - 1)
        while at != -1:
            if csv:
                odd ^= bool(pending.count(b'"', counted, at) & 1)
                counted = at
            if not odd:  # the header's line break too: row 1 starts after it
                starts.append(at + len(end))
            at = pending.find(end, at + 1, final + len(end) - 1)
        if csv:  # the quotes of what is forwarded now; the held bytes are read next time
            self._quotes_odd = odd ^ bool(pending.count(b'"', counted, final) & 1)
        return starts

    def _json_rows(self, pending: bytes, final: int, data: bytes) -> list[int]:
        """Offsets in `pending` (before `final`) of the `,` or `[` that opens each row."""
        self._since_outside += data
        starts: list[int] = []
        unsure = False
        for match in _JSON_ROW.finditer(pending, 0, final + 1):
            after = pending[match.end():match.end() + 2]
            if after[:1] == b'"' and after[1:2] not in (b",", b"}"):
                starts.append(match.start())
            elif after[:1] == b"}":
                unsure = True
        if unsure:
            starts = self._json_rows_by_strings(pending, final)
        if starts:
            # a row start is outside any string: reading strings may begin there next time
            kept = len(pending) - starts[-1]
            del self._since_outside[:len(self._since_outside) - kept]
        return starts

    def _json_rows_by_strings(self, pending: bytes, final: int) -> list[int]:
        """Row starts found by reading the strings from the last position known outside
        one: `_since_outside` ends with `pending`, so offsets convert by their difference."""
        text = bytes(self._since_outside)
        shift = len(text) - len(pending)
        starts = []
        for match in _JSON_TOKEN.finditer(text, 0, final + shift + 1):
            token = match.group()
            if token == b'"':  # a string going on past these bytes: no row start in it
                break
            if token[0:1] != b'"' and match.start() >= shift:
                starts.append(match.start() - shift)
        return starts


def serialise_with_cap(solutions: Any, format_name: str, sink: Sink, cap: Cap) -> None:
    """Write `solutions` in SPARQL JSON, XML, CSV or TSV (`format_name`) with pyoxigraph's
    serialiser, cut at `cap`."""
    cut = RowCut(sink, cap, format_name)
    try:
        solutions.serialize(cut, _FORMATS[format_name])
    except CapReached:
        return
    cut.finish()
