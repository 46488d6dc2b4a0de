"""Screens' websockets (signage.web.fanout): frames built by hand, broadcasts framed once and
written directly, connections served without a greenlet, against the real server under
gunicorn and in this process."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import socket
import struct
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import engineio
import engineio.packet
import engineio.socket
import gevent
import gevent.event
import gevent.socket
import pytest
import socketio
import websocket
from wsproto.frame_protocol import CloseReason
from wsproto.handshake import H11Handshake

from signage.web.fanout import (
    MAX_BACKLOG,
    ScreenTask,
    ScreenWebSocket,
    frame,
    install,
    send_directly,
    served,
    service_task,
)
from tests.signage.serverkit import Server, guest_auth, make_playlists, running_server, wait_until


def _parse(data: bytes) -> tuple[int, bytes]:
    """The opcode byte and payload of one unmasked frame, checking its length fields."""
    first, second = data[0], data[1]
    assert second & 0x80 == 0, "a server's frames are not masked"
    size, offset = second & 0x7F, 2
    if size == 126:
        (size,) = struct.unpack("!H", data[2:4])
        offset = 4
    elif size == 127:
        (size,) = struct.unpack("!Q", data[2:10])
        offset = 10
    assert len(data) == offset + size
    return first, data[offset:]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_a_frame_carries_the_whole_message_with_the_shortest_length(size: int) -> None:
    text = "é" * (size // 2) + "a" * (size % 2)
    opcode, payload = _parse(frame(text))
    assert opcode == 0x81
    assert payload.decode() == text
    header = len(frame(text)) - len(payload)
    assert header == (2 if len(payload) < 126 else 4 if len(payload) < 65536 else 10)


def test_bytes_go_as_a_binary_frame() -> None:
    assert _parse(frame(b"\x00\xff")) == (0x82, b"\x00\xff")


def test_the_same_message_is_framed_once_and_an_equal_new_one_again() -> None:
    message = "42" + json.dumps(["override", {"id": 1}])
    first = frame(message)
    assert frame(message) is first
    other = "".join(["42", message[2:]])
    assert other is not message
    assert frame(other) == first


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path, make_playlists(tmp_path / "playlists")) as running:
        yield running


def _override(server: Server, target: str, text: str = "") -> int:
    message = {"headline": "Khẩn", **({"body": text} if text else {})}
    body = {"target": target, "until": "+5m", "messages": {"vi": message}}
    request = urllib.request.Request(
        server.url + "/api/overrides",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer test-token", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return int(answer["id"])


class _Screen:
    def __init__(self, server: Server, screen_id: str, transports: list[str]) -> None:
        self.client = socketio.Client(reconnection=False)
        self.overrides: list[int] = []
        self.client.on("override", lambda data: self.overrides.append(int(data["id"])))
        self.client.connect(
            server.url, auth=guest_auth(screen_id), transports=transports, wait_timeout=10
        )

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()
        self.client.shutdown()


def test_websocket_only_and_upgraded_screens_get_every_broadcast_in_order(
    server: Server,
) -> None:
    direct = _Screen(server, "lobby-1", ["websocket"])
    upgraded = _Screen(server, "lobby-2", ["polling", "websocket"])
    try:
        assert wait_until(lambda: upgraded.client.transport() == "websocket", 10)
        sent = [_override(server, "all") for _ in range(30)]
        for screen in (direct, upgraded):
            assert wait_until(lambda s=screen: len(s.overrides) == 30, 10)  # type: ignore[misc]
            assert screen.overrides == sent
    finally:
        direct.close()
        upgraded.close()


def test_a_quiet_screen_stays_connected_over_ping_cycles(server: Server) -> None:
    """engine.io's writer gives up on a queue that stays empty for a ping cycle (20 s); with
    every packet written directly, the queue always is."""
    screen = _Screen(server, "gate-1", ["websocket"])
    try:
        time.sleep(25)
        assert screen.client.connected
        override = _override(server, "all")
        assert wait_until(lambda: screen.overrides == [override], 10)
    finally:
        screen.close()


def _raw(server: Server) -> websocket.WebSocket:
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=10
    )
    opening = ws.recv()
    assert isinstance(opening, str) and opening.startswith("0{")
    return ws


def test_a_websocket_ping_is_answered(server: Server) -> None:
    ws = _raw(server)
    try:
        ws.ping(b"are you there")
        opcode, data = ws.recv_data_frame(control_frame=True)
        assert (opcode, data.data) == (websocket.ABNF.OPCODE_PONG, b"are you there")
    finally:
        ws.close()


def test_a_screen_that_never_answers_a_ping_is_dropped(server: Server) -> None:
    """Pings are sent from a timer, not a sleeping greenlet: the peer that stops answering
    must still be dropped (after ping_interval + ping_timeout, 20 s; 90 s means it never
    was)."""
    ws = _raw(server)
    ws.settimeout(90)
    sock = ws.sock  # the client forgets its socket, unclosed, when the peer closes
    assert sock is not None
    received: list[str] = []
    try:
        while True:
            try:
                message = ws.recv()
            except websocket.WebSocketConnectionClosedException:
                break
            if not message:
                break
            received.append(str(message))
    finally:
        ws.close()
        sock.close()
    assert "2" in received  # it was pinged, did not answer, and the server closed


def test_a_message_over_the_size_limit_closes_the_connection(server: Server) -> None:
    ws = _raw(server)
    try:
        ws.send("4" + "x" * 1_100_000)
        # The raw frame: the client would answer a close and find the socket already shut.
        closing = ws.recv_frame()  # type: ignore[no-untyped-call]
        assert closing.opcode == websocket.ABNF.OPCODE_CLOSE
        assert struct.unpack("!H", closing.data[:2])[0] == CloseReason.MESSAGE_TOO_BIG
    finally:
        ws.shutdown()  # type: ignore[no-untyped-call]


def test_text_that_is_not_utf8_ends_the_connection(server: Server) -> None:
    ws = _raw(server)
    try:
        ws.send(b"4\xff\xfe", opcode=websocket.ABNF.OPCODE_TEXT)
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            for _ in range(5):
                ws.recv()
    finally:
        ws.shutdown()  # type: ignore[no-untyped-call]
    assert "Traceback" not in server.log_text()


def test_the_compression_offer_is_declined(server: Server) -> None:
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
        timeout=10,
        header=["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"],
    )
    try:
        headers = {k.lower(): v for k, v in (ws.getheaders() or {}).items()}
        assert "sec-websocket-extensions" not in headers
        assert str(ws.recv()).startswith("0{")
    finally:
        ws.close()


def test_a_slow_reader_gets_every_message_in_order(server: Server) -> None:
    """A screen that does not read while a burst goes out: what its socket does not take at
    once waits in the backlog and arrives complete and in order."""
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
        timeout=20,
        sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),),
    )
    try:
        assert str(ws.recv()).startswith("0{")
        ws.send("40" + json.dumps(guest_auth("lobby-1")))
        # What the connect handler emits (state, overrides) comes before the connect answer.
        while not str(ws.recv()).startswith("40{"):
            pass
        # About 12 KB each (escaped Vietnamese): half of MAX_BACKLOG more than the kernel's
        # largest send buffer, so the backlog fills but stays under its bound.
        kernel_most = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
        burst = math.ceil((kernel_most + MAX_BACKLOG // 2) / 12_000)
        sent = [_override(server, "all", "ể" * 2000) for _ in range(burst)]
        received: list[int] = []
        while len(received) < len(sent):
            message = str(ws.recv())
            if message == "2":
                ws.send("3")
            elif message.startswith('42["override"'):
                received.append(int(json.loads(message[2:])[1]["id"]))
        assert received == sent
    finally:
        ws.close()


def test_the_wait_before_a_ping_holds_no_greenlet_and_the_ping_is_sent() -> None:
    """engine.io sleeps ping_interval in a greenlet of its own before each ping; here a timer
    of the event loop waits instead, and the ping still goes out (with `last_ping` set, from
    which engine.io drops a peer that does not answer within ping_timeout)."""
    server = engineio.Server(async_mode="gevent", ping_interval=0.05)
    install(server)
    connection = engineio.socket.Socket(server, "sid-1")
    connection.last_ping = None
    task = server.start_background_task(connection._send_ping)
    assert not isinstance(task, gevent.Greenlet)
    assert connection.queue.qsize() == 0
    deadline = time.monotonic() + 10
    while not connection.queue.qsize() and time.monotonic() < deadline:
        gevent.sleep(0.02)
    sent = connection.queue.get(block=False)
    assert sent.packet_type == engineio.packet.PING
    assert connection.last_ping is not None


def test_no_ping_is_sent_on_a_connection_closed_meanwhile() -> None:
    server = engineio.Server(async_mode="gevent", ping_interval=0.05)
    install(server)
    connection = engineio.socket.Socket(server, "sid-2")
    connection.last_ping = None
    server.start_background_task(connection._send_ping)
    connection.closed = True
    gevent.sleep(0.3)
    assert connection.queue.qsize() == 0
    assert connection.last_ping is None


def test_other_background_tasks_run_as_greenlets() -> None:
    server = engineio.Server(async_mode="gevent")
    install(server)
    task = server.start_background_task(lambda x: x * 2, 21)
    assert isinstance(task, ScreenTask)
    task.join(10)
    assert task.value == 42


class _Connection:
    """What the service task looks at of an engine.io socket."""

    def __init__(self, sid: str, *, closed: bool = False, closing: bool = False) -> None:
        self.sid, self.closed, self.closing = sid, closed, closing
        self.checks = 0

    def check_ping_timeout(self) -> bool:
        self.checks += 1
        if self.sid == "broken":
            raise RuntimeError("a connection's check failed")
        return True


class _Stop:
    """The service task's event: each wait records its timeout; set after `cycles` waits."""

    def __init__(self, waits: int) -> None:
        self.waits, self.timeouts = waits, list[float]()

    def is_set(self) -> bool:
        return len(self.timeouts) >= self.waits

    def wait(self, timeout: float) -> bool:
        self.timeouts.append(timeout)
        return self.is_set()


