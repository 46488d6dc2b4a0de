"""The websocket under every screen: frames built once per broadcast, written without a hop.

python-engineio serves websockets under gevent through simple-websocket, which per socket
keeps a reader greenlet of its own (with an event and a selector), and for every message to
every socket wakes engineio's writer greenlet, which encodes the packet, has wsproto build the
frame in pure Python and writes it. An emit to a room of N screens did that N times: profiled
at 2,000 screens (py-spy, BENCHMARKS.md), a third of the worker's time went to that hop and to
framing, and every screen held three greenlets.

Here, installed in place of engineio's websocket driver (`install`):

- the greenlet that serves the connection reads the socket itself, so a screen holds no reader
  greenlet, event or selector (memory per screen, and fewer objects for the full collections);
- a message frame is built by hand (a server's frames are unmasked: two to ten header bytes
  before the payload) and the frame of the last message is kept, so a broadcast, whose engine.io
  packet python-socketio already encodes once for the whole room, is framed once;
- on a websocket-only connection (every screen: the player skips long-polling), a packet put in
  the connection's queue while nothing is waiting in it is written at once, from the emitting
  greenlet, with a non-blocking send, instead of waking the writer greenlet; what the kernel
  does not take at once is kept in order in a backlog that one short-lived greenlet drains.

Frames leave in the order they were handed over: a packet goes straight out only when the
queue holds nothing older, and every write goes through the backlog while it is not empty.
Connections that started on long-polling (console browsers) upgrade as before and keep the
queue and its writer greenlet, with the same framing.

Nor does a websocket-only connection keep greenlets that only sleep (`ScreenTask`, engine.io's
background tasks): its writer greenlet is started only once a packet has to wait in the queue
(the None that ends the connection, or a packet sent while the socket is closing), and the
wait before each ping is a timer of the event loop rather than a sleeping greenlet. A blocked
greenlet keeps its stack copied on the heap, so each of the two cost a screen kilobytes.

Receiving still goes through wsproto, with messages bounded by engine.io's
`max_http_buffer_size`. Compression is never offered.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Final

import gevent
import gevent.queue
import gevent.socket
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from engineio.async_drivers.gevent import WebSocketWSGI
from engineio.socket import Socket as EioSocket
from simple_websocket import ConnectionClosed
from simple_websocket import Server as SimpleServer
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Request,
    TextMessage,
)
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import LocalProtocolError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

# Bytes a connection may have waiting for a slow reader before it is dropped: dozens of full
# `state` messages; a screen that far behind reconnects and is sent its state afresh.
MAX_BACKLOG: Final = 4 * 1024 * 1024
RECEIVE_BYTES: Final = 4096

_last_message: object = None
_last_frame = b""


def frame(message: str | bytes) -> bytes:
    """The websocket frame (FIN set, unmasked, as a server sends) carrying `message`: text for
    `str`, binary for `bytes`. The frame of the last message is reused when the same object is
    framed again, as it is for every socket of a broadcast."""
    global _last_message, _last_frame
    if message is _last_message:
        return _last_frame
    if isinstance(message, str):
        payload, opcode = message.encode(), 0x81
    else:
        payload, opcode = bytes(message), 0x82
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", opcode, size)
    elif size < 65536:
        header = struct.pack("!BBH", opcode, 126, size)
    else:
        header = struct.pack("!BBQ", opcode, 127, size)
    built = header + payload
    # Remembered with the object itself, so its identity cannot be reused meanwhile.
    _last_message, _last_frame = message, built
    return built


class _NoReader:
    """Stands in for simple-websocket's reader thread: the serving greenlet reads instead."""

    name = "fanout"

    def __init__(self, target: Callable[[], None]) -> None:
        pass

    def start(self) -> None:
        pass


class _NoSignal:
    """Stands in for simple-websocket's event: nobody waits on one."""

    def set(self) -> None:
        pass

    def clear(self) -> None:
        pass

    def wait(self, timeout: float | None = None) -> bool:
        return True


class _Handshaken:
    """Stands in for wsproto's handshake once the connection is accepted: from then on wsproto
    asks it only for pending events (none), and its h11 connection and request objects (about
    3 KiB a screen) can go."""

    def events(self) -> Iterator[object]:
        return iter(())


