"""One writer at a time on the warehouse, and waiting out readers of the DuckDB file.

Every process that writes the warehouse (an extract, a `dbt build` through the dbt plugin
in `dbt_project/plugins/`) holds an exclusive `flock` on `<warehouse>/.writer.lock` for its
whole run. A second writer waits up to `HC_WAREHOUSE_WAIT_S` seconds, then stops with
"warehouse in use by PID N (command)"; nothing it would have written is half-written.

DuckDB's own file lock is separate: a reader (`duckdb -readonly`, a BI tool) holding
`hosting_capacity.duckdb` makes every read-write open fail at once. Writers retry such opens
until the reader lets go (with no limit unless `HC_WAREHOUSE_WAIT_S` is set), so a reader
delays a load, never fails it.

With a lake (HC_LAKE) on PostgreSQL, writers on other machines share it: `lake_writer` holds
PostgreSQL advisory locks for the run, on the lake's raw schemas (an extract, exclusively; a
build, shared, as it reads them) and on the schemas a build writes (exclusively: one build per
set of schemas; `dbt build --target personal` writes its own). PostgreSQL releases them when
the process ends, however it ends. Readers take no lock: DuckLake gives each a snapshot.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from extract import settings

LOCK_FILE = ".writer.lock"
DEFAULT_WAIT_S = 300.0
_RETRY_EVERY_S = 0.25
_DUCKDB_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")
T = TypeVar("T")


class WarehouseInUse(RuntimeError):
    """Another process writes (or reads) the warehouse and did not finish in time."""


def wait_seconds(default: float = DEFAULT_WAIT_S) -> float:
    raw = os.environ.get("HC_WAREHOUSE_WAIT_S", "")
    try:
        return float(raw) if raw.strip() else default
    except ValueError as error:
        raise WarehouseInUse(f"HC_WAREHOUSE_WAIT_S={raw!r} is not a number of seconds") from error


def describe_process(pid: int) -> str:
    """`PID 123 (python -m extract all)`, from /proc where it can be read."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        command = " ".join(a.decode(errors="replace") for a in argv if a)
    except OSError:
        command = ""
    return f"PID {pid} ({command})" if command else f"PID {pid}"


