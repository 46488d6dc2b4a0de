"""Benchmark the captive portal under gunicorn against nginx serving the same bytes.

One run, on 127.0.0.1 only:

1. starts the real portal (``bluezone-portal serve``, i.e. gunicorn with
   ``deploy/gunicorn/portal.conf.py``) on a free port with a throwaway database and secret;
2. fetches the rendered Vietnamese splash page from it and starts a private nginx instance
   (its own prefix, config, pid file and logs in a temporary directory, ``daemon off``) that
   serves that page as a static file and an empty 204, with the portal's headers;
3. starts the reference, a bare Flask app answering the same two requests with the same
   bytes under the same gunicorn settings (``bench/bareflask.py``; issue 2 quotes such an app
   at about 8% of nginx on this machine);
4. runs ``wrk --latency`` against all three at 64 and 256 connections: the splash page first
   (while the loopback client has no session, so the portal answers with the splash page),
   then grants the loopback client access and measures the Android probe's 204;
5. sums the RSS and PSS of the gunicorn master and its workers after the load;
6. prints a Markdown table and the targets of issue 2, and with ``--write`` records the
   section in BENCHMARKS.md with the machine and the command.

Every process it starts runs in its own process group (in the benchmark's session, as from a
shell; see bench/harness.py) and is stopped on exit, on an error and on Ctrl-C. Run it with
the project's virtualenv: ``.venv/bin/python bench/portal.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import html
import importlib.metadata
import os
import platform
import re
import resource
import secrets
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
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
    Started,
    children,
    cpu_model,
    free_port,
    nginx_head,
    wait_listening,
    workspace,
    write_section,
)

NGINX = "/usr/sbin/nginx"
WRK = "/usr/bin/wrk"
PROBE_HOST = "connectivitycheck.gstatic.com"
PROBE_PATH = "/generate_204"
SPLASH_LANG = "vi"
SECTION_TITLE = "## Captive portal against nginx (bench/portal.py)"

# Targets from issue 2.
MIN_RATIO = 0.12
MAX_P99_MS_AT_64 = 50.0
MAX_PORTAL_MB = 100.0


# --- HTTP checks with urllib ------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")


def _fetch(port: int, path: str, headers: dict[str, str], data: bytes | None = None) -> Reply:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return Reply(response.status, list(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, list(error.headers.items()), error.read())


def _check_splash(reply: Reply, what: str) -> None:
    text = reply.body.decode("utf-8", "replace")
    if (
        reply.status != 200
        or f'<html lang="{SPLASH_LANG}"' not in text
        or 'name="token"' not in text
    ):
        raise BenchError(f"{what}: expected the {SPLASH_LANG} splash page, got {reply.status}")
    if "Bluezone" not in text:
        raise BenchError(f"{what}: the splash page does not mention Bluezone")


def _check_204(reply: Reply, what: str) -> None:
    if reply.status != 204 or reply.body:
        raise BenchError(
            f"{what}: expected an empty 204, got {reply.status} ({len(reply.body)} bytes)"
        )


def _grant_loopback(port: int) -> None:
    """Accept the terms as 127.0.0.1, the way a phone does: GET / then POST /accept."""
    page = _fetch(port, "/", {"Host": "127.0.0.1", "Accept-Language": SPLASH_LANG})
    _check_splash(page, "portal GET / before the grant")
    found = re.search(rb'name="token" value="([^"]+)"', page.body)
    if not found:
        raise BenchError("no accept token in the splash page")
    form = urllib.parse.urlencode(
        {"token": html.unescape(found.group(1).decode()), "lang": SPLASH_LANG}
    )
    answer = _fetch(
        port,
        "/accept",
        {"Host": "127.0.0.1", "Content-Type": "application/x-www-form-urlencoded"},
        form.encode(),
    )
    if answer.status != 303:
        raise BenchError(f"POST /accept answered {answer.status}, expected 303")


# --- nginx -----------------------------------------------------------------------------------

_SKIP_HEADERS = {
    "content-length",
    "content-type",
    "date",
    "server",
    "connection",
    "transfer-encoding",
}


def _nginx_conf(
    prefix: Path, port: int, workers: str, splash_headers: list[tuple[str, str]]
) -> str:
    def add(headers: list[tuple[str, str]]) -> str:
        lines = []
        for name, value in headers:
            if name.lower() not in _SKIP_HEADERS:
                escaped = value.replace("\\", "\\\\").replace('"', '\\"')
                lines.append(f'            add_header {name} "{escaped}" always;')
        return "\n".join(lines)

    return (
        nginx_head(prefix, workers)
        + f"""    server_tokens off;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/www;
        location = {PROBE_PATH} {{
            add_header Cache-Control "no-store" always;
            return 204;
        }}
        location = /splash.html {{
            types {{ }}
            default_type "text/html; charset=utf-8";
{add(splash_headers)}
        }}
    }}
}}
"""
    )


def _start_nginx(
    procs: Processes, tmp: Path, workers: str, splash: bytes, splash_headers: list[tuple[str, str]]
) -> tuple[int, int]:
    prefix = tmp / "nginx"
    (prefix / "www").mkdir(parents=True)
    (prefix / "www" / "splash.html").write_bytes(splash)
    # nginx workers run as nobody when this runs as root: let them read the page.
    for path in (tmp, prefix, prefix / "www"):
        path.chmod(0o755)
    (prefix / "www" / "splash.html").chmod(0o644)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(_nginx_conf(prefix, port, workers, splash_headers))
    argv = [NGINX, "-p", f"{prefix}/", "-c", str(conf), "-e", str(prefix / "error.log")]
    started = procs.start("nginx", argv, prefix / "stdout.log")
    wait_listening(started, port, 30.0)
    return port, started.proc.pid


# --- portal ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalSettings:
    """How to start the portal; ``None`` keeps the deploy config's value."""

    workers: int | None
    threads: int | None
    worker_class: str | None

    @property
    def overridden(self) -> bool:
        return self.threads is not None or self.worker_class is not None

    def describe(self) -> str:
        cfg = _deploy_settings()
        workers = self.workers or cfg.get("workers", "?")
        worker_class = self.worker_class or cfg.get("worker_class", "?")
        threads = self.threads or cfg.get("threads", "?")
        if worker_class == "sync":
            return f"gunicorn {worker_class}, {workers} workers"
        return f"gunicorn {worker_class}, {workers} workers x {threads} threads"


