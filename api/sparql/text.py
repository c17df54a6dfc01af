"""What the server reads from SPARQL text before running it (with store.sparql_text's lexer).

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
from dataclasses import dataclass, field
from urllib.parse import urljoin

from store.sparql_text import QUERY_FORMS, Token, tokens

UPDATE_KEYWORDS = frozenset({
    "INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH",
})


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


_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _code_point(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code <= 0x10FFFF else "\ufffd"


class _Resolver:
    """Turns IRI tokens and prefixed names into absolute IRIs as the prologue declares."""

    def __init__(self) -> None:
        self.base = ""
        self.prefixes: dict[str, str] = {}

    def iri(self, token: Token) -> str | None:
        if token.kind == "iri":
            text = _UCHAR.sub(_code_point, token.text) if "\\" in token.text else token.text
            return urljoin(self.base, text) if self.base else text
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            namespace = self.prefixes.get(prefix)
            return None if namespace is None else namespace + re.sub(r"\\(.)", r"\1", local)
        return None


# What the facts hold beyond the operation comes from FROM and SERVICE clauses (BASE and
# PREFIX only resolve their IRIs): a text without either word, in any case and with its
# \u escapes read, is lexed only up to its operation. Lexing costs about 9 us a token in
# this interpreter: a query of 4,000 parentheses took 35 ms whole (bench/hostile.py g
# sends one among its pathological queries, and the event loop waited meanwhile).
_DATASET_OR_CALL = ("from", "service")


def read_sparql(text: str) -> SparqlFacts:
    """Read the operation, dataset clauses and SERVICE targets of a query or update.

    >>> read_sparql("ASK { FILTER(" + "(" * 4000 + "1" + ")" * 4000 + ") }").operation
    'ASK'
    >>> read_sparql("select * from <http://g> { ?s ?p ?o }").from_graphs
    ['http://g']
    """
    decoded = _UCHAR.sub(_code_point, text) if "\\" in text else text
    folded = decoded.casefold()  # "ſ" too: the lexer upper-cases it to "S"
    if not any(word in folded for word in _DATASET_OR_CALL):
        return SparqlFacts(operation=_operation(text))
    return read_whole(text)


def read_whole(text: str) -> SparqlFacts:
    """`read_sparql` from every token of the text."""
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


def _operation(text: str) -> str:
    """The query form of a query, UPDATE for an update, "" for neither (the first word that
    says, as `read_sparql` reads it)."""
    for token in tokens(text):
        if token.kind == "word":
            if token.text in QUERY_FORMS:
                return token.text
            if token.text in UPDATE_KEYWORDS:
                return "UPDATE"
    return ""


def unlisted_service(facts: SparqlFacts, allowlist: list[str]) -> str | None:
    """Why the query may not run because of its SERVICE calls (one line), or None."""
    for line, column, variable in facts.service_variables:
        return (f"SERVICE {variable} at line {line}, column {column}: the endpoint of a "
                "SERVICE call must be a fixed IRI on the server's allow-list")
    allowed = set(allowlist)
    for target in facts.service_targets:
        if target not in allowed:
            listed = ", ".join(sorted(allowed)) or "none"
            return (f"SERVICE <{target}> is not on this server's allow-list "
                    f"(allowed: {listed}); no request was made")
    return None
