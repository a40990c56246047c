"""`make bench`: how fast and lean the pipeline is, against the alternatives. Not a test.

1. Extract a replica layer of 100,000 segments served at 0.3 s per page: our extractor vs
   pyesridump (installed into its own venv under .bench/, politeness pauses off).
2. Peak memory of our extractor on a 1,000,000-feature layer.
3. The hosting-capacity dbt models on 1,000,000 raw records vs the same compiled SQL run
   directly in DuckDB.
4. A re-run of the demo configs with nothing changed.
5. National scale: `dbt build` of every model on 10,000,000 records, then each siting macro
   against its full-scan twin on the marts file it published.
6. The map site (`make map`) for 1,000,000 synthetic records (and 10,000,000 with --map-10m):
   build time, site size, the same tiles as per-zoom tile files, and the time to first render
   in headless Chromium.
7. History: a refresh of 1,000,000 records where 5% changed, built with and without the
   history models; the disk the history gains against one vintage, and the build times.
8. The lake (HC_LAKE: DuckLake, its catalog in a throwaway PostgreSQL) against the DuckDB
   file: an extract of 1,000,000 features, `dbt build` on 10,000,000 records, and the siting
   macros run in the lake against the same macros in the file's marts.duckdb.
9. A build after a refresh of one utility of 25, at 10,000,000 records, against the full
   build before it (the per-utility incremental models and the incremental publish).
Figures are printed with each target's ratio.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import yaml

from extract.arcgis.layer import pages_in_flight
from extract.dbt_launch import dbt_env, launch_dbt
from replicas.arcgis import ArcGISReplica
from replicas.arcgis.catalog import BENCH_URL, bench_service
from replicas.server import ReplicaServer

REPO = Path(__file__).resolve().parents[3]
BENCH_DIR = REPO / ".bench"
BIN = Path(sys.executable).parent
BENCH_CONFIG = {
    "utility_code": "bench", "utility_name": "Benchmark utility", "states": ["CA"],
    "data_source_type": "arcgis_feature", "requires_auth": False, "service_url": BENCH_URL,
    "layer_index": 0, "page_size": 2000, "capacity_unit": "kw",
    "field_map": {"FEEDER_ID": "feeder_id_external", "SUBSTATION": "substation_name",
                  "HC_KW": "hosting_capacity_mw", "EXISTING_DG_KW": "installed_dg_mw",
                  "QUEUED_DG_KW": "queued_dg_mw", "LIMITING_FACTOR": "constraining_metric",
                  "VOLTAGE_KV": "voltage_kv"},
}
# esri2geojson --jsonlines, as shipped (its page size, retries and order), with the
# politeness pauses off: the CLI has no switch for them, hence the two lines of Python.
PYESRIDUMP_SCRIPT = """
import json, sys
from esridump.dumper import EsriDumper
count = 0
with open(sys.argv[2], "w") as out:
    for feature in EsriDumper(sys.argv[1], pause_seconds=0):
        out.write(json.dumps(feature) + "\\n")
        count += 1
print(count)
"""


# The same pages, the same number at a time, read by a bare client that only receives them
# (no parsing, no loading): what the server and HTTP cost above the floor.
BARE_CLIENT_SCRIPT = """
import sys
from concurrent.futures import ThreadPoolExecutor
import httpx
url, count, size, in_flight = sys.argv[1], *map(int, sys.argv[2:5])
params = {"where": "1=1", "outFields": "*", "returnGeometry": "true", "outSR": "4326",
          "f": "json", "orderByFields": "OBJECTID ASC", "resultRecordCount": size}
with httpx.Client(timeout=60) as client, ThreadPoolExecutor(in_flight) as pool:
    sizes = pool.map(lambda offset: len(client.get(url, params={**params, "resultOffset": offset})
                                        .raise_for_status().content), range(0, count, size))
    print(sum(sizes))
"""


# Linux carries a process's peak RSS over fork and exec: a command started by the bench
# (200+ MB with the prepared replica) would report at least the bench's own size. This small
# Python in between starts the command and writes down the command's own peak (in KB).
PEAK_RSS_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(command: list[str], env: dict, cwd: Path = REPO) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, output) of a child process."""
    with tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak_rss_kb"
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-c", PEAK_RSS_LAUNCHER, str(peak_file),
                                    *map(str, command)], env=env, cwd=cwd,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wall, _, output = waited(process, started)
        return wall, int(peak_file.read_text()) / 1024, output


def waited(process: subprocess.Popen, started: float) -> tuple[float, float, str]:
    """(wall seconds since `started`, peak RSS MB, output) of a child writing to a pipe."""
    command = process.args
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{output[-3000:]}")
    return wall, usage.ru_maxrss / 1024, output


def bench_workspace(name: str, utilities: tuple[str, ...] = ("bench",)) -> tuple[Path, Path]:
    root = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=BENCH_DIR))
    (root / "configs" / "utilities").mkdir(parents=True)
    for code in utilities:
        (root / "configs" / "utilities" / f"{code}.yaml").write_text(
            yaml.safe_dump({**BENCH_CONFIG, "utility_code": code}))
    (root / "warehouse").mkdir()
    return root / "configs", root / "warehouse"


