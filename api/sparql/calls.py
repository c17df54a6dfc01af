"""The network calls a SPARQL request would make (SERVICE, LOAD), read from a real parse.

A lexical scan can be fooled: a comment ended by a carriage return, a string or IRI it
delimits differently from the engine, an escape. So the decision rests on the parse tree of
rdflib's SPARQL grammar: every ``ServiceGraphPattern`` (in groups, subqueries, updates'
WHERE clauses) and every ``LOAD``, with prefixed names and relative IRIs resolved as the
prologue declares. Text the grammar rejects is refused, never passed on.

Parsing is slow, so it runs only when it can matter: when the text,
after its ``\\u``/``\\U`` escapes are expanded, contains the letters "service" or "load" in
any case. Neither keyword can be written without those letters (Oxigraph reads escapes only
inside IRIs and strings), so the shortcut never skips a call. And only on a text of at
most `CHECKED_CHARS` characters: a longer one that mentions them is refused (one line)
without a parse. The server runs the parse in a worker process (`write_calls`, through
api/sparql/call_check.py): pyparsing holds the interpreter lock, seconds for dense text.

The text given to the grammar is normalised so that both parsers read it alike: a carriage
return becomes a line feed (rdflib's comments run to a line feed only; SPARQL's end at
either) and escapes are expanded once, here (rdflib would expand them again). An escape
that expands to a character that delimits a token (a quote, ``<``, ``>``, a space...)
could make the two parsers disagree, so a request that mentions SERVICE or LOAD and holds
one is refused with a one-line reason: write the character itself.

>>> network_calls('PREFIX w: <https://query.wikidata.org/> SELECT * { #x\\rSERVICE w:sparql {} }')
NetworkCalls(services=['https://query.wikidata.org/sparql'], service_variables=[], loads=[])
>>> network_calls('SELECT * { ?s ?p ?o }')
NetworkCalls(services=[], service_variables=[], loads=[])
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, parse
from pyparsing import ParseBaseException, ParserElement, ParseResults
from rdflib.plugins.sparql import parser as grammar
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from .cap import Sink

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_LOCAL_ESCAPE = re.compile(r"\\(.)")
# characters an escape may stand for without changing where any token begins or ends
_INERT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~:/?@!$&*+,;=%")


# The longest text whose calls are read by a parse. rdflib's grammar (pyparsing) took,
# on this loaded 2-core machine: 2.0-2.5 ms a KB of VALUES IRIs (a 0.9 MB query 2-2.7 s,
# 60 MB), 29-49 ms a KB of ordinary query text (the shipped federated queries, 2.3 KB:
# 67-81 ms; 148 KB of OPTIONALs 5.6 s), 300-800 ms a KB of dense expressions (`&&`
# chains, IN lists: one of 4,000 numbers, 8 KB, 4.6-5.7 s). The parse runs in a worker
# under the query deadline (api/sparql/call_check.py), which bounds the slowest text; the
# cap only keeps the workers from being sent what no deadline lets through. It was 8,192
# while the parse ran in the server: a longer text that merely said "download" was refused.
CHECKED_CHARS = 1024 * 1024


class UncheckedCall(ValueError):
    """The request's SERVICE / LOAD calls cannot be read; the message is one line."""


@dataclass
class NetworkCalls:
    services: list[str] = field(default_factory=list)
    service_variables: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.services or self.service_variables or self.loads)


def may_call(text: str) -> bool:
    """False when the text cannot hold a SERVICE or LOAD (the cheap test, microseconds)."""
    if "\\" in text:
        text = _ESCAPE.sub(_code_point, text)
    # keywords are ASCII, in any case: lower() finds every spelling
    lowered = text.lower()
    return "service" in lowered or "load" in lowered


def needs_parse(text: str, update: bool = False) -> bool:
    """Whether `network_calls` must parse the text (the cheap part of its checks: without
    a parse, the text calls nothing). Raises UncheckedCall for a text too long to parse."""
    if not may_call(text):
        return False
    what = "update" if update else "query"
    if len(text) > CHECKED_CHARS:
        raise UncheckedCall(
            f"this {what} mentions SERVICE or LOAD and holds {len(text):,} characters: "
            f"their calls are checked in texts of at most {CHECKED_CHARS:,}; send a shorter "
            f"{what} (the words service and load, even in a comment, count)")
    return True


