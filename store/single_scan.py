"""Queries that cannot run away: one triple pattern, answered by one index scan.

The query workers (store/isolation.py) cost a point lookup about 0.3 ms of CPU (two
process switches, the relay, the worker's own dispatch): a quarter of its time. A query
of this module's form runs in the server's own threads instead, because its work is
bounded by its answer: one triple pattern with at least one IRI and no variable twice is
one prefix scan of an index in which every entry read is a row of the answer, so the
result cap (`result_limit`, which stops the serialiser) bounds it; no join, sort,
function, path, nesting or SERVICE can be written in it. The form is recognised by one
strict expression over the whole text (no comments, strings, escapes or OFFSET: anything
else goes to a worker), so what the engine parses is what was checked.

>>> single_scan("SELECT ?p ?o WHERE { <http://example.org/a> ?p ?o }")
True
>>> single_scan("SELECT * { ?s a ex:Actor } LIMIT 10")
True
>>> single_scan("SELECT ?s { ?s ?p ?s }")  # a repeated variable filters a full scan
False
>>> single_scan("SELECT ?s { ?s ?p ?o }")  # no constant: a full scan
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LONGEST = 2000  # characters: a longer text is not worth matching
_UNBOUNDED = 10**12  # rows of a scan without LIMIT: bounded by the result cap only

_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_PNAME = r"(?:[A-Za-z][A-Za-z0-9_-]*)?:[A-Za-z0-9_](?:[A-Za-z0-9_-]*)"
_VAR = r"[?$][A-Za-z_][A-Za-z0-9_]*"
_TERM = rf"{_IRI}|{_PNAME}|{_VAR}"
_FORM = re.compile(
    rf"""\s*
    (?:(?:PREFIX\s+(?:[A-Za-z][A-Za-z0-9_-]*)?:\s*{_IRI}|BASE\s*{_IRI})\s*)*
    (?:(?P<ask>ASK)|SELECT\s+(?:\*|(?:{_VAR}\s*)+))\s*
    (?:WHERE\s*)?
    \{{\s*(?P<s>{_TERM})\s+(?P<p>{_TERM}|a)\s+(?P<o>{_TERM})\s*\.?\s*\}}\s*
    (?:LIMIT\s+(?P<limit>[0-9]{{1,9}})\s*)?""",
    re.VERBOSE | re.IGNORECASE)


@dataclass(frozen=True)
class Scan:
    """A single scan's query form and the most rows it yields (its LIMIT, 1 for an ASK, a
    huge number when unbounded)."""

    form: str  # "SELECT" or "ASK"
    rows: int

    def bounded_by(self, rows: int) -> bool:
        """Yields at most `rows` rows."""
        return self.rows <= rows


def scan_of(text: str) -> Scan | None:
    """The single scan `text` is (see above), or None. Its form admits no comment, string,
    escape, FROM, SERVICE or nested group: the lexical checks a query needs before it runs
    (the dataset it names, the endpoints it calls, its nesting and breadth) have nothing to
    find in it.

    >>> scan_of("ASK { <http://example.org/a> ?p ?o }")
    Scan(form='ASK', rows=1)
    """
    if len(text) > _LONGEST:
        return None
    match = _FORM.fullmatch(text)
    if match is None:
        return None
    terms = [match["s"], match["p"], match["o"]]
    variables = [term[1:] for term in terms if term[0] in "?$"]
    if len(variables) >= 3 or len(set(variables)) != len(variables):
        return None
    form = "ASK" if match["ask"] else "SELECT"
    if match["limit"] is not None:
        return Scan(form, int(match["limit"]))
    return Scan(form, 1 if match["ask"] else _UNBOUNDED)


def single_scan(text: str) -> bool:
    """Is `text` a query of one triple pattern that one index scan answers (see above)?"""
    return scan_of(text) is not None


def small_scan(text: str, rows: int) -> bool:
    """A single scan that yields at most `rows` rows: an ASK (one), or a LIMIT of at most
    `rows`. Its whole work is a few index entries, so the API answers it on the event loop
    itself (no thread to wake, no interpreter lock to hand back and forth).

    >>> small_scan("SELECT ?p ?o { <http://example.org/a> ?p ?o } LIMIT 50", 1000)
    True
    >>> small_scan("SELECT ?p ?o { <http://example.org/a> ?p ?o }", 1000)  # no bound
    False
    """
    found = scan_of(text)
    return found is not None and found.bounded_by(rows)
