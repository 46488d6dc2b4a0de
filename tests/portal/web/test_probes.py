"""Every OS probe: the exact online answer when granted, the splash redirect when not."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from portal.web.probes import PROBES, Probe, find_probe

from ..conftest import PORTAL_HOST, accept


def _probe_path(probe: Probe) -> str:
    return probe.path or "/hotspot-detect.html"


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: f"{p.family}-{p.host}{p.path or '/*'}")
def test_granted_client_gets_the_exact_online_answer(client: FlaskClient, probe: Probe) -> None:
    accept(client)
    response = client.get(_probe_path(probe), headers={"Host": probe.host})
    assert response.status_code == probe.answer.status
    assert response.data == probe.answer.body
    if probe.answer.content_type:
        assert response.mimetype == probe.answer.content_type
    for name, value in probe.answer.extra_headers:
        assert response.headers[name] == value
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: f"{p.family}-{p.host}{p.path or '/*'}")
def test_captive_client_is_sent_to_the_splash_page(client: FlaskClient, probe: Probe) -> None:
    response = client.get(_probe_path(probe), headers={"Host": probe.host})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("http", PORTAL_HOST, "/")
    assert parse_qs(location.query)["continue"] == [f"http://{probe.host}{_probe_path(probe)}"]
    assert response.headers["Connection"] == "close"


@pytest.mark.parametrize(
    ("host", "path", "family"),
    [
        ("captive.apple.com", "/hotspot-detect.html", "apple"),
        ("captive.apple.com", "/Ab3xZ/uu2T9/Qq1.html", "apple"),
        ("connectivitycheck.gstatic.com", "/generate_204", "android"),
        ("www.google.com", "/gen_204", "android"),
        ("connectivitycheck.android.com", "/generate_204", "samsung"),
        ("connect.rom.miui.com", "/generate_204", "xiaomi"),
        ("connectivitycheck.platform.hicloud.com", "/generate_204", "huawei"),
        ("conn2.oppomobile.com", "/generate_204", "oppo"),
        ("wifi.vivo.com.cn", "/generate_204", "vivo"),
        ("clients3.google.com", "/generate_204", "chromeos"),
        ("www.msftconnecttest.com", "/connecttest.txt", "windows"),
        ("detectportal.firefox.com", "/success.txt", "firefox"),
        ("connectivity-check.ubuntu.com", "/", "ubuntu"),
        ("nmcheck.gnome.org", "/check_network_status.txt", "gnome"),
        ("www.google.com", "/search", None),
        ("example.com", "/generate_204", None),
    ],
)
def test_probe_table_lookup(host: str, path: str, family: str | None) -> None:
    probe = find_probe(host, path)
    assert (probe.family if probe else None) == family


def test_granted_client_asking_an_unknown_host_still_lands_on_the_portal(
    client: FlaskClient,
) -> None:
    accept(client)
    response = client.get("/news", headers={"Host": "example.org"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"http://{PORTAL_HOST}/?continue=")
