"""What a playlist save costs the signage server and the load clients, in CPU time.

    .venv/bin/python bench/signage_saves.py [--screens 10000] [--saves 5] [--runs 3]

For each run, starts ``bluezone-signage serve`` with SCREENS screens connected as
bench/signage.py does (fresh each run, the same load clients), then saves the playlist SAVES
times the same way (temporary file, then rename), two seconds apart, and for each save reads the
worker's user and system CPU time and the load clients' CPU time (``/proc/<pid>/stat``) from
the rename to the last screen holding the new version. On a machine whose cores the clients
share with the server, the time to the last screen is at least their CPU time together over
the cores, plus the watcher's settle time (two scans ``watch_interval`` apart) before the first.

Prints each save, then the medians over all saves with the lowest and highest. Our server
only: the Node.js peer has no playlists.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BenchError, Processes, workspace
from bench.signage import (
    SignageServer,
    _client_processes,
    _clients_cpu,
    _cpu_times,
    _install_node_packages,
    _median,
    _raise_nofile,
    _save_once,
    _start_clients,
    _stop_clients,
)

# After the last screen connected: their first pings and the server's start-up work are over.
SETTLE_SECONDS = 5.0


@dataclass(frozen=True)
class Save:
    """One save: ms from the rename to the first and last screen, and CPU ms meanwhile."""

    first: float
    last: float
    user: float
    system: float
    clients: float


def measure(procs: Processes, tmp: Path, node: str, screens: int, saves: int) -> list[Save]:
    """The saves of one fresh server with ``screens`` screens."""
    server = SignageServer(procs, tmp, screens, ready_timeout=120.0)
    url = f"http://127.0.0.1:{server.port}"
    clients = _start_clients(
        procs, tmp, node, url, screens, _client_processes(screens, 0), f"saves-{screens}"
    )
    found: list[Save] = []
    try:
        time.sleep(SETTLE_SECONDS)
        known = {str(v) for report in clients.reports() for v in report["versions"]}
        for revision in range(1, saves + 1):
            user0, system0 = _cpu_times(server.worker_pid)
            clients0 = _clients_cpu(clients)
            times = _save_once(server, clients, known, revision, 30.0)
            user1, system1 = _cpu_times(server.worker_pid)
            clients1 = _clients_cpu(clients)
            if times is None:
                raise BenchError(f"save {revision} did not reach every screen within 30 s")
            found.append(
                Save(
                    times[0],
                    times[1],
                    (user1 - user0) * 1000,
                    (system1 - system0) * 1000,
                    (clients1 - clients0) * 1000,
                )
            )
            time.sleep(2.0)
    finally:
        _stop_clients(procs, clients)
        procs.stop(server.started, grace=5.0)
    return found


def _line(label: str, save: Save) -> str:
    return (
        f"{label}: first {save.first:6.0f} ms, last {save.last:6.0f} ms; CPU: worker "
        f"{save.user + save.system:5.0f} ms (user {save.user:.0f}, system {save.system:.0f}), "
        f"clients {save.clients:5.0f} ms"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--screens", type=int, default=10_000)
    parser.add_argument("--saves", type=int, default=5, help="saves per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--node-modules",
        type=Path,
        help="a directory where socket.io@4 and socket.io-client@4 are installed already",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.saves < 1 or not 1 <= args.screens <= 50_000:
        parser.error("--runs and --saves must be at least 1, --screens from 1 to 50,000")
    node = shutil.which("node")
    if node is None:
        print("node is not installed", file=sys.stderr)
        return 2
    _raise_nofile(args.screens + 4096)
    every: list[Save] = []
    try:
        with workspace("bluezone-signage-saves-") as (tmp, procs):
            _install_node_packages(tmp, args.node_modules)
            for run in range(1, args.runs + 1):
                for number, save in enumerate(measure(procs, tmp, node, args.screens, args.saves)):
                    print(_line(f"run {run}, save {number + 1}", save), flush=True)
                    every.append(save)
    except BenchError as error:
        print(f"measurement failed: {error}", file=sys.stderr)
        return 1
    print(f"\n{args.screens:,} screens, median of {len(every)} saves (lowest - highest):")
    for name in ("first", "last", "user", "system", "clients"):
        values = [getattr(save, name) for save in every]
        print(f"  {name:<8} {_median(values):6.0f} ms ({min(values):.0f} - {max(values):.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
