"""The figures the portal shows, each read from a named query in `queries/`.

Nothing here computes a figure: every number comes from one of the named queries below
(run with the page's language bound to `lang`), kept until the store changes
(`api.confidentiality.kept_table`), so `/api/queries/{name}` gives the same answer to a
data scientist. Published aggregates (`portal-indicators`) come with statistical
confidentiality applied for this reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal

from store.base import Term

from ..confidentiality import PublishedAnswers, PublishedTable, kept_table
from ..named_queries import shipped_queries
from ..resources.running import Reader, bind

KEY_FIGURES = "portal-key-figures"
SECTOR_TYPES = "portal-actors-by-sector-and-type"
TERRITORIES = "portal-actors-by-territory"
INDICATORS = "portal-indicators"
LOADS = "portal-data-loads"
# the measures of the indicator observations, in the order the pages show them
MEASURES = ("jobsFTE", "researchJobsFTE", "phdCount", "volunteers", "budget", "researchBudget",
            "publicFunding", "privateFunding")
MONEY = frozenset({"budget", "researchBudget", "publicFunding", "privateFunding"})
DIMENSIONS = ("total", "region", "actorType", "investmentForm")


@dataclass(frozen=True)
class Cell:
    """One shown value: its number (None when suppressed or absent) and whether it is
    suppressed by statistical confidentiality."""
    number: float | None
    suppressed: bool = False
    text: str = ""


@dataclass
class Row:
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, Cell] = field(default_factory=dict)
    suppressed: bool = False


@dataclass(frozen=True)
class Figures:
    """What the figures are read with: the app's kept answers and the request's reader."""
    answers: PublishedAnswers
    reader: Reader


def answer(figures: Figures, name: str, **values: str | None) -> PublishedTable:
    """The named query `name`'s answer for this reader, parameters given as in the URL."""
    query = shipped_queries()[name]
    bindings = bind(query, values, figures.reader.settings.base_iri)
    return kept_table(figures.answers, figures.reader, query, bindings)


def rows_of(table: PublishedTable) -> list[Row]:
    rows = []
    for index, raw in enumerate(table.rows):
        row = Row(suppressed=table.suppressed[index])
        for column in table.columns:
            term = raw.get(column)
            if table.is_suppressed(index, column):
                row.cells[column] = Cell(None, suppressed=True)
                row.values[column] = None
                continue
            row.values[column] = plain(term)
            row.cells[column] = Cell(number_of(term), text=plain(term) or "")
        rows.append(row)
    return rows


def plain(term: Term | None) -> Any:
    return None if term is None else term.value


def number_of(term: Term | None) -> float | None:
    if not isinstance(term, Literal):
        return None
    try:
        return float(term.value)
    except ValueError:
        return None


def key_figures(figures: Figures) -> dict[str, int]:
    return {str(row.values["figure"]): int(row.cells["count"].number or 0)
            for row in rows_of(answer(figures, KEY_FIGURES))}


def indicator_rows(figures: Figures, lang: str, dimension: str) -> list[Row]:
    """The rows of one dimension. The query is asked once for every dimension and its
    answer kept (`/api/queries/portal-indicators?dimension=...` gives the same rows): it
    computes every dimension whichever is asked, so a page of four dimensions ran it four
    times (86 s for the indicators page's first view at a million triples)."""
    return [row for row in rows_of(answer(figures, INDICATORS, lang=lang))
            if row.values.get("dimension") == dimension]


def by_value_and_year(rows: list[Row]) -> tuple[list[int], list[tuple[str, str, dict[int, Row]]]]:
    """Indicator rows of one dimension as (years, [(value IRI, label, {year: row})])."""
    years = sorted({int(row.values["year"]) for row in rows})
    grouped: dict[str, tuple[str, dict[int, Row]]] = {}
    for row in rows:
        iri = str(row.values["value"])
        label = row.values.get("label") or iri.rsplit("/", 1)[-1]
        grouped.setdefault(iri, (label, {}))[1][int(row.values["year"])] = row
    ordered = sorted(grouped.items(), key=lambda item: item[1][0].lower())
    return years, [(iri, label, per_year) for iri, (label, per_year) in ordered]


def territories(figures: Figures, lang: str) -> dict[str, list[Row]]:
    levels: dict[str, list[Row]] = {"region": [], "department": []}
    for row in rows_of(answer(figures, TERRITORIES, lang=lang)):
        levels.setdefault(str(row.values["level"]), []).append(row)
    return levels


def sector_types(figures: Figures, lang: str) -> list[Row]:
    return rows_of(answer(figures, SECTOR_TYPES, lang=lang))


def loads(figures: Figures) -> list[Row]:
    return rows_of(answer(figures, LOADS))
