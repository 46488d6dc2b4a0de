"""A province on one machine, for the end-to-end test: the department's centre and a venue box.

The centre is what README's "A province" describes, with the shipped files: PostgreSQL (the
suite's private cluster, one database per service), a real redis-server, nginx running
deploy/nginx/portal-cluster.conf and deploy/nginx/signage.conf (rendered for test ports by
`tests.nginx`), two signage nodes and (when a test asks for them) two portal nodes under
gunicorn, each node with its own folder and port and all of a service's nodes reading one
settings file and one set of secrets, as the templated systemd units do. The venue box is a
portal on its own SQLite file that reports to the centre through nginx over HTTPS.

Every process is started here and stopped by `Province.close`, also when a test fails; the
logs of all of them are what `Province.logs` prints then.
"""

from __future__ import annotations

import contextlib
import csv
import http.cookiejar
import io
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bluezone.storage.database import Database
from signage.live.enrollment import EnrollmentStore
from tests.conftest import ARTIFACTS, ROOT, free_port, wait_for_port
from tests.nginx import Nginx, Ports, certificate, portal_config, signage_config
from tests.postgresql import Cluster
from tests.signage.serverkit import make_playlists, stop_group

PASSWORD = "mật khẩu của sở 2026"
SCRYPT_N = 1024
API_TOKEN = "province-override-token-0123456789"
STATS_TOKEN = "province-stats-token-0123456789"
CENTRAL_VENUE = "so-tttt"
BOX_VENUE = "tuyhoa-bus"
#: Seconds between two reports of the venue box (`report_interval`).
REPORT_INTERVAL = 2
VENUE_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
PROBE_HOST = "connectivitycheck.gstatic.com"


@dataclass
class Node:
    """One service process (gunicorn) with its own folder, port and log."""

    name: str
    folder: Path
    port: int
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / f"{self.name}.log"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                self.command,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.folder,
                start_new_session=True,
            )
        wait_for_port(self.process, "127.0.0.1", self.port, self.log, deadline=60)

    def kill(self) -> None:
        """Kill the node at once, gunicorn's master and worker (as a crash or a power cut)."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)

    def log_text(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
        return f"--- {self.name} ---\n{text}"

    def cli(self, program: str, *args: str, stdin: str = "") -> str:
        """``program ARGS`` (``bluezone-signage`` or ``bluezone-portal``) with this node's
        settings, in its folder, as an operator on that machine runs it; its standard output.
        """
        done = subprocess.run(
            [str(Path(sys.executable).parent / program), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.folder,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{program} {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout


def established(port: int) -> int:
    """How many TCP connections to the local ``port`` are established right now (screens'
    websockets through nginx; nginx keeps no idle connection to the signage nodes)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01":
            count += 1
    return count