class _ServiceServer:
    def __init__(self, connections: list[_Connection], waits: int) -> None:
        self.sockets = {c.sid: c for c in connections}
        self.ping_timeout = 10
        self.stop = _Stop(waits)

    def create_event(self) -> _Stop:
        return self.stop


def test_the_service_task_checks_each_connection_once_per_cycle_with_a_pause_per_slice() -> None:
    """engine.io pauses after every connection (a timer wake-up per connection per
    ping_timeout); here after every `checked`, each connection still checked once a cycle."""
    live = [_Connection(f"s{i}") for i in range(600)]
    gone, leaving = _Connection("gone", closed=True), _Connection("leaving", closing=True)
    server = _ServiceServer([*live[:300], gone, leaving, *live[300:]], waits=3)
    service_task(server, checked=256)
    # 602 connections in slices of 256: three pauses in the cycle, a third of ping_timeout each.
    assert server.stop.timeouts == [pytest.approx(10 / 3)] * 3
    assert [c.checks for c in live] == [1] * 600
    assert leaving.checks == 0 and "leaving" in server.sockets
    assert gone.checks == 0 and "gone" not in server.sockets


def test_the_service_task_goes_on_past_a_connection_whose_check_fails() -> None:
    after = _Connection("after")
    server = _ServiceServer([_Connection("broken"), after], waits=2)
    service_task(server, checked=1)
    assert after.checks == 1
    assert server.stop.timeouts == [5.0, 5.0]


