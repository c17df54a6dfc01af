"""The end-of-file state on disk (`FileEntities`, `ScratchStore`) answers what the in-memory
state answers, and a first load checked in the same pass as it writes (the one-pass path of
`ingest_files`) still changes nothing when the file is bad, whatever row the fault is in."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyoxigraph import Literal, NamedNode, Quad

from ingest import file_entities, scratch_store
from ingest.file_entities import MISSING, FileEntities
from ingest.pipeline import IngestRejected, ingest_files
from ingest.scratch_store import ScratchStore
from ingest.source_file import FileReading, SourceFile
from ingest.source_names import source_name
from ingest.temporary_store import TemporaryStore
from store import Settings, embedded, open_store
from store.namespaces import DataIris

from .conftest import EXAMPLES
from .test_validate_parity import break_everything

IRIS = DataIris("https://data.tsr-observatory.org/")
EX = "https://ex.org/"


@pytest.fixture
def spill_early(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entities, keys and SPARQL triples go to disk every thousand, and the store's bulk
    loader takes the graph in calls of 7,000 quads (or statements)."""
    monkeypatch.setattr(file_entities, "SPILL_AFTER", 1000)
    monkeypatch.setattr(scratch_store, "SPILL_AFTER", 1000)
    monkeypatch.setattr(embedded, "_BULK_CHUNK", 7000)
    monkeypatch.setattr(embedded, "_TEXT_CHUNK", 7000)


@pytest.mark.parametrize("spill_after", [1, 2, 1000])
def test_file_entities_remember_rows_types_and_keys(spill_after: int) -> None:
    entities = FileEntities(spill_after)
    assert entities.add(EX + "a", "Acteurs", 2, [EX + "Actor"]) is None
    assert entities.add(EX + "b", "Acteurs", 3) is None
    assert entities.add(EX + "a", "Acteurs", 4, [EX + "NGO"]) == ("Acteurs", 2)
    assert entities.add(EX + "c", "Projets", 2) is None
    assert entities.where(EX + "a") == ("Acteurs", 4)  # the last row that described it
    assert entities.types(EX + "a") == {EX + "Actor", EX + "NGO"}
    assert entities.types(EX + "b") == set()
    assert entities.types(EX + "nobody") is None
    assert entities.where(EX + "c") == ("Projets", 2)
    entities.add_key("actor", "810079194", EX + "a")
    entities.add_key("actor", "atelier", EX + "a")
    entities.add_key("actor", "atelier", EX + "a")
    entities.add_key("actor", "same-name", EX + "a")
    entities.add_key("actor", "same-name", EX + "b")  # two entities: the key names neither
    assert entities.key("actor", "810079194") == EX + "a"
    assert entities.key("actor", "atelier") == EX + "a"
    assert entities.key("actor", "same-name") is None
    assert entities.key("project", "810079194") is MISSING
    entities.close()


def test_a_spilled_file_entities_leaves_no_file_behind() -> None:
    entities = FileEntities(1)
    entities.add(EX + "a", "Acteurs", 2)
    entities.add(EX + "b", "Acteurs", 3)
    folder = Path(entities._folder.name)  # type: ignore[union-attr]
    assert folder.is_dir()
    entities.close()
    assert not folder.exists()


def test_a_temporary_store_is_made_on_first_use_and_leaves_no_file_behind() -> None:
    temporary = TemporaryStore("tsr-test-")
    assert not temporary.made
    temporary.store().add(Quad(NamedNode(EX + "a"), NamedNode(EX + "p"), Literal("1")))
    folder = Path(temporary._folder.name)  # type: ignore[union-attr]
    assert temporary.made and folder.name.startswith("tsr-test-") and any(folder.iterdir())
    assert len(temporary.store()) == 1  # the same store, not another
    temporary.close()
    assert not folder.exists() and not temporary.made


