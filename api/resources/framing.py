"""RDF statements to compact JSON-LD nodes with the published context, without a generic
JSON-LD processor (too slow per request): every value is written so that expanding it
with that context gives back exactly the triple it came from (a test checks this with pyld).

Roots are the entities a response is about; a linked resource that has triples of its own
(a concept with its label, a project with its title) is embedded where it is referenced,
and resources that point *to* a root (the participations of an actor) are embedded under
`@reverse`.

Framing walks `GroupedStatements`: values of text by subject and predicate. They come from
`Statement` tuples (made from pyoxigraph triples), or straight from the expanded JSON-LD
Oxigraph writes for a CONSTRUCT (see neighbourhood.py): that document is written by the
engine in one call, where reading a result triple by triple crosses into the engine and
back for every triple and builds its Python objects. Resources framed already (the label
nodes of neighbourhood.py) are embedded as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from functools import cache
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from store.base import UnwritableAnswer
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


# as the engine's own JSON-LD writer refuses them (api/sparql/writers.py: the same 406)
_NO_TRIPLE_TERMS = ("application/ld+json", "JSON-LD does not support RDF 1.2 triple terms")


def statement_of(triple: Triple) -> Statement:
    obj = triple.object
    if isinstance(obj, Literal):
        language = obj.language
        if language:  # its datatype is rdf:langString: not read from the engine again
            kind: Kind = ("literal", language, _LANG_STRING)
        else:
            kind = ("literal", "", obj.datatype.value)
        return _id(triple.subject), triple.predicate.value, obj.value, kind, None
    if isinstance(obj, Triple):
        raise UnwritableAnswer.because(*_NO_TRIPLE_TERMS)
    target = _id(obj)
    return (_id(triple.subject), triple.predicate.value, target,
            "iri" if isinstance(obj, NamedNode) else "node", target)


def statements_of_triples(triples: Iterable[Triple]) -> list[Statement]:
    return [statement_of(triple) for triple in triples]


def choose_language(triples: Iterable[Triple], lang: str) -> list[Triple]:
    """Keep, for each subject and predicate, the literals in `lang`, else French, else
    English, else all of them; literals without a language are always kept."""
    kept: list[Triple] = []
    tagged: dict[tuple[Any, Any], list[tuple[str, Triple]]] = defaultdict(list)
    for triple in triples:
        obj = triple.object
        language = obj.language if isinstance(obj, Literal) else None
        if language:
            tagged[triple.subject, triple.predicate].append((language.lower(), triple))
        else:
            kept.append(triple)
    for group in tagged.values():
        wanted = _wanted_language([language for language, _ in group], lang)
        kept.extend(triple for language, triple in group if _speaks(language, wanted))
    return kept


def _wanted_language(languages: Collection[str], lang: str) -> str | None:
    """The language kept among literals tagged `languages` (lower case): `lang`, else
    French, else English; None: none of them, keep all."""
    if lang in languages:
        return lang
    for wanted in (lang, "fr", "en"):
        if any(_speaks(language, wanted) for language in languages):
            return wanted
    return None


def _speaks(language: str, wanted: str | None) -> bool:
    return wanted is None or language == wanted or language.startswith(wanted + "-")


Value = tuple[str, Kind, str | None]  # a statement without its subject and predicate


class GroupedStatements:
    """Statements grouped the way framing walks them: by subject, then predicate (each value
    once, in arrival order), and who points to each resource.

    Filled from statements (`add`) or straight from the expanded JSON-LD Oxigraph writes
    for a CONSTRUCT (`add_jsonld`), whose nodes are already grouped that way: turning them
    into statements and grouping those again was a third of an entity's Python time.
    """

    def __init__(self, statements: Iterable[Statement] = ()) -> None:
        # subject id -> predicate IRI -> values
        self.forward: dict[str, dict[str, list[Value]]] = {}
        self.backward: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._tagged: set[tuple[str, str]] = set()  # (subject, predicate) with a tagged literal
        # resources described elsewhere, framed already (the labels of a concept), embedded
        # where they are referenced
        self.embedded: dict[str, dict[str, Any]] = {}
        self._added: set[Statement] = set()  # what `add` was given, each framed once
        self._from_documents: set[str] = set()  # subjects `add_jsonld` filled
        self.add(statements)

    def add(self, statements: Iterable[Statement]) -> None:
        forward, added = self.forward, self._added
        for statement in statements:
            if statement in added:  # said twice (in two graphs): framed once
                continue
            added.add(statement)
            subject, predicate, text, kind, target = statement
            by_predicate = forward.get(subject)
            if by_predicate is None:
                by_predicate = forward[subject] = {}
            objects = by_predicate.get(predicate)
            value = (text, kind, target)
            if objects is None:
                by_predicate[predicate] = [value]
            elif subject in self._from_documents and value in objects:
                continue  # a document gave it already (`_added` knows the others)
            else:
                objects.append(value)
            self._note(subject, predicate, value)

    def add_jsonld(self, nodes: list[dict[str, Any]]) -> set[str]:
        """Add the statements of Oxigraph's expanded JSON-LD (node objects whose values are
        `{"@id"}` or `{"@value"}` with `@language` or `@type`); returns the IRIs they name.
        Raises UnusualJsonLd for anything else (the caller then reads the triples)."""
        named: set[str] = set()
        forward, backward, tagged = self.forward, self.backward, self._tagged
        for node in nodes:
            subject = node["@id"]
            merged = subject in forward  # the writer starts a new node when a subject comes back
            self._from_documents.add(subject)
            by_predicate = forward[subject] if merged else {}
            forward[subject] = by_predicate
            for predicate, values in node.items():
                if predicate == "@id":
                    continue
                if predicate[0] == "@" or not isinstance(values, list):
                    raise UnusualJsonLd(f"unexpected key {predicate!r}")
                objects = by_predicate.get(predicate)
                if objects is None:
                    objects = by_predicate[predicate] = []
                known = set(objects) if merged and objects else None
                # the loop is inlined (about 100 values an entity, one call each was a
                # tenth of the framing)
                for value in values:
                    target = value.get("@id")
                    if target is not None and len(value) == 1:
                        found: Value = (target, "node" if target.startswith("_:") else "iri",
                                        target)
                    else:
                        found = _literal_of_jsonld(value)
                    if known is not None:
                        if found in known:
                            continue
                        known.add(found)
                    objects.append(found)
                    if target is not None:
                        backward[target].append((subject, predicate))
                        if found[1] == "iri":
                            named.add(target)
                    elif found[1][1]:  # a literal's language
                        tagged.add((subject, predicate))
        return named

    def _note(self, subject: str, predicate: str, value: Value) -> None:
        target = value[2]
        if target is not None:
            self.backward[target].append((subject, predicate))
        elif value[1][1]:  # a literal's language
            self._tagged.add((subject, predicate))

    def keep_language(self, lang: str) -> None:
        """`choose_language` in place."""
        for subject, predicate in self._tagged:
            by_predicate = self.forward[subject]
            objects = by_predicate[predicate]
            languages = {kind[1].lower() for _, kind, target in objects
                         if target is None and kind[1]}
            wanted = _wanted_language(languages, lang)
            if wanted is None or languages == {wanted}:
                continue  # nothing to drop
            by_predicate[predicate] = [
                value for value in objects
                if value[2] is not None or not (language := value[1][1])
                or _speaks(language.lower(), wanted)]
        self._tagged.clear()


def _literal_of_jsonld(value: dict[str, Any]) -> Value:
    text = value.get("@value")
    language = value.get("@language")
    datatype = value.get("@type")
    if not isinstance(text, str) or len(value) != 1 + (language is not None) + (
            datatype is not None):
        raise UnusualJsonLd(f"unexpected value {value!r}")
    if language is not None:
        return text, ("literal", language, _LANG_STRING), None
    return text, ("literal", "", datatype or _XSD_STRING), None


# How a value is written, decided once per (predicate, kind of value, several values or
# one); see _Choices.placement. _PLAIN: the bare lexical form or IRI; _REFERENCE: {"@id"}.
(_PLAIN, _LANGUAGE_MAP, _WITH_LANGUAGE, _VALUE_ONLY, _BOOLEAN, _INTEGER, _TYPED,
 _REFERENCE) = range(8)


class Framer:
    """Frames the statements of one response. Everything that depends only on the context
    and on the kind of a value (which term a predicate takes, how a value is written) is
    decided once per context in a `_Choices`, not once per statement.

    Framing runs for every entity GET (about 120 statements, 30 nodes each): resources are
    keyed by their id text (a str keeps its hash)."""

    def __init__(self, context: JsonLdContext, grouped: GroupedStatements) -> None:
        self.choices = _choices(context)
        self.forward = grouped.forward
        self.backward = grouped.backward
        self.embedded = grouped.embedded

    def frame(self, roots: Sequence[Subject]) -> list[dict[str, Any]]:
        """One node per root that has triples, in the roots' order."""
        root_ids = [_id(root) for root in roots]
        root_set = set(root_ids)
        return [self._node(root, root_set, frozenset(), with_reverse=True)
                for root in root_ids if root in self.forward or root in self.backward]

    def _node(self, subject: str, roots: set[str], ancestors: frozenset[str],
              *, with_reverse: bool) -> dict[str, Any]:
        choices = self.choices
        placements = choices.placements
        forward, embedded = self.forward, self.embedded
        inside = ancestors | {subject}
        by_predicate = forward.get(subject, {})
        node: dict[str, Any] = {choices.id_key: subject}
        types: list[str] | None = None
        if RDF_TYPE in by_predicate:
            types = []
            node[choices.type_key] = None  # its place, right after the id
        # keys with several values or a container, assembled at the end
        gathered: dict[str, tuple[str | None, list[Any]]] = {}
        for predicate, objects in by_predicate.items():
            many = len(objects) > 1
            for text, kind, target in objects:
                if kind == "iri" and predicate == RDF_TYPE:
                    types.append(choices.type_name(text))  # type: ignore[union-attr]
                    continue
                placed = placements.get((predicate, kind, many))
                if placed is None:
                    placed = choices.placement(predicate, kind, many)
                key, container, plan, datatype_name = placed
                if target is None:
                    value = text if plan == _PLAIN else _literal(text, kind, plan, datatype_name)
                elif target in forward and target not in roots and target not in inside:
                    value = self._node(target, roots, inside, with_reverse=False)
                elif target in embedded:
                    value = embedded[target]
                elif plan == _PLAIN:
                    value = target
                else:
                    value = {"@id": target}
                if not many and container is None and key not in node:
                    node[key] = value  # the common case: one value, no container
                    continue
                entry = gathered.get(key)
                if entry is None:
                    entry = gathered[key] = (container, [node[key]] if key in node else [])
                    node[key] = None  # its place, in order of first sight
                entry[1].append(value)
        if types is not None:
            if types:
                node[choices.type_key] = types[0] if len(types) == 1 else sorted(types)
            else:
                del node[choices.type_key]
        for key, (container, found) in gathered.items():
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


def _literal(text: str, kind: Kind, plan: int, datatype_name: str) -> Any:
    """A literal written the way `plan` says (not _PLAIN: the caller writes that inline)."""
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
        # what `placement` answered (read by Framer directly: a call per value costs)
        self.placements: dict[tuple[str, Kind, bool], tuple[str, str | None, int, str]] = {}
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
                  ) -> tuple[str, str | None, int, str]:
        """A value's key and container (from the definition it takes, see `definition`),
        and how it is written: its plan, and its datatype's compact name for _TYPED."""
        cache_key = (predicate, kind, many)
        found = self.placements.get(cache_key)
        if found is None:
            definition = self.definition(predicate, kind, many=many)
            key = definition.term if definition else self.compact_iri(predicate)
            if isinstance(kind, tuple):
                plan, datatype_name = self._plan(definition, kind)
            else:
                plan, datatype_name = _REFERENCE, ""
                if kind == "iri" and definition and definition.coerce in ("@id", "@vocab"):
                    plan = _PLAIN
            found = self.placements[cache_key] = (
                key, definition.container if definition else None, plan, datatype_name)
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
    return Framer(context, GroupedStatements(statements)).frame(roots)
