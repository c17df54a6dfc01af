"""RDF triples to compact JSON-LD nodes with the published context, without a generic
JSON-LD processor (too slow per request): every value is written so that expanding it
with that context gives back exactly the triple it came from (a test checks this with pyld).

Roots are the entities a response is about; a linked resource that has triples of its own
(a concept with its label, a project with its title) is embedded where it is referenced,
and resources that point *to* a root (the participations of an actor) are embedded under
`@reverse`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from store.namespaces import RDF, XSD

from .context import JsonLdContext, TermDefinition

RDF_TYPE = RDF + "type"
_LANG_STRING = RDF + "langString"
_XSD_STRING = XSD + "string"
Subject = NamedNode | BlankNode | Triple  # Triple: an RDF 1.2 quoted-triple subject


def choose_language(triples: Iterable[Triple], lang: str) -> list[Triple]:
    """Keep, for each subject and predicate, the literals in `lang`, else French, else
    English, else all of them; literals without a language are always kept."""
    kept: list[Triple] = []
    tagged: dict[tuple[Subject, NamedNode], list[Triple]] = defaultdict(list)
    for triple in triples:
        obj = triple.object
        if isinstance(obj, Literal) and obj.language:
            tagged[(triple.subject, triple.predicate)].append(triple)
        else:
            kept.append(triple)
    for group in tagged.values():
        for wanted in (lang, "fr", "en"):
            chosen = [t for t in group if _lang_matches(t.object, wanted)]
            if chosen:
                kept.extend(chosen)
                break
        else:
            kept.extend(group)
    return kept


def _lang_matches(literal: Any, wanted: str) -> bool:
    language = literal.language.lower()
    return language == wanted or language.startswith(wanted + "-")


class Framer:
    def __init__(self, context: JsonLdContext, triples: Sequence[Triple]) -> None:
        self.context = context
        self.forward: dict[Subject, list[Triple]] = defaultdict(list)
        self.backward: dict[Subject, list[Triple]] = defaultdict(list)
        seen: set[Triple] = set()
        for triple in triples:
            if triple in seen:
                continue
            seen.add(triple)
            self.forward[triple.subject].append(triple)
            if isinstance(triple.object, NamedNode | BlankNode):
                self.backward[triple.object].append(triple)

    def frame(self, roots: Sequence[Subject]) -> list[dict[str, Any]]:
        """One node per root that has triples, in the roots' order."""
        root_set = set(roots)
        return [self._node(root, root_set, frozenset(), with_reverse=True)
                for root in roots if root in self.forward or root in self.backward]

    def _node(self, subject: Subject, roots: set[Subject], ancestors: frozenset[Subject],
              *, with_reverse: bool) -> dict[str, Any]:
        context = self.context
        node: dict[str, Any] = {context.keyword("@id"): _id(subject)}
        inside = ancestors | {subject}
        types: list[str] = []
        for triple in self.forward.get(subject, []):
            if triple.predicate.value == RDF_TYPE and isinstance(triple.object, NamedNode):
                types.append(context.type_name(triple.object.value))
                continue
            key, value = self._property(triple, roots, inside)
            node.setdefault(key, []).append(value)
        if types:
            node[context.keyword("@type")] = types[0] if len(types) == 1 else sorted(types)
        if with_reverse:
            reverse: dict[str, list[Any]] = {}
            for triple in self.backward.get(subject, []):
                if triple.subject in inside or triple.subject in roots:
                    continue
                child = self._node(triple.subject, roots, inside, with_reverse=False)
                reverse.setdefault(self._key(triple.predicate.value, None), []).append(child)
            if reverse:
                node["@reverse"] = {key: values for key, values in sorted(reverse.items())}
        return {key: _single(value) for key, value in node.items()}

    def _property(self, triple: Triple, roots: set[Subject],
                  inside: frozenset[Subject]) -> tuple[str, Any]:
        obj = triple.object
        definition = self._best_definition(triple.predicate.value, obj)
        key = definition.term if definition else self.context.compact_iri(triple.predicate.value)
        if isinstance(obj, NamedNode | BlankNode):
            if obj in self.forward and obj not in roots and obj not in inside:
                return key, self._node(obj, roots, inside, with_reverse=False)
            if definition and definition.coerce in ("@id", "@vocab") and isinstance(
                    obj, NamedNode):
                return key, obj.value
            return key, {"@id": _id(obj)}
        assert isinstance(obj, Literal)
        return key, self._literal(obj, definition)

    def _key(self, predicate: str, obj: Any) -> str:
        definition = self._best_definition(predicate, obj)
        return definition.term if definition else self.context.compact_iri(predicate)

    def _best_definition(self, predicate: str, obj: Any) -> TermDefinition | None:
        usable = [d for d in self.context.by_iri.get(predicate, [])
                  if not d.reverse and d.container not in ("@list", "@language", "@index")]
        if not usable:
            return None
        for definition in usable:
            if obj is not None and self._plain_fits(obj, definition):
                return definition
        return min(usable, key=lambda d: (d.coerce is not None, d.term))

    def _effective_language(self, definition: TermDefinition | None) -> str | None:
        if definition and definition.has_language:
            return definition.language or None
        return self.context.default_language

    def _plain_fits(self, obj: Any, definition: TermDefinition) -> bool:
        if isinstance(obj, NamedNode):
            return definition.coerce in ("@id", "@vocab")
        if not isinstance(obj, Literal):
            return False
        if obj.language:
            return definition.coerce is None and self._effective_language(definition) == \
                obj.language
        datatype = obj.datatype.value
        if datatype == _XSD_STRING:
            return definition.coerce is None and self._effective_language(definition) is None
        return definition.coerce == datatype

    def _literal(self, obj: Literal, definition: TermDefinition | None) -> Any:
        if definition is not None and self._plain_fits(obj, definition):
            return obj.value
        if obj.language:
            return {"@value": obj.value, "@language": obj.language}
        datatype = obj.datatype.value
        uncoerced = definition is None or definition.coerce is None
        if datatype == _XSD_STRING:
            if uncoerced and self._effective_language(definition) is None:
                return obj.value
            return {"@value": obj.value}
        if uncoerced and datatype == XSD + "boolean" and obj.value in ("true", "false"):
            return obj.value == "true"
        if uncoerced and datatype == XSD + "integer" and _canonical_integer(obj.value):
            return int(obj.value)
        return {"@value": obj.value, "@type": self.context.compact_iri(datatype)}


def _canonical_integer(text: str) -> bool:
    try:
        return str(int(text)) == text
    except ValueError:
        return False


def _id(term: Subject) -> str:
    if isinstance(term, NamedNode):
        return term.value
    return f"_:{term.value}" if isinstance(term, BlankNode) else str(term)


def _single(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def frame(context: JsonLdContext, triples: Sequence[Triple],
          roots: Sequence[Subject]) -> list[dict[str, Any]]:
    return Framer(context, triples).frame(roots)
