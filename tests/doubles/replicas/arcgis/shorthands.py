"""Shorthands for writing catalog entries: fields by type and unit, companion layers.

A field names the generated quantity that fills it (values.QUANTITIES); kW quantities become
MW (or MVA) with `mw(...)`, and text fields carry numbers as the utilities write them.
"""

from __future__ import annotations

from replicas.arcgis.spec import GEOMETRY_FIELD_TYPE, FieldSpec, Grid, LayerSpec

MW = 0.001  # FieldSpec.scale from the generated kW to MW


def oid(name: str = "OBJECTID") -> FieldSpec:
    return FieldSpec(name, "esriFieldTypeOID")


def text(name: str, source: str, length: int = 50, **mess: object) -> FieldSpec:
    return FieldSpec(name, "esriFieldTypeString", source, length=length, **mess)


def double(name: str, source: str, **mess: object) -> FieldSpec:
    return FieldSpec(name, "esriFieldTypeDouble", source, **mess)


def mw(name: str, source: str, decimals: int = 3, **mess: object) -> FieldSpec:
    """A double in MW (or MVA) filled from a kW quantity."""
    return FieldSpec(name, "esriFieldTypeDouble", source, scale=MW, decimals=decimals, **mess)


def integer(name: str, source: str, **mess: object) -> FieldSpec:
    return FieldSpec(name, "esriFieldTypeInteger", source, **mess)


def small_integer(name: str, source: str, **mess: object) -> FieldSpec:
    return FieldSpec(name, "esriFieldTypeSmallInteger", source, **mess)


def date(name: str, source: str = "study_date", **mess: object) -> FieldSpec:
    return FieldSpec(name, "esriFieldTypeDate", source, length=8, **mess)


def global_id(name: str = "GlobalID") -> FieldSpec:
    return FieldSpec(name, "esriFieldTypeGlobalID", "global_id", length=38)


def geometry_field(name: str = "SHAPE") -> FieldSpec:
    """The geometry column a MapServer layer lists among its fields."""
    return FieldSpec(name, GEOMETRY_FIELD_TYPE)


def shape_length(name: str = "Shape__Length") -> FieldSpec:
    return double(name, "shape_length", decimals=6)


def shape_area(name: str = "Shape__Area") -> FieldSpec:
    return double(name, "shape_area", decimals=6)


def companion_layer(index: int, name: str, geometry: str, grid: Grid, count: int,
                    fields: tuple[FieldSpec, ...], length_field: str = "Shape__Length",
                    **options: object) -> LayerSpec:
    """A layer listed beside the one the warehouse extracts: servable, small, not extracted."""
    per_feeder = (5, 40) if geometry == "polyline" else (1, 1)
    extra: tuple[FieldSpec, ...] = ()
    if geometry == "polyline":
        extra = (shape_length(length_field),)
    elif geometry == "polygon":
        extra = (shape_area(length_field.replace("Length", "Area")), shape_length(length_field))
    options.setdefault("seed", f"{name}-{index}")
    return LayerSpec(index=index, name=name, geometry=geometry, grid=grid, feature_count=count,
                     fields=(oid(), *fields, *extra), segments_per_feeder=per_feeder, **options)
