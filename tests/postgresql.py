"""A private PostgreSQL cluster for the tests: started once per test run, in a temporary
folder, listening only on a Unix socket there, with durability turned off (a crash loses a
throwaway cluster, nothing else). Each test gets a fresh database of its own.

The server refuses to run as root, so as root it runs as the ``postgres`` user (the Debian
package makes it), which owns the folder.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

#: Where Debian's PostgreSQL 15 keeps its server binaries (not on PATH).
BINDIR = Path("/usr/lib/postgresql/15/bin")


def bindir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: Debian's, or what ``pg_config`` says."""
    if (BINDIR / "pg_ctl").exists():
        return BINDIR
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            return Path(out.stdout.strip())
    return BINDIR


class Cluster:
    """A running cluster; `stop` it (also when a test failed) to remove it."""

    def __init__(self, initdb: str, pg_ctl: str, runner: list[str]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bluezone-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._pg_ctl = pg_ctl
        self._runner = runner
        self._numbers = itertools.count(1)
        if runner:  # running as another user, who must own the folder
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--locale=C.UTF-8")  # fmt: skip
        options = (
            f"-c listen_addresses='' -k {self.folder} -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=200"
        )
        self._run(pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._runner, *command], capture_output=True, text=True)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{command[0]} failed:\n{done.stdout}{done.stderr}{log}")

    def url(self, database: str) -> str:
        """The URL of ``database`` on this cluster, as its superuser."""
        return f"postgresql:///{database}?host={self.folder}&user=postgres"

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"t_{next(self._numbers)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database of ``url`` (closing whatever connections it still has)."""
        name = url.split("///", 1)[1].split("?", 1)[0]
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(self._pg_ctl, "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def runner() -> list[str]:
    """The command prefix that runs the server's tools as an unprivileged user."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]
