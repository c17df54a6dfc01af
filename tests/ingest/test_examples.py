"""The example dataset as spreadsheets gives back the Turtle example (provenance aside)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pyoxigraph import (
    CanonicalizationAlgorithm,
    Dataset,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    parse,
)

from ingest.pipeline import SOURCE_ROW, SOURCE_SHEET, IngestOptions, ingest_files
from store import Settings, open_store
from store.namespaces import XSD, DataIris

from .conftest import EXAMPLES

_DECIMAL = NamedNode(XSD + "decimal")
_DEFAULT = NamedNode("urn:x-test:default")


def _comparable(quad: Quad) -> Quad:
    """Decimals written `10.00` in Turtle and `10.0` by the ingest are the same value."""
    obj = quad.object
    if isinstance(obj, Literal) and obj.datatype == _DECIMAL:
        obj = Literal(format(Decimal(obj.value).normalize(), "f"), datatype=_DECIMAL)
    return Quad(quad.subject, quad.predicate, obj, _DEFAULT)


def _dataset(quads: list[Quad]) -> Dataset:
    dataset = Dataset(_comparable(q) for q in quads)
    dataset.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def expected_quads() -> list[Quad]:
    with (EXAMPLES / "tsr-example.ttl").open("rb") as handle:
        return list(parse(handle, RdfFormat.TURTLE))


def ingested_quads(path: Path) -> list[Quad]:
    """The example loaded as source "tsr-example", the namespace its local keys are in."""
    settings = Settings(store="memory")
    with open_store(settings) as store:
        ingest_files(store, [path], settings, IngestOptions(source="tsr-example"))
        graph = DataIris(settings.base_iri).source_graph("tsr-example")
        return [q for q in store.oxigraph.quads_for_pattern(None, None, None, graph)  # type: ignore[attr-defined]
                if q.predicate not in (SOURCE_SHEET, SOURCE_ROW)]


@pytest.mark.parametrize("name", ["tsr-example.xlsx", "tsr-example.ods"])
def test_workbook_gives_the_turtle_example(name: str) -> None:
    got = ingested_quads(EXAMPLES / name)
    expected = expected_quads()
    assert len(got) == len(expected)
    assert set(_dataset(got)) == set(_dataset(expected))


def test_actors_csv_gives_the_actors_of_the_turtle_example() -> None:
    got = _dataset(ingested_quads(EXAMPLES / "tsr-example-acteurs.csv"))
    actors = [q for q in expected_quads() if "/id/actor/" in q.subject.value]
    assert set(got) == set(_dataset(actors))


def test_every_entity_keeps_its_sheet_and_row() -> None:
    settings = Settings(store="memory")
    path = EXAMPLES / "tsr-example.xlsx"
    with open_store(settings) as store:
        ingest_files(store, [path], settings, IngestOptions(source="tsr-example"))
        rows = list(store.query(
            "SELECT ?sheet ?row WHERE { "
            "<https://data.tsr-observatory.org/id/project/tsr-example~co3-sols> "
            "<https://w3id.org/tsr-observatory/ontology#sourceSheet> ?sheet ; "
            "<https://w3id.org/tsr-observatory/ontology#sourceRow> ?row }"))
    assert [(r["sheet"].value, r["row"].value) for r in rows] == [("Projets", "2")]


def test_build_script_output_is_up_to_date(tmp_path: Path) -> None:
    """The committed CSV is what examples/build_workbooks.py writes today."""
    import csv as csv_module

    from examples.build_workbooks import CSV_SHEET, read_example, sheet_rows
    from ingest.model_facts import model_facts
    from ingest.shapes_model import shapes_model

    sheet = shapes_model().sheet_named(CSV_SHEET)
    assert sheet is not None
    rows = sheet_rows(sheet, read_example(), model_facts(), french_text=True)
    with (EXAMPLES / "tsr-example-acteurs.csv").open(encoding="utf-8-sig", newline="") as handle:
        committed = list(csv_module.reader(handle, delimiter=";"))[1:]
    assert committed == [["" if v is None else str(v) for v in row] for row in rows]
