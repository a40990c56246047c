"""A build after a refresh rebuilds only the utilities whose inputs changed, and gives the
same warehouse as a build from scratch.

Five utilities are extracted from the protocol replicas and built. Then: ACE's layer is
republished with features revised, removed and added, and re-extracted; Pepco's config maps
one field fewer; DPL's config is removed; PG&E's raw rows are tampered with behind the
extract's back (its run is unchanged, so an incremental build must not read them again).
An incremental `dbt build` follows, then a `--full-refresh` build of a copy.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
import yaml
from replica_warehouse import build_replica_warehouse

from extract.dbt_launch import dbt_env, run_dbt
from extract.publish import signatures, signed_in_build_state
from replicas.arcgis import ArcGISReplica, protocol_catalog
from replicas.arcgis.catalog import PHI_URL
from replicas.server import ReplicaServer

ACE_LAYER = (PHI_URL, 4)
PER_UTILITY_MODELS = ("intermediate.int_constraints_canonicalized",
                      "intermediate.int_hosting_capacity_records_normalized",
                      "marts.hosting_capacity_records", "marts.hosting_capacity_feeders")
UNCHANGED = ("sce",)
SIGNED_MARTS = ("hosting_capacity_records", "hosting_capacity_feeders")


def table_rows(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> list:
    columns = [name for (name,) in con.execute(
        "select column_name from information_schema.columns where table_schema || '.' || "
        "table_name = ? and column_name not in ('computed_at', 'geom', 'centroid') "
        "order by ordinal_position", [table]).fetchall()]
    listed = ", ".join(f'"{name}"' for name in columns)
    rows = con.execute(f"select {listed} from {table} where {where}").fetchall()
    # Centroids of a feeder's segments are sums taken in row order, which differs by ulps.
    return sorted((tuple(round(value, 9) if isinstance(value, float) else value
                         for value in row) for row in rows), key=repr)


def marts_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for (name,) in con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema = 'marts' or table_schema || '.' || table_name in ? "
        "order by all", [list(PER_UTILITY_MODELS)]).fetchall()]


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("per-utility")
    config_dir, warehouse_dir = build_replica_warehouse(root)
    database = warehouse_dir / "hosting_capacity.duckdb"
    env = dbt_env(config_dir, warehouse_dir)
    with duckdb.connect(str(database), read_only=True) as con:
        first = {table: table_rows(con, table) for table in marts_tables(con)}
        pge_first = table_rows(con, "marts.hosting_capacity_records", "utility_code = 'pge'")

    arcgis = ArcGISReplica(protocol_catalog())
    layer = arcgis.layer(*ACE_LAYER)
    ids = [feature["attributes"][layer.object_id_field] for feature in arcgis.features(*ACE_LAYER)]
    layer.revise_features(ids[0:300:3])
    layer.remove_features(ids[300:320])
    layer.add_features(15)
    with ReplicaServer(apps=[arcgis]) as server, pytest.MonkeyPatch.context() as patch:
        for key, value in {"HC_CONFIG_DIR": str(config_dir), "HC_WAREHOUSE_DIR": str(warehouse_dir),
                           "HC_REPLICA_URL": server.url}.items():
            patch.setenv(key, value)
        from extract.__main__ import main

        assert main(["hosting-capacity", "--utility", "ace", "--force"]) == 0
    pepco = config_dir / "utilities" / "pepco.yaml"
    config = yaml.safe_load(pepco.read_text())
    del config["layers"][0]["field_map"]["Voltage"]
    pepco.write_text(yaml.safe_dump(config, sort_keys=False))
    (config_dir / "utilities" / "dpl.yaml").unlink()
    with duckdb.connect(str(database)) as con:
        con.execute("update raw_arcgis.features set raw_attributes = '{}' "
                    "where utility_code = 'pge'")

    result = run_dbt("build", "--vars", "{allow_shrink: true}", env=env, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:]
    with duckdb.connect(str(database), read_only=True) as con:
        incremental = {table: table_rows(con, table) for table in marts_tables(con)}
        pge_incremental = table_rows(con, "marts.hosting_capacity_records",
                                     "utility_code = 'pge'")
        signed = {table: (signed_in_build_state(con, "hosting_capacity", "marts",
                                                "build_state", table),
                          signatures(con, f"marts.{table}"))
                  for table in SIGNED_MARTS}
        con.execute(f"attach '{warehouse_dir / 'marts.duckdb'}' as published (read_only)")
        published_differences = {
            table: con.execute(f"select count(*) from (from marts.{table} except all "
                               f"from published.main.{table})").fetchone()[0]
            for table in SIGNED_MARTS}
    scratch = root / "scratch-warehouse"
    shutil.copytree(warehouse_dir, scratch)
    result = run_dbt("build", "--full-refresh", "--vars", "{allow_shrink: true}",
                     env=dbt_env(config_dir, scratch), timeout=900)
    assert result.returncode == 0, result.stdout[-4000:]
    with duckdb.connect(str(scratch / "hosting_capacity.duckdb"), read_only=True) as con:
        rebuilt = {table: table_rows(con, table) for table in marts_tables(con)}
    return {"first": first, "incremental": incremental, "rebuilt": rebuilt,
            "pge_first": pge_first, "pge_incremental": pge_incremental, "signed": signed,
            "published_differences": published_differences}


def test_an_incremental_build_equals_a_build_from_scratch_for_every_utility_it_rebuilt(
        refreshed):
    """Every table, with PG&E (whose rows were tampered with, unseen) left aside."""
    incremental, rebuilt = refreshed["incremental"], refreshed["rebuilt"]
    assert set(incremental) == set(rebuilt)
    for table in incremental:
        def without_pge(rows: list) -> list:
            return [row for row in rows if "pge" not in row]
        assert without_pge(incremental[table]) == without_pge(rebuilt[table]), table


def test_a_utility_whose_run_and_config_did_not_change_is_not_read_again(refreshed):
    assert refreshed["pge_first"], "PG&E had records"
    assert refreshed["pge_incremental"] == refreshed["pge_first"]
    # the tampered rows are what a build from scratch reads: PG&E's records lose their values
    assert refreshed["rebuilt"]["marts.hosting_capacity_records"] != \
        refreshed["incremental"]["marts.hosting_capacity_records"]


def test_the_refreshed_utility_changed_config_and_removed_utility_all_show(refreshed):
    first = refreshed["first"]["marts.hosting_capacity_records"]
    now = refreshed["incremental"]["marts.hosting_capacity_records"]

    def of(rows: list, code: str) -> list:
        return [row for row in rows if row[0] == code]
    assert len(of(now, "ace")) == len(of(first, "ace")) - 20 + 15
    assert of(first, "dpl") and not of(now, "dpl")
    assert of(first, "pepco") != of(now, "pepco")
    for code in UNCHANGED:
        assert of(first, code) == of(now, code)


def test_the_signatures_a_model_keeps_are_those_of_its_rows_and_publishing_used_them(
        refreshed):
    """Computed for the utilities rebuilt, carried over for the others: equal to hashing the
    whole table, which publishing skips; the published file holds the build's rows."""
    for table, (kept, hashed) in refreshed["signed"].items():
        assert kept and kept == hashed, table
    assert refreshed["published_differences"] == {table: 0 for table in SIGNED_MARTS}
