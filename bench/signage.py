"""Benchmark the signage server's fan-out, CPU and memory per screen against Node.js socket.io 4.

    .venv/bin/python bench/signage.py [--sizes 2000,5000,10000] [--runs 3] [--write]
    .venv/bin/python bench/signage.py --soak [MINUTES] [--runs 3] [--write]

One run, on 127.0.0.1 only. For each number N of screens:

1. starts a fresh signage server (``bluezone-signage serve``: gunicorn with
   ``deploy/gunicorn/signage.conf.py``) on a free port, with its own copy of ``playlists/`` in
   which ``screens.yaml`` also declares N screens ``bench-00001``... (groups
   ``tuy-hoa-airport`` and ``phu-yen-all``), its own database and a random API token;
2. connects N screens with a light load client: one or two Node.js processes running
   ``socket.io-client`` 4 (installed from npm into the run's temporary directory), each holding
   many websocket connections and stamping each message on arrival with the wall clock;
3. sends overrides to ``all`` through the token-authenticated HTTP API, one at a time, and for
   each takes the time from the request being sent (and from the override's ``starts`` stamp,
   the server clock just before it stores and emits it) to the last screen receiving it; it
   reads the worker's CPU time (``/proc/<pid>/stat``) across those broadcasts and its RSS and
   PSS before and after the screens connected;
4. saves a playlist file the way editors do (temporary file, then rename) and times the save
   to the first and the last screen holding the new catalog version (from ``state`` messages);
5. does the same with a minimal Node.js socket.io 4 server (same rooms joined on connect, an
   HTTP endpoint that emits the same override payload to ``all``), fresh for each N, with the
   same clients.

With ``--runs N`` (default 3) all of it is repeated N times and the figures are the medians,
with their spread. It prints Markdown tables and the targets (ours no slower than
Node at p50 and p99, no more CPU per screen per message, at most 1.5x the memory per screen,
a playlist save to the last of 10,000 screens under 1.5 s), and with
``--write`` records the section in BENCHMARKS.md with the machine and the command. With
``--soak`` it instead keeps 5,000 screens connected to our server for MINUTES, an override every
10 s and a playlist save every minute, ``--runs`` times on a fresh server each, and reports
every delivery missed, the fan-out p99 per 5-minute window and the worker's memory growth,
each run and their medians. Every process
it starts runs in its own process group and is stopped on exit, on an error and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import queue
import re
import resource
import secrets
import shlex
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script (bench/NAME.py): make the repository importable, as `python -m` does.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    ROOT,
    BenchError,
    Processes,
    Started,
    children,
    cpu_model,
    free_port,
    wait_listening,
    workspace,
    write_section,
)

SECTION_TITLE = "## Signage: fan-out, CPU and memory"
SOAK_TITLE = "## Signage: soak"
SIZES = (2000, 5000, 10000)
SCREEN_PREFIX = "bench-"
SCREEN_GROUPS = ("tuy-hoa-airport", "phu-yen-all")
EDITED_PLAYLIST = "bluezone.yaml"
NPM_PACKAGES = ("socket.io@4", "socket.io-client@4")
# Each load-client process keeps this many connection attempts in flight.
CONNECT_CONCURRENCY = 64
# One load-client process up to this many screens, else one per CLIENT_SHARE screens (at
# least two): a Node.js client process at 5,000 sockets spends long enough on each broadcast to
# blur the last screen's time.
SCREENS_PER_CLIENT = 1000
CLIENT_SHARE = 2500
# Values (YAML nodes) in one generated screen entry, and room for the rest of screens.yaml.
VALUES_PER_SCREEN = 9
VALUES_BESIDE_SCREENS = 1000

# Targets, met when the median over the runs meets them: fan-out p50 and p99 no
# slower than Node's, CPU per screen per message no more than Node's, memory per screen at
# most MAX_MEMORY_RATIO x Node's, and the save to the last screen under MAX_SAVE_S at
# SAVE_TARGET_SCREENS.
MAX_MEMORY_RATIO = 1.5
MAX_SAVE_S = 1.5
SAVE_TARGET_SCREENS = 10000
# The soak (--soak MINUTES): screens, and an override / a playlist save every so many seconds;
# p99 reported per window; memory growth target.
SOAK_SCREENS = 5000
SOAK_OVERRIDE_EVERY = 10.0
SOAK_SAVE_EVERY = 60.0
SOAK_WINDOW = 300.0
SOAK_MAX_GROWTH = 0.05

# An override the server has not answered after this long counts as a failure of the run.
HTTP_TIMEOUT = 30.0

OVERRIDE_MESSAGES = {
    "vi": {
        "headline": "Thông báo khẩn",
        "body": "Đây là bài kiểm tra hệ thống màn hình. Xin quý khách tiếp tục hành trình.",
    },
    "en": {
        "headline": "Emergency notice",
        "body": "This is a test of the screen system. Please carry on with your journey.",
    },
}

# The load client: many Socket.IO connections in one Node.js process.
CLIENT_JS = r"""'use strict';
// Screen load client. argv: URL FIRST COUNT PREFIX CONCURRENCY DECLARED; connection i uses
// screen id PREFIX + (i mod DECLARED) + 1, zero-padded.
// stdin: "report" prints everything recorded, "quit" closes the sockets and exits.
// stdout, one JSON object per line: ready; override / state once every connected socket of
// this process has received that override id / catalog version; report.
const { io } = require('socket.io-client');
const readline = require('node:readline');

const [url, firstArg, countArg, prefix, concurrencyArg, declaredArg] = process.argv.slice(2);
const first = Number(firstArg);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const declared = Number(declaredArg);
const clock = () => performance.timeOrigin + performance.now();
const print = (message) => process.stdout.write(JSON.stringify(message) + '\n');

const sockets = [];
const overrides = new Map();
const versions = new Map();
const errors = {};
let started = 0;
let pending = 0;
let connected = 0;
let failed = 0;
let dropped = 0;
let ready = false;

function summary(times) {
  const sorted = Float64Array.from(times).sort();
  const n = sorted.length;
  return { n, first: sorted[0], p50: sorted[(n - 1) >> 1], last: sorted[n - 1] };
}

function record(map, kind, key, at) {
  let times = map.get(key);
  if (times === undefined) {
    times = [];
    map.set(key, times);
  }
  times.push(at);
  if (ready && times.length === connected) print({ event: kind, key, ...summary(times) });
}

function countError(text) {
  errors[text] = (errors[text] || 0) + 1;
}

function settle() {
  if (!ready && connected + failed === count) {
    ready = true;
    print({ event: 'ready', connected, failed, errors });
  }
}

function open() {
  while (started < count && pending < concurrency) {
    const screen = prefix + String(((first + started - 1) % declared) + 1).padStart(5, '0');
    started += 1;
    pending += 1;
    const socket = io(url, {
      transports: ['websocket'],
      auth: { screen, protocol: 2 },
      reconnection: false,
      forceNew: true,
      timeout: 60000,
    });
    // The last override id only: a set of every id seen would be rebuilt by V8 at each
    // doubling, in every socket at once, and show as a slow override of either server.
    let last = null;
    let version = null;
    let settled = false;
    socket.on('connect', () => {
      if (settled) return;
      settled = true;
      pending -= 1;
      connected += 1;
      settle();
      open();
    });
    socket.on('connect_error', (error) => {
      if (settled) return;
      settled = true;
      pending -= 1;
      failed += 1;
      countError(String(error && error.message));
      settle();
      open();
    });
    socket.on('disconnect', (reason) => {
      connected -= 1;
      dropped += 1;
      countError('disconnect: ' + reason);
    });
    socket.on('override', (message) => {
      const at = clock();
      if (message.id === last) return;
      last = message.id;
      record(overrides, 'override', String(message.id), at);
    });
    socket.on('state', (message) => {
      const at = clock();
      if (message.catalog_version === version) return;
      version = message.catalog_version;
      record(versions, 'state', String(version), at);
    });
    sockets.push(socket);
  }
}

