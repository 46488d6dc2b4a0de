"""The venue store on SQLite and PostgreSQL: tokens shown once and kept hashed, revoke at once,
each hour's counts exactly as last reported (a report received twice changes nothing), and
state changes that only one node sees."""

from __future__ import annotations

import hashlib
import threading

import pytest

from bluezone.storage.database import Database
from signage.venues.store import (
    BadVenueId,
    Health,
    UnknownVenue,
    VenueExists,
    VenueStore,
)
from tests.conftest import dump

HEALTH = Health("0.1.0", 3600, 4, "nftables: ok, 4 granted")
VIEW = ("view", "vi", "android", "")
ACCEPT = ("accept", "vi", "android", "")


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database: Database, clock: Clock) -> VenueStore:
    return VenueStore(database, clock=clock)


def test_the_token_is_returned_once_and_only_its_hash_is_kept(
    store: VenueStore, database: Database
) -> None:
    token = store.add("ben-xe-tuy-hoa")
    assert len(token) >= 43
    stored = dump(database)
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert store.venue_of(token) == "ben-xe-tuy-hoa"
    assert store.venue_of("x" * 43) is None
    assert store.venue_of("x" * 5000) is None
    [venue] = store.venues()
    assert (venue.id, venue.state, venue.last_report) == ("ben-xe-tuy-hoa", "never", None)


def test_an_active_id_is_refused_and_a_revoked_one_gets_a_new_token(store: VenueStore) -> None:
    old = store.add("san-bay")
    with pytest.raises(VenueExists):
        store.add("san-bay")
    with pytest.raises(BadVenueId):
        store.add("sân bay")
    with pytest.raises(BadVenueId):
        store.add("")
    store.revoke("san-bay")
    assert store.venue_of(old) is None
    with pytest.raises(UnknownVenue):
        store.revoke("san-bay")
    new = store.add("san-bay")
    assert store.venue_of(new) == "san-bay" and store.venue_of(old) is None


def test_a_report_replaces_each_hour_it_names_and_a_repeat_changes_nothing(
    store: VenueStore, database: Database, clock: Clock
) -> None:
    token = store.add("cang-vung-ro")
    first = {"2026-12-07T03": {VIEW: 5, ACCEPT: 2}, "2026-12-07T04": {VIEW: 1}}
    recorded = store.record(token, "cang-vung-ro", HEALTH, first)
    assert recorded is not None and recorded.hours == ("2026-12-07T03", "2026-12-07T04")
    before = dump(database)
    assert store.record(token, "cang-vung-ro", HEALTH, first) is not None
    assert dump(database) == before
    # The current hour grew: its absolute counts replace the old ones, nothing is added up.
    store.record(token, "cang-vung-ro", HEALTH, {"2026-12-07T04": {VIEW: 3, ACCEPT: 1}})
    rows = {
        (r.hour, r.kind): r.count for r in store.counts_between("2026-12-07T00", "2026-12-08T00")
    }
    assert rows == {
        ("2026-12-07T03", "view"): 5,
        ("2026-12-07T03", "accept"): 2,
        ("2026-12-07T04", "view"): 3,
        ("2026-12-07T04", "accept"): 1,
    }
    [venue] = store.venues()
    assert (venue.state, venue.last_report, venue.sessions, venue.gateway) == (
        "reporting",
        clock.now,
        4,
        "nftables: ok, 4 granted",
    )


def test_a_token_stores_nothing_for_another_venue_nor_once_revoked(
    store: VenueStore, database: Database
) -> None:
    mine = store.add("a")
    store.add("b")
    assert store.record(mine, "b", HEALTH, {"2026-12-07T03": {VIEW: 9}}) is None
    store.revoke("a")
    assert store.record(mine, "a", HEALTH, {"2026-12-07T03": {VIEW: 9}}) is None
    assert store.counts_between("2020-01-01T00", "2030-01-01T00") == []


def test_silence_and_return_are_seen_by_one_node_only(database: Database, clock: Clock) -> None:
    nodes = [VenueStore(database, clock=clock) for _ in range(4)]
    token = nodes[0].add("tram-1")
    nodes[0].record(token, "tram-1", HEALTH, {})
    clock.now += 3600
    moved: list[str] = []
    lock = threading.Lock()

    def check(node: VenueStore) -> None:
        found = node.mark_silent(clock.now - 1800)
        with lock:
            moved.extend(v.id for v in found)

    threads = [threading.Thread(target=check, args=(node,)) for node in nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert moved == ["tram-1"]
    backs = [nodes[i].record(token, "tram-1", HEALTH, {}) for i in range(2)]
    assert [r.back for r in backs if r is not None] == [True, False]
    # A venue that never reported, or was revoked, is never silent.
    nodes[0].add("tram-2")
    nodes[0].revoke("tram-1")
    clock.now += 86400
    assert nodes[1].mark_silent(clock.now - 1800) == []


def test_shown_state_follows_the_clock(store: VenueStore, clock: Clock) -> None:
    token = store.add("x")
    store.record(token, "x", HEALTH, {})
    [venue] = store.venues()
    assert venue.shown_state(clock.now + 60, 1800) == "reporting"
    assert venue.shown_state(clock.now + 1801, 1800) == "silent"
    store.add("y")
    assert {v.id: v.shown_state(clock.now, 1800) for v in store.venues()}["y"] == "never"
    assert store.revoke("x").shown_state(clock.now, 1800) == "revoked"
