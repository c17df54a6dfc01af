"""RDF file formats by name and extension, and loading files into a store."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat

from .base import Store, StoreError


class RdfFormatName(StrEnum):
    turtle = "turtle"
    ntriples = "ntriples"
    nquads = "nquads"
    trig = "trig"
    rdfxml = "rdfxml"
    jsonld = "jsonld"

    @property
    def rdf_format(self) -> RdfFormat:
        return _FORMATS[self]


_FORMATS = {
    RdfFormatName.turtle: RdfFormat.TURTLE,
    RdfFormatName.ntriples: RdfFormat.N_TRIPLES,
    RdfFormatName.nquads: RdfFormat.N_QUADS,
    RdfFormatName.trig: RdfFormat.TRIG,
    RdfFormatName.rdfxml: RdfFormat.RDF_XML,
    RdfFormatName.jsonld: RdfFormat.JSON_LD,
}
_EXTENSIONS = {
    ".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES, ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG, ".rdf": RdfFormat.RDF_XML, ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML, ".jsonld": RdfFormat.JSON_LD, ".json": RdfFormat.JSON_LD,
}


class BadInputError(StoreError):
    """The user gave a file or value that cannot be used (exit code 2)."""


def format_of(path: Path) -> RdfFormat:
    try:
        return _EXTENSIONS[path.suffix.lower()]
    except KeyError:
        known = " ".join(sorted(_EXTENSIONS))
        raise BadInputError(f"{path}: unknown RDF file extension (known: {known})") from None


def load_files(store: Store, paths: list[Path], graph: NamedNode | None) -> dict[Path, int]:
    """Load each file (format from its extension) into `graph`, or its own graphs for quads.

    Triple files without `graph` go into `{file URI}` so nothing lands in the default graph
    unnamed. Returns the number of statements read per file.
    """
    counts: dict[Path, int] = {}
    for path in paths:
        rdf_format = format_of(path)
        target = graph
        if target is None and not rdf_format.supports_datasets:
            target = NamedNode(path.resolve().as_uri())
        try:
            with path.open("rb") as source:
                counts[path] = store.load(source, rdf_format, target)
        except FileNotFoundError:
            raise BadInputError(f"{path}: no such file") from None
        except StoreError as error:
            raise BadInputError(f"{path}: {error}") from None
    return counts


def loaded_graphs(paths: list[Path], graph: NamedNode | None) -> list[NamedNode] | None:
    """The graphs `load_files(store, paths, graph)` writes to; None when a dataset file
    (N-Quads, TriG) may have written to any."""
    found = []
    for path in paths:
        rdf_format = format_of(path)
        if graph is None and rdf_format.supports_datasets:
            return None
        found.append(graph if graph is not None else NamedNode(path.resolve().as_uri()))
    return list(dict.fromkeys(found))
