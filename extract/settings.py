"""Paths shared by the extractor, dbt and the replicas (read from the environment when asked,
never changed at import). dlt's own settings are in .dlt/config.toml; dbt's telemetry flag in
dbt_project/dbt_project.yml."""

import os
import re
from dataclasses import dataclass
from pathlib import Path

# Defaults are the repo's own folders, wherever the command runs from: `dbt build` runs in
# dbt_project/, and a configs path relative to it would find no configs at all.
REPO = Path(__file__).resolve().parents[1]


def config_dir() -> Path:
    return Path(os.environ.get("HC_CONFIG_DIR") or REPO / "configs").resolve()


def warehouse_dir() -> Path:
    path = Path(os.environ.get("HC_WAREHOUSE_DIR") or REPO / "warehouse").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_path() -> Path:
    return warehouse_dir() / "hosting_capacity.duckdb"


def replica_url() -> str | None:
    """When set (e.g. http://127.0.0.1:8765), every https://host/path is fetched from
    <replica>/host/path instead: configs stay the live URLs, the demo and tests stay offline."""
    value = os.environ.get("HC_REPLICA_URL", "").strip()
    return value.rstrip("/") or None


# --- The lake: HC_LAKE=ducklake:<catalog> with HC_LAKE_DATA_PATH (README "A shared warehouse").
# Extract (dlt), dbt (the profile's plugin), publishing, the readers and `make lake-maintain`
# all attach it through `lake_attach_sql`, under the name `lake`.

LAKE_ALIAS = "lake"
# The PostgreSQL schema holding DuckLake's catalog tables (dlt's default would be the alias).
LAKE_METADATA_SCHEMA = "ducklake"
_LIBPQ_PAIR = re.compile(r"\s*(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)")


class LakeSettingError(ValueError):
    """HC_LAKE or HC_LAKE_DATA_PATH cannot be used; the message says which and why."""


class LakeNotCreated(LakeSettingError):
    """Read-only access to a lake nothing has written yet."""


@dataclass(frozen=True)
class Lake:
    """Where the lake is: its catalog (a PostgreSQL database or a local DuckDB file) and the
    folder or bucket of its Parquet files. Never holds a password."""

    kind: str  # "postgres" | "duckdb"
    catalog: dict  # postgres: libpq keywords (dbname, host, port, user, ...); duckdb: {"path"}
    data_path: str

    def describe(self) -> str:
        if self.kind == "postgres":
            where = " ".join(f"{k}={v}" for k, v in sorted(self.catalog.items()))
            return f"DuckLake catalog postgres:{where}, data {self.data_path}"
        return f"DuckLake catalog {self.catalog['path']}, data {self.data_path}"


