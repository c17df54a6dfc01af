"""What the ingest needs to know from the ontology and vocabularies: concepts by label or
notation, the class each actor type implies, the class hierarchy, identifier properties."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from store.entailment import TypeRules, closure
from store.model import model_triples
from store.namespaces import DCTERMS, ONTOLOGY_IRI, OWL, RDF, RDFS, SKOS, TSR, slug

_TYPE = RDF + "type"
_OTHER_LABELS = {SKOS + "altLabel", SKOS + "hiddenLabel"}


@dataclass
class Concept:
    iri: str
    notation: str
    schemes: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    implies_class: str | None = None
    # skos:altLabel and skos:hiddenLabel: accepted in a cell, never shown (e.g. "EL", "GRC")
    other_labels: list[str] = field(default_factory=list)


@dataclass
class ModelFacts:
    concepts: dict[str, Concept]
    by_scheme: dict[str, dict[str, str]]  # scheme -> slug(label|notation) -> concept IRI
    superclasses: dict[str, set[str]]  # class -> itself and every superclass
    identifier_properties: set[str]
    types: dict[str, set[str]]  # rdf:type of every subject of the model
    ontology_version: str = "0"
    type_rules: TypeRules = field(default_factory=lambda: TypeRules({}, {}))

    def concept_for(self, scheme: str, text: str) -> str | None:
        return self.by_scheme.get(scheme, {}).get(slug(text))

    def is_instance(self, types: set[str], class_iri: str) -> bool:
        return any(class_iri in self.superclasses.get(t, {t}) for t in types)


@functools.cache
def model_facts() -> ModelFacts:
    concepts: dict[str, Concept] = {}
    subclass: dict[str, set[str]] = defaultdict(set)
    subproperty: dict[str, set[str]] = defaultdict(set)
    types: dict[str, set[str]] = defaultdict(set)
    version = "0"

    def concept(iri: str) -> Concept:
        return concepts.setdefault(iri, Concept(iri, ""))

    for triple in model_triples():
        s, p, o = triple.subject, triple.predicate.value, triple.object
        if not isinstance(s, NamedNode):
            continue
        if p == _TYPE and isinstance(o, NamedNode):
            types[s.value].add(o.value)
            if o.value == SKOS + "Concept":
                concept(s.value)
        elif p == SKOS + "inScheme" and isinstance(o, NamedNode):
            concept(s.value).schemes.add(o.value)
        elif p == SKOS + "notation" and isinstance(o, Literal):
            concept(s.value).notation = o.value
        elif p == SKOS + "prefLabel" and isinstance(o, Literal):
            concept(s.value).labels.setdefault(o.language or "", o.value)
        elif p in _OTHER_LABELS and isinstance(o, Literal):
            concept(s.value).other_labels.append(o.value)
        elif p == TSR + "impliesClass" and isinstance(o, NamedNode):
            concept(s.value).implies_class = o.value
        elif p == OWL + "versionInfo" and s.value == ONTOLOGY_IRI and isinstance(o, Literal):
            version = o.value
        elif p == RDFS + "subClassOf" and isinstance(o, NamedNode):
            subclass[s.value].add(o.value)
        elif p == RDFS + "subPropertyOf" and isinstance(o, NamedNode):
            subproperty[s.value].add(o.value)
    by_scheme: dict[str, dict[str, str]] = defaultdict(dict)
    # first writer wins: a notation never gets shadowed by another's label, nor a
    # preferred label by another's alternative one
    for keys_of in (lambda c: [c.notation, *c.labels.values()], lambda c: c.other_labels):
        for item in concepts.values():
            for scheme in item.schemes:
                for key in keys_of(item):
                    by_scheme[scheme].setdefault(slug(key), item.iri)
    return ModelFacts(
        concepts=concepts,
        by_scheme=dict(by_scheme),
        superclasses={c: closure(c, subclass) for c in {*subclass, *types}},
        identifier_properties={p for p in subproperty
                               if DCTERMS + "identifier" in closure(p, subproperty)},
        types=dict(types),
        ontology_version=version,
        type_rules=TypeRules.build(subclass, {c.iri: c.implies_class for c in concepts.values()
                                              if c.implies_class}),
    )
