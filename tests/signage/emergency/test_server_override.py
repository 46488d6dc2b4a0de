"""The override store and its parsers, without Flask."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bluezone.storage.database import Database
from signage.emergency.model import Message, NotFound, OverrideError
from signage.emergency.requests import parse_until
from signage.emergency.store import OverrideStore

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 28, 14, 30, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+30m", datetime(2026, 11, 28, 15, 0, tzinfo=TZ)),
        ("2h", datetime(2026, 11, 28, 16, 30, tzinfo=TZ)),
        ("90s", datetime(2026, 11, 28, 14, 31, 30, tzinfo=TZ)),
        ("18:00", datetime(2026, 11, 28, 18, 0, tzinfo=TZ)),
        ("07:00", datetime(2026, 11, 29, 7, 0, tzinfo=TZ)),
        ("2026-12-01T18:00", datetime(2026, 12, 1, 18, 0, tzinfo=TZ)),
        ("2026-11-28T08:00:00+00:00", datetime(2026, 11, 28, 15, 0, tzinfo=TZ)),
    ],
)
def test_until_forms(text: str, expected: datetime) -> None:
    assert parse_until(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "use a duration"),
        ("24:00", "not a time of day"),
        ("2026-11-28T10:00", "already past"),
        ("+0m", "already past"),
    ],
)
def test_until_errors(text: str, message: str) -> None:
    with pytest.raises(OverrideError, match=message):
        parse_until(text, NOW)


@pytest.fixture
def store(database: Database) -> OverrideStore:
    return OverrideStore(database)


def create(
    store: OverrideStore, target: str = "all", seconds: float = 60, priority: int = 0
) -> int:
    return store.create(
        target=target,
        messages={"vi": Message("Cảnh báo", "Nội dung")},
        until=time.time() + seconds,
        actor="test",
        source="cli",
        priority=priority,
    ).id


def test_active_orders_by_priority_and_applies_by_target(store: OverrideStore) -> None:
    low = create(store, "group:lobby", priority=0)
    high = create(store, "screen:gate-1", priority=5)
    everyone = create(store, "all", priority=1)
    now = time.time()
    assert [o.id for o in store.active(now)] == [high, everyone, low]
    applies = [o.id for o in store.active(now) if o.applies_to("lobby-1", ["lobby"])]
    assert applies == [everyone, low]


def test_revision_changes_on_every_write(store: OverrideStore) -> None:
    start = store.revision()
    override_id = create(store)
    assert store.revision() == start + 1
    store.cancel(override_id, "test")
    assert store.revision() == start + 2


@pytest.mark.parametrize("given", ["path", "database"])
def test_a_created_override_is_synced_to_disk_before_it_is_announced(
    tmp_path: Path, given: str
) -> None:
    """Overrides live in a WAL file, but every commit syncs the log (SQLite's synchronous=FULL,
    not the NORMAL of other WAL files): an override the API confirmed survives a power cut.
    The same when the store is given the service's shared `Database`, as the server does."""
    path = tmp_path / "signage.sqlite3"
    store = OverrideStore(path if given == "path" else Database(path))
    create(store)  # so that the connection checked is the one writes use, kept idle
    with store._connect() as db:
        assert str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
        assert int(db.execute("PRAGMA synchronous").fetchone()[0]) == 2  # FULL


def test_cancel_and_expiry_are_audited_once(store: OverrideStore) -> None:
    short = create(store, seconds=0.05)
    kept = create(store)
    store.cancel(kept, "operator", "drill over")
    time.sleep(0.1)
    assert store.expire(time.time()) == [short]
    assert store.expire(time.time()) == []
    log = [(e.override_id, e.action, e.actor) for e in store.audit_log()]
    assert log == [
        (short, "expire", "system"),
        (kept, "cancel", "operator"),
        (kept, "create", "test"),
        (short, "create", "test"),
    ]
    assert store.audit_log()[1].detail == {"reason": "drill over"}


@pytest.mark.parametrize("action", ["again", "missing", "expired"])
def test_cancel_errors(store: OverrideStore, action: str) -> None:
    if action == "missing":
        with pytest.raises(NotFound, match="no override has id 42"):
            store.cancel(42, "test")
        return
    override_id = create(store, seconds=60 if action == "again" else 0.01)
    if action == "again":
        store.cancel(override_id, "test")
        with pytest.raises(OverrideError, match="already cancelled"):
            store.cancel(override_id, "test")
    else:
        time.sleep(0.05)
        with pytest.raises(OverrideError, match="already expired"):
            store.cancel(override_id, "test")


def test_text_is_stored_as_nfc(store: OverrideStore) -> None:
    from signage.emergency.requests import parse_messages

    decomposed = "Sơ ta\u0301n"  # "Sơ tán" with a combining acute accent
    messages = parse_messages({"vi": decomposed})
    assert messages["vi"].headline == "Sơ tán"


def test_russian_is_a_language_an_override_and_a_cap_alert_may_use() -> None:
    from signage.emergency.cap import language_tag
    from signage.emergency.requests import parse_messages

    messages = parse_messages({"vi": "Sơ tán ngay", "ru": "Немедленно покиньте здание"})
    assert messages["ru"].headline == "Немедленно покиньте здание"
    assert language_tag("ru-RU") == "ru"
    with pytest.raises(OverrideError, match="ru"):
        parse_messages({"de": "Evakuieren"})