def run_our_extract(server_url: str, label: str, **extra_env: str) -> tuple[float, float]:
    config_dir, warehouse_dir = bench_workspace(label)
    env = {**os.environ, "HC_REPLICA_URL": server_url, "HC_CONFIG_DIR": str(config_dir),
           "HC_WAREHOUSE_DIR": str(warehouse_dir), **extra_env}
    wall, rss, output = measured([sys.executable, "-m", "extract", "hosting-capacity",
                                  "--utility", "bench", "--force"], env)
    print("   ", output.strip().splitlines()[-1])
    return wall, rss


def pyesridump_python() -> Path:
    venv = BENCH_DIR / "pyesridump-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "esridump==1.13.0"], check=True)
    return python


@contextmanager
def prepared_replica(features: int, delay: float) -> Iterator[ArcGISReplica]:
    """The bench layer with its features computed up front, as a real server reads them from
    its database: each page then costs the configured delay, not the replica's generator
    (whose CPU time, under Python's GIL, would otherwise serialise concurrent pages)."""
    from replicas.arcgis import query
    from replicas.arcgis.features import generate_feature

    app = ArcGISReplica(catalog=[bench_service(features, delay)])
    layer = app.layer(BENCH_URL, 0)
    ids = layer.id_space()
    store = {}
    for index in range(ids.count):
        feature = generate_feature(layer, index, ids.oid_at(index))
        store[feature.object_id] = feature
    query.generate_feature = lambda spec, index, oid: store[oid]
    # The store is a million objects that live as long as the server: frozen, Python's
    # collector stops walking them at every full collection, which stalled pages served
    # meanwhile (a bare client's 50 pages at 4 in flight: 6.4 s, frozen 4.8 s).
    gc.freeze()
    try:
        yield app
    finally:
        gc.unfreeze()
        query.generate_feature = generate_feature


