"""A throwaway PostgreSQL standing in for a team's catalog server (the lake tests and `make
bench`): Debian's server programs, a fresh cluster in a temporary folder, listening on
127.0.0.1 (a free port) and on a unix socket in that folder, stopped and deleted at the end.
`make setup` installs the programs."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = ("PostgreSQL's server programs (initdb, pg_ctl) were not found; the lake "
                "tests need them. `make setup` installs them as root with apt-get; otherwise "
                "run: sudo apt-get install -y postgresql (or set HC_PG_BIN to their folder)")


def server_bin_dir() -> Path:
    """HC_PG_BIN, else Debian's newest /usr/lib/postgresql/<version>/bin, else the PATH."""
    if os.environ.get("HC_PG_BIN"):
        return Path(os.environ["HC_PG_BIN"])
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                    key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if debian:
        return debian[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError(INSTALL_HINT)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresCluster:
    root: Path
    port: int
    bin_dir: Path
    user: str | None  # the OS user the server runs as, when we are root

    def run(self, *command: str) -> str:
        result = subprocess.run([str(self.bin_dir / command[0]), *command[1:]],
                                capture_output=True, text=True, timeout=120, check=False,
                                user=self.user)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): "
                               f"{result.stdout}{result.stderr}")
        return result.stdout

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        return self.run("psql", "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", str(self.port),
                        "-U", "postgres", "-d", dbname, "-v", "ON_ERROR_STOP=1", "-c", sql)

    def create_database(self, name: str) -> str:
        """A new database; returns the HC_LAKE value of a catalog in it."""
        self.psql(f'create database "{name}"')
        return (f"ducklake:postgres:dbname={name} host=127.0.0.1 port={self.port} "
                "user=postgres")

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> PostgresCluster:
    bin_dir = server_bin_dir()
    user = None
    root = Path(tempfile.mkdtemp(prefix="hc-pg-"))  # short: the socket path has a length limit
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as `postgres`
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError as error:
            raise RuntimeError("running as root, and there is no `postgres` user to run the "
                               "throwaway cluster as (Debian's postgresql package creates "
                               "it)") from error
        user = "postgres"
        os.chown(root, owner.pw_uid, owner.pw_gid)
    cluster = PostgresCluster(root, free_port(), bin_dir, user)
    try:
        cluster.run("initdb", "-D", str(root / "data"), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {root} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        cluster.run("pg_ctl", "-D", str(root / "data"), "-l", str(root / "server.log"),
                    "-o", options, "-w", "-t", "60", "start")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return cluster
