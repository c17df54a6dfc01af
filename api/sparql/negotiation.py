"""Media types of SPARQL results and RDF graphs, and choosing one from `Accept` or `format`.

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

from pyoxigraph import RdfFormat


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


def _accepted(header: str) -> list[tuple[float, int, str]]:
    """(quality, order, media range) for each entry of an Accept header, best first."""
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [field.strip() for field in part.split(";")]
        media_range = fields[0].lower()
        if not media_range:
            continue
        quality = 1.0
        for parameter in fields[1:]:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((quality, order, media_range))
    ranges.sort(key=lambda entry: (-entry[0], entry[1]))
    return ranges


def _matches(media_range: str, candidate: MediaType) -> bool:
    if media_range == "*/*":
        return True
    names = (candidate.media_type, *candidate.aliases)
    if media_range.endswith("/*"):
        return any(name.startswith(media_range[:-1]) for name in names)
    return media_range in names


def choose(table: tuple[MediaType, ...], accept: str | None,
           format_parameter: str | None) -> MediaType:
    """The media type to answer with; the `format` parameter (comma-separated alternatives)
    wins over `Accept`."""
    if format_parameter:
        # some clients (SPARQLWrapper) send several spellings: the first one known wins
        for wanted in format_parameter.split(","):
            wanted = wanted.strip().lower()
            for candidate in table:
                if wanted in (candidate.name, candidate.media_type, *candidate.aliases,
                              *candidate.format_names):
                    return candidate
        raise NotAcceptable(
            f"format={format_parameter} is not available for this result; use one of "
            + ", ".join(candidate.name for candidate in table)
        )
    if not accept or not accept.strip():
        return table[0]
    for quality, _, media_range in _accepted(accept):
        if quality <= 0:
            continue
        for candidate in table:
            if _matches(media_range, candidate):
                return candidate
    raise NotAcceptable(
        f"none of the accepted media types ({accept}) can carry this result; available: "
        + ", ".join(candidate.media_type for candidate in table)
    )