def compare_with_pyesridump(features: int, delay: float) -> None:
    print(f"\n1. Extract {features:,} segments at {delay} s per page")
    with prepared_replica(features, delay) as app, ReplicaServer(apps=[app]) as server:
        ours, our_rss = run_our_extract(server.url, "extract")
        local_url = f"{server.url}/{BENCH_URL.split('://', 1)[1]}/0"
        geojson = Path(tempfile.mkdtemp(dir=BENCH_DIR)) / "pyesridump.geojsonl"
        theirs, their_rss, output = measured(
            [str(pyesridump_python()), "-c", PYESRIDUMP_SCRIPT, local_url, str(geojson)],
            dict(os.environ))
        assert int(output.strip().splitlines()[-1]) == features, output
        bare, _, _ = measured([sys.executable, "-c", BARE_CLIENT_SCRIPT, f"{local_url}/query",
                               features, BENCH_CONFIG["page_size"], pages_in_flight()],
                              dict(os.environ))
    print(f"   ours:       {ours:7.1f} s  {features / ours:9,.0f} features/s  {our_rss:6.0f} MB "
          f"(target <= 150 MB at 100,000)")
    print(f"   pyesridump: {theirs:7.1f} s  {features / theirs:9,.0f} features/s  "
          f"{their_rss:6.0f} MB (GeoJSON lines to a file; default page size 1000)")
    pages = -(-features // BENCH_CONFIG["page_size"])
    # The least time any extractor with our page size and requests in flight can take: every
    # page waits out its delay, that many at a time.
    floor = pages * delay / pages_in_flight()
    print(f"   floor: {floor:.2f} s ({pages} pages x {delay} s / {pages_in_flight()} requests in "
          f"flight); ratio ours/floor: {ours / floor:.2f} (target <= 1.5)")
    print(f"   a bare client receiving the same pages (no parsing, no loading): {bare:.1f} s, "
          f"{bare / floor:.2f} x the floor")
    print(f"   ratio ours/pyesridump: {ours / theirs:.2f} (target <= 0.25)")


def peak_memory(features: int) -> None:
    print(f"\n2. Peak memory extracting {features:,} features (no page delay)")
    app = ArcGISReplica(catalog=[bench_service(features, 0.0)])
    with ReplicaServer(apps=[app]) as server:
        wall, rss = run_our_extract(server.url, "memory")
    print(f"   {wall:.1f} s, {features / wall:,.0f} features/s, peak RSS {rss:.0f} MB "
          f"(target <= 250 MB at 1,000,000)")


# One successful run of synthetic records of `utility`: run `run`, loaded at `loaded`, its
# layer last edited at `edited`; records whose number is a multiple of `every` get `bump` kW
# more hosting capacity; the utility's rows of other runs are pruned, as the extract prunes
# them. Each utility's grid lies `east` degrees east of the first one's.
SYNTHETIC_RUN_SQL = """
create schema if not exists raw_arcgis;
insert into raw_arcgis.ingestion_runs (run_id, utility_code, started_at, completed_at, status,
    records_fetched, records_written, layer_fingerprints, _dlt_load_id, _dlt_id)
values ('{run}', '{utility}', '{loaded}', '{loaded}', 'success', {n}, {n},
        '{{"primary": {{"url": "bench", "last_edit_date": "{edited}"}}}}', 'bench', '{run}');
insert into raw_arcgis.features by position
select '{utility}', 'primary', i,
    json_object('OBJECTID', i, 'FEEDER_ID', 'F' || (i // 20), 'SUBSTATION', 'S' || (i // 400),
                'HC_KW', format('{{:,}}', (i * 37) % 5000 + if(i % {every} = 0, {bump}, 0)),
                'EXISTING_DG_KW', (i * 13) % 900, 'QUEUED_DG_KW', (i * 7) % 300,
                'LIMITING_FACTOR', ['Thermal', 'Voltage (Steady State)', 'Protection',
                                    'N/A', 'Reverse Power Flow'][1 + i % 5],
                'VOLTAGE_KV', 12.47),
    json_object('type', 'LineString', 'coordinates',
                [[-120 + {east} + (i % 1000) * 0.001, 35 + (i // 1000) * 0.001],
                 [-120 + {east} + (i % 1000) * 0.001 + 0.0005, 35 + (i // 1000) * 0.001 + 0.0005]]),
    '{run}'
from range({n}) as t(i);
delete from raw_arcgis.features where utility_code = '{utility}' and ingestion_run_id <> '{run}';
"""


def synthetic_run_sql(records: int, run: str = "bench-run",
                      loaded: str = "2026-11-01 00:00:00+00",
                      edited: str = "2026-10-31T00:00:00+00:00", every: int = 1,
                      bump: int = 0, utility: str = "bench", east: float = 0) -> str:
    return SYNTHETIC_RUN_SQL.format(n=records, run=run, loaded=loaded, edited=edited,
                                    every=every, bump=bump, utility=utility, east=east)


HC_SQL_MODELS = ["stg_arcgis__ingestion_runs", "stg_arcgis__latest_successful_runs",
                 "stg_arcgis__features", "int_utility_fingerprints",
                 "int_hosting_capacity_fields_extracted", "int_constraints_canonicalized",
                 "int_hosting_capacity_records_normalized", "hosting_capacity_records",
                 "hosting_capacity_quarantine", "hosting_capacity_feeders",
                 "hosting_capacity_summaries", "hc_ingestion_runs",
                 "utilities"]


def dbt(args: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, seconds dbt reports for running the nodes, without its start-up)."""
    started = time.monotonic()
    wall, _, output = waited(launch_dbt(*args, env=dbt_env(base=env), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True), started)
    finished = re.search(r"Finished running .* in .*\(([0-9.]+)s\)", output)
    return wall, float(finished.group(1)) if finished else wall


def compiled_sql(model: str) -> Path:
    matches = [path for path in
               (REPO / "dbt_project" / "target" / "compiled").rglob(f"{model}.sql")
               if not path.parent.name.endswith(".yml")]  # not a unit test's fixture
    return matches[0]


def raw_sql_script(workdir: Path) -> Path:
    """The compiled models as one script, each created as dbt materialises it."""
    statements = ["load spatial;"]
    for model in HC_SQL_MODELS:
        schema = ("staging" if model.startswith("stg_") else
                  "intermediate" if model.startswith("int_") else "marts")
        kind = "view" if schema == "staging" or model.endswith("_extracted") else "table"
        statements.append(f"create or replace {kind} {schema}.{model} as\n"
                          f"{compiled_sql(model).read_text()};")
    script = workdir / "hosting_capacity_models.sql"
    script.write_text("\n".join(statements))
    return script


def synthetic_warehouse(name: str,
                        utilities: tuple[str, ...] = ("bench",)) -> tuple[dict, Path]:
    """(dbt's environment, the warehouse file) of a new workspace holding the bench config
    (one per utility code), the raw tables (created on-run-start), the tiny config tables and
    the seed, ready for synthetic raw rows."""
    config_dir, warehouse_dir = bench_workspace(name, utilities)
    env = {**os.environ, "HC_CONFIG_DIR": str(config_dir), "HC_WAREHOUSE_DIR": str(warehouse_dir),
           "DBT_PROFILES_DIR": str(REPO / "dbt_project")}
    env.pop("HC_REPLICA_URL", None)
    dbt(["run", "--select", "stg_configs__layers", "stg_configs__utilities"], env)
    dbt(["seed"], env)
    return env, warehouse_dir / "hosting_capacity.duckdb"


def dbt_vs_raw_sql(records: int) -> Path:
    """Prints the figures; returns the warehouse it built, for the smoke test."""
    print(f"\n3. Hosting-capacity models on {records:,} records: dbt vs the same SQL in DuckDB")
    env, database = synthetic_warehouse("dbt")
    with duckdb.connect(str(database)) as con:
        con.execute(synthetic_run_sql(records))
    selection = ["--select", *HC_SQL_MODELS]
    run_seconds, run_nodes_seconds = dbt(["run", *selection], env)
    build_seconds, build_nodes_seconds = dbt(["build", *selection], env)
    # dbt's fixed cost: start-up (imports, project load, connection) and exit, one tiny view
    fixed_seconds, _ = dbt(["run", "--select", "stg_arcgis__ingestion_runs"], env)
    # --full-refresh: the SQL of a build from scratch, not of an incremental one
    dbt(["compile", "--full-refresh", *selection, "--exclude", "test_type:unit"], env)
    # Both sides timed the same way: a process that opens the file, runs, and closes it.
    raw_seconds, _, _ = measured([str(BIN / "duckdb"), str(database), "-bail", "-f",
                                  str(raw_sql_script(database.parent))], env)
    floor = (raw_seconds + fixed_seconds) / raw_seconds
    print(f"   dbt build: {build_seconds:.1f} s ({build_nodes_seconds:.1f} s running nodes, "
          f"with {len(HC_SQL_MODELS)} models, their data tests and unit tests)")
    print(f"   dbt run:   {run_seconds:.1f} s ({run_nodes_seconds:.1f} s running nodes)")
    print(f"   raw SQL:   {raw_seconds:.1f} s (duckdb CLI, same compiled SQL, one script)")
    print(f"   dbt's fixed cost (a run of one tiny view): {fixed_seconds:.1f} s")
    print(f"   ratio dbt build/raw SQL: {build_seconds / raw_seconds:.2f} wall, "
          f"{build_nodes_seconds / raw_seconds:.2f} running nodes (with the data tests)")
    print(f"   node-time ratio, dbt run/raw SQL: {run_nodes_seconds / raw_seconds:.2f} "
          "(target <= 1.2)")
    print(f"   wall ratio, dbt run/raw SQL: {run_seconds / raw_seconds:.2f} "
          "(target <= 1.3 at 10,000,000 records)")
    print(f"   floor for dbt on this SQL (raw + dbt's fixed cost): {floor:.2f}")
    return database


def unchanged_rerun() -> None:
    print("\n4. Re-run of the demo configs with nothing changed")
    _, warehouse_dir = bench_workspace("rerun")
    with ReplicaServer() as server:
        env = {**os.environ, "HC_REPLICA_URL": server.url,
               "HC_CONFIG_DIR": str(REPO / "configs"), "HC_WAREHOUSE_DIR": str(warehouse_dir)}
        first, _, _ = measured([sys.executable, "-m", "extract", "all"], env)
        second, _, output = measured([sys.executable, "-m", "extract", "all"], env)
    print(f"   first run {first:.1f} s, re-run {second:.1f} s (target <= 5 s)")
    print("   " + "\n   ".join(line for line in output.splitlines() if "utilities ok" in line
                                 or "pricing" in line.lower())[:2000])


# The siting macros as they were before pruning: every row gets the exact test. The tests
# check that the macros answer exactly these; the bench times both.
FULL_SCAN_NEARBY = """
    select source_object_id, distance_km from (
        select records.source_object_id, 2 * 6371.0088 * asin(sqrt(
            pow(sin(radians(records.centroid_lat - $lat) / 2), 2)
            + cos(radians($lat)) * cos(radians(records.centroid_lat))
            * pow(sin(radians(records.centroid_lon - $lon) / 2), 2))) as distance_km
        from marts.hosting_capacity_records as records where records.centroid_lat is not null)
    where distance_km <= $radius order by distance_km, source_object_id"""
FULL_SCAN_IN_BBOX = """
    select source_object_id from marts.hosting_capacity_records
    where st_intersects(geom, st_makeenvelope($1, $2, $3, $4)) order by all"""
FULL_SCAN_SITES = FULL_SCAN_IN_BBOX.replace(
    "where", "where capacity_kind = 'generation' and coalesce(generation_capacity_peak_mw, "
    "hosting_capacity_mw) * 1000 >= $5 and")


def median_ms(con: duckdb.DuckDBPyConnection, sql: str, params, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        con.execute(sql, params).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)[len(times) // 2]


def siting_at_national_scale(records: int) -> None:
    print(f"\n5. National scale: {records:,} records")
    env, database = synthetic_warehouse("national")
    warehouse_dir = database.parent
    with duckdb.connect(str(database)) as con:
        con.execute(synthetic_run_sql(records))
    build_seconds, build_nodes_seconds = dbt(["build"], env)
    print(f"   dbt build, every model and test: {build_seconds:.1f} s "
          f"({build_nodes_seconds:.1f} s running nodes)")
    lat, lon = 35.0 + records / 1000 * 0.0005, -119.5  # the middle of the synthetic grid
    cases = [
        ("hc_nearby(lat, lon, 5)",
         "select source_object_id, distance_km from hc_nearby($lat, $lon, $radius) "
         "order by distance_km, source_object_id", FULL_SCAN_NEARBY,
         {"lat": lat, "lon": lon, "radius": 5}),
        ("hc_in_bbox, 0.1 degree box",
         "select source_object_id from hc_in_bbox($1, $2, $3, $4) order by all",
         FULL_SCAN_IN_BBOX, [lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05]),
        ("hc_sites_for_project(2000, 0.1 degree box)",
         "select source_object_id from hc_sites_for_project($5, $1, $2, $3, $4) order by all",
         FULL_SCAN_SITES, [lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05, 2000]),
    ]
    with duckdb.connect(str(warehouse_dir / "marts.duckdb"), read_only=True) as con:
        con.execute("load spatial")
        for name, fast, slow, params in cases:
            answers = con.execute(fast, params).fetchall()
            assert answers == con.execute(slow, params).fetchall(), name
            fast_ms, slow_ms = median_ms(con, fast, params), median_ms(con, slow, params, 3)
            print(f"   {name}: {fast_ms:.0f} ms median (target <= 100 ms), full scan "
                  f"{slow_ms:.0f} ms, ratio {fast_ms / slow_ms:.3f}; {len(answers):,} rows")
# A marts file as dbt writes it, with the columns the map reads: records spread over 50
# utility territories of 3 x 3 degrees across the lower 48, short segments of about 300 m.
SYNTHETIC_MARTS_SQL = """
create table hosting_capacity_records as
with placed as (
    select
        i, i % 50 as u,
        (hash(i, 'x') % 1000000) / 1e6 as rx, (hash(i, 'y') % 1000000) / 1e6 as ry,
        (hash(i, 'c') % 9000) / 1000.0 - 1 as remaining
    from range({n}) as t(i)
), lines as (
    select *,
        -121.5 + (u % 10) * 5.2 + rx * 3 as lon, 31 + (u // 10) * 3.2 + ry * 3 as lat
    from placed
)
select
    'u' || lpad(u::varchar, 2, '0') as utility_code, 'primary' as source_layer,
    i as source_object_id, 'F' || (i // 20) as feeder_id_external, null::varchar as feeder_name,
    'S' || (i // 400) as substation_name, remaining + 1 as hosting_capacity_mw,
    null::double as generation_capacity_peak_mw, null::double as load_capacity_mw,
    remaining as remaining_capacity_mw, 'computed' as remaining_capacity_source,
    0.5 as installed_dg_mw, 0.5 as queued_dg_mw,
    ['thermal', 'voltage', 'protection'][1 + i % 3] as constraining_metric,
    case when i % 7 = 0 then 'load' else 'generation' end as capacity_kind,
    false as capacity_is_lower_bound,
    st_makeline(st_point(lon, lat), st_point(lon + 0.003, lat + 0.002)) as geom,
    lat + 0.001 as centroid_lat, lon + 0.0015 as centroid_lon
from lines;
create table utilities as
select utility_code, 'Synthetic utility ' || utility_code as utility_name,
       'https://example.invalid/' || utility_code as service_url, count(*) as record_count,
       current_date - 30 as data_vintage_date, utility_code = 'u07' as is_stale
from hosting_capacity_records group by utility_code;
"""


def first_render_seconds(site: Path, views: list[tuple[float, float, float]]) -> list[float]:
    """Seconds from navigation to the first idle map (national view), then to each view's."""
    from playwright.sync_api import sync_playwright

    from hcmap.serve import SiteServer

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"]
    with SiteServer(site, port=0) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("HC_CHROMIUM", "/usr/bin/chromium"), args=flags)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        started = time.monotonic()
        page.goto(server.url)
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=300_000)
        seconds = [time.monotonic() - started]
        for lon, lat, zoom in views:
            started = time.monotonic()
            page.evaluate("""([lon, lat, zoom]) => new Promise((done) => {
                window.hcMap.once('idle', done);
                window.hcMap.jumpTo({center: [lon, lat], zoom});
            })""", [lon, lat, zoom])
            seconds.append(time.monotonic() - started)
        browser.close()
    return seconds


def as_tile_files(archive: Path, folder: Path) -> tuple[float, int, int]:
    """The archive's tiles written as {z}/{x}/{y}.pbf files: (seconds, files, bytes on disk)."""
    import gzip

    from pmtiles.reader import MmapSource, all_tiles

    started = time.monotonic()
    files = 0
    with archive.open("rb") as handle:
        for (z, x, y), data in all_tiles(MmapSource(handle)):
            path = folder / str(z) / str(x)
            path.mkdir(parents=True, exist_ok=True)
            (path / f"{y}.pbf").write_bytes(gzip.decompress(data))
            files += 1
    seconds = time.monotonic() - started
    on_disk = sum(f.stat().st_blocks * 512 for f in folder.rglob("*"))
    return seconds, files, on_disk


def map_site(records: int) -> dict:
    """Prints the figures; returns the site's meta.json, for the smoke test."""
    print(f"\n6. Map site for {records:,} records (make map)")
    workdir = Path(tempfile.mkdtemp(prefix="map-", dir=BENCH_DIR))
    marts_file = workdir / "marts.duckdb"
    with duckdb.connect(str(marts_file)) as con:
        con.execute("load spatial")
        con.execute(SYNTHETIC_MARTS_SQL.format(n=records))
    site = workdir / "map"
    wall, rss, output = measured([sys.executable, "-m", "hcmap", "build", "--marts",
                                  str(marts_file), "--out", str(site)], dict(os.environ))
    meta = json.loads((site / "data" / "meta.json").read_text())
    archive = site / "data" / "records.pmtiles"
    print(f"   build: {wall:.1f} s, peak RSS {rss:.0f} MB; {meta['tiles']['count']:,} tiles, "
          f"largest {meta['tiles']['largest_tile_bytes'] / 1e3:.0f} kB gzip")
    print(f"   site: {sum(f.stat().st_size for f in site.rglob('*') if f.is_file()) / 1e6:.0f} MB"
          f" (tiles {archive.stat().st_size / 1e6:.0f} MB in one PMTiles file)")
    tile_seconds, files, on_disk = as_tile_files(archive, workdir / "tile-files")
    print(f"   the same tiles as per-zoom files: {files:,} files, {on_disk / 1e6:.0f} MB on disk, "
          f"{tile_seconds:.1f} s more to write")
    national, detail = first_render_seconds(site, [(-100.0, 38.0, 13.0)])
    print(f"   first render in headless Chromium: {national:.1f} s to the national view idle, "
          f"{detail:.1f} s more for a zoom-13 view of segments")
    shutil.rmtree(workdir)
    return meta


HISTORY_MODELS = ["int_layer_vintages", "hosting_capacity_history", "hosting_capacity_changes"]
HISTORY_TABLES = ["hosting_capacity_history", "hosting_capacity_changes"]
BLOCK_BYTES = 262_144


def history_footprint(database: Path) -> tuple[int, int]:
    """(bytes of the blocks the history tables hold in the warehouse file, bytes the same
    rows take written afresh to a file of their own)."""
    with duckdb.connect(str(database)) as con:
        con.execute("checkpoint")
        blocks = set()
        for table in HISTORY_TABLES:
            for block, more in con.execute(
                    "select block_id, additional_block_ids from pragma_storage_info(?) "
                    "where block_id >= 0", [f"marts.{table}"]).fetchall():
                blocks.update([block, *more])
        copy = database.with_name("history_copy.duckdb")
        copy.unlink(missing_ok=True)
        con.execute("load spatial")
        con.execute(f"attach '{copy}' as history_copy")
        for table in HISTORY_TABLES:
            con.execute(f"create table history_copy.{table} as select * from marts.{table}")
        con.execute("detach history_copy")
    size = copy.stat().st_size
    copy.unlink()
    return len(blocks) * BLOCK_BYTES, size


def history_refresh(records: int, changed_share: float = 0.05, repeats: int = 2) -> dict:
    """Prints the figures; returns them, for the smoke test."""
    every = round(1 / changed_share)
    print(f"\n7. History: a refresh of {records:,} records where 1 in {every} changed")
    env, database = synthetic_warehouse("history")
    warehouse_dir = database.parent
    with duckdb.connect(str(database)) as con:
        con.execute(synthetic_run_sql(records, run="bench-run-1",
                                      loaded="2026-01-11 00:00:00+00",
                                      edited="2026-01-10T00:00:00+00:00"))
    dbt(["build", "--select", *HC_SQL_MODELS, *HISTORY_MODELS], env)
    first_blocks, first_copy = history_footprint(database)
    with duckdb.connect(str(database)) as con:
        con.execute(synthetic_run_sql(records, run="bench-run-2",
                                      loaded="2026-04-11 00:00:00+00",
                                      edited="2026-04-10T00:00:00+00:00", every=every, bump=1))
    # The same warehouse built from the same copy: the current records alone, then with
    # their history, alternately `repeats` times (the fastest of each counts: on a shared
    # machine the slower runs measure the neighbours).
    refreshed = database.with_name("refreshed.duckdb")
    shutil.copy(database, refreshed)
    timings: dict[str, list[tuple[float, float]]] = {"only": [], "with": []}
    for attempt in range(repeats):
        for kind, models in (("only", HC_SQL_MODELS), ("with", HC_SQL_MODELS + HISTORY_MODELS)):
            folder = warehouse_dir.with_name(f"{kind}-{attempt}")
            folder.mkdir()
            shutil.copy(refreshed, folder / database.name)
            timings[kind].append(dbt(["build", "--select", *models],
                                     {**env, "HC_WAREHOUSE_DIR": str(folder)}))
            if kind == "with" and attempt == repeats - 1:
                database = folder / database.name  # the refreshed history, measured below
            else:
                shutil.rmtree(folder)
    (only_seconds, only_nodes), (with_seconds, with_nodes) = (
        min(timings["only"]), min(timings["with"]))
    second_blocks, second_copy = history_footprint(database)
    with duckdb.connect(str(database), read_only=True) as con:
        versions, changed = con.execute(
            "select count(*), count(*) filter (where valid_from = timestamptz '2026-04-10') "
            "from marts.hosting_capacity_history").fetchone()
    added_blocks, added_copy = second_blocks - first_blocks, second_copy - first_copy
    print(f"   versions: {versions:,} ({changed:,} new at the refresh)")
    print(f"   one vintage: {first_blocks / 1e6:.1f} MB of blocks in the warehouse "
          f"({first_copy / 1e6:.1f} MB written afresh)")
    print(f"   added by the refresh: {added_blocks / 1e6:.1f} MB of blocks, "
          f"{added_blocks / first_blocks:.3f} of a vintage ({added_copy / 1e6:.1f} MB, "
          f"{added_copy / first_copy:.3f} written afresh) (target <= 0.10)")
    print(f"   dbt build, current records only: {only_seconds:.1f} s "
          f"({only_nodes:.1f} s running nodes)")
    print(f"   dbt build, with history:         {with_seconds:.1f} s "
          f"({with_nodes:.1f} s running nodes)")
    print(f"   (fastest of {repeats} builds each, alternating, from the same copy)")
    print(f"   ratio with/without history: {with_seconds / only_seconds:.2f} wall, "
          f"{with_nodes / only_nodes:.2f} running nodes (target <= 1.5)")
    return {"versions": versions, "changed": changed, "added_share": added_blocks / first_blocks,
            "time_ratio": with_seconds / only_seconds}


@contextmanager
def environment(values: dict) -> Iterator[None]:
    """os.environ with `values` for the block (extract.settings reads it at each call)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def lake_env(cluster, label: str) -> dict:
    """HC_LAKE and HC_LAKE_DATA_PATH of a new lake in `cluster` (its data under .bench/)."""
    database = f"bench_{label}_{os.getpid()}"
    return {"HC_LAKE": cluster.create_database(database),
            "HC_LAKE_DATA_PATH": tempfile.mkdtemp(prefix=f"{database}-", dir=BENCH_DIR)}


def build_on_synthetic_records(label: str, records: int, lake: dict) -> tuple[float, Path]:
    """`dbt build` of every model on `records` synthetic records, in the file or the lake."""
    from extract import settings

    config_dir, warehouse_dir = bench_workspace(label)
    env = {**os.environ, "HC_CONFIG_DIR": str(config_dir), "HC_WAREHOUSE_DIR": str(warehouse_dir),
           **lake}
    env.pop("HC_REPLICA_URL", None)
    if not lake:
        env.pop("HC_LAKE", None)
    dbt(["run", "--select", "stg_configs__layers", "stg_configs__utilities"], env)
    with environment({k: env[k] for k in ("HC_WAREHOUSE_DIR", *lake)}):
        con = settings.connect_warehouse()
    with con:
        con.execute(synthetic_run_sql(records))
    seconds, _ = dbt(["build"], env)
    return seconds, warehouse_dir


def lake_against_file(features: int, records: int) -> None:
    from extract import settings
    from replicas.postgres import start_cluster

    print("\n8. The lake (DuckLake 1.5.5, catalog in PostgreSQL on 127.0.0.1, data on local "
          "disk) against the DuckDB file")
    cluster = start_cluster()
    try:
        with prepared_replica(features, 0.0) as app, ReplicaServer(apps=[app]) as server:
            file_s, file_rss = run_our_extract(server.url, "lake-extract-file", HC_LAKE="")
            lake_s, lake_rss = run_our_extract(server.url, "lake-extract-lake",
                                               **lake_env(cluster, "extract"))
        print(f"   extract {features:,} features: file {file_s:.1f} s ({file_rss:.0f} MB), "
              f"lake {lake_s:.1f} s ({lake_rss:.0f} MB), ratio lake/file {lake_s / file_s:.2f}")
        file_build, file_dir = build_on_synthetic_records("lake-build-file", records, {})
        lake = lake_env(cluster, "build")
        lake_build, _ = build_on_synthetic_records("lake-build-lake", records, lake)
        print(f"   dbt build on {records:,} records: file {file_build:.1f} s, lake "
              f"{lake_build:.1f} s, ratio lake/file {lake_build / file_build:.2f}")
        lat, lon = 35.0 + records / 1000 * 0.0005, -119.5
        box = [lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05]
        cases = [
            ("hc_nearby(lat, lon, 5)", "select source_object_id, distance_km from "
             "hc_nearby($1, $2, 5) order by distance_km, source_object_id", [lat, lon]),
            ("hc_in_bbox, 0.1 degree box",
             "select source_object_id from hc_in_bbox($1, $2, $3, $4) order by all", box),
            ("hc_sites_for_project(2000, 0.1 degree box)", "select source_object_id from "
             "hc_sites_for_project(2000, $1, $2, $3, $4) order by all", box),
        ]
        with duckdb.connect(str(file_dir / "marts.duckdb"), read_only=True) as file_con:
            file_con.execute("load spatial")
            with environment(lake):
                lake_con = settings.connect_warehouse(read_only=True)
            with lake_con:
                lake_con.execute("load spatial")
                for name, sql, params in cases:
                    answers = lake_con.execute(sql, params).fetchall()
                    assert answers == file_con.execute(sql, params).fetchall(), name
                    lake_ms = median_ms(lake_con, sql, params)
                    file_ms = median_ms(file_con, sql, params)
                    print(f"   {name}: lake {lake_ms:.0f} ms, file {file_ms:.0f} ms median, "
                          f"ratio {lake_ms / file_ms:.2f}; {len(answers):,} rows")
    finally:
        cluster.stop()


def slowest_nodes(count: int = 6) -> str:
    """The nodes of dbt's last command that took longest, with their seconds."""
    results = json.loads((REPO / "dbt_project" / "target" / "run_results.json").read_text())
    timed = sorted(((result["execution_time"], result["unique_id"].split(".")[-1])
                    for result in results["results"]), reverse=True)[:count]
    return ", ".join(f"{name.removeprefix('hosting_capacity-')} {seconds:.1f}"
                     for seconds, name in timed)


def refresh_of_one_utility(records: int, utilities: int = 25,
                           changed_share: float = 0.05) -> dict:
    """Prints the figures; returns them, for the smoke test."""
    codes = tuple(f"u{number:02d}" for number in range(1, utilities + 1))
    print(f"\n9. A build after a refresh of one utility of {utilities} ({records:,} records, "
          f"1 in {round(1 / changed_share)} of its records changed)")
    env, database = synthetic_warehouse("refresh", codes)
    per_utility = records // utilities
    with duckdb.connect(str(database)) as con:
        for east, code in enumerate(codes):
            con.execute(synthetic_run_sql(per_utility, run=f"{code}-1", utility=code,
                                          east=east))
    full_seconds, full_nodes = dbt(["build"], env)
    full_slowest = slowest_nodes()
    refreshed = codes[len(codes) // 2]
    with duckdb.connect(str(database)) as con:
        con.execute(synthetic_run_sql(per_utility, run=f"{refreshed}-2", utility=refreshed,
                                      east=codes.index(refreshed),
                                      loaded="2026-11-02 00:00:00+00",
                                      edited="2026-11-01T00:00:00+00:00",
                                      every=round(1 / changed_share), bump=100))
    refresh_seconds, refresh_nodes = dbt(["build"], env)
    print(f"   full build: {full_seconds:.1f} s ({full_nodes:.1f} s running nodes); slowest: "
          f"{full_slowest}")
    print(f"   after {refreshed}'s refresh: {refresh_seconds:.1f} s ({refresh_nodes:.1f} s "
          f"running nodes); slowest: {slowest_nodes()}")
    print(f"   ratio refresh/full build: {refresh_seconds / full_seconds:.2f} "
          "(target <= 0.20)")
    return {"full_seconds": full_seconds, "refresh_seconds": refresh_seconds,
            "database": database}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m replicas.bench", description=__doc__)
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--page-delay", type=float, default=0.3)
    parser.add_argument("--memory-features", type=int, default=1_000_000)
    parser.add_argument("--dbt-records", type=int, default=10_000_000)
    parser.add_argument("--national-records", type=int, default=10_000_000)
    parser.add_argument("--map-records", type=int, default=1_000_000)
    parser.add_argument("--map-10m", action="store_true",
                        help="also build the map for 10,000,000 records (several minutes)")
    parser.add_argument("--history-records", type=int, default=1_000_000)
    parser.add_argument("--lake-features", type=int, default=1_000_000)
    parser.add_argument("--lake-records", type=int, default=10_000_000)
    parser.add_argument("--refresh-records", type=int, default=10_000_000)
    parser.add_argument("--only", choices=["extract", "memory", "dbt", "rerun", "national",
                                           "map", "history", "lake", "refresh"])
    args = parser.parse_args(argv)
    BENCH_DIR.mkdir(exist_ok=True)
    if args.only in (None, "extract"):
        compare_with_pyesridump(args.features, args.page_delay)
    if args.only in (None, "memory"):
        peak_memory(args.memory_features)
    if args.only in (None, "dbt"):
        dbt_vs_raw_sql(args.dbt_records)
    if args.only in (None, "rerun"):
        unchanged_rerun()
    if args.only in (None, "national"):
        siting_at_national_scale(args.national_records)
    if args.only in (None, "map"):
        map_site(args.map_records)
        if args.map_10m:
            map_site(10_000_000)
    if args.only in (None, "history"):
        history_refresh(args.history_records)
    if args.only in (None, "lake"):
        lake_against_file(args.lake_features, args.lake_records)
    if args.only in (None, "refresh"):
        refresh_of_one_utility(args.refresh_records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
