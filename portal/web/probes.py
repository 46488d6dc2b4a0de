"""Connectivity probes of operating systems and browsers, and the exact "online" answers.

Right after joining a network every OS fetches a known URL. The exact expected answer means
"online"; anything else (our redirect to the splash page) opens the sign-in window. This
table is consulted only for clients that have been granted access: every other request of a
captive client is redirected, whatever its host.
"""

from __future__ import annotations

from dataclasses import dataclass

APPLE_SUCCESS = b"<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"
FIREFOX_CANONICAL = (
    b'<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>'
)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, content type (empty when there is no body) and body."""

    status: int
    content_type: str = ""
    body: bytes = b""
    extra_headers: tuple[tuple[str, str], ...] = ()


NO_CONTENT = Answer(204)


@dataclass(frozen=True)
class Probe:
    """One probe URL: ``path`` of ``None`` matches every path on ``host``."""

    family: str
    host: str
    path: str | None
    answer: Answer


def _generate_204(family: str, host: str, *paths: str) -> list[Probe]:
    return [Probe(family, host, p, NO_CONTENT) for p in paths]


_APPLE = Answer(200, "text/html", APPLE_SUCCESS)

PROBES: tuple[Probe, ...] = (
    # iOS asks captive.apple.com for hotspot-detect.html and for random paths.
    Probe("apple", "captive.apple.com", None, _APPLE),
    Probe("apple", "www.apple.com", "/library/test/success.html", _APPLE),
    Probe("apple", "www.appleiphonecell.com", None, _APPLE),
    *_generate_204("android", "connectivitycheck.gstatic.com", "/generate_204"),
    *_generate_204("android", "www.google.com", "/gen_204", "/generate_204"),
    *_generate_204("android", "play.googleapis.com", "/generate_204"),
    *_generate_204("chromeos", "clients3.google.com", "/generate_204"),
    *_generate_204("chromeos", "clients1.google.com", "/generate_204"),
    *_generate_204("samsung", "connectivitycheck.android.com", "/generate_204"),
    *_generate_204("xiaomi", "connect.rom.miui.com", "/generate_204"),
    *_generate_204("huawei", "connectivitycheck.platform.hicloud.com", "/generate_204"),
    *_generate_204("huawei", "connectivitycheck.cbg-app.huawei.com", "/generate_204"),
    *_generate_204("oppo", "conn1.oppomobile.com", "/generate_204"),
    *_generate_204("oppo", "conn2.oppomobile.com", "/generate_204"),
    *_generate_204("vivo", "wifi.vivo.com.cn", "/generate_204"),
    Probe(
        "windows",
        "www.msftconnecttest.com",
        "/connecttest.txt",
        Answer(200, "text/plain", b"Microsoft Connect Test"),
    ),
    Probe(
        "windows",
        "ipv6.msftconnecttest.com",
        "/connecttest.txt",
        Answer(200, "text/plain", b"Microsoft Connect Test"),
    ),
    Probe("windows", "www.msftncsi.com", "/ncsi.txt", Answer(200, "text/plain", b"Microsoft NCSI")),
    Probe(
        "firefox",
        "detectportal.firefox.com",
        "/success.txt",
        Answer(200, "text/plain", b"success\n"),
    ),
    Probe(
        "firefox",
        "detectportal.firefox.com",
        "/canonical.html",
        Answer(200, "text/html", FIREFOX_CANONICAL),
    ),
    Probe(
        "ubuntu",
        "connectivity-check.ubuntu.com",
        None,
        Answer(204, extra_headers=(("X-NetworkManager-Status", "online"),)),
    ),
    Probe(
        "gnome",
        "nmcheck.gnome.org",
        "/check_network_status.txt",
        Answer(200, "text/plain", b"NetworkManager is online\n"),
    ),
)

_BY_HOST: dict[str, list[Probe]] = {}
for _probe in PROBES:
    _BY_HOST.setdefault(_probe.host, []).append(_probe)


def find_probe(host: str, path: str) -> Probe | None:
    """The probe that ``host`` (lower case, no port) and ``path`` name, if any."""
    for probe in _BY_HOST.get(host, ()):
        if probe.path is None or probe.path == path:
            return probe
    return None