def parse_libpq(text: str) -> dict[str, str]:
    """`dbname=x host='a b'` -> {"dbname": "x", "host": "a b"} (libpq's keyword format)."""
    pairs, position = {}, 0
    text = text.strip()
    while position < len(text):
        match = _LIBPQ_PAIR.match(text, position)
        if not match or match.end() == position:
            raise LakeSettingError(
                f"HC_LAKE: cannot read {text[position:]!r} as libpq `keyword=value` pairs "
                "(e.g. ducklake:postgres:dbname=hc host=db.example.org user=hc)")
        key, value = match.group(1), match.group(2)
        if value.startswith("'"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        pairs[key] = value
        position = match.end()
    return pairs


def lake() -> Lake | None:
    """The lake named by HC_LAKE, or None when the warehouse is the DuckDB file."""
    value = os.environ.get("HC_LAKE", "").strip()
    if not value:
        return None
    if not value.startswith("ducklake:"):
        raise LakeSettingError(f"HC_LAKE={value!r} must start with `ducklake:` "
                               "(ducklake:postgres:dbname=... host=..., or ducklake:<file>)")
    catalog = value.removeprefix("ducklake:")
    data_path = os.environ.get("HC_LAKE_DATA_PATH", "").strip()
    if not data_path:
        raise LakeSettingError("HC_LAKE is set but HC_LAKE_DATA_PATH is not: name the folder "
                               "(or s3:// prefix) where the lake keeps its Parquet files")
    if "://" not in data_path:
        data_path = str(Path(data_path).expanduser().resolve())
    data_path = data_path.rstrip("/")  # as dlt writes it: the same ATTACH everywhere
    if catalog.startswith("postgres:"):
        keywords = parse_libpq(catalog.removeprefix("postgres:"))
        if "password" in keywords:
            raise LakeSettingError(
                "HC_LAKE: leave the password out of the catalog string (it would show in "
                "process lists and logs); put it in ~/.pgpass or PGPASSWORD")
        if "dbname" not in keywords:
            raise LakeSettingError("HC_LAKE: name the catalog's database (dbname=...)")
        return Lake("postgres", keywords, data_path)
    if re.match(r"^\w+:", catalog) and not catalog.startswith(("/", "./")):
        raise LakeSettingError(
            f"HC_LAKE: catalog {catalog.split(':')[0]!r} is not supported: use "
            "ducklake:postgres:dbname=... (a team) or ducklake:<path to a local file>")
    path = str(Path(catalog).expanduser().resolve())
    return Lake("duckdb", {"path": path}, data_path)


def lake_dlt_credentials(lake_: Lake):  # -> DuckLakeCredentials (dlt imported lazily)
    from dlt.common.configuration.specs.connection_string_credentials import (
        ConnectionStringCredentials,
    )
    from dlt.destinations.impl.ducklake.configuration import DuckLakeCredentials

    if lake_.kind == "postgres":
        keywords = dict(lake_.catalog)
        catalog = ConnectionStringCredentials({
            "drivername": "postgres", "database": keywords.pop("dbname"),
            "host": keywords.pop("host", None),
            "port": int(keywords.pop("port")) if "port" in keywords else None,
            "username": keywords.pop("user", None), "query": keywords or None})
    else:
        catalog = ConnectionStringCredentials({"drivername": "duckdb",
                                               "database": lake_.catalog["path"]})
    return DuckLakeCredentials(ducklake_name=LAKE_ALIAS, catalog=catalog,
                               storage=lake_.data_path, metadata_schema=LAKE_METADATA_SCHEMA)


def lake_attach_sql(lake_: Lake, read_only: bool = False) -> str:
    """The one ATTACH statement of the lake, as dlt's ducklake destination writes it (so an
    extract, a build and a reader attach the very same lake)."""
    from dlt.destinations.impl.ducklake.sql_client import DuckLakeSqlClient

    credentials = lake_dlt_credentials(lake_)
    sql = DuckLakeSqlClient.build_attach_statement(
        ducklake_name=LAKE_ALIAS, metadata_schema=LAKE_METADATA_SCHEMA,
        catalog=credentials.catalog, storage_url=lake_.data_path)
    return sql[:-1] + ", READ_ONLY)" if read_only else sql


def attach_lake(con, lake_: Lake, read_only: bool = False) -> None:
    """Attach the lake to a DuckDB connection and make it the default catalog, so `marts.x`
    and `raw_arcgis.x` mean the lake's tables, as they mean the file's without a lake."""
    for extension in ("ducklake", "postgres_scanner" if lake_.kind == "postgres" else None):
        if extension:
            con.execute(f"load {extension}")
    if lake_.kind == "duckdb":
        Path(lake_.catalog["path"]).parent.mkdir(parents=True, exist_ok=True)
    if "://" not in lake_.data_path:
        Path(lake_.data_path).mkdir(parents=True, exist_ok=True)
    try:
        con.execute(lake_attach_sql(lake_, read_only))
    except Exception as error:
        if read_only and "creating a new DuckLake is explicitly disabled" in str(error):
            raise LakeNotCreated(f"no lake yet at {lake_.describe()}: an extract or a "
                                 "build creates it") from None
        raise
    con.execute(f"use {LAKE_ALIAS}")


def connect_warehouse(read_only: bool = False):
    """A DuckDB connection on the warehouse: the DuckDB file, or the lake (attached as
    `lake` and used) when HC_LAKE is set."""
    import duckdb

    lake_ = lake()
    if lake_ is None:
        return duckdb.connect(str(warehouse_path()), read_only=read_only)
    con = duckdb.connect()
    try:
        attach_lake(con, lake_, read_only)
    except BaseException:
        con.close()
        raise
    return con


def warehouse_exists() -> bool:
    """False only when nothing can have been loaded yet (no warehouse file, no lake)."""
    return lake() is not None or warehouse_path().exists()


def describe_warehouse() -> str:
    lake_ = lake()
    return lake_.describe() if lake_ else str(warehouse_path())
