"""Turning candidate matches into links, and ambiguity into review items.

The rules are the same for every linker:

* a subject keeps only its candidates found by its strongest rule level (an identifier
  beats another identifier, which beats a name);
* if those point to more than one external entity, nothing is linked and the subject goes
  to review (`identifier matches several external entities`);
* if one external entity is claimed by more than one subject, none of them is linked and
  all go to review (`several actors match one external entity`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from store.namespaces import TSR

from .records import Link, same_as
from .review import SEVERAL_EXTERNAL, SEVERAL_LOCAL, ReviewItem
from .subjects import Subject


@dataclass(frozen=True)
class Candidate:
    subject: Subject
    external: str
    rule: str
    matched_property: str | None
    matched_value: str
    level: int = 0
    score: float | None = None

    def identifier(self) -> str:
        name = self.matched_property or "name"
        return f"{name}={self.matched_value}"


def decide(service: str, candidates: Iterable[Candidate]) -> tuple[list[Candidate], list[ReviewItem]]:
    by_subject: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_subject[candidate.subject.iri.value].append(candidate)
    review: list[ReviewItem] = []
    kept: list[Candidate] = []
    for found in by_subject.values():
        strongest = min(c.level for c in found)
        found = [c for c in found if c.level == strongest]
        externals = sorted({c.external for c in found})
        if len(externals) > 1:
            review.append(_item(service, found, externals, SEVERAL_EXTERNAL))
        else:
            kept.extend(found)
    by_external: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in kept:
        by_external[candidate.external].append(candidate)
    accepted: list[Candidate] = []
    for external, found in by_external.items():
        subjects = {c.subject.iri.value for c in found}
        if len(subjects) > 1:
            for subject in sorted(subjects):
                mine = [c for c in found if c.subject.iri.value == subject]
                review.append(_item(service, mine, [external, *sorted(subjects - {subject})],
                                    SEVERAL_LOCAL))
        else:
            accepted.extend(found)
    return accepted, review


def _item(service: str, found: list[Candidate], candidates: list[str], reason: str) -> ReviewItem:
    first = found[0]
    scores = [c.score for c in found if c.score is not None]
    return ReviewItem(
        service=service, subject=first.subject.iri.value, subject_label=first.subject.label,
        identifier=" ".join(sorted({c.identifier() for c in found})),
        candidates=tuple(candidates), rule=" ".join(sorted({c.rule for c in found})),
        reason=reason, score=max(scores) if scores else None,
    )


def links_for(accepted: Iterable[Candidate]) -> list[Link]:
    links: list[Link] = []
    for candidate in accepted:
        prop = NamedNode(TSR + candidate.matched_property) if candidate.matched_property else None
        links += same_as(candidate.subject.iri, NamedNode(candidate.external), candidate.rule,
                         prop, candidate.matched_value, candidate.score)
    return links


def missing_identifier_links(accepted: Iterable[Candidate], name: str,
                             prefix: str) -> list[Link]:
    """`tsr:{name}` for linked subjects that lack it, the value being the external IRI
    without `prefix` (so competency question 13 counts what the linkers found)."""
    links: list[Link] = []
    for candidate in accepted:
        if candidate.subject.ids.get(name):
            continue
        prop = NamedNode(TSR + candidate.matched_property) if candidate.matched_property else None
        links.append(Link(candidate.subject.iri, NamedNode(TSR + name),
                          Literal(candidate.external.removeprefix(prefix)), candidate.rule,
                          prop, candidate.matched_value, candidate.score))
    return links
