"""`make map`: the static map site, from the marts file into `$HC_WAREHOUSE_DIR/map/`.

The site is built aside and renamed into place, so a server never shows half a site:

    index.html, app.js, mvt.js, style.css   the page (hcmap/site/)
    vendor/                                 MapLibre GL JS and PMTiles from hcmap/node_modules
    data/records.pmtiles                    vector tiles of every record (hcmap/tiles.py)
    data/utilities.json                     name, vintage, staleness and source of each utility
    data/states.geojson                     US state outlines, the only base layer
    data/meta.json                          legend, zooms, counts, when and from what it was built
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from hcmap import legend, records, states, tiles

PACKAGE = Path(__file__).resolve().parent
SITE_SOURCE = PACKAGE / "site"
NODE_MODULES = PACKAGE / "node_modules"
# (file under node_modules, name in the site's vendor/ folder)
VENDORED = (
    ("maplibre-gl/dist/maplibre-gl.mjs", "maplibre-gl.mjs"),
    ("maplibre-gl/dist/maplibre-gl-worker.mjs", "maplibre-gl-worker.mjs"),
    ("maplibre-gl/dist/maplibre-gl.css", "maplibre-gl.css"),
    ("maplibre-gl/LICENSE.txt", "LICENSE-maplibre-gl.txt"),
    ("pmtiles/dist/pmtiles.js", "pmtiles.js"),
    ("us-atlas/LICENSE", "LICENSE-us-atlas.txt"),
)
STATES_TOPOJSON = "us-atlas/states-10m.json"
JS_PACKAGES = ("maplibre-gl", "pmtiles", "us-atlas")
ATTRIBUTION = ("Hosting capacity: each utility's published map (see a feature's source link). "
               "State outlines: U.S. Census Bureau via us-atlas.")


class MapBuildError(Exception):
    """The site cannot be built; the message names the file and what to do."""


@dataclass
class BuildReport:
    out_dir: Path
    records: int
    tiles: int
    site_bytes: int
    seconds: float
    stood_in: list[str]


def _vendor(site: Path) -> dict[str, str]:
    missing = [source for source, _ in VENDORED if not (NODE_MODULES / source).exists()]
    if missing:
        raise MapBuildError(f"{NODE_MODULES}: {', '.join(missing)} missing; run `make setup` "
                            "(npm ci in hcmap/ installs the pinned browser libraries)")
    (site / "vendor").mkdir()
    for source, name in VENDORED:
        shutil.copyfile(NODE_MODULES / source, site / "vendor" / name)
    return {name: json.loads((NODE_MODULES / name / "package.json").read_text())["version"]
            for name in JS_PACKAGES}


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, default=_json_default, separators=(",", ":")))


def _utilities(con: duckdb.DuckDBPyConnection, marts_file: Path) -> tuple[list[dict], list[str]]:
    columns, stood_in = records.utility_select(con, str(marts_file))
    cursor = con.execute(f"select {columns} from marts.utilities as t "
                         "where t.record_count > 0 order by t.utility_name, t.utility_code")
    names = [d[0] for d in cursor.description]
    utilities = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    bounds = {code: box for code, *box in con.execute(
        "select utility_code, min(st_xmin(geom)), min(st_ymin(geom)), max(st_xmax(geom)), "
        "max(st_ymax(geom)) from marts.hosting_capacity_records where geom is not null "
        "group by utility_code").fetchall()}
    for utility in utilities:
        utility["bounds"] = bounds.get(utility["utility_code"])
    return utilities, stood_in


def site_size(site: Path) -> int:
    return sum(f.stat().st_size for f in site.rglob("*") if f.is_file())


def build_site(marts_file: Path, out_dir: Path) -> BuildReport:
    started = time.monotonic()
    if not marts_file.is_file():
        raise MapBuildError(f"{marts_file}: no marts file; run `make demo` or `make extract "
                            "build` first (HC_WAREHOUSE_DIR names the warehouse folder)")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    building = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    try:
        shutil.copytree(SITE_SOURCE, building, dirs_exist_ok=True)
        versions = _vendor(building)
        (building / "data").mkdir()
        work_db = building / "_work.duckdb"
        with duckdb.connect(str(work_db)) as con:
            con.execute("load spatial")
            con.execute(f"set temp_directory = '{building / '_spill'}'")
            con.execute("set preserve_insertion_order = false")
            con.execute(f"set memory_limit = '{os.environ.get('HC_MAP_MEMORY_LIMIT', '2GB')}'")
            escaped = str(marts_file).replace("'", "''")
            try:
                con.execute(f"attach '{escaped}' as marts (read_only)")
            except duckdb.Error as error:
                raise MapBuildError(f"{marts_file}: cannot open it read-only ({error})") from None
            columns, stood_in = records.record_select(con, str(marts_file))
            utilities, utility_stood_in = _utilities(con, marts_file)
            stats = tiles.make_tiles(con, columns)
            built_at = datetime.now(UTC)
            tiles.write_pmtiles(con, building / "data" / "records.pmtiles", stats, {
                "name": "Hosting capacity records", "format": "pbf",
                "attribution": ATTRIBUTION, "vector_layers": tiles.vector_layers(),
                "generated_at": built_at.isoformat()})
        work_db.unlink()
        shutil.rmtree(building / "_spill", ignore_errors=True)
        _write_json(building / "data" / "utilities.json", utilities)
        _write_json(building / "data" / "states.geojson",
                    states.states_geojson(NODE_MODULES / STATES_TOPOJSON))
        _write_json(building / "data" / "meta.json", {
            "built_at": built_at, "marts_file": str(marts_file), "records": stats.records,
            "bounds": stats.bounds, "legend": legend.legend(), "attribution": ATTRIBUTION,
            "tiles": {"summary_maxzoom": tiles.SUMMARY_MAXZOOM,
                      "detail_minzoom": tiles.DETAIL_MINZOOM, "maxzoom": tiles.MAXZOOM,
                      "extent": tiles.EXTENT, "count": sum(stats.tiles_per_zoom.values()),
                      "largest_tile_bytes": stats.largest_tile_bytes},
            "pre_application_kw": 500, "libraries": versions,
            "stood_in_columns": stood_in + utility_stood_in})
        size = site_size(building)
        previous = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}"
        if out_dir.exists():
            out_dir.rename(previous)
        building.rename(out_dir)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return BuildReport(out_dir, stats.records, sum(stats.tiles_per_zoom.values()), size,
                       time.monotonic() - started, stood_in + utility_stood_in)
