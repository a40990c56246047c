"""Geometry as the server answers it: Esri JSON in 4326 or Web Mercator, or GeoJSON.

Features are generated in WGS84 lon/lat as a `Shape` (point [x, y], polyline paths,
polygon rings with clockwise outer rings as Esri stores them); this module projects and
formats them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_HALF_CIRCUMFERENCE_M = 20037508.34
WGS84_WKIDS = {4326}
WEB_MERCATOR_WKIDS = {102100, 3857, 102113, 900913}
MERCATOR_DECIMALS = 4


@dataclass(frozen=True)
class Shape:
    kind: str  # point | polyline | polygon
    coordinates: list  # [x, y] | paths | rings, lon/lat


def spatial_reference(wkid: int) -> dict:
    if wkid in WEB_MERCATOR_WKIDS:
        return {"wkid": 102100, "latestWkid": 3857}
    return {"wkid": wkid}


def to_web_mercator(lon: float, lat: float) -> list[float]:
    x = lon * EARTH_HALF_CIRCUMFERENCE_M / 180.0
    y = math.log(math.tan((90.0 + lat) * math.pi / 360.0)) / (math.pi / 180.0)
    y = y * EARTH_HALF_CIRCUMFERENCE_M / 180.0
    return [round(x, MERCATOR_DECIMALS), round(y, MERCATOR_DECIMALS)]


def _map_positions(shape: Shape, convert) -> list:
    if shape.kind == "point":
        return convert(shape.coordinates)
    return [[convert(position) for position in part] for part in shape.coordinates]


def _converter(wkid: int, precision: int | None):
    project = (lambda p: to_web_mercator(p[0], p[1])) if wkid in WEB_MERCATOR_WKIDS else (
        lambda p: [p[0], p[1]])
    if precision is None:
        return project
    return lambda p: [round(value, precision) for value in project(p)]


def esri_geometry(shape: Shape, wkid: int, precision: int | None = None) -> dict:
    if wkid in WEB_MERCATOR_WKIDS or precision is not None:
        coordinates = _map_positions(shape, _converter(wkid, precision))
    else:  # as generated: shared, never mutated (the page is only serialised)
        coordinates = shape.coordinates
    if shape.kind == "point":
        return {"x": coordinates[0], "y": coordinates[1]}
    return {"paths" if shape.kind == "polyline" else "rings": coordinates}


def geojson_geometry(shape: Shape, precision: int | None = None) -> dict:
    """GeoJSON in lon/lat; polygon rings reversed to counter-clockwise (RFC 7946)."""
    coordinates = _map_positions(shape, _converter(4326, precision))
    if shape.kind == "point":
        return {"type": "Point", "coordinates": coordinates}
    if shape.kind == "polyline":
        if len(coordinates) == 1:
            return {"type": "LineString", "coordinates": coordinates[0]}
        return {"type": "MultiLineString", "coordinates": coordinates}
    return {"type": "Polygon", "coordinates": [ring[::-1] for ring in coordinates]}


def planar_length(shape: Shape) -> float:
    """Length in Web Mercator metres, as hosted layers fill Shape__Length."""
    if shape.kind == "point":
        return 0.0
    total = 0.0
    for part in shape.coordinates:
        projected = [to_web_mercator(x, y) for x, y in part]
        total += sum(math.dist(a, b) for a, b in zip(projected, projected[1:], strict=False))
    return total


def planar_area(shape: Shape) -> float:
    if shape.kind != "polygon":
        return 0.0
    area = 0.0
    for ring in shape.coordinates:
        projected = [to_web_mercator(x, y) for x, y in ring]
        area -= sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2)
                    in zip(projected, projected[1:], strict=False)) / 2
    return area