class Uplink:
    """A venue box's link to the centre: a TCP relay on a loopback port that passes bytes to
    ``target`` (nginx's HTTPS port; TLS goes through untouched) while it is up, and while it is
    down accepts and drops every connection at once, counting them: the box's sends fail as
    over a dead line, and the test sees that the box kept trying."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.up = True
        self.refused = 0
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                inbound, _ = self._listener.accept()
            except OSError:
                return
            try:
                outbound = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                inbound.close()
                continue
            outbound.settimeout(None)
            with self._lock:  # a `cut` is either before (refused) or after (ended by it)
                if not self.up:
                    self.refused += 1
                    inbound.close()
                    outbound.close()
                    continue
                self._open += [inbound, outbound]
            for source, sink in ((inbound, outbound), (outbound, inbound)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def cut(self) -> None:
        """Down: open connections (a kept-alive one too) end, new ones are dropped."""
        with self._lock:
            self.up = False
            ending, self._open = self._open, []
        for end in ending:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        self.cut()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy ``source`` to ``sink`` until either side ends; then end both."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


class Client:
    """An HTTP client with its own cookies, trusting the test certificate: an operator's
    browser without JavaScript, or the test's own requests."""

    def __init__(self, certificate: Path) -> None:
        context = ssl.create_default_context(cafile=str(certificate))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            urllib.request.HTTPSHandler(context=context),
        )

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> tuple[int, str, bytes]:
        """Status, final URL and body of a GET (4xx and 5xx answered, not raised)."""
        return self.send(urllib.request.Request(url, headers=dict(headers or {})))

    def post(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> tuple[int, str, bytes]:
        data = urllib.parse.urlencode(form).encode()
        return self.send(urllib.request.Request(url, data, headers=dict(headers or {})))

    def send(self, request: urllib.request.Request) -> tuple[int, str, bytes]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl(), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read()

    def sign_in(self, base: str, name: str, password: str = PASSWORD) -> str:
        """Sign in to the console at ``base``; the page the sign-in lands on."""
        _, _, page = self.get(f"{base}/console/login")
        found = re.search(rb'<meta name="csrf-token" content="([^"]+)"', page)
        assert found, page.decode(errors="replace")
        form = {"name": name, "password": password, "csrf_token": found.group(1).decode()}
        status, landed, body = self.post(f"{base}/console/login", form)
        assert status == 200 and urllib.parse.urlsplit(landed).path.rstrip("/") == "/console", (
            landed,
            body.decode(errors="replace")[:2000],
        )
        return body.decode()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to the caller: a probe's 302 is its answer."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def ask(
    url: str, headers: Mapping[str, str], form: Mapping[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """One request, redirects not followed: status, headers and body."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data, headers=dict(headers))
    opener = urllib.request.build_opener(NoRedirects())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def visit(portal: str, address: str, lang: str = "vi") -> None:
    """A phone at ``address`` (sent as nginx would, in X-Forwarded-For) opens the splash page
    of the portal at ``portal`` and taps accept: one view and one accept counted."""
    headers = {"X-Forwarded-For": address, "User-Agent": ANDROID}
    status, _, page = ask(f"{portal}/?lang={lang}", headers)
    assert status == 200, page[:2000]
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token, page[:2000]
    status, _, page = ask(f"{portal}/accept", headers, {"token": token.group(1), "lang": lang})
    assert status == 303, page[:2000]


def probe(portal: str, address: str) -> int:
    """An Android connectivity check from ``address``: 204 when it is online, 302 when not."""
    headers = {"Host": PROBE_HOST, "X-Forwarded-For": address, "User-Agent": ANDROID}
    status, _, _ = ask(f"{portal}/generate_204", headers)
    return status


ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126 Mobile"


def venue_counts(csv_bytes: bytes, venue: str) -> tuple[int, ...] | None:
    """The figures of ``venue`` in the results' venues CSV (views, accepts, store clicks, QR
    scans), or None when it has no row."""
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    for row in rows[1:]:
        if row and row[0] == venue:
            return tuple(int(cell) for cell in row[1:5])
    return None


def results_period() -> str:
    """The query of the results of yesterday and today (the venue's days)."""
    today = datetime.now(VENUE_TIMEZONE).date()
    return f"from={today - timedelta(days=1)}&to={today}"


@dataclass
class Province:
    """The centre and a venue box (see the module docstring). Portal nodes and the box start
    when a test first asks for them (`portals`, `start_box`)."""

    folder: Path
    cluster: Cluster
    redis_url: str
    nginx_binary: str
    ports: Ports = field(init=False)
    nginx: Nginx = field(init=False)
    signage: list[Node] = field(default_factory=list)
    portal_nodes: list[Node] = field(default_factory=list)
    box: Node | None = None
    uplink: Uplink | None = None
    databases: list[str] = field(default_factory=list)
    certificate: Path = field(init=False)

    def __post_init__(self) -> None:
        self.ports = Ports(
            portal_http=free_port(),
            portal_https=free_port(),
            signage_http=free_port(),
            signage_https=free_port(),
            portal_nodes=(free_port(), free_port()),
            signage_nodes=(free_port(), free_port()),
        )
        self.certificate, key = certificate(self.folder)
        self.nginx = Nginx(
            self.nginx_binary,
            self.folder / "nginx",
            {
                "portal-cluster.conf": portal_config(self.ports, self.certificate, key),
                "signage.conf": signage_config(self.ports, self.certificate, key),
            },
        )
        self.playlists = make_playlists(self.folder / "shared" / "playlists")

    # -- addresses ------------------------------------------------------------------------

    @property
    def signage_http(self) -> str:
        """Where screens connect: nginx's plain-http signage server."""
        return f"http://127.0.0.1:{self.ports.signage_http}"

    @property
    def signage_https(self) -> str:
        """The console, the APIs and the venue boxes' `report_url`: nginx over HTTPS."""
        return f"https://127.0.0.1:{self.ports.signage_https}"

    @property
    def portal_https(self) -> str:
        return f"https://127.0.0.1:{self.ports.portal_https}"

    # -- starting -------------------------------------------------------------------------

    def start_centre(self) -> None:
        """PostgreSQL databases, nginx and the two signage nodes."""
        self.signage_database = self.cluster.new_database()
        self.databases.append(self.signage_database)
        self.portal_database = self.cluster.new_database()
        self.databases.append(self.portal_database)
        self.start_nginx()
        settings = self.folder / "etc" / "signage.yaml"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(
            f"playlists_dir: {json.dumps(str(self.playlists))}\n"
            f"database: {json.dumps(str(self.signage_database))}\n"
            f"message_queue: {json.dumps(str(self.redis_url))}\n"
            f"portal_url: {json.dumps(str(self.portal_https))}\n"
            f"portal_stats_url: {json.dumps(str(self.portal_https))}\n"
            # The test also signs in on a node directly, over plain http.
            "cookie_secure: false\n"
            "proxy_count: 1\n"
            f"password_scrypt_n: {SCRYPT_N}\n"
            "watch_interval: 0.2\n",
            encoding="utf-8",
        )
        env = {
            **_clean_environment(),
            "SIGNAGE_CONFIG": str(settings),
            "SIGNAGE_SECRET_KEY": "province-signage-secret-key-0123456789-abcdef",
            "SIGNAGE_API_TOKEN": API_TOKEN,
            "SIGNAGE_PORTAL_STATS_TOKEN": STATS_TOKEN,
            "SIGNAGE_MAX_SCREENS": "200",
            # The console reads the central portal's figures through nginx over HTTPS.
            "SSL_CERT_FILE": str(self.certificate),
        }
        self._start_nodes("signage", self.ports.signage_nodes, env, self.signage)

    def portals(self) -> list[Node]:
        """The two central portal nodes (started at the first call)."""
        if self.portal_nodes:
            return self.portal_nodes
        settings = self.folder / "etc" / "portal.yaml"
        settings.write_text(
            "venue_name: Sở Thông tin và Truyền thông Phú Yên\n"
            f"venue_id: {CENTRAL_VENUE}\n"
            f"portal_url: {json.dumps(str(self.portal_https))}\n"
            "trusted_proxies: [127.0.0.1]\n"
            "mac_lookup: false\n"
            f"database: {json.dumps(str(self.portal_database))}\n"
            "event_flush_seconds: 0\n"
            "venues:\n"
            "  airport:\n"
            "    name: Sân bay Tuy Hòa\n"
            "    controller: meraki\n"
            "    grant_hosts: [127.0.0.1]\n",
            encoding="utf-8",
        )
        env = {
            **_clean_environment(),
            "PORTAL_CONFIG": str(settings),
            "PORTAL_SECRET_KEY": "province-portal-secret-key-0123456789-abcdef",
            "PORTAL_STATS_TOKEN": STATS_TOKEN,
        }
        self._start_nodes("portal", self.ports.portal_nodes, env, self.portal_nodes)
        return self.portal_nodes

    def _start_nodes(
        self, service: str, ports: Sequence[int], env: dict[str, str], into: list[Node]
    ) -> None:
        """Nodes ``<service>-a``, ``-b``... on ``ports``, each in its own folder under var/ (as
        the templated units' /var/lib/bluezone-<service>/<port>), all with ``env``, started and
        added to ``into`` (before they start, so that `close` stops one that never listened).
        """
        for letter, port in zip("abcdefgh", ports, strict=False):
            name = f"{service}-{letter}"
            node = Node(name, self.folder / "var" / name, port, _command(service, port), env)
            into.append(node)
            node.start()

    def start_box(self, token: str) -> Node:
        """The venue box: a portal on its own SQLite file, reporting with ``token`` to the
        centre's signage side through nginx (HTTPS, trusting the centre's certificate), over
        its `uplink`, which the test can cut."""
        assert self.box is None
        self.uplink = Uplink(self.ports.signage_https)
        folder = self.folder / "box"
        folder.mkdir(parents=True)
        port = free_port()
        settings = folder / "portal.yaml"
        settings.write_text(
            "venue_name: Bến xe Tuy Hòa\n"
            f"venue_id: {BOX_VENUE}\n"
            f"portal_url: http://127.0.0.1:{port}\n"
            "trusted_proxies: [127.0.0.1]\n"
            "mac_lookup: false\n"
            f"database: {json.dumps(str(folder / 'portal.sqlite3'))}\n"
            "event_flush_seconds: 0\n"
            f"report_url: https://127.0.0.1:{self.uplink.port}\n"
            f"report_interval: {REPORT_INTERVAL}\n",
            encoding="utf-8",
        )
        env = {
            **_clean_environment(),
            "PORTAL_CONFIG": str(settings),
            "PORTAL_SECRET_KEY": "province-box-secret-key-0123456789-abcdefgh",
            "PORTAL_REPORT_TOKEN": token,
            "SSL_CERT_FILE": str(self.certificate),
            "REQUESTS_CA_BUNDLE": str(self.certificate),
        }
        box = self.box = Node("box", folder, port, _command("portal", port), env)
        box.start()
        return box

    def start_nginx(self) -> None:
        """nginx started with the rendered files, and listening."""
        self.nginx.start()
        assert self.nginx.process is not None
        for port in (self.ports.signage_http, self.ports.signage_https, self.ports.portal_https):
            wait_for_port(self.nginx.process, "127.0.0.1", port, self.nginx.error_log)

    # -- parts of the centre --------------------------------------------------------------

    def enroll(self, screen_id: str) -> str:
        """A credential for ``screen_id`` in the shared signage database, as an approval on
        any node makes; its token."""
        return (
            EnrollmentStore(Database.from_url(self.signage_database))
            .enroll(screen_id, "admin")
            .token
        )

    def client(self) -> Client:
        return Client(self.certificate)

    def logs(self) -> str:
        nodes = [*self.signage, *self.portal_nodes, *([self.box] if self.box else [])]
        return "\n".join([*(n.log_text() for n in nodes), self.nginx.log_text()])

    def close(self) -> None:
        """Stop everything (nodes, box, nginx), keep the logs in test-artifacts/, drop the
        databases."""
        try:
            for node in [*self.signage, *self.portal_nodes, *([self.box] if self.box else [])]:
                node.stop()
            self.nginx.stop()
            if self.uplink is not None:
                self.uplink.close()
        finally:
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / "province.log").write_text(self.logs())
            for url in self.databases:
                self.cluster.drop_database(url)


def _command(service: str, port: int) -> list[str]:
    """``bluezone-<service> serve`` on loopback ``port`` (the portal with one worker: the
    machine running the test has two cores for everything)."""
    command = [str(Path(sys.executable).parent / f"bluezone-{service}"), "serve"]
    command += ["--bind", f"127.0.0.1:{port}"]
    return command + (["--workers", "1"] if service == "portal" else [])


def _clean_environment() -> dict[str, str]:
    """This process's environment without a developer's PORTAL_*/SIGNAGE_* settings, with
    this checkout first on the import path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "SIGNAGE_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env