def _holder(lock_file: Path) -> str:
    try:
        pid = int(lock_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return "another process"
    return describe_process(pid)


@contextmanager
def exclusive_writer(warehouse_dir: Path, wait_s: float | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block, waiting for another writer first."""
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    lock_file = warehouse_dir / LOCK_FILE
    deadline = time.monotonic() + (wait_seconds() if wait_s is None else wait_s)
    handle = open(lock_file, "a+")  # noqa: SIM115 - held open for the whole block
    try:
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(lock_file)
                if time.monotonic() >= deadline:
                    raise WarehouseInUse(
                        f"warehouse in use by {holder}: {warehouse_dir} has one writer at a "
                        "time; run again when it finishes (or raise HC_WAREHOUSE_WAIT_S)"
                    ) from None
                if not told:
                    print(f"warehouse in use by {holder}; waiting for it to finish",
                          flush=True)
                    told = True
                time.sleep(_RETRY_EVERY_S)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock


def is_file_lock_conflict(error: BaseException) -> bool:
    """True when DuckDB refused to open a file another process holds (anywhere in the chain
    of causes: dlt wraps DuckDB's error in its own)."""
    seen: BaseException | None = error
    while seen is not None:
        if "Could not set lock on file" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def lock_holder_in(error: BaseException) -> str:
    match = _DUCKDB_LOCK_HOLDER.search(str(error))
    return describe_process(int(match.group(2))) if match else "another process"


def retry_while_file_locked(action: Callable[[], T], what: str) -> T:
    """Run `action`; while another process holds the DuckDB file, wait and run it again.
    A reader only delays a run: the wait has no limit unless HC_WAREHOUSE_WAIT_S sets one,
    and says every minute who is being waited for."""
    deadline = time.monotonic() + wait_seconds(default=float("inf"))
    next_notice = time.monotonic()
    while True:
        try:
            return action()
        except Exception as error:
            if not is_file_lock_conflict(error):
                raise
            now = time.monotonic()
            if now >= deadline:
                raise WarehouseInUse(
                    f"{what}: the warehouse file is held by {lock_holder_in(error)}; close "
                    "it (readers belong on marts.duckdb) and run again") from error
            if now >= next_notice:
                print(f"{what}: waiting for {lock_holder_in(error)} to close the warehouse "
                      "file (readers belong on marts.duckdb)", file=sys.stderr, flush=True)
                next_notice = now + 60
            time.sleep(_RETRY_EVERY_S)


RAW_SCHEMAS = "the raw schemas (raw_arcgis, raw_gridx)"


def models_scope(prefix: str) -> str:
    """The schemas one dbt target builds (`personal` prefixes them with its schema)."""
    return f"the schemas {prefix}staging, {prefix}intermediate, {prefix}marts"


_ADVISORY_NAMESPACE = 0x4843  # "HC": the first key of our two-key advisory locks


def _advisory_key(scope: str) -> int:
    digest = hashlib.blake2b(f"{settings.LAKE_METADATA_SCHEMA}:{scope}".encode(), digest_size=4)
    return int.from_bytes(digest.digest(), "big") & 0x7FFFFFFF


def _libpq_conninfo(keywords: dict[str, str]) -> str:
    def quote(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{key}={quote(value)}" for key, value in keywords.items())


def _command_name() -> str:
    """`dbt build`, `python -m extract all`: what a lake lock's holder is doing."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if program == "__main__.py":
        program = f"python -m {Path(sys.argv[0]).parent.name}"
    words = [a for a in sys.argv[1:] if not a.startswith("-")][:1]
    return " ".join([program, *words])


def _lake_lock_holder(connection, key: int) -> str:
    row = connection.execute(
        "select a.application_name, host(a.client_addr) from pg_locks l "
        "join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' "
        "and l.granted and l.classid = %s and l.objid = %s "
        "and l.pid <> pg_backend_pid() limit 1", (_ADVISORY_NAMESPACE, key)).fetchone()
    if not row:
        return "another process"
    name, address = row
    return f"{name or 'another process'}" + (f" from {address}" if address else "")


@contextmanager
def lake_writer(scopes: list[tuple[str, bool]], wait_s: float | None = None) -> Iterator[None]:
    """Hold the lake's advisory lock on each (scope, shared) for the block, waiting for other
    writers first (up to HC_WAREHOUSE_WAIT_S). Does nothing without a PostgreSQL lake (the
    warehouse file's own `exclusive_writer` and DuckDB's file lock then apply)."""
    lake = settings.lake()
    if lake is None or lake.kind != "postgres":
        yield
        return
    import psycopg

    me = f"{_command_name()} (PID {os.getpid()} on {socket.gethostname()})"
    deadline = time.monotonic() + (wait_seconds() if wait_s is None else wait_s)
    try:
        connection = psycopg.connect(_libpq_conninfo(lake.catalog), autocommit=True,
                                     application_name=me[:63], connect_timeout=30)
    except psycopg.Error as error:
        raise WarehouseInUse(f"cannot reach the lake's catalog ({lake.describe()}): "
                             f"{str(error).strip()}") from None
    with connection:
        for scope, shared in scopes:
            key = _advisory_key(scope)
            function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
            told = False
            while not connection.execute(f"select {function}(%s, %s)",
                                         (_ADVISORY_NAMESPACE, key)).fetchone()[0]:
                holder = _lake_lock_holder(connection, key)
                if time.monotonic() >= deadline:
                    raise WarehouseInUse(
                        f"lake in use by {holder}, writing {scope}; run again when it "
                        "finishes (or raise HC_WAREHOUSE_WAIT_S). To build beside the "
                        "team's models: dbt build --target personal")
                if not told:
                    print(f"lake in use by {holder}, writing {scope}; waiting for it to "
                          "finish", flush=True)
                    told = True
                time.sleep(_RETRY_EVERY_S)
        yield  # closing the connection releases every lock
