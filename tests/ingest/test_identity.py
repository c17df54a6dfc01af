"""Identity you can trust (issue 13): two sources that reuse the same local codes and the
same organisation names. Nothing merges that should not; identifier matches do merge."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook

from cli.main import cli
from ingest.pipeline import IngestRejected, ingest_files, validate_files
from store import Settings, Store
from store.namespaces import TSR

SETTINGS = Settings(store="memory")
BASE = "https://data.tsr-observatory.org/"
ATELIER = "810079194"  # a SIREN (fictional actor of the example)


def tsr(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def catalogue(folder: Path, actors: list[list[str]], projects: list[list[str]],
              participations: list[list[str]]) -> Path:
    """One network's workbook: its actors, its projects (local codes), who takes part."""
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in (
            ("Acteurs", ["Nom", "Type d'acteur", "SIREN"], actors),
            ("Projets", ["Code", "Titre"], projects),
            ("Participations", ["Projet", "Acteur", "Rôle"], participations)):
        page = book.create_sheet(title)
        page.append(header)
        for row in rows:
            page.append(row)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "catalogue.xlsx"
    book.save(path)
    return path


def network_a(tmp_path: Path) -> Path:
    return catalogue(tmp_path / "reseau-a",
                     [["Collectif des Mares", "Association", ""],
                      ["Atelier des Savoirs Partagés", "Association", ATELIER]],
                     [["1", "Mares urbaines"]],
                     [["1", "Collectif des Mares", "Porteur"], ["1", ATELIER, "Partenaire académique"]])


def network_b(tmp_path: Path, atelier_name: str = "Atelier des Savoirs Partagés") -> Path:
    return catalogue(tmp_path / "reseau-b",
                     [["Collectif des Mares", "Coopérative", ""],
                      [atelier_name, "Association", ATELIER]],
                     [["1", "Sols vivants"]],
                     [["1", "Collectif des Mares", "Porteur"], ["1", atelier_name, "Porteur"]])


def values(store: Store, predicate: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in store.query(f"SELECT DISTINCT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{TSR}{predicate}> ?o }} }}"):
        found.setdefault(row["s"].value, set()).add(row["o"].value)
    return found


def test_same_codes_and_names_in_two_sources_stay_apart(any_store: Store, tmp_path: Path) -> None:
    ingest_files(any_store, [network_a(tmp_path)], SETTINGS)
    [outcome] = ingest_files(any_store, [network_b(tmp_path)], SETTINGS)
    a, b = "reseau-a-catalogue-xlsx", "reseau-b-catalogue-xlsx"
    # project "1" of each catalogue: two projects, one title each
    assert values(any_store, "title") == {
        f"{BASE}id/project/{a}~1": {"Mares urbaines"}, f"{BASE}id/project/{b}~1": {"Sols vivants"}}
    # two organisations named alike, without identifier: two nodes, one type each
    names = values(any_store, "name")
    assert names[f"{BASE}id/actor/{a}~name-collectif-des-mares"] == {"Collectif des Mares"}
    assert names[f"{BASE}id/actor/{b}~name-collectif-des-mares"] == {"Collectif des Mares"}
    types = values(any_store, "actorType")
    assert len(types[f"{BASE}id/actor/{a}~name-collectif-des-mares"]) == 1
    # the SIREN is shared: one actor, in both sources, with one name
    assert names[f"{BASE}id/actor/siren-{ATELIER}"] == {"Atelier des Savoirs Partagés"}
    # each participation links its own source's project; the SIREN actor takes part in both
    projects = values(any_store, "project")
    actors = values(any_store, "actor")
    assert len(projects) == 4
    assert {(next(iter(projects[p])), next(iter(actors[p]))) for p in projects} == {
        (f"{BASE}id/project/{a}~1", f"{BASE}id/actor/{a}~name-collectif-des-mares"),
        (f"{BASE}id/project/{a}~1", f"{BASE}id/actor/siren-{ATELIER}"),
        (f"{BASE}id/project/{b}~1", f"{BASE}id/actor/{b}~name-collectif-des-mares"),
        (f"{BASE}id/project/{b}~1", f"{BASE}id/actor/siren-{ATELIER}")}
    # the same-name organisations without identifier are proposed for review, not merged
    assert [(c.name, c.sheet, c.row, c.source, c.other, c.other_source)
            for c in outcome.reading.candidates] == [
        ("Collectif des Mares", "Acteurs", 2, "reseau-b/catalogue.xlsx",
         f"{BASE}id/actor/{a}~name-collectif-des-mares", "reseau-a/catalogue.xlsx")]


def test_a_shared_identifier_with_other_single_values_is_an_error_naming_both_sources(
        any_store: Store, tmp_path: Path) -> None:
    ingest_files(any_store, [network_a(tmp_path)], SETTINGS)
    before = any_store.count()
    with pytest.raises(IngestRejected) as rejected:
        ingest_files(any_store, [network_b(tmp_path, atelier_name="Atelier Autre")], SETTINGS)
    [violation] = [v for o in rejected.value.outcomes for v in o.violations]
    assert (violation.sheet, violation.row, violation.column, violation.value,
            violation.component) == ("Acteurs", 3, "Nom", "Atelier Autre",
                                     "MaxCountConstraintComponent")
    assert violation.message("en") == (
        f"'Name': a single value for siren-{ATELIER}, already loaded: source "
        "'reseau-b/catalogue.xlsx' says 'Atelier Autre', source 'reseau-a/catalogue.xlsx' "
        "says 'Atelier des Savoirs Partagés'.")
    assert any_store.count() == before  # nothing was merged


def test_files_of_one_command_are_checked_against_each_other(any_store: Store,
                                                             tmp_path: Path) -> None:
    paths = [network_a(tmp_path), network_b(tmp_path, atelier_name="Atelier Autre")]
    for check in (validate_files, ingest_files):
        outcomes = check(any_store, paths, SETTINGS) if check is validate_files else None
        if outcomes is None:
            with pytest.raises(IngestRejected) as rejected:
                ingest_files(any_store, paths, SETTINGS)
            outcomes = rejected.value.outcomes
        [violation] = [v for o in outcomes for v in o.violations]
        assert "source 'reseau-a/catalogue.xlsx' says 'Atelier des Savoirs Partagés'" in (
            violation.message("en"))


def test_ingest_writes_the_review_file_and_counts_it(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    assert tsr("ingest", str(network_a(tmp_path)), "--store", store).exit_code == 0
    second = network_b(tmp_path)
    result = tsr("ingest", str(second), "--store", store)
    assert result.exit_code == 0, result.stderr
    review = second.with_name("catalogue.review.csv")
    assert (f"1 same-name organisation to review, not merged, written to {review}"
            in result.stderr)
    with review.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["name"], r["source"], r["other_source"]) for r in rows] == [
        ("Collectif des Mares", "reseau-b/catalogue.xlsx", "reseau-a/catalogue.xlsx")]
