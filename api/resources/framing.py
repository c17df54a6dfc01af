"""RDF statements to compact JSON-LD nodes with the published context, without a generic
JSON-LD processor (too slow per request): every value is written so that expanding it
with that context gives back exactly the triple it came from (a test checks this with pyld).

Roots are the entities a response is about; a linked resource that has triples of its own
(a concept with its label, a project with its title) is embedded where it is referenced,
and resources that point *to* a root (the participations of an actor) are embedded under
`@reverse`.

Framing works on plain `Statement` tuples of text. They come from pyoxigraph triples, or
straight from the expanded JSON-LD Oxigraph writes for a CONSTRUCT (see neighbourhood.py):
that document is written by the engine in one call, where reading a result triple by
triple crosses into the engine and back for every triple and builds its Python objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from store.namespaces import RDF, XSD

from .context import JsonLdContext, TermDefinition

RDF_TYPE = RDF + "type"
_LANG_STRING = RDF + "langString"
_XSD_STRING = XSD + "string"
Subject = NamedNode | BlankNode | Triple  # Triple: an RDF 1.2 quoted-triple subject
Kind = tuple[str, str, str] | str  # ("literal", language, datatype), "iri", "node"
# (subject id, predicate IRI, text, kind, target): `text` is a literal's lexical form or a
# resource's id, `target` the id of the resource it names (None for a literal). An id is
# an IRI, or `_:label` for a blank node.
Statement = tuple[str, str, str, Kind, str | None]


class UnusualJsonLd(ValueError):
    """A JSON-LD value this reader does not know (the caller reads the triples instead)."""


def statement_of(triple: Triple) -> Statement:
    obj = triple.object
    if isinstance(obj, Literal):
        language = obj.language
        if language:  # its datatype is rdf:langString: not read from the engine again
            kind: Kind = ("literal", language, _LANG_STRING)
        else:
            kind = ("literal", "", obj.datatype.value)
        return _id(triple.subject), triple.predicate.value, obj.value, kind, None
    target = _id(obj)
    return (_id(triple.subject), triple.predicate.value, target,
            "iri" if isinstance(obj, NamedNode) else "node", target)


def statements_of_triples(triples: Iterable[Triple]) -> list[Statement]:
    return [statement_of(triple) for triple in triples]


def statements_of_jsonld(nodes: list[dict[str, Any]]) -> list[Statement]:
    """The statements of Oxigraph's expanded JSON-LD (a list of node objects whose values
    are `{"@id"}` or `{"@value"}` with `@language` or `@type`)."""
    found: list[Statement] = []
    append = found.append
    for node in nodes:
        subject = node["@id"]
        for predicate, values in node.items():
            if predicate == "@id":
                continue
            if predicate[0] == "@" or not isinstance(values, list):
                raise UnusualJsonLd(f"unexpected key {predicate!r}")
            for value in values:
                target = value.get("@id")
                if target is not None:
                    if len(value) != 1:
                        raise UnusualJsonLd(f"unexpected resource {value!r}")
                    append((subject, predicate, target,
                            "node" if target.startswith("_:") else "iri", target))
                    continue
                text = value.get("@value")
                language = value.get("@language")
                datatype = value.get("@type")
                if not isinstance(text, str) or len(value) != 1 + (language is not None) + (
                        datatype is not None):
                    raise UnusualJsonLd(f"unexpected value {value!r}")
                if language is not None:
                    append((subject, predicate, text, ("literal", language, _LANG_STRING), None))
                else:
                    append((subject, predicate, text,
                            ("literal", "", datatype or _XSD_STRING), None))
    return found


def choose_language(triples: Iterable[Triple], lang: str) -> list[Triple]:
    """Keep, for each subject and predicate, the literals in `lang`, else French, else
    English, else all of them; literals without a language are always kept."""
    return _choose(triples, lang, _triple_language, _triple_group)


def choose_statement_language(statements: Iterable[Statement], lang: str) -> list[Statement]:
    """`choose_language` for statements."""
    return _choose(statements, lang, _statement_language, _statement_group)


def _triple_language(triple: Triple) -> str:
    obj = triple.object
    return obj.language or "" if isinstance(obj, Literal) else ""


def _triple_group(triple: Triple) -> Any:
    return triple.subject, triple.predicate


def _statement_language(statement: Statement) -> str:
    kind = statement[3]
    return kind[1] if isinstance(kind, tuple) else ""


def _statement_group(statement: Statement) -> Any:
    return statement[0], statement[1]


def _choose(items: Iterable[Any], lang: str, language_of: Callable[[Any], str],
            group_of: Callable[[Any], Any]) -> list[Any]:
    kept: list[Any] = []
    tagged: dict[Any, list[tuple[str, Any]]] = defaultdict(list)
    for item in items:
        language = language_of(item)
        if language:
            tagged[group_of(item)].append((language.lower(), item))
        else:
            kept.append(item)
    for group in tagged.values():
        for wanted in (lang, "fr", "en"):
            chosen = [item for language, item in group
                      if language == wanted or language.startswith(wanted + "-")]
            if chosen:
                kept.extend(chosen)
                break
        else:
            kept.extend(item for _, item in group)
    return kept


# How a literal is written, decided once per (term definition, kind of literal); see _plan.
_PLAIN, _LANGUAGE_MAP, _WITH_LANGUAGE, _VALUE_ONLY, _BOOLEAN, _INTEGER, _TYPED = range(7)


class Framer:
    """Frames the statements of one response. Everything that depends only on the context
    and on the kind of a value (which term a predicate takes, how a literal is written) is
    decided once per context in a `_Choices`, not once per statement.

    Framing runs for every entity GET (about 120 statements, 30 nodes each): resources are
    keyed by their id text (a str keeps its hash) and values grouped by predicate as they
    arrive."""

    def __init__(self, context: JsonLdContext, statements: Iterable[Statement]) -> None:
        self.context = context
        self.choices = _choices(context)
        # subject id -> predicate IRI -> (text, kind, target), in arrival order
        self.forward: dict[str, dict[str, list[tuple[str, Kind, str | None]]]] = {}
        self.backward: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for subject, predicate, text, kind, target in dict.fromkeys(statements):
            # (a statement said twice is framed once)
            by_predicate = self.forward.get(subject)
            if by_predicate is None:
                by_predicate = self.forward[subject] = {}
            objects = by_predicate.get(predicate)
            if objects is None:
                by_predicate[predicate] = [(text, kind, target)]
            else:
                objects.append((text, kind, target))
            if target is not None:
                self.backward[target].append((subject, predicate))

    def frame(self, roots: Sequence[Subject]) -> list[dict[str, Any]]:
        """One node per root that has triples, in the roots' order."""
        root_ids = [_id(root) for root in roots]
        root_set = set(root_ids)
        return [self._node(root, root_set, frozenset(), with_reverse=True)
                for root in root_ids if root in self.forward or root in self.backward]

    def _node(self, subject: str, roots: set[str], ancestors: frozenset[str],
              *, with_reverse: bool) -> dict[str, Any]:
        choices = self.choices
        inside = ancestors | {subject}
        types: list[str] = []
        values: dict[str, list[Any]] = {}
        containers: dict[str, str | None] = {}
        for predicate, objects in self.forward.get(subject, {}).items():
            many = len(objects) > 1
            for text, kind, target in objects:
                if predicate == RDF_TYPE and kind == "iri":
                    types.append(choices.type_name(text))
                    continue
                definition, key, containers[key] = choices.placement(predicate, kind, many)
                found = values.get(key)
                if found is None:
                    found = values[key] = []
                if target is None:
                    found.append(self._literal(text, kind, definition))
                elif target in self.forward and target not in roots and target not in inside:
                    found.append(self._node(target, roots, inside, with_reverse=False))
                elif kind == "iri" and definition and definition.coerce in ("@id", "@vocab"):
                    found.append(target)
                else:
                    found.append({"@id": target})
        node: dict[str, Any] = {choices.id_key: subject}
        if types:
            node[choices.type_key] = types[0] if len(types) == 1 else sorted(types)
        for key, found in values.items():
            container = containers[key]
            # the common case inline: one value, no container (most keys of most nodes)
            node[key] = found[0] if container is None and len(found) == 1 else _assemble(
                found, container)
        if with_reverse:
            self._add_reverse(node, subject, roots, inside)
        return node

    def _add_reverse(self, node: dict[str, Any], subject: str, roots: set[str],
                     inside: frozenset[str]) -> None:
        """Resources pointing to `subject`: under a reverse term of the context when there
        is one (`participations`, `outputs`), else under `@reverse`."""
        reverse: dict[str, list[Any]] = {}
        for source, predicate in self.backward.get(subject, []):
            if source in inside or source in roots:
                continue
            child = self._node(source, roots, inside, with_reverse=False)
            term = self.choices.reverse_term(predicate)
            if term is not None:
                node.setdefault(term, []).append(child)
            else:
                key = self.choices.key(predicate)
                reverse.setdefault(key, []).append(child)
        if reverse:
            node["@reverse"] = {key: values for key, values in sorted(reverse.items())}

    def _literal(self, text: str, kind: Kind, definition: TermDefinition | None) -> Any:
        assert isinstance(kind, tuple)
        plan, datatype_name = self.choices.literal_plan(definition, kind)
        if plan == _PLAIN:
            return text
        if plan == _LANGUAGE_MAP:
            return {kind[1]: text}
        if plan == _WITH_LANGUAGE:
            return {"@value": text, "@language": kind[1]}
        if plan == _VALUE_ONLY:
            return {"@value": text}
        if plan == _BOOLEAN and text in ("true", "false"):
            return text == "true"
        if plan == _INTEGER and _canonical_integer(text):
            return int(text)
        return {"@value": text, "@type": datatype_name}