class ScreenWebSocket(SimpleServer):  # type: ignore[misc]
    """A server websocket on a gevent socket from gunicorn, read by the greenlet that serves
    it (`receive`) and written by whoever sends (`send`, `write`), in order, never blocking
    the sender."""

    connected: bool
    incoming_message: bytearray | None
    incoming_message_len: int

    def __init__(self, environ: WSGIEnvironment, max_message_size: int) -> None:
        self._backlog: list[bytes] | None = None
        self._backlog_size = 0
        self._closing = False
        super().__init__(
            environ,
            receive_bytes=RECEIVE_BYTES,
            max_message_size=max_message_size,
            thread_class=_NoReader,
            event_class=_NoSignal,
        )
        # The opening handshake was answered above (from the environ); nothing of it is
        # needed past that, trailing bytes included (wsproto handed them to the connection).
        if self.ws.connection is not None:
            self.ws.handshake = _Handshaken()

    def send(self, data: str | bytes) -> None:
        """Send one message (engine.io's writer greenlet calls this)."""
        if not self.connected:
            raise ConnectionClosed(self.close_reason, self.close_message)
        self.write(frame(data))

    def write(self, data: bytes) -> None:
        """Write ready-made frame bytes after everything written before, without blocking;
        what the socket does not take now is drained by a greenlet. A reader further behind
        than MAX_BACKLOG is disconnected."""
        if self._backlog is not None:
            self._backlog.append(data)
            self._backlog_size += len(data)
            if self._backlog_size > MAX_BACKLOG:
                self._backlog = None
                self._abort()
            return
        try:
            sent = self.sock.send(data, 0, 0.0)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._abort()
            return
        if sent < len(data):
            rest = data[sent:]
            self._backlog, self._backlog_size = [rest], len(rest)
            gevent.spawn(self._drain)

    def _drain(self) -> None:
        while self._backlog:
            chunk = b"".join(self._backlog)
            self._backlog, self._backlog_size = [], 0
            try:
                self.sock.sendall(chunk)
            except OSError:
                self._backlog = None
                self._abort()
                return
        self._backlog = None
        if self._closing:
            self._shut()

    def receive(self, timeout: float | None = None) -> str | bytes:
        """The next message from the peer, read in the calling greenlet. Raises
        ConnectionClosed once the connection is over (closed by either side, broken, or a
        protocol error)."""
        while self.connected and not self.input_buffer:
            try:
                data = self.sock.recv(self.receive_bytes)
            except OSError:
                data = b""
            if not data:
                self.connected = False
                break
            try:
                self.ws.receive_data(data)
                self.connected = self._handle_events()
            except LocalProtocolError:
                self.connected = False
        if self.input_buffer:
            message: str | bytes = self.input_buffer.pop(0)
            return message
        self._shut()
        raise ConnectionClosed(self.close_reason, self.close_message)

    def _handle_events(self) -> bool:
        """Act on what wsproto parsed: the opening handshake, pings, the closing handshake,
        and messages (fragments joined, bounded by `max_message_size`). False once the
        connection is over."""
        for event in self.ws.events():
            if isinstance(event, Request):
                self.subprotocol = self.choose_subprotocol(event)
                self.write(self.ws.send(AcceptConnection(subprotocol=self.subprotocol)))
            elif isinstance(event, CloseConnection):
                self.close_reason, self.close_message = event.code, event.reason
                self.write(self.ws.send(event.response()))
                return False
            elif isinstance(event, Ping):
                self.write(self.ws.send(event.response()))
            elif isinstance(event, TextMessage | BytesMessage):
                part = event.data.encode() if isinstance(event, TextMessage) else event.data
                self.incoming_message_len += len(part)
                if self.max_message_size and self.incoming_message_len > self.max_message_size:
                    self.write(
                        self.ws.send(
                            CloseConnection(CloseReason.MESSAGE_TOO_BIG, "Message is too big")
                        )
                    )
                    return False
                if self.incoming_message is None:
                    self.incoming_message = bytearray()
                self.incoming_message += part
                if event.message_finished:
                    whole = bytes(self.incoming_message)
                    text = isinstance(event, TextMessage)
                    try:
                        self.input_buffer.append(whole.decode() if text else whole)
                    except UnicodeDecodeError:
                        return False
                    self.incoming_message, self.incoming_message_len = None, 0
        return True

    def close(self, reason: int | None = None, message: str | None = None) -> None:
        """Send the closing frame and end the connection (the peer's answer is not awaited:
        a dead peer must not hold the serving greenlet)."""
        if not self.connected:
            raise ConnectionClosed(self.close_reason, self.close_message)
        self.connected = False
        with contextlib.suppress(LocalProtocolError):
            self.write(self.ws.send(CloseConnection(reason or CloseReason.NORMAL_CLOSURE, message)))
        self._closing = True
        if self._backlog is None:
            self._shut()

    def _abort(self) -> None:
        self.connected = False
        self._shut()

    def _shut(self) -> None:
        """Shut the socket both ways, which also wakes the greenlet blocked reading it."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


class ScreenQueue(gevent.queue.JoinableQueue[Any]):
    """engine.io's outgoing queue of one connection. Once `direct` is set (a websocket-only
    connection, after its handshake), a packet put while the queue is empty is framed and
    written at once instead of waking the writer greenlet, and the writer greenlet
    (`idle_writer`, not yet started) is started by the first packet that has to wait."""

    direct: ScreenWebSocket | None = None
    idle_writer: ScreenTask | None = None

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        ws = self.direct
        if ws is not None and item is not None and ws.connected and not self.qsize():
            ws.write(frame(item.encode()))
            return
        super().put(item, block, timeout)
        writer = self.idle_writer
        if writer is not None:
            self.idle_writer = None
            gevent.Greenlet.start(writer)

    def flush(self) -> bool:
        """Write what waits in the queue (engine.io's opening packet, put before the writer
        greenlet is started) directly, in order. False, with nothing written past it, on
        the None that ends the connection: the writer greenlet has to see it."""
        ws = self.direct
        while ws is not None and ws.connected and self.qsize():
            if self.peek(block=False) is None:
                return False
            item = super().get(block=False)
            self.task_done()
            ws.write(frame(item.encode()))
        return not self.qsize()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """As a queue's `get`, except that a blocking get waits as long as writes go out
        directly: engine.io's writer greenlet gives up on a connection whose queue stayed
        empty for a ping cycle, which is every direct connection. Dead peers are still
        found by engine.io's ping timeout, which closes the connection (and puts None)."""
        while True:
            try:
                return super().get(block, timeout)
            except gevent.queue.Empty:
                if not block or self.direct is None:
                    raise