def test_the_service_task_waits_a_whole_ping_timeout_with_no_connection() -> None:
    server = _ServiceServer([], waits=1)
    service_task(server)
    assert server.stop.timeouts == [10]


def test_engineios_service_task_is_replaced_and_closes_a_silent_connection() -> None:
    """Under a real engine.io server: the task it starts checks a slice of connections before
    its first pause (engine.io's would pause 100 times before the 101st), closes the one whose
    ping went unanswered past ping_timeout, and stops on shutdown."""
    server = engineio.Server(async_mode="gevent", ping_timeout=100)
    install(server)
    pauses: list[float] = []

    class Counted:
        def __init__(self) -> None:
            self.event = gevent.event.Event()

        def is_set(self) -> bool:
            return self.event.is_set()

        def set(self) -> None:
            self.event.set()

        def wait(self, timeout: float | None = None) -> bool:
            pauses.append(timeout or 0.0)
            return bool(self.event.wait(timeout))

    server.create_event = Counted
    connections = [engineio.socket.Socket(server, f"s{i}") for i in range(300)]
    for connection in connections:
        connection.last_ping = None
        server.sockets[connection.sid] = connection
    silent = connections[100]
    silent.last_ping = time.time() - 500
    task = server.start_background_task(server._service_task)
    server.service_task_handle = task
    deadline = time.monotonic() + 10
    while not silent.closed and time.monotonic() < deadline:
        gevent.sleep(0.02)
    assert silent.closed
    assert pauses == [pytest.approx(50.0)]  # 300 connections: two slices of 256
    assert not any(c.closed for c in connections if c is not silent)
    server.shutdown()
    assert task.dead


