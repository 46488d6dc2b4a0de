"""Benchmark the portal on one node (SQLite, then PostgreSQL) against two nodes on PostgreSQL.

One run, on 127.0.0.1 only, repeated ``--runs`` times (the report gives the median and the
spread of each figure):

1. starts a private PostgreSQL cluster (as `tests/postgresql.py` does for the tests: its own
   folder, a Unix socket, durability off);
2. for each arrangement, one portal node on SQLite, one node on PostgreSQL, and two nodes on
   one PostgreSQL database, starts the nodes (``bluezone-portal serve``, the deploy gunicorn
   settings) and a private nginx in front of them (an upstream of the node or both nodes,
   keep-alive, passing ``X-Forwarded-For`` to nodes that trust it), so that every arrangement
   pays for the same proxy;
3. measures with ``wrk --latency`` the splash page (a client without a session) and the
   Android probe's 204 (a client with one), each client named by ``X-Forwarded-For``;
4. measures the grant: ``POST /accept`` of new clients one after another (each with the token
   of its own splash page), and reports its p99;
5. on PostgreSQL, fills the database up to 10,000 sessions and measures the grant again.

The machine has two cores. Each portal node is pinned with ``taskset`` to a core of its own (node
A to CPU 0, node B to CPU 1; the single node to CPU 0), while wrk, nginx and PostgreSQL are not
pinned and run wherever there is room. The two-node arrangement thus has twice the portal
cores of the one-node arrangements, but shares them with the load generator, the proxy and the
database, which the single node leaves a whole core to: the ratio shown understates what two
nodes on machines of their own would give, and says nothing about network round trips to a
database on another machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import http.client
import os
import platform
import re
import secrets
import shlex
import shutil
import statistics
import sys
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script (bench/NAME.py): make the repository importable, as `python -m` does.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    ROOT,
    BenchError,
    Processes,
    cpu_model,
    free_port,
    nginx_head,
    wait_listening,
    workspace,
    write_section,
)
from bench.portal import NGINX, PROBE_HOST, PROBE_PATH, WRK, WrkResult, _tree_cpu, _wrk
from bluezone.storage.database import Database, close_pools
from tests.postgresql import Cluster, bindir, runner

SECTION_TITLE = "## Portal nodes: SQLite, PostgreSQL, two nodes (bench/portal_nodes.py)"
TASKSET = "/usr/bin/taskset"
SECRET = secrets.token_urlsafe(32)
PREFILL = 10_000
MAX_GRANT_P99_MS = 20.0
MIN_TWO_NODE_RATIO = 1.6


@dataclass(frozen=True)
class Arrangement:
    key: str
    title: str
    nodes: int
    engine: str


ARRANGEMENTS = (
    Arrangement("sqlite", "1 node, SQLite", 1, "sqlite"),
    Arrangement("pg", "1 node, PostgreSQL", 1, "postgresql"),
    Arrangement("pg2", "2 nodes, PostgreSQL", 2, "postgresql"),
)


@dataclass(frozen=True)
class Load:
    """One wrk run, and the CPU the portal nodes and PostgreSQL spent per request meanwhile."""

    wrk: WrkResult
    portal_us: float
    database_us: float

    @property
    def rps(self) -> float:
        return self.wrk.rps


@dataclass(frozen=True)
class Figures:
    splash: Load
    probe: Load
    grant_p99_ms: float
    grant_p99_full_ms: float | None  # at PREFILL sessions (PostgreSQL only)


def _nginx(procs: Processes, tmp: Path, ports: list[int]) -> int:
    prefix = tmp / f"nginx-{len(ports)}-{ports[0]}"
    prefix.mkdir(parents=True)
    port = free_port()
    upstream = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
    conf = prefix / "nginx.conf"
    conf.write_text(
        nginx_head(prefix, "1")
        + f"""    upstream portal {{
{upstream}
        keepalive 128;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://portal;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""
    )
    argv = [NGINX, "-p", f"{prefix}/", "-c", str(conf), "-e", str(prefix / "error.log")]
    started = procs.start("nginx", argv, prefix / "stdout.log")
    wait_listening(started, port, 30.0)
    return port


def _node(procs: Processes, tmp: Path, database: str, cpu: int, name: str) -> tuple[int, int]:
    """Start a portal node pinned to ``cpu``: its port and its gunicorn master's pid (taskset
    and ``bluezone-portal serve`` exec into it)."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        PORTAL_PORTAL_URL="http://127.0.0.1",
        PORTAL_DATABASE=database,
        PORTAL_SECRET_KEY=SECRET,
        PORTAL_MAC_LOOKUP="false",
        PORTAL_TRUSTED_PROXIES="127.0.0.1",
        PORTAL_EVENT_FLUSH_SECONDS="5",
    )
    env.pop("PORTAL_CONFIG", None)
    bindir_ = Path(sys.executable).parent
    argv = [TASKSET, "-c", str(cpu), str(bindir_ / "bluezone-portal"), "serve"]
    argv += ["--bind", f"127.0.0.1:{port}"]
    started = procs.start(name, argv, tmp / f"{name}-{port}.log", env=env)
    wait_listening(started, port, 60.0)
    return port, started.proc.pid


def _request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str | None = None,
) -> tuple[int, bytes]:
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def _grant(connection: http.client.HTTPConnection, client: str) -> float:
    """Accept as ``client`` (its splash page, then its POST); seconds the POST took."""
    headers = {"Host": "127.0.0.1", "X-Forwarded-For": client}
    status, page = _request(connection, "GET", "/", headers)
    found = re.search(rb'name="token" value="([^"]+)"', page)
    if status != 200 or not found:
        raise BenchError(f"GET / as {client} answered {status} without an accept token")
    form = urllib.parse.urlencode({"token": html.unescape(found.group(1).decode()), "lang": "vi"})
    post = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    start = time.perf_counter()
    status, _ = _request(connection, "POST", "/accept", post, form)
    took = time.perf_counter() - start
    if status != 303:
        raise BenchError(f"POST /accept as {client} answered {status}, expected 303")
    return took


def _grant_p99(port: int, first: int, count: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        times = [_grant(connection, _address(first + n)) for n in range(count)]
    finally:
        connection.close()
    return statistics.quantiles(times, n=100)[98] * 1000


def _address(n: int) -> str:
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def _prefill(url: str, count: int) -> None:
    """Bring the sessions table to ``count`` unexpired rows."""
    database = Database.from_url(url)
    until = int(time.time()) + 86400
    with database.transaction() as db:
        have = int(db.execute("SELECT count(*) FROM sessions").fetchone()[0])
        db.executemany(
            "INSERT INTO sessions (client_hash, venue, granted_at, expires_at) "
            "VALUES (?, 'bench', ?, ?) ON CONFLICT (client_hash) DO NOTHING",
            [(secrets.token_hex(16), until - 86400, until) for _ in range(count - have)],
        )
    close_pools()


def _measure(
    procs: Processes,
    tmp: Path,
    arrangement: Arrangement,
    cluster: Cluster,
    args: argparse.Namespace,
) -> Figures:
    if arrangement.engine == "sqlite":
        database = str(tmp / f"portal-{secrets.token_hex(4)}.sqlite3")
    else:
        database = cluster.new_database()
    names = [f"{arrangement.key}-a", f"{arrangement.key}-b"][: arrangement.nodes]
    before = list(procs.items)
    try:
        nodes = [_node(procs, tmp, database, cpu, name) for cpu, name in enumerate(names)]
        port = _nginx(procs, tmp, [node_port for node_port, _ in nodes])
        # A client with a session for the probe, a client without one for the splash page.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        _grant(connection, "10.255.0.1")
        connection.close()
        postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])

        def run(path: str, headers: Sequence[str]) -> Load:
            portal = sum(_tree_cpu(pid) for _, pid in nodes)
            server = _tree_cpu(postmaster)
            result = _wrk(
                procs, tmp, port, path, headers, args.connections, 2, args.duration, os.getpid()
            )
            requests = max(result.requests, 1)
            portal = sum(_tree_cpu(pid) for _, pid in nodes) - portal
            server = _tree_cpu(postmaster) - server if arrangement.engine != "sqlite" else 0.0
            if result.bad_status or result.socket_errors:
                raise BenchError(f"{arrangement.title}: {path}: errors under load")
            return Load(result, portal / requests * 1e6, server / requests * 1e6)

        probe_headers = (f"Host: {PROBE_HOST}", "X-Forwarded-For: 10.255.0.1")
        run(PROBE_PATH, probe_headers)  # warm-up: every worker connects and loads its pages
        splash = run("/", ("Host: 127.0.0.1", "X-Forwarded-For: 10.255.0.2"))
        probe = run(PROBE_PATH, probe_headers)
        grant = _grant_p99(port, 1, args.grants)
        full = None
        if arrangement.engine == "postgresql" and arrangement.nodes == 1:
            _prefill(database, PREFILL)
            full = _grant_p99(port, 100_000, args.grants)
        return Figures(splash, probe, grant, full)
    finally:
        for item in [i for i in procs.items if i not in before]:
            procs.stop(item, grace=5.0)
        if arrangement.engine == "postgresql":
            cluster.drop_database(database)


def _median(values: list[float]) -> str:
    middle = statistics.median(values)
    return f"{middle:,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def _median_ms(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def report(results: dict[str, list[Figures]], command: str, load: tuple[float, float]) -> str:
    lines = [
        SECTION_TITLE,
        "",
        f"`{command}` on {cpu_model()} ({os.cpu_count()} cores), Python "
        f"{platform.python_version()}, {dt.date.today().isoformat()}; 1-minute load average "
        f"{load[0]:.2f} before, {load[1]:.2f} after (other work was running on the machine "
        "when the load before is above 0.5).",
        "",
        "Each node pinned to a core of its own with `taskset -c 0` / `taskset -c 1` (the single "
        "node on CPU 0); wrk, nginx (one worker, in front of every arrangement) and PostgreSQL "
        "unpinned. Median of the runs, with the lowest and highest in brackets.",
        "",
        "| arrangement | splash req/s | probe req/s | probe p99 ms | probe CPU us/req, portal "
        f"| probe CPU us/req, PostgreSQL | grant p99 ms | grant p99 ms at {PREFILL:,} sessions |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for arrangement in ARRANGEMENTS:
        runs = results[arrangement.key]
        full = [f.grant_p99_full_ms for f in runs if f.grant_p99_full_ms is not None]
        lines.append(
            f"| {arrangement.title} | {_median([f.splash.rps for f in runs])} "
            f"| {_median([f.probe.rps for f in runs])} "
            f"| {_median_ms([f.probe.wrk.p99_ms for f in runs])} "
            f"| {_median([f.probe.portal_us for f in runs])} "
            f"| {_median([f.probe.database_us for f in runs])} "
            f"| {_median_ms([f.grant_p99_ms for f in runs])} "
            f"| {_median_ms(full) if full else '-'} |"
        )
    lines += ["", "Two nodes against one, both on PostgreSQL:", ""]
    for what in ("splash", "probe"):
        pairs = list(zip(results["pg"], results["pg2"], strict=True))
        measured = [getattr(two, what).rps / getattr(one, what).rps for one, two in pairs]
        # Each node on a core of its own: a node's rate is 1e6 / (its CPU per request), so two
        # nodes give 2 * c1 / c2 times one node's, c2 being the portal CPU per request when
        # two nodes share the work (it grows if the nodes slow each other down).
        capacity = [
            2 * getattr(one, what).portal_us / getattr(two, what).portal_us for one, two in pairs
        ]
        lines.append(
            f"- {what}: measured {statistics.median(measured):.2f}x "
            f"({min(measured):.2f}-{max(measured):.2f}x); from the portal CPU per request, "
            f"with a core per node and the database elsewhere, "
            f"{statistics.median(capacity):.2f}x ({min(capacity):.2f}-{max(capacity):.2f}x); "
            f"target {MIN_TWO_NODE_RATIO}x"
        )
    lines += ["", *NOTE]
    return "\n".join(lines) + "\n"


NOTE = (
    "What this arrangement can show: whether two nodes slow each other down (they share only",
    "the database), from the portal CPU each request costs; whether a grant stays fast with",
    f"{PREFILL:,} sessions; what asking PostgreSQL on every probe costs against SQLite's",
    "remembered answers. What it cannot show: the rate of two machines. Pinning keeps each",
    "node on its core but does not keep anything else off it: wrk, nginx and PostgreSQL",
    "(unpinned) take their share of the same two cores, more of it when two nodes keep both",
    "cores busy than when one node leaves a core to them, and so does any other work on the",
    "machine; the measured ratio is therefore a floor, the CPU-derived one the ceiling for",
    "nodes on machines of their own with the database on a third.",
)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="repeat everything this many times")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--grants", type=int, default=300, help="grants timed per arrangement")
    parser.add_argument("--write", action="store_true", help="record the section in BENCHMARKS.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    for tool in (NGINX, WRK, TASKSET):
        if not shutil.which(tool):
            print(f"{tool} is not installed", file=sys.stderr)
            return 2
    command = shlex.join(
        [".venv/bin/python", "bench/portal_nodes.py", *(sys.argv[1:] if argv is None else argv)]
    )
    results: dict[str, list[Figures]] = {a.key: [] for a in ARRANGEMENTS}
    load_before = os.getloadavg()[0]
    try:
        with workspace("bluezone-bench-nodes-") as (tmp, procs):
            binaries = bindir()
            cluster = Cluster(str(binaries / "initdb"), str(binaries / "pg_ctl"), runner())
            try:
                for _ in range(args.runs):
                    for arrangement in ARRANGEMENTS:
                        results[arrangement.key].append(
                            _measure(procs, tmp, arrangement, cluster, args)
                        )
            finally:
                close_pools()
                cluster.stop()
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; everything started was stopped", file=sys.stderr)
        return 130
    section = report(results, command, (load_before, os.getloadavg()[0]))
    print(section)
    if args.write:
        write_section(section, SECTION_TITLE)
        print(f"wrote the section to {ROOT / 'BENCHMARKS.md'}", file=sys.stderr)
    full = [f.grant_p99_full_ms or 0.0 for f in results["pg"]]
    return 0 if statistics.median(full) < MAX_GRANT_P99_MS else 1


if __name__ == "__main__":
    sys.exit(main())
