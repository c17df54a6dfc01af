"""A guard against flat chains in SPARQL text that runs in the server's own process.

The nesting guard (store/sparql_nesting.py) stops deep text. Long flat text hurts too:
Oxigraph's planning and evaluation grow much faster than the text for long chains, and
nothing can stop them once started. On a one-triple in-memory store (a loaded 2-core
machine): 50 OPTIONALs took 4 s and 100 took 29 s; a property path of 300 steps 33 s;
300 triple patterns 16 s; 3,000 BINDs or MINUS groups crashed the process. A query in a
worker process (store/isolation.py) is killed at its deadline, so only what the server
evaluates itself is checked: queries on the in-memory store (or with isolation off) and
every update.

A flat chain of expression operators crashes the parser itself: Oxigraph builds (and
then walks) one tree level per operator, and on an 8 MiB thread stack (the server's
threads) `1 + 1 + …` died at 6,750-7,000 operators (`-`, `*` and signed numbers `1 -1 -1`
alike), `true && true && …` and `||` at 9,250-9,500, `!!!…true` at 9,000-10,000; a chain
of 50,000 `&&` in an update killed the on-disk server. The chain is slow well before
that: 3,000 `+` took 0.25 s, 3,000 `1 = 1 &&` 1.2 s (quadratic). rdflib's grammar (the
SERVICE/LOAD check, api/sparql/calls.py) reads such chains without recursion (50,000
`&&` parsed, in 88 s: that check has a size limit of its own). So expression operators
are counted too, and refused beyond 256: 25 times below the lowest crash, a few
milliseconds of parsing, and many times what the project's own queries use.

A collection `( a b c … )` in a pattern is two triple patterns an item, which the
pattern ends do not show: on a one-triple store 100 items took 0.63 s, 200 3.1 s, and
10,000 crashed the process. So a term right after another inside parentheses is counted
as a collection item, refused beyond 64 (about 0.2 s); arguments and IN lists are
separated by commas and expressions by operators, so they do not count.

The count is lexical (IRIs, strings and comments skipped as store.sparql_text's lexer
does) and errs on the side of counting (a `/` counts as a path step and a division, a `-`
before a number as an operator: `1 -1 -1` is a chain). A VALUES or DATA block holds terms
only, nothing that chains: it is not counted (nor are a decimal point and `^^`). The
limits are several times what the project's own queries (queries/*.rq) use: at most 11
OPTIONALs, 38 pattern ends, 4 path operators, 93 groups and clauses, 18 expression
operators, no collection.

>>> list(breadth("SELECT * { ?s ?p ?o OPTIONAL { ?s <p>/<q> ?x } }").values())
[1, 0, 1, 3, 1, 0]
>>> list(breadth('ASK { FILTER(?a != -1.5 && ?b >= "x"^^<t> || !?c) VALUES ?v { -1 2.5 } }')
...      .values())
[0, 0, 0, 4, 6, 0]
"""

from __future__ import annotations

from .sparql_text import Token, tokens

# what each count holds, and its limit
_LEFT_JOINS = "OPTIONAL, MINUS or EXISTS groups"
_PATTERNS = "pattern ends (. ; ,)"
_PATHS = "property path operators (/ | ^)"
_CLAUSES = "groups and other clauses"
_OPERATORS = "expression operators (&& || ! = < > + - *)"
_ITEMS = "collection items"
LIMITS = {_LEFT_JOINS: 32, _PATTERNS: 128, _PATHS: 64, _CLAUSES: 256, _OPERATORS: 256,
          _ITEMS: 64}
# what starts a term, and what may follow one and still belong to it (a language tag, a
# datatype, a number's exponent)
_TERM_KINDS = frozenset({"iri", "pname", "var", "string"})
_BOOLEANS = frozenset({"TRUE", "FALSE"})
_LEFT_JOIN_WORDS = frozenset({"OPTIONAL", "MINUS", "EXISTS"})
_CLAUSE_WORDS = frozenset({"BIND", "FILTER", "UNION", "VALUES", "GRAPH", "SERVICE", "SELECT"})
# the words whose next { } block holds terms only (VALUES rows, INSERT DATA's quads)
_DATA_WORDS = frozenset({"VALUES", "DATA"})
# a one-character operator, or the first of a two-character one (&& || != <= >=)
_OPERATOR_CHARS = frozenset("&!=<>+-*")


