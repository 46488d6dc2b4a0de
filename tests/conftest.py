"""Shared test helpers.

Under ``CI=true`` a test whose tool, browser or privilege is missing fails: CI must prove
everything. Elsewhere it is skipped with the reason, so a developer without root can still
run the rest.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bluezone.storage.database import Database, close_pools
from tests.postgresql import Cluster, bindir, runner

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"


def require(condition: bool, reason: str) -> None:
    """Fail under CI, skip elsewhere, when ``condition`` does not hold."""
    if condition:
        return
    if CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def require_tool(name: str) -> str:
    """The path of the executable ``name``; fail (CI) or skip when it is missing."""
    path = shutil.which(name) or (
        name if os.path.isabs(name) and os.access(name, os.X_OK) else None
    )
    require(path is not None, f"{name} is not installed")
    assert path is not None
    return path


def require_root() -> None:
    """Fail (CI) or skip unless running as root."""
    require(os.geteuid() == 0, "needs root")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(
    process: subprocess.Popen[bytes], host: str, port: int, log: Path, deadline: float = 20.0
) -> None:
    """Wait until ``host:port`` accepts connections; fail with the server's log otherwise."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"server did not listen on {host}:{port} within {deadline} s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop a server started by a test, killing it if it does not stop in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


def chromium_args() -> Sequence[str]:
    """Flags for headless Chromium on a machine with no outside network and as root."""
    return (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    )


@pytest.fixture(scope="session")
def postgresql_cluster() -> Iterator[Cluster]:
    """A private PostgreSQL cluster for the whole run (see `tests.postgresql`)."""
    binaries = bindir()
    initdb = require_tool(str(binaries / "initdb"))
    pg_ctl = require_tool(str(binaries / "pg_ctl"))
    prefix = runner()
    if prefix:
        require_tool(prefix[0])
    cluster = Cluster(initdb, pg_ctl, prefix)
    try:
        yield cluster
    finally:
        cluster.stop()


#: The engines every store test runs on.
ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The engine of this run of the test."""
    name: str = request.param
    return name


@pytest.fixture
def database(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A new, empty database of ``engine``: a file in ``tmp_path``, or a database of its own
    on the private cluster (dropped afterwards, with this process's pools closed)."""
    if engine == "sqlite":
        yield Database(tmp_path / "db" / "store.sqlite3")
        return
    yield Database.from_url(request.getfixturevalue("postgresql_url"))


@pytest.fixture
def postgresql_url(postgresql_cluster: Cluster) -> Iterator[str]:
    """The URL of a new, empty database on the private cluster, for servers of several nodes
    to share; dropped afterwards (with this process's pools closed)."""
    url = postgresql_cluster.new_database()
    try:
        yield url
    finally:
        close_pools()
        postgresql_cluster.drop_database(url)


def dump(database: Database) -> str:
    """Every row of every table of ``database`` as text, on either engine: for tests that
    assert what is (not) stored."""
    lines = []
    with database.transaction() as db:
        for table in sorted(db.tables()):
            lines += [repr(tuple(row)) for row in db.execute(f'SELECT * FROM "{table}"')]
    return "\n".join(lines)