def network_calls(text: str, update: bool = False) -> NetworkCalls:
    """Every SERVICE endpoint and LOAD source of a query (or update) text.

    Raises UncheckedCall when the text may call out but cannot be parsed.
    """
    if not needs_parse(text, update):
        return NetworkCalls()
    prepared = _prepared(text)
    query_unit, update_unit = _grammar()
    try:
        if update:
            tree = update_unit.parse_string(prepared, parse_all=True)[0]
            operations = list(zip(tree["prologue"], tree["request"], strict=False))
        else:
            prologue, body = query_unit.parse_string(prepared, parse_all=True)
            operations = [(prologue, body)]
    except ParseBaseException as error:
        raise UncheckedCall(f"malformed {'update' if update else 'query'}: "
                            f"{_one_line(error.explain(depth=0))}") from None
    except RecursionError:
        raise UncheckedCall(
            f"the {'update' if update else 'query'} is nested too deeply to check its SERVICE "
            "and LOAD calls; nest fewer groups or expressions") from None
    calls = NetworkCalls()
    names = _Names()
    for prologue, operation in operations:
        names.declare(prologue)
        for node in _nodes(operation):
            if node.name == _SERVICE:
                term = node["term"]
                if isinstance(term, Variable):
                    calls.service_variables.append(f"?{term}")
                else:
                    calls.services.append(names.iri(term))
            elif node.name == "Load":
                calls.loads.append(names.iri(node["iri"]))
    return calls


# the job a parse worker runs (api/sparql/call_check.py), and what it calls as it starts
PARSE_JOB = f"{__name__}:write_calls"
PARSE_PRELOAD = f"{__name__}:load_grammar"


def load_grammar() -> None:
    """Make the grammar's copy now (some 80 ms, and rdflib's import before it), and parse
    a query and an update with it: a worker's first parse took 60-100 ms more than the next
    ones (pyparsing's first use of each element)."""
    network_calls('PREFIX w: <http://example.org/> SELECT ?s (COUNT(*) AS ?n) { '
                  'SERVICE w:s { ?s w:p "a"@en, 1.5 ; ^w:q/w:r* ?o } OPTIONAL { ?s ?p ?o } '
                  'FILTER(?o IN (1, 2) && !BOUND(?x) || REGEX(STR(?s), "b", "i")) '
                  'BIND(YEAR(NOW()) + 1 AS ?y) VALUES ?v { <urn:x> } } GROUP BY ?s '
                  'ORDER BY DESC(?n) LIMIT 10')
    network_calls('BASE <http://example.org/> LOAD <d> INTO GRAPH <g> ; '
                  'INSERT { ?s ?p ?o } WHERE { SERVICE <s> { ?s ?p ?o } }', update=True)


def write_calls(store: None, text: str, update: bool, output: Sink) -> None:
    """`network_calls` in a worker process without a store: its answer written as JSON
    (`read_calls` reads it back), an UncheckedCall's one line included."""
    del store
    try:
        answer: dict[str, Any] = asdict(network_calls(text, update))
    except UncheckedCall as error:
        answer = {"unchecked": str(error)}
    output.write(json.dumps(answer).encode())


def read_calls(written: bytes) -> NetworkCalls:
    """What `write_calls` wrote; raises its UncheckedCall again."""
    answer = json.loads(written)
    if "unchecked" in answer:
        raise UncheckedCall(answer["unchecked"])
    return NetworkCalls(**answer)


def unlisted_call(calls: NetworkCalls, service_allowlist: list[str],
                  load_allowlist: list[str]) -> str | None:
    """Why the request may not run because of its SERVICE or LOAD calls (one line), or None."""
    for variable in calls.service_variables:
        return (f"SERVICE {variable}: the endpoint of a SERVICE call must be a fixed IRI on "
                "the server's allow-list")
    for target in calls.services:
        if target not in service_allowlist:
            listed = ", ".join(sorted(service_allowlist)) or "none"
            return (f"SERVICE <{target}> is not on this server's allow-list "
                    f"(allowed: {listed}); no request was made")
    for source in calls.loads:
        if source not in load_allowlist:
            if not load_allowlist:
                return (f"LOAD <{source}> refused: this server loads nothing from the network "
                        "(setting load_allowlist is empty); no request was made")
            listed = ", ".join(sorted(load_allowlist))
            return (f"LOAD <{source}> is not on this server's LOAD allow-list "
                    f"(allowed: {listed}); no request was made")
    return None


