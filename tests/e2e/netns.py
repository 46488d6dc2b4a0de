"""Network namespaces for end-to-end tests: a guest LAN, a gateway and an "internet".

:class:`Namespace` wraps one named namespace (``ip netns``). Programs run in it with
``ip netns exec``; the test process itself reaches into it with :meth:`Namespace.call`, which
runs a function on a thread that has entered the namespace (``setns``), so sockets the
function opens live there. A socket keeps its namespace for life, whichever thread uses it.

:func:`build` wires three namespaces like a venue:

    client (eth0) ── (lan0) gateway (wan0) ── (eth0) internet

Addresses are only ever 10.77.0.0/24, 10.88.0.0/24, fd77::/64 and fd88::/64, inside these
namespaces; forwarding is on only in the gateway, and the internet has no route back to the
guest LAN (the gateway must masquerade).
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

CLONE_NEWNET = 0x40000000

CLIENT_MAC = "02:77:00:00:00:10"
CLIENT_IF = "eth0"
LAN_IF = "lan0"
WAN_IF = "wan0"
INTERNET_IF = "eth0"

CLIENT_V4 = "10.77.0.10"
GATEWAY_LAN_V4 = "10.77.0.1"
GATEWAY_WAN_V4 = "10.88.0.1"
INTERNET_V4 = "10.88.0.2"
GARDEN_V4 = "10.88.0.53"  # a second internet address, for the walled garden
CLIENT_V6 = "fd77::10"
GATEWAY_LAN_V6 = "fd77::1"
GATEWAY_WAN_V6 = "fd88::1"
INTERNET_V6 = "fd88::2"
GARDEN_V6 = "fd88::53"

_libc = ctypes.CDLL(None, use_errno=True)


def _enter(path: str) -> None:
    """Move the calling thread into the network namespace at ``path``."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"setns {path}: {os.strerror(errno)}")
    finally:
        os.close(fd)


def _run(argv: Sequence[str], timeout: float = 15.0, check: bool = True) -> str:
    done = subprocess.run(
        list(argv), capture_output=True, text=True, timeout=timeout, check=False, stdin=None
    )
    if check and done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited with {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done.stdout + (done.stderr if done.returncode else "")


@dataclass
class Process:
    """A program started in a namespace, with the file its output goes to."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM; if it lingers, SIGKILL to its process group (it leads one).

        The group is signalled only while the leader is not yet reaped, so its id is still ours.
        """
        if self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout)

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"


