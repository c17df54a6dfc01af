"""Build the example dataset as spreadsheets from examples/tsr-example.ttl and the shapes:
tsr-example.xlsx, tsr-example.ods (the template filled in) and tsr-example-acteurs.csv (the
actors sheet as a French Excel CSV export: UTF-8 with BOM, `;`, decimal commas, JJ/MM/AAAA).

Ingesting any of them gives back the Turtle example's triples (tests/ingest/test_examples.py).

    python examples/build_workbooks.py
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from ingest.model_facts import ModelFacts, model_facts
from ingest.shapes_model import Column, Sheet, shapes_model
from ingest.template import write_template
from ingest.template_content import template_columns
from store.namespaces import RDF, XSD

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "tsr-example.ttl"
CSV_SHEET = "Acteurs"


def read_example() -> dict[str, dict[str, list[Any]]]:
    """subject IRI -> predicate IRI -> objects, in file order."""
    subjects: dict[str, dict[str, list[Any]]] = {}
    with SOURCE.open("rb") as handle:
        for quad in parse(handle, RdfFormat.TURTLE):
            subjects.setdefault(quad.subject.value, {}).setdefault(
                quad.predicate.value, []).append(quad.object)
    return subjects


def reference_text(iri: str, data: dict[str, dict[str, list[Any]]], facts: ModelFacts) -> str:
    """What a coordinator writes to name an entity or a concept: its identifier, code or
    name, or the concept's French label."""
    concept = facts.concepts.get(iri)
    if concept is not None:
        return concept.labels.get("fr") or concept.notation
    target = data.get(iri, {})
    types = {t.value for t in target.get(RDF + "type", [])}
    sheet = next((s for s in shapes_model().sheets if s.target_class in types), None)
    if sheet is not None:
        paths = [p for p, _ in sheet.key_alternatives] + sheet.key_parts
        for path in paths:
            values = target.get(path)
            if values and isinstance(values[0], Literal):
                return str(values[0].value)
    return iri


def cell(column: Column, objects: list[Any], data: dict[str, dict[str, list[Any]]],
         facts: ModelFacts, french_text: bool) -> Any:
    if not objects:
        return None
    parts = [_one(o, column, data, facts, french_text) for o in objects]
    if len(parts) == 1:
        return parts[0]
    return "; ".join(str(p) for p in parts)


def _one(term: Any, column: Column, data: dict[str, dict[str, list[Any]]], facts: ModelFacts,
         french_text: bool) -> Any:
    if isinstance(term, NamedNode):
        return reference_text(term.value, data, facts)
    datatype = term.datatype.value
    value = term.value
    if datatype == XSD + "decimal":
        return value.replace(".", ",") if french_text else float(value)
    if datatype in (XSD + "integer", XSD + "gYear"):
        return value if french_text else int(value)
    if datatype == XSD + "date":
        date = dt.date.fromisoformat(value)
        return date.strftime("%d/%m/%Y") if french_text else date
    if datatype == XSD + "boolean":
        return "oui" if value == "true" else "non"
    return value


def sheet_rows(sheet: Sheet, data: dict[str, dict[str, list[Any]]], facts: ModelFacts,
               french_text: bool = False) -> list[list[Any]]:
    rows = []
    for values in data.values():
        if sheet.target_class not in {t.value for t in values.get(RDF + "type", [])}:
            continue
        rows.append([cell(c, values.get(c.path, []), data, facts, french_text)
                     for c in template_columns(sheet)])
    return rows


def main() -> None:
    data = read_example()
    facts = model_facts()
    model = shapes_model()
    rows = {sheet.shape: sheet_rows(sheet, data, facts) for sheet in model.sheets}
    write_template(HERE / "tsr-example.xlsx", "fr", rows)
    write_template(HERE / "tsr-example.ods", "fr", rows)
    sheet = model.sheet_named(CSV_SHEET)
    assert sheet is not None
    with (HERE / "tsr-example-acteurs.csv").open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow([c.name("fr") for c in template_columns(sheet)])
        writer.writerows(sheet_rows(sheet, data, facts, french_text=True))


if __name__ == "__main__":
    main()
