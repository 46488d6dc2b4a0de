"""The websocket under every screen: frames built once per broadcast, written without a hop,
read by the event loop, served without a greenlet.

python-engineio serves websockets under gevent through simple-websocket, which per socket
keeps a reader greenlet of its own (with an event and a selector), and for every message to
every socket wakes engineio's writer greenlet, which encodes the packet, has wsproto build the
frame in pure Python and writes it. An emit to a room of N screens did that N times: profiled
at 2,000 screens (py-spy, BENCHMARKS.md), a third of the worker's time went to that hop and to
framing, and every screen held three greenlets.

Here, installed in place of engineio's websocket driver (`install`):

- a message frame is built by hand (a server's frames are unmasked: two to ten header bytes
  before the payload) and the frame of the last message is kept, so a broadcast, whose engine.io
  packet python-socketio already encodes once for the whole room, is framed once;
- a connection that opened on the websocket itself (every screen: the player skips
  long-polling) is served without any greenlet once its handshake is answered: the socket is
  taken from gunicorn (`socket.detach`, so the descriptor and its registration in the event
  loop stay the same), packets are framed and written by whoever sends them, with a
  non-blocking send, and the socket is read by a callback of the event loop. What the kernel
  does not take at once is kept in order in a backlog that one short-lived greenlet drains.
  Received messages are handed to engine.io in order by a greenlet that lives while it has
  some, with reading paused meanwhile (so a peer cannot queue more than one read ahead); a
  pong, the one message every screen sends every ping cycle, is handled in the callback.
  engine.io's writer greenlet is never started and its queue is dropped; python-socketio's
  send of each packet of an emit writes to such a connection without going through engine.io
  (`send_directly`);
- the wait before each ping is a timer of the event loop, and the ping of a greenlet-less
  connection is written from the timer's callback (engine.io sleeps in a greenlet per
  connection for it).

A blocked greenlet keeps its stack copied on the heap, and the greenlet serving a request keeps
gunicorn's request objects alive: measured at 5,000 screens (tracemalloc, BENCHMARKS.md),
the serving greenlet, the writer and ping greenlets and the engine.io queue were about 16 of
the 34 KiB a screen cost. The count of greenlet-less connections is bounded (`install`'s
`max_screens`); past it, and for connections that started on long-polling (console browsers),
a connection is served as engine.io does, by the greenlet of its request with a writer
greenlet, with the same framing and direct writes.

Incoming messages are bounded by engine.io's `max_http_buffer_size`. Compression is never
offered. Code that runs in the event loop's callbacks never blocks: engine.io's logger, which
it may call, must stay at its default level (errors only), as signage leaves it.
"""

from __future__ import annotations

import _socket
import contextlib
import logging
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Final

import gevent
import gevent.queue
import gevent.socket
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from engineio.async_drivers.gevent import WebSocketWSGI
from engineio.server import Server as EioServer
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

log = logging.getLogger(__name__)

# Bytes a connection may have waiting for a slow reader before it is dropped: dozens of full
# `state` messages; a screen that far behind reconnects and is sent its state afresh.
MAX_BACKLOG: Final = 4 * 1024 * 1024
RECEIVE_BYTES: Final = 4096
# Seconds a closing connection may take to send what it still has for a peer that does not
# read, before the socket is shut anyway.
CLOSE_GRACE: Final = 10.0
# Greenlet-less connections at most when `install` is not told (SIGNAGE_MAX_SCREENS' default).
DEFAULT_MAX_SCREENS: Final = 2500
# Connections checked for a late pong between two pauses of `service_task`.
SERVICE_SLICE: Final = 256

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
    """Stands in for simple-websocket's reader thread: nobody reads in a thread of its own."""

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


class _NoInput:
    """The request body of a websocket request, once its socket has left gunicorn: empty."""

    def read(self, size: int = -1) -> bytes:
        return b""

    def readline(self, size: int = -1) -> bytes:
        return b""

    def readlines(self, hint: int = -1) -> list[bytes]:
        return []

    def __iter__(self) -> Iterator[bytes]:
        return iter(())


_NO_INPUT: Final = _NoInput()
# What a greenlet-less connection's environ (kept by python-socketio for Flask's request context
# of the screen's events) no longer needs: gunicorn's socket object, the closure that holds its
# request and response objects, the request body, and engine.io's eventlet shim (a class made
# per request).
_REQUEST_KEYS: Final = ("gunicorn.socket", "eventlet.input", "wsgi.early_hints")
# A pong, as every screen sends one per ping cycle.
_PONG: Final = str(eio_packet.PONG)
_PONG_PACKET: Final = eio_packet.Packet(eio_packet.PONG)


