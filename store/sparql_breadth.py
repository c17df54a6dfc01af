"""A guard against flat chains in SPARQL text that runs in the server's own process.

The nesting guard (store/sparql_nesting.py) stops deep text. Long flat text hurts too:
Oxigraph's planning and evaluation grow much faster than the text for long chains, and
nothing can stop them once started. On a one-triple in-memory store (a loaded 2-core
machine): 50 OPTIONALs took 4 s and 100 took 29 s; a property path of 300 steps 33 s;
300 triple patterns 16 s; 3,000 BINDs or MINUS groups crashed the process. A query in a
worker process (store/isolation.py) is killed at its deadline, so only what the server
evaluates itself is checked: queries on the in-memory store (or with isolation off) and
every update.

The count is lexical (strings and comments skipped as store.sparql_text's lexer does)
and errs on the side of counting (a `.` in a number counts as a pattern's end, a `/` as a
path step); the limits are several times what the project's own queries use (at most 9
OPTIONALs, 31 pattern ends, 18 path operators).

>>> list(breadth("SELECT * { ?s ?p ?o OPTIONAL { ?s <p>/<q> ?x } }").values())
[1, 0, 1, 3]
"""

from __future__ import annotations

from .sparql_text import tokens

# what each count holds, and its limit
_LEFT_JOINS = "OPTIONAL, MINUS or EXISTS groups"
_PATTERNS = "pattern ends (. ; ,)"
_PATHS = "property path operators (/ | ^)"
_CLAUSES = "groups and other clauses"
LIMITS = {_LEFT_JOINS: 32, _PATTERNS: 128, _PATHS: 64, _CLAUSES: 256}
_LEFT_JOIN_WORDS = frozenset({"OPTIONAL", "MINUS", "EXISTS"})
_CLAUSE_WORDS = frozenset({"BIND", "FILTER", "UNION", "VALUES", "GRAPH", "SERVICE", "SELECT"})


class BreadthError(ValueError):
    """SPARQL text with a chain longer than the server evaluates itself (one line)."""


def breadth(text: str) -> dict[str, int]:
    counts = dict.fromkeys(LIMITS, 0)
    for token in tokens(text):
        if token.kind == "word":
            if token.text in _LEFT_JOIN_WORDS:
                counts[_LEFT_JOINS] += 1
            elif token.text in _CLAUSE_WORDS:
                counts[_CLAUSES] += 1
        elif token.kind == "punct":
            if token.text in ".;,":
                counts[_PATTERNS] += 1
            elif token.text in "/|^":
                counts[_PATHS] += 1
            elif token.text == "{":
                counts[_CLAUSES] += 1
    return counts


def check_breadth(text: str, what: str = "query") -> None:
    """Raise BreadthError naming the first count over its limit."""
    if len(text) <= min(LIMITS.values()):  # too short for any count over its limit
        return
    for name, count in breadth(text).items():
        if count > LIMITS[name]:
            raise BreadthError(
                f"{what} too long for this server to evaluate in its own process: {count} "
                f"{name}, the limit is {LIMITS[name]}; split it into smaller queries")
