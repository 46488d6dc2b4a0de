"""The checks every controller module applies to what a phone brings from its controller."""

from __future__ import annotations

import pytest

from portal.controllers import params
from portal.controllers.base import BadParameter


@pytest.mark.parametrize(
    ("host", "patterns", "allowed"),
    [
        ("n143.network-auth.com", ("*.network-auth.com",), True),
        ("N143.Network-Auth.com.", ("*.network-auth.com",), True),
        ("network-auth.com", ("*.network-auth.com",), False),
        ("evilnetwork-auth.com", ("*.network-auth.com",), False),
        ("network-auth.com.evil.example", ("*.network-auth.com",), False),
        ("10.5.50.1", ("10.5.50.1",), True),
        ("10.5.50.10", ("10.5.50.1",), False),
        ("[fd77::1]", ("fd77::1",), True),
        ("hotspot.lan", (), False),
    ],
)
def test_host_allowed(host: str, patterns: tuple[str, ...], allowed: bool) -> None:
    assert params.host_allowed(host, patterns) is allowed


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://n1.network-auth.com/splash/grant", None),
        ("http://n1.network-auth.com:8080/grant?x=1", None),
        ("https://n1.network-auth.com.evil.example/grant", "grant hosts"),
        ("ftp://n1.network-auth.com/grant", "not an http"),
        ("//n1.network-auth.com/grant", "not an http"),
        ("https://a@n1.network-auth.com/grant", "user name"),
        ("https://n1.network-auth.com/grant#x", "fragment"),
        ("https://n1.network-auth.com/gr ant", "not a plain URL"),
        ('https://n1.network-auth.com/"><script>', "not a plain URL"),
        ("https://n1.network-auth.com:99999/", "not a URL"),
        ("https://n1.network-auth.com/" + "a" * 2100, "longer than"),
    ],
)
def test_grant_url(url: str, problem: str | None) -> None:
    hosts = ("*.network-auth.com",)
    if problem is None:
        assert params.grant_url(url, "base_grant_url", hosts) == url
        return
    with pytest.raises(BadParameter) as caught:
        params.grant_url(url, "base_grant_url", hosts)
    assert caught.value.name == "base_grant_url" and problem in caught.value.problem


@pytest.mark.parametrize(
    ("text", "mac"),
    [
        ("3C:22:FB:12:34:56", "3c:22:fb:12:34:56"),
        ("3c-22-fb-12-34-56", "3c:22:fb:12:34:56"),
        ("3C22FB123456", "3c:22:fb:12:34:56"),
        ("01:00:5e:00:00:01", None),
        ("00:00:00:00:00:00", None),
        ("3c:22:fb:12:34", None),
        ("3c:22:fb:12:34:5g", None),
    ],
)
def test_mac(text: str, mac: str | None) -> None:
    if mac is not None:
        assert params.mac(text, "mac") == mac
        return
    with pytest.raises(BadParameter, match="mac: not a device MAC address"):
        params.mac(text, "mac")


@pytest.mark.parametrize(
    ("text", "limit", "problem"),
    [("Free Wi-Fi", 32, None), ("x" * 33, 32, "longer than 32"), ("a\nb", 32, "control")],
)
def test_text(text: str, limit: int, problem: str | None) -> None:
    if problem is None:
        assert params.text(text, "ssid", limit) == text
        return
    with pytest.raises(BadParameter, match=problem):
        params.text(text, "ssid", limit)
