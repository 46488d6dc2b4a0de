"""The Socket.IO edge: screens connect here, and every push to screens leaves from here.

Rooms: `screen:<id>` (one screen, possibly several tabs), `group:<id>` for each of its groups,
and `all`. Console browsers connect to the namespace `/console` (room `operators`), which
accepts only a signed-in console session and closes a socket once its session has ended
(`ConsoleSockets`). Handlers parse, call the hub, and emit; the protocol of each event is
stated in its docstring. Times on the wire are Unix milliseconds of the server
clock.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, TypeVar

from flask import Flask, request
from flask_socketio import SocketIO, emit, join_room
from socketio import PubSubManager
from socketio.exceptions import ConnectionRefusedError as Refused

from signage import services
from signage.emergency.model import Override
from signage.live.hub import Changes, Hub
from signage.live.playlog import PlayError, parse_batch
from signage.live.presence import Report
from signage.live.programme import State
from signage.web import enrollsocket, fanout, statepacket

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

T = TypeVar("T")

# Pinned, never auto-detected (Flask-SocketIO would pick eventlet first if it were installed).
# gevent with simple-websocket, matching gunicorn's gevent worker; why: deploy/gunicorn/.
ASYNC_MODE: Final = "gevent"

# Unbound: the factory attaches it to the app with the pinned async mode and message queue.
socketio = SocketIO()

CONSOLE: Final = "/console"
# The answer to a report from a socket that proved no credential of its screen.
NOT_ENROLLED: Final = "this screen is not enrolled: pair it first"
# `auth.protocol` of players that can pair. Players from before enrollment send none.
PROTOCOL: Final = 2
OPERATORS: Final = "operators"
# How often the console sockets of a process are checked against their sessions.
SWEEP_EVERY: Final = 5.0

# Given by the console for the session of the request: None when nobody is signed in, else a
# function telling, at a later time (Unix seconds), whether that session is still open.
SessionCheck = Callable[[float], bool]


class ConsoleSockets:
    """The `/console` sockets of this process, each with the check of the session it was
    opened with, so that signing out (in this browser, everywhere, or on another node) also
    closes the live board of a copy of the cookie. Thread-safe; no Flask."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checks: dict[str, SessionCheck] = {}
        self._last = -math.inf

    def add(self, sid: str, check: SessionCheck) -> None:
        with self._lock:
            self._checks[sid] = check

    def remove(self, sid: str) -> None:
        with self._lock:
            self._checks.pop(sid, None)

    def ended(self, now: float) -> list[str]:
        """The sockets whose session has ended at `now`; looked at only when `SWEEP_EVERY`
        seconds have passed since the last look (else none), to spare the database."""
        with self._lock:
            if now - self._last < SWEEP_EVERY:
                return []
            self._last = now
            checks = list(self._checks.items())
        return [sid for sid, check in checks if not check(now)]


def now_ms() -> int:
    return int(time.time() * 1000)


def _sid() -> str:
    sid: str = request.sid  # type: ignore[attr-defined]
    return sid


def _state_message(payload: dict[str, Any]) -> dict[str, Any]:
    # A `State` stays one, so that its packet is written from its items' texts (statepacket).
    return State(payload, server_time=now_ms())


def on_connect(auth: object = None) -> None:
    """Client -> server on connection, with `auth = {"screen": "<id>", "token": "<credential>",
    "protocol": 2}` (`token` once the screen holds its credential).

    An unknown or missing screen id refuses the connection: the client's `connect_error`
    gets the message "screen not registered" and the data `{"screen": id}`. So does a
    connection with neither `token` nor `protocol` (data `{"screen": id, "reload": true}`): that
    is a player from before enrollment, which reloads on this refusal and so gets the player
    that pairs (after an upgrade, screens that were running show their pairing code by
    themselves). Otherwise the
    socket joins `screen:<id>`, `group:<g>` and `all`, and receives `state` then `overrides`
    (see `push_state` and `push_overrides`). Without a valid `token` (the screen's credential,
    see `signage.live.enrollment`) the socket still gets its programme, then `enrollment
    {enrolled: false, refused}` (`refused`: a token was sent but is not valid; see
    `signage.web.enrollsocket`), and is not believed: the screen does not show online and its
    heartbeats, acknowledgements and proof of play are refused until it pairs.
    """
    screen_id = auth.get("screen") if isinstance(auth, dict) else None
    hub = services.hub()
    if not isinstance(screen_id, str) or hub.programme.screen(screen_id) is None:
        if isinstance(screen_id, str) and screen_id:
            hub.presence.note_stranger(
                screen_id[:100], time.time(), request.remote_addr, request.headers.get("User-Agent")
            )
        raise Refused("screen not registered", {"screen": str(screen_id)[:100]})
    services.background().ensure_started()
    now = time.time()
    sid = _sid()
    token = auth.get("token") if isinstance(auth, dict) else None
    protocol = auth.get("protocol") if isinstance(auth, dict) else None
    if token is None and (isinstance(protocol, bool) or not isinstance(protocol, int)):
        raise Refused("screen not registered", {"screen": screen_id[:100], "reload": True})
    serial = hub.trust.store.verify(screen_id, token) if token is not None else None
    if serial is None:
        hub.trust.admit(sid, screen_id, None)
    else:
        user_agent = request.headers.get("User-Agent", "")
        hub.enroll_socket(sid, screen_id, serial, now, request.remote_addr, user_agent)
    screen = hub.programme.screen(screen_id)
    join_room(f"screen:{screen_id}")
    for group in screen.groups:
        join_room(f"group:{group}")
    join_room("all")
    payload = hub.state_for(screen_id, now)
    if payload is not None:
        emit("state", _state_message(payload))
    emit("overrides", [o.to_json() for o in hub.overrides_for(screen_id, now)])
    if serial is None:
        emit("enrollment", {"enrolled": False, "refused": token is not None})


