"""The presence registry's bulk read of online states (signage.live.presence.Registry.online),
against the per-screen `Presence.online` it stands for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from signage.live.presence import Registry, Report

SCREENS = ["lobby-1", "lobby-2", "gate-3"]
OFFLINE_AFTER = 30.0


def test_online_needs_an_open_connection_and_a_recent_heartbeat() -> None:
    presence = Registry()
    presence.connect("lobby-1", "a", 100.0, None)
    presence.connect("lobby-2", "b", 100.0, None)
    presence.heartbeat("b", 120.0, Report())
    presence.connect("gate-3", "c", 100.0, None)
    presence.disconnect("c")
    states = presence.online([*SCREENS, "never-seen"], 150.0, OFFLINE_AFTER)
    # lobby-1: 50 s since it was seen; lobby-2: exactly offline_after; gate-3: no connection.
    assert states == {"lobby-1": False, "lobby-2": True, "gate-3": False, "never-seen": False}


_operations = st.lists(
    st.tuples(
        st.sampled_from(["connect", "disconnect", "heartbeat"]),
        st.sampled_from(SCREENS),
        st.sampled_from(["s1", "s2", "s3", "s4"]),
        st.floats(min_value=0, max_value=200),
    ),
    max_size=30,
)


@given(_operations, st.floats(min_value=0, max_value=300))
def test_the_bulk_read_agrees_with_each_screens_presence(
    operations: list[tuple[str, str, str, float]], now: float
) -> None:
    presence = Registry()
    for operation, screen_id, sid, at in operations:
        if operation == "connect":
            presence.connect(screen_id, sid, at, None)
        elif operation == "disconnect":
            presence.disconnect(sid)
        else:
            presence.heartbeat(sid, at, Report(item="x"))
    expected = {s: presence.get(s).online(now, OFFLINE_AFTER) for s in [*SCREENS, "other"]}
    assert presence.online([*SCREENS, "other"], now, OFFLINE_AFTER) == expected
