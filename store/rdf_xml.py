"""Which graphs RDF/XML can write.

RDF/XML writes each predicate as an XML element name: a namespace and a local name, and
the local name must be an XML NCName at the end of the predicate's IRI (RDF 1.1 XML
Syntax, 2.2; not every graph can be written, 8.2 of the same). A predicate with no such
end (`http://example.org/1`, `urn:isbn:1`, `http://example.org/terms#`) cannot be written.
pyoxigraph then writes an element with an empty local name (`<oxprefix:>`), which no XML
parser reads: an answer that looks fine and is broken. So such a graph is refused as
RDF/XML (406: Turtle, N-Triples and JSON-LD carry it) before its bytes are written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from .base import UnwritableAnswer

# XML 1.0 NameStartChar and NameChar, without the colon (an NCName)
_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
          "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
          "\U00010000-\U000effff")
_MORE = "\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040"
_LOCAL_NAME_AT_END = re.compile(f"[{_START}][{_START}{_MORE}]*\\Z")

Statement = TypeVar("Statement", bound=Any)  # a pyoxigraph Triple or Quad


def writable_predicate(iri: str) -> bool:
    """Can RDF/XML write `iri` as a predicate (does it end with an XML local name)?"""
    return _LOCAL_NAME_AT_END.search(iri) is not None


def writable_in_rdf_xml(statements: Iterable[Statement]) -> Iterator[Statement]:
    """`statements` as they come, raising UnwritableAnswer at the first one whose predicate
    RDF/XML cannot write (each predicate is looked at once)."""
    seen: set[str] = set()
    for statement in statements:
        predicate = statement.predicate.value
        if predicate not in seen:
            if not writable_predicate(predicate):
                raise UnwritableAnswer.because(
                    "RDF/XML", f"its predicate <{predicate}> does not end with an XML name",
                    "text/turtle, application/n-triples, application/ld+json")
            seen.add(predicate)
        yield statement