class ScreenWebSocket(SimpleServer):  # type: ignore[misc]
    """A server websocket on a socket taken from gunicorn: written by whoever sends (`send`,
    `write`), in order, never blocking the sender; read either by the greenlet that serves the
    request (`receive`) or, once `serve` is called, by the event loop."""

    connected: bool
    incoming_message: bytearray | None
    incoming_message_len: int
    input_buffer: list[str | bytes]

    def __init__(self, environ: WSGIEnvironment, max_message_size: int) -> None:
        self._backlog: list[bytes] | None = None
        self._backlog_size = 0
        self._closing = False
        self._draining = False
        self._reading_ended = False
        self._released = False
        self._watcher: Any = None
        self._connection: EioSocket | None = None
        # The descriptor leaves gunicorn's gevent socket (which gunicorn closes when the
        # request is over) for a plain non-blocking socket of ours, with the same number.
        taken = _socket.socket(fileno=environ["gunicorn.socket"].detach())
        taken.setblocking(False)
        super().__init__(
            {**environ, "gunicorn.socket": taken},
            receive_bytes=RECEIVE_BYTES,
            max_message_size=max_message_size,
            thread_class=_NoReader,
            event_class=_NoSignal,
        )
        self.environ = environ
        # The opening handshake was answered above (from the environ); nothing of it is
        # needed past that, trailing bytes included (wsproto handed them to the connection).
        if self.ws.connection is not None:
            self.ws.handshake = _Handshaken()

    # --- writing -------------------------------------------------------------------------

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
        if self._released:
            return
        try:
            sent = self.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._abort()
            return
        if sent < len(data):
            rest = data[sent:]
            self._backlog, self._backlog_size = [rest], len(rest)
            gevent.spawn_raw(self._drain)

    def _drain(self) -> None:
        self._draining = True
        try:
            while self._backlog:
                pending = memoryview(b"".join(self._backlog))
                self._backlog, self._backlog_size = [], 0
                while pending:
                    try:
                        pending = pending[self.sock.send(pending) :]
                    except BlockingIOError:
                        gevent.socket.wait_write(self.sock.fileno())
                    except OSError:
                        self._backlog = None
                        self._abort()
                        return
            self._backlog = None
            if self._closing:
                self._shut()
        finally:
            self._draining = False
            if self._reading_ended:
                self._release()

    # --- reading in the serving greenlet -----------------------------------------------------

    def receive(self, timeout: float | None = None) -> str | bytes:
        """The next message from the peer, read in the calling greenlet. Raises
        ConnectionClosed once the connection is over (closed by either side, broken, or a
        protocol error)."""
        while self.connected and not self.input_buffer:
            try:
                data = self.sock.recv(self.receive_bytes)
            except BlockingIOError:
                gevent.socket.wait_read(self.sock.fileno())
                continue
            except OSError:
                data = b""
            if not self._received(data):
                self.connected = False
        if self.input_buffer:
            return self.input_buffer.pop(0)
        self._shut()
        self._reading_ended = True
        self._release()
        raise ConnectionClosed(self.close_reason, self.close_message)

    def _received(self, data: bytes) -> bool:
        """Hand `data` (b"" at the end of the stream) to wsproto and act on what it parsed.
        False once the connection is over."""
        if not data:
            return False
        try:
            self.ws.receive_data(data)
            return self._handle_events()
        except LocalProtocolError:
            return False

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

    # --- serving without a greenlet --------------------------------------------------------

    def serve(self, connection: EioSocket) -> None:
        """Go on serving engine.io connection `connection` from the event loop: its packets are
        written by whoever sends them (its queue hands them over), its socket is read by a
        callback, and its end is handled by a greenlet started then."""
        self._connection = connection
        self._watcher = gevent.get_hub().loop.io(self.sock.fileno(), 1)
        self._watcher.start(self._readable)

    def _readable(self) -> None:
        """The event loop's callback when the socket can be read: never blocks."""
        connection = self._connection
        try:
            data = self.sock.recv(self.receive_bytes)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        over = not self._received(data)
        messages = self.input_buffer
        if messages:
            self.input_buffer = []
            if connection is not None:
                kept = [m for m in messages if m != _PONG]
                if len(kept) < len(messages):
                    try:
                        connection.receive(_PONG_PACKET)
                    except Exception:  # a callback of the event loop must not raise
                        log.exception("%s: pong not handled", connection.sid)
                        over = True
                messages = kept
        if over:
            self.connected = False
        if messages or over:
            self._watcher.stop()
            gevent.spawn_raw(self._hand_over, messages, over)

    def _hand_over(self, messages: list[str | bytes], over: bool) -> None:
        """Give `messages` to engine.io in order, as its websocket handler would; then read on,
        or end the connection when it is `over`."""
        connection = self._connection
        for message in messages:
            if connection is None or over:
                break
            try:
                connection.receive(eio_packet.Packet(encoded_packet=message))
            except eio_exceptions.UnknownPacketError:
                pass
            except eio_exceptions.SocketIsClosedError:
                over = True
            except Exception:
                log.info("%s: unreadable packet, closing the connection", connection.sid)
                over = True
        watcher = self._watcher
        if watcher is None:
            return
        if not over:
            watcher.start(self._readable)
            return
        self._end()

    def _end(self) -> None:
        """The connection is over: what engine.io's websocket handler does on leaving (close
        the engine.io socket, which runs the disconnect handlers, and forget it), and the
        descriptor is given back."""
        global _served
        watcher, connection = self._watcher, self._connection
        self._watcher = self._connection = None
        if watcher is None:
            return
        watcher.stop()
        watcher.close()
        _served -= 1
        self.connected = False
        self._shut()
        self._reading_ended = True
        if connection is not None:
            try:
                connection.close(
                    wait=False, abort=True, reason=connection.server.reason.TRANSPORT_CLOSE
                )
            finally:
                sockets = connection.server.sockets
                if connection.closed and sockets.get(connection.sid) is connection:
                    del sockets[connection.sid]
                self._release()
        else:
            self._release()

    # --- closing -------------------------------------------------------------------------

    def close(self, reason: int | None = None, message: str | None = None) -> None:
        """Send the closing frame and end the connection (the peer's answer is not awaited:
        a dead peer must not hold the connection)."""
        if not self.connected:
            raise ConnectionClosed(self.close_reason, self.close_message)
        self.end(reason, message)

    def end(self, reason: int | None = None, message: str | None = None) -> None:
        """As `close`, and nothing when the connection is over already."""
        if not self.connected:
            return
        self.connected = False
        with contextlib.suppress(LocalProtocolError):
            self.write(self.ws.send(CloseConnection(reason or CloseReason.NORMAL_CLOSURE, message)))
        self._closing = True
        if self._backlog is None:
            self._shut()
        else:
            timer = gevent.get_hub().loop.timer(CLOSE_GRACE)
            timer.start(self._shut_late, timer)

    def _shut_late(self, timer: Any) -> None:
        timer.close()
        self._shut()

    def _abort(self) -> None:
        self.connected = False
        self._shut()

    def _shut(self) -> None:
        """Shut the socket both ways, which also wakes whatever waits on it (the event loop's
        reading callback, the greenlets reading and draining)."""
        if not self._released:
            with contextlib.suppress(OSError):
                self.sock.shutdown(_socket.SHUT_RDWR)

    def _release(self) -> None:
        """Close the descriptor once nothing reads or drains it any more."""
        if self._released or self._draining or not self._reading_ended:
            return
        self._released = True
        self._backlog = None
        self.sock.close()


