"""The model files shipped in the package (ontology, vocabularies, shapes, queries, context)
and the `graph/model` graph that holds the ontology and vocabularies in the store."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable

from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from .base import Store
from .entailment import TypeRules, materialise
from .namespaces import DataIris


def _turtle_files(package: str, subfolder: str | None = None) -> list[Traversable]:
    root = files(package)
    if subfolder:
        root = root / subfolder
    if not root.is_dir():
        return []
    return sorted((f for f in root.iterdir() if f.name.endswith(".ttl")), key=lambda f: f.name)


def ontology_files() -> list[Traversable]:
    return _turtle_files("ontology")


def vocabulary_files() -> list[Traversable]:
    return _turtle_files("ontology", "vocabularies")


def shape_files() -> list[Traversable]:
    return _turtle_files("shapes")


def query_files() -> list[Traversable]:
    root = files("queries")
    return sorted((f for f in root.iterdir() if f.name.endswith(".rq")), key=lambda f: f.name)


def context_file() -> Traversable:
    return files("ontology") / "context.jsonld"


def model_triples() -> Iterator[Triple]:
    """Ontology and vocabularies, as triples."""
    for resource in [*ontology_files(), *vocabulary_files()]:
        with as_file(resource) as path, path.open("rb") as handle:
            for quad in parse(handle, RdfFormat.TURTLE):
                yield Triple(quad.subject, quad.predicate, quad.object)


@functools.cache
def shipped_type_rules() -> TypeRules:
    """The class rules of the shipped model (what `install_model` installs)."""
    return TypeRules.of(model_triples())


def install_model(store: Store, iris: DataIris, closed: Iterable[NamedNode] = ()) -> int:
    """Replace `graph/model` with the shipped ontology and vocabularies; returns its size.

    When the class hierarchy (or a concept's implied class) differs from the installed
    one, every graph's materialised types are rewritten first: a crash in between leaves
    the old model installed, so the next install does it again. `closed` names graphs
    whose types are already closed under the shipped rules (what an ingest is writing, or
    is about to replace): rewriting them would only repeat that work, and on a first load
    it was most of the load's time (6.5 of 19.8 s at 20,000 rows).
    """
    triples = list(model_triples())
    rules = TypeRules.of(triples)
    previous = TypeRules.installed(store, iris.model_graph)
    if rules != previous:
        skip = {iris.model_graph, *closed}
        graphs = [g for g in store.graph_names() if g not in skip]  # staging graphs left out
        if graphs:
            materialise(store, rules, iris.model_graph, graphs, previous=previous)
    store.replace_graph(iris.model_graph, triples)
    return len(triples)
