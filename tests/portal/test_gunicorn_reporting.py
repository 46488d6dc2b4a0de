"""A venue box (the portal under real gunicorn, two workers, SQLite) reporting to a real
signage server under gunicorn: the visitors' counts arrive; while the signage server is down
the box keeps serving and counting, and once it is back every hour arrives exactly once; a
revoked token is refused and the box keeps its counts."""

from __future__ import annotations

import http.client
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import free_port
from tests.portal.test_gunicorn import Portal
from tests.signage.serverkit import make_playlists, running_server, wait_until

BIN = Path(sys.executable).parent
VENUE = "ben-xe-tuy-hoa"


class Box(Portal):
    """The portal of a venue box under gunicorn (the deploy config), reporting every second."""

    def __init__(self, tmp_path: Path, report_url: str, token: str) -> None:
        super().__init__(tmp_path)
        self.log = tmp_path / "portal.log"
        self.database = tmp_path / "portal.sqlite3"
        self.env.update(
            {
                "PORTAL_VENUE_ID": VENUE,
                "PORTAL_DATABASE": str(self.database),
                "PORTAL_TRUSTED_PROXIES": "127.0.0.1/32",
                "PORTAL_REPORT_URL": report_url,
                "PORTAL_REPORT_TOKEN": token,
                "PORTAL_REPORT_INTERVAL": "1",
            }
        )
        self.visitors = 0

    def visit(self, accept: bool) -> None:
        """A new phone opens the splash page (a view) and, with ``accept``, accepts."""
        self.visitors += 1
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-For": f"10.0.{self.visitors // 250}.{self.visitors % 250 + 1}",
            "User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile",
        }
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", "/?lang=vi", headers=headers)
        page = connection.getresponse().read()
        token = re.search(rb'name="token" value="([^"]+)"', page)
        assert token, page[:300]
        if accept:
            connection.request(
                "POST",
                "/accept",
                body=urlencode({"token": token.group(1).decode(), "lang": "vi"}),
                headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
            )
            assert connection.getresponse().status == 303
        connection.close()

    def own_counts(self) -> dict[tuple[str, str], int]:
        with sqlite3.connect(self.database) as db:
            rows = db.execute(
                "SELECT hour, kind, SUM(count) FROM event_counts GROUP BY hour, kind"
            ).fetchall()
        return {(hour, kind): count for hour, kind, count in rows}

    def backlog(self) -> int:
        with sqlite3.connect(self.database) as db:
            row = db.execute("SELECT COUNT(*) FROM report_hours WHERE changed > confirmed")
            return int(row.fetchone()[0])


def centre_counts(database: Path) -> dict[tuple[str, str], int]:
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT hour, kind, SUM(count) FROM venue_counts WHERE venue = ? GROUP BY hour, kind",
            (VENUE,),
        ).fetchall()
    return {(hour, kind): count for hour, kind, count in rows}


def signage_cli(database: Path, playlists: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")},
        "SIGNAGE_DATABASE": str(database),
        "SIGNAGE_PLAYLISTS_DIR": str(playlists),
    }
    return subprocess.run(
        [str(BIN / "bluezone-signage"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


@pytest.fixture
def playlists(tmp_path: Path) -> Path:
    return make_playlists(tmp_path / "playlists")


@pytest.fixture
def box_and_centre(tmp_path: Path, playlists: Path) -> Iterator[tuple[Box, Path, int]]:
    database = tmp_path / "signage.sqlite3"
    added = signage_cli(database, playlists, "venues", "add", VENUE)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert "PORTAL_REPORT_TOKEN" in added.stderr and token not in added.stderr
    port = free_port()
    box = Box(tmp_path, f"http://127.0.0.1:{port}", token)
    try:
        yield box, database, port
    finally:
        box.stop()


def test_counts_arrive_exactly_once_across_an_outage_and_stop_at_a_revoke(
    tmp_path: Path, playlists: Path, box_and_centre: tuple[Box, Path, int]
) -> None:
    box, database, port = box_and_centre
    env = {"SIGNAGE_DATABASE": str(database)}
    with running_server(tmp_path, playlists, env=env, port=port, name="centre-1"):
        box.start()
        for n in range(5):
            box.visit(accept=n % 2 == 0)
        wait_until(lambda: centre_counts(database) == box.own_counts(), timeout=30)
        assert sum(box.own_counts().values()) == 8
    # The centre is down: the box keeps serving guests and counting them.
    for n in range(4):
        box.visit(accept=n % 2 == 0)
    wait_until(lambda: "failed (unreachable)" in box.log.read_text(), timeout=30)
    assert box.backlog() >= 1
    assert sum(box.own_counts().values()) == 14
    with running_server(tmp_path, playlists, env=env, port=port, name="centre-2") as centre:
        wait_until(lambda: centre_counts(database) == box.own_counts(), timeout=60)
        wait_until(lambda: box.backlog() == 0, timeout=30)
        # Later reports (the box sends every second) change nothing.
        time.sleep(3)
        assert centre_counts(database) == box.own_counts()
        assert sum(centre_counts(database).values()) == 14
        # Health: the box's release, sessions and gateway, state reporting.
        listed = signage_cli(database, playlists, "venues", "list")
        fields = listed.stdout.strip().split("\t")
        assert fields[:2] == [VENUE, "reporting"] and fields[5] == "5", listed.stdout
        assert fields[6].startswith("none: ok"), fields
        # One process reports for the box, whatever the number of workers.
        with sqlite3.connect(box.database) as db:
            holders = db.execute("SELECT holder FROM report_lease").fetchall()
        assert len(holders) == 1
        revoked = signage_cli(database, playlists, "venues", "revoke", VENUE)
        assert revoked.returncode == 0, revoked.stderr
        box.visit(accept=False)
        wait_until(lambda: "failed (refused)" in box.log.read_text(), timeout=30)
        assert box.backlog() == 1
        assert sum(box.own_counts().values()) == 15
        assert sum(centre_counts(database).values()) == 14
        assert "Traceback" not in centre.log_text()
    assert "Traceback" not in box.log.read_text()