class BreadthError(ValueError):
    """SPARQL text with a chain longer than the server evaluates itself (one line)."""


def breadth(text: str) -> dict[str, int]:
    counts = dict.fromkeys(LIMITS, 0)
    data_word = False  # a VALUES or DATA word was read, its block not yet opened
    data_depth = 0  # inside a data block: its { } depth
    previous: Token | None = None
    # collection items: a term right after another inside ( ), in the innermost { }
    # (arguments and IN lists have commas, expressions operators; `?x AS ?y` a word)
    parens = [0]
    after_term = False
    last: Token | None = None  # the token before, always
    for token in tokens(text, strings=True):
        before, previous = previous, token
        last, just_before = token, last
        if data_depth:
            if token.kind == "punct" and token.text in "{}":
                data_depth += 1 if token.text == "{" else -1
                if not data_depth and len(parens) > 1:
                    parens.pop()  # the block's { was counted below
            continue
        after_term = _collection_item(token, just_before, parens, after_term, counts,
                                      data_word)
        if token.kind == "word":
            if token.text in _LEFT_JOIN_WORDS:
                counts[_LEFT_JOINS] += 1
            elif token.text in _CLAUSE_WORDS:
                counts[_CLAUSES] += 1
            data_word = data_word or token.text in _DATA_WORDS
        elif token.kind == "punct":
            char = token.text
            # the second character of && || != <= >= ^^ is part of the first one's token
            joined = (before is not None and before.kind == "punct"
                      and before.offset == token.offset - 1
                      and before.text + char in ("&&", "||", "!=", "<=", ">=", "^^"))
            if joined:
                previous = None  # `|||`: the third one starts a token of its own
                continue
            following = text[token.offset + 1:token.offset + 2]
            if char == "{":
                counts[_CLAUSES] += 1
                if data_word:
                    data_word, data_depth = False, 1
            elif char == "." and following.isdigit() and before is not None \
                    and before.offset == token.offset - 1 and before.text.isdigit():
                continue  # a decimal point
            elif char in ".;,":
                counts[_PATTERNS] += 1
            elif char == "^" and following == "^":
                continue  # a datatype
            elif char == "|" and following == "|" or char in _OPERATOR_CHARS:
                counts[_OPERATORS] += 1
            elif char in "/|^":
                counts[_PATHS] += 1
    return counts


def _collection_item(token: Token, before: Token | None, parens: list[int],
                     after_term: bool, counts: dict[str, int], data_word: bool) -> bool:
    """Count `token` if it starts a collection item; whether a term ends with it."""
    kind, char = token.kind, token.text
    adjacent = before is not None and before.offset + _length(before) == token.offset
    if kind == "punct" and char in "{}":
        if char == "{":
            parens.append(0)
        elif len(parens) > 1:
            parens.pop()
        return False
    if kind == "punct" and char == ")":
        parens[-1] = max(0, parens[-1] - 1)
        return True
    if kind == "punct" and char == "]":
        return True
    if adjacent and before is not None and (
            before.text == "@" or before.text == "^"
            or kind == "word" and before.text.isdigit()  # an exponent: 1e5
            or kind == "punct" and (char.isdigit() or char == ".")
            and (before.text.isdigit() or before.text == ".")):
        return after_term  # the rest of a term: a language tag, a datatype, a number
    if kind == "punct" and char in "^@":
        return after_term
    starts = (kind in _TERM_KINDS or kind == "punct" and (char.isdigit() or char in "[(")
              or kind == "word" and char in _BOOLEANS)
    if starts and after_term and parens[-1] > 0 and not data_word and not (
            char == "(" and before is not None and before.kind in ("iri", "pname")):
        counts[_ITEMS] += 1
    if kind == "punct" and char == "(":
        parens[-1] += 1
        return False
    return starts and char != "["


def _length(token: Token) -> int:
    return len(token.text) + (2 if token.kind == "iri" else 0)


def check_breadth(text: str, what: str = "query") -> None:
    """Raise BreadthError naming the first count over its limit."""
    if len(text) <= min(LIMITS.values()):  # too short for any count over its limit
        return
    for name, count in breadth(text).items():
        if count > LIMITS[name]:
            raise BreadthError(
                f"{what} too long for this server to evaluate in its own process: {count} "
                f"{name}, the limit is {LIMITS[name]}; split it into smaller queries")