def on_disconnect(reason: object = None) -> None:
    """The socket closed; the screen is offline once no other socket of it remains."""
    hub = services.hub()
    hub.trust.forget(_sid())
    hub.pairing_throttle.forget(_sid())
    hub.presence.disconnect(_sid())


def on_clock(data: object = None) -> dict[str, int]:
    """Client -> server `clock` with an acknowledgement callback; the ack is `{"now": ms}`.

    Screens send a few and keep the sample with the shortest round trip to estimate the
    offset between their clock and the server's.
    """
    return {"now": now_ms()}


def on_heartbeat(data: object = None) -> dict[str, Any]:
    """Client -> server `heartbeat` `{item, version, width, height}` every HEARTBEAT_INTERVAL.

    Updates the status API. The ack is `{"now": ms}`, or `{"error": text}` for a malformed
    report or a socket that proved no credential (`NOT_ENROLLED`).
    """
    if not isinstance(data, dict):
        return {"error": "heartbeat must be an object {item, version, width, height}"}
    item, version = data.get("item"), data.get("version")
    width, height = data.get("width"), data.get("height")
    if item is not None and not isinstance(item, str):
        return {"error": "heartbeat.item must be text or null"}
    if version is not None and not isinstance(version, str):
        return {"error": "heartbeat.version must be text or null"}
    for name, value in (("width", width), ("height", height)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 100_000
        ):
            return {"error": f"heartbeat.{name} must be a positive whole number of pixels"}
    report = Report(
        item=item[:200] if item else item,
        version=version[:200] if version else version,
        width=width,
        height=height,
    )
    hub = services.hub()
    if hub.believed(_sid()) is None:
        return {"error": NOT_ENROLLED}
    if hub.presence.heartbeat(_sid(), time.time(), report) is None:
        return {"error": "this connection is not registered as a screen"}
    return {"now": now_ms()}


def on_played(data: object = None) -> dict[str, Any]:
    """Client -> server `played` with a list of proof-of-play records, sent in batches.

    Each record is `{item, version, shown_at (Unix s), duration (s)}`, checked by
    `signage.live.playlog.parse_batch`. The ack is
    `{"stored": n}`; a malformed batch is refused whole with `{"error": text}` and the screen
    drops it rather than retrying forever. A socket that proved no credential gets
    `{"error": NOT_ENROLLED}` and nothing is stored.
    """
    hub = services.hub()
    screen_id = hub.believed(_sid())
    if screen_id is None:
        return {"error": NOT_ENROLLED}
    try:
        plays = parse_batch(data, time.time())
    except PlayError as exc:
        return {"error": str(exc)}
    return {"stored": hub.plays.record(screen_id, plays)}


def on_ack(data: object = None) -> dict[str, Any]:
    """Client -> server `ack` `{override: id}` once the screen displays that override.

    Players send it when an override first appears on screen (again after a reconnection);
    players from before acknowledgements existed simply never send it. The ack is
    `{"ok": true}`, or `{"error": text}` when the socket proved no credential (`NOT_ENROLLED`) or
    the override is not active for it. The first acknowledgement of each screen goes to the
    console as `ack`.
    """
    hub = services.hub()
    screen_id = hub.believed(_sid())
    if screen_id is None:
        return {"error": NOT_ENROLLED}
    override_id = data.get("override") if isinstance(data, dict) else None
    if isinstance(override_id, bool) or not isinstance(override_id, int):
        return {"error": "ack must be an object {override: id}"}
    now = time.time()
    try:
        first = hub.acknowledge(screen_id, override_id, now)
    except LookupError as exc:
        return {"error": str(exc)}
    if first:
        push_ack(override_id, screen_id, now)
    return {"ok": True}