class _Choices:
    """The context's answers, memoised: they depend on a predicate and a value's kind only."""

    def __init__(self, context: JsonLdContext) -> None:
        self.context = context
        self.id_key = context.keyword("@id")
        self.type_key = context.keyword("@type")
        self._definitions: dict[tuple[str, Kind | None, bool], TermDefinition | None] = {}
        self._placements: dict[tuple[str, Kind, bool],
                               tuple[TermDefinition | None, str, str | None]] = {}
        self._plans: dict[tuple[TermDefinition | None, Kind], tuple[int, str]] = {}
        self._compact: dict[str, str] = {}
        self._types: dict[str, str] = {}
        self._reverse: dict[str, str | None] = {}

    def compact_iri(self, iri: str) -> str:
        found = self._compact.get(iri)
        if found is None:
            found = self._compact[iri] = self.context.compact_iri(iri)
        return found

    def type_name(self, iri: str) -> str:
        found = self._types.get(iri)
        if found is None:
            found = self._types[iri] = self.context.type_name(iri)
        return found

    def reverse_term(self, predicate: str) -> str | None:
        if predicate not in self._reverse:
            self._reverse[predicate] = next(
                (d.term for d in self.context.by_iri.get(predicate, []) if d.reverse), None)
        return self._reverse[predicate]

    def key(self, predicate: str) -> str:
        """The key of a predicate whatever its value (the `@reverse` keys)."""
        definition = self.definition(predicate, None, many=False)
        return definition.term if definition else self.compact_iri(predicate)

    def placement(self, predicate: str, kind: Kind, many: bool
                  ) -> tuple[TermDefinition | None, str, str | None]:
        """The definition a value takes (see `definition`), with its key and container."""
        cache_key = (predicate, kind, many)
        found = self._placements.get(cache_key)
        if found is None:
            definition = self.definition(predicate, kind, many=many)
            key = definition.term if definition else self.compact_iri(predicate)
            found = self._placements[cache_key] = (
                definition, key, definition.container if definition else None)
        return found

    def definition(self, predicate: str, kind: Kind | None, *, many: bool
                   ) -> TermDefinition | None:
        """The term a value of this kind is written with: one whose coercion and language
        fit the value, a @set term for several values; None: the compact IRI."""
        cache_key = (predicate, kind, many)
        if cache_key in self._definitions:
            return self._definitions[cache_key]
        tagged = isinstance(kind, tuple) and bool(kind[1])
        usable = [d for d in self.context.by_iri.get(predicate, [])
                  if not d.reverse and d.container not in ("@list", "@index")
                  and (d.container != "@language" or tagged)]

        def rank(definition: TermDefinition) -> tuple[bool, bool, bool, str]:
            fits = kind is not None and (definition.container == "@language"
                                         or self._plain_fits(kind, definition))
            is_set = definition.container == "@set"
            return (not fits, is_set != many, definition.coerce is not None, definition.term)

        chosen = min(usable, key=rank) if usable else None
        self._definitions[cache_key] = chosen
        return chosen

    def literal_plan(self, definition: TermDefinition | None, kind: tuple[str, str, str]
                     ) -> tuple[int, str]:
        """How a literal of this kind is written under `definition` (and its datatype's
        compact name for the typed form)."""
        found = self._plans.get((definition, kind))
        if found is None:
            found = self._plans[(definition, kind)] = self._plan(definition, kind)
        return found

    def _plan(self, definition: TermDefinition | None, kind: tuple[str, str, str]
              ) -> tuple[int, str]:
        _, language, datatype = kind
        typed = self.compact_iri(datatype)
        if definition is not None and definition.container == "@language":
            return _LANGUAGE_MAP, typed
        if definition is not None and self._plain_fits(kind, definition):
            return _PLAIN, typed
        if language:
            return _WITH_LANGUAGE, typed
        uncoerced = definition is None or definition.coerce is None
        if datatype == _XSD_STRING:
            if uncoerced and self._effective_language(definition) is None:
                return _PLAIN, typed
            return _VALUE_ONLY, typed
        if uncoerced and datatype == XSD + "boolean":
            return _BOOLEAN, typed
        if uncoerced and datatype == XSD + "integer":
            return _INTEGER, typed
        return _TYPED, typed

    def _effective_language(self, definition: TermDefinition | None) -> str | None:
        if definition and definition.has_language:
            return definition.language or None
        return self.context.default_language

    def _plain_fits(self, kind: Kind, definition: TermDefinition) -> bool:
        """A value of this kind written as a bare string under `definition` expands back
        to itself."""
        if kind == "iri":
            return definition.coerce in ("@id", "@vocab")
        if not isinstance(kind, tuple):
            return False
        _, language, datatype = kind
        if language:
            return definition.coerce is None and \
                self._effective_language(definition) == language
        if datatype == _XSD_STRING:
            return definition.coerce is None and self._effective_language(definition) is None
        return definition.coerce == datatype


@cache
def _choices(context: JsonLdContext) -> _Choices:
    return _Choices(context)


def _canonical_integer(text: str) -> bool:
    try:
        return str(int(text)) == text
    except ValueError:
        return False


def _id(term: Subject) -> str:
    if isinstance(term, NamedNode):
        return term.value
    return f"_:{term.value}" if isinstance(term, BlankNode) else str(term)


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


def frame(context: JsonLdContext, statements: Iterable[Statement],
          roots: Sequence[Subject]) -> list[dict[str, Any]]:
    return Framer(context, statements).frame(roots)
