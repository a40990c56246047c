"""The base layer: US state outlines from the U.S. Census Bureau's cartographic boundaries as
packaged by npm's us-atlas (TopoJSON), decoded to GeoJSON at build time."""

from __future__ import annotations

import json
from pathlib import Path


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # quantized and delta-encoded
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, 3), round(y * sy + ty, 3)))
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list:
    ring: list[tuple[float, float]] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])  # arcs share their end points
    return [list(p) for p in ring]


def states_geojson(topojson_file: Path) -> dict:
    topology = json.loads(topojson_file.read_text())
    arcs = _decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["states"]["geometries"]:
        if geometry["type"] == "Polygon":
            coordinates = [[_ring(arcs, ring) for ring in geometry["arcs"]]]
        elif geometry["type"] == "MultiPolygon":
            coordinates = [[_ring(arcs, ring) for ring in polygon]
                           for polygon in geometry["arcs"]]
        else:
            continue
        features.append({"type": "Feature",
                         "properties": {"name": geometry["properties"]["name"]},
                         "geometry": {"type": "MultiPolygon", "coordinates": coordinates}})
    return {"type": "FeatureCollection", "features": features}