@pytest.mark.parametrize("spill_after", [1, 3, 1000])
def test_scratch_store_holds_every_quad_added(spill_after: int) -> None:
    scratch = ScratchStore(spill_after)
    assert scratch.empty
    siren = NamedNode(EX + "siren")
    scratch.add(Quad(NamedNode(f"{EX}a{i}"), siren, Literal(str(i % 3))) for i in range(7))
    scratch.add([])
    assert not scratch.empty
    rows = scratch.store().query(  # pairs of entities sharing a SIREN
        f"SELECT ?a ?b WHERE {{ ?a <{EX}siren> ?v . ?b <{EX}siren> ?v FILTER (?a != ?b) }}")
    assert len(list(rows)) == 2 * (3 + 1 + 1)  # values 0: a0 a3 a6; 1: a1 a4; 2: a2 a5
    scratch.close()


def _read(path: Path) -> tuple[list[tuple[object, ...]], list[str]]:
    reading = FileReading(path)
    triples = [str(t) for e in SourceFile(path, IRIS).entities(reading) for t in e.triples()]
    violations = [(v.sheet, v.row, v.column, v.value, v.focus, v.path, v.component,
                   v.message("fr")) for v in reading.violations]
    return sorted(violations, key=str), triples


@pytest.mark.slow
def test_spilled_checks_report_what_in_memory_checks_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = load_workbook(EXAMPLES / "tsr-example.xlsx")
    break_everything(book)  # every kind of constraint broken (test_validate_parity)
    path = tmp_path / "broken.xlsx"
    book.save(path)
    in_memory = _read(path)
    monkeypatch.setattr(file_entities, "SPILL_AFTER", 1)
    monkeypatch.setattr(scratch_store, "SPILL_AFTER", 1)
    spilled = _read(path)
    assert len(in_memory[0]) > 10
    assert {v[6] for v in in_memory[0]} >= {"SPARQLConstraintComponent",
                                            "ClassConstraintComponent"}
    assert spilled == in_memory


HEADERS = ["Nom", "Type d'acteur", "SIREN", "RNA", "Région", "Date de création"]


def _actors_csv(path: Path, rows: int, bad_last_row: bool) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADERS)
        for index in range(rows):
            # the first and the last actor share an RNA: a fault only the file's end shows
            rna = "W690104729" if index == 0 or (bad_last_row and index == rows - 1) else ""
            writer.writerow([f"Atelier n°{index}", "Association", f"{100000000 + index:09d}",
                             rna, "Bretagne", f"{1 + index % 28:02d}/06/2001"])


@pytest.mark.slow
@pytest.mark.usefixtures("spill_early")
def test_a_first_load_found_bad_at_its_end_changes_nothing(tmp_path: Path) -> None:
    settings = Settings(store=str(tmp_path / "store"))
    path = tmp_path / "Acteurs.csv"
    # over 50,000 triples: the bulk-loader path, whose rows are in the graph before the end
    _actors_csv(path, 6000, bad_last_row=True)
    with open_store(settings) as store:
        with pytest.raises(IngestRejected, match=r"^2 violations in Acteurs.csv; nothing was "
                                                 r"loaded$") as raised:
            ingest_files(store, [path], settings)
        found = [(v.row, v.column, v.component) for v in raised.value.outcomes[0].violations]
        assert sorted(found) == [(2, "RNA", "SPARQLConstraintComponent"),
                                 (6001, "RNA", "SPARQLConstraintComponent")]
        assert store.count() == 0  # no graph, no model, no journal note
        assert store.graph_names() == []
    _actors_csv(path, 6000, bad_last_row=False)
    with open_store(settings) as store:
        [outcome] = ingest_files(store, [path], settings)
        graph = IRIS.source_graph(source_name(path))
        assert outcome.loaded and outcome.triples_added == store.count(graph) > 50_000
        assert outcome.reading.sheets == {"Acteurs": 6000}
        added = store.query(f"SELECT ?n WHERE {{ ?load <https://w3id.org/tsr-observatory/"
                            f"ontology#triplesAdded> ?n ; <http://www.w3.org/ns/prov#generated> "
                            f"{graph} }}")
        assert [int(row["n"].value) for row in added] == [outcome.triples_added]


