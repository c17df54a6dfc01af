"""The SPARQL Service Description of `/sparql` (what a GET without a query returns)."""

from __future__ import annotations

from fastapi import Request
from pyoxigraph import BlankNode, NamedNode, Triple

from store.namespaces import RDF

from ..deps import get_settings_of

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                   "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD")


def public_base(request: Request) -> str:
    """The address clients use to reach this API (setting public_url, else the request's)."""
    settings = get_settings_of(request)
    return (settings.public_url or str(request.base_url)).rstrip("/")


def service_description(endpoint: str, named_graphs: list[NamedNode],
                        void_url: str) -> list[Triple]:
    service = NamedNode(endpoint)
    dataset, default_graph = BlankNode(), BlankNode()

    def sd(name: str) -> NamedNode:
        return NamedNode(SD + name)

    triples = [
        Triple(service, NamedNode(RDF + "type"), sd("Service")),
        Triple(service, sd("endpoint"), service),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")),
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        Triple(service, sd("feature"), sd("BasicFederatedQuery")),
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, NamedNode(RDF + "type"), sd("Dataset")),
        Triple(dataset, NamedNode("http://rdfs.org/ns/void#inDataset"), NamedNode(void_url)),
        Triple(dataset, sd("defaultGraph"), default_graph),
        Triple(default_graph, NamedNode(RDF + "type"), sd("Graph")),
    ]
    triples += [Triple(service, sd("resultFormat"), NamedNode(FORMATS + name))
                for name in _RESULT_FORMATS]
    for graph in named_graphs:
        named = BlankNode()
        triples += [Triple(dataset, sd("namedGraph"), named),
                    Triple(named, NamedNode(RDF + "type"), sd("NamedGraph")),
                    Triple(named, sd("name"), graph)]
    return triples
