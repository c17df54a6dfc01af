"""A cheap guard against deeply nested SPARQL text, run before any parser sees it.

Oxigraph's parser (and the evaluation of what it builds) recurses once per level of
``( )``, ``{ }`` and ``[ ]``: some thousands of levels overflow the thread's stack and the
whole process dies, and rdflib's parser raises RecursionError far earlier. No real query
nests more than a few dozen levels, so text nested deeper than a limit is refused first.

The scan is lexical and errs on the side of counting: strings and comments are skipped as
the SPARQL grammar delimits them (a comment ends at a carriage return or a line feed, a
backslash escapes the next character everywhere, so ``ex:a\\#(`` is code, not a comment);
inside anything that looks like an IRI (``<...>``, which may also be a less-than operator
followed by code) openers still count and closers never lower the depth below where the IRI
began, so no reading of ``<`` lets a request hide its brackets.

>>> nesting_depth('ASK { FILTER((1)) } # ((((')
(3, 1, 14)
>>> nesting_depth('SELECT * { ?s ?p "((((" }')[0]
1
"""

from __future__ import annotations

import re

DEFAULT_LIMIT = 200

_OPEN = "({["
_CLOSE = ")}]"
_INTERESTING = re.compile(r"""[\\#"'<(){}\[\]\r\n]""")
_IRI = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
_LINE_END = re.compile(r"[\r\n]")


class NestingError(ValueError):
    """SPARQL text nested deeper than the limit; the message is one line for the user."""


def nesting_depth(text: str, stop_above: int | None = None) -> tuple[int, int, int]:
    """(deepest level, its line, its column); stops at the first level above `stop_above`."""
    depth = deepest = 0
    deepest_at = 0
    index, length = 0, len(text)
    while index < length:
        match = _INTERESTING.search(text, index)
        if match is None:
            break
        index = match.start()
        char = text[index]
        if char in _OPEN:
            depth += 1
            if depth > deepest:
                deepest, deepest_at = depth, index
                if stop_above is not None and depth > stop_above:
                    break
            index += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
            index += 1
        elif char == "\\":
            index += 2  # an escaped character never opens a string or a comment
        elif char == "#":
            end = _LINE_END.search(text, index)
            index = length if end is None else end.start()
        elif char in "\"'":
            index = _string_end(text, index)
        elif char == "<" and (iri := _IRI.match(text, index)):
            floor = depth
            for inner in range(index + 1, iri.end() - 1):
                if text[inner] in _OPEN:
                    depth += 1
                    if depth > deepest:
                        deepest, deepest_at = depth, inner
                elif text[inner] in _CLOSE:
                    depth = max(floor, depth - 1)
            if stop_above is not None and deepest > stop_above:
                break
            index = iri.end()
        else:
            index += 1
    line = text.count("\n", 0, deepest_at) + 1
    column = deepest_at - (text.rfind("\n", 0, deepest_at) + 1) + 1
    return deepest, line, column


def _string_end(text: str, start: int) -> int:
    quote = text[start] * 3 if text.startswith(text[start] * 3, start) else text[start]
    index = start + len(quote)
    length = len(text)
    while index < length:
        if text[index] == "\\":
            index += 2
        elif text.startswith(quote, index):
            return index + len(quote)
        else:
            index += 1
    return length


def check_nesting(text: str, limit: int, what: str = "query") -> None:
    """Raise NestingError (one line: how deep, where, the limit) if `text` nests too deeply."""
    if sum(text.count(opener) for opener in _OPEN) <= limit:
        return  # no text nests deeper than it has openers (the common case: a microsecond)
    depth, line, column = nesting_depth(text, stop_above=limit)
    if depth > limit:
        raise NestingError(
            f"{what} nested more than {limit} levels deep at line {line}, column {column}; "
            f"the limit is {limit} levels of ( ), {{ }} and [ ]")
