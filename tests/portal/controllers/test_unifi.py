"""The UniFi client against the UniFi stand-in (classic controller and UniFi OS console)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from portal.controllers.errors import ControllerRefused, ControllerUnavailable
from portal.controllers.unifi import UnifiController, UnifiSettings
from tests.conftest import free_port
from tests.portal.controllers.crowd import all_at_once
from tests.portal.standins.base import Request, Response
from tests.portal.standins.unifi import UnifiStandin

USER = "portal-api"
PASSWORD = "Pw-zq81-never-logged"
MAC = "3c:22:fb:12:34:56"
AP = "80:2a:a8:00:00:01"


def settings(standin: UnifiStandin, **overrides: Any) -> UnifiSettings:
    values: dict[str, Any] = {
        "url": standin.url,
        "username": USER,
        "password": PASSWORD,
        "unifi_os": standin.unifi_os,
        "timeout": 2.0,
        **overrides,
    }
    return UnifiSettings(**values)


@pytest.fixture(params=[False, True], ids=["classic", "unifi-os"])
def unifi(request: pytest.FixtureRequest) -> Iterator[UnifiStandin]:
    with UnifiStandin(username=USER, password=PASSWORD, unifi_os=request.param) as standin:
        yield standin


def secrets_seen(standin: UnifiStandin) -> set[str]:
    """The password, session cookies and CSRF tokens that went over the wire."""
    seen = {PASSWORD}
    for request in standin.requests:
        seen.update(value for value in request.cookies.values() if value)
        token = request.header("x-csrf-token")
        if token:
            seen.add(token)
    return seen


def login_requests(standin: UnifiStandin) -> list[Request]:
    return [r for r in standin.requests if r.path.endswith("/login")]


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({}, {"up": None, "down": None, "bytes": None}),
        (
            {"up_kbps": 512, "down_kbps": 2048, "bytes_mb": 100},
            {"up": 512, "down": 2048, "bytes": 100},
        ),
        ({"down_kbps": 1000}, {"up": None, "down": 1000, "bytes": None}),
    ],
)
def test_authorize_records_the_grant_with_minutes_and_limits(
    unifi: UnifiStandin, limits: dict[str, int], expected: dict[str, int | None]
) -> None:
    controller = UnifiController(settings(unifi, **limits))
    controller.authorize("3C-22-FB-12-34-56", 90, ap_mac=AP.upper())
    [grant] = unifi.grants
    assert (grant.site, grant.mac, grant.minutes, grant.ap_mac) == ("default", MAC, 90, AP)
    assert {"up": grant.up, "down": grant.down, "bytes": grant.bytes} == expected
    assert grant.end - grant.start == 90 * 60
    assert unifi.logins == 1


def test_second_grant_reuses_the_session(unifi: UnifiStandin) -> None:
    controller = UnifiController(settings(unifi))
    controller.authorize(MAC, 30)
    controller.authorize("aa:bb:cc:00:11:22", 45)
    assert [g.minutes for g in unifi.grants] == [30, 45]
    assert unifi.grants[0].ap_mac is None
    assert unifi.logins == 1
    assert len(login_requests(unifi)) == 1


def test_unauthorize_ends_the_grant(unifi: UnifiStandin) -> None:
    controller = UnifiController(settings(unifi))
    controller.authorize(MAC, 60)
    assert unifi.authorized(MAC) is not None
    controller.unauthorize(MAC.upper())
    assert unifi.authorized(MAC) is None


def test_other_site() -> None:
    with UnifiStandin(username=USER, password=PASSWORD, sites=("default", "hall2")) as unifi:
        UnifiController(settings(unifi, site="hall2")).authorize(MAC, 10)
        assert unifi.authorized(MAC, "hall2") is not None
        assert unifi.authorized(MAC, "default") is None


def test_classic_controller_that_checks_csrf_gets_the_cookie_token() -> None:
    with UnifiStandin(username=USER, password=PASSWORD, require_csrf=True) as unifi:
        UnifiController(settings(unifi)).authorize(MAC, 10)
        assert [g.mac for g in unifi.grants] == [MAC]


def test_wrong_password_is_refused_at_once_without_retrying(
    unifi: UnifiStandin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Wrong-pw-7731-secret"
    controller = UnifiController(settings(unifi, password=wrong))
    with pytest.raises(ControllerRefused) as caught:
        controller.authorize(MAC, 60)
    assert "check username and password" in str(caught.value)
    assert len(login_requests(unifi)) == 1
    assert unifi.grants == []
    for text in (str(caught.value), repr(caught.value), caplog.text):
        assert wrong not in text
        assert PASSWORD not in text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"site": "nosuchsite"}, "api.err.NoSiteContext"),
        ({"unifi_os": "flip"}, "is unifi_os right?"),
        ({"username": "someone-else"}, "check username and password"),
    ],
)
def test_refusals_say_why(unifi: UnifiStandin, overrides: dict[str, Any], message: str) -> None:
    if overrides.get("unifi_os") == "flip":
        overrides = {"unifi_os": not unifi.unifi_os}
    with pytest.raises(ControllerRefused, match=message.replace("?", r"\?")):
        UnifiController(settings(unifi, **overrides)).authorize(MAC, 60)
    assert unifi.grants == []


@pytest.mark.parametrize("mode", ["503", "close"])
def test_controller_down_is_unavailable_after_retries_within_the_deadline(
    unifi: UnifiStandin, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    unifi.down = True
    unifi.down_mode = mode  # type: ignore[assignment]
    controller = UnifiController(settings(unifi, timeout=2.0))
    start = time.monotonic()
    with pytest.raises(ControllerUnavailable, match="3 tries"):
        controller.authorize(MAC, 60)
    assert time.monotonic() - start < 10, "it stopped (the tries are counted below)"
    assert len(login_requests(unifi)) == 3
    assert "failed" in caplog.text
    unifi.down = False
    controller.authorize(MAC, 60)
    assert len(unifi.grants) == 1


def test_nothing_listening_is_unavailable_quickly() -> None:
    port = free_port()
    controller = UnifiController(
        UnifiSettings(
            url=f"http://127.0.0.1:{port}", username=USER, password=PASSWORD, unifi_os=False
        )
    )
    start = time.monotonic()
    with pytest.raises(ControllerUnavailable, match="connection refused") as caught:
        controller.authorize(MAC, 60)
    assert time.monotonic() - start < 10, "it stopped"
    assert PASSWORD not in str(caught.value)


@pytest.mark.parametrize("timeout", [0.5, 1.5])
def test_slow_controller_times_out_within_the_bound(unifi: UnifiStandin, timeout: float) -> None:
    unifi.delay = 30.0
    controller = UnifiController(settings(unifi, timeout=timeout))
    start = time.monotonic()
    with pytest.raises(ControllerUnavailable, match="timed out"):
        controller.authorize(MAC, 60)
    # Given up at its deadline: nowhere near the 30 s the controller takes to answer.
    assert time.monotonic() - start < timeout + 10
    assert unifi.grants == []


def test_session_expiry_means_exactly_one_new_login(unifi: UnifiStandin) -> None:
    controller = UnifiController(settings(unifi))
    controller.authorize(MAC, 60)
    unifi.expire_sessions()
    controller.authorize("aa:bb:cc:00:11:22", 30)
    assert unifi.logins == 2
    assert len(unifi.grants) == 2
    assert controller.session.logins == 2


def test_many_threads_share_one_login(unifi: UnifiStandin) -> None:
    controller = UnifiController(settings(unifi, timeout=5.0))
    macs = [f"02:00:00:00:00:{n:02x}" for n in range(24)]
    unifi.delay = 0.05  # let the threads pile up behind the first login
    assert all_at_once(lambda mac: controller.authorize(mac, 15), macs) == []
    assert unifi.logins == 1
    assert sorted(g.mac for g in unifi.grants) == macs
    unifi.expire_sessions()
    assert all_at_once(lambda mac: controller.authorize(mac, 15), macs) == []
    assert unifi.logins == 2, "every thread saw the expiry, one logged in again"


class AlwaysForgetting(UnifiStandin):
    """A controller that drops every session as soon as it is used."""

    def handle(self, request: Request) -> Response:
        if request.path.endswith("/cmd/stamgr"):
            self.expire_sessions()
        return super().handle(request)


def test_login_asked_again_right_after_login_is_refused() -> None:
    with AlwaysForgetting(username=USER, password=PASSWORD) as unifi:
        with pytest.raises(ControllerRefused, match="login again right after"):
            UnifiController(settings(unifi)).authorize(MAC, 60)
        assert unifi.logins == 2


def test_secrets_never_reach_messages_or_logs(
    unifi: UnifiStandin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    controller = UnifiController(settings(unifi))
    controller.authorize(MAC, 60)
    failures: list[Exception] = []
    unifi.sites = ("elsewhere",)  # refused after logging in: cookie and token are known
    with pytest.raises(ControllerRefused) as refused:
        controller.authorize(MAC, 60)
    failures.append(refused.value)
    unifi.sites = ("default",)
    unifi.down = True
    with pytest.raises(ControllerUnavailable) as unavailable:
        controller.unauthorize(MAC)
    failures.append(unavailable.value)
    seen = secrets_seen(unifi)
    assert len(seen) >= 3 if unifi.unifi_os else len(seen) >= 2
    texts = [caplog.text, repr(controller), repr(controller.settings), str(controller.settings)]
    texts += [str(failure) for failure in failures] + [repr(failure) for failure in failures]
    for text in texts:
        for secret in seen:
            assert secret not in text


def test_unverified_tls_is_logged_once_per_controller(caplog: pytest.LogCaptureFixture) -> None:
    url = f"https://127.0.0.1:{free_port()}"
    for _ in range(3):
        UnifiController(
            UnifiSettings(
                url=url, username=USER, password=PASSWORD, unifi_os=True, verify_tls=False
            )
        )
    warnings = [r for r in caplog.records if "verification is OFF" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("3c:22:fb:12:34", 60), "not a device MAC"),
        (("ff:ff:ff:ff:ff:ff", 60), "not a device MAC"),
        ((MAC, 0), "minutes"),
        ((MAC, -5), "minutes"),
        ((MAC, True), "minutes"),
        ((MAC, "60"), "minutes"),
        ((MAC, 600_000), "at most"),
        ((MAC, 60, "not-a-mac"), "not a device MAC"),
    ],
)
def test_bad_arguments_are_refused_before_any_call(
    unifi: UnifiStandin, args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        UnifiController(settings(unifi)).authorize(*args)
    assert unifi.requests == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"url": "ftp://10.0.0.2"}, "https://"),
        ({"url": "https://admin:pw@10.0.0.2"}, "user name or password"),
        ({"url": "https://10.0.0.2/?x=1"}, "query"),
        ({"url": ""}, "controller's address"),
        ({"site": "a/b"}, "site"),
        ({"site": ""}, "site"),
        ({"username": ""}, "username"),
        ({"password": ""}, "password"),
        ({"unifi_os": "yes"}, "unifi_os"),
        ({"verify_tls": ""}, "verify_tls"),
        ({"verify_tls": "/nonexistent/ca.pem"}, "does not exist"),
        ({"up_kbps": 0}, "up_kbps"),
        ({"bytes_mb": 1.5}, "bytes_mb"),
        ({"timeout": 6}, "at most 5"),
        ({"timeout": 0}, "more than 0"),
    ],
)
def test_bad_settings_are_refused(overrides: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {
        "url": "https://10.0.0.2:8443",
        "username": USER,
        "password": PASSWORD,
        "unifi_os": False,
        **overrides,
    }
    with pytest.raises(ValueError, match=message) as caught:
        UnifiController(UnifiSettings(**values))
    assert PASSWORD not in str(caught.value)


def test_settings_never_show_the_password() -> None:
    settings = UnifiSettings(
        url="https://10.0.0.2:8443/", username=USER, password=PASSWORD, unifi_os=False
    )
    assert settings.url == "https://10.0.0.2:8443"
    assert PASSWORD not in repr(settings)
    assert PASSWORD not in repr(UnifiController(settings))


def test_unifi_os_login_limit_is_unavailable_not_refused() -> None:
    with UnifiStandin(
        username=USER, password=PASSWORD, unifi_os=True, max_failed_logins=1
    ) as unifi:
        with pytest.raises(ControllerRefused):
            UnifiController(settings(unifi, password="Wrong-pw-1")).authorize(MAC, 60)
        with pytest.raises(ControllerUnavailable, match="too many logins"):
            UnifiController(settings(unifi)).authorize(MAC, 60)
        assert len(login_requests(unifi)) == 2
