"""The shipped nginx files, rendered for a test and run by a private nginx.

`render` changes only what a test must change (the nodes' ports, the listening addresses, the
certificate) and fails when a line it expects is gone from the shipped file, so the tests
always check the files a deployment copies, never a copy of them. `Nginx` runs them under a
main file of its own: its prefix, pid, logs and temporary folders in a test folder, nothing
of the system's nginx touched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy" / "nginx"
PORTAL_CLUSTER = DEPLOY / "portal-cluster.conf"
SIGNAGE_CLUSTER = DEPLOY / "signage.conf"

#: The nodes as the shipped files list them (ports of the templated systemd units).
PORTAL_NODES = ("127.0.0.1:8081", "127.0.0.1:8082")
SIGNAGE_NODES = ("127.0.0.1:8001", "127.0.0.1:8002")


@dataclass(frozen=True)
class Ports:
    """Where the rendered nginx listens and where it finds the nodes."""

    portal_http: int
    portal_https: int
    signage_http: int
    signage_https: int
    portal_nodes: Sequence[int]
    signage_nodes: Sequence[int]


def render(text: str, replacements: Mapping[str, str], name: str) -> str:
    """``text`` with each key of ``replacements`` replaced; a key that does not occur means
    the shipped file changed under the test: fail, naming it."""
    for old, new in replacements.items():
        if old not in text:
            raise AssertionError(f"{name} no longer has {old!r}: update tests/nginx.py")
        text = text.replace(old, new)
    return text


def _tls(certificate: Path, key: Path, certificate_line: str, key_line: str) -> dict[str, str]:
    return {certificate_line: f"{certificate};", key_line: f"{key};"}


def portal_config(ports: Ports, certificate: Path, key: Path) -> str:
    """deploy/nginx/portal-cluster.conf for ``ports``, on loopback, with the test certificate."""
    nodes = dict(zip(PORTAL_NODES, ports.portal_nodes, strict=True))
    return render(
        PORTAL_CLUSTER.read_text(),
        {
            **{f"server {old} ": f"server 127.0.0.1:{new} " for old, new in nodes.items()},
            "listen 443 ssl;": f"listen 127.0.0.1:{ports.portal_https} ssl;",
            "listen [::]:443 ssl;": "",
            "listen 80;": f"listen 127.0.0.1:{ports.portal_http};",
            "listen [::]:80;": "",
            **_tls(
                certificate,
                key,
                "/etc/letsencrypt/live/portal.example.vn/fullchain.pem;",
                "/etc/letsencrypt/live/portal.example.vn/privkey.pem;",
            ),
        },
        PORTAL_CLUSTER.name,
    )


def signage_config(ports: Ports, certificate: Path, key: Path) -> str:
    """deploy/nginx/signage.conf for ``ports``, on loopback, with the test certificate."""
    nodes = dict(zip(SIGNAGE_NODES, ports.signage_nodes, strict=True))
    return render(
        SIGNAGE_CLUSTER.read_text(),
        {
            **{f"server {old} ": f"server 127.0.0.1:{new} " for old, new in nodes.items()},
            "listen 443 ssl;": f"listen 127.0.0.1:{ports.signage_https} ssl;",
            "listen 80;": f"listen 127.0.0.1:{ports.signage_http};",
            **_tls(
                certificate,
                key,
                "/etc/ssl/certs/signage.local.pem;",
                "/etc/ssl/private/signage.local.key;",
            ),
        },
        SIGNAGE_CLUSTER.name,
    )


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (also what clients trust)."""
    cert, key = folder / "test.pem", folder / "test.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


class Nginx:
    """A private nginx serving ``sites`` (http-level files) from ``prefix``."""

    def __init__(self, binary: str, prefix: Path, sites: Mapping[str, str]) -> None:
        self.binary = binary
        self.prefix = prefix
        self.config = prefix / "nginx.conf"
        self.error_log = prefix / "error.log"
        self.access_log = prefix / "access.log"
        self.process: subprocess.Popen[bytes] | None = None
        temporary = prefix / "temp"
        temporary.mkdir(parents=True, exist_ok=True)
        includes = []
        for name, text in sites.items():
            (prefix / name).write_text(text)
            includes.append(f"    include {prefix / name};")
        paths = "\n".join(
            f"    {kind}_temp_path {temporary / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root root;\n" if os.geteuid() == 0 else ""
        self.config.write_text(
            f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\n"
            f"error_log {self.error_log} info;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            # Which node served each request: tests read it (`requests`).
            "    log_format upstream '$remote_addr \"$request\" $status $upstream_addr';\n"
            f"    access_log {self.access_log} upstream;\n{paths}\n" + "\n".join(includes) + "\n}\n"
        )

    def command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", str(self.prefix), "-e", str(self.error_log),
                "-c", str(self.config), *extra]  # fmt: skip

    def check(self) -> subprocess.CompletedProcess[str]:
        """``nginx -t``: the syntax and the files it names, without binding any port."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)

    def start(self) -> None:
        """Run in the foreground of a process of its own (stopped by `stop`)."""
        log = (self.prefix / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            self.command("-g", "daemon off;"),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def requests(self, fragment: str) -> list[tuple[int, str]]:
        """The status and node (``host:port``, several when nginx tried more than one) of
        every finished request whose request line contains ``fragment``, oldest first."""
        found = []
        if self.access_log.exists():
            for line in self.access_log.read_text(errors="replace").splitlines():
                _, _, rest = line.partition(' "')
                request, _, tail = rest.rpartition('" ')
                if fragment in request:
                    status, _, node = tail.partition(" ")
                    found.append((int(status), node))
        return found

    def log_text(self) -> str:
        parts = []
        for name in ("stdout.log", "error.log"):
            path = self.prefix / name
            if path.exists():
                parts.append(f"--- nginx {name} ---\n{path.read_text(errors='replace')}")
        return "\n".join(parts)

    def stop(self) -> None:
        """Quick shutdown (SIGTERM), then kill if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        # Workers left behind by a killed master.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
