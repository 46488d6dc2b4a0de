"""gunicorn settings for the signage server (`bluezone-signage serve` passes this file).

One worker, on purpose. Socket.IO keeps each client's session in the memory of the process
that accepted it, and a long-polling client sends several requests that must all reach that
same process; several workers behind one port would scatter them. To use more cores, run
several `serve` processes on different ports behind nginx with `ip_hash` (see
deploy/nginx/signage.conf) and set SIGNAGE_MESSAGE_QUEUE so they share rooms.

Worker class gevent, matched by Flask-SocketIO's pinned async_mode "gevent"; websockets are
served by signage.web.fanout in place of python-engineio's simple-websocket driver (frames
built once per broadcast and written from the emitting greenlet, screens' connections served
from the event loop without a greenlet once accepted; see that module and BENCHMARKS.md;
gevent-websocket must NOT be installed: with it every upgrade under this worker fails, and the
app refuses to start). Chosen by measurement (bench/signage.py, BENCHMARKS.md): in
threading mode (gthread worker) every screen held four OS threads (gunicorn's handler thread,
engineio's writer and simple-websocket's own threads): 4,003 threads for 1,000 screens, about
255 KiB of memory and 150-330 microseconds of CPU per screen per message, and a fan-out to
1,000 screens of 0.4 s and more. Under gevent the same screens are greenlets in one thread:
about 150 KiB and 60 microseconds per screen. gunicorn 27 has no eventlet worker.

A gevent worker accepts at most `worker_connections` sockets at once. A screen's websocket
leaves that pool once accepted (up to SIGNAGE_MAX_SCREENS of them, see fanout); further screens,
console websockets and HTTP requests stay in it, so it is sized from SIGNAGE_MAX_SCREENS plus
room for HTTP requests: beyond it screens time out and even plain HTTP hangs.
"""

import os

_text = os.environ.get("SIGNAGE_MAX_SCREENS", "").strip() or "2500"
if not _text.isdecimal() or not 1 <= int(_text) <= 1_000_000:
    raise SystemExit(f"SIGNAGE_MAX_SCREENS: {_text!r} is not a number of screens from 1 to 1000000")
_screens = int(_text)

workers = 1
worker_class = "gevent"
worker_connections = _screens + 256
# Screens keep their socket open for days; the Socket.IO ping (10 s) detects dead peers, so the
# worker timeout only guards against a stuck worker.
timeout = 60
# Console websockets and screens past SIGNAGE_MAX_SCREENS are requests that never end by
# themselves, so a graceful stop may wait this long; keep it short: players and consoles
# reconnect with back-off and catch up.
graceful_timeout = 5
keepalive = 5
# gunicorn 25+ opens a control socket at ~/.gunicorn/gunicorn.ctl; the portal and the signage
# server run as the same user and would fight over it. We do not use gunicornc.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("SIGNAGE_LOG_LEVEL", "info")
# Each process builds its own app in the worker (no preload), after gevent's monkey-patching,
# so the background loop and the Redis listener start where the sockets live.
preload_app = False
# The signage modules log playlist problems and reloads through `logging`; send them, with
# gunicorn's own messages, to stderr (the journal under systemd).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": loglevel.upper(), "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
    },
}


def post_worker_init(worker: object) -> None:
    """Make CPython's full garbage collections rare (generation thresholds 5,000 / 20 / 1,000
    instead of 700 / 10 / 10).

    A full collection walks every object of the process; with 2,000 screens connected that is
    150-280 ms during which the event loop serves nobody, and with the default thresholds one
    came every 10-20 s under load: the override fan-out p99 at 2,000 screens was 250-360 ms
    instead of about 100 ms (BENCHMARKS.md). Almost everything the server allocates is freed
    by reference counting; the collector only finds reference cycles, so collecting them less
    often costs no measurable memory (62 KiB per screen either way).
    """
    import gc

    gc.set_threshold(5_000, 20, 1_000)
