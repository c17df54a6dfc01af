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

_LONGEST = 2000  # characters: a longer text is not worth matching

_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_PNAME = r"(?:[A-Za-z][A-Za-z0-9_-]*)?:[A-Za-z0-9_](?:[A-Za-z0-9_-]*)"
_VAR = r"[?$][A-Za-z_][A-Za-z0-9_]*"
_TERM = rf"{_IRI}|{_PNAME}|{_VAR}"
_FORM = re.compile(
    rf"""\s*
    (?:(?:PREFIX\s+(?:[A-Za-z][A-Za-z0-9_-]*)?:\s*{_IRI}|BASE\s*{_IRI})\s*)*
    (?:ASK|SELECT\s+(?:\*|(?:{_VAR}\s*)+))\s*
    (?:WHERE\s*)?
    \{{\s*(?P<s>{_TERM})\s+(?P<p>{_TERM}|a)\s+(?P<o>{_TERM})\s*\.?\s*\}}\s*
    (?:LIMIT\s+[0-9]{{1,9}}\s*)?""",
    re.VERBOSE | re.IGNORECASE)


def single_scan(text: str) -> bool:
    """Is `text` a query of one triple pattern that one index scan answers (see above)?"""
    if len(text) > _LONGEST:
        return False
    match = _FORM.fullmatch(text)
    if match is None:
        return False
    terms = [match["s"], match["p"], match["o"]]
    variables = [term[1:] for term in terms if term[0] in "?$"]
    return len(variables) < 3 and len(set(variables)) == len(variables)