# The queue of the websocket-only connection each serving greenlet is serving, while it is.
_serving: dict[Any, ScreenQueue] = {}


class ScreenTask(gevent.Greenlet):  # type: ignore[type-arg]
    """engine.io's background task (its gevent `Thread`), except for two tasks of a
    websocket-only connection that would otherwise sleep for its whole life:

    - its writer greenlet (started from the greenlet serving the connection) is handed to the
      connection's `ScreenQueue` and started by the first packet that has to wait there; the
      None that ends the connection is one, so engine.io's `join` of the writer still returns;
    - the wait before a ping (`Socket._send_ping`, any connection) is a timer of the event
      loop; when it fires, a greenlet that lives only to send the ping is started, doing what
      `_send_ping` does after its sleep.
    """

    def __init__(
        self,
        target: Callable[..., Any],
        args: Iterable[Any] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(target, *args, **(kwargs or {}))
        self._target = target

    def _run(self) -> Any:  # as engine.io's gevent Thread: the target is `run`
        return self.run()

    def start(self) -> None:
        target = self._target
        owner = getattr(target, "__self__", None)
        if getattr(target, "__func__", None) is EioSocket._send_ping and owner is not None:
            timer = gevent.get_hub().loop.timer(owner.server.ping_interval)
            timer.start(_ping_due, owner, timer)
            return
        queue = _serving.get(gevent.getcurrent())
        if (
            queue is not None
            and queue.direct is not None
            and getattr(target, "__qualname__", "").endswith("._websocket_handler.<locals>.writer")
        ):
            del _serving[gevent.getcurrent()]
            if queue.flush():
                queue.idle_writer = self
                return
        super().start()


def _ping_due(owner: EioSocket, timer: Any) -> None:
    timer.close()
    gevent.spawn_raw(_ping, owner)


def _ping(owner: EioSocket) -> None:
    """The rest of engine.io's `Socket._send_ping`, after its sleep."""
    if not owner.closing and not owner.closed:
        owner.last_ping = time.time()
        owner.send(eio_packet.Packet(eio_packet.PING))


class ScreenWebSocketWSGI(SimpleWebSocketWSGI):  # type: ignore[misc]
    """engine.io's websocket driver for gevent, serving each connection with
    `ScreenWebSocket` when it comes from gunicorn (else as simple-websocket does)."""

    def __init__(self, handler: Callable[[Any], Iterable[bytes]], server: Any) -> None:
        super().__init__(handler, server)
        self.engineio = server

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        sock = environ.get("gunicorn.socket")
        if not isinstance(sock, gevent.socket.socket):
            return WebSocketWSGI(self.app, self.engineio)(environ, start_response)
        self.ws = ScreenWebSocket(environ, self.engineio.max_http_buffer_size)
        connection = getattr(self.app, "__self__", None)
        queue = getattr(connection, "queue", None)
        # A connection not yet `connected` opened on the websocket itself (no polling to
        # upgrade from): nothing else ever reads its queue but the writer greenlet.
        if isinstance(queue, ScreenQueue) and not getattr(connection, "connected", True):
            queue.direct = self.ws
            _serving[gevent.getcurrent()] = queue
        try:
            self.app(self)
        finally:
            _serving.pop(gevent.getcurrent(), None)
            if isinstance(queue, ScreenQueue):
                queue.direct = None
        # gunicorn must not write a response after the upgrade (as simple-websocket does).
        raise StopIteration()


def install(server: Any) -> None:
    """Serve the websockets of engine.io server `server` (async mode gevent) as above."""
    server._async = {
        **server._async,
        "websocket": ScreenWebSocketWSGI,
        "queue": ScreenQueue,
        "thread": ScreenTask,
    }
