"""What the map reads from the marts: the one place that names their columns."""

from __future__ import annotations

import duckdb

# Columns of marts.hosting_capacity_records carried into the vector tiles, for the popup, the
# colours and the radius panel. Each is required unless it has a stand-in below.
RECORD_COLUMNS = (
    "utility_code", "source_layer", "source_object_id", "feeder_id_external", "feeder_name",
    "substation_name", "hosting_capacity_mw", "generation_capacity_peak_mw",
    "remaining_capacity_mw", "remaining_capacity_source", "installed_dg_mw", "queued_dg_mw",
    "constraining_metric", "capacity_kind", "capacity_is_lower_bound", "centroid_lat",
    "centroid_lon",
)
# Stand-ins for columns a warehouse built before they existed lacks: such a warehouse holds
# generation layers only, and says nothing of censoring (the popup then says "unknown").
RECORD_COLUMN_STAND_INS = {
    "capacity_kind": "'generation'",
    "capacity_is_lower_bound": "cast(null as boolean)",
}
UTILITY_COLUMNS = ("utility_code", "utility_name", "service_url", "record_count",
                   "data_vintage_date", "is_stale")
UTILITY_COLUMN_STAND_INS = {"attribution": "cast(null as varchar)",
                            "terms": "cast(null as varchar)"}


class MartsError(Exception):
    """The marts file cannot be mapped; the message names the file and what is wrong."""


def _select_list(con: duckdb.DuckDBPyConnection, table: str, required: tuple[str, ...],
                 stand_ins: dict[str, str], marts_file: str) -> tuple[str, list[str]]:
    present = {name for (name,) in con.execute(
        "select column_name from duckdb_columns() where database_name = 'marts' "
        "and table_name = ?", [table]).fetchall()}
    if not present:
        raise MartsError(f"{marts_file}: no table {table}; run `make build` (dbt build) first")
    missing = [c for c in required if c not in present and c not in stand_ins]
    if missing:
        raise MartsError(f"{marts_file}: {table} lacks column(s) {', '.join(missing)}; "
                         "rebuild the marts with this checkout's dbt project (`make build`)")
    columns, stood_in = [], []
    for column in (*required, *(c for c in stand_ins if c not in required)):
        if column in present:
            columns.append(f"t.{column}")
        else:
            columns.append(f"{stand_ins[column]} as {column}")
            stood_in.append(column)
    return ", ".join(columns), stood_in


def record_select(con: duckdb.DuckDBPyConnection, marts_file: str) -> tuple[str, list[str]]:
    """The select list over `marts.hosting_capacity_records t`, and the columns stood in for."""
    return _select_list(con, "hosting_capacity_records", RECORD_COLUMNS,
                        RECORD_COLUMN_STAND_INS, marts_file)


def utility_select(con: duckdb.DuckDBPyConnection, marts_file: str) -> tuple[str, list[str]]:
    """The select list over `marts.utilities t`, and the columns stood in for."""
    return _select_list(con, "utilities", UTILITY_COLUMNS, UTILITY_COLUMN_STAND_INS, marts_file)
