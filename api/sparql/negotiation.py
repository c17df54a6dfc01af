"""The one format table (result format name <-> media type <-> RDF syntax; writers.py and
jobs.py write each), and the one content negotiation: `Accept` or `format=` to a media type.

`/sparql`, `/api/queries/*`, the Graph Store, the dumps, the entity documents and `tsr query
--format` all choose through `choose` / `best_offer`.

>>> choose(RESULT_TYPES, "text/csv;q=0.5, application/sparql-results+xml", None).name
'xml'
>>> choose(GRAPH_TYPES, "text/html,application/xhtml+xml,*/*;q=0.8", None).name
'turtle'
>>> choose(RESULT_TYPES, None, "csv").media_type
'text/csv'
>>> choose(GRAPH_TYPES, "application/rdf+xml", "xml").name  # SPARQLWrapper's CONSTRUCT
'rdfxml'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyoxigraph import RdfFormat
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class MediaType:
    name: str  # the `format` parameter value
    media_type: str
    aliases: tuple[str, ...] = ()
    rdf_format: RdfFormat | None = None
    # other `format=` spellings clients send for this type (SPARQLWrapper sends its own
    # return-format names: `xml` for RDF/XML of a CONSTRUCT, `n3`, `rdf+xml`, `json-ld`...)
    format_names: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type.endswith(
            ("json", "xml", "triples", "turtle", "quads"))
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


# The first entry of each table is the default when the client accepts anything.
RESULT_TYPES: tuple[MediaType, ...] = (
    MediaType("json", "application/sparql-results+json", ("application/json",),
              format_names=("srj",)),
    MediaType("xml", "application/sparql-results+xml", ("application/xml", "text/xml"),
              format_names=("srx",)),
    MediaType("csv", "text/csv"),
    MediaType("tsv", "text/tab-separated-values"),
)
GRAPH_TYPES: tuple[MediaType, ...] = (
    MediaType("turtle", "text/turtle", ("application/x-turtle",), RdfFormat.TURTLE,
              ("ttl", "n3", "text/n3", "application/turtle")),
    MediaType("ntriples", "application/n-triples", ("text/plain",), RdfFormat.N_TRIPLES,
              ("nt", "n-triples")),
    MediaType("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"),
              RdfFormat.RDF_XML, ("xml", "rdf", "rdf+xml", "rdf/xml")),
    MediaType("jsonld", "application/ld+json", ("application/json",), RdfFormat.JSON_LD,
              ("json-ld", "json")),
)


# Dumps only: a dataset with its graphs.
NQUADS = MediaType("nquads", "application/n-quads", (), RdfFormat.N_QUADS)


class NotAcceptable(ValueError):
    """No media type the client accepts fits this kind of result (HTTP 406)."""


def best_offer(accept: str, offered: tuple[str, ...]) -> str | None:
    """The offered media type the `Accept` header prefers (quality, then the most specific
    range, then the order offered), None when it accepts none. Parsed by Werkzeug; clients
    send the same few headers again and again, so answers to short ones are kept (a parse
    is about 0.1 ms, a tenth of a point lookup)."""
    if len(accept) > _KEPT_HEADER_CHARS:
        return _best_offer(accept, offered)
    return _kept_best_offer(accept, offered)


def _best_offer(accept: str, offered: tuple[str, ...]) -> str | None:
    return parse_accept_header(accept, MIMEAccept).best_match(offered)


_KEPT_HEADER_CHARS = 300
_kept_best_offer = lru_cache(maxsize=512)(_best_offer)


def choose(table: tuple[MediaType, ...], accept: str | None,
           format_parameter: str | None) -> MediaType:
    """The media type to answer with; the `format` parameter (comma-separated alternatives)
    wins over `Accept`. Every route and `tsr query --format` choose through this."""
    if format_parameter:
        # some clients (SPARQLWrapper) send several spellings: the first one known wins
        for wanted in format_parameter.split(","):
            wanted = wanted.strip().lower()
            for candidate in table:
                if wanted in (candidate.name, candidate.media_type, *candidate.aliases,
                              *candidate.format_names):
                    return candidate
        raise NotAcceptable(
            f"format {format_parameter} does not fit this query's result; use one of "
            + ", ".join(candidate.name for candidate in table)
        )
    if not accept or not accept.strip():
        return table[0]
    best = _kept_choice(table, accept)
    if best is None:
        raise NotAcceptable(
            f"none of the accepted media types ({accept}) can carry this result; available: "
            + ", ".join(candidate.media_type for candidate in table)
        )
    return best


# (id of a table, Accept header) -> (the table, its choice): a point lookup pays a dict
# lookup, not a parse; emptied when full, holding at most _KEPT_CHOICES short headers
_CHOICES: dict[tuple[int, str], tuple[tuple[MediaType, ...], MediaType | None]] = {}
_KEPT_CHOICES = 512


def _kept_choice(table: tuple[MediaType, ...], accept: str) -> MediaType | None:
    if len(accept) > _KEPT_HEADER_CHARS:
        return _choice(table, accept)
    key = (id(table), accept)
    kept = _CHOICES.get(key)
    if kept is not None and kept[0] is table:
        return kept[1]
    best = _choice(table, accept)
    if len(_CHOICES) >= _KEPT_CHOICES:
        _CHOICES.clear()
    _CHOICES[key] = (table, best)
    return best


def _choice(table: tuple[MediaType, ...], accept: str) -> MediaType | None:
    offered: dict[str, MediaType] = {}
    for candidate in table:
        for name in (candidate.media_type, *candidate.aliases):
            offered.setdefault(name, candidate)  # an alias two types share: the first
    best = _best_offer(accept, tuple(offered))
    return None if best is None else offered[best]


def table_for(form: str) -> tuple[MediaType, ...]:
    """The formats a query form's result can be written in (CONSTRUCT/DESCRIBE: graphs)."""
    return GRAPH_TYPES if form in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES
