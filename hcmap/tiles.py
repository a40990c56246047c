"""Vector tiles of every hosting-capacity record, built by DuckDB spatial's ST_AsMVT and written
as one PMTiles archive.

Two layers, by zoom:
- `summary` (zooms 0 to SUMMARY_MAXZOOM): one point per map cell of about 8 screen pixels,
  per utility and capacity kind, with how many records it stands for and the legend bin of the
  most remaining capacity among them (a small integer: MVT stores each distinct value once per
  tile, so a dot costs a few bytes). A national view then costs kilobytes, not the warehouse.
- `records` (MAXZOOM only): every record's own geometry, clipped to the tile, with the fields
  the popup and the radius panel show. The browser over-zooms these tiles beyond MAXZOOM (4096
  units per tile at zoom 12 is 2.4 m at the equator). One detail zoom, not several: each costs
  a pass over every record and as many bytes again (measured by `make bench`).

Every record is in the MAXZOOM tile that holds its centroid: where its geometry does not reach
that tile (an L-shaped line), it is written there as a point at its centroid with
`centroid_only`, which the map does not draw. The radius panel can thus read every record
whose centroid lies in a circle from the tiles that the circle touches.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from pmtiles.tile import Compression, Entry, TileType, zxy_to_tileid
from pmtiles.writer import finalize_header

from hcmap import legend

SUMMARY_MAXZOOM = 11
MAXZOOM = 12
DETAIL_MINZOOM = MAXZOOM
EXTENT = 4096
BUFFER = 64
SUMMARY_CELLS = 64  # per tile side: a cell is 64 of the tile's 4096 units
BAND_ROWS = 250_000  # records (or summary cells) whose tiles are aggregated at once
HALF_WORLD_M = 20037508.342789244  # Web Mercator
MAX_LAT = 85.0511287798066

# The tiles' own property names are the marts' column names; values are cast to the types
# ST_AsMVT writes (MVT has strings, doubles, integers and booleans).
DETAIL_PROPERTIES = {
    "utility_code": "varchar", "source_layer": "varchar", "source_object_id": "bigint",
    "feeder_id_external": "varchar", "feeder_name": "varchar", "substation_name": "varchar",
    "hosting_capacity_mw": "double", "generation_capacity_peak_mw": "double",
    "remaining_capacity_mw": "double",
    "remaining_capacity_source": "varchar", "installed_dg_mw": "double", "queued_dg_mw": "double",
    "constraining_metric": "varchar", "capacity_kind": "varchar",
    "capacity_is_lower_bound": "boolean", "centroid_lat": "double", "centroid_lon": "double",
}


@dataclass
class TileStats:
    records: int = 0
    tiles_per_zoom: dict[int, int] = field(default_factory=dict)
    bytes_per_zoom: dict[int, int] = field(default_factory=dict)
    largest_tile_bytes: int = 0
    bounds: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat


def tile_ids(z: int, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """PMTiles tile ids (Hilbert order within a zoom), vectorised; equals zxy_to_tileid."""
    x, y = xs.astype(np.uint64), ys.astype(np.uint64)
    acc = np.full(x.shape, ((1 << (2 * z)) - 1) // 3, dtype=np.uint64)
    for a in range(z - 1, -1, -1):
        s = np.uint64(1 << a)
        rx, ry = (x & s) > 0, (y & s) > 0
        acc += (((3 * rx.astype(np.uint64)) ^ ry.astype(np.uint64)) << np.uint64(2 * a))
        flip = ~ry & rx
        x = np.where(flip, s - np.uint64(1) - x, x)
        y = np.where(flip, s - np.uint64(1) - y, y)
        x, y = np.where(~ry, y, x), np.where(~ry, x, y)
    return acc


def _tile_index(metres: str, axis: str, z: int = MAXZOOM) -> str:
    """SQL for the tile column (axis x) or row (axis y) holding a Web Mercator coordinate."""
    size = 2 * HALF_WORLD_M / (1 << z)
    offset = f"({metres} + {HALF_WORLD_M!r})" if axis == "x" else f"({HALF_WORLD_M!r} - {metres})"
    return f"least(greatest(cast(floor({offset} / {size!r}) as integer), 0), {(1 << z) - 1})"


# Each record in Web Mercator, with the MAXZOOM tiles its bounding box spans (x0..x1, y0..y1)
# and the tile of its centroid (cx, cy).
FEATURES_SQL = """
create table features as
with projected as (
    select
        {columns},
        st_transform(t.geom, 'EPSG:4326', 'EPSG:3857', true) as geom_3857,
        t.centroid_lon * {half_world} / 180 as centroid_x,
        ln(tan(pi() / 4 + radians(greatest(least(t.centroid_lat, {max_lat}), -{max_lat})) / 2))
            * {half_world} / pi() as centroid_y
    from marts.hosting_capacity_records as t
    where t.geom is not null and t.centroid_lat is not null and not st_isempty(t.geom)
)
select *, {x0} as x0, {x1} as x1, {y0} as y0, {y1} as y1, {cx} as cx, {cy} as cy
from projected
"""

# The MAXZOOM tiles of tile columns lo..hi.
DETAIL_TILES_SQL = """
insert into tiles
select {z}, tx, ty, st_asmvt(feature, 'records', {extent}, 'geom')
from (
    select
        tx, ty,
        struct_pack(
            geom := coalesce(clipped, st_asmvtgeom(st_point(centroid_x, centroid_y),
                                                   st_extent(st_tileenvelope({z}, tx, ty)),
                                                   {extent}, {buffer}, true)),
            centroid_only := case when clipped is null then true end,
            {properties}
        ) as feature
    from (
        select
            f.*, cast(rx.tx as integer) as tx, cast(ry.ty as integer) as ty,
            st_asmvtgeom(f.geom_3857,
                         st_extent(st_tileenvelope({z}, cast(rx.tx as integer),
                                                   cast(ry.ty as integer))),
                         {extent}, {buffer}, true) as clipped
        from features as f,
            range(greatest(f.x0, {lo}), least(f.x1, {hi}) + 1) as rx(tx),
            range(f.y0, f.y1 + 1) as ry(ty)
        where f.x1 >= {lo} and f.x0 <= {hi}
    )
    where clipped is not null or (tx = cx and ty = cy)
)
group by tx, ty
"""

SUMMARY_LEAF_SQL = """
create or replace temporary table summary_cells as
select
    cast(floor((centroid_x + {half_world}) / {cell_m}) as bigint) as gx,
    cast(floor(({half_world} - centroid_y) / {cell_m}) as bigint) as gy,
    utility_code, capacity_kind,
    count(*) as records,
    max(remaining_capacity_mw) as remaining_capacity_mw
