"""What the linkers link: actors and outputs with their identifiers, read from the store.

A linker reads every graph except its own links graph, so that a re-run does not mistake
what its previous run wrote (a `tsr:ror` it added) for source data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from store import Store
from store.namespaces import STAGING_PREFIX, TSR

ACTOR_IDENTIFIERS = ("siren", "siret", "rna", "rnsr", "ror", "idref", "wikidata",
                     "halStructure", "orcid", "isni")
OUTPUT_IDENTIFIERS = ("doi", "halId", "wikidata")


@dataclass
class Subject:
    """An actor or an output: its IRI, a label for people, identifiers by property name."""

    iri: NamedNode
    label: str = ""
    ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def first(self, name: str) -> str | None:
        values = sorted(self.ids.get(name, ()))
        return values[0] if values else None


def graphs_except(store: Store, excluded: NamedNode) -> list[NamedNode]:
    return [info.name for info in store.graphs()
            if info.name != excluded and not info.name.value.startswith(STAGING_PREFIX)]


def read_subjects(store: Store, identifiers: tuple[str, ...], label: str,
                  graphs: list[NamedNode]) -> dict[str, Subject]:
    """Subjects holding at least one of `identifiers`, keyed by IRI text."""
    if not graphs:
        return {}
    values = " ".join(f"<{TSR}{name}>" for name in identifiers)
    rows = store.query(
        f"""SELECT ?s ?p ?v ?label WHERE {{
              VALUES ?p {{ {values} }}
              ?s ?p ?v .
              OPTIONAL {{ ?s <{TSR}{label}> ?label }}
            }}""",
        default_graph=graphs,
    )
    found: dict[str, Subject] = {}
    for row in rows:
        subject = row["s"]
        if not isinstance(subject, NamedNode):
            continue
        entry = found.setdefault(subject.value, Subject(subject))
        entry.ids[row["p"].value[len(TSR):]].add(row["v"].value.strip())
        if row["label"] is not None and not entry.label:
            entry.label = row["label"].value
    return found


def read_actors(store: Store, graphs: list[NamedNode]) -> dict[str, Subject]:
    return read_subjects(store, ACTOR_IDENTIFIERS, "name", graphs)


def read_outputs(store: Store, graphs: list[NamedNode]) -> dict[str, Subject]:
    return read_subjects(store, OUTPUT_IDENTIFIERS, "title", graphs)


def read_names(store: Store, graphs: list[NamedNode]) -> dict[str, list[str]]:
    """Every actor name (all languages), keyed by actor IRI; actors without ids included."""
    if not graphs:
        return {}
    # programmes and networks have names too; they are not organisations to link
    rows = store.query(
        f"""SELECT ?s ?name WHERE {{ ?s <{TSR}name> ?name
              FILTER NOT EXISTS {{ ?s a ?other VALUES ?other {{ <{TSR}Programme> <{TSR}Network> }} }}
            }}""",
        default_graph=graphs,
    )
    names: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if isinstance(row["s"], NamedNode):
            names[row["s"].value].append(row["name"].value)
    return names
