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
from signage.live.presence import Report
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
    assert a.online(since=90.0) == {"gate-2": 100.0} and b.online(since=90.0) == {"gate-1": 100.0}
    c = Cluster(database, "c")
    c.saw({"gate-1": True}, 104.0)
    assert b.online(since=90.0) == {"gate-1": 104.0}, "the latest sighting of any node"
    c.saw({"gate-1": False}, 105.0)
    b.saw({"gate-2": False}, 101.0)
    assert a.online(since=90.0) == {}, "a node's own sighting ends when it says so"
    assert b.online(since=100.5) == {}, "a node that stopped writing stops counting"
    assert b.forget(before=100.5) == 1
    assert b.online(since=0.0) == {}


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


def _two_nodes(tmp_path: Path, database: Database) -> list[Hub]:
    """The hubs of nodes a and b, each with its cluster on the shared database."""
    hubs: list[Hub] = [_node(tmp_path, database, n).extensions["signage"] for n in ("a", "b")]
    for hub in hubs:
        hub.cluster = hub.cluster or Cluster(database)
    return hubs


def test_the_board_of_each_node_shows_screens_online_on_the_other(
    tmp_path: Path, database: Database
) -> None:
    a, b = hubs = _two_nodes(tmp_path, database)
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


def test_a_row_of_a_screen_on_another_node_shows_nothing_this_node_knew_of_it_before(
    tmp_path: Path, database: Database
) -> None:
    """The screen played on B, then moved to A: B's row says online elsewhere (seen when A
    last saw it) and leaves out the slide, version and size B remembers from before."""
    a, b = _two_nodes(tmp_path, database)
    now = time.time()
    b.presence.connect("gate-1", "sid-b", now, "10.0.0.7")
    b.presence.heartbeat(
        "sid-b", now, Report(item="old-slide", version="v1", width=1920, height=1080)
    )
    b.tick(now)
    assert b.screen_row("gate-1", now)["current_item"] == "old-slide"
    b.presence.disconnect("sid-b")
    a.presence.connect("gate-1", "sid-a", now + 1, "10.0.0.7")
    a.presence.heartbeat("sid-a", now + 1, Report(item="new-slide", version="v2"))
    a.tick(now + 1)
    b.tick(now + 2)
    row = b.screen_row("gate-1", now + 2)
    assert (row["online"], row["elsewhere"], row["last_seen"]) == (True, True, now + 1)
    assert row["current_item"] is None and row["current_label"] is None
    assert (row["playlist_version"], row["expected_version"], row["screen_size"]) == (None,) * 3
    assert row["connections"] == 0
    here = a.screen_row("gate-1", now + 2)
    assert (here["current_item"], here["playlist_version"]) == ("new-slide", "v2")