@pytest.mark.parametrize("spill_after", [1, 3, 1000])
def test_scratch_store_holds_statements_and_quads(spill_after: int) -> None:
    """The file's triples come as statements (loaded on the loader's thread once spilled),
    the store's as quads; a query sees both."""
    scratch = ScratchStore(spill_after)
    siren = NamedNode(EX + "siren")
    scratch.add_statements(f'<{EX}a{i}> {siren} "{i % 3}"' for i in range(5))
    assert not scratch.empty
    scratch.add(Quad(NamedNode(f"{EX}b{i}"), siren, Literal(str(i % 3))) for i in range(2))
    rows = scratch.store().query(
        f"SELECT ?a ?b WHERE {{ ?a <{EX}siren> ?v . ?b <{EX}siren> ?v FILTER (?a != ?b) }}")
    assert len(list(rows)) == 6 + 6  # ordered pairs of 0: a0 a3 b0; of 1: a1 a4 b1; 2: a2 alone
    scratch.close()


def test_file_entities_on_disk_are_found_and_others_are_not() -> None:
    """Past the first spill, a bit filter decides which look-ups go to disk: never one that
    would find something."""
    entities = FileEntities(100)
    for i in range(2000):
        assert entities.add(f"{EX}a{i}", "Acteurs", i + 2, [EX + "Actor"]) is None
        entities.add_key("actor", f"k{i}", f"{EX}a{i}")
    assert entities.add(f"{EX}a7", "Acteurs", 5000) == ("Acteurs", 9)
    assert all(entities.where(f"{EX}a{i}") == ("Acteurs", i + 2) for i in range(8, 2000))
    assert all(entities.key("actor", f"k{i}") == f"{EX}a{i}" for i in range(2000))
    assert all(entities.where(f"{EX}b{i}") is None for i in range(2000))
    assert all(entities.key("actor", f"b{i}") is MISSING for i in range(2000))
    entities.close()


@pytest.mark.slow
@pytest.mark.usefixtures("spill_early")
def test_a_first_load_in_text_chunks_holds_the_mapped_triples(tmp_path: Path) -> None:
    """The one-pass load hands the loader N-Triples text in chunks; the graph holds exactly
    the triples the rows map to, hostile characters included."""
    path = tmp_path / "Acteurs.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADERS)
        for index in range(6000):  # 9 triples a row: over 50,000, the bulk-loader path
            name = f'Atelier "n°{index}" \\ <b>\nà la ligne\tet \u00a0=1+1 ; fin'
            writer.writerow([name, "Association", f"{100000000 + index:09d}", "", "Bretagne",
                             "01/06/2001"])
    settings = Settings(store=str(tmp_path / "store"))
    with open_store(settings) as store:
        [outcome] = ingest_files(store, [path], settings)
        graph = IRIS.source_graph(source_name(path))
        loaded = {str(q.triple) for q in store.oxigraph.quads_for_pattern(  # type: ignore[attr-defined]
            None, None, None, graph)}
    reading = FileReading(path)
    expected = set()
    for entity in SourceFile(path, IRIS).entities(reading):
        expected |= {str(t) for t in entity.triples()}
        expected.add(f'{entity.subject} <https://w3id.org/tsr-observatory/ontology#sourceRow> '
                     f'"{entity.row}"^^<http://www.w3.org/2001/XMLSchema#integer>')
        expected.add(f'{entity.subject} <https://w3id.org/tsr-observatory/ontology#sourceSheet> '
                     f'"{entity.file_sheet}"')
    assert outcome.loaded and outcome.triples_added == len(loaded) > 50_000
    assert loaded == expected
    assert any('\\"n°42\\" \\\\ <b>\\nà la ligne\\tet' in t for t in loaded)