def on_console_connect(auth: object = None) -> None:
    """Console browser -> server: connect to namespace `/console`.

    Only a signed-in console session (the Flask session cookie, sent with the handshake) is
    accepted; any other connection is refused with the message "sign in to the console". The
    socket joins the room `operators` and receives `board` (see `push_board`). It is closed
    within `SWEEP_EVERY` seconds of its session ending (see `close_ended_console_sockets`).
    """
    open_session = services.console_session.find()
    check = open_session() if open_session is not None else None
    if check is None:
        raise Refused("sign in to the console")
    services.console_sockets().add(_sid(), check)
    services.background().ensure_started()
    join_room(OPERATORS, namespace=CONSOLE)
    emit("board", services.hub().board(time.time()), namespace=CONSOLE)


def on_console_disconnect(reason: object = None) -> None:
    """A console socket closed: nothing more to check for it."""
    services.console_sockets().remove(_sid())


def close_ended_console_sockets(sockets: ConsoleSockets, now: float) -> None:
    """Disconnect the console sockets of this process whose session has ended (signed out,
    signed out everywhere, new password, account removed)."""
    for sid in sockets.ended(now):
        # flask_socketio.disconnect needs a request; this runs in the background task. The
        # stubs omit `server`, the python-socketio server Flask-SocketIO exposes for this.
        socketio.server.disconnect(sid, namespace=CONSOLE)  # type: ignore[attr-defined]


def run_in_thread(function: Callable[[], T]) -> T:
    """Run CPU-heavy `function` in gevent's thread pool and wait for its result.

    The calling greenlet waits while the event loop goes on serving screens (the thread gets
    the interpreter in turns), instead of every screen stalling until it returns.
    """
    import gevent

    result: T = gevent.get_hub().threadpool.apply(function)
    return result


def _without_websocket_compression(wsgi_app: WSGIApplication) -> WSGIApplication:
    """Answer websocket upgrades without permessage-deflate.

    simple-websocket accepts compression whenever the browser offers it, and every browser
    does: each screen then holds a zlib compressor of its own (about two thirds of the server's
    memory per screen) and every message is compressed once per screen (a fifth of the
    worker's time at 2,000 screens). Messages to screens are small and go out once to many, so
    compression buys nothing here; screens save the matching CPU too.
    """

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def _max_screens() -> int:
    """SIGNAGE_MAX_SCREENS, which the gunicorn config reads too (fanout.DEFAULT_MAX_SCREENS when
    unset)."""
    text = os.environ.get("SIGNAGE_MAX_SCREENS", "").strip()
    if not text:
        return fanout.DEFAULT_MAX_SCREENS
    if not text.isdecimal() or not 1 <= int(text) <= 1_000_000:
        raise RuntimeError(
            f"SIGNAGE_MAX_SCREENS: {text!r} is not a number of screens from 1 to 1000000"
        )
    return int(text)


def init_app(app: Flask, *, message_queue: str | None) -> None:
    """Attach `socketio` to `app` with the pinned async mode and register the handlers.

    Raises RuntimeError when gevent-websocket is installed (see ASYNC_MODE).
    """
    if importlib.util.find_spec("geventwebsocket") is not None:
        raise RuntimeError(
            "gevent-websocket is installed: python-engineio would use it instead of "
            "simple-websocket and every websocket upgrade under gunicorn's gevent worker "
            "would fail; uninstall gevent-websocket"
        )
    # `serializer` goes on to python-socketio's Server (the stubs list Flask-SocketIO's own only).
    socketio.init_app(  # type: ignore[call-arg]
        app,
        async_mode=ASYNC_MODE,
        message_queue=message_queue or None,
        ping_interval=10,
        ping_timeout=10,
        cors_allowed_origins=[],
        # States written from their items' texts (see statepacket).
        serializer=statepacket.Packet,
    )
    # Screens' websockets: served without a greenlet, frames built once per broadcast (see
    # fanout); as many as the gunicorn config sizes the worker for.
    fanout.install(socketio.server.eio, _max_screens())  # type: ignore[attr-defined]
    fanout.send_directly(socketio.server)  # type: ignore[attr-defined]
    # Flask declares wsgi_app as a method; wrapping it in middleware is the documented way.
    app.wsgi_app = _without_websocket_compression(app.wsgi_app)  # type: ignore[method-assign,assignment]
    socketio.on_event("connect", on_connect)
    socketio.on_event("disconnect", on_disconnect)
    socketio.on_event("clock", on_clock)
    socketio.on_event("heartbeat", on_heartbeat)
    socketio.on_event("played", on_played)
    socketio.on_event("ack", on_ack)
    enrollsocket.register(socketio)
    socketio.on_event("connect", on_console_connect, namespace=CONSOLE)
    socketio.on_event("disconnect", on_console_disconnect, namespace=CONSOLE)
    services.console_sockets.set(app, ConsoleSockets())


