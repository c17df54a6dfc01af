"""A small lexer for SPARQL text, and the helpers built on it: the query form, and a VALUES
block (or BIND clauses) that binds parameters for stores that cannot substitute them.

The remote backend cannot use pyoxigraph's substitutions, so parameters travel as a VALUES
block inserted at the start of the query's WHERE group.  Terms are written in their
N-Triples form (pyoxigraph escapes quotes, backslashes, newlines and control characters),
so user text can never close the literal or the block it sits in.  Strings, comments and
IRIs are skipped as units, so a keyword inside a literal is never taken for one.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})

# an IRI may hold \u / \U escapes (Oxigraph reads them), so its quotes never open a string
_IRI = re.compile(r"<((?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>")
_LINE_END = re.compile(r"[\r\n]")
_VARIABLE = re.compile(r"[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+")
_NAME = re.compile(r"[A-Za-z_\u00c0-\uffff][A-Za-z0-9_\-.\u00b7\u00c0-\uffff]*")
_PREFIXED = re.compile(
    r"([A-Za-z\u00c0-\uffff][A-Za-z0-9_\-.\u00c0-\uffff]*)?:"
    r"((?:[A-Za-z0-9_:\u00c0-\uffff]|%[0-9A-Fa-f]{2}|\\.)"
    r"(?:(?:[A-Za-z0-9_\-.:\u00b7\u00c0-\uffff]|%[0-9A-Fa-f]{2}|\\.)*"
    r"(?:[A-Za-z0-9_\-:\u00b7\u00c0-\uffff]|%[0-9A-Fa-f]{2}|\\.))?)?"
)


@dataclass(frozen=True)
class Token:
    kind: str  # "iri", "pname", "var", "word" (upper-cased), "punct", "string"
    text: str
    line: int
    column: int
    offset: int


def tokens(text: str, strings: bool = False) -> Iterator[Token]:
    """Lexical tokens outside comments and string literals (which are skipped, or given
    as "string" tokens with their quotes when `strings` is true).

    >>> [t.text for t in tokens('ASK { ?s <http://x#a> "}" } # SELECT')]
    ['ASK', '{', '?s', 'http://x#a', '}']
    """
    index, length = 0, len(text)
    line, line_start = 1, 0  # counted as we go: updates can be megabytes long
    while index < length:
        char = text[index]
        if char == "\n":
            line, line_start = line + 1, index + 1
            index += 1
            continue
        if char.isspace():
            index += 1
            continue
        start = index
        if char == "#":
            # a comment ends at a carriage return too: ending it only at a line feed hid
            # what follows a lone CR (a SERVICE call) from the server's checks
            end = _LINE_END.search(text, index)
            index = length if end is None else end.start()
            continue
        if char in "\"'":
            quote = char * 3 if text.startswith(char * 3, index) else char
            index += len(quote)
            while index < length and not text.startswith(quote, index):
                index += 2 if text[index] == "\\" else 1
            index += len(quote)
            if strings:
                yield Token("string", text[start:index], line, start - line_start + 1, start)
            newlines = text.count("\n", start, index)
            if newlines:
                line, line_start = line + newlines, text.rfind("\n", start, index) + 1
            continue
        column = start - line_start + 1
        if char == "<" and (match := _IRI.match(text, index)):
            yield Token("iri", match.group(1), line, column, start)
            index = match.end()
        elif char in "?$" and (match := _VARIABLE.match(text, index)):
            yield Token("var", match.group(0), line, column, start)
            index = match.end()
        elif (match := _PREFIXED.match(text, index)) and match.end() > index:
            yield Token("pname", match.group(0), line, column, start)
            index = match.end()
        elif match := _NAME.match(text, index):
            yield Token("word", match.group(0).upper(), line, column, start)
            index = match.end()
        else:
            yield Token("punct", char, line, column, start)
            index += 1


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; ValueError if the text is none of them.

    >>> query_form('PREFIX ex: <http://ex/#> # CONSTRUCT in a comment\\nASK { ?s ?p "SELECT" }')
    'ASK'
    """
    for token in tokens(text):
        if token.kind == "word" and token.text in QUERY_FORMS:
            return token.text
    raise ValueError("not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")