def _deploy_settings() -> dict[str, object]:
    """The plain values of deploy/gunicorn/portal.conf.py."""
    namespace: dict[str, object] = {}
    source = (ROOT / "deploy" / "gunicorn" / "portal.conf.py").read_text()
    exec(compile(source, "portal.conf.py", "exec"), namespace)
    return {k: v for k, v in namespace.items() if not k.startswith("__")}


def _start_portal(procs: Processes, tmp: Path, settings: PortalSettings) -> tuple[Started, int]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        PORTAL_PORTAL_URL=f"http://127.0.0.1:{port}",
        PORTAL_DATABASE=str(tmp / "portal.sqlite3"),
        PORTAL_SECRET_KEY=secrets.token_urlsafe(32),
        PORTAL_MAC_LOOKUP="false",
        PORTAL_EVENT_FLUSH_SECONDS="5",
    )
    env.pop("PORTAL_CONFIG", None)
    bindir = Path(sys.executable).parent
    bind = f"127.0.0.1:{port}"
    if settings.overridden:
        # The same config file, with command-line overrides (they win over the file).
        argv = [
            str(bindir / "gunicorn"),
            "--config",
            str(ROOT / "deploy" / "gunicorn" / "portal.conf.py"),
        ]
        argv += ["--bind", bind]
        if settings.workers:
            argv += ["--workers", str(settings.workers)]
        if settings.threads:
            argv += ["--threads", str(settings.threads)]
        if settings.worker_class:
            argv += ["--worker-class", settings.worker_class]
        argv.append("portal.wsgi:app")
    else:
        argv = [str(bindir / "bluezone-portal"), "serve", "--bind", bind]
        if settings.workers:
            argv += ["--workers", str(settings.workers)]
    started = procs.start("portal", argv, tmp / "portal.log", env=env)
    wait_listening(started, port, 30.0)
    return started, port


