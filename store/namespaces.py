"""Namespace IRIs and graph names shared by ingest, API and linkers (see ontology/CONVENTIONS.md)."""

from __future__ import annotations

import re
import unicodedata

from pyoxigraph import NamedNode

TSR = "https://w3id.org/tsr-observatory/ontology#"
TSRV = "https://w3id.org/tsr-observatory/vocab/"
TSRSH = "https://w3id.org/tsr-observatory/shapes#"
TSRX = "https://w3id.org/tsr-observatory/shapes-ext#"
ONTOLOGY_IRI = "https://w3id.org/tsr-observatory/ontology"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
QB = "http://purl.org/linked-data/cube#"
FOAF = "http://xmlns.com/foaf/0.1/"

PREFIXES: dict[str, str] = {
    "tsr": TSR, "tsrv": TSRV, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "owl": OWL,
    "skos": SKOS, "sh": SH, "prov": PROV, "dcterms": DCTERMS, "schema": SCHEMA,
    "void": VOID, "dcat": DCAT, "qb": QB, "foaf": FOAF,
}

# Graphs the store layer uses to stage a replacement; never part of the public data.
STAGING_PREFIX = "urn:tsr:staging:"


def slug(text: str) -> str:
    """The ASCII key of CONVENTIONS.md.

    >>> slug("Collectif des Sols Vivants !")
    'collectif-des-sols-vivants'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")


# Between a source's namespace and a key that identifies only within that source
# (`tsr-example~co3-sols`): never in a slug, so a scoped key is never an unscoped one.
NAMESPACE_MARK = "~"


def scoped_key(namespace: str | None, key: str) -> str:
    """`key` in `namespace` (ontology/CONVENTIONS.md, "Keys local to a source").

    >>> scoped_key("reseau-a-projets-csv", "p1"), scoped_key(None, "siren-552100554")
    ('reseau-a-projets-csv~p1', 'siren-552100554')
    """
    return f"{namespace}{NAMESPACE_MARK}{key}" if namespace else key


class DataIris:
    """IRIs minted under the configured data base IRI."""

    def __init__(self, base_iri: str) -> None:
        self.base = base_iri if base_iri.endswith(("/", "#")) else base_iri + "/"

    def entity(self, kind: str, key: str) -> NamedNode:
        return NamedNode(f"{self.base}id/{kind}/{key}")

    def source_graph(self, name: str) -> NamedNode:
        return NamedNode(f"{self.base}graph/source/{slug(name)}")

    @property
    def provenance_graph(self) -> NamedNode:
        return NamedNode(f"{self.base}graph/provenance")

    @property
    def model_graph(self) -> NamedNode:
        return NamedNode(f"{self.base}graph/model")

    def links_graph(self, service: str) -> NamedNode:
        return NamedNode(f"{self.base}graph/links/{service}")
