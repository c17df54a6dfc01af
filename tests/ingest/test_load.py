"""Loads on both backends (embedded on disk, real `oxigraph serve`): one named graph per
file replaced in one step, PROV records, restricted sources, partial loads, cross-file
references and identifiers, foreign spreadsheets through a YAML mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyoxigraph import NamedNode

from ingest.pipeline import IngestOptions, IngestRejected, ingest_files, validate_files
from ingest.source_names import source_name
from ingest.sources import drop_named_source, list_sources
from store import Settings, Store
from store.access import restricted_graph_names, restricted_provenance_graph
from store.namespaces import PROV, TSR, DataIris

from .conftest import EXAMPLES

SETTINGS = Settings(store="memory")
IRIS = DataIris(SETTINGS.base_iri)


def quads(store: Store) -> set[str]:
    rows = store.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {" ".join(str(row[v]) for v in ("g", "s", "p", "o")) for row in rows}


def copy_example(tmp_path: Path, name: str = "tsr-example.xlsx") -> Path:
    target = tmp_path / name
    target.write_bytes((EXAMPLES / "tsr-example.xlsx").read_bytes())
    return target


def test_a_file_becomes_one_graph_with_a_prov_record(any_store: Store, tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    [outcome] = ingest_files(any_store, [path], SETTINGS)
    graph = IRIS.source_graph(source_name(path))
    assert outcome.loaded and outcome.graph == graph
    assert any_store.count(graph) == outcome.triples_added > 5000
    assert any_store.count(IRIS.model_graph) > 1000  # the model came along
    [source] = list_sources(any_store, IRIS)
    assert (source.file, source.rows, source.triples, source.restricted) == (
        "tsr-example.xlsx", outcome.reading.rows, outcome.triples_added, False)
    import hashlib

    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    versions = list(any_store.query(
        f"SELECT ?shapes ?removed WHERE {{ GRAPH {IRIS.provenance_graph} {{ "
        f"?load <{PROV}generated> {graph} ; <{TSR}shapesVersion> ?shapes ; "
        f"<{TSR}triplesRemoved> ?removed ; <{PROV}startedAtTime> ?start ; "
        f"<{PROV}endedAtTime> ?end ; <{PROV}wasAssociatedWith> ?agent }} }}"))
    assert {(r["shapes"].value, r["removed"].value) for r in versions} == {("0.1.0", "0")}


def test_reingesting_a_corrected_file_replaces_its_graph(any_store: Store, tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    [first] = ingest_files(any_store, [path], SETTINGS)
    book = load_workbook(path)
    book["Transformations"].delete_rows(3)  # nothing refers to a transformation
    book.save(path)
    [second] = ingest_files(any_store, [path], SETTINGS)
    graph = IRIS.source_graph(source_name(path))
    assert second.triples_removed == first.triples_added
    assert any_store.count(graph) == second.triples_added < first.triples_added
    loads = list(any_store.query(f"SELECT ?l WHERE {{ ?l <{PROV}generated> {graph} }}"))
    assert len(loads) == 2
    assert len(list_sources(any_store, IRIS)) == 1


def test_a_file_with_a_violation_changes_nothing(any_store: Store, tmp_path: Path) -> None:
    ingest_files(any_store, [copy_example(tmp_path, "good.xlsx")], SETTINGS)
    before = quads(any_store)
    path = copy_example(tmp_path, "bad.xlsx")
    book = load_workbook(path)
    book["Acteurs"]["R2"] = "31/02/2020"  # Date de création
    book.save(path)
    with pytest.raises(IngestRejected, match=r"^1 violation in bad.xlsx; nothing was loaded$"):
        ingest_files(any_store, [copy_example(tmp_path, "other.xlsx"), path], SETTINGS)
    assert quads(any_store) == before  # neither file: the batch is all or nothing


def test_restricted_sources_are_recorded_apart(any_store: Store, tmp_path: Path) -> None:
    path = copy_example(tmp_path, "private.xlsx")
    ingest_files(any_store, [path], SETTINGS, IngestOptions(restricted=True))
    graph = IRIS.source_graph(source_name(path))
    assert graph.value in restricted_graph_names(any_store, IRIS)
    assert any_store.count(restricted_provenance_graph(IRIS)) > 10
    assert list_sources(any_store, IRIS)[0].restricted
    # loaded again as public: the flag follows the latest load
    ingest_files(any_store, [path], SETTINGS)
    assert graph.value not in restricted_graph_names(any_store, IRIS)


def test_drop_source_removes_the_graph(any_store: Store, tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    ingest_files(any_store, [path], SETTINGS)
    dropped = drop_named_source(any_store, IRIS, "tsr-example.xlsx")
    assert dropped.graph == IRIS.source_graph(source_name(path)).value
    assert any_store.count(NamedNode(dropped.graph)) == 0
    assert list_sources(any_store, IRIS) == []
    from store.rdf_files import BadInputError

    with pytest.raises(BadInputError, match="no loaded source named 'nope.xlsx'"):
        drop_named_source(any_store, IRIS, "nope.xlsx")


def test_partial_loads_valid_rows_and_lists_rejected_ones(any_store: Store,
                                                         tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    book = load_workbook(path)
    book["Acteurs"]["E2"] = "12"  # SIREN: the actor's row is rejected...
    book.save(path)
    [outcome] = ingest_files(any_store, [path], SETTINGS, IngestOptions(partial=True))
    assert outcome.loaded
    assert ("Acteurs", 2) in outcome.rejected
    # ...and so are the rows that named it (its IRI came from that SIREN)
    assert len(outcome.rejected) > 1
    assert all(sheet != "Acteurs" or row == 2 for sheet, row in outcome.rejected)
    assert any_store.count(IRIS.source_graph(source_name(path))) == outcome.triples_added


def test_dry_run_and_validate_write_nothing(any_store: Store, tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    ingest_files(any_store, [path], SETTINGS, IngestOptions(dry_run=True))
    assert validate_files(any_store, [path], SETTINGS)[0].violations == []
    assert quads(any_store) == set()


def _actors_and_indicators(tmp_path: Path) -> tuple[Path, Path]:
    actors = copy_example(tmp_path, "actors.xlsx")
    book = load_workbook(actors)
    for name in book.sheetnames:
        if name not in ("Acteurs",):
            del book[name]
    book.save(actors)
    indicators = tmp_path / "Indicateurs.csv"
    indicators.write_text(
        "Acteur;Année;Emplois (ETP)\n"
        "W690104729;2030;3,5\n"  # the RNA of an actor whose IRI comes from its SIREN
        "Atelier des Savoirs Partagés;2031;1\n"  # its name
        "999999999;2030;1\n",  # nobody
        encoding="utf-8")
    return actors, indicators


def test_references_resolve_to_entities_of_the_store(any_store: Store, tmp_path: Path) -> None:
    actors, indicators = _actors_and_indicators(tmp_path)
    ingest_files(any_store, [actors], SETTINGS)
    [outcome] = validate_files(any_store, [indicators], SETTINGS)
    assert [(v.row, v.column, v.component) for v in outcome.violations] == [
        (4, "Acteur", "ClassConstraintComponent")]
    lines = indicators.read_text(encoding="utf-8").splitlines()
    indicators.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    ingest_files(any_store, [indicators], SETTINGS)
    observed = {row["o"].value for row in any_store.query(
        f"SELECT ?o WHERE {{ GRAPH {IRIS.source_graph(source_name(indicators))} {{ ?o <{TSR}actor> "
        "<https://data.tsr-observatory.org/id/actor/siren-810079194> } }")}
    assert observed == {
        "https://data.tsr-observatory.org/id/observation/siren-810079194--2030",
        "https://data.tsr-observatory.org/id/observation/siren-810079194--2031"}


def test_an_identifier_used_in_another_file_is_reported(any_store: Store, tmp_path: Path) -> None:
    actors, _ = _actors_and_indicators(tmp_path)
    ingest_files(any_store, [actors], SETTINGS)
    newcomer = tmp_path / "Acteurs.csv"
    newcomer.write_text("Nom;Type d'acteur;RNA\nAutre atelier;Association;W690104729\n",
                        encoding="utf-8")
    [outcome] = validate_files(any_store, [newcomer], SETTINGS)
    [violation] = outcome.violations
    assert (violation.row, violation.column, violation.component) == (
        2, "RNA", "SPARQLConstraintComponent")
    assert violation.message("en") == ("Identifier W690104729 is already used by another "
                                       "actor (https://data.tsr-observatory.org/id/actor/"
                                       "siren-810079194).")


def test_a_foreign_spreadsheet_loads_through_a_yaml_mapping(memory_settings: Settings,
                                                            tmp_path: Path) -> None:
    from store import open_store

    export = tmp_path / "export-structures.csv"
    export.write_text("Raison sociale,Identifiants,Ville,Commentaire\n"
                      '"Atelier, coopératif",810079194 / W690104729,Lyon,à revoir\n',
                      encoding="cp1252")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "sheets:\n"
        "  export-structures:\n"
        "    sheet: Actors\n"
        "    columns: {Raison sociale: Nom, Ville: Commune, Commentaire: null}\n"
        "    split: {Identifiants: {separator: /, into: [SIREN, RNA]}}\n"
        "    constants: {Type d'acteur: cooperative}\n", encoding="utf-8")
    with open_store(memory_settings) as store:
        ingest_files(store, [export], memory_settings, IngestOptions(mapping=mapping))
        rows = list(store.query(
            f"SELECT ?name ?rna ?type ?town WHERE {{ "
            f"<https://data.tsr-observatory.org/id/actor/siren-810079194> <{TSR}name> ?name ; "
            f"<{TSR}rna> ?rna ; <{TSR}actorType> ?type ; <{TSR}commune> ?town }}"))
    assert [(r["name"].value, r["rna"].value, r["type"].value, r["town"].value)
            for r in rows] == [("Atelier, coopératif", "W690104729",
                                "https://w3id.org/tsr-observatory/vocab/actor-type/cooperative",
                                "Lyon")]


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
