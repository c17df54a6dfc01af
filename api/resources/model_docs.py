"""The shipped ontology and vocabularies, read once, as the pages need them: labels and
comments in fr and en, the kind of each term, and the local page documenting it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from pyoxigraph import Literal, NamedNode

from store.model import model_triples
from store.namespaces import DCTERMS, ONTOLOGY_IRI, OWL, RDF, RDFS, SKOS, TSR, TSRV

LABELS = (SKOS + "prefLabel", RDFS + "label", DCTERMS + "title")
COMMENTS = (SKOS + "definition", RDFS + "comment", DCTERMS + "description")
KINDS = {
    OWL + "Class": "class", OWL + "ObjectProperty": "object property",
    OWL + "DatatypeProperty": "datatype property",
    OWL + "AnnotationProperty": "annotation property",
    SKOS + "ConceptScheme": "concept scheme", SKOS + "Concept": "concept",
}


@dataclass
class TermDoc:
    iri: str
    kinds: list[str] = field(default_factory=list)
    texts: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    links: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def text(self, properties: tuple[str, ...], lang: str) -> str | None:
        for wanted in (lang, "fr", "en", ""):
            for prop in properties:
                value = self.texts.get(prop, {}).get(wanted)
                if value:
                    return value
        return None

    def label(self, lang: str) -> str:
        return self.text(LABELS, lang) or local_name(self.iri)

    def comment(self, lang: str) -> str | None:
        return self.text(COMMENTS, lang)

    @property
    def anchor(self) -> str:
        return local_name(self.iri)


class ModelDocs:
    def __init__(self) -> None:
        self.terms: dict[str, TermDoc] = {}
        for triple in model_triples():
            if not isinstance(triple.subject, NamedNode):
                continue
            doc = self.terms.setdefault(triple.subject.value, TermDoc(triple.subject.value))
            predicate, obj = triple.predicate.value, triple.object
            if predicate == RDF + "type" and isinstance(obj, NamedNode) and obj.value in KINDS:
                doc.kinds.append(KINDS[obj.value])
            elif isinstance(obj, Literal) and predicate in LABELS + COMMENTS + (SKOS + "notation",):
                doc.texts[predicate][obj.language or ""] = obj.value
            elif isinstance(obj, NamedNode):
                doc.links[predicate].append(obj.value)

    def label(self, iri: str, lang: str) -> str | None:
        doc = self.terms.get(iri)
        return doc.label(lang) if doc else None

    def of_kind(self, kind: str, namespace: str = TSR) -> list[TermDoc]:
        return sorted((doc for doc in self.terms.values()
                       if kind in doc.kinds and doc.iri.startswith(namespace)),
                      key=lambda doc: doc.iri)

    def schemes(self) -> list[TermDoc]:
        return self.of_kind("concept scheme", TSRV)

    def concepts(self, scheme: str) -> list[TermDoc]:
        return sorted((doc for doc in self.terms.values()
                       if scheme in doc.links.get(SKOS + "inScheme", [])),
                      key=lambda doc: doc.iri)

    @property
    def ontology(self) -> TermDoc:
        return self.terms.get(ONTOLOGY_IRI) or TermDoc(ONTOLOGY_IRI)


def local_name(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def page_of(iri: str, data_base: str) -> str:
    """The path of this app's page about `iri`, or `iri` itself when it lives elsewhere."""
    if iri.startswith(TSR):
        return f"/ontology#{iri[len(TSR):]}"
    if iri == ONTOLOGY_IRI:
        return "/ontology"
    if iri.startswith(TSRV):
        scheme, _, notation = iri[len(TSRV):].partition("/")
        return f"/vocab/{scheme}" + (f"#{notation}" if notation else "")
    if iri.startswith(data_base + "id/"):
        return "/" + iri[len(data_base):]
    return iri


@cache
def model_docs() -> ModelDocs:
    return ModelDocs()
