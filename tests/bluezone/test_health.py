"""The health check behind both services' `/healthz`: cheap, truthful, never raising."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluezone.health import DETAIL_LIMIT, database_health
from bluezone.storage.database import Database, close_pools
from tests.postgresql import Cluster


def test_a_reachable_database_is_healthy(database: Database) -> None:
    found = database_health(database)
    assert found.ok and found.status == 200
    assert found.to_json() == {"status": "ok"}


def test_a_sqlite_file_that_cannot_be_opened_is_unhealthy(tmp_path: Path) -> None:
    # A folder where the file should be: SQLite cannot open it (even as root).
    path = tmp_path / "store.sqlite3"
    path.mkdir()
    found = database_health(Database(path))
    assert not found.ok and found.status == 503
    assert found.to_json()["status"] == "unavailable"
    assert "unable to open database file" in found.detail
    assert len(found.detail) <= DETAIL_LIMIT


def test_a_dropped_postgresql_database_is_unhealthy(
    request: pytest.FixtureRequest,
) -> None:
    cluster: Cluster = request.getfixturevalue("postgresql_cluster")
    url = cluster.new_database()
    database = Database.from_url(url)
    try:
        assert database_health(database).ok
        cluster.drop_database(url)  # closes the pool's open connection too
        found = database_health(database)
        assert not found.ok and found.status == 503
        assert found.detail
    finally:
        close_pools()
        cluster.drop_database(url)