from features
group by all
"""

SUMMARY_PARENT_SQL = """
create or replace temporary table summary_cells as
select gx // 2 as gx, gy // 2 as gy, utility_code, capacity_kind,
       cast(sum(records) as bigint) as records, max(remaining_capacity_mw) as remaining_capacity_mw
from summary_cells
group by all
"""

# The summary tiles of tile columns lo..hi at zoom z.
SUMMARY_TILES_SQL = """
insert into tiles
select {z}, gx // {cells} as tx, gy // {cells} as ty,
       st_asmvt(struct_pack(
           geom := st_point((gx % {cells}) * {cell_units} + {cell_units} / 2,
                            (gy % {cells}) * {cell_units} + {cell_units} / 2),
           utility_code := utility_code, capacity_kind := capacity_kind,
           records := records, remaining_bin := {remaining_bin}
       ), 'summary', {extent}, 'geom')
from summary_cells
where gx // {cells} between {lo} and {hi}
group by all
"""


def _bands(con: duckdb.DuckDBPyConnection, counts_sql: str) -> list[tuple[int, int]]:
    """Consecutive ranges of tile columns holding about BAND_ROWS rows each (a column is never
    split). ST_AsMVT's aggregate cannot spill to disk, so each band's tiles are built apart:
    that bounds a build's memory whatever the warehouse's size."""
    bands: list[tuple[int, int]] = []
    low = high = None
    rows = 0
    for column, count in con.execute(counts_sql).fetchall():
        if low is not None and rows + count > BAND_ROWS:
            bands.append((low, high))
            low, rows = None, 0
        low = column if low is None else low
        high, rows = column, rows + count
    if low is not None:
        bands.append((low, high))
    return bands


def make_tiles(con: duckdb.DuckDBPyConnection, columns: str) -> TileStats:
    """Fills table `tiles(z, x, y, data)` from `marts.hosting_capacity_records`."""
    con.execute(FEATURES_SQL.format(
        columns=columns, half_world=repr(HALF_WORLD_M), max_lat=repr(MAX_LAT),
        x0=_tile_index("st_xmin(geom_3857)", "x"), x1=_tile_index("st_xmax(geom_3857)", "x"),
        y0=_tile_index("st_ymax(geom_3857)", "y"), y1=_tile_index("st_ymin(geom_3857)", "y"),
        cx=_tile_index("centroid_x", "x"), cy=_tile_index("centroid_y", "y")))
    stats = TileStats()
    stats.records = con.execute("select count(*) from features").fetchone()[0]
    con.execute("create table tiles (z integer, x bigint, y bigint, data blob)")
    properties = ",\n            ".join(f"{name} := cast({name} as {kind})"
                                      for name, kind in DETAIL_PROPERTIES.items())
    for low, high in _bands(con, "select x0, count(*) from features group by 1 order by 1"):
        con.execute(DETAIL_TILES_SQL.format(z=MAXZOOM, extent=EXTENT, buffer=BUFFER,
                                            properties=properties, lo=low, hi=high))
    cell_m = 2 * HALF_WORLD_M / ((1 << SUMMARY_MAXZOOM) * SUMMARY_CELLS)
    con.execute(SUMMARY_LEAF_SQL.format(half_world=repr(HALF_WORLD_M), cell_m=repr(cell_m)))
    remaining_bin = legend.bin_sql("remaining_capacity_mw")
    for z in range(SUMMARY_MAXZOOM, -1, -1):
        if z < SUMMARY_MAXZOOM:
            con.execute(SUMMARY_PARENT_SQL)
        columns_sql = (f"select gx // {SUMMARY_CELLS}, count(*) from summary_cells "
                       "group by 1 order by 1")
        for low, high in _bands(con, columns_sql):
            con.execute(SUMMARY_TILES_SQL.format(
                z=z, cells=SUMMARY_CELLS, extent=EXTENT, cell_units=EXTENT // SUMMARY_CELLS,
                remaining_bin=remaining_bin, lo=low, hi=high))
    if stats.records:
        stats.bounds = con.execute(
            "select min(st_xmin(geom)), min(st_ymin(geom)), max(st_xmax(geom)), "
            "max(st_ymax(geom)) from marts.hosting_capacity_records").fetchone()
    return stats


def write_pmtiles(con: duckdb.DuckDBPyConnection, path: Path, stats: TileStats,
                  metadata: dict) -> None:
    """Writes table `tiles` as a clustered PMTiles v3 archive of gzip-compressed MVT tiles."""
    entries: list[Entry] = []
    offset = 0
    data_path = path.with_suffix(".tiledata")
    with data_path.open("wb") as data_file:
        for (z,) in con.execute("select distinct z from tiles order by z").fetchall():
            xs, ys = (np.asarray(c) for c in con.execute(
                "select x, y from tiles where z = ?", [z]).fetchnumpy().values())
            ids = pa.table({"x": xs, "y": ys, "tile_id": tile_ids(z, xs, ys)})
            con.register("tile_order", ids)
            result = con.execute("""select o.tile_id, t.data from tiles t
                                    join tile_order o on t.x = o.x and t.y = o.y
                                    where t.z = ? order by o.tile_id""", [z])
            count = size = 0
            while batch := result.fetchmany(2048):
                for tile_id, data in batch:
                    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip
                    packed = packer.compress(data) + packer.flush()
                    data_file.write(packed)
                    entries.append(Entry(int(tile_id), offset, len(packed), 1))
                    offset += len(packed)
                    count, size = count + 1, size + len(packed)
                    stats.largest_tile_bytes = max(stats.largest_tile_bytes, len(packed))
            con.unregister("tile_order")
            stats.tiles_per_zoom[z], stats.bytes_per_zoom[z] = count, size
    if not entries:  # an empty warehouse still gets a valid, empty-looking archive
        entries.append(Entry(zxy_to_tileid(0, 0, 0), 0, 0, 1))
    min_lon, min_lat, max_lon, max_lat = stats.bounds or (-125.0, 24.0, -66.0, 50.0)
    header = {
        "version": 3, "tile_compression": Compression.GZIP, "tile_type": TileType.MVT,
        "min_lon_e7": int(min_lon * 1e7), "min_lat_e7": int(min_lat * 1e7),
        "max_lon_e7": int(max_lon * 1e7), "max_lat_e7": int(max_lat * 1e7),
        "center_zoom": 4, "center_lon_e7": int((min_lon + max_lon) / 2 * 1e7),
        "center_lat_e7": int((min_lat + max_lat) / 2 * 1e7),
    }
    header_bytes, root, packed_metadata, leaves = finalize_header(
        header, len(entries), entries, len(entries), metadata, True, offset)
    with path.open("wb") as archive, data_path.open("rb") as data_file:
        for part in (header_bytes, root, packed_metadata, leaves):
            archive.write(part)
        while chunk := data_file.read(1 << 20):
            archive.write(chunk)
    data_path.unlink()


def vector_layers() -> list[dict]:
    """The archive's `vector_layers` metadata (TileJSON)."""
    return [
        {"id": "summary", "minzoom": 0, "maxzoom": SUMMARY_MAXZOOM,
         "description": "records per map cell, utility and capacity kind",
         "fields": {"utility_code": "String", "capacity_kind": "String",
                    "records": "Number", "remaining_bin": "Number"}},
        {"id": "records", "minzoom": DETAIL_MINZOOM, "maxzoom": MAXZOOM,
         "description": "marts.hosting_capacity_records, one feature per record and tile",
         "fields": {name: {"varchar": "String", "boolean": "Boolean"}.get(kind, "Number")
                    for name, kind in DETAIL_PROPERTIES.items()} | {"centroid_only": "Boolean"}},
    ]
