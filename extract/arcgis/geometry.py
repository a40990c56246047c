"""Esri JSON geometry to GeoJSON in WGS84 (lon/lat), reprojecting Web Mercator answers."""

from __future__ import annotations

import math

WEB_MERCATOR_WKIDS = {102100, 102113, 3857, 900913}
WGS84_WKIDS = {4326, None}
EARTH_HALF_CIRCUMFERENCE_M = 20037508.34


class UnsupportedSpatialReference(ValueError):
    pass


def spatial_reference_wkid(page: dict) -> int | None:
    reference = page.get("spatialReference") or {}
    return reference.get("latestWkid") or reference.get("wkid")


def web_mercator_to_lon_lat(x: float, y: float) -> tuple[float, float]:
    lon = x / EARTH_HALF_CIRCUMFERENCE_M * 180.0
    lat = math.atan(math.exp(y / EARTH_HALF_CIRCUMFERENCE_M * math.pi)) * 360.0 / math.pi - 90.0
    return lon, lat


def _lon_lat(position: list[float]) -> list[float]:
    return position[:2]  # drops z and m


def _map_positions(convert, positions: list) -> list:
    if convert is _lon_lat:  # a slice in C, not a Python call per position
        return [position[:2] for position in positions]
    return [convert(position) for position in positions]


def coordinate_converter(wkid: int | None):
    """A function mapping one [x, y, ...] position to [lon, lat] for this reference."""
    if wkid in WGS84_WKIDS:
        return _lon_lat
    if wkid in WEB_MERCATOR_WKIDS:
        return lambda position: list(web_mercator_to_lon_lat(position[0], position[1]))
    raise UnsupportedSpatialReference(
        f"server answered in spatial reference {wkid}; only 4326 and Web Mercator are handled"
    )


def _ring_signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def _polygons_from_rings(rings: list[list[list[float]]]) -> list[list[list[list[float]]]]:
    """Esri rings: clockwise = outer ring, counter-clockwise = hole of the preceding outer."""
    polygons: list[list[list[list[float]]]] = []
    for ring in rings:
        if _ring_signed_area(ring) <= 0 or not polygons:
            polygons.append([ring])
        else:
            polygons[-1].append(ring)
    return polygons


def esri_to_geojson(geometry: dict | None, wkid: int | None) -> dict | None:
    """One Esri JSON geometry as a GeoJSON geometry in lon/lat; None for null or empty."""
    if not geometry:
        return None
    convert = coordinate_converter(wkid)
    if "x" in geometry:
        if geometry["x"] is None or geometry.get("y") is None or geometry["x"] != geometry["x"]:
            return None
        return {"type": "Point", "coordinates": convert([geometry["x"], geometry["y"]])}
    if "points" in geometry:
        points = _map_positions(convert, geometry["points"])
        return {"type": "MultiPoint", "coordinates": points} if points else None
    if "paths" in geometry:
        paths = [_map_positions(convert, path) for path in geometry["paths"] if path]
        if not paths:
            return None
        if len(paths) == 1:
            return {"type": "LineString", "coordinates": paths[0]}
        return {"type": "MultiLineString", "coordinates": paths}
    if "rings" in geometry:
        rings = [_map_positions(convert, ring) for ring in geometry["rings"] if ring]
        if not rings:
            return None
        polygons = _polygons_from_rings(rings)
        if len(polygons) == 1:
            return {"type": "Polygon", "coordinates": polygons[0]}
        return {"type": "MultiPolygon", "coordinates": polygons}
    raise ValueError(f"unknown Esri geometry with keys {sorted(geometry)}")