def _code_point(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code <= 0x10FFFF else ""


def _prepared(text: str) -> str:
    """The text as both parsers read it: escapes expanded once, CR read as a line end."""

    def expand(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        char = chr(code) if code <= 0x10FFFF else ""
        if char in _INERT or code >= 0x80 and code not in (0x85, 0x2028, 0x2029):
            return char
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        raise UncheckedCall(
            f"{match.group(0)} at line {line}, column {column}: in a request that mentions "
            "SERVICE or LOAD, write this character itself, not as an escape")

    if "\\" in text:
        text = _ESCAPE.sub(expand, text)
    return text.replace("\r", "\n")


_SERVICE = "ServiceCall"
_grammar_lock = threading.Lock()
_grammar_copies: list[ParserElement] = []


def _grammar() -> tuple[ParserElement, ParserElement]:
    """rdflib's query and update grammars, copied once, with one change.

    rdflib's ServiceGraphPattern element, after each match, searches the whole text again
    for SERVICE clauses to keep their source text (for its own evaluation): a nested
    SERVICE then recurses without end, and many SERVICE clauses cost quadratic time. The
    copy's element is renamed, which skips that search; rdflib's own grammar is untouched.
    """
    with _grammar_lock:
        if not _grammar_copies:
            copies: dict[int, Any] = {}
            query_unit = copy.deepcopy(grammar.QueryUnit, copies)
            update_unit = copy.deepcopy(grammar.UpdateUnit, copies)
            copies[id(grammar.ServiceGraphPattern)].set_name(_SERVICE)
            _grammar_copies.extend((query_unit, update_unit))
        return _grammar_copies[0], _grammar_copies[1]


def _field(node: CompValue, name: str) -> Any:
    # CompValue.get returns the key itself when it is missing: ask the plain dict
    return dict.get(node, name)


def _one_line(message: str) -> str:
    return " ".join(message.split())


class _Names:
    """The prologue's BASE and PREFIX declarations, in order, to make IRIs absolute."""

    def __init__(self) -> None:
        self.base: str | None = None
        self.prefixes: dict[str, str] = {}

    def declare(self, prologue: Any) -> None:
        for declaration in prologue:
            if declaration.name == "Base":
                self.base = self._absolute(str(declaration["iri"]))
            elif declaration.name == "PrefixDecl":
                self.prefixes[_field(declaration, "prefix") or ""] = self._absolute(
                    str(declaration["iri"]))

    def iri(self, term: Any) -> str:
        if isinstance(term, CompValue) and term.name == "pname":
            prefix = _field(term, "prefix") or ""
            if prefix not in self.prefixes:
                raise UncheckedCall(f"the prefix '{prefix}:' is not declared")
            local = _LOCAL_ESCAPE.sub(r"\1", _field(term, "localname") or "")
            return self.prefixes[prefix] + local
        if isinstance(term, URIRef):
            return self._absolute(str(term))
        raise UncheckedCall(f"cannot read the IRI {term!r}")

    def _absolute(self, iri: str) -> str:
        if _SCHEME.match(iri) or self.base is None:
            return iri
        # resolved by Oxigraph's own resolver (RFC 3986), as the engine will resolve it
        try:
            quad = next(iter(parse(f"<{iri}> <urn:p> <urn:o> .", format=RdfFormat.TURTLE,
                                   base_iri=self.base)))
        except (SyntaxError, ValueError, StopIteration):
            raise UncheckedCall(f"cannot resolve the IRI <{iri}> against <{self.base}>") from None
        assert isinstance(quad.subject, NamedNode)
        return quad.subject.value


def _nodes(root: Any) -> Iterator[CompValue]:
    """Every CompValue under `root` (an explicit stack: the tree can be deep)."""
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, ParseResults | list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
