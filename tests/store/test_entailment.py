"""Materialised classes: every entity carries its classes up the model's hierarchy after a
load, after its source is replaced, and after the installed model changes; a data
scientist's `?a a tsr:TSRActor` counts the third sector without any class path."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Triple

from ingest.pipeline import IngestOptions, ingest_files
from store import Settings, Store
from store.entailment import TypeRules, entailed_triples, materialise
from store.model import install_model, model_triples
from store.namespaces import RDF, RDFS, TSR, DataIris

REPO = Path(__file__).resolve().parents[2]
SETTINGS = Settings(store="memory")
IRIS = DataIris(SETTINGS.base_iri)
ACTOR = "https://data.tsr-observatory.org/id/actor/rna-w999999991"


def count(store: Store, cls: str) -> int:
    [row] = store.query(f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{TSR}{cls}> }}")
    return int(row["n"].value)


def types(store: Store, iri: str = ACTOR) -> set[str]:
    rows = store.query(f"SELECT ?t WHERE {{ GRAPH ?g {{ <{iri}> a ?t }} }}")
    return {row["t"].value.removeprefix(TSR) for row in rows}


def actors_file(tmp_path: Path, actor_type: str) -> Path:
    path = tmp_path / "Acteurs.csv"
    path.write_text(f"Nom;Type d'acteur;RNA\nAtelier fictif;{actor_type};W999999991\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def store(any_store: Store) -> Store:
    """An empty store on each backend (tests/conftest.py): embedded, `oxigraph serve`,
    Virtuoso."""
    return any_store


def test_the_example_counts_its_sectors_with_plain_class_patterns(store: Store) -> None:
    ingest_files(store, [REPO / "examples" / "tsr-example.xlsx"], SETTINGS,
                 IngestOptions(source="tsr-example"))
    # 40 TSR actors (organisations, independent researchers, intermediary structures) and
    # 15 ESR ones, as tests/ontology's count of the example's most specific classes says
    assert (count(store, "TSRActor"), count(store, "ESRActor")) == (40, 15)


def test_installing_the_model_leaves_the_graphs_being_loaded_to_their_loader(
        store: Store) -> None:
    # the ingest writes each entity's classes closed under the shipped rules: the model's
    # first install rewrites the store's other graphs, never the one being loaded (on a
    # first load, that rewrite was a third of the load's time)
    for name in ("loading", "older"):
        store.add([Triple(NamedNode(ACTOR + name), NamedNode(RDF + "type"),
                          NamedNode(TSR + "TSROrganisation"))], IRIS.source_graph(name))
    install_model(store, IRIS, closed=[IRIS.source_graph("loading")])
    assert types(store, ACTOR + "older") == {
        "TSROrganisation", "TSRActor", "Organisation", "Actor"}
    assert types(store, ACTOR + "loading") == {"TSROrganisation"}


def test_classes_follow_a_load_and_a_replacement(store: Store, tmp_path: Path) -> None:
    ingest_files(store, [actors_file(tmp_path, "Association")], SETTINGS)
    assert types(store) == {"Actor", "TSROrganisation", "TSRActor", "Organisation"}
    # the corrected file replaces the source: no class of the old actor type is left
    ingest_files(store, [actors_file(tmp_path, "Université")], SETTINGS)
    assert types(store) == {"Actor", "ESROrganisation", "ESRActor", "Organisation"}
    assert (count(store, "TSRActor"), count(store, "ESRActor")) == (0, 1)


def test_classes_follow_a_change_of_the_installed_model(store: Store, tmp_path: Path) -> None:
    shipped = list(model_triples())
    # an older model: TSR organisations were not yet organisations, but "member structures"
    older = [t for t in shipped if not (
        t.subject == NamedNode(TSR + "TSROrganisation") and t.object == NamedNode(TSR + "Organisation"))]
    older.append(Triple(NamedNode(TSR + "TSROrganisation"), NamedNode(RDFS + "subClassOf"),
                        NamedNode(TSR + "MemberStructure")))
    store.replace_graph(IRIS.model_graph, older)
    materialise(store, TypeRules.of(older), IRIS.model_graph)
    store.add([Triple(NamedNode(ACTOR), NamedNode(RDF + "type"), NamedNode(TSR + "Actor")),
               Triple(NamedNode(ACTOR), NamedNode(TSR + "actorType"),
                      NamedNode("https://w3id.org/tsr-observatory/vocab/actor-type/association"))],
              IRIS.source_graph("raw"))
    materialise(store, TypeRules.of(older), IRIS.model_graph, [IRIS.source_graph("raw")])
    assert types(store) == {"Actor", "TSROrganisation", "TSRActor", "MemberStructure"}
    install_model(store, IRIS)  # the shipped model replaces the older one
    assert types(store) == {"Actor", "TSROrganisation", "TSRActor", "Organisation"}
    assert store.count(IRIS.model_graph) == len(shipped)


def test_entailed_triples_of_a_dataset_in_memory() -> None:
    rules = TypeRules.of(model_triples())
    subject = NamedNode(ACTOR)
    triples = [Triple(subject, NamedNode(TSR + "actorType"),
                      NamedNode("https://w3id.org/tsr-observatory/vocab/actor-type/research-unit"))]
    added = {t.object.value.removeprefix(TSR) for t in entailed_triples(triples, rules)}
    assert added == {"ResearchUnit", "ESRActor", "Organisation", "Actor"}
