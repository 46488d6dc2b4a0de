"""The Socket.IO events by which a screen pairs and learns whether it is believed.

A screen without a credential (or whose credential was refused or revoked) asks for a pairing
with `pair`, shows the code it gets, and polls with `pair_status` until an admin approved the
code; the answer then carries its credential, which it keeps and sends as `auth.token` on every
later connection. The core is `signage.live.enrollment`; these handlers parse, bound and answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from flask import request
from flask_socketio import SocketIO, emit

from signage import services
from signage.live.enrollment import MAX_TOKEN, TooMany, TooSoon
from signage.live.hub import Hub


def _sid() -> str:
    sid: str = request.sid  # type: ignore[attr-defined]
    return sid


def _throttled(hub: Hub, sid: str) -> dict[str, Any] | None:
    wait = hub.pairing_throttle.wait(sid)
    if wait:
        return {"error": "too many pairing requests", "retry_after": round(wait, 3)}
    return None


def on_pair(data: object = None) -> dict[str, Any]:
    """Client -> server `pair` (any payload) with an acknowledgement callback.

    Asks for a pairing code for the socket's screen. The ack is `{"code": "ABC123", "secret":
    text, "expires": ms}`: the screen shows `code` and keeps `secret` (only the holder of the
    secret collects the credential once the code is approved). Errors: `{"error": text}` for a
    socket that is not a screen's or already enrolled; `{"error": text, "retry_after": s}` when
    asked again within a second on this socket or within a few seconds for this screen, or when
    too many codes are pending. Each screen keeps at most a few pending codes (a new one
    replaces the oldest); codes expire after 15 minutes.
    """
    hub = services.hub()
    sid = _sid()
    connection = hub.trust.connection(sid)
    if connection is None:
        return {"error": "this connection is not a screen's"}
    if hub.believed(sid) is not None:
        return {"error": "this screen is already enrolled"}
    refused = _throttled(hub, sid)
    if refused is not None:
        return refused
    try:
        pairing = hub.trust.store.request(
            connection.screen,
            request.remote_addr or "",
            request.headers.get("User-Agent", ""),
        )
    except TooSoon as exc:
        return {"error": str(exc), "retry_after": round(exc.retry_after, 3)}
    except TooMany as exc:
        return {"error": str(exc), "retry_after": 60}
    return {"code": pairing.code, "secret": pairing.secret, "expires": int(pairing.expires * 1000)}


def on_pair_status(data: object = None) -> dict[str, Any]:
    """Client -> server `pair_status` `{secret}` with an acknowledgement callback.

    The ack is `{"state": "pending", "code", "expires": ms}` while the code waits for an
    admin; `{"state": "enrolled", "token": text}` once approved: the credential, handed out
    this once, which the screen keeps (the socket is believed from then on and gets
    `enrollment {enrolled: true}`); `{"state": "unknown"}` when the code expired or was
    replaced (ask for a new one with `pair`). `{"error": text, "retry_after": s}` when polled
    more than once a second on this socket, `{"error": text}` for a malformed request.
    """
    hub = services.hub()
    sid = _sid()
    connection = hub.trust.connection(sid)
    if connection is None:
        return {"error": "this connection is not a screen's"}
    secret = data.get("secret") if isinstance(data, dict) else None
    if not isinstance(secret, str) or not 0 < len(secret) <= MAX_TOKEN:
        return {"error": "pair_status must be an object {secret}"}
    refused = _throttled(hub, sid)
    if refused is not None:
        return refused
    status = hub.trust.store.poll(connection.screen, secret)
    if status.state == "pending":
        assert status.expires is not None
        return {"state": "pending", "code": status.code, "expires": int(status.expires * 1000)}
    if status.collected is None:
        return {"state": "unknown"}
    user_agent = request.headers.get("User-Agent", "")
    # Imported here: the console package imports the Socket.IO edge, which imports this module.

    # Which browser took the credential, and from where, next to the approval in the audit log.
    services.console().audit.record(
        status.collected.approved_by,
        "screen.enroll",
        connection.screen,
        f"credential {status.collected.serial} collected by {user_agent[:200]}",
        address=request.remote_addr or "",
    )
    hub.enroll_socket(
        sid,
        connection.screen,
        status.collected.serial,
        time.time(),
        request.remote_addr,
        user_agent,
    )
    emit("enrollment", {"enrolled": True, "refused": False})
    return {"state": "enrolled", "token": status.collected.token}


def push_downgraded(socketio: SocketIO, sids: Iterable[str]) -> None:
    """Server -> screen `enrollment` `{enrolled: false, refused: true}` to each socket whose
    credential was revoked or replaced: the player forgets its token and pairs again.

    A socket that proves no credential on connection gets `enrollment {enrolled: false,
    refused}` after its programme (`refused`: it sent a token that is not, or no longer,
    valid); an enrolled one gets nothing, so players that predate enrollment see no change."""
    for sid in sids:
        socketio.emit("enrollment", {"enrolled": False, "refused": True}, to=sid)


def register(socketio: SocketIO) -> None:
    socketio.on_event("pair", on_pair)
    socketio.on_event("pair_status", on_pair_status)
