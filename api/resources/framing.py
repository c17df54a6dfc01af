"""RDF triples to compact JSON-LD nodes with the published context, without a generic
JSON-LD processor (too slow per request): every value is written so that expanding it
with that context gives back exactly the triple it came from (a test checks this with pyld).

Roots are the entities a response is about; a linked resource that has triples of its own
(a concept with its label, a project with its title) is embedded where it is referenced,
and resources that point *to* a root (the participations of an actor) are embedded under
`@reverse`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
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
        inside = ancestors | {subject}
        types: list[str] = []
        values: dict[str, list[Any]] = {}
        containers: dict[str, str | None] = {}
        counts = Counter(triple.predicate for triple in self.forward.get(subject, []))
        for triple in self.forward.get(subject, []):
            if triple.predicate.value == RDF_TYPE and isinstance(triple.object, NamedNode):
                types.append(context.type_name(triple.object.value))
                continue
            definition = self._best_definition(triple.predicate.value, triple.object,
                                               many=counts[triple.predicate] > 1)
            key = definition.term if definition else context.compact_iri(triple.predicate.value)
            containers[key] = definition.container if definition else None
            values.setdefault(key, []).append(self._value(triple.object, definition, roots,
                                                          inside))
        node: dict[str, Any] = {context.keyword("@id"): _id(subject)}
        if types:
            node[context.keyword("@type")] = types[0] if len(types) == 1 else sorted(types)
        for key, found in values.items():
            node[key] = _assemble(found, containers[key])
        if with_reverse:
            self._add_reverse(node, subject, roots, inside)
        return node

    def _add_reverse(self, node: dict[str, Any], subject: Subject, roots: set[Subject],
                     inside: frozenset[Subject]) -> None:
        """Resources pointing to `subject`: under a reverse term of the context when there
        is one (`participations`, `outputs`), else under `@reverse`."""
        reverse: dict[str, list[Any]] = {}
        for triple in self.backward.get(subject, []):
            if triple.subject in inside or triple.subject in roots:
                continue
            child = self._node(triple.subject, roots, inside, with_reverse=False)
            predicate = triple.predicate.value
            term = next((d.term for d in self.context.by_iri.get(predicate, []) if d.reverse),
                        None)
            if term is not None:
                node.setdefault(term, []).append(child)
            else:
                key = self._key(predicate, None)
                reverse.setdefault(key, []).append(child)
        if reverse:
            node["@reverse"] = {key: values for key, values in sorted(reverse.items())}

    def _value(self, obj: Any, definition: TermDefinition | None, roots: set[Subject],
               inside: frozenset[Subject]) -> Any:
        if isinstance(obj, NamedNode | BlankNode):
            if obj in self.forward and obj not in roots and obj not in inside:
                return self._node(obj, roots, inside, with_reverse=False)
            if definition and definition.coerce in ("@id", "@vocab") and isinstance(
                    obj, NamedNode):
                return obj.value
            return {"@id": _id(obj)}
        assert isinstance(obj, Literal)
        if definition is not None and definition.container == "@language":
            return {obj.language: obj.value}
        return self._literal(obj, definition)

    def _key(self, predicate: str, obj: Any) -> str:
        definition = self._best_definition(predicate, obj, many=False)
        return definition.term if definition else self.context.compact_iri(predicate)

    def _best_definition(self, predicate: str, obj: Any, *,
                         many: bool) -> TermDefinition | None:
        usable = [d for d in self.context.by_iri.get(predicate, [])
                  if not d.reverse and d.container not in ("@list", "@index")
                  and (d.container != "@language" or _is_tagged(obj))]
        if not usable:
            return None

        def rank(definition: TermDefinition) -> tuple[bool, bool, bool, str]:
            fits = obj is not None and (definition.container == "@language"
                                        or self._plain_fits(obj, definition))
            is_set = definition.container == "@set"
            return (not fits, is_set != many, definition.coerce is not None, definition.term)

        return min(usable, key=rank)

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


def _is_tagged(obj: Any) -> bool:
    return isinstance(obj, Literal) and bool(obj.language)


def _assemble(values: list[Any], container: str | None) -> Any:
    """The JSON value of one key: a language map, a list (for @set terms or many values),
    or the single value."""
    if container == "@language":
        merged: dict[str, list[str]] = {}
        for value in values:
            for language, text in value.items():
                merged.setdefault(language, []).append(text)
        return {language: texts[0] if len(texts) == 1 else texts
                for language, texts in merged.items()}
    if container == "@set" or len(values) > 1:
        return values
    return values[0]


def frame(context: JsonLdContext, triples: Sequence[Triple],
          roots: Sequence[Subject]) -> list[dict[str, Any]]:
    return Framer(context, triples).frame(roots)
