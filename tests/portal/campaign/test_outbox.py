"""The reporter's bookkeeping in the box's database, on SQLite and PostgreSQL: which hours are
still to be sent, the confirmed watermark per hour, and the lease that lets one process send."""

from __future__ import annotations

from bluezone.storage.database import Database
from bluezone.storage.migrations import migrate
from portal.campaign.outbox import Outbox
from portal.sessions.store import COMPONENT, MIGRATIONS, EventKey, Store

SALT = b"s" * 32


def key(hour: str, kind: str = "view", venue: str = "box", src: str = "") -> EventKey:
    return EventKey(hour, kind, venue, "vi", "android", src)


def test_an_hour_is_pending_until_confirmed_at_its_latest_revision(database: Database) -> None:
    store = Store(database, SALT)
    outbox = Outbox(store.database)
    store.add_events([(key("2026-12-07T03"), 2), (key("2026-12-07T04"), 1)])
    store.add_events([(key("2026-12-07T03", "accept"), 1)])
    first, second = outbox.pending(10, "2026-12-07T05")
    assert (first.hour, first.revision) == ("2026-12-07T03", 2)
    assert dict(first.counts) == {
        ("view", "vi", "android", ""): 2,
        ("accept", "vi", "android", ""): 1,
    }
    assert outbox.confirm({first.hour: first.revision, second.hour: second.revision}) == 2
    assert outbox.pending(10, "2026-12-07T05") == [] and outbox.backlog() == 0
    # The current hour changes again: it is sent again, with its new absolute counts.
    store.add_events([(key("2026-12-07T04"), 5)])
    [again] = outbox.pending(10, "2026-12-07T05")
    assert (again.hour, again.revision, dict(again.counts)) == (
        "2026-12-07T04",
        2,
        {("view", "vi", "android", ""): 6},
    )
    # A late confirmation of the older revision does not hide the change.
    assert outbox.confirm({"2026-12-07T04": 1}) == 0
    assert outbox.backlog() == 1


def test_counts_of_every_venue_the_box_counted_under_add_up(database: Database) -> None:
    store = Store(database, SALT)
    store.add_events([(key("2026-12-07T03", venue="a"), 2), (key("2026-12-07T03", venue="b"), 3)])
    [hour] = Outbox(store.database).pending(10, "2026-12-07T03")
    assert dict(hour.counts) == {("view", "vi", "android", ""): 5}


def test_oldest_first_bounded_and_nothing_implausible(database: Database) -> None:
    store = Store(database, SALT)
    outbox = Outbox(store.database)
    hours = [f"2026-12-{day:02}T{h:02}" for day in (1, 2) for h in range(24)]
    store.add_events([(key(hour), 1) for hour in reversed(hours)])
    store.add_events([(key("1970-01-01T00"), 1), (key("2027-01-01T00"), 1)])
    batch = outbox.pending(30, "2026-12-07T05")
    assert [h.hour for h in batch] == hours[:30]
    assert outbox.backlog() == 49  # the future hour waits for its time; 1970 is never sent


def test_hours_counted_before_reporting_existed_are_sent(database: Database) -> None:
    migrate(database, COMPONENT, MIGRATIONS[:2])
    with database.transaction() as db:
        db.execute(
            "INSERT INTO event_counts VALUES ('2026-11-30T10', 'view', 'box', 'vi', 'ios', '', 7)"
        )
    store = Store(database, SALT)
    [hour] = Outbox(store.database).pending(10, "2026-12-07T05")
    assert (hour.hour, dict(hour.counts)) == ("2026-11-30T10", {("view", "vi", "ios", ""): 7})


def test_one_holder_of_the_lease_at_a_time(database: Database) -> None:
    outbox = Outbox(Store(database, SALT).database)
    assert outbox.claim("worker-1", 60, now=1000)
    assert not outbox.claim("worker-2", 60, now=1010)
    assert outbox.claim("worker-1", 60, now=1050)  # renewed
    assert not outbox.claim("worker-2", 60, now=1100)
    assert outbox.claim("worker-2", 60, now=1111)  # worker-1 stopped renewing: taken over
    assert not outbox.claim("worker-1", 60, now=1112)
    outbox.release("worker-2")
    assert outbox.claim("worker-1", 60, now=1113)


def test_keys_the_report_cannot_carry_stay_home(database: Database) -> None:
    store = Store(database, SALT)
    store.add_events(
        [
            (EventKey("2026-12-07T03", "click", "box", "vi", "ios", "qr"), 4),  # an old kind
            (EventKey("2026-12-07T03", "view", "box", "vi", "ios", "a b"), 1),
            (EventKey("2026-12-07T03", "view", "box", "vi", "ios", "lobby-1"), 2),
        ]
    )
    [hour] = Outbox(store.database).pending(10, "2026-12-07T05")
    assert dict(hour.counts) == {("view", "vi", "ios", "lobby-1"): 2}