def _upgrade(sock: gevent.socket.socket) -> dict[str, Any]:
    """The environ gunicorn makes of a websocket-only engine.io request on `sock`."""
    return {
        "gunicorn.socket": sock,
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/engine.io/",
        "QUERY_STRING": "EIO=4&transport=websocket",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ==",
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
    }


def test_the_handshake_objects_go_once_the_connection_is_accepted() -> None:
    """wsproto keeps its h11 handshake (connection, request, buffers) for the connection's
    life; the accepted screen websocket drops it and still reads and answers frames."""
    server_side, client_side = gevent.socket.socketpair()
    try:
        ws = ScreenWebSocket(_upgrade(server_side), 1000)
        assert not isinstance(ws.ws.handshake, H11Handshake)
        answer = client_side.recv(4096)
        assert answer.startswith(b"HTTP/1.1 101 ")
        masked = bytes(b ^ k for b, k in zip(b"2", b"\x01\x02\x03\x04", strict=False))
        client_side.sendall(b"\x81\x81\x01\x02\x03\x04" + masked)
        assert ws.receive() == "2"
        ws.send("3")
        assert _parse(client_side.recv(4096)) == (0x81, b"3")
        ws.sock.close()  # the descriptor left server_side for the websocket's own socket
    finally:
        server_side.close()
        client_side.close()


# --- connections served without a greenlet, in this process ------------------------------------


