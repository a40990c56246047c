import math

import pytest

from extract.arcgis.geometry import (
    UnsupportedSpatialReference,
    esri_to_geojson,
    web_mercator_to_lon_lat,
)


def test_web_mercator_is_converted_to_lon_lat():
    lon, lat = web_mercator_to_lon_lat(-13627665.27, 4547675.35)  # San Francisco
    assert lon == pytest.approx(-122.4194, abs=1e-6)
    assert lat == pytest.approx(37.7749, abs=1e-6)


def test_point_polyline_and_multipath_become_geojson():
    assert esri_to_geojson({"x": 1, "y": 2}, 4326) == {"type": "Point", "coordinates": [1, 2]}
    line = esri_to_geojson({"paths": [[[0, 0], [1, 1]]]}, 4326)
    assert line == {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    multi = esri_to_geojson({"paths": [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]}, 4326)
    assert multi["type"] == "MultiLineString" and len(multi["coordinates"]) == 2


def test_polygon_hole_stays_with_its_outer_ring():
    outer = [[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]  # clockwise: Esri outer ring
    hole = [[2, 2], [4, 2], [4, 4], [2, 4], [2, 2]]  # counter-clockwise: hole
    second = [[20, 20], [20, 30], [30, 30], [30, 20], [20, 20]]
    polygon = esri_to_geojson({"rings": [outer, hole]}, 4326)
    assert polygon["type"] == "Polygon" and len(polygon["coordinates"]) == 2
    multi = esri_to_geojson({"rings": [outer, hole, second]}, 4326)
    assert multi["type"] == "MultiPolygon" and [len(p) for p in multi["coordinates"]] == [2, 1]


def test_web_mercator_geometry_is_reprojected():
    point = esri_to_geojson({"x": 0, "y": 0}, 102100)
    assert point["coordinates"] == [0, 0]
    lon, lat = esri_to_geojson({"x": 20037508.34, "y": 0}, 3857)["coordinates"]
    assert math.isclose(lon, 180) and math.isclose(lat, 0, abs_tol=1e-9)


def test_null_and_empty_geometries_are_none():
    assert esri_to_geojson(None, 4326) is None
    assert esri_to_geojson({}, 4326) is None
    assert esri_to_geojson({"paths": []}, 4326) is None
    assert esri_to_geojson({"x": None, "y": None}, 4326) is None


def test_unknown_spatial_reference_is_refused():
    with pytest.raises(UnsupportedSpatialReference):
        esri_to_geojson({"x": 1, "y": 2}, 2227)


def test_z_and_m_values_are_dropped_and_the_answer_is_not_aliased():
    path = [[0.5, 1.5, 10.0, 3.0], [2.5, 3.5, 11.0, 4.0]]
    line = esri_to_geojson({"paths": [path], "hasZ": True, "hasM": True}, 4326)
    assert line["coordinates"] == [[0.5, 1.5], [2.5, 3.5]]
    line["coordinates"][0][0] = 99.0
    assert path[0][0] == 0.5