def _start_bare_flask(procs: Processes, tmp: Path, splash: bytes) -> tuple[Started, int]:
    """The reference (bench/bareflask.py) under the portal's gunicorn settings."""
    port = free_port()
    page = tmp / "reference-splash.html"
    page.write_bytes(splash)
    env = dict(os.environ, BENCH_SPLASH_FILE=str(page))
    argv = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(ROOT / "deploy" / "gunicorn" / "portal.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "bench.bareflask:app",
    ]
    started = procs.start("bare-flask", argv, tmp / "bare-flask.log", env=env)
    wait_listening(started, port, 30.0)
    return started, port


def _tree_cpu(pid: int) -> float:
    """User plus system CPU seconds used so far by ``pid`` and its children."""
    total = 0
    for one in (pid, *children(pid)):
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(f"/proc/{one}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def _rollup(pid: int) -> tuple[int, int]:
    """RSS and PSS of ``pid`` in KiB, from /proc/<pid>/smaps_rollup."""
    values = {"Rss:": 0, "Pss:": 0}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts and parts[0] in values:
            values[parts[0]] = int(parts[1])
    return values["Rss:"], values["Pss:"]


@dataclass(frozen=True)
class Memory:
    processes: int
    rss_kib: int
    pss_kib: int


def _portal_memory(master: int) -> Memory:
    pids = [master, *children(master)]
    rss = pss = 0
    for pid in pids:
        one_rss, one_pss = _rollup(pid)
        rss += one_rss
        pss += one_pss
    return Memory(len(pids), rss, pss)


# --- wrk -------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not found:
        raise BenchError(f"cannot read the latency {text!r}")
    return float(found.group(1)) * _UNITS[found.group(2)]


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_status: int
    socket_errors: int
    cpu_us: float = 0.0  # CPU time of the server's processes per request, in microseconds
    others: float = 0.0  # share of the machine's CPU used by neither the server nor wrk


def _parse_wrk(output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise BenchError(f"cannot read wrk's output:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        requests=int(total.group(1)),
        bad_status=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def _wrk(
    procs: Processes,
    tmp: Path,
    port: int,
    path: str,
    headers: Sequence[str],
    connections: int,
    threads: int,
    seconds: float,
    server_pid: int,
) -> WrkResult:
    argv = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    for header in headers:
        argv += ["-H", header]
    argv.append(f"http://127.0.0.1:{port}{path}")
    log = tmp / "wrk.out"
    cpu_before = _tree_cpu(server_pid)
    machine_before = _machine_cpu()
    children_before = _children_cpu()
    started = procs.start("wrk", argv, log)
    try:
        started.proc.wait(timeout=seconds + 30)
    finally:
        procs.stop(started, grace=1.0)
    cpu = _tree_cpu(server_pid) - cpu_before
    busy, total = (
        after - before for after, before in zip(_machine_cpu(), machine_before, strict=True)
    )
    wrk_cpu = _children_cpu() - children_before  # wrk is the only child reaped meanwhile
    output = log.read_text(errors="replace")
    if started.proc.returncode != 0:
        raise BenchError(f"wrk failed ({started.proc.returncode}):\n{output}")
    result = _parse_wrk(output)
    return dataclasses.replace(
        result,
        cpu_us=cpu / max(result.requests, 1) * 1e6,
        others=max(0.0, busy - cpu - wrk_cpu) / total if total > 0 else 0.0,
    )


def _machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine has spent busy, and in all, from /proc/stat."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


def _children_cpu() -> float:
    """CPU seconds of this process's children that have been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wait_quiet(until: float, idle_enough: float = 0.8) -> float:
    """Wait (until ``until``) for a moment when the machine is mostly idle; its busy share."""
    while True:
        before = _machine_cpu()
        time.sleep(0.5)
        busy, total = (a - b for a, b in zip(_machine_cpu(), before, strict=True))
        share = busy / total if total > 0 else 0.0
        if share <= 1 - idle_enough or time.monotonic() >= until:
            return share


# --- the run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    path_nginx: str
    path_portal: str
    headers_portal: tuple[str, ...]


SPLASH = Case(
    "splash",
    f"splash page ({SPLASH_LANG})",
    "/splash.html",
    "/",
    ("Host: 127.0.0.1", f"Accept-Language: {SPLASH_LANG}"),
)
PROBE = Case(
    "probe",
    "probe 204 (granted)",
    PROBE_PATH,
    PROBE_PATH,
    (f"Host: {PROBE_HOST}",),
)


@dataclass(frozen=True)
class Row:
    case: Case
    connections: int
    nginx: WrkResult
    portal: WrkResult
    flask: WrkResult  # the bare Flask reference (bench/bareflask.py)

    @property
    def ratio(self) -> float:
        return self.portal.rps / self.nginx.rps if self.nginx.rps else 0.0

    @property
    def flask_ratio(self) -> float:
        return self.flask.rps / self.nginx.rps if self.nginx.rps else 0.0


@dataclass
class Outcome:
    rows: list[Row]
    memory: Memory
    splash_bytes: int
    settings: str
    wrk_threads: int
    nginx_workers: str
    seconds: float
    load: tuple[float, float]  # 1-minute load average before and after


@dataclass(frozen=True)
class Server:
    """A server under test: where it listens and the pid of its master process."""

    port: int
    pid: int


def _spare_until(args: argparse.Namespace, case: Case) -> float:
    """Until when waiting for a quiet machine and measuring again still fit in the budget."""
    trio = 3 * float(args.duration) + 3
    warmups = 0 if case is PROBE else 3 * float(args.warmup) + 3  # the probe's is done by now
    return float(args.deadline) - int(args.trios_left) * trio - warmups - 10


def _measure_case(
    procs: Processes,
    tmp: Path,
    case: Case,
    servers: tuple[Server, Server, Server],
    args: argparse.Namespace,
) -> list[Row]:
    nginx, portal, flask = servers
    targets = (
        (nginx, case.path_nginx, ()),
        (portal, case.path_portal, case.headers_portal),
        (flask, case.path_portal, ()),
    )
    if args.warmup > 0:
        for server, path, headers in targets:
            _wrk(
                procs,
                tmp,
                server.port,
                path,
                headers,
                args.connections[0],
                args.wrk_threads,
                args.warmup,
                server.pid,
            )
    rows = []
    for connections in args.connections:
        best: tuple[WrkResult, ...] | None = None
        for attempt in range(1 + args.retries):
            _wait_quiet(min(time.monotonic() + 15, _spare_until(args, case)))
            # nginx, the portal and the reference back to back, so all three see the same
            # state of a shared machine.
            trio = tuple(
                _wrk(
                    procs,
                    tmp,
                    server.port,
                    path,
                    headers,
                    connections,
                    args.wrk_threads,
                    args.duration,
                    server.pid,
                )
                for server, path, headers in targets
            )
            assert len(trio) == 3
            disturbed = max(r.others for r in trio)
            if best is None or disturbed < max(r.others for r in best):
                best = trio
            if disturbed <= args.max_others:
                break
            if time.monotonic() + 3 * args.duration + 3 > _spare_until(args, case):
                break
            print(
                f"  {case.title} c={connections}: other work used {disturbed:.0%} of the CPU "
                f"during attempt {attempt + 1}; measuring again",
                file=sys.stderr,
                flush=True,
            )
        assert best is not None
        nginx_result, portal_result, flask_result = best
        args.trios_left -= 1
        for who, result in (
            ("nginx", nginx_result),
            ("portal", portal_result),
            ("bare Flask", flask_result),
        ):
            if result.bad_status:
                raise BenchError(
                    f"{who} {case.title} at {connections}: {result.bad_status} non-2xx/3xx"
                )
        row = Row(case, connections, nginx_result, portal_result, flask_result)
        rows.append(row)
        print(
            f"  {case.title:<20} c={connections:<4} nginx {nginx_result.rps:>9,.0f} req/s "
            f"{nginx_result.cpu_us:5.1f} us CPU/req | portal {portal_result.rps:>7,.0f} req/s "
            f"{portal_result.cpu_us:5.1f} us CPU/req p99 {portal_result.p99_ms:6.1f} ms "
            f"| {row.ratio:.1%} | bare Flask {row.flask_ratio:.1%} | other work "
            f"{max(r.others for r in best):.0%}",
            file=sys.stderr,
            flush=True,
        )
    return rows


def run(args: argparse.Namespace, tmp: Path, procs: Processes) -> Outcome:
    load_before = os.getloadavg()[0]
    settings = PortalSettings(args.workers, args.threads, args.worker_class)
    print(f"starting the portal ({settings.describe()}) ...", file=sys.stderr, flush=True)
    portal, portal_port = _start_portal(procs, tmp, settings)
    language = {"Host": "127.0.0.1", "Accept-Language": SPLASH_LANG}
    page = _fetch(portal_port, "/", language)
    _check_splash(page, "portal GET /")
    # Before the grant, the probe must be intercepted (a 302 to the splash page).
    before = _fetch(portal_port, PROBE_PATH, {"Host": PROBE_HOST})
    if before.status != 302:
        raise BenchError(f"the probe answered {before.status} before the grant, expected 302")

    nginx_port, nginx_pid = _start_nginx(procs, tmp, args.nginx_workers, page.body, page.headers)
    served = _fetch(nginx_port, "/splash.html", {})
    if served.body != page.body or served.header("Content-Type") != page.header("Content-Type"):
        raise BenchError("nginx does not serve the portal's splash page byte for byte")
    _check_204(_fetch(nginx_port, PROBE_PATH, {}), "nginx 204")

    flask, flask_port = _start_bare_flask(procs, tmp, page.body)
    _check_204(_fetch(flask_port, PROBE_PATH, {}), "bare Flask 204")
    servers = (
        Server(nginx_port, nginx_pid),
        Server(portal_port, portal.proc.pid),
        Server(flask_port, flask.proc.pid),
    )
    print(
        f"nginx on :{nginx_port}, portal on :{portal_port}; measuring ...",
        file=sys.stderr,
        flush=True,
    )
    # The splash page first: once 127.0.0.1 is granted, GET / shows the "online" page instead.
    rows = _measure_case(procs, tmp, SPLASH, servers, args)
    _check_splash(_fetch(portal_port, "/", language), "portal GET / after the load")

    _grant_loopback(portal_port)
    _check_204(
        _fetch(portal_port, PROBE_PATH, {"Host": PROBE_HOST}), "portal probe after the grant"
    )
    rows += _measure_case(procs, tmp, PROBE, servers, args)
    _check_204(_fetch(portal_port, PROBE_PATH, {"Host": PROBE_HOST}), "portal probe after the load")

    memory = _portal_memory(portal.proc.pid)
    if portal.proc.poll() is not None:
        raise BenchError("the portal exited during the run")
    return Outcome(
        rows=rows,
        memory=memory,
        splash_bytes=len(page.body),
        settings=settings.describe(),
        wrk_threads=args.wrk_threads,
        nginx_workers=args.nginx_workers,
        seconds=args.duration,
        load=(load_before, os.getloadavg()[0]),
    )


# --- report ----------------------------------------------------------------------------------


def _mib(kib: int) -> float:
    return kib / 1024


def targets(outcome: Outcome) -> list[tuple[bool, str]]:
    checks: list[tuple[bool, str]] = []
    for row in outcome.rows:
        checks.append(
            (
                row.ratio >= MIN_RATIO,
                f"{row.case.title} at {row.connections} connections: {row.ratio:.1%} of nginx "
                f"(target >= {MIN_RATIO:.0%})",
            )
        )
    for row in outcome.rows:
        if row.connections == 64:
            checks.append(
                (
                    row.portal.p99_ms < MAX_P99_MS_AT_64,
                    f"{row.case.title} p99 at 64 connections: {row.portal.p99_ms:.1f} ms "
                    f"(target < {MAX_P99_MS_AT_64:.0f} ms)",
                )
            )
    pss = _mib(outcome.memory.pss_kib)
    rss = _mib(outcome.memory.rss_kib)
    checks.append(
        (
            pss < MAX_PORTAL_MB,
            f"portal memory: PSS {pss:.1f} MiB (RSS sum {rss:.1f} MiB) "
            f"(target < {MAX_PORTAL_MB:.0f} MB)",
        )
    )
    return checks


def table(outcome: Outcome) -> str:
    lines = [
        "| case | conns | nginx req/s | nginx p50 | nginx p99 | nginx CPU/req "
        "| portal req/s | portal p50 | portal p99 | portal CPU/req | portal/nginx req/s "
        "| nginx/portal CPU per req | bare Flask req/s | bare Flask/nginx | other work |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in outcome.rows:
        n, p = row.nginx, row.portal
        cpu_ratio = n.cpu_us / p.cpu_us if p.cpu_us else 0.0
        lines.append(
            f"| {row.case.title} | {row.connections} "
            f"| {n.rps:,.0f} | {n.p50_ms:.2f} ms | {n.p99_ms:.2f} ms | {n.cpu_us:.1f} us "
            f"| {p.rps:,.0f} | {p.p50_ms:.2f} ms | {p.p99_ms:.2f} ms | {p.cpu_us:.1f} us "
            f"| **{row.ratio:.1%}** | {cpu_ratio:.1%} | {row.flask.rps:,.0f} "
            f"| {row.flask_ratio:.1%} | {max(n.others, p.others, row.flask.others):.0%} |"
        )
    mem = outcome.memory
    lines += [
        "",
        "| portal memory after the load | RSS | PSS |",
        "|---|---:|---:|",
        f"| gunicorn master + {mem.processes - 1} workers, summed | {_mib(mem.rss_kib):.1f} MiB "
        f"| {_mib(mem.pss_kib):.1f} MiB |",
    ]
    return "\n".join(lines)


def _tool_version(argv: list[str]) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=5)
        text = (done.stdout + done.stderr).strip().splitlines()
        return text[0] if text else "unknown"
    return "unknown"


def machine() -> list[str]:
    return [
        f"- CPU: {os.cpu_count()} x {cpu_model()} (nproc {len(os.sched_getaffinity(0))})",
        f"- kernel: {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, gunicorn {importlib.metadata.version('gunicorn')}, "
        f"Flask {importlib.metadata.version('flask')}",
        f"- {_tool_version([NGINX, '-v'])}; wrk {_tool_version([WRK, '-v']).split()[1]}",
    ]


def report(outcome: Outcome, command: str) -> str:
    checks = targets(outcome)
    passed = sum(ok for ok, _ in checks)
    lines = [
        SECTION_TITLE,
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `{command}`.",
        "",
        *machine(),
        f"- portal: {outcome.settings}, preload (deploy/gunicorn/portal.conf.py); "
        f"nginx: worker_processes {outcome.nginx_workers}, access log off; "
        f"wrk -t{outcome.wrk_threads} --latency, {outcome.seconds:g} s per run after a warm-up; "
        "all on 127.0.0.1 of the same machine, so the load generator shares the cores. "
        "Every process runs in the benchmark's own session, as when started from one shell "
        "(with a session each, Linux's scheduler autogroups change how the two cores are shared "
        "between a server and wrk: bare Flask measured 6.6-7.0% of nginx that way, 7.7-8.4% "
        "in one session).",
        "- reference: a bare Flask app (bench/bareflask.py) answering the same two requests "
        "with the same bytes under the same gunicorn settings, measured back to back with "
        "nginx and the portal; issue 2 quotes such an app at about 8% of nginx here.",
        f"- same bytes: nginx serves the portal's rendered Vietnamese splash page "
        f"({outcome.splash_bytes:,} bytes, same Content-Type and headers) as a static file, and an "
        "empty 204 with `Cache-Control: no-store`. The portal fills a fresh signed accept token "
        "into its per-language cached page on every request and counts the view; the probe is "
        f"`GET {PROBE_PATH}` with `Host: {PROBE_HOST}` from a client with a session "
        "(looked up in SQLite, then remembered until any process changes a session, at most 2 s).",
        f"- 1-minute load average {outcome.load[0]:.2f} before the run and "
        f"{outcome.load[1]:.2f} after it. The cores are shared with whatever else runs: "
        "before each trio of runs the script waits (at most 15 s) for an idle moment, "
        '"other work" is the share of all CPU '
        "time used by neither the server nor wrk during the runs (from /proc/stat), and a trio "
        "above the threshold is measured again (the least disturbed one is kept). CPU/req is "
        "the server's own CPU time (all its processes) per answered request: it moves much "
        "less than req/s when the machine is shared.",
        "- every answer counted was a 2xx (wrk's non-2xx/3xx count is checked to be 0); "
        "wrk socket errors (connect, read, write, timeout): nginx "
        f"{sum(r.nginx.socket_errors for r in outcome.rows)}, portal "
        f"{sum(r.portal.socket_errors for r in outcome.rows)}.",
        "",
        table(outcome),
        "",
        "PSS divides each page shared by several processes among them (the preloaded app is "
        "shared copy-on-write by the workers), so it is the honest figure for the whole "
        "portal; the RSS sum counts the shared pages once per process.",
        "",
        f"Targets (issue 2): {passed} of {len(checks)} met.",
        "",
        *[f"- {'PASS' if ok else 'FAIL'}: {text}" for ok, text in checks],
    ]
    return "\n".join(lines) + "\n"


# --- entry point -----------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per case")
    parser.add_argument(
        "--connections",
        type=lambda s: [int(c) for c in s.split(",")],
        default=[64, 256],
        help="comma-separated connection counts (first is also used for the warm-up)",
    )
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--nginx-workers", default="2", help="nginx worker_processes (default 2)")
    parser.add_argument("--workers", type=int, help="override gunicorn workers")
    parser.add_argument("--threads", type=int, help="override gunicorn threads (gthread)")
    parser.add_argument("--worker-class", help="override the gunicorn worker class (e.g. sync)")
    parser.add_argument(
        "--max-others",
        type=float,
        default=0.10,
        help="measure a trio again when other work took more than this share of the CPU",
    )
    parser.add_argument("--retries", type=int, default=2, help="at most this many times")
    parser.add_argument(
        "--budget",
        type=float,
        default=330.0,
        help="seconds the whole run may take: waiting and measuring again stop in time",
    )
    parser.add_argument("--write", action="store_true", help="record the section in BENCHMARKS.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    args.deadline = time.monotonic() + args.budget
    args.trios_left = 2 * len(args.connections)
    for tool in (NGINX, WRK):
        if not shutil.which(tool):
            print(f"{tool} is not installed", file=sys.stderr)
            return 2
    command = shlex.join(
        [".venv/bin/python", "bench/portal.py", *(sys.argv[1:] if argv is None else argv)]
    )
    try:
        with workspace("bluezone-bench-") as (tmp, procs):
            outcome = run(args, tmp, procs)
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; everything started was stopped", file=sys.stderr)
        return 130
    section = report(outcome, command)
    print(section)
    if args.write:
        write_section(section, SECTION_TITLE)
        print(f"wrote the section to {ROOT / 'BENCHMARKS.md'}", file=sys.stderr)
    return 0 if all(ok for ok, _ in targets(outcome)) else 1


if __name__ == "__main__":
    sys.exit(main())