def _masked(text: str, opcode: int = 0x81) -> bytes:
    """A client's frame (masked, as clients must) carrying `text`."""
    payload, key = text.encode(), b"\x01\x02\x03\x04"
    size = len(payload)
    header = (
        struct.pack("!BB", opcode, 0x80 | size)
        if size < 126
        else (struct.pack("!BBH", opcode, 0x80 | 126, size))
    )
    return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class _Peer:
    """A raw websocket client on one end of a socket pair; the other end goes to the server in
    an environ as gunicorn makes it."""

    def __init__(self, server: engineio.Server) -> None:
        self.theirs, self.sock = gevent.socket.socketpair()
        self.buffer = b""
        environ = _upgrade(self.theirs)
        self.environ = environ
        self.request = gevent.spawn(self._request, server, environ)
        answer = self._read_until(b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 101 ")
        opened = self.recv()
        assert opened.startswith("0{")
        self.sid = json.loads(opened[1:])["sid"]

    @staticmethod
    def _request(server: engineio.Server, environ: dict[str, Any]) -> str:
        try:
            server.handle_request(environ, lambda status, headers: None)
        except StopIteration:  # as gunicorn is told the connection is taken
            return "taken"
        return "answered"

    def _read_until(self, end: bytes) -> bytes:
        while end not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buffer += data
        head, _, self.buffer = self.buffer.partition(end)
        return head + end

    def _read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buffer += data
        head, self.buffer = self.buffer[:size], self.buffer[size:]
        return head

    def recv_frame(self) -> tuple[int, bytes]:
        first, second = self._read(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self._read(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self._read(8))
        return first, self._read(size)

    def recv(self) -> str:
        opcode, payload = self.recv_frame()
        assert opcode == 0x81, opcode
        return payload.decode()

    def message(self) -> str:
        """The next message that is not a ping (answered)."""
        while (message := self.recv()) == "2":
            self.sock.sendall(_masked("3"))
        return message

    def close(self) -> None:
        self.sock.close()
        self.theirs.close()


def _live_greenlets() -> int:
    import gc

    import greenlet

    return sum(
        1
        for o in gc.get_objects()
        if isinstance(o, greenlet.greenlet) and not o.dead and o is not gevent.get_hub()
    )


@pytest.fixture
def engine() -> Iterator[tuple[engineio.Server, list[tuple[str, Any]]]]:
    # As python-socketio makes it: engine.io runs its message handler in the caller.
    server = engineio.Server(
        async_mode="gevent", ping_interval=0.2, ping_timeout=5, async_handlers=False
    )
    install(server, max_screens=3)
    events: list[tuple[str, Any]] = []
    server.on("connect", lambda sid, environ: events.append(("connect", sid)))
    server.on("disconnect", lambda sid, reason: events.append(("disconnect", sid)))

    def message(sid: str, data: Any) -> None:
        events.append(("message", data))
        if data == "slow":
            gevent.sleep(0.3)
        server.send(sid, f"echo {data}")

    server.on("message", message)
    yield server, events
    for sid in list(server.sockets):
        server.disconnect(sid)
    gevent.sleep(0.05)


def test_a_websocket_only_connection_is_served_without_a_greenlet(
    engine: tuple[engineio.Server, list[tuple[str, Any]]],
) -> None:
    server, events = engine
    peers = [_Peer(server)]
    try:
        peers[0].request.join(5)
        gevent.sleep(0.05)
        before = _live_greenlets()  # and engine.io's service task, one for the server
        peers += [_Peer(server) for _ in range(2)]
        for peer in peers:
            peer.request.join(5)
            assert peer.request.value == "taken"
        gevent.sleep(0.05)
        assert _live_greenlets() == before
        assert served() == 3
        # gunicorn's request objects are no longer held through the environ socketio keeps.
        assert "gunicorn.socket" not in peers[0].environ
        assert "wsgi.early_hints" not in peers[0].environ
        # Messages in one write arrive in order, one handler after the other.
        first = peers[0]
        first.sock.sendall(b"".join(_masked(f"4m{i}") for i in range(20)))
        assert [first.message() for _ in range(20)] == [f"4echo m{i}" for i in range(20)]
        # Pings go out from the timer and a pong keeps the connection.
        for _ in range(3):
            while first.recv() != "2":
                pass
            first.sock.sendall(_masked("3"))
        server.send(first.sid, "broadcast")
        while first.recv() != "4broadcast":
            pass
        assert _live_greenlets() == before
    finally:
        for peer in peers:
            peer.close()
    assert _wait(lambda: served() == 0)
    assert _wait(lambda: not server.sockets)
    assert sorted(sid for kind, sid in events if kind == "disconnect") == sorted(
        peer.sid for peer in peers
    )


def _wait(condition: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        gevent.sleep(0.01)
    return bool(condition())


def test_a_message_waits_for_the_one_before_it(
    engine: tuple[engineio.Server, list[tuple[str, Any]]],
) -> None:
    """engine.io hands messages to python-socketio one at a time (a connect before the events
    that follow it); reading pauses while a handler runs."""
    server, events = engine
    peer = _Peer(server)
    try:
        peer.sock.sendall(_masked("4slow") + _masked("4after"))
        assert peer.message() == "4echo slow"
        assert peer.message() == "4echo after"
        assert [data for kind, data in events if kind == "message"] == ["slow", "after"]
    finally:
        peer.close()


def test_past_max_screens_a_connection_is_served_by_its_greenlet(
    engine: tuple[engineio.Server, list[tuple[str, Any]]],
) -> None:
    server, _ = engine
    peers = [_Peer(server) for _ in range(4)]
    try:
        assert served() == 3
        last = peers[-1]
        assert not last.request.ready()  # its request greenlet serves it
        last.sock.sendall(_masked("4hello"))
        assert last.message() == "4echo hello"
    finally:
        for peer in peers:
            peer.close()
    assert _wait(lambda: served() == 0)
    peers[-1].request.join(10)
    assert peers[-1].request.value == "taken"


@pytest.mark.parametrize("how", ["peer closes", "close frame", "server disconnects", "garbage"])
def test_every_end_runs_the_disconnect_handler_once_and_gives_the_descriptor_back(
    engine: tuple[engineio.Server, list[tuple[str, Any]]], how: str
) -> None:
    server, events = engine
    peer = _Peer(server)
    fd = peer.theirs.fileno()  # detached: -1 now; the descriptor number is kept by the server
    assert fd == -1
    try:
        if how == "peer closes":
            peer.sock.shutdown(socket.SHUT_RDWR)
        elif how == "close frame":
            peer.sock.sendall(_masked("\x03\xe8", opcode=0x88))
        elif how == "server disconnects":
            server.disconnect(peer.sid)
        else:
            peer.sock.sendall(_masked("x-not-a-packet"))
        assert _wait(lambda: served() == 0)
        assert _wait(lambda: not server.sockets)
        assert [sid for kind, sid in events if kind == "disconnect"] == [peer.sid]
        peer.sock.settimeout(5)
        with contextlib.suppress(ConnectionError):
            while peer.recv_frame()[0] != 0x88:
                pass
    finally:
        peer.close()


def test_a_peer_that_stops_reading_is_shut_after_the_grace(
    engine: tuple[engineio.Server, list[tuple[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing a connection whose peer no longer reads: the frames it still has cannot go,
    and the socket is shut after CLOSE_GRACE instead of being held for ever."""
    from signage.web import fanout

    monkeypatch.setattr(fanout, "CLOSE_GRACE", 0.2)
    server, _ = engine
    peer = _Peer(server)
    try:
        big = "x" * 60_000
        for _ in range(30):  # more than the socket pair holds, less than MAX_BACKLOG
            server.send(peer.sid, big)
        taken = server.sockets[peer.sid].queue.direct
        assert taken is not None and taken._backlog
        server.disconnect(peer.sid)
        assert _wait(lambda: served() == 0)
        assert _wait(lambda: not server.sockets)
    finally:
        peer.close()


def test_max_screens_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from signage.web import socket as screens_socket

    monkeypatch.delenv("SIGNAGE_MAX_SCREENS", raising=False)
    assert screens_socket._max_screens() == 2500
    monkeypatch.setenv("SIGNAGE_MAX_SCREENS", " 12000 ")
    assert screens_socket._max_screens() == 12000
    for bad in ("lots", "-5", "0", "2e3", "99999999"):
        monkeypatch.setenv("SIGNAGE_MAX_SCREENS", bad)
        with pytest.raises(RuntimeError, match=r"SIGNAGE_MAX_SCREENS: .* from 1 to 1000000"):
            screens_socket._max_screens()


class _Written:
    """A greenlet-less connection's websocket: what was written to it."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.frames.append(data)


class _Queue:
    def __init__(self, direct: _Written | None) -> None:
        self.direct = direct


class _Eio:
    """What `send_directly` reads of an engine.io server, and its own `send_packet`."""

    def __init__(self) -> None:
        self.sockets: dict[str, Any] = {}
        self.ping_timeout = 10
        self.logger = logging.getLogger("tests.fanout.engineio")
        self.logger.setLevel(logging.ERROR)
        self.through_engineio: list[tuple[str, Any]] = []

    def send_packet(self, sid: str, packet: Any) -> None:
        self.through_engineio.append((sid, packet))


class _Sio:
    def __init__(self) -> None:
        self.eio = _Eio()

    def _send_eio_packet(self, sid: str, packet: Any) -> None:
        raise AssertionError("replaced by send_directly")


def _connection(direct: _Written | None, closed: bool = False, last_ping: float = 0.0) -> Any:
    class Connection:
        pass

    connection = Connection()
    connection.closed = closed  # type: ignore[attr-defined]
    connection.queue = _Queue(direct)  # type: ignore[attr-defined]
    connection.last_ping = last_ping  # type: ignore[attr-defined]
    return connection


def test_a_packet_for_a_greenlet_less_connection_is_written_without_engineio() -> None:
    sio = _Sio()
    send_directly(sio)
    written = _Written()
    sio.eio.sockets["a"] = _connection(written, last_ping=time.time())
    packet = engineio.packet.Packet(engineio.packet.MESSAGE, '2["override",{"id":1}]')
    for _ in range(3):
        sio._send_eio_packet("a", packet)
    assert written.frames == [frame('42["override",{"id":1}]')] * 3
    assert sio.eio.through_engineio == []


@pytest.mark.parametrize(
    "case", ["unknown", "closed", "served by its greenlet", "pong overdue", "logged"]
)
def test_anything_else_takes_engineios_path(case: str) -> None:
    """engine.io forgets an unknown or closed connection, closes one late with its pong,
    queues for a writer greenlet and logs every packet at INFO: each of those goes to it."""
    sio = _Sio()
    send_directly(sio)
    written = _Written()
    if case != "unknown":
        sio.eio.sockets["a"] = _connection(
            None if case == "served by its greenlet" else written,
            closed=case == "closed",
            last_ping=time.time() - (11 if case == "pong overdue" else 0),
        )
    if case == "logged":
        sio.eio.logger.setLevel(logging.INFO)
    packet = engineio.packet.Packet(engineio.packet.MESSAGE, "x")
    sio._send_eio_packet("a", packet)
    assert written.frames == []
    assert sio.eio.through_engineio == [("a", packet)]


def test_the_signage_server_sends_through_send_directly(tmp_path: Path) -> None:
    from signage import create_app
    from signage.web.socket import socketio as signage_socketio

    create_app(
        {
            "TESTING": True,
            "PLAYLISTS_DIR": str(make_playlists(tmp_path / "playlists")),
            "DATABASE": str(tmp_path / "signage.sqlite3"),
            "BACKGROUND": False,
        }
    )
    sent = signage_socketio.server._send_eio_packet  # type: ignore[attr-defined]
    assert sent.__qualname__ == "send_directly.<locals>.send_eio_packet"
