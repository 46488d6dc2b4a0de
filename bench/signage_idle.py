"""What the signage server spends per connected screen with no message to send.

    .venv/bin/python bench/signage_idle.py [--sizes 2000,10000] [--runs 3] [--seconds 50]

For each size and run, starts ``bluezone-signage serve`` and the Node.js socket.io peer as
bench/signage.py does (fresh each time, with the same load clients), lets the screens settle,
then reads the server process's CPU time (user + system) over SECONDS and divides it by the
screens: microseconds a second per screen. That is the pings and pongs (ours every 10 s, Node's
socket.io every 25 s by default), engine.io's checks for unanswered pings, and our background
loop (playlist watcher, presence, alerts). The default window, 50 s, holds a whole number of
both ping intervals, so each screen is pinged as often in every window; bench/signage.py's own
idle figure comes from a shorter window before its broadcasts and moves with where the pings
fall in it.

Prints the median over the runs with the lowest and highest, per server and size.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BenchError, Processes, workspace
from bench.signage import (
    NodeServer,
    SignageServer,
    _client_processes,
    _cpu_seconds,
    _install_node_packages,
    _median,
    _raise_nofile,
    _sizes,
    _start_clients,
    _stop_clients,
)

# After the last screen connected: their first pings and the server's start-up work are over.
SETTLE_SECONDS = 12.0


def idle_us(
    procs: Processes, tmp: Path, node: str, kind: str, screens: int, seconds: float
) -> float:
    """One measurement: CPU microseconds a second per screen of a fresh `kind` server."""
    server: SignageServer | NodeServer
    if kind == "signage":
        server = SignageServer(procs, tmp, screens, ready_timeout=120.0)
    else:
        server = NodeServer(procs, tmp, node, screens)
    url = f"http://127.0.0.1:{server.port}"
    clients = _start_clients(
        procs, tmp, node, url, screens, _client_processes(screens, 0), f"{kind}-{screens}"
    )
    try:
        time.sleep(SETTLE_SECONDS)
        cpu0, t0 = _cpu_seconds(server.worker_pid), time.monotonic()
        time.sleep(seconds)
        used = _cpu_seconds(server.worker_pid) - cpu0
        elapsed = time.monotonic() - t0
    finally:
        _stop_clients(procs, clients)
        procs.stop(server.started, grace=5.0)
    return used / elapsed / screens * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=_sizes, default=[2000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=50.0, help="measured window per run")
    parser.add_argument("--servers", default="signage,node", help="signage, node or both")
    parser.add_argument(
        "--node-modules",
        type=Path,
        help="a directory where socket.io@4 and socket.io-client@4 are installed already",
    )
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    if not kinds or set(kinds) - {"signage", "node"}:
        parser.error(f"--servers must name signage and/or node, not {args.servers!r}")
    if args.runs < 1 or args.seconds <= 0:
        parser.error("--runs must be at least 1 and --seconds positive")
    node = shutil.which("node")
    if node is None:
        print("node is not installed", file=sys.stderr)
        return 2
    _raise_nofile(max(args.sizes) + 4096)
    found: dict[tuple[str, int], list[float]] = {}
    try:
        with workspace("bluezone-signage-idle-") as (tmp, procs):
            _install_node_packages(tmp, args.node_modules)
            for run in range(1, args.runs + 1):
                for screens in args.sizes:
                    for kind in kinds:
                        value = idle_us(procs, tmp, node, kind, screens, args.seconds)
                        found.setdefault((kind, screens), []).append(value)
                        print(f"run {run}: {kind} {screens:,} screens: {value:.1f} us/s per screen")
    except BenchError as error:
        print(f"measurement failed: {error}", file=sys.stderr)
        return 1
    print(f"\nidle CPU per screen, median of {args.runs} (lowest - highest), {args.seconds:g} s:")
    for (kind, screens), values in sorted(found.items(), key=lambda i: (i[0][1], i[0][0])):
        name = "bluezone-signage" if kind == "signage" else "Node socket.io 4"
        print(
            f"  {screens:>6,} screens {name:<17} {_median(values):6.1f} us/s "
            f"({min(values):.1f} - {max(values):.1f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
