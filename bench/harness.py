"""What the benchmark scripts share: processes in their own groups, ports, /proc, the report.

Every process a benchmark starts runs in a process group of its own and is stopped with its
whole group, so a gunicorn master's workers never outlive a run.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent


class BenchError(RuntimeError):
    """The benchmark could not run, or a server misbehaved."""


@dataclass
class Started:
    """A process this run started, in its own process group."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path


@dataclass
class Processes:
    """Everything started; ``stop_all`` ends each process group by its own id."""

    items: list[Started] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        log: Path,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
        piped: bool = False,
    ) -> Started:
        """Start ``argv`` with its output in ``log`` (with ``piped``, stdin and stdout are pipes
        and only stderr goes to ``log``)."""
        handle = log.open("wb")
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE if piped else subprocess.DEVNULL,
                stdout=subprocess.PIPE if piped else handle,
                stderr=handle if piped else subprocess.STDOUT,
                env=env,
                cwd=str(cwd),
                # A process group of its own, so it can be stopped with everything it starts,
                # but the same session as the benchmark: Linux's scheduler autogroups share the
                # CPU between sessions first, so a server in a session of its own would get a
                # different share of the cores against wrk than the same server started from a
                # shell (bare Flask measured 6.6-7.0% of nginx with a session each, 7.7-8.4%
                # in one session, which is what a shell gives and what issue 2 quotes).
                process_group=0,
            )
        finally:
            handle.close()
        started = Started(name, proc, log)
        self.items.append(started)
        return started

    def stop(self, started: Started, grace: float) -> None:
        """Stop one process group now."""
        stop_group(started.proc, grace)
        if started in self.items:
            self.items.remove(started)

    def stop_all(self, grace: float = 5.0) -> None:
        """Stop every process group, the newest first."""
        for item in reversed(self.items):
            stop_group(item.proc, grace)
        self.items.clear()


def stop_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    """Stop the process group led by ``proc`` (TERM, then KILL after ``grace`` seconds)."""
    pgid = proc.pid  # process_group=0 made the child the leader of a group with its pid
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    # A gunicorn worker may outlive its master for a moment: leave nothing of the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=2.0)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_listening(started: Started, port: int, timeout: float) -> None:
    """Wait until 127.0.0.1:``port`` accepts connections; BenchError with the log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if started.proc.poll() is not None:
            tail = started.log.read_text(errors="replace")[-3000:]
            raise BenchError(f"{started.name} exited with {started.proc.returncode}:\n{tail}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            return
        time.sleep(0.1)
    raise BenchError(f"{started.name} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def children(pid: int) -> list[int]:
    """The child processes of ``pid``, from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in task.read_text().split()]
    return found


def cpu_model() -> str:
    """The processor's model name."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def nginx_head(prefix: Path, workers: str) -> str:
    """The start of a private nginx's configuration, up to the inside of its ``http`` block:
    everything it writes (pid, logs, temporary files) under ``prefix``, no access log, and
    workers running as nobody when the benchmark runs as root."""
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
"""


def write_section(section: str, title: str, path: Path = ROOT / "BENCHMARKS.md") -> None:
    """Replace the section that starts with ``title`` in ``path`` (or append it), keeping the
    rest of the file."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start = text.find(title)
    if start >= 0:
        following = re.search(r"^## ", text[start + len(title) :], re.M)
        end = start + len(title) + following.start() if following else len(text)
        text = text[:start] + section + ("\n" if following else "") + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def workspace(prefix: str) -> Iterator[tuple[Path, Processes]]:
    """A temporary directory and a process list, both cleaned up however the run ends
    (SIGTERM and Ctrl-C included)."""
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    procs = Processes()
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        try:
            yield Path(name), procs
        finally:
            procs.stop_all()
