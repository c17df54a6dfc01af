"""An entity's neighbourhood (the triples of `api-entity` and the labels of what they name)
read as a person reads it: names instead of keys, what points here grouped by what it is,
identifiers as links to the registers that hold them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from store.namespaces import RDF, SKOS, TSR

from ..named_queries import fold
from ..resources.model_docs import page_of
from .i18n import label

NAME_PROPERTIES = (TSR + "name", TSR + "title", SKOS + "prefLabel", TSR + "code",
                   SKOS + "notation")
# Identifier property -> the address of its record ({} is the identifier), in display order.
IDENTIFIER_LINKS = {
    "siren": "https://annuaire-entreprises.data.gouv.fr/entreprise/{}",
    "siret": "https://annuaire-entreprises.data.gouv.fr/etablissement/{}",
    "rna": "https://annuaire-entreprises.data.gouv.fr/rechercher?terme={}",
    "rnsr": "https://appliweb.dgri.education.fr/rnsr/PresenteStruct.jsp?numNatStruct={}",
    "ror": "https://ror.org/{}",
    "idref": "https://www.idref.fr/{}",
    "orcid": "https://orcid.org/{}",
    "wikidata": "https://www.wikidata.org/wiki/{}",
    "halStructure": "https://aurehal.archives-ouvertes.fr/structure/read/id/{}",
    "halId": "https://hal.science/{}",
    "doi": "https://doi.org/{}",
    "pic": None,
    "vatNumber": None,
}
IDENTIFIERS = tuple(TSR + name for name in IDENTIFIER_LINKS)


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None = None
    iri: str | None = None


class Facts:
    """The neighbourhood's triples by subject and property."""

    def __init__(self, triples: Iterable[Triple], lang: str, base: str) -> None:
        self.lang, self.base = lang, base
        self.out: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for triple in triples:
            subject = triple.subject
            if isinstance(subject, NamedNode | BlankNode):
                self.out[subject.value][triple.predicate.value].append(triple.object)
        self._names: dict[str, str] = {}

    def values(self, subject: str, prop: str) -> list[Any]:
        return self.out.get(subject, {}).get(prop, [])

    def first(self, subject: str, prop: str) -> Any:
        found = self.values(subject, prop)
        return min(found, key=lambda term: term.value) if found else None

    def text(self, subject: str, prop: str) -> str | None:
        term = self.first(subject, TSR + prop)
        return None if term is None else term.value

    def types(self, subject: str) -> set[str]:
        return {term.value for term in self.values(subject, RDF + "type")}

    def pointing(self, iri: str, prop: str) -> list[str]:
        """The subjects whose `prop` is `iri` (the resources pointing here that way)."""
        target = NamedNode(iri)
        return sorted(subject for subject, props in self.out.items()
                      if target in props.get(TSR + prop, ()))

    def name(self, iri: str) -> str:
        """A person's name for `iri`: its name, title or label (in the page's language),
        the model's label for a concept or a class, else its key."""
        if iri in self._names:
            return self._names[iri]
        found = None
        for prop in NAME_PROPERTIES:
            literals = [term for term in self.values(iri, prop) if isinstance(term, Literal)]
            if literals:
                mine = [term for term in literals if term.language == self.lang]
                found = min(mine or literals, key=lambda term: term.value).value
                break
        if found is None:
            found = label(iri, self.lang)
        self._names[iri] = found
        return found

    def link(self, term: Any) -> Link:
        """A term as the page shows it: a named link to its page, or a literal's text."""
        if isinstance(term, NamedNode):
            return Link(self.name(term.value), page_of_iri(term.value, self.base, self.lang),
                        term.value)
        return Link(str(getattr(term, "value", term)))

    def links(self, subject: str, prop: str) -> list[Link]:
        return sorted((self.link(term) for term in self.values(subject, TSR + prop)),
                      key=lambda link: fold(link.text))


def page_of_iri(iri: str, base: str, lang: str) -> str:
    """The portal's page of `iri` in `lang` (an entity, a concept, a class), or `iri`."""
    path = page_of(iri, base)
    if path.startswith("/"):
        path, _, fragment = path.partition("#")
        return f"{path}?lang={lang}" + (f"#{fragment}" if fragment else "")
    return path


def identifier_links(facts: Facts, iri: str, lang: str) -> list[dict[str, str | None]]:
    """Each identifier of `iri`: its label, value and the register's address (None when
    the register has no public page per identifier)."""
    found = []
    for name, address in IDENTIFIER_LINKS.items():
        for term in facts.values(iri, TSR + name):
            value = term.value
            found.append({"label": label(TSR + name, lang), "value": value,
                          "href": address.format(value) if address else None})
    return found
