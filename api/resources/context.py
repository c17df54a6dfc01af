"""The one published JSON-LD `@context` (ontology/context.jsonld), read once, and the
term choices that compacting RDF with it needs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from store.model import context_file
from store.namespaces import PREFIXES

_GEN_DELIMS = tuple(":/?#[]@")


# eq=False: compared and hashed by identity. Each is made once per context, and the framing
# chooses among them in sets and dicts: a hash of all seven fields each time was a sixth of
# the framing's time (0.24 -> 0.20 ms an entity).
@dataclass(frozen=True, eq=False)
class TermDefinition:
    term: str
    iri: str
    coerce: str | None = None  # "@id", "@vocab" or a datatype IRI
    language: str | None = None  # the term's own @language ("" = explicitly none)
    has_language: bool = False
    container: str | None = None
    reverse: bool = False


class JsonLdContext:
    """Term definitions of a context document, looked up by IRI."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        raw = document.get("@context", {})
        if isinstance(raw, list):  # several local contexts: later ones win
            merged: dict[str, Any] = {}
            for part in raw:
                if isinstance(part, dict):
                    merged.update(part)
            raw = merged
        self.raw: dict[str, Any] = raw
        self.default_language: str | None = raw.get("@language")
        self.prefixes: dict[str, str] = {
            name: value for name, value in raw.items()
            if isinstance(value, str) and not name.startswith("@") and ":" not in name
            and value.endswith(_GEN_DELIMS)
        } or dict(PREFIXES)
        self.aliases = {value: name for name, value in raw.items()
                        if value in ("@id", "@type") and not name.startswith("@")}
        self.by_iri: dict[str, list[TermDefinition]] = {}
        for name, value in raw.items():
            if name.startswith("@") or ":" in name:
                continue
            definition = self._definition(name, value)
            if definition is not None:
                self.by_iri.setdefault(definition.iri, []).append(definition)

    def expand(self, value: str) -> str:
        """A compact IRI or term as a full IRI (absolute IRIs unchanged)."""
        if value in self.raw and isinstance(self.raw[value], str):
            return self.expand(self.raw[value]) if self.raw[value] != value else value
        prefix, sep, local = value.partition(":")
        if sep and prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        vocab = self.raw.get("@vocab")
        if not sep and isinstance(vocab, str):
            return self.expand(vocab) + value
        return value

    def compact_iri(self, iri: str) -> str:
        """`prefix:local` when a prefix of the context covers `iri`, else `iri` itself."""
        best = ""
        for prefix, namespace in self.prefixes.items():
            if iri.startswith(namespace) and len(namespace) > len(self.prefixes.get(best, "")):
                best = prefix
        if best and iri != self.prefixes[best]:
            return f"{best}:{iri[len(self.prefixes[best]):]}"
        return iri

    def type_name(self, iri: str) -> str:
        """How a class IRI is written as an `@type` value: a term, a compact IRI or the IRI."""
        for definition in self.by_iri.get(iri, []):
            if not definition.reverse and definition.coerce is None:
                return definition.term
        return self.compact_iri(iri)

    def keyword(self, keyword: str) -> str:
        return self.aliases.get(keyword, keyword)

    def _definition(self, name: str, value: Any) -> TermDefinition | None:
        if isinstance(value, str):
            if value.startswith("@"):
                return None
            return TermDefinition(name, self.expand(value))
        if not isinstance(value, dict):
            return None
        reverse = "@reverse" in value
        target = value.get("@reverse") if reverse else value.get("@id", name)
        if not isinstance(target, str) or target.startswith("@"):
            return None
        coerce = value.get("@type")
        if isinstance(coerce, str) and not coerce.startswith("@"):
            coerce = self.expand(coerce)
        return TermDefinition(
            name, self.expand(target), coerce if isinstance(coerce, str) else None,
            value.get("@language") or ("" if "@language" in value else None),
            "@language" in value, value.get("@container") if isinstance(
                value.get("@container"), str) else None, reverse,
        )


@cache
def published_context() -> JsonLdContext:
    """The shipped context; an empty one with the usual prefixes until the file exists."""
    resource = context_file()
    if not resource.is_file():
        return JsonLdContext({"@context": dict(PREFIXES)})
    return JsonLdContext(json.loads(resource.read_text(encoding="utf-8")))


def context_bytes() -> bytes:
    resource = context_file()
    if resource.is_file():
        return resource.read_bytes()
    return json.dumps({"@context": dict(PREFIXES)}, indent=2).encode()
