"""One feature of a layer, computed from (layer seed, object id) alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from replicas.arcgis import network
from replicas.arcgis.geometry import Shape, planar_area, planar_length
from replicas.arcgis.seeds import seeded_random
from replicas.arcgis.spec import GEOMETRY_FIELD_TYPE, OID_TYPE, LayerSpec
from replicas.arcgis.values import SharedDraws, quantities, render


@dataclass(frozen=True)
class GeneratedFeature:
    object_id: int
    attributes: dict[str, object]  # every field, in the layer's field order
    shape: Shape | None  # WGS84; None for a feature without geometry


def _cell(layer: LayerSpec, line: network.Feeder, segment: int,
          index: int) -> tuple[int, int] | None:
    if layer.geometry != "polygon":
        return None
    if layer.tiled:
        return network.tiled_cell(layer.grid, index, layer.square_m)
    return network.walked_cell(layer.grid, line, segment, layer.square_m)


def _shape(layer: LayerSpec, line: network.Feeder, segment: int, oid: int,
           cell: tuple[int, int] | None) -> Shape | None:
    born = layer.first_object_id(oid)  # a renumbered feature keeps its shape
    every = layer.quirks.null_geometry_every
    if every and born % every == 0:
        return None
    rng = seeded_random(layer.seed, "shape", born)
    if layer.geometry == "polyline":
        return Shape("polyline", network.segment_paths(line, segment, rng))
    if cell is not None:
        return Shape("polygon", network.cell_rings(layer.grid, cell, layer.square_m))
    return Shape("point", network.point_site(line, segment, rng))


def _placed(layer: LayerSpec, shape: Shape | None,
            cell: tuple[int, int] | None) -> dict[str, object]:
    """Quantities read off the geometry: its centroid, and a grid square's quad names."""
    centre: tuple[float, float] | None = None
    names: tuple[str | None, str | None] = (None, None)
    if cell is not None:  # a square's centre and names stand even where its shape is null
        centre = network.cell_centre(layer.grid, cell, layer.square_m)
        names = network.cell_names(cell, layer.quads_per_major)
    elif shape is not None and shape.kind == "point":
        centre = (shape.coordinates[0], shape.coordinates[1])
    elif shape is not None:
        path = shape.coordinates[0]
        centre = (path[len(path) // 2][0], path[len(path) // 2][1])
    return {"centroid_lon": centre[0] if centre else None,
            "centroid_lat": centre[1] if centre else None,
            "grid_name": names[0], "major_grid": names[1]}


def generate_feature(layer: LayerSpec, index: int, oid: int) -> GeneratedFeature:
    seed = layer.numeric_seed
    place = network.place_of(seed, index, layer.segments_per_feeder)
    line = network.feeder(layer.grid, seed, place.feeder_number, place.segment_count)
    cell = _cell(layer, line, place.segment, index)
    shape = _shape(layer, line, place.segment, oid, cell)
    born = layer.first_object_id(oid)  # a renumbered feature keeps its data
    rng = seeded_random(layer.seed, "values", born, layer.revisions.get(born, 0))
    values = quantities(layer.grid, seed, line, place.segment, place.segment_count, rng)
    values["shape_length"] = round(planar_length(shape), 6) if shape else None
    values["shape_area"] = round(planar_area(shape), 6) if shape else None
    values.update(_placed(layer, shape, cell))
    shared = SharedDraws.of(seeded_random(layer.seed, "shared", born))
    attributes = {}
    for spec in layer.fields:
        if spec.type == GEOMETRY_FIELD_TYPE:
            continue  # the SHAPE field a MapServer lists: the geometry, not an attribute
        draw = rng.random()
        attributes[spec.name] = oid if spec.type == OID_TYPE else render(
            spec, values[spec.source], draw, shared)
    return GeneratedFeature(oid, attributes, shape)


def feature_by_id(layer: LayerSpec, oid: int) -> GeneratedFeature | None:
    index = layer.id_space().index_of(oid)
    return None if index is None else generate_feature(layer, index, oid)


def all_features(layer: LayerSpec) -> Iterator[GeneratedFeature]:
    """Every live feature in object-id order (lazily: one at a time)."""
    ids = layer.id_space()
    for index in range(ids.count):
        if not ids.is_deleted(index):
            yield generate_feature(layer, index, ids.oid_at(index))
