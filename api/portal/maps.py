"""Choropleth maps of France drawn on the server as inline SVG (no script, no tiles).

The geometry is `geometry/france-departments.json`: Natural Earth's departments (public
domain), simplified by `geometry/make_geometry.py`. A region map colours each department
with its region's value (the region of a department comes from the department vocabulary's
skos:broader). Pages always show the same figures as a table beside the map.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from markupsafe import Markup, escape

from store.namespaces import SKOS, TSRV

from ..resources.model_docs import model_docs
from .figures import Row
from .i18n import Translator, label

# light to dark blue (contrast of the darkest against white text is not needed: no text on it)
PALETTE = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
EMPTY = "#ffffff"


@cache
def geometry() -> dict[str, Any]:
    text = files(__package__).joinpath("geometry/france-departments.json").read_text(
        encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def region_of_department() -> dict[str, str]:
    """Department code -> region code, from the department vocabulary."""
    found = {}
    prefix = f"{TSRV}department/"
    for iri, doc in model_docs().terms.items():
        if iri.startswith(prefix):
            for broader in doc.links.get(SKOS + "broader", []):
                if broader.startswith(f"{TSRV}region/"):
                    found[iri[len(prefix):]] = broader.rsplit("/", 1)[-1]
    return found


def classes(values: list[int]) -> list[int]:
    """Upper bounds of up to five classes over the positive values (equal steps)."""
    top = max(values, default=0)
    if top <= 0:
        return []
    steps = min(len(PALETTE), top)
    return [max(1, round(top * (i + 1) / steps)) for i in range(steps)]


def colour(value: int, bounds: list[int]) -> str:
    if value <= 0 or not bounds:
        return EMPTY
    for index, bound in enumerate(bounds):
        if value <= bound:
            return PALETTE[index]
    return PALETTE[len(bounds) - 1]


def choropleth(level: str, rows: list[Row], lang: str) -> Markup:
    """An SVG map of TSR actors by `level` (region or department) from the rows of
    `portal-actors-by-territory`."""
    t = Translator(lang)
    separator = "\u00a0: " if lang == "fr" else ": "
    counts = {str(row.values.get("code")): int(row.cells["actors"].number or 0) for row in rows}
    bounds = classes(list(counts.values()))
    regions = region_of_department()
    shape = geometry()
    title_id = f"map-{level}-title"
    title = t(f"map.{level}.title")
    parts = [f'<svg id="map-{level}" class="map" viewBox="{" ".join(str(v) for v in shape["viewBox"])}" '
             f'role="img" aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{title_id}">{escape(title)}</title>']
    for department in shape["departments"]:
        code = department["code"]
        key = regions.get(code, "") if level == "region" else code
        value = counts.get(key, 0)
        fill = colour(value, bounds)
        name = label(f"{TSRV}{level}/{key}", lang) if key else department["name"]
        # a region map hides the borders inside a region (same colour); the department
        # map shows them all
        stroke = fill if level == "region" and value else "#aab4bd"
        parts.append(f'<path d="{department["path"]}" fill="{fill}" stroke="{stroke}" '
                     f'stroke-width="1" data-code="{escape(key)}" data-actors="{value}">'
                     f"<title>{escape(name)}{separator}{value}</title></path>")
        if "inset" in department:
            x, y, w, h = department["inset"]
            parts.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" '
                         'stroke="#8a959e" stroke-width="1"/>')
    parts.append("</svg>")
    legend = ['<ul class="legend">']
    low = 1
    for index, bound in enumerate(bounds):
        span = str(bound) if low >= bound else f"{low}–{bound}"
        legend.append(f'<li><span class="swatch" style="background:{PALETTE[index]}"></span>'
                      f"{span}</li>")
        low = bound + 1
    legend.append(f'<li><span class="swatch" style="background:{EMPTY}"></span>0</li></ul>')
    return Markup("".join(parts) + "".join(legend))