function all(map) {
  return Object.fromEntries([...map].map(([key, times]) => [key, summary(times)]));
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'report') {
    print({ event: 'report', connected, failed, dropped, errors,
            overrides: all(overrides), versions: all(versions) });
  } else if (line === 'quit') {
    for (const socket of sockets) socket.close();
    setTimeout(() => process.exit(0), 200);
  }
}).on('close', () => process.exit(0));

open();
"""

# The peer: a minimal socket.io 4 server with the same rooms and the same override message.
SERVER_JS = r"""'use strict';
// argv: PORT GROUP... Screens join screen:<id>, group:<g> and all; POST /emit sends the JSON
// body as an "override" to its "target" room and answers with the id and the emit time.
const http = require('node:http');
const { Server } = require('socket.io');

const [portArg, ...groups] = process.argv.slice(2);
const clock = () => performance.timeOrigin + performance.now();
let sequence = 0;
const httpServer = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/emit') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    const message = { ...JSON.parse(body), id: ++sequence };
    const emittedAt = clock();
    io.to(message.target).emit('override', message);
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ id: message.id, emitted_at: emittedAt }));
  });
});
const io = new Server(httpServer, { pingInterval: 10000, pingTimeout: 10000 });
io.on('connection', (socket) => {
  const screen = socket.handshake.auth && socket.handshake.auth.screen;
  if (typeof screen !== 'string') {
    socket.disconnect(true);
    return;
  }
  socket.join([`screen:${screen}`, ...groups.map((g) => `group:${g}`), 'all']);
});
httpServer.listen(Number(portArg), '127.0.0.1');
"""


def _raise_nofile(wanted: int) -> int:
    """Raise the soft limit of open files (inherited by every child) as far as allowed, and
    as root the hard limit too when it is lower (some machines start at 4,096)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < wanted and os.geteuid() == 0:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), wanted))
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(max(soft, wanted), hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- /proc -----------------------------------------------------------------------------------


def _cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds used so far by ``pid`` (all its threads)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds used so far by ``pid`` (all its threads)."""
    return sum(_cpu_times(pid))


def _memory_kib(pid: int) -> tuple[int, int]:
    """RSS and PSS of ``pid`` in KiB, from /proc/<pid>/smaps_rollup."""
    values = {"Rss:": 0, "Pss:": 0}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts and parts[0] in values:
            values[parts[0]] = int(parts[1])
    return values["Rss:"], values["Pss:"]


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def _now_ms() -> float:
    return time.time() * 1000.0


# --- the load client -------------------------------------------------------------------------


class LoadClient:
    """One Node.js process holding many screen connections; collects its JSON lines."""

    def __init__(self, started: Started) -> None:
        self.started = started
        self.pid = started.proc.pid
        self.events: dict[tuple[str, str], dict[str, Any]] = {}
        self.reports: queue.Queue[dict[str, Any]] = queue.Queue()
        self.ready: queue.Queue[dict[str, Any]] = queue.Queue()
        self.changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self.started.proc.stdout
        assert stream is not None
        with contextlib.suppress(OSError, ValueError):
            for raw in stream:
                try:
                    message: dict[str, Any] = json.loads(raw)
                except ValueError:
                    continue
                event = message.get("event")
                if event == "ready":
                    self.ready.put(message)
                elif event == "report":
                    self.reports.put(message)
                else:
                    with self.changed:
                        self.events[(str(event), str(message.get("key")))] = message
                        self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def send(self, command: str) -> None:
        stdin = self.started.proc.stdin
        assert stdin is not None
        with contextlib.suppress(OSError, ValueError):
            stdin.write(command.encode() + b"\n")
            stdin.flush()

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        try:
            return self.ready.get(timeout=timeout)
        except queue.Empty:
            tail = self.started.log.read_text(errors="replace")[-2000:]
            raise BenchError(
                f"{self.started.name}: screens not connected within {timeout:.0f} s\n{tail}"
            ) from None

    def report(self, timeout: float = 20.0) -> dict[str, Any]:
        self.send("report")
        try:
            return self.reports.get(timeout=timeout)
        except queue.Empty:
            raise BenchError(f"{self.started.name} did not report") from None

    def alive(self) -> bool:
        return self.started.proc.poll() is None


@dataclass
class Clients:
    """The load-client processes of one measurement."""

    items: list[LoadClient]
    connected: int = 0

    def wait_all(self, kind: str, key: str, deadline: float) -> list[dict[str, Any]] | None:
        """Each process's event ``kind``/``key``, or None if one is missing at ``deadline``."""
        found: list[dict[str, Any]] = []
        for client in self.items:
            with client.changed:
                while (kind, key) not in client.events:
                    left = deadline - time.monotonic()
                    if left <= 0 or not client.alive():
                        return None
                    client.changed.wait(timeout=min(left, 1.0))
                found.append(client.events[(kind, key)])
        return found

    def reports(self) -> list[dict[str, Any]]:
        return [client.report() for client in self.items]

    @property
    def pids(self) -> list[int]:
        return [client.pid for client in self.items]


def _start_clients(
    procs: Processes, tmp: Path, node: str, url: str, screens: int, processes: int, label: str
) -> Clients:
    items: list[LoadClient] = []
    share = math.ceil(screens / processes)
    first = 1
    for index in range(processes):
        count = min(share, screens - first + 1)
        if count <= 0:
            break
        argv = [node, str(tmp / "client.js"), url, str(first), str(count), SCREEN_PREFIX]
        argv += [str(CONNECT_CONCURRENCY), str(_declared(screens))]
        log = tmp / f"client-{label}-{index + 1}.log"
        started = procs.start(f"load client {label} #{index + 1}", argv, log, cwd=tmp, piped=True)
        items.append(LoadClient(started))
        first += count
    clients = Clients(items)
    failures: dict[str, int] = {}
    for client in items:
        ready = client.wait_ready(60.0 + screens / 25)
        clients.connected += int(ready["connected"])
        for text, number in dict(ready["errors"]).items():
            failures[text] = failures.get(text, 0) + int(number)
    if clients.connected < screens:
        _stop_clients(procs, clients)
        raise BenchError(f"only {clients.connected} of {screens} screens connected: {failures}")
    return clients


def _stop_clients(procs: Processes, clients: Clients) -> None:
    for client in clients.items:
        client.send("quit")
    for client in clients.items:
        procs.stop(client.started, grace=3.0)


# --- servers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Emitted:
    """One override as sent: the bench's send time and the server's own stamp (Unix ms)."""

    key: str
    sent_ms: float
    server_ms: float
    returned_ms: float


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post_json(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with _OPENER.open(request, timeout=HTTP_TIMEOUT) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except OSError as error:
        raise BenchError(f"POST {url}: {error}") from None


def _get(url: str, timeout: float = HTTP_TIMEOUT) -> int:
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        raise BenchError(f"GET {url}: {error}") from None


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _reader_limit() -> int:
    """The most values the playlist reader accepts in one YAML document (MAX_NODES)."""
    source = (ROOT / "signage" / "catalog" / "yamlsource.py").read_text()
    found = re.search(r"^MAX_NODES(?:: \w+)? = ([\d_]+)", source, re.M)
    return int(found.group(1)) if found else 50_000


def _declared(screens: int) -> int:
    """How many screen ids ``screens`` connections use: all of them, unless screens.yaml would
    exceed the reader's limit; then the connections beyond are second tabs of declared screens
    (the server allows several sockets per screen id, in the same screen room)."""
    most = (_reader_limit() - VALUES_BESIDE_SCREENS) // VALUES_PER_SCREEN
    return min(screens, most)


def _copy_playlists(target: Path, screens: int) -> None:
    """Copy playlists/ to ``target`` and declare the bench's screens in screens.yaml."""
    shutil.copytree(ROOT / "playlists", target)
    lines = [(target / "screens.yaml").read_text(encoding="utf-8").rstrip("\n"), ""]
    groups = ", ".join(SCREEN_GROUPS)
    for number in range(1, _declared(screens) + 1):
        lines += [
            f"  - id: {SCREEN_PREFIX}{number:05d}",
            f"    name: Màn hình thử {number}",
            f"    groups: [{groups}]",
            "    languages: [vi, en]",
            "",
        ]
    (target / "screens.yaml").write_text("\n".join(lines), encoding="utf-8")
    done = subprocess.run(
        [_bin("bluezone-signage"), "check", str(target)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=str(ROOT),
        timeout=120,
    )
    if done.returncode != 0:
        raise BenchError(f"the generated playlists do not pass check:\n{done.stdout[-2000:]}")


class SignageServer:
    """``bluezone-signage serve`` with a generated screens file of ``screens`` screens."""

    def __init__(
        self,
        procs: Processes,
        tmp: Path,
        screens: int,
        extra_env: dict[str, str] | None = None,
        ready_timeout: float = 10.0,
    ) -> None:
        # Fresh files for every server, also when a later run measures the same size again.
        label = f"{screens}-{secrets.token_hex(3)}"
        self.playlists = tmp / f"playlists-{label}"
        _copy_playlists(self.playlists, screens)
        self.port = free_port()
        self.token = secrets.token_urlsafe(24)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
        env.update(
            SIGNAGE_PLAYLISTS_DIR=str(self.playlists),
            SIGNAGE_DATABASE=str(tmp / f"signage-{label}.sqlite3"),
            SIGNAGE_API_TOKEN=self.token,
            SIGNAGE_MAX_SCREENS=str(max(screens, 2500)),
            SIGNAGE_LOG_LEVEL="warning",
            # The server code of this checkout, whatever the virtualenv was installed from.
            PYTHONPATH=str(ROOT),
        )
        env.update(extra_env or {})
        argv = [_bin("bluezone-signage"), "serve", "--bind", f"127.0.0.1:{self.port}"]
        log = tmp / f"signage-{label}.log"
        self.started = procs.start(f"signage server ({screens})", argv, log, env)
        wait_listening(self.started, self.port, 60.0)
        status = _get(f"http://127.0.0.1:{self.port}/api/screens", ready_timeout)
        if status != 200:
            raise BenchError(f"GET /api/screens answered {status}")
        workers = children(self.started.proc.pid)
        if len(workers) != 1:
            raise BenchError(f"expected one gunicorn worker, found {len(workers)}")
        self.worker_pid = workers[0]

    def emit(self, payload: dict[str, Any]) -> Emitted:
        body = {"target": payload["target"], "until": "+30m", "messages": payload["messages"]}
        sent = _now_ms()
        status, answer = _post_json(
            f"http://127.0.0.1:{self.port}/api/overrides",
            body,
            {"Authorization": f"Bearer {self.token}"},
        )
        returned = _now_ms()
        if status != 201 or not isinstance(answer, dict):
            raise BenchError(f"POST /api/overrides answered {status}: {answer}")
        return Emitted(str(answer["id"]), sent, float(answer["starts"]) * 1000.0, returned)

    def save_playlist(self, revision: int) -> float:
        """Change one title of the included playlist with an atomic save; the rename time."""
        path = self.playlists / EDITED_PLAYLIST
        text = path.read_text(encoding="utf-8")
        edited, changed = re.subn(
            r"^(\s+title: )(.*?)( · bản \d+)?$",
            lambda m: f"{m.group(1)}{m.group(2)} · bản {revision}",
            text,
            count=1,
            flags=re.M,
        )
        if not changed:
            raise BenchError(f"no title to edit in {path}")
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(edited, encoding="utf-8")
        saved = _now_ms()
        os.replace(temporary, path)
        return saved


class NodeServer:
    """The minimal Node.js socket.io 4 server of ``SERVER_JS``."""

    def __init__(self, procs: Processes, tmp: Path, node: str, screens: int) -> None:
        self.port = free_port()
        argv = [node, str(tmp / "server.js"), str(self.port), *SCREEN_GROUPS]
        log = tmp / f"node-{screens}.log"
        self.started = procs.start(f"node server ({screens})", argv, log, cwd=tmp)
        wait_listening(self.started, self.port, 60.0)
        self.worker_pid = self.started.proc.pid

    def emit(self, payload: dict[str, Any]) -> Emitted:
        sent = _now_ms()
        status, answer = _post_json(f"http://127.0.0.1:{self.port}/emit", payload, {})
        returned = _now_ms()
        if status != 201 or not isinstance(answer, dict):
            raise BenchError(f"POST /emit answered {status}: {answer}")
        return Emitted(str(answer["id"]), sent, float(answer["emitted_at"]), returned)


# --- measurements ----------------------------------------------------------------------------


def _percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (with 20 samples, p99 is the slowest one)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass(frozen=True)
class Delivery:
    """One override: when it was sent and when its first and last screens had it (ms)."""

    emitted: Emitted
    received: int
    first_ms: float
    last_ms: float

    @property
    def from_send(self) -> float:
        return self.last_ms - self.emitted.sent_ms

    @property
    def from_server(self) -> float:
        return self.last_ms - self.emitted.server_ms

    @property
    def first_from_send(self) -> float:
        return self.first_ms - self.emitted.sent_ms

    @property
    def api_ms(self) -> float:
        return self.emitted.returned_ms - self.emitted.sent_ms


@dataclass
class Result:
    """Everything measured for one server at one size."""

    server: str
    screens: int
    connected: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    missing: int = 0
    cpu_s: float = 0.0
    idle_cpu_s: float = 0.0
    window_s: float = 0.0
    client_cpu_s: float = 0.0
    threads: int = 0
    rss_before: int = 0
    pss_before: int = 0
    rss_after: int = 0
    pss_after: int = 0
    saves: list[tuple[float, float]] = field(default_factory=list)  # first, last screen (ms)
    save_misses: int = 0
    failure: str = ""

    def fan(self, attr: str, q: float) -> float:
        return _percentile([float(getattr(d, attr)) for d in self.deliveries], q)

    @property
    def messages(self) -> int:
        return len(self.deliveries)

    def _per_message(self, cpu: float) -> float:
        if not self.messages or not self.connected:
            return math.nan
        return cpu / (self.connected * self.messages) * 1e6

    @property
    def cpu_us(self) -> float:
        """Server CPU per screen per message, its idle rate subtracted, in microseconds."""
        return self._per_message(max(0.0, self.cpu_s - self.idle_cpu_s))

    @property
    def idle_us(self) -> float:
        """Server CPU per screen per second with no message to send (pings, the background
        loop), in microseconds."""
        if not self.connected or not self.window_s:
            return math.nan
        return self.idle_cpu_s / self.window_s / self.connected * 1e6

    @property
    def gross_cpu_us(self) -> float:
        return self._per_message(self.cpu_s)

    @property
    def client_cpu_us(self) -> float:
        return self._per_message(self.client_cpu_s)

    @property
    def rss_per_screen(self) -> float:
        if not self.connected or not self.rss_after:
            return math.nan
        return (self.rss_after - self.rss_before) / self.connected

    @property
    def pss_per_screen(self) -> float:
        if not self.connected or not self.pss_after:
            return math.nan
        return (self.pss_after - self.pss_before) / self.connected

    def save(self, which: int, q: float) -> float:
        return _percentile([s[which] for s in self.saves], q)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        """The result `to_json` wrote (each delivery rebuilt with times relative to its send)."""
        result = cls(str(data["server"]), int(data["screens"]))
        result.connected = int(data["connected"])
        for last, server, first, api in zip(
            data["fan_out_from_send_ms"],
            data["fan_out_from_server_ms"],
            data["first_screen_ms"],
            data["api_ms"],
            strict=True,
        ):
            emitted = Emitted("", 0.0, float(last) - float(server), float(api))
            result.deliveries.append(Delivery(emitted, result.connected, float(first), last))
        result.missing = int(data["missing"])
        result.cpu_s, result.idle_cpu_s = float(data["cpu_s"]), float(data["idle_cpu_s"])
        result.window_s = float(data["window_s"])
        per_message = float(data["client_cpu_us_per_screen_message"])
        if "client_cpu_s" in data:
            result.client_cpu_s = float(data["client_cpu_s"])
        elif not math.isnan(per_message):
            result.client_cpu_s = per_message * result.connected * result.messages / 1e6
        result.threads = int(data["threads"])
        result.rss_before, result.rss_after = (int(v) for v in data["rss_kib"])
        result.pss_before, result.pss_after = (int(v) for v in data["pss_kib"])
        result.saves = [(float(a), float(b)) for a, b in data["saves_ms"]]
        result.save_misses = int(data["save_misses"])
        result.failure = str(data["failure"])
        return result

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "screens": self.screens,
            "connected": self.connected,
            "fan_out_from_send_ms": [round(d.from_send, 2) for d in self.deliveries],
            "fan_out_from_server_ms": [round(d.from_server, 2) for d in self.deliveries],
            "first_screen_ms": [round(d.first_from_send, 2) for d in self.deliveries],
            "api_ms": [round(d.api_ms, 2) for d in self.deliveries],
            "missing": self.missing,
            "cpu_s": self.cpu_s,
            "idle_cpu_s": self.idle_cpu_s,
            "window_s": self.window_s,
            "client_cpu_s": self.client_cpu_s,
            "cpu_us_per_screen_message": self.cpu_us,
            "gross_cpu_us_per_screen_message": self.gross_cpu_us,
            "client_cpu_us_per_screen_message": self.client_cpu_us,
            "threads": self.threads,
            "rss_kib": [self.rss_before, self.rss_after],
            "pss_kib": [self.pss_before, self.pss_after],
            "saves_ms": self.saves,
            "save_misses": self.save_misses,
            "failure": self.failure,
        }


def _override_payload() -> dict[str, Any]:
    """The override message as the signage server sends it (``Override.to_json``)."""
    now = time.time()
    return {
        "id": 0,
        "target": "all",
        "starts": now,
        "until": now + 1800,
        "priority": 0,
        "source": "api",
        "cancelled": None,
        "messages": OVERRIDE_MESSAGES,
    }


def _clients_cpu(clients: Clients) -> float:
    total = 0.0
    for pid in clients.pids:
        with contextlib.suppress(OSError):
            total += _cpu_seconds(pid)
    return total


def _broadcasts(
    server: SignageServer | NodeServer,
    clients: Clients,
    result: Result,
    args: argparse.Namespace,
) -> None:
    """``args.warmup`` unrecorded overrides, then ``args.overrides`` recorded ones, one at a
    time, each sent ``args.gap`` seconds after the last screen received the one before."""
    payload = _override_payload()
    timeout = 10.0 + result.screens / 500
    for _ in range(args.warmup):
        emitted = server.emit(payload)
        clients.wait_all("override", emitted.key, time.monotonic() + timeout)
        time.sleep(args.gap)
    # The idle rate (pings, the background loop), to subtract from the broadcasts' CPU time.
    cpu0, t0 = _cpu_seconds(server.worker_pid), time.monotonic()
    time.sleep(max(2.0, args.overrides * args.gap))
    idle_rate = (_cpu_seconds(server.worker_pid) - cpu0) / (time.monotonic() - t0)

    cpu0, client0, t0 = _cpu_seconds(server.worker_pid), _clients_cpu(clients), time.monotonic()
    for _ in range(args.overrides):
        emitted = server.emit(payload)
        events = clients.wait_all("override", emitted.key, time.monotonic() + timeout)
        if events is None:
            result.missing += 1
            continue
        result.deliveries.append(
            Delivery(
                emitted,
                sum(int(e["n"]) for e in events),
                min(float(e["first"]) for e in events),
                max(float(e["last"]) for e in events),
            )
        )
        time.sleep(args.gap)
    result.window_s = time.monotonic() - t0
    result.cpu_s = _cpu_seconds(server.worker_pid) - cpu0
    result.client_cpu_s = _clients_cpu(clients) - client0
    result.idle_cpu_s = idle_rate * result.window_s


def _saves(server: SignageServer, clients: Clients, result: Result, count: int) -> None:
    """Atomic saves of a playlist file, timed to the first and last screen with the new version."""
    known = {str(v) for r in clients.reports() for v in r["versions"]}
    for revision in range(1, count + 1):
        timed = _save_once(server, clients, known, revision, 20.0 + result.screens / 250)
        if timed is None:
            result.save_misses += 1
        else:
            result.saves.append(timed)
        time.sleep(1.0)


def _save_once(
    server: SignageServer, clients: Clients, known: set[str], revision: int, within: float
) -> tuple[float, float] | None:
    """Save the playlist (as ``revision``) and wait ``within`` seconds for every screen to hold
    the new catalog version: the first and last screen's time from the save (ms), or None."""
    watched = clients.items[0]
    saved = server.save_playlist(revision)
    deadline = time.monotonic() + within
    found: list[dict[str, Any]] | None = None
    while found is None and time.monotonic() < deadline:
        with watched.changed:
            fresh = [k for kind, k in watched.events if kind == "state" and k not in known]
            if not fresh:
                watched.changed.wait(timeout=0.2)
        if fresh:
            known.add(fresh[0])
            found = clients.wait_all("state", fresh[0], deadline)
    if found is None:
        return None
    first = min(float(e["first"]) for e in found)
    last = max(float(e["last"]) for e in found)
    return first - saved, last - saved


def _client_processes(screens: int, wanted: int) -> int:
    if wanted:
        return wanted
    return 1 if screens <= SCREENS_PER_CLIENT else max(2, math.ceil(screens / CLIENT_SHARE))


def measure(
    kind: str, procs: Processes, tmp: Path, node: str, screens: int, args: argparse.Namespace
) -> Result:
    """Start a fresh server of ``kind``, connect ``screens`` screens and measure everything."""
    result = Result(kind, screens)
    label = f"{kind}-{screens}"
    server: SignageServer | NodeServer | None = None
    clients: Clients | None = None
    try:
        if kind == "signage":
            server = SignageServer(procs, tmp, screens)
        else:
            server = NodeServer(procs, tmp, node, screens)
        url = f"http://127.0.0.1:{server.port}"
        # A few screens first load the connection code paths; memory is counted after them.
        warm = _start_clients(procs, tmp, node, url, 5, 1, f"{label}-warm")
        _stop_clients(procs, warm)
        time.sleep(1.0)
        result.rss_before, result.pss_before = _memory_kib(server.worker_pid)
        processes = _client_processes(screens, args.client_processes)
        clients = _start_clients(procs, tmp, node, url, screens, processes, label)
        result.connected = clients.connected
        time.sleep(2.0)
        result.rss_after, result.pss_after = _memory_kib(server.worker_pid)
        result.threads = _threads(server.worker_pid)
        _broadcasts(server, clients, result, args)
        if isinstance(server, SignageServer):
            _saves(server, clients, result, args.saves)
    except BenchError as error:
        # One size failing (a server that stops answering) is a result, not the end of the run.
        result.failure = str(error).splitlines()[0]
        _log(f"  {kind} at {screens} screens failed: {result.failure}")
    finally:
        if clients is not None:
            _stop_clients(procs, clients)
        # Nothing else runs between two measurements: stop whatever this one started.
        procs.stop_all()
    return result


# --- report ----------------------------------------------------------------------------------


def _ms(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _num(value: float, unit: str) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f} {unit}"


def _ratio(ours: float, theirs: float) -> str:
    if math.isnan(ours) or math.isnan(theirs) or theirs <= 0:
        return "n/a"
    return f"{ours / theirs:.2f}x"


def _by_size(results: Sequence[Result], kind: str) -> dict[int, Result]:
    return {r.screens: r for r in results if r.server == kind}


def _save_cell(r: Result) -> str:
    if not r.saves:
        return "n/a (no playlist watcher)" if r.server == "node" else "not delivered"
    worst = max(s[1] for s in r.saves) / 1000
    cell = f"{r.save(0, 0.5) / 1000:.2f} / {r.save(1, 0.5) / 1000:.2f} s; {worst:.2f} s"
    if r.save_misses:
        cell += f" ({r.save_misses} not delivered)"
    return cell


def table(results: Sequence[Result]) -> str:
    lines = [
        "| screens | server | override to last screen p50 / p99 "
        "| from the server's stamp p50 / p99 | first screen p50 | API answered p50 "
        "| server CPU per screen per message | memory per screen RSS / PSS | threads "
        "| playlist save to first / last screen: median; worst |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(results, key=lambda r: (r.screens, r.server != "signage")):
        missing = f" ({r.missing} incomplete)" if r.missing else ""
        name = "bluezone-signage" if r.server == "signage" else "Node socket.io 4"
        if r.server == "signage" and _declared(r.screens) < r.screens:
            name += f" ({_declared(r.screens):,} screen ids)"
        if r.failure:
            missing += f" (failed with {r.connected:,} connected: {r.failure})"
        lines.append(
            f"| {r.screens:,} | {name} "
            f"| {_ms(r.fan('from_send', 0.5))} / **{_ms(r.fan('from_send', 0.99))}**{missing} "
            f"| {_ms(r.fan('from_server', 0.5))} / {_ms(r.fan('from_server', 0.99))} "
            f"| {_ms(r.fan('first_from_send', 0.5))} | {_ms(r.fan('api_ms', 0.5))} "
            f"| {_num(r.cpu_us, 'us')} | {_num(r.rss_per_screen, 'KiB')} / "
            f"{_num(r.pss_per_screen, 'KiB')} "
            f"| {r.threads:,} | {_save_cell(r)} |"
        )
    node = _by_size(results, "node")
    ours = _by_size(results, "signage")
    both = sorted(set(node) & set(ours))
    if both:
        lines += [
            "",
            "| screens | fan-out p50, ours / Node | fan-out p99, ours / Node "
            "| CPU per screen per message, ours / Node | memory per screen, ours / Node |",
            "|---:|---:|---:|---:|---:|",
        ]
        for n in both:
            a, b = ours[n], node[n]
            p50 = _ratio(a.fan("from_send", 0.5), b.fan("from_send", 0.5))
            p99 = _ratio(a.fan("from_send", 0.99), b.fan("from_send", 0.99))
            lines.append(
                f"| {n:,} | {p50} | **{p99}** | {_ratio(a.cpu_us, b.cpu_us)} "
                f"| {_ratio(a.rss_per_screen, b.rss_per_screen)} |"
            )
    return "\n".join(lines)


def _median(values: Sequence[float]) -> float:
    finite = sorted(v for v in values if not math.isnan(v))
    if not finite:
        return math.nan
    middle = len(finite) // 2
    return finite[middle] if len(finite) % 2 else (finite[middle - 1] + finite[middle]) / 2


def _worst_save(r: Result) -> float:
    """The slowest save to the last screen of one run (s); infinite when one was missed."""
    if r.save_misses or r.failure:
        return math.inf
    return max((s[1] for s in r.saves), default=math.nan) / 1000


# The figures compared across runs: name, unit, and how to read it from one result.
FIGURES: tuple[tuple[str, str, Any], ...] = (
    ("fan-out p50", "ms", lambda r: r.fan("from_send", 0.5)),
    ("fan-out p99", "ms", lambda r: r.fan("from_send", 0.99) if not r.missing else math.inf),
    ("CPU per screen per message", "us", lambda r: r.cpu_us),
    ("memory per screen (RSS)", "KiB", lambda r: r.rss_per_screen),
    ("save to last screen, worst", "s", _worst_save),
    ("idle CPU per screen", "us/s", lambda r: r.idle_us),
)


@dataclass(frozen=True)
class Summary:
    """One figure of one server at one size over the runs: median and spread."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        seen = [v for v in values if not math.isnan(v)]
        if not seen:
            return cls(math.nan, math.nan, math.nan)
        return cls(_median(seen), min(seen), max(seen))

    def cell(self, unit: str) -> str:
        if math.isnan(self.median):
            return "n/a"
        if self.low == self.high:
            return _num(self.median, unit)
        return f"{_num(self.median, unit)} ({_num(self.low, unit)} - {_num(self.high, unit)})"


def failures(runs: Sequence[Sequence[Result]]) -> dict[tuple[str, int], int]:
    """(server, screens) -> how many runs failed there (screens not all connected, a server
    that stopped answering); their figures are left out of the medians."""
    found: dict[tuple[str, int], int] = {}
    for results in runs:
        for r in results:
            if r.failure:
                found[(r.server, r.screens)] = found.get((r.server, r.screens), 0) + 1
    return found


def summaries(runs: Sequence[Sequence[Result]]) -> dict[tuple[str, int, str], Summary]:
    """(server, screens, figure) -> its median and spread over the runs that did not fail."""
    found: dict[tuple[str, int, str], list[float]] = {}
    for results in runs:
        for r in results:
            if r.failure:
                continue
            for name, _unit, read in FIGURES:
                found.setdefault((r.server, r.screens, name), []).append(float(read(r)))
    return {key: Summary.of(values) for key, values in found.items()}


def median_table(runs: Sequence[Sequence[Result]]) -> str:
    table = summaries(runs)
    failed = failures(runs)
    sizes = sorted({n for _, n, _ in table} | {n for _, n in failed})
    servers = [k for k in ("signage", "node") if any(s == k for s, _, _ in table)]
    lines = [
        "| screens | server | runs measured | "
        + " | ".join(f"{name}" for name, _, _ in FIGURES)
        + " |",
        "|---:|---|---:|" + "---:|" * len(FIGURES),
    ]
    for n in sizes:
        for server in servers:
            cells = [
                table[(server, n, name)].cell(unit)
                if (server, n, name) in table
                else "not measured"
                for name, unit, _ in FIGURES
            ]
            label = "bluezone-signage" if server == "signage" else "Node socket.io 4"
            failing = failed.get((server, n), 0)
            measured = f"{len(runs) - failing} of {len(runs)}"
            lines.append(f"| {n:,} | {label} | {measured} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(runs: Sequence[Sequence[Result]]) -> list[tuple[bool | None, str]]:
    """(met, text) for each target, on the medians over the runs."""
    table = summaries(runs)
    checks: list[tuple[bool | None, str]] = []
    sizes = sorted({n for _, n, _ in table})
    for n in sizes:
        ours = {name: table.get(("signage", n, name)) for name, _, _ in FIGURES}
        node = {name: table.get(("node", n, name)) for name, _, _ in FIGURES}
        for name, unit, limit in (
            ("fan-out p50", "ms", 1.0),
            ("fan-out p99", "ms", 1.0),
            ("CPU per screen per message", "us", 1.0),
            ("memory per screen (RSS)", "KiB", MAX_MEMORY_RATIO),
        ):
            a, b = ours[name], node[name]
            if a is None or b is None:
                checks.append((False, f"{name} at {n:,} screens: not measured for both servers"))
                continue
            ratio = a.median / b.median if b.median else math.nan
            bound = "Node's" if limit == 1.0 else f"{limit:g}x Node's"
            checks.append(
                (
                    ratio <= limit,
                    f"{name} at {n:,} screens: ours {_num(a.median, unit)}, Node "
                    f"{_num(b.median, unit)}: {ratio:.2f}x (target <= {bound})",
                )
            )
    for n in sizes:
        save = table.get(("signage", n, "save to last screen, worst"))
        if save is None:
            continue
        checks.append(
            (
                save.median < MAX_SAVE_S if n >= SAVE_TARGET_SCREENS else None,
                f"playlist save to the last of {n:,} screens: {save.median:.2f} s "
                + (
                    f"(target < {MAX_SAVE_S} s)"
                    if n >= SAVE_TARGET_SCREENS
                    else f"(target < {MAX_SAVE_S} s at {SAVE_TARGET_SCREENS:,})"
                ),
            )
        )
    return checks


# --- soak ------------------------------------------------------------------------------------


@dataclass
class Soak:
    """A long run at one size: every override's fan-out, the saves, and memory over time."""

    screens: int
    minutes: float
    connected: int = 0
    fan_ms: list[tuple[float, float]] = field(default_factory=list)  # (elapsed s, ms)
    sent: list[str] = field(default_factory=list)
    missed: int = 0
    late: int = 0
    saves: list[float] = field(default_factory=list)  # to the last screen, s
    save_misses: int = 0
    dropped: int = 0
    rss: list[tuple[float, int]] = field(default_factory=list)  # (elapsed s, KiB)
    # The first sample after the first save ended: that save's peak (a `state` message built for
    # every screen at once) is memory the allocator keeps for the next one, not a leak.
    settled: int = 0  # index into rss

    def windows(self) -> list[tuple[float, int, float]]:
        """(window start s, overrides, p99 ms) per SOAK_WINDOW."""
        found: dict[int, list[float]] = {}
        for at, ms in self.fan_ms:
            found.setdefault(int(at // SOAK_WINDOW), []).append(ms)
        return [(k * SOAK_WINDOW, len(v), _percentile(v, 0.99)) for k, v in sorted(found.items())]

    @property
    def growth(self) -> float:
        """RSS growth from the first sample (after connecting) to the last, as a fraction."""
        if len(self.rss) < 2 or not self.rss[0][1]:
            return math.nan
        return (self.rss[-1][1] - self.rss[0][1]) / self.rss[0][1]

    @property
    def growth_settled(self) -> float:
        """RSS growth from the first sample after the first save to the last, as a fraction."""
        if not 0 < self.settled < len(self.rss) - 1 or not self.rss[self.settled][1]:
            return math.nan
        first = self.rss[self.settled][1]
        return (self.rss[-1][1] - first) / first

    @property
    def p99(self) -> float:
        """The fan-out p99 over the whole soak (ms)."""
        return _percentile([ms for _, ms in self.fan_ms], 0.99)

    @property
    def delivered(self) -> int:
        return len(self.sent) * self.connected - self.missed

    @property
    def all_delivered(self) -> bool:
        """Every screen connected and stayed, and had every override and save in time."""
        return self.connected == self.screens and not (
            self.missed or self.late or self.save_misses or self.dropped
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "screens": self.screens,
            "minutes": self.minutes,
            "connected": self.connected,
            "fan_ms": self.fan_ms,
            "sent": len(self.sent),
            "missed": self.missed,
            "late": self.late,
            "saves_s": self.saves,
            "save_misses": self.save_misses,
            "dropped": self.dropped,
            "rss_kib": self.rss,
            "settled": self.settled,
        }


def soak(args: argparse.Namespace, tmp: Path, procs: Processes, node: str) -> Soak:
    """``args.soak`` minutes at ``args.soak_screens`` screens on our server: an override every
    SOAK_OVERRIDE_EVERY s and a playlist save every SOAK_SAVE_EVERY s."""
    screens = args.soak_screens
    result = Soak(screens, args.soak)
    server = SignageServer(procs, tmp, screens)
    url = f"http://127.0.0.1:{server.port}"
    processes = _client_processes(screens, args.client_processes)
    clients = _start_clients(procs, tmp, node, url, screens, processes, "soak")
    result.connected = clients.connected
    try:
        time.sleep(2.0)
        known = {str(v) for r in clients.reports() for v in r["versions"]}
        payload = _override_payload()
        began = time.monotonic()
        next_override, next_save, revision = began, began + SOAK_SAVE_EVERY, 0
        result.rss.append((0.0, _memory_kib(server.worker_pid)[0]))
        while time.monotonic() - began < args.soak * 60:
            now = time.monotonic()
            if now >= next_save:
                next_save += SOAK_SAVE_EVERY
                revision += 1
                timed = _save_once(server, clients, known, revision, SOAK_OVERRIDE_EVERY)
                if timed is None:
                    result.save_misses += 1
                else:
                    result.saves.append(timed[1] / 1000)
                if not result.settled:
                    result.rss.append((time.monotonic() - began, _memory_kib(server.worker_pid)[0]))
                    result.settled = len(result.rss) - 1
            elif now >= next_override:
                next_override += SOAK_OVERRIDE_EVERY
                emitted = server.emit(payload)
                result.sent.append(emitted.key)
                events = clients.wait_all("override", emitted.key, now + SOAK_OVERRIDE_EVERY)
                if events is None:
                    result.late += 1
                else:
                    last = max(float(e["last"]) for e in events)
                    result.fan_ms.append((now - began, last - emitted.sent_ms))
                result.rss.append((now - began, _memory_kib(server.worker_pid)[0]))
                if int((now - began) // SOAK_WINDOW) != int(
                    (now - began - SOAK_OVERRIDE_EVERY) // SOAK_WINDOW
                ):
                    # A line per window, so a soak cut short still leaves its figures.
                    window = [ms for at, ms in result.fan_ms if at >= now - began - SOAK_WINDOW]
                    _log(
                        f"  soak {(now - began) / 60:.1f} min: {len(result.sent)} overrides, "
                        f"{result.late} late, last window p99 {_percentile(window, 0.99):.0f} ms, "
                        f"RSS {result.rss[-1][1] / 1024:.1f} MiB, saves {len(result.saves)} "
                        f"({result.save_misses} missed)"
                    )
            else:
                time.sleep(min(next_override, next_save) - now)
        time.sleep(2.0)
        for r in clients.reports():
            result.dropped += int(r["dropped"])
            counts = {k: int(v["n"]) for k, v in dict(r["overrides"]).items()}
            result.missed += sum(
                max(0, int(r["connected"]) + int(r["dropped"]) - counts.get(key, 0))
                for key in result.sent
            )
    finally:
        _stop_clients(procs, clients)
        procs.stop_all()
    return result


def _spread(summary: Summary, form: str) -> str:
    """``summary`` as "median (lowest - highest)", each value written with ``form``."""
    if math.isnan(summary.median):
        return "n/a"
    return (
        f"{form.format(summary.median)} ({form.format(summary.low)} - {form.format(summary.high)})"
    )


def soak_report(results: Sequence[Soak], context: Context) -> str:
    """The soak section: each run, then the medians over the runs with their spread."""
    first = results[0]
    lines = [
        SOAK_TITLE,
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `{context.command}` "
        f"({context.seconds / 60:.1f} minutes); load average {context.load_before} before, "
        f"{context.load_after} after.",
        "",
        f"{len(results)} runs, each on a fresh server: {first.screens:,} screens, "
        f"{first.minutes:g} minutes, an override every {SOAK_OVERRIDE_EVERY:g} s and a playlist "
        f"save every {SOAK_SAVE_EVERY:g} s. *Missed* counts deliveries (screens times overrides) "
        f"that never arrived; *late* overrides not at every screen within "
        f"{SOAK_OVERRIDE_EVERY:g} s; *RSS growth* runs from the worker's RSS after the screens "
        "connected to the end, and *after the first save* from the first sample after the first "
        "save (whose `state` for every screen at once is memory the allocator keeps for the next "
        "one).",
        "",
        "| run | connected | overrides | deliveries (missed) | late | dropped | saves to last "
        "screen, median / worst | fan-out p99 | worst 5-min p99 | RSS after connecting / end "
        "| RSS growth | after the first save |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, r in enumerate(results, 1):
        windows = [p99 for _, _, p99 in r.windows()]
        saves = f"{_median(r.saves):.2f} / {max(r.saves, default=math.nan):.2f} s"
        if r.save_misses:
            saves += f" ({r.save_misses} missed)"
        memory = f"{r.rss[0][1] / 1024:.1f} / {r.rss[-1][1] / 1024:.1f} MiB" if r.rss else "n/a"
        lines.append(
            f"| {number} | {r.connected:,} | {len(r.sent)} | {r.delivered:,} ({r.missed:,}) "
            f"| {r.late} | {r.dropped} | {saves} | {_ms(r.p99)} "
            f"| {_ms(max(windows, default=math.nan))} | {memory} | {r.growth * 100:+.1f}% "
            f"| {r.growth_settled * 100:+.1f}% |"
        )
    growth = Summary.of([r.growth * 100 for r in results])
    settled = Summary.of([r.growth_settled * 100 for r in results])
    p99 = Summary.of([r.p99 for r in results])
    worst_saves = Summary.of([max(r.saves, default=math.nan) for r in results])
    lines += [
        "",
        "Medians over the runs (lowest - highest):",
        "",
        f"- deliveries missed: {sum(r.missed for r in results):,} of "
        f"{sum(len(r.sent) * r.connected for r in results):,}; late overrides: "
        f"{sum(r.late for r in results)}; connections dropped: "
        f"{sum(r.dropped for r in results)}; saves not delivered within "
        f"{SOAK_OVERRIDE_EVERY:g} s: {sum(r.save_misses for r in results)}",
        f"- fan-out p99 over the soak: {p99.cell('ms')}",
        f"- worst save to the last screen: {_spread(worst_saves, '{:.2f} s')}",
        f"- worker RSS growth: {_spread(growth, '{:+.1f}%')} (target < "
        f"{SOAK_MAX_GROWTH * 100:g}%); after the first save: {_spread(settled, '{:+.1f}%')}",
        "",
        "Fan-out p99 per 5-minute window, median over the runs (lowest - highest):",
        "",
        "| window | overrides | fan-out p99 |",
        "|---|---:|---:|",
    ]
    by_window: dict[float, list[tuple[int, float]]] = {}
    for r in results:
        for start, count, window_p99 in r.windows():
            by_window.setdefault(start, []).append((count, window_p99))
    for start, found in sorted(by_window.items()):
        count = sum(c for c, _ in found)
        cell = Summary.of([v for _, v in found]).cell("ms")
        lines.append(
            f"| {start / 60:.0f}-{(start + SOAK_WINDOW) / 60:.0f} min | {count} | {cell} |"
        )
    met = all(r.all_delivered for r in results)
    lines += [
        "",
        f"Targets: every delivery made: {'met' if met else 'NOT met'}; memory growth under "
        f"{SOAK_MAX_GROWTH * 100:g}% (median): "
        f"{'met' if growth.median < SOAK_MAX_GROWTH * 100 else 'NOT met'}.",
    ]
    return "\n".join(lines) + "\n"


def _npm_version(tmp: Path, package: str) -> str:
    with contextlib.suppress(OSError, ValueError, KeyError):
        data = json.loads((tmp / "node_modules" / package / "package.json").read_text())
        return str(data["version"])
    return "unknown"


def _node_version(node: str) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10)
        return done.stdout.strip()
    return "unknown"


def _gunicorn_setting(name: str) -> object:
    namespace: dict[str, object] = {}
    source = (ROOT / "deploy" / "gunicorn" / "signage.conf.py").read_text()
    exec(compile(source, "signage.conf.py", "exec"), namespace)
    return namespace.get(name, "?")


def _async_mode() -> str:
    source = (ROOT / "signage" / "web" / "socket.py").read_text()
    found = re.search(r'ASYNC_MODE(?:: \w+)? = "(\w+)"|async_mode="(\w+)"', source)
    if found:
        return found.group(1) or found.group(2)
    return "?"


@dataclass(frozen=True)
class Context:
    """What the report says about the run besides the figures."""

    command: str
    node: str
    tmp: Path
    args: argparse.Namespace
    load_before: str
    load_after: str
    seconds: float


def machine(context: Context) -> list[str]:
    version = importlib.metadata.version
    args = context.args
    return [
        f"- machine: nproc {len(os.sched_getaffinity(0))}, {cpu_model()}, "
        f"{platform.system()} {platform.release()}; load average "
        f"{context.load_before} before the run, {context.load_after} after",
        f"- Python {platform.python_version()}, gunicorn {version('gunicorn')}, Flask-SocketIO "
        f"{version('flask-socketio')}, python-socketio {version('python-socketio')}, "
        f"python-engineio {version('python-engineio')}, simple-websocket "
        f"{version('simple-websocket')}; Node.js {_node_version(context.node)}, socket.io "
        f"{_npm_version(context.tmp, 'socket.io')}, socket.io-client "
        f"{_npm_version(context.tmp, 'socket.io-client')}",
        "- ours: `bluezone-signage serve` as deployed (gunicorn "
        f"{_gunicorn_setting('worker_class')}, 1 worker, SIGNAGE_MAX_SCREENS = screens (at "
        "least the default 2,500); "
        f"Flask-SocketIO async_mode {_async_mode()}, screens' websockets from signage.web.fanout), "
        "fresh for each size, "
        "with a copy of `playlists/` whose screens.yaml also declares one screen per "
        "connection (groups tuy-hoa-airport and phu-yen-all, languages vi and en); the peer: "
        "a 30-line Node.js socket.io server (same rooms joined on connect, an HTTP endpoint "
        "that emits the same override to `all`), fresh too",
        f"- load: up to {SCREENS_PER_CLIENT:,} screens in one Node.js socket.io-client process, "
        f"else one per {CLIENT_SHARE:,} (at least two), websocket transport, all on 127.0.0.1 "
        "of the same machine (clients and "
        "server share the cores); each message is stamped on arrival with the wall clock; "
        f"{args.warmup} warm-up overrides, then {args.overrides} measured, one at a time, each "
        f"{args.gap:g} s after the last screen got the one before; {args.saves} playlist saves "
        "per size",
    ]


NOTES = """\
*Override to last screen* runs from the moment the HTTP request that creates the override is
sent (`POST /api/overrides` with the token; for Node, `POST /emit`) to the moment the last
screen's client handled the message; with 20 overrides, p99 is the slowest one. *From the
server's stamp* starts at the override's `starts` time, taken as it is stored (for Node, just
before `emit`).
*Server CPU* is the worker's user+system time over the broadcasts, less its idle rate (pings,
the background loop) measured just before, divided by screens x messages. *Idle CPU per
screen* is that idle rate divided by the screens, in microseconds a second (ours pings every
screen every 10 s, Node's socket.io every 25 s by default). *Memory per screen*
is the worker's RSS (and PSS) after the screens connected minus before, on a fresh server,
divided by the screens. *Playlist save* runs from the rename of an atomic save of
`bluezone.yaml` (included by every venue playlist) to the first and the last screen holding the
new catalog version from its `state` message. Node's PSS moves with the pages of the `node`
binary it shares with the load clients: read RSS."""


def report(runs: Sequence[Sequence[Result]], context: Context) -> str:
    checks = targets(runs)
    scored = [ok for ok, _ in checks if ok is not None]
    lines = [
        SECTION_TITLE,
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `{context.command}` "
        f"({context.seconds / 60:.1f} minutes).",
        "",
        *machine(context),
        "",
        f"Median of {len(runs)} run{'s' if len(runs) != 1 else ''} (lowest - highest):",
        "",
        median_table(runs),
        "",
    ]
    for number, results in enumerate(runs, 1):
        lines += [f"Run {number}:", "", table(results), ""]
    lines += [NOTES, "", f"Targets: {sum(scored)} of {len(scored)} met.", ""]
    for ok, text in checks:
        mark = "recorded" if ok is None else "met" if ok else "NOT met"
        lines.append(f"- {mark}: {text}")
    return "\n".join(lines) + "\n"


# --- entry point -----------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 200,1000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=list(SIZES),
        help="comma-separated numbers of screens (default 2000,5000,10000)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs over all sizes (or soaks, with --soak); figures are their medians",
    )
    parser.add_argument(
        "--soak",
        type=float,
        nargs="?",
        const=30.0,
        metavar="MINUTES",
        help=f"instead: a soak of MINUTES (default 30) at {SOAK_SCREENS:,} screens, an override "
        f"every {SOAK_OVERRIDE_EVERY:g} s and a playlist save every {SOAK_SAVE_EVERY:g} s",
    )
    parser.add_argument(
        "--soak-screens",
        type=int,
        default=SOAK_SCREENS,
        help=f"screens during the soak (default {SOAK_SCREENS:,})",
    )
    parser.add_argument("--overrides", type=int, default=20, help="measured overrides per size")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured overrides first")
    parser.add_argument(
        "--gap", type=float, default=0.3, help="seconds between a delivery and the next override"
    )
    parser.add_argument("--saves", type=int, default=3, help="playlist saves per size")
    parser.add_argument(
        "--client-processes",
        type=int,
        default=0,
        help=f"load-client processes (default 1 up to {SCREENS_PER_CLIENT:,} screens, else 2)",
    )
    parser.add_argument(
        "--servers", default="signage,node", help="signage, node or both (the default)"
    )
    parser.add_argument(
        "--node-modules",
        type=Path,
        help="a directory where socket.io@4 and socket.io-client@4 are installed already",
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=120.0,
        help="skip the remaining sizes once the runs have taken this long (default 120)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    parser.add_argument(
        "--from-json",
        type=Path,
        action="append",
        help="measure nothing: report the runs that --json wrote to this file (given more "
        "than once, the runs of every file together)",
    )
    parser.add_argument("--write", action="store_true", help="record the section in BENCHMARKS.md")
    return parser.parse_args(argv)


def _install_node_packages(tmp: Path, reuse: Path | None) -> None:
    """Write the two scripts and install socket.io (or link ``reuse``'s node_modules)."""
    (tmp / "client.js").write_text(CLIENT_JS)
    (tmp / "server.js").write_text(SERVER_JS)
    if reuse is not None:
        (tmp / "node_modules").symlink_to(reuse.resolve() / "node_modules")
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BenchError("npm is not installed")
    _log(f"installing {' '.join(NPM_PACKAGES)} from npm into {tmp} ...")
    argv = [npm, "install", "--prefix", str(tmp), "--no-audit", "--no-fund", "--no-save"]
    done = subprocess.run(
        [*argv, *NPM_PACKAGES], capture_output=True, text=True, timeout=300, cwd=str(tmp)
    )
    if done.returncode != 0:
        raise BenchError(f"npm install failed:\n{done.stderr[-2000:]}")


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _summary_line(r: Result) -> str:
    save = f", save to last screen {max(s[1] for s in r.saves) / 1000:.2f} s" if r.saves else ""
    return (
        f"  {r.server:<7} {r.connected:>5} screens: fan-out p50 {r.fan('from_send', 0.5):7.1f} "
        f"ms, p99 {r.fan('from_send', 0.99):7.1f} ms; CPU {r.cpu_us:5.1f} us/screen/message "
        f"(clients {r.client_cpu_us:4.1f}), idle {r.idle_us:5.1f} us/screen/s; "
        f"memory {r.rss_per_screen:5.1f} KiB/screen{save}"
    )


def run(args: argparse.Namespace, tmp: Path, procs: Processes, node: str) -> list[list[Result]]:
    """``args.runs`` runs over every size; in each, both servers back to back per size."""
    kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    if not kinds or set(kinds) - {"signage", "node"}:
        raise BenchError(f"--servers must name signage and/or node, not {args.servers!r}")
    runs: list[list[Result]] = []
    began = time.monotonic()
    for number in range(1, args.runs + 1):
        results: list[Result] = []
        for screens in args.sizes:
            if time.monotonic() - began > args.max_minutes * 60:
                _log(f"skipping {screens} screens: the runs took {args.max_minutes:g} minutes")
                continue
            for kind in kinds:
                _log(f"run {number}, {kind}: {screens} screens ... (load {_load_average()})")
                result = measure(kind, procs, tmp, node, screens, args)
                _log(_summary_line(result))
                results.append(result)
        runs.append(results)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    node = shutil.which("node")
    if node is None:
        print("node is not installed", file=sys.stderr)
        return 2
    # The server and each client process hold one descriptor per screen, and a few more.
    most = args.soak_screens if args.soak is not None else max(args.sizes)
    limit = _raise_nofile(most + 4096)
    if limit < most + 256:
        print(f"the open-files limit is {limit}: too low for {most} screens")
        return 2
    command = shlex.join(
        [".venv/bin/python", "bench/signage.py", *(sys.argv[1:] if argv is None else argv)]
    )
    load_before = _load_average()
    began = time.monotonic()
    if args.from_json is not None:
        runs = [
            [Result.from_json(r) for r in results]
            for path in args.from_json
            for results in json.loads(path.read_text())
        ]
        return _report_runs(runs, args, command, node, ROOT, load_before, load_before, 0.0)
    try:
        with workspace("bluezone-signage-bench-") as (tmp, procs):
            _install_node_packages(tmp, args.node_modules)
            if args.soak is not None:
                soaked = []
                for number in range(1, args.runs + 1):
                    _log(f"soak run {number} of {args.runs}")
                    soaked.append(soak(args, tmp, procs, node))
                    if args.json is not None:
                        # Written after every run: a long series cut short keeps what it has.
                        args.json.write_text(json.dumps([r.to_json() for r in soaked]))
            else:
                runs = run(args, tmp, procs, node)
            context = Context(
                command=command,
                node=node,
                tmp=tmp,
                args=args,
                load_before=load_before,
                load_after=_load_average(),
                seconds=time.monotonic() - began,
            )
            if args.soak is not None:
                section = soak_report(soaked, context)
            else:
                section = report(runs, context)
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; everything started was stopped", file=sys.stderr)
        return 130
    print(section)
    if args.soak is not None:
        if args.write:
            write_section(section, SOAK_TITLE)
            print(f"wrote the section to {ROOT / 'BENCHMARKS.md'}", file=sys.stderr)
        delivered = all(r.all_delivered for r in soaked)
        return 0 if delivered and _median([r.growth for r in soaked]) < SOAK_MAX_GROWTH else 1
    if args.json is not None:
        args.json.write_text(json.dumps([[r.to_json() for r in rs] for rs in runs], indent=1))
    if args.write:
        write_section(section, SECTION_TITLE)
        print(f"wrote the section to {ROOT / 'BENCHMARKS.md'}", file=sys.stderr)
    return 0 if all(ok is not False for ok, _ in targets(runs)) else 1


def _report_runs(
    runs: list[list[Result]],
    args: argparse.Namespace,
    command: str,
    node: str,
    tmp: Path,
    load_before: str,
    load_after: str,
    seconds: float,
) -> int:
    """Print (and with --write record) the report of runs read back from --from-json."""
    context = Context(command, node, tmp, args, load_before, load_after, seconds)
    section = report(runs, context)
    print(section)
    if args.write:
        write_section(section, SECTION_TITLE)
        print(f"wrote the section to {ROOT / 'BENCHMARKS.md'}", file=sys.stderr)
    return 0 if all(ok is not False for ok, _ in targets(runs)) else 1


if __name__ == "__main__":
    sys.exit(main())
