"""Small, lexer-aware helpers on SPARQL text: the query form, and a VALUES block for bindings.

The remote backend cannot use pyoxigraph's substitutions, so parameters travel as a VALUES
block inserted at the start of the query's WHERE group.  Terms are written in their
N-Triples form (pyoxigraph escapes quotes, backslashes, newlines and control characters),
so user text can never close the literal or the block it sits in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from pyoxigraph import BlankNode, Literal, NamedNode

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_KEYWORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _code_tokens(text: str) -> Iterator[tuple[int, str]]:
    """Yield (offset, token) for keywords and braces outside strings, IRIs and comments."""
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "#":
            end = text.find("\n", index)
            index = length if end < 0 else end + 1
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, index) else char
            index += len(quote)
            while index < length and not text.startswith(quote, index):
                index += 2 if text[index] == "\\" else 1
            index += len(quote)
        elif char == "<" and re.match(r"<[^\s<>\"{}|^`]*>", text[index:]):
            index = text.index(">", index) + 1
        elif char in "{}":
            yield index, char
            index += 1
        elif char in "?$":
            match = _KEYWORD.match(text, index + 1)
            index = match.end() if match else index + 1
        elif char.isalpha() or char == "_":
            match = _KEYWORD.match(text, index)
            assert match is not None
            # prefixed names (ex:where) are not keywords
            end = match.end()
            if end < length and text[end] == ":":
                while end < length and not text[end].isspace() and text[end] not in "{}().;,":
                    end += 1
            else:
                yield index, match.group(0).upper()
            index = end
        else:
            index += 1


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; ValueError if the text is none of them.

    >>> query_form('PREFIX ex: <http://ex/#> # CONSTRUCT in a comment\\nASK { ?s ?p "SELECT" }')
    'ASK'
    """
    for _, token in _code_tokens(text):
        if token in QUERY_FORMS:
            return token
    raise ValueError("not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")


def term_text(term: NamedNode | BlankNode | Literal) -> str:
    if isinstance(term, BlankNode):
        # a blank node in VALUES would be a fresh variable-like node; refuse it
        raise ValueError("blank nodes cannot be bound as query parameters")
    return str(term)


def with_values(text: str, bindings: Mapping[str, NamedNode | Literal | BlankNode]) -> str:
    """Insert ``VALUES (?a ?b) { (t1 t2) }`` at the start of the query's WHERE group.

    >>> with_values('SELECT ?n WHERE { ?s ?p ?n }', {'s': NamedNode('http://ex/a')})
    'SELECT ?n WHERE { VALUES (?s) { (<http://ex/a>) } ?s ?p ?n }'
    """
    if not bindings:
        return text
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term_text(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({values}) }}"
    tokens = list(_code_tokens(text))
    form = next((token for _, token in tokens if token in QUERY_FORMS), None)
    depth, seen_where = 0, False
    for offset, token in tokens:
        if token == "WHERE" and depth == 0:
            seen_where = True
        elif token == "{":
            # CONSTRUCT's template comes before WHERE; skip it
            if depth == 0 and (seen_where or form in ("SELECT", "ASK")):
                return text[: offset + 1] + block + text[offset + 1 :]
            depth += 1
        elif token == "}":
            depth -= 1
    if form == "DESCRIBE":
        return f"{text} WHERE {{{block} }}"
    raise ValueError("cannot find the WHERE group of the query to bind its parameters")
