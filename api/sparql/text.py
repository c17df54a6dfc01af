"""What the server reads from SPARQL text before running it, with a small lexer.

Only the lexical facts the protocol needs: is it a query or an update, which graphs its
FROM / FROM NAMED clauses name, which endpoints its SERVICE clauses call. Strings, comments
and IRIs are skipped as units, so a keyword inside a literal is never taken for one.
Prefixed names and relative IRIs are resolved against the query's own PREFIX and BASE.

>>> facts = read_sparql('PREFIX w: <https://query.wikidata.org/> '
...                     'SELECT * FROM <http://g> { SERVICE w:sparql { ?s ?p "SERVICE <x>" } }')
>>> facts.service_targets, facts.from_graphs
(['https://query.wikidata.org/sparql'], ['http://g'])
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset({
    "INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH",
})

_IRI = re.compile(r"<([^<>\"{}|^`\\\x00-\x20]*)>")
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
    kind: str  # "iri", "pname", "var", "word", "punct"
    text: str
    line: int
    column: int


def tokens(text: str) -> Iterator[Token]:
    """Lexical tokens outside comments and string literals (which are skipped)."""
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char.isspace():
            index += 1
            continue
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        if char == "#":
            end = text.find("\n", index)
            index = length if end < 0 else end + 1
            continue
        if char in "\"'":
            quote = char * 3 if text.startswith(char * 3, index) else char
            index += len(quote)
            while index < length and not text.startswith(quote, index):
                index += 2 if text[index] == "\\" else 1
            index += len(quote)
            continue
        if char == "<" and (match := _IRI.match(text, index)):
            yield Token("iri", match.group(1), line, column)
            index = match.end()
        elif char in "?$" and (match := _VARIABLE.match(text, index)):
            yield Token("var", match.group(0), line, column)
            index = match.end()
        elif (match := _PREFIXED.match(text, index)) and match.end() > index:
            yield Token("pname", match.group(0), line, column)
            index = match.end()
        elif match := _NAME.match(text, index):
            yield Token("word", match.group(0).upper(), line, column)
            index = match.end()
        else:
            yield Token("punct", char, line, column)
            index += 1


@dataclass
class SparqlFacts:
    """Lexical facts of one request's SPARQL text."""

    operation: str = ""  # a query form (SELECT, ASK, CONSTRUCT, DESCRIBE), UPDATE, or ""
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    service_targets: list[str] = field(default_factory=list)
    # SERVICE clauses whose endpoint is a variable: (line, column, variable)
    service_variables: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def is_update(self) -> bool:
        return self.operation == "UPDATE"

    @property
    def names_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


class _Resolver:
    """Turns IRI tokens and prefixed names into absolute IRIs as the prologue declares."""

    def __init__(self) -> None:
        self.base = ""
        self.prefixes: dict[str, str] = {}

    def iri(self, token: Token) -> str | None:
        if token.kind == "iri":
            return urljoin(self.base, token.text) if self.base else token.text
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            namespace = self.prefixes.get(prefix)
            return None if namespace is None else namespace + re.sub(r"\\(.)", r"\1", local)
        return None


def read_sparql(text: str) -> SparqlFacts:
    """Read the operation, dataset clauses and SERVICE targets of a query or update."""
    facts = SparqlFacts()
    resolver = _Resolver()
    stream = list(tokens(text))
    for position, token in enumerate(stream):
        following = stream[position + 1: position + 4]
        if token.kind != "word":
            continue
        word = token.text
        if word == "BASE" and following and following[0].kind == "iri":
            resolver.base = resolver.iri(following[0]) or resolver.base
        elif word == "PREFIX" and len(following) >= 2 and following[0].kind == "pname":
            namespace = resolver.iri(following[1])
            if namespace is not None:
                resolver.prefixes[following[0].text.rstrip(":")] = namespace
        elif not facts.operation and word in QUERY_FORMS:
            facts.operation = word
        elif not facts.operation and word in UPDATE_KEYWORDS:
            facts.operation = "UPDATE"
        elif word == "FROM" and following:
            named = following[0].kind == "word" and following[0].text == "NAMED"
            target = following[1] if named and len(following) > 1 else following[0]
            iri = resolver.iri(target)
            if iri is not None:
                (facts.from_named_graphs if named else facts.from_graphs).append(iri)
        elif word == "SERVICE" and following:
            target = following[0]
            if target.kind == "word" and target.text == "SILENT" and len(following) > 1:
                target = following[1]
            if target.kind == "var":
                facts.service_variables.append((target.line, target.column, target.text))
            else:
                facts.service_targets.append(resolver.iri(target) or target.text)
    return facts
