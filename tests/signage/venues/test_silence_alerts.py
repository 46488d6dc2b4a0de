"""The silent / back alerts with two signage nodes on one database and a real webhook receiver:
each is sent once for the cluster, whichever nodes look."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from signage import create_app, services
from signage.live.webhook import Webhook
from tests.signage.serverkit import Receiver, make_playlists

START = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver([])
    yield made
    made.close()


@pytest.fixture
def nodes(tmp_path: Path, receiver: Receiver) -> list[Flask]:
    playlists = make_playlists(tmp_path / "playlists")
    settings: dict[str, Any] = {
        "TESTING": True,
        "PLAYLISTS_DIR": str(playlists),
        "DATABASE": str(tmp_path / "signage.sqlite3"),
        "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "BACKGROUND": False,
        "ALERT_WEBHOOK_URL": receiver.url,
        "VENUE_SILENT_MINUTES": 30,
    }
    return [create_app(settings), create_app(settings)]


def report(node: Flask, token: str) -> None:
    body = {
        "venue": "ben-xe",
        "health": {"version": "0.1.0", "uptime": 60, "sessions": 0, "gateway": "none: ok"},
        "hours": [],
    }
    response = node.test_client().post(
        "/api/venues/report", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.get_json()


def test_silent_once_and_back_once_across_two_nodes(nodes: list[Flask], receiver: Receiver) -> None:
    clock = Clock()
    for node in nodes:
        services.venues(node).clock = clock
    for node in nodes:  # the nodes start
        services.background(node).run_once(clock.now)
    token = services.venues(nodes[0]).add("ben-xe")
    report(nodes[0], token)
    clock.now += 29 * 60
    for node in nodes:
        assert services.silence(node).check(clock.now) == []
    clock.now += 2 * 60
    # Both nodes' background passes at once (threads: as two processes would).
    passes = [
        threading.Thread(target=services.background(node).run_once, args=(clock.now,))
        for node in nodes
    ]
    for thread in passes:
        thread.start()
    for thread in passes:
        thread.join()
    [venue] = services.venues(nodes[0]).venues()
    assert venue.state == "silent"
    clock.now += 3600
    for node in nodes:  # still silent: nothing more
        services.background(node).run_once(clock.now)
        assert services.silence(node).check(clock.now + 60) == []
    report(nodes[1], token)
    report(nodes[0], token)
    for node in nodes:  # delivers what is queued, then stops
        webhook = services.silence(node).notify.__self__  # type: ignore[union-attr]
        assert isinstance(webhook, Webhook)
        webhook.close()
    events = [(p["event"], p["venue"]) for p in receiver.received]
    assert events == [("venue_silent", "ben-xe"), ("venue_reporting", "ben-xe")]
    silent = receiver.received[0]
    assert silent["last_report"] == int(START * 1000) and silent["silent_minutes"] == 30


def test_a_node_that_just_started_waits_before_calling_a_box_silent(
    nodes: list[Flask], receiver: Receiver
) -> None:
    clock = Clock()
    services.venues(nodes[0]).clock = clock
    token = services.venues(nodes[0]).add("ben-xe")
    report(nodes[0], token)
    clock.now += 5 * 3600  # the signage server was down for five hours, and starts again
    silence = services.silence(nodes[0])
    assert silence.check(clock.now) == []
    report(nodes[0], token)  # the box reports within its interval
    assert silence.check(clock.now + 30 * 60) == []
    assert silence.check(clock.now + 31 * 60) == ["ben-xe"]
