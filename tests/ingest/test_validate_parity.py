"""The fast validation path reports the same (focus, path, component) as pySHACL.

The corpus: the example workbook with mutations that break each kind of constraint the
shapes use (written to files, read back like any submission), plus the unchanged workbook
(no violation on either side). pySHACL validates the same mapped triples with the model
(ontology and vocabularies) in the data graph.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pyshacl import validate as pyshacl_validate
from rdflib import Graph, URIRef

from ingest.shapes_model import shapes_model
from ingest.source_file import FileReading, SourceFile
from store.model import model_triples
from store.namespaces import SH, DataIris

from .conftest import EXAMPLES

IRIS = DataIris("https://data.tsr-observatory.org/")
Mutation = Callable[[Any], None]


def _column(page: Any, header: str) -> int:
    for cell in page[1]:
        if cell.value == header:
            return int(cell.column)
    raise KeyError(header)


def _set(page: Any, row: int, header: str, value: Any) -> None:
    try:
        column = _column(page, header)
    except KeyError:  # a column the template leaves out (filled by default): add it
        column = page.max_column + 1
        page.cell(row=1, column=column).value = header
    page.cell(row=row, column=column).value = value


def _rows_with(page: Any, header: str) -> list[int]:
    column = _column(page, header)
    return [r for r in range(2, page.max_row + 1) if page.cell(row=r, column=column).value]


def break_actors(book: Any) -> None:
    page = book["Acteurs"]
    with_siren = _rows_with(page, "SIREN")
    with_rna = [r for r in _rows_with(page, "RNA") if r in with_siren]
    _set(page, with_siren[0], "SIRET", "8100 7919 4000 1")  # pattern, even without spaces
    _set(page, with_siren[1], "Date de création", "31/02/2020")  # datatype
    _set(page, with_siren[2], "Type d'acteur", "Inconnu")  # class + node
    _set(page, with_siren[3], "Région", "Bretagne; Normandie")  # maxCount
    _set(page, with_siren[4], "Formes d'investissement", "Recherche participative; Truc")
    _set(page, with_siren[5], "Tutelles", "Organisation inconnue")  # class tsr:Actor
    _set(page, with_siren[6], "Code commune", "ABCDE")  # pattern
    _set(page, with_siren[7], "Type d'acteur", None)  # minCount
    rna = page.cell(row=with_rna[0], column=_column(page, "RNA")).value
    _set(page, with_rna[1], "RNA", rna)  # SPARQL: identifier used by another actor


def break_indicators(book: Any) -> None:
    page = book["Indicateurs"]
    _set(page, 2, "Emplois (ETP)", 1)
    _set(page, 2, "Emplois de recherche (ETP)", 5)  # lessThanOrEquals
    _set(page, 3, "Budget (EUR)", -5)  # minInclusive
    _set(page, 4, "Bénévoles", "beaucoup")  # datatype + minInclusive
    _set(page, 5, "Acteur", "999999999")  # class: no such actor
    _set(page, 6, "Doctorant·es", 2.5)  # integer column given a fraction


def break_links(book: Any) -> None:
    page = book["Partenariats"]
    actor = page.cell(row=2, column=_column(page, "Acteur")).value
    _set(page, 2, "Partenaire", actor)  # disjoint
    page = book["Projets"]
    _set(page, 2, "Début", "01/01/2030")  # SPARQL: start after end (dates)
    _set(page, 3, "Début", 2011.0)  # a year alone: valid
    _set(page, 4, "Fin", "2024-06")  # or: neither a date nor a year
    page = book["Indicateurs"]
    _set(page, 7, "Jeu de données", "tsr:otherDataSet")  # hasValue (a hidden column)
    page = book["Adhésions"]
    _set(page, 2, "Renouvellement", "peut-être")  # datatype boolean
    page = book["Productions"]
    with_doi = _rows_with(page, "DOI")
    for row in with_doi[:2]:
        _set(page, row, "Identifiant HAL", "hal-09999999")  # SPARQL on outputs


def break_everything(book: Any) -> None:
    # one file, one pySHACL run (it takes most of this test's time)
    for mutation in (break_actors, break_indicators, break_links):
        mutation(book)


MUTATIONS: dict[str, Mutation] = {"unchanged": lambda book: None, "broken": break_everything}


def fast_and_reference(path: Path) -> tuple[set[tuple[str, str | None, str]],
                                             set[tuple[str, str | None, str]]]:
    reading = FileReading(path)
    data = Graph()
    lines = []
    for entity in SourceFile(path, IRIS).entities(reading):
        lines += [f"{t.subject} {t.predicate} {t.object} ." for t in entity.triples()]
    lines += [f"{t.subject} {t.predicate} {t.object} ." for t in model_triples()]
    data.parse(data="\n".join(lines), format="nt")
    conforms, results, _ = pyshacl_validate(data, shacl_graph=shapes_model().graph,
                                            inference="none", allow_warnings=True)
    reference = set()
    # top-level results only: nested sh:detail results explain a sh:node failure
    for result in results.objects(predicate=URIRef(SH + "result")):
        focus = results.value(result, URIRef(SH + "focusNode"))
        path_node = results.value(result, URIRef(SH + "resultPath"))
        component = results.value(result, URIRef(SH + "sourceConstraintComponent"))
        reference.add((str(focus), str(path_node) if path_node is not None else None,
                       str(component).removeprefix(SH)))
    fast = {v.key for v in reading.violations if v.component != "UniqueKeyComponent"}
    assert conforms == (not reference)
    return fast, reference


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_fast_path_reports_what_pyshacl_reports(tmp_path: Path, name: str) -> None:
    book = load_workbook(EXAMPLES / "tsr-example.xlsx")
    MUTATIONS[name](book)
    path = tmp_path / f"{name}.xlsx"
    book.save(path)
    fast, reference = fast_and_reference(path)
    assert fast == reference
    if name != "unchanged":
        components = {component for _, _, component in fast}
        assert components == {  # every kind of constraint the shapes use, broken once
            "ClassConstraintComponent", "DatatypeConstraintComponent",
            "DisjointConstraintComponent", "LessThanOrEqualsConstraintComponent",
            "MaxCountConstraintComponent", "MinCountConstraintComponent",
            "MinInclusiveConstraintComponent", "NodeConstraintComponent",
            "OrConstraintComponent",
            "PatternConstraintComponent", "SPARQLConstraintComponent",
            "HasValueConstraintComponent"}