class ScreenQueue:
    """engine.io's outgoing queue of one connection (a gevent JoinableQueue). Once handed to a
    greenlet-less connection (`hand_over`) it holds nothing any more: a packet put is framed
    and written at once, from the greenlet putting it, and the None that ends the connection
    sends the closing frame, as engine.io's writer greenlet would on taking it."""

    __slots__ = ("_queue", "direct")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._queue: gevent.queue.JoinableQueue[Any] | None = gevent.queue.JoinableQueue(
            *args, **kwargs
        )
        self.direct: ScreenWebSocket | None = None

    def _waiting(self) -> gevent.queue.JoinableQueue[Any]:
        if self._queue is None:
            self._queue = gevent.queue.JoinableQueue()
        return self._queue

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        ws = self.direct
        if ws is None:
            self._waiting().put(item, block, timeout)
        elif item is None:
            ws.end()
        else:
            ws.write(frame(item.encode()))

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        return self._waiting().get(block, timeout)

    def task_done(self) -> None:
        self._waiting().task_done()

    def join(self, timeout: float | None = None) -> bool:
        return True if self._queue is None else self._queue.join(timeout)

    def qsize(self) -> int:
        return 0 if self._queue is None else self._queue.qsize()

    def hand_over(self, ws: ScreenWebSocket) -> bool:
        """Write what waits (engine.io's opening packet) to `ws`, in order, and from now on
        every packet directly. False, with nothing written past it, when the queue holds the
        None that ends the connection."""
        queue = self._queue
        while queue is not None and queue.qsize():
            if queue.peek(block=False) is None:
                return False
            item = queue.get(block=False)
            queue.task_done()
            ws.write(frame(item.encode()))
        self._queue, self.direct = None, ws
        return True