@dataclass
class Namespace:
    """One named network namespace."""

    name: str
    _pool: concurrent.futures.ThreadPoolExecutor | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        return f"/run/netns/{self.name}"

    def create(self) -> None:
        _run(["ip", "netns", "add", self.name])
        self.ip("link", "set", "lo", "up")

    def delete(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if os.path.exists(self.path):
            _run(["ip", "netns", "del", self.name], check=False)

    def ip(self, *args: str) -> str:
        """Run ``ip -n NAME ARGS``."""
        return _run(["ip", "-n", self.name, *args])

    def argv(self, argv: Iterable[str]) -> list[str]:
        """``argv`` prefixed so that it runs inside this namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def run(
        self,
        argv: Sequence[str],
        timeout: float = 15.0,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a program in the namespace and wait for it (output captured as text)."""
        done = subprocess.run(
            self.argv(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv)} in {self.name} exited with {done.returncode}:\n"
                f"{done.stdout}{done.stderr}"
            )
        return done

    def start(
        self, name: str, argv: Sequence[str], log: Path, env: dict[str, str] | None = None
    ) -> Process:
        """Start a program in the namespace, in its own process group, output to ``log``."""
        with log.open("ab") as out:
            popen = subprocess.Popen(
                self.argv(argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        return Process(name, popen, log)

    def sysctl(self, **values: int) -> None:
        """Set ``net.*`` sysctls of this namespace (dots written as ``__``)."""
        settings = [f"{key.replace('__', '.')}={value}" for key, value in values.items()]
        self.run(["sysctl", "-q", "-w", *settings])

    def call(self, function: Callable[..., T], *args: object, timeout: float = 30.0) -> T:
        """Run ``function(*args)`` on a thread inside this namespace and return its result."""
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=4,
                thread_name_prefix=f"netns-{self.name}",
                initializer=_enter,
                initargs=(self.path,),
            )
        return self._pool.submit(function, *args).result(timeout)

    def wait_for_port(
        self, host: str, port: int, process: Process | None = None, deadline: float = 20.0
    ) -> None:
        """Wait until ``host:port`` (as seen from this namespace) accepts connections."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if process is not None and not process.alive():
                raise AssertionError(
                    f"{process.name} exited with {process.popen.returncode}:\n{process.output()}"
                )
            if self.call(can_connect, host, port, 0.3):
                return
            time.sleep(0.1)
        log = process.output() if process is not None else ""
        raise AssertionError(f"nothing listens on {host}:{port} in {self.name}:\n{log}")


def can_connect(host: str, port: int, timeout: float) -> bool:
    """Whether a TCP connection to ``host:port`` is accepted within ``timeout``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class Topology:
    """The three namespaces of one test run."""

    client: Namespace
    gateway: Namespace
    internet: Namespace

    @property
    def all(self) -> tuple[Namespace, Namespace, Namespace]:
        return (self.client, self.gateway, self.internet)

    def delete(self) -> None:
        for namespace in self.all:
            namespace.delete()


def _veth(left: Namespace, left_if: str, right: Namespace, right_if: str) -> None:
    peer = ["peer", "name", right_if, "netns", right.name]
    _run(["ip", "link", "add", left_if, "netns", left.name, "type", "veth", *peer])


def build(tag: str) -> Topology:
    """Create and wire the namespaces ``bzc-TAG``, ``bzg-TAG`` and ``bzi-TAG``.

    On any failure everything created so far is deleted before the error propagates.
    """
    topology = Topology(Namespace(f"bzc-{tag}"), Namespace(f"bzg-{tag}"), Namespace(f"bzi-{tag}"))
    client, gateway, internet = topology.all
    try:
        for namespace in topology.all:
            namespace.create()
        _veth(client, CLIENT_IF, gateway, LAN_IF)
        _veth(gateway, WAN_IF, internet, INTERNET_IF)
        client.ip("link", "set", CLIENT_IF, "address", CLIENT_MAC)
        # nodad: addresses usable at once instead of "tentative" for a second or two.
        for namespace, interface, addresses in (
            (client, CLIENT_IF, [f"{CLIENT_V4}/24", f"{CLIENT_V6}/64"]),
            (gateway, LAN_IF, [f"{GATEWAY_LAN_V4}/24", f"{GATEWAY_LAN_V6}/64"]),
            (gateway, WAN_IF, [f"{GATEWAY_WAN_V4}/24", f"{GATEWAY_WAN_V6}/64"]),
            (
                internet,
                INTERNET_IF,
                [f"{INTERNET_V4}/24", f"{GARDEN_V4}/24", f"{INTERNET_V6}/64", f"{GARDEN_V6}/64"],
            ),
        ):
            for address in addresses:
                extra = ["nodad"] if ":" in address else []
                namespace.ip("address", "add", address, "dev", interface, *extra)
            namespace.ip("link", "set", interface, "up")
        client.ip("route", "add", "default", "via", GATEWAY_LAN_V4)
        client.ip("-6", "route", "add", "default", "via", GATEWAY_LAN_V6)
        gateway.sysctl(net__ipv4__ip_forward=1, net__ipv6__conf__all__forwarding=1)
        client.sysctl(net__ipv4__ip_forward=0, net__ipv6__conf__all__forwarding=0)
        internet.sysctl(net__ipv4__ip_forward=0, net__ipv6__conf__all__forwarding=0)
    except BaseException:
        topology.delete()
        raise
    return topology
