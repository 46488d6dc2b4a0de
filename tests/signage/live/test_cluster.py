"""Duties held by one node at a time, and screens online on any node, on both engines."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import Flask

from bluezone.storage.database import Database
from signage import create_app
from signage.emergency.capfeed import CapSource
from signage.live.cluster import ALERTS, CAP, Cluster
from signage.live.hub import Hub
from tests.signage.emergency.test_server_cap import cap, settle
from tests.signage.serverkit import make_playlists


def test_one_node_holds_a_duty_until_its_lease_runs_out(database: Database) -> None:
    a = Cluster(database, "a", lease=20)
    b = Cluster(database, "b", lease=20)
    assert a.claim(ALERTS, 1000.0)
    assert not b.claim(ALERTS, 1000.0)
    assert a.claim(ALERTS, 1015.0), "the holder renews"
    assert not b.claim(ALERTS, 1030.0), "renewed at 1015, the lease runs to 1035"
    assert a.holder(ALERTS, 1030.0) == "a"
    assert b.claim(ALERTS, 1036.0), "a stopped renewing: b takes the duty over"
    assert not a.claim(ALERTS, 1037.0)
    assert b.claim(CAP, 1037.0) and not a.claim(CAP, 1037.0), "each duty has its own lease"
    b.release(CAP)
    assert a.claim(CAP, 1038.0), "a released duty is free at once"


def test_many_nodes_claiming_at_once_give_the_duty_to_exactly_one(database: Database) -> None:
    nodes = [Cluster(database, f"node-{n}") for n in range(8)]
    won: list[str] = []
    start = threading.Barrier(len(nodes))

    def claim(node: Cluster) -> None:
        start.wait()
        for _ in range(20):
            if node.claim(CAP, 5000.0):
                won.append(node.node)

    threads = [threading.Thread(target=claim, args=(node,)) for node in nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(set(won)) == 1 and len(won) == 20, won


def test_screens_online_on_another_node(database: Database) -> None:
    a, b = Cluster(database, "a"), Cluster(database, "b")
    a.saw({"gate-1": True, "gate-2": False}, 100.0)
    b.saw({"gate-2": True}, 100.0)
    assert a.online(since=90.0) == {"gate-2"} and b.online(since=90.0) == {"gate-1"}
    b.saw({"gate-2": False}, 101.0)
    assert a.online(since=90.0) == set(), "a node's own sighting ends when it says so"
    assert b.online(since=100.5) == set(), "a node that stopped writing stops counting"
    assert b.forget(before=100.5) == 1
    assert b.online(since=0.0) == set()


def _node(tmp_path: Path, database: Database, name: str) -> Flask:
    # Each app is a node: its own hub, the shared database and the shared drop folder.
    return create_app(
        {
            "PLAYLISTS_DIR": str(make_playlists(tmp_path / f"playlists-{name}")),
            "DATABASE": database.url or str(database.path),
            "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
            "MESSAGE_QUEUE": "",
            "BACKGROUND": False,
            "CAP_DROP_DIR": str(tmp_path / "cap"),
        }
    )


def test_two_nodes_watching_one_cap_folder_apply_each_file_once(
    tmp_path: Path, database: Database
) -> None:
    nodes = [_node(tmp_path, database, name) for name in ("a", "b")]
    hubs: list[Hub] = [node.extensions["signage"] for node in nodes]
    for hub in hubs:
        if hub.cluster is None:  # one SQLite file shared by two processes of one machine
            hub.cluster = Cluster(database)
    folder = tmp_path / "cap"
    folder.mkdir()
    for n in range(3):
        (folder / f"alert-{n}.xml").write_bytes(cap(f"TWICE-{n}"))
    settle(folder, *(f"alert-{n}.xml" for n in range(3)))
    sources = [CapSource(hub, "", folder, 60, 60) for hub in hubs]
    passes = [threading.Thread(target=source, args=(time.time(),)) for source in sources]
    for thread in passes:
        thread.start()
    for thread in passes:
        thread.join(60)
    for source in sources:
        source(time.time())
    audit = hubs[1].overrides.audit_log()
    assert sorted(e.action for e in audit) == ["create"] * 3
    assert len(hubs[0].overrides.active(time.time())) == 3
    assert sorted(p.name for p in (folder / "done").iterdir()) == [
        f"alert-{n}.xml" for n in range(3)
    ]
    holder = hubs[0].cluster.holder(CAP, time.time()) if hubs[0].cluster else None
    assert holder in {hub.cluster.node for hub in hubs if hub.cluster}


def test_the_board_of_each_node_shows_screens_online_on_the_other(
    tmp_path: Path, database: Database
) -> None:
    hubs: list[Hub] = [_node(tmp_path, database, n).extensions["signage"] for n in ("a", "b")]
    for hub in hubs:
        hub.cluster = hub.cluster or Cluster(database)
    a, b = hubs
    now = time.time()
    a.presence.connect("gate-1", "sid-1", now, "10.0.0.7")
    for hub in hubs:
        hub.tick(now)
    b.tick(now + 1.5)  # B's next presence pass reads A's sighting
    row = b.screen_row("gate-1", now + 1.5)
    assert (row["online"], row.get("elsewhere")) == (True, True)
    assert a.screen_row("gate-1", now + 1.5)["online"] is True
    assert "elsewhere" not in a.screen_row("gate-1", now + 1.5)
    a.presence.disconnect("sid-1")
    a.tick(now + 3)
    b.tick(now + 3)
    assert b.screen_row("gate-1", now + 3)["online"] is False
