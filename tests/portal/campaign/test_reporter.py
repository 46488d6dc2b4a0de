"""The reporter against a real signage server over loopback HTTP: counts arrive once, survive
a centre that refuses, times out or fails, a revoked token, and are sent in bounded batches."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from portal import create_app
from portal.campaign.outbox import Outbox
from portal.campaign.reporter import BATCH_HOURS, Reporter
from portal.cli import main
from portal.sessions.store import EventKey, Store
from signage import create_app as create_signage
from signage import services as signage_services
from signage.venues.store import VenueStore
from tests.conftest import free_port
from tests.portal.conftest import make_config
from tests.signage.serverkit import Receiver, make_playlists

NOW = 1_796_612_400.0  # 2026-12-07T03:00Z


@dataclass
class Centre:
    url: str
    app: Flask

    @property
    def venues(self) -> VenueStore:
        return signage_services.venues(self.app)

    def counts(self) -> dict[tuple[str, str], int]:
        rows = self.venues.counts_between("2020-01-01T00", "2030-01-01T00")
        return {(r.hour, r.kind): r.count for r in rows}


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[Centre]:
    app = create_signage(
        {
            "TESTING": True,
            "PLAYLISTS_DIR": str(make_playlists(tmp_path / "playlists")),
            "DATABASE": str(tmp_path / "signage.sqlite3"),
            "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
            "BACKGROUND": False,
        }
    )
    signage_services.venues(app).clock = lambda: NOW
    port = free_port()
    server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Centre(f"http://127.0.0.1:{port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(str(tmp_path / "portal.sqlite3"), salt=b"s" * 32)


def reporter(url: str, token: str, store: Store, **kwargs: object) -> Reporter:
    return Reporter(
        url=url,
        token=token,
        venue="ben-xe",
        interval=10,
        outbox=Outbox(store.database),
        health=lambda: {"version": "0.1.0", "uptime": 5, "sessions": 1, "gateway": "none: ok"},
        clock=lambda: NOW,
        **kwargs,  # type: ignore[arg-type]
    )


def view(hour: str, n: int) -> tuple[EventKey, int]:
    return EventKey(hour, "view", "ben-xe", "vi", "android", ""), n


def test_counts_arrive_once_and_a_repeat_sends_only_what_changed(
    centre: Centre, store: Store
) -> None:
    token = centre.venues.add("ben-xe")
    store.add_events([view("2026-12-07T01", 3), view("2026-12-07T02", 4)])
    box = reporter(centre.url, token, store)
    outcome = box.send()
    assert outcome.ok and outcome.stored == ("2026-12-07T01", "2026-12-07T02")
    assert centre.counts() == {("2026-12-07T01", "view"): 3, ("2026-12-07T02", "view"): 4}
    assert box.send().sent == ()
    store.add_events([view("2026-12-07T02", 1)])
    assert box.send().sent == ("2026-12-07T02",)
    assert centre.counts()[("2026-12-07T02", "view")] == 5
    [venue] = centre.venues.venues()
    assert (venue.state, venue.version, venue.sessions, venue.gateway) == (
        "reporting",
        "0.1.0",
        1,
        "none: ok",
    )


def test_a_refusing_port_keeps_everything_and_the_wait_grows(
    centre: Centre, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    token = centre.venues.add("ben-xe")
    store.add_events([view("2026-12-07T01", 3)])
    box = reporter(f"http://127.0.0.1:{free_port()}", token, store)
    with caplog.at_level(logging.WARNING, "portal.campaign.reporter"):
        outcome = box.send()
        box.send()
    assert (outcome.error, outcome.backlog) == ("unreachable", 1)
    assert "refused" in caplog.text.lower() and "1 hours kept" in caplog.text
    assert box.delay() == 40
    box.url = centre.url
    assert box.send().stored == ("2026-12-07T01",)
    assert box.delay() == 10
    assert centre.counts() == {("2026-12-07T01", "view"): 3}


def test_a_slow_or_failing_centre_is_a_failed_send_in_bounded_time(store: Store) -> None:
    store.add_events([view("2026-12-07T01", 3)])
    slow = Receiver([200], delay=3)
    failing = Receiver([503])
    try:
        timed_out = reporter(slow.url.removesuffix("/hook"), "t" * 43, store, timeout=0.5).send()
        failed = reporter(failing.url.removesuffix("/hook"), "t" * 43, store).send()
    finally:
        slow.close()
        failing.close()
    assert timed_out.error == "unreachable" and "timed out" in timed_out.detail
    assert failed.error == "unreachable" and "503" in failed.detail
    assert Outbox(store.database).backlog() == 1


def test_a_revoked_token_is_refused_and_the_box_keeps_its_counts(
    centre: Centre, store: Store
) -> None:
    token = centre.venues.add("ben-xe")
    centre.venues.revoke("ben-xe")
    store.add_events([view("2026-12-07T01", 3)])
    outcome = reporter(centre.url, token, store).send()
    assert (outcome.error, outcome.backlog) == ("refused", 1)
    assert centre.counts() == {}


def test_a_long_backlog_goes_oldest_first_in_batches(centre: Centre, store: Store) -> None:
    token = centre.venues.add("ben-xe")
    hours = [f"2026-12-0{day}T{h:02}" for day in range(1, 6) for h in range(24)]
    store.add_events([view(hour, 1) for hour in hours])
    outcome = reporter(centre.url, token, store).send()
    assert outcome.ok and list(outcome.stored) == hours
    assert len(hours) > 2 * BATCH_HOURS
    assert len(centre.counts()) == len(hours)


def test_report_once_prints_what_was_sent_and_stored(centre: Centre, tmp_path: Path) -> None:
    centre.venues.clock = time.time  # the box counts at the real hour
    token = centre.venues.add("ben-xe")
    app = create_app(
        make_config(tmp_path, venue_id="ben-xe", report_url=centre.url, report_token=token),
        install_gateway=False,
    )
    app.test_client().get("/", headers={"Host": "portal.test"})
    result = app.test_cli_runner().invoke(main, ["report", "--once"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"sent 1 hours to {centre.url} as ben-xe"
    assert lines[1].startswith("stored by the signage server: 20")
    assert lines[2] == "hours still to send: 0"
    assert sum(centre.counts().values()) == 1
