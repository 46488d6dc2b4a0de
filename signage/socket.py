"""The Socket.IO edge: screens connect here, and every push to screens leaves from here.

Rooms: `screen:<id>` (one screen, possibly several tabs), `group:<id>` for each of its groups,
and `all`. Console browsers connect to the namespace `/console` (room `operators`), which
accepts only a signed-in console session. Handlers parse, call the hub, and emit; the protocol
of each event is stated in its docstring. Times on the wire are Unix milliseconds of the server
clock.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, TypeVar

from flask import Flask, current_app, request
from flask_socketio import SocketIO, emit, join_room
from socketio.exceptions import ConnectionRefusedError as Refused

from signage.hub import Changes, Hub
from signage.override import Override
from signage.playlog import PlayError, parse_batch
from signage.presence import Report

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
OPERATORS: Final = "operators"


def now_ms() -> int:
    return int(time.time() * 1000)


def _hub() -> Hub:
    hub: Hub = current_app.extensions["signage"]
    return hub


def _sid() -> str:
    sid: str = request.sid  # type: ignore[attr-defined]
    return sid


def _state_message(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "server_time": now_ms()}


def on_connect(auth: object = None) -> None:
    """Client -> server on connection, with `auth = {"screen": "<id>"}`.

    An unknown or missing screen id refuses the connection: the client's `connect_error`
    gets the message "screen not registered" and the data `{"screen": id}`. Otherwise the
    socket joins `screen:<id>`, `group:<g>` and `all`, and receives `state` then `overrides`
    (see `push_state` and `push_overrides`).
    """
    screen_id = auth.get("screen") if isinstance(auth, dict) else None
    hub = _hub()
    if not isinstance(screen_id, str) or hub.programme.screen(screen_id) is None:
        if isinstance(screen_id, str) and screen_id:
            hub.presence.note_stranger(
                screen_id[:100], time.time(), request.remote_addr, request.headers.get("User-Agent")
            )
        raise Refused("screen not registered", {"screen": str(screen_id)[:100]})
    current_app.extensions["signage.background"].ensure_started()
    now = time.time()
    sid = _sid()
    hub.presence.connect(screen_id, sid, now, request.remote_addr)
    hub.presence.heartbeat(sid, now, Report(user_agent=request.headers.get("User-Agent", "")))
    screen = hub.programme.screen(screen_id)
    join_room(f"screen:{screen_id}")
    for group in screen.groups:
        join_room(f"group:{group}")
    join_room("all")
    payload = hub.state_for(screen_id, now)
    if payload is not None:
        emit("state", _state_message(payload))
    emit("overrides", [o.to_json() for o in hub.overrides_for(screen_id, now)])


def on_disconnect(reason: object = None) -> None:
    """The socket closed; the screen is offline once no other socket of it remains."""
    _hub().presence.disconnect(_sid())


def on_clock(data: object = None) -> dict[str, int]:
    """Client -> server `clock` with an acknowledgement callback; the ack is `{"now": ms}`.

    Screens send a few and keep the sample with the shortest round trip to estimate the
    offset between their clock and the server's.
    """
    return {"now": now_ms()}


def on_heartbeat(data: object = None) -> dict[str, Any]:
    """Client -> server `heartbeat` `{item, version, width, height}` every HEARTBEAT_INTERVAL.

    Updates the status API. The ack is `{"now": ms}` or `{"error": text}` for a malformed
    report.
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
    if _hub().presence.heartbeat(_sid(), time.time(), report) is None:
        return {"error": "this connection is not registered as a screen"}
    return {"now": now_ms()}


def on_played(data: object = None) -> dict[str, Any]:
    """Client -> server `played` with a list of proof-of-play records, sent in batches.

    Each record is `{item, version, shown_at (Unix s), duration (s)}`, checked by
    `signage.playlog.parse_batch`. The ack is
    `{"stored": n}`; a malformed batch is refused whole with `{"error": text}` and the screen
    drops it rather than retrying forever.
    """
    hub = _hub()
    screen_id = hub.presence.screen_of(_sid())
    if screen_id is None:
        return {"error": "this connection is not registered as a screen"}
    try:
        plays = parse_batch(data, time.time())
    except PlayError as exc:
        return {"error": str(exc)}
    return {"stored": hub.plays.record(screen_id, plays)}


def on_ack(data: object = None) -> dict[str, Any]:
    """Client -> server `ack` `{override: id}` once the screen displays that override.

    Players send it when an override first appears on screen (again after a reconnection);
    players from before acknowledgements existed simply never send it. The ack is
    `{"ok": true}`, or `{"error": text}` when the connection is not a screen or the override is
    not active for it. The first acknowledgement of each screen goes to the console as `ack`.
    """
    hub = _hub()
    screen_id = hub.presence.screen_of(_sid())
    if screen_id is None:
        return {"error": "this connection is not registered as a screen"}
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
    socket joins the room `operators` and receives `board` (see `push_board`).
    """
    authenticate: Callable[[], object | None] | None = current_app.extensions.get(
        "signage.console.operator"
    )
    if authenticate is None or authenticate() is None:
        raise Refused("sign in to the console")
    current_app.extensions["signage.background"].ensure_started()
    join_room(OPERATORS, namespace=CONSOLE)
    emit("board", _hub().board(time.time()), namespace=CONSOLE)


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
    socketio.init_app(
        app,
        async_mode=ASYNC_MODE,
        message_queue=message_queue or None,
        ping_interval=10,
        ping_timeout=10,
        cors_allowed_origins=[],
    )
    # Flask declares wsgi_app as a method; wrapping it in middleware is the documented way.
    app.wsgi_app = _without_websocket_compression(app.wsgi_app)  # type: ignore[method-assign,assignment]
    socketio.on_event("connect", on_connect)
    socketio.on_event("disconnect", on_disconnect)
    socketio.on_event("clock", on_clock)
    socketio.on_event("heartbeat", on_heartbeat)
    socketio.on_event("played", on_played)
    socketio.on_event("ack", on_ack)
    socketio.on_event("connect", on_console_connect, namespace=CONSOLE)


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

    A row is `signage.hub.Hub.screen_row`: `{id, registered, gone, name, location, groups,
    orientation, playlist, playlist_name, catalog_version, expected_version, online, last_seen,
    connected_at, connections, current_item, current_label, playlist_version, screen_size:
    {width, height}, user_agent}`
    (times in Unix seconds); an alert is `signage.hub.Hub.alert_message`.
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


def push_changes(changes: Changes) -> None:
    """Send everything one background tick decided."""
    push_state(changes.states)
    for override in changes.started:
        push_override(override)
    for override in changes.ended:
        push_override_end(override)
    if changes.board is not None:
        push_board(changes.board)
    if changes.screens:
        push_screens(changes.screens)
    if changes.alerts:
        push_alerts(changes.alerts)
