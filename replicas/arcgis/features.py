"""One feature of a layer, computed from (layer seed, object id) alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from replicas.arcgis import network
from replicas.arcgis.geometry import Shape, planar_area, planar_length
from replicas.arcgis.seeds import seeded_random
from replicas.arcgis.spec import OID_TYPE, LayerSpec
from replicas.arcgis.values import quantities, render


@dataclass(frozen=True)
class GeneratedFeature:
    object_id: int
    attributes: dict[str, object]  # every field, in the layer's field order
    shape: Shape | None  # WGS84; None for a feature without geometry


def _shape(layer: LayerSpec, line: network.Feeder, segment: int, oid: int) -> Shape | None:
    every = layer.quirks.null_geometry_every
    if every and oid % every == 0:
        return None
    rng = seeded_random(layer.seed, "shape", oid)
    if layer.geometry == "polyline":
        return Shape("polyline", network.segment_paths(line, segment, rng))
    if layer.geometry == "polygon":
        return Shape("polygon", network.grid_square_rings(line, segment))
    return Shape("point", network.point_site(line, segment, rng))


def generate_feature(layer: LayerSpec, index: int, oid: int) -> GeneratedFeature:
    seed = layer.numeric_seed
    place = network.place_of(seed, index, layer.segments_per_feeder)
    line = network.feeder(layer.grid, seed, place.feeder_number, place.segment_count)
    shape = _shape(layer, line, place.segment, oid)
    rng = seeded_random(layer.seed, "values", oid, layer.revisions.get(oid, 0))
    values = quantities(layer.grid, seed, line, place.segment, place.segment_count, rng)
    values["shape_length"] = round(planar_length(shape), 6) if shape else None
    values["shape_area"] = round(planar_area(shape), 6) if shape else None
    attributes = {}
    for spec in layer.fields:
        draw = rng.random()
        attributes[spec.name] = oid if spec.type == OID_TYPE else render(
            spec, values[spec.source], draw)
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
