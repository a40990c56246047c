"""Extract the synthetic protocol services (three families of layer), run `dbt build`, and
check the marts, the marts file, its macros and the GeoParquet export against the fixtures.
The utilities' own evidence-built replicas are built end to end in test_evidence_warehouse.py."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from replica_warehouse import PROTOCOL_CONFIGS, STALE_UTILITY, UTILITIES

from extract.arcgis.config import load_config_file
from extract.dbt_launch import dbt_env, run_dbt
from extract.numbers import parse_number
from replicas.arcgis import fixture_features
from replicas.bench import FULL_SCAN_IN_BBOX, FULL_SCAN_NEARBY, FULL_SCAN_SITES

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def built(replica_warehouse):
    return replica_warehouse


def marts(warehouse_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(warehouse_dir / "marts.duckdb"), read_only=True)
    con.execute("load spatial")
    return con


def expected_layer(code: str) -> tuple[int, float, str]:
    """(features, hosting capacity MW, field) straight from the replica's fixtures."""
    config, _ = load_config_file(PROTOCOL_CONFIGS / "utilities" / f"{code}.yaml")
    layer = config.layers[0]
    field = next(s for s, c in layer.field_map.items() if c == "hosting_capacity_mw")
    features = list(fixture_features(layer.service_url, layer.layer_index))
    values = [parse_number(f["attributes"].get(field)) for f in features]
    total = sum(v for v in values if v is not None)
    return len(features), total / 1000 if layer.capacity_unit == "kw" else total, field


@pytest.mark.parametrize("code", UTILITIES)
def test_every_fixture_feature_arrives_once_with_its_mw(built, code):
    _, warehouse_dir = built
    count, hosting_mw, _ = expected_layer(code)
    with marts(warehouse_dir) as con:
        rows, distinct, mw = con.execute("""
            select count(*), count(distinct (source_layer, source_object_id)),
                   sum(hosting_capacity_mw)
            from marts.hosting_capacity_records where utility_code = ?""", [code]).fetchone()
    assert rows == distinct == count
    assert mw == pytest.approx(hosting_mw, rel=1e-9)


