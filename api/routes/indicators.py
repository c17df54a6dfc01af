"""`/api/indicators`: indicator observations by actor and year, filtered, paged."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pyoxigraph import Literal

from store.base import Term

from ..confidentiality import Answers, published_table
from ..named_queries import shipped_queries
from ..resources.negotiation import LANG_QUERY, Language, reader_language
from ..resources.routes import add_list_route
from ..resources.running import ReaderOf, bind

router = APIRouter(prefix="/api/indicators", tags=["indicators"])
add_list_route(router, "", query_name="api-indicators", summary="Indicator observations")


DIMENSIONS = ("total", "region", "actorType", "investmentForm")


@router.get("/aggregates", summary="Indicators summed by year and dimension (published "
            "aggregates, statistical confidentiality applied)")
def aggregates(request: Request, answers: Answers, who: ReaderOf,
               dimension: str | None = Query(None, pattern="^(" + "|".join(DIMENSIONS) + ")$",
                                             description="total, region, actorType or "
                                             "investmentForm (all when absent)"),
               lang: Language | None = LANG_QUERY) -> JSONResponse:
    """The named query `portal-indicators` as JSON: one object per row. For a reader without
    the read token, a row computed from fewer actors than the confidentiality threshold
    (setting `confidentiality_threshold`) has `"suppressed": true` and `"secret statistique"`
    in place of its values."""
    query = shipped_queries()["portal-indicators"]
    language = reader_language(request, lang)
    bindings = bind(query, {"dimension": dimension, "lang": language}, who.settings.base_iri)
    table = published_table(answers, who, query, bindings)
    rows = []
    for index in range(len(table.rows)):
        item: dict[str, Any] = {"suppressed": table.suppressed[index]}
        for column in table.columns:
            if column.startswith("_"):
                continue
            item[column] = json_value(table.value(index, column))
        rows.append(item)
    return JSONResponse({"query": "/api/queries/portal-indicators",
                         "confidentialityThreshold": who.settings.confidentiality_threshold, "rows": rows})


def json_value(term: Term | None) -> Any:
    """A term as plain JSON: IRIs and texts as strings, numbers as numbers."""
    if term is None:
        return None
    if isinstance(term, Literal) and term.datatype.value.rsplit("#", 1)[-1] in NUMBERS:
        number = float(term.value)
        return int(number) if number.is_integer() else number
    return term.value


NUMBERS = {"integer", "decimal", "double", "float", "int", "long", "gYear"}