def push_state(states: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Server -> screen `state`: the full playlist of one screen, sent on connect and change.

    `{screen, version, items, epoch, valid_until, digest, server_time}`. The screen shows
    item `i` of `items` when `(server_now - epoch) mod sum(durations)` falls in its slot.
    """
    for screen_id, payload in states:
        socketio.emit("state", _state_message(payload), to=f"screen:{screen_id}")


def push_override(override: Override) -> None:
    """Server -> screens of the target room `override`: one override, to show at once.

    `{id, target, starts, until, priority, source, messages: {lang: {headline, body}}}`.
    Screens show it full screen until `until` (server clock) or `override_end`.
    """
    socketio.emit("override", override.to_json(), to=override.room)


def push_override_end(override: Override) -> None:
    """Server -> screens of the target room `override_end` `{id}`: stop showing it."""
    socketio.emit("override_end", {"id": override.id}, to=override.room)


def announce(hub: Hub, override: Override) -> None:
    """Deliver an override this process has just created or cancelled in the store: tell the
    hub (so its next pass does not repeat it) and push its start or end to its screens. The
    HTTP API and the console both deliver through here."""
    hub.note_override(override)
    if override.cancelled is None:
        push_override(override)
    else:
        push_override_end(override)


def push_overrides(screen_id: str, overrides: list[Override]) -> None:
    """Server -> screen `overrides`: the complete list of overrides it must show now."""
    socketio.emit("overrides", [o.to_json() for o in overrides], to=f"screen:{screen_id}")


def push_board(board: dict[str, Any]) -> None:
    """Server -> console `board`: `{screens: [row], alerts: [alert], acks: {override id:
    {screen: ms}}, catalog_version, server_time}`, the whole board, sent on connection and
    after the catalog changed.

    A row is `signage.live.hub.Hub.screen_row`: `{id, registered, gone, name, location, groups,
    orientation, playlist, playlist_name, catalog_version, expected_version, online, last_seen,
    connected_at, connections, current_item, current_label, playlist_version, screen_size:
    {width, height}, user_agent}`
    (times in Unix seconds); an alert is `signage.live.hub.Hub.alert_message`.
    """
    socketio.emit("board", board, namespace=CONSOLE, to=OPERATORS)


def push_screens(rows: list[dict[str, Any]]) -> None:
    """Server -> console `screens`: `[row]`, the rows whose presence changed (a connection,
    a heartbeat, a disconnection, a heartbeat gone stale)."""
    socketio.emit("screens", rows, namespace=CONSOLE, to=OPERATORS)


def push_alerts(alerts: list[dict[str, Any]]) -> None:
    """Server -> console `alerts`: `[alert]`, debounced offline / back-online alerts
    `{event: screen_offline | screen_online, screen, name, location, at, changed_at, text}`."""
    socketio.emit("alerts", alerts, namespace=CONSOLE, to=OPERATORS)


def push_ack(override_id: int, screen_id: str, at: float) -> None:
    """Server -> console `ack`: `{override, screen, at (ms)}`, a screen displays an override."""
    socketio.emit(
        "ack",
        {"override": override_id, "screen": screen_id, "at": int(at * 1000)},
        namespace=CONSOLE,
        to=OPERATORS,
    )


def _board_listened_to() -> bool:
    """Whether a whole board sent now reaches a console: one connected to this process, or,
    with a message queue, possibly one on another node. After a playlist save the board of
    10,000 screens took 0.12 s of the worker's time (py-spy), while the screens were still
    taking in their new states, with no console to read it."""
    manager = socketio.server.manager  # type: ignore[attr-defined]
    if isinstance(manager, PubSubManager):
        return True
    return bool(manager.rooms.get(CONSOLE, {}).get(OPERATORS))


def push_changes(changes: Changes) -> None:
    """Send everything one background tick decided."""
    enrollsocket.push_downgraded(socketio, changes.downgraded)
    push_state(changes.states)
    for override in changes.started:
        push_override(override)
    for override in changes.ended:
        push_override_end(override)
    if changes.board is not None and _board_listened_to():
        push_board(changes.board())
    if changes.screens:
        push_screens(changes.screens)
    if changes.alerts:
        push_alerts(changes.alerts)