def without_dataset_clauses(text: str) -> str:
    """The query without its FROM and FROM NAMED clauses, each replaced by a space.

    >>> without_dataset_clauses('SELECT * FROM <http://g> FROM NAMED ex:h WHERE { ?s ?p "FROM" }')
    'SELECT *     WHERE { ?s ?p "FROM" }'
    """
    stream = list(tokens(text))
    cuts: list[tuple[int, int]] = []
    for index, token in enumerate(stream):
        if token.kind != "word" or token.text != "FROM":
            continue
        following = stream[index + 1:index + 3]
        if following and following[0].kind == "word" and following[0].text == "NAMED":
            following = following[1:]
        if following and following[0].kind in ("iri", "pname"):
            target = following[0]
            end = target.offset + len(target.text) + (2 if target.kind == "iri" else 0)
            cuts.append((token.offset, end))
    for start, end in reversed(cuts):
        text = text[:start] + " " + text[end:]
    return text


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
    return _into_where_group(text, f" VALUES ({names}) {{ ({values}) }}")


def with_binds(text: str, bindings: Mapping[str, NamedNode | Literal | BlankNode]) -> str:
    """Insert ``BIND (t1 AS ?a) BIND (t2 AS ?b)`` at the start of the query's WHERE group:
    the same solutions as with_values' one-row VALUES block, for an engine that reads
    VALUES wrongly (store/engines.py, `parameters_as_bind`).

    >>> with_binds('SELECT ?n WHERE { ?s ?p ?n }', {'s': NamedNode('http://ex/a')})
    'SELECT ?n WHERE { BIND (<http://ex/a> AS ?s) ?s ?p ?n }'
    """
    if not bindings:
        return text
    binds = "".join(f" BIND ({term_text(term)} AS ?{name})" for name, term in bindings.items())
    return _into_where_group(text, binds)


def calls_wrapped(text: str, functions: Collection[str]) -> str:
    """Every call of one of `functions` (upper-case names; SPARQL's function names are read
    in any case) in the text wrapped as `CONCAT(…)`: the same value (these functions give a
    string literal, which CONCAT of one argument gives back, language tag included), for an
    engine that reads their results wrongly later on (store/engines.py).

    >>> calls_wrapped('SELECT (REPLACE(lcase(?s), "a", "b") AS ?r) {}', {"REPLACE", "LCASE"})
    'SELECT (CONCAT(REPLACE(CONCAT(lcase(?s)), "a", "b")) AS ?r) {}'
    """
    stream = list(tokens(text))
    inserts: list[tuple[int, str]] = []
    for index, token in enumerate(stream[:-1]):
        if (token.kind != "word" or token.text.upper() not in functions
                or stream[index + 1].text != "("):
            continue
        depth = 0
        for closing in stream[index + 1:]:
            if closing.kind == "punct" and closing.text in "()":
                depth += 1 if closing.text == "(" else -1
                if depth == 0:
                    inserts += [(token.offset, "CONCAT("), (closing.offset + 1, ")")]
                    break
    for offset, inserted in sorted(inserts, reverse=True):
        text = text[:offset] + inserted + text[offset:]
    return text


def trailing_values_inside(text: str) -> str:
    """The query with its trailing VALUES clause (after the WHERE group) moved to the
    start of the WHERE group: the same solutions when nothing is grouped or aggregated.

    >>> trailing_values_inside('CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } VALUES ?s { <http://x> }')
    'CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?s { <http://x> } ?s ?p ?o } '
    """
    depth = 0
    for token in tokens(text):
        if token.kind == "punct" and token.text == "{":
            depth += 1
        elif token.kind == "punct" and token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "word" and token.text == "VALUES":
            clause = text[token.offset:].rstrip()
            return _into_where_group(text[:token.offset], " " + clause)
    return text


def _into_where_group(text: str, block: str) -> str:
    stream = list(tokens(text))
    form = next((t.text for t in stream if t.kind == "word" and t.text in QUERY_FORMS), None)
    depth, seen_where = 0, False
    for token in stream:
        if token.kind == "word" and token.text == "WHERE" and depth == 0:
            seen_where = True
        elif token.kind == "punct" and token.text == "{":
            # CONSTRUCT's template comes before WHERE; skip it
            if depth == 0 and (seen_where or form in ("SELECT", "ASK")):
                cut = token.offset + 1
                return text[:cut] + block + text[cut:]
            depth += 1
        elif token.kind == "punct" and token.text == "}":
            depth -= 1
    if form == "DESCRIBE":
        return f"{text} WHERE {{{block} }}"
    raise ValueError("cannot find the WHERE group of the query to bind its parameters")