class ScreenTask(gevent.Greenlet):  # type: ignore[type-arg]
    """engine.io's background task (its gevent `Thread`) for everything but the wait before a
    ping (`background_task`). gevent records the spawning stack of every greenlet for its
    debugging tools; engine.io and python-socketio start one for every screen's event."""

    spawning_stack_limit = 0

    def __init__(
        self,
        target: Callable[..., Any],
        args: Iterable[Any] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(target, *args, **(kwargs or {}))

    def _run(self) -> Any:  # as engine.io's gevent Thread: the target is `run`
        return self.run()


class _Timed:
    """What `background_task` returns for the wait before a ping: nothing to start or join."""

    def start(self) -> None:
        pass

    def join(self, timeout: float | None = None) -> None:
        pass

    def is_alive(self) -> bool:
        return False


_TIMED: Final = _Timed()


def background_task(
    target: Callable[..., Any],
    args: Iterable[Any] = (),
    kwargs: dict[str, Any] | None = None,
) -> ScreenTask | _Timed:
    """engine.io's `_async['thread']`: a `ScreenTask`, except for `Socket._send_ping`, whose
    sleep becomes a timer of the event loop (`_ping_due`), and for `Server._service_task`,
    replaced by `service_task`."""
    owner = getattr(target, "__self__", None)
    method = getattr(target, "__func__", None)
    if method is EioSocket._send_ping and owner is not None:
        timer = gevent.get_hub().loop.timer(owner.server.ping_interval)
        timer.start(_ping_due, owner, timer)
        return _TIMED
    if method is EioServer._service_task and owner is not None:
        return ScreenTask(service_task, (owner,))
    return ScreenTask(target, args, kwargs)


def service_task(server: Any, checked: int = SERVICE_SLICE) -> None:
    """engine.io's `Server._service_task` (which checks that every connection answered its
    last ping in time, and forgets closed ones), pausing after every `checked` connections
    rather than after each.

    engine.io spreads its checks over ping_timeout with a pause after every connection: at
    10,000 screens and our 10 s, a timer and two greenlet switches every millisecond, the
    largest part of the worker's CPU time with no message to send (py-spy at 2,000 screens;
    the idle CPU per screen is in BENCHMARKS.md). Each connection is still checked once per
    ping_timeout; a pass over `checked` of them takes a fraction of a millisecond, so a
    broadcast waits no longer behind it than behind engine.io's pause."""
    server.service_task_event = stop = server.create_event()
    while not stop.is_set():
        sockets = list(server.sockets.values())
        if not sockets:
            if stop.wait(timeout=server.ping_timeout):
                return
            continue
        parts = range(0, len(sockets), checked)
        pause = float(server.ping_timeout) / len(parts)
        for start in parts:
            for connection in sockets[start : start + checked]:
                try:
                    if connection.closed:
                        if server.sockets.get(connection.sid) is connection:
                            del server.sockets[connection.sid]
                    elif not connection.closing:
                        connection.check_ping_timeout()
                except Exception:
                    # As engine.io: one connection's failure must not stop the checks.
                    log.exception("checking connection %s failed", connection.sid)
            if stop.wait(timeout=pause):
                return


def _ping_due(owner: EioSocket, timer: Any) -> None:
    timer.close()
    queue = owner.queue
    if isinstance(queue, ScreenQueue) and queue.direct is not None:
        # Written at once, never blocking: fine in the event loop's callback.
        _ping(owner)
    else:
        gevent.spawn_raw(_ping, owner)


def _ping(owner: EioSocket) -> None:
    """The rest of engine.io's `Socket._send_ping`, after its sleep."""
    if not owner.closing and not owner.closed:
        owner.last_ping = time.time()
        owner.send(eio_packet.Packet(eio_packet.PING))


# Connections served without a greenlet now, and at most.
_served = 0
_max_served = DEFAULT_MAX_SCREENS
_warned = False


def served() -> int:
    """Connections served without a greenlet now."""
    return _served


class ScreenWebSocketWSGI(SimpleWebSocketWSGI):  # type: ignore[misc]
    """engine.io's websocket driver for gevent, serving each connection with
    `ScreenWebSocket` when it comes from gunicorn (else as simple-websocket does)."""

    def __init__(self, handler: Callable[[Any], Iterable[bytes]], server: Any) -> None:
        super().__init__(handler, server)
        self.engineio = server

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        global _served, _warned
        sock = environ.get("gunicorn.socket")
        if not isinstance(sock, gevent.socket.socket):
            return WebSocketWSGI(self.app, self.engineio)(environ, start_response)
        self.ws = ws = ScreenWebSocket(environ, self.engineio.max_http_buffer_size)
        connection = getattr(self.app, "__self__", None)
        queue = getattr(connection, "queue", None)
        # A connection not yet `connected` opened on the websocket itself (no polling to
        # upgrade from): nothing but engine.io's writer greenlet would ever read its queue.
        if (
            isinstance(connection, EioSocket)
            and isinstance(queue, ScreenQueue)
            and not connection.connected
            and ws.connected
        ):
            if _served >= _max_served:
                if not _warned:
                    _warned = True
                    log.warning(
                        "%d screens connected (SIGNAGE_MAX_SCREENS): further ones are served "
                        "by a greenlet each, within gunicorn's worker_connections",
                        _served,
                    )
            elif queue.hand_over(ws):
                # As engine.io's websocket handler starts; then on without this greenlet.
                connection.connected = connection.upgraded = True
                _served += 1
                ws.serve(connection)
                for key in _REQUEST_KEYS:
                    environ.pop(key, None)
                environ["wsgi.input"] = _NO_INPUT
                raise StopIteration()
        try:
            self.app(self)
        finally:
            with contextlib.suppress(ConnectionClosed):
                ws.close()
            ws._reading_ended = True
            ws._release()
        # gunicorn must not write a response after the upgrade (as simple-websocket does).
        raise StopIteration()


def send_directly(sio: Any) -> None:
    """Have python-socketio server `sio`, whose engine.io server `install` serves, write each
    packet for a greenlet-less connection straight to its websocket.

    python-socketio sends every packet of an emit, once per screen of the room, through its
    `Server._send_eio_packet`, then engine.io's `send_packet`, `_get_socket`, `Socket.send`
    (with `check_ping_timeout` and an INFO log call) and the queue's `put`: about ten Python
    calls a screen before the write. Here one function makes the same checks and writes.
    Measured on overrides to 2,000 screens, alternating the two paths in one server
    (BENCHMARKS.md): 6% less CPU per broadcast. A connection that is unknown, closed or late
    with its pong, one served by a greenlet, and every packet while engine.io's logger is at
    INFO take engine.io's own path, which forgets, closes or logs as before."""
    eio = sio.eio
    send_packet = eio.send_packet
    logger = eio.logger
    clock = time.time

    def send_eio_packet(eio_sid: str, packet: eio_packet.Packet) -> None:
        connection = eio.sockets.get(eio_sid)
        if connection is not None and not connection.closed:
            ws = getattr(connection.queue, "direct", None)
            last_ping = connection.last_ping
            if (
                ws is not None
                and not (last_ping and clock() - last_ping > eio.ping_timeout)
                and not logger.isEnabledFor(logging.INFO)
            ):
                ws.write(frame(packet.encode()))
                return
        send_packet(eio_sid, packet)

    sio._send_eio_packet = send_eio_packet


def install(server: Any, max_screens: int = DEFAULT_MAX_SCREENS) -> None:
    """Serve the websockets of engine.io server `server` (async mode gevent) as above, at most
    `max_screens` of them without a greenlet."""
    global _max_served
    _max_served = max_screens
    server._async = {
        **server._async,
        "websocket": ScreenWebSocketWSGI,
        "queue": ScreenQueue,
        "thread": background_task,
    }
