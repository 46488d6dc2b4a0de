"""Where the signage server's memory per screen goes, by the code that allocated it.

    .venv/bin/python bench/signage_memory.py [--screens 2000] [--frames 12] [--top 12]

Starts ``bluezone-signage serve`` as bench/signage.py does (its own copy of ``playlists/``
declaring SCREENS screens, gunicorn with ``deploy/gunicorn/signage.conf.py``), with Python's
tracemalloc on in every process (``PYTHONTRACEMALLOC=FRAMES``) and a handler that writes a
snapshot of the worker's traced memory when it is sent SIGPWR. A few screens connect and leave
first (the connection code paths loaded), a snapshot is taken, SCREENS screens connect (the
Node.js load client of bench/signage.py), and a second snapshot is taken. It prints the traced
bytes per screen between the two, in total and for the TOP places that allocated most, each
with the end of its traceback.

Tracing slows the worker and enlarges its RSS: only the traced figures mean anything here
(they leave out what is not allocated through Python's allocators, such as the kernel's socket
buffers and memory the allocator keeps free). The RSS per screen is bench/signage.py's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, BenchError, children, workspace
from bench.signage import (
    SignageServer,
    _install_node_packages,
    _memory_kib,
    _raise_nofile,
    _start_clients,
    _stop_clients,
)

# Installed in every process of the server through PYTHONPATH: on SIGPWR, a snapshot of the
# traced memory goes to $BENCH_SNAPSHOT_DIR/<n>.bin, then an empty <n>.done says it is whole.
HOOK = """\
import os, signal, tracemalloc

def _snapshot(signum, frame):
    folder = os.environ["BENCH_SNAPSHOT_DIR"]
    number = len([n for n in os.listdir(folder) if n.endswith(".done")])
    tracemalloc.take_snapshot().dump(os.path.join(folder, f"{number}.bin"))
    open(os.path.join(folder, f"{number}.done"), "w").close()

if os.environ.get("BENCH_SNAPSHOT_DIR"):
    signal.signal(signal.SIGPWR, _snapshot)
"""


def _snapshot(pid: int, folder: Path, number: int, timeout: float = 300.0) -> tracemalloc.Snapshot:
    os.kill(pid, signal.SIGPWR)
    done = folder / f"{number}.done"
    deadline = time.monotonic() + timeout
    while not done.exists():
        if time.monotonic() > deadline:
            raise BenchError(f"the worker wrote no snapshot within {timeout:.0f} s")
        time.sleep(0.2)
    return tracemalloc.Snapshot.load(str(folder / f"{number}.bin"))


def report(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, screens: int, top: int
) -> str:
    """The traced bytes per screen from `before` to `after`, in total and by allocation site."""
    stats = after.compare_to(before, "traceback")
    total = sum(s.size_diff for s in stats)
    lines = [f"traced memory per screen: {total / screens / 1024:.1f} KiB", ""]
    for stat in stats[:top]:
        lines.append(
            f"{stat.size_diff / screens:7.0f} B per screen, "
            f"{stat.count_diff / screens:4.1f} blocks, allocated in:"
        )
        lines += [f"      {line}" for line in stat.traceback.format()[-6:]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--screens", type=int, default=2000)
    parser.add_argument("--frames", type=int, default=12, help="traceback depth traced")
    parser.add_argument("--top", type=int, default=12, help="allocation sites shown")
    parser.add_argument(
        "--node-modules",
        type=Path,
        help="a directory where socket.io@4 and socket.io-client@4 are installed already",
    )
    args = parser.parse_args(argv)
    node = shutil.which("node")
    if node is None:
        print("node is not installed", file=sys.stderr)
        return 2
    _raise_nofile(args.screens + 4096)
    try:
        with workspace("bluezone-signage-memory-") as (tmp, procs):
            _install_node_packages(tmp, args.node_modules)
            hooks, snapshots = tmp / "hooks", tmp / "snapshots"
            hooks.mkdir()
            snapshots.mkdir()
            (hooks / "sitecustomize.py").write_text(HOOK)
            server = SignageServer(
                procs,
                tmp,
                args.screens,
                extra_env={
                    "PYTHONTRACEMALLOC": str(args.frames),
                    "BENCH_SNAPSHOT_DIR": str(snapshots),
                    # The hook first, then the checkout (as SignageServer sets it).
                    "PYTHONPATH": f"{hooks}{os.pathsep}{ROOT}",
                },
                ready_timeout=120.0,
            )
            url = f"http://127.0.0.1:{server.port}"
            workers = children(server.started.proc.pid)
            warm = _start_clients(procs, tmp, node, url, 5, 1, "warm")
            _stop_clients(procs, warm)
            time.sleep(1.0)
            before = _snapshot(workers[0], snapshots, 0)
            rss_before = _memory_kib(workers[0])[0]
            clients = _start_clients(procs, tmp, node, url, args.screens, 2, "all")
            time.sleep(2.0)
            after = _snapshot(workers[0], snapshots, 1)
            rss_after = _memory_kib(workers[0])[0]
            _stop_clients(procs, clients)
    except BenchError as error:
        print(f"measurement failed: {error}", file=sys.stderr)
        return 1
    print(f"{args.screens:,} screens, tracebacks of {args.frames} frames")
    print(report(before, after, args.screens, args.top))
    print(
        f"\n(RSS under tracing, for the record only: {(rss_after - rss_before) / args.screens:.1f}"
        " KiB per screen)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