def test_marts_file_holds_every_mart_and_the_cli_reads_geometry(built):
    _, warehouse_dir = built
    with marts(warehouse_dir) as con:
        tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert {"utilities", "hosting_capacity_records", "hosting_capacity_feeders",
            "hosting_capacity_summaries", "hc_ingestion_runs", "dynamic_prices",
            "dynamic_price_components"} <= tables
    query = ("LOAD spatial; SELECT count(*) FROM marts.hosting_capacity_records "
             "WHERE ST_X(ST_Centroid(geom)) BETWEEN -125 AND -66;")
    result = subprocess.run([str(BIN / "duckdb"), "-csv", "-noheader",
                             str(warehouse_dir / "marts.duckdb"), "-c", query],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 10_000


def test_utilities_mart_reports_status_vintage_and_staleness(built):
    _, warehouse_dir = built
    with marts(warehouse_dir) as con:
        rows = dict(con.execute("""select utility_code, (is_supported, last_ingest_status,
                    record_count > 0, data_vintage_date, is_stale) from marts.utilities"""
                                ).fetchall())
    assert set(rows) == set(UTILITIES)
    supported, status, has_records, vintage, stale = rows[STALE_UTILITY]
    assert (supported, status, has_records, vintage, stale) == (
        True, "success", True, date(2025, 1, 15), True)
    assert all(r[4] is False for code, r in rows.items() if code != STALE_UTILITY)


def test_feeders_and_summaries_count_each_feeder_once(built):
    _, warehouse_dir = built
    with marts(warehouse_dir) as con:
        assert con.execute("""
            select count(*) from marts.hosting_capacity_summaries s
            join (select utility_code, count(*) n, sum(hosting_capacity_max_mw) mw,
                         count(*) filter (where remaining_capacity_mw <= 0) constrained
                  from marts.hosting_capacity_feeders group by 1) f using (utility_code)
            where s.total_feeders <> f.n or abs(s.total_hosting_capacity_mw - f.mw) > 1e-9
               or s.constrained_feeders_count <> f.constrained""").fetchone()[0] == 0
        segments, feeders = con.execute("""select count(*), count(distinct feeder_id_external)
            from marts.hosting_capacity_records where utility_code = 'pge'""").fetchone()
        assert feeders < segments / 4  # several segments per feeder, summarised once
        breakdown = con.execute("""select constraint_breakdown from
            marts.hosting_capacity_summaries where utility_code = 'sce'""").fetchone()[0]
        assert set(breakdown) <= {"thermal", "voltage", "protection", "islanding",
                                  "reverse_power", "operational", "other"}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_hc_nearby_matches_a_haversine_worked_by_hand(built):
    _, warehouse_dir = built
    with marts(warehouse_dir) as con:
        lat, lon = con.execute("""select centroid_lat, centroid_lon from
            marts.hosting_capacity_records where utility_code = 'pepco'
            order by source_object_id limit 1""").fetchone()
        here = (lat + 0.01, lon - 0.01)
        rows = con.execute("select centroid_lat, centroid_lon, distance_km "
                           "from hc_nearby(?, ?, 3)", list(here)).fetchall()
    assert rows, "the record 1.4 km away must be found"
    distances = [d for _, _, d in rows]
    assert distances == sorted(distances)
    for r_lat, r_lon, distance in rows:
        assert distance == pytest.approx(haversine_km(*here, r_lat, r_lon), abs=1e-9)
        assert distance <= 3
    assert haversine_km(*here, lat, lon) == pytest.approx(1.39, abs=0.05)


def test_hc_in_bbox_includes_geometry_touching_the_edge(built):
    _, warehouse_dir = built
    with marts(warehouse_dir) as con:
        source_id, min_x, min_y, max_y = con.execute("""select source_object_id,
            st_xmin(geom), st_ymin(geom), st_ymax(geom) from marts.hosting_capacity_records
            where utility_code = 'ace' and geom is not null order by source_object_id limit 1
            """).fetchone()

        def ids_in(east_edge: float) -> list[int]:
            # the box's east edge runs through (or just west of) the geometry's westmost point
            return [i for (i,) in con.execute(
                "select source_object_id from hc_in_bbox(?, ?, ?, ?) where utility_code = 'ace'",
                [min_x - 0.5, min_y - 0.5, east_edge, max_y + 0.5]).fetchall()]

        touching, short_of_it = ids_in(min_x), ids_in(min_x - 1e-9)
        outside = con.execute("select count(*) from hc_in_bbox(0, 0, 1, 1)").fetchone()[0]
    assert source_id in touching
    assert source_id not in short_of_it
    assert outside == 0


def test_hc_sites_for_project_flags_pre_application_and_stale_data(built):
    _, warehouse_dir = built
    box = [-180, -90, 180, 90]
    with marts(warehouse_dir) as con:
        small = con.execute("select min(generation_hosting_capacity_mw), bool_or("
                            "needs_pre_application) from hc_sites_for_project(400, ?, ?, ?, ?)",
                            box).fetchone()
        large = con.execute("select min(generation_hosting_capacity_mw), bool_and("
                            "needs_pre_application) from hc_sites_for_project(2000, ?, ?, ?, ?)",
                            box).fetchone()
        stale = dict(con.execute("select utility_code, bool_and(data_is_stale) from "
                                 "hc_sites_for_project(100, ?, ?, ?, ?) group by 1",
                                 box).fetchall())
    assert small[0] >= 0.4 and small[1] is False
    assert large[0] >= 2.0 and large[1] is True
    assert stale[STALE_UTILITY] is True and stale["pge"] is False


def test_siting_macros_answer_exactly_as_a_full_scan(built):
    _, warehouse_dir = built
    with marts(warehouse_dir) as con:
        sites = con.execute("""select centroid_lat, centroid_lon from marts.hosting_capacity_records
            using sample 5 rows (reservoir, 42)""").fetchall()
        for (lat, lon), radius in itertools.product(sites + [(89.5, 0.0)], (0.5, 5, 50, 5000)):
            params = {"lat": lat + 0.003, "lon": lon - 0.003, "radius": radius}
            fast = con.execute("select source_object_id, distance_km from hc_nearby($lat, $lon, "
                               "$radius) order by distance_km, source_object_id",
                               params).fetchall()
            assert fast == con.execute(FULL_SCAN_NEARBY, params).fetchall(), params
        for lat, lon in sites:
            for half in (0.001, 0.05, 1.0):
                box = [lon - half, lat - half, lon + half, lat + half]
                fast = con.execute("select source_object_id from hc_in_bbox(?, ?, ?, ?) "
                                   "order by all", box).fetchall()
                assert fast == con.execute(FULL_SCAN_IN_BBOX, box).fetchall(), box
                assert fast, box
                sites_kw = con.execute(
                    "select source_object_id from hc_sites_for_project(100, ?, ?, ?, ?) "
                    "order by all", box).fetchall()
                assert sites_kw == con.execute(FULL_SCAN_SITES, [*box, 100]).fetchall(), box


def test_geoparquet_bbox_filter_reads_a_fraction_of_the_row_groups(built):
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    _, warehouse_dir = built
    path = warehouse_dir / "exports" / "hosting_capacity_records.parquet"
    geo = yaml.safe_load(pq.read_metadata(path).metadata[b"geo"])
    assert geo["version"] == "1.1.0"
    assert geo["columns"]["geom"]["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    with marts(warehouse_dir) as con:
        lat, lon = con.execute("select centroid_lat, centroid_lon "
                               "from marts.hosting_capacity_records "
                               "where utility_code = 'ace' limit 1").fetchone()
        expected = con.execute(FULL_SCAN_IN_BBOX.replace("source_object_id", "count(*)")
                               .replace("order by all", ""),
                               [lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05]).fetchone()[0]
    box = ((ds.field("bbox", "xmax") >= lon - 0.05) & (ds.field("bbox", "xmin") <= lon + 0.05)
           & (ds.field("bbox", "ymax") >= lat - 0.05) & (ds.field("bbox", "ymin") <= lat + 0.05))
    fragment = next(ds.dataset(path, format="parquet").get_fragments())
    touched = fragment.split_by_row_group(box)
    assert 0 < len(touched) < fragment.num_row_groups
    found = sum(part.to_table(filter=box).num_rows for part in touched)
    assert found == expected > 0


def test_geoparquet_export_opens_in_geopandas_with_wgs84_geometry(built):
    import geopandas
    import pyarrow.parquet as pq

    _, warehouse_dir = built
    path = warehouse_dir / "exports" / "hosting_capacity_records.parquet"
    metadata = pq.read_metadata(path).metadata
    geo = yaml.safe_load(metadata[b"geo"])
    assert geo["primary_column"] == "geom" and geo["version"].startswith("1.")
    frame = geopandas.read_parquet(path)
    assert frame.crs is not None and frame.crs.to_epsg() in (4326, None)
    assert frame.crs.equals("OGC:CRS84") or frame.crs.to_epsg() == 4326
    assert len(frame) == sum(expected_layer(code)[0] for code in UTILITIES)
    minx, miny, maxx, maxy = frame.total_bounds
    assert -125 < minx < maxx < -66 and 24 < miny < maxy < 50
    assert (warehouse_dir / "exports" / "dynamic_prices.parquet").exists()


def test_dbt_build_works_with_only_hosting_capacity_extracted(built):
    _, warehouse_dir = built
    with marts(warehouse_dir) as con:
        assert con.execute("select count(*) from marts.dynamic_prices").fetchone()[0] == 0


def test_ingestion_runs_are_recorded_without_tokens(built):
    _, warehouse_dir = built
    with marts(warehouse_dir) as con:
        runs = con.execute("select utility_code, status, records_written, source_url "
                           "from marts.hc_ingestion_runs").fetchall()
    assert {r[0] for r in runs} == set(UTILITIES)
    assert all(r[1] == "success" and r[2] > 0 and "token" not in r[3] for r in runs)


def test_records_expose_run_and_timestamps(built):
    _, warehouse_dir = built
    with marts(warehouse_dir) as con:
        loaded_at = con.execute("select max(loaded_at) from marts.hosting_capacity_records"
                                ).fetchone()[0]
    assert datetime.now(UTC) - loaded_at < timedelta(hours=1)


def readme_sql_examples() -> list[str]:
    text = (REPO / "README.md").read_text()
    return [block.split("```", 1)[0] for block in text.split("```sql\n")[1:]]


@pytest.mark.parametrize("example", readme_sql_examples(),
                         ids=lambda sql: sql.split("FROM")[-1].split()[0][:30])
def test_readme_examples_run_as_written_in_the_duckdb_cli(built, example):
    _, warehouse_dir = built
    result = subprocess.run([str(BIN / "duckdb"), "-csv", str(warehouse_dir / "marts.duckdb"),
                             "-c", example], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr, result.stderr
    rows = result.stdout.strip().splitlines()
    assert len(rows) >= 2 or "dynamic_prices" in example, result.stdout  # header + data


def test_source_freshness_passes_on_a_fresh_extract(built):
    config_dir, warehouse_dir = built
    result = run_dbt("source", "freshness", env=dbt_env(config_dir, warehouse_dir), timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "PASS freshness of raw_arcgis.ingestion_runs" in result.stdout


def test_docs_describe_every_mart_and_every_mart_column(built):
    import json

    config_dir, warehouse_dir = built
    result = run_dbt("docs", "generate", env=dbt_env(config_dir, warehouse_dir), timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    target = REPO / "dbt_project" / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    undocumented = []
    for node_id, node in manifest["nodes"].items():
        if node["resource_type"] != "model" or node["schema"] != "marts":
            continue
        if not node["description"].strip():
            undocumented.append(node["name"])
        for column in catalog["nodes"][node_id]["columns"]:
            described = node["columns"].get(column.lower(), {}).get("description", "")
            if not described.strip():
                undocumented.append(f"{node['name']}.{column}")
    assert undocumented == []
