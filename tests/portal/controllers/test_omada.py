"""The Omada client against the Omada stand-in (FAQ 3231, controller 5.0.15 and later)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from portal.controllers.errors import ControllerRefused, ControllerUnavailable
from portal.controllers.omada import OmadaController, OmadaSettings
from tests.portal.controllers.crowd import all_at_once
from tests.portal.standins.base import Request
from tests.portal.standins.omada import OmadaStandin

OPERATOR = "portal-operator"
PASSWORD = "Op-Pw-5521-never-logged"
PORTAL = "http://portal.test/v/port/omada"
MAC = "3c:22:fb:12:34:56"
AP = "50:d4:f7:5b:87:78"
SITE = "Default"


def settings(standin: OmadaStandin, **overrides: Any) -> OmadaSettings:
    values: dict[str, Any] = {
        "url": standin.url,
        "controller_id": standin.omadac_id,
        "username": OPERATOR,
        "password": PASSWORD,
        "timeout": 2.0,
        **overrides,
    }
    return OmadaSettings(**values)


@pytest.fixture
def omada() -> Iterator[OmadaStandin]:
    with OmadaStandin(operator=OPERATOR, password=PASSWORD) as standin:
        yield standin


def grant(controller: OmadaController, mac: str = MAC, seconds: int = 3600) -> None:
    controller.authorize(mac, AP, "Free Wi-Fi", 1, SITE, seconds)


def logins(standin: OmadaStandin) -> list[Request]:
    return [r for r in standin.requests if r.path.endswith("/hotspot/login")]


@pytest.mark.parametrize(
    ("unit", "standin_unit", "per_second"),
    [("microseconds", "us", 1_000_000), ("milliseconds", "ms", 1_000), ("seconds", "s", 1)],
)
def test_grant_from_an_access_point_is_recorded_in_the_configured_unit(
    unit: str, standin_unit: Any, per_second: int
) -> None:
    with OmadaStandin(operator=OPERATOR, password=PASSWORD, time_unit=standin_unit) as omada:
        omada.redirect_url(PORTAL, MAC, ap_mac=AP, radio_id=0)
        controller = OmadaController(settings(omada, time_unit=unit))
        controller.authorize(MAC.upper(), AP.replace(":", "-"), "Sân bay Tuy Hòa", 0, SITE, 5400)
        [recorded] = omada.grants
    assert (recorded.client_mac, recorded.ap_mac, recorded.ssid) == (MAC, AP, "Sân bay Tuy Hòa")
    assert (recorded.radio_id, recorded.site, recorded.auth_type) == (0, SITE, 4)
    assert recorded.time == 5400 * per_second
    assert recorded.seconds == 5400
    assert omada.logins == 1


def test_time_unit_defaults_to_the_documented_microseconds(omada: OmadaStandin) -> None:
    omada.redirect_url(PORTAL, MAC)
    controller = OmadaController(settings(omada))
    assert controller.settings.time_unit == "microseconds"
    grant(controller, seconds=60)
    assert omada.grants[0].time == 60_000_000


def test_grant_from_a_gateway(omada: OmadaStandin) -> None:
    omada.gateway_redirect_url(PORTAL, MAC, gateway_mac="50:d4:f7:00:00:01", vid=20)
    controller = OmadaController(settings(omada))
    controller.authorize(MAC, None, None, None, SITE, 600, gateway_mac="50-D4-F7-00-00-01", vid=20)
    [recorded] = omada.grants
    assert (recorded.gateway_mac, recorded.vid, recorded.ap_mac) == ("50:d4:f7:00:00:01", 20, None)
    assert recorded.seconds == 600


def test_the_controller_id_is_asked_once_when_not_given(omada: OmadaStandin) -> None:
    omada.redirect_url(PORTAL, MAC)
    controller = OmadaController(settings(omada, controller_id=""))
    grant(controller)
    omada.expire_sessions()
    grant(controller)
    assert [r.path for r in omada.requests].count("/api/info") == 1
    assert len(omada.grants) == 2


def test_a_given_controller_id_is_used_as_is(omada: OmadaStandin) -> None:
    omada.redirect_url(PORTAL, MAC)
    grant(OmadaController(settings(omada)))
    assert "/api/info" not in [r.path for r in omada.requests]
    assert all(r.path.startswith(f"/{omada.omadac_id}/api/v2/hotspot/") for r in omada.requests)


def test_older_session_cookie_name_works() -> None:
    with OmadaStandin(operator=OPERATOR, password=PASSWORD, cookie_name="TPEAP_SESSIONID") as omada:
        omada.redirect_url(PORTAL, MAC)
        grant(OmadaController(settings(omada)))
        assert len(omada.grants) == 1


def test_wrong_password_is_refused_at_once_without_retrying(
    omada: OmadaStandin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    omada.redirect_url(PORTAL, MAC)
    wrong = "Wrong-op-pw-9914"
    with pytest.raises(ControllerRefused, match=r"-30109.*check the operator") as caught:
        grant(OmadaController(settings(omada, password=wrong)))
    assert len(logins(omada)) == 1
    assert omada.grants == []
    for text in (str(caught.value), caplog.text):
        assert wrong not in text
        assert PASSWORD not in text


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong controller id", r"-1600.*is controller_id right\?"),
        ("client not sent by the controller", "-41501"),
        ("unknown site", "errorCode -1 "),
    ],
)
def test_refusals_say_why(omada: OmadaStandin, case: str, message: str) -> None:
    overrides: dict[str, Any] = {}
    site = SITE
    if case == "wrong controller id":
        overrides["controller_id"] = "0123456789abcdef0123456789abcdef"
    if case != "client not sent by the controller":
        omada.redirect_url(PORTAL, MAC)
    if case == "unknown site":
        site = "Elsewhere"
    with pytest.raises(ControllerRefused, match=message):
        OmadaController(settings(omada, **overrides)).authorize(MAC, AP, "W", 1, site, 60)
    assert omada.grants == []


@pytest.mark.parametrize("mode", ["503", "close"])
def test_controller_down_is_unavailable_after_retries_within_the_deadline(
    omada: OmadaStandin, mode: str
) -> None:
    omada.redirect_url(PORTAL, MAC)
    omada.down = True
    omada.down_mode = mode  # type: ignore[assignment]
    controller = OmadaController(settings(omada))
    start = time.monotonic()
    with pytest.raises(ControllerUnavailable, match="3 tries"):
        grant(controller)
    assert time.monotonic() - start < 10, "it stopped (the tries are counted below)"
    assert len(logins(omada)) == 3
    omada.down = False
    grant(controller)
    assert len(omada.grants) == 1


@pytest.mark.parametrize("timeout", [0.5, 1.5])
def test_slow_controller_times_out_within_the_bound(omada: OmadaStandin, timeout: float) -> None:
    omada.redirect_url(PORTAL, MAC)
    omada.delay = 30.0
    start = time.monotonic()
    with pytest.raises(ControllerUnavailable, match="timed out"):
        grant(OmadaController(settings(omada, timeout=timeout)))
    # Given up at its deadline: nowhere near the 30 s the controller takes to answer.
    assert time.monotonic() - start < timeout + 10
    assert omada.grants == []


@pytest.mark.parametrize("answer", ["login-page", "json"])
def test_session_expiry_means_exactly_one_new_login(answer: Any) -> None:
    with OmadaStandin(operator=OPERATOR, password=PASSWORD, expired_answer=answer) as omada:
        omada.redirect_url(PORTAL, MAC)
        controller = OmadaController(settings(omada))
        grant(controller)
        omada.expire_sessions()
        grant(controller, seconds=120)
        assert omada.logins == 2
        assert [g.seconds for g in omada.grants] == [3600, 120]


def test_many_threads_share_one_login(omada: OmadaStandin) -> None:
    macs = [f"02:00:00:00:01:{n:02x}" for n in range(24)]
    for mac in macs:
        omada.redirect_url(PORTAL, mac)
    controller = OmadaController(settings(omada, timeout=5.0))
    omada.delay = 0.05  # let the threads pile up behind the first login
    assert all_at_once(lambda mac: grant(controller, mac), macs) == []
    assert omada.logins == 1
    assert sorted(g.client_mac for g in omada.grants) == macs
    omada.expire_sessions()
    assert all_at_once(lambda mac: grant(controller, mac), macs) == []
    assert omada.logins == 2, "every thread saw the expiry, one logged in again"


def test_secrets_never_reach_messages_or_logs(
    omada: OmadaStandin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    omada.redirect_url(PORTAL, MAC)
    controller = OmadaController(settings(omada))
    grant(controller)
    failures: list[Exception] = []
    with pytest.raises(ControllerRefused) as refused:
        controller.authorize("aa:bb:cc:00:11:22", AP, "W", 1, SITE, 60)  # not pending
    failures.append(refused.value)
    omada.down = True
    with pytest.raises(ControllerUnavailable) as unavailable:
        grant(controller)
    failures.append(unavailable.value)
    seen = {PASSWORD}
    for request in omada.requests:
        seen.update(value for value in request.cookies.values() if value)
        seen.add(request.header("csrf-token") or PASSWORD)
    assert len(seen) >= 3
    texts = [caplog.text, repr(controller), repr(controller.settings)]
    texts += [str(failure) for failure in failures] + [repr(failure) for failure in failures]
    for text in texts:
        for secret in seen:
            assert secret not in text


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (("3c:22:fb:12:34", AP, "W", 1, SITE, 60), {}, "client_mac"),
        ((MAC, "01:00:5e:00:00:01", "W", 1, SITE, 60), {}, "ap_mac"),
        ((MAC, AP, "", 1, SITE, 60), {}, "ssid"),
        ((MAC, AP, "x" * 33, 1, SITE, 60), {}, "ssid"),
        ((MAC, AP, "W", 7, SITE, 60), {}, "radio_id"),
        ((MAC, AP, "W", "1", SITE, 60), {}, "radio_id"),
        ((MAC, AP, "W", 1, "", 60), {}, "site"),
        ((MAC, AP, "W", 1, "a/b", 60), {}, "site"),
        ((MAC, AP, "W", 1, SITE, 0), {}, "seconds"),
        ((MAC, AP, "W", 1, SITE, 10**9), {}, "at most"),
        ((MAC, None, "W", 1, SITE, 60), {}, "or gateway_mac and vid"),
        ((MAC, AP, "W", 1, SITE, 60), {"gateway_mac": AP, "vid": 1}, "or gateway_mac"),
        ((MAC, None, None, None, SITE, 60), {"gateway_mac": AP, "vid": 0}, "vid"),
        ((MAC, None, None, None, SITE, 60), {"gateway_mac": "zz", "vid": 3}, "gateway_mac"),
    ],
)
def test_bad_arguments_are_refused_before_any_call(
    omada: OmadaStandin, args: tuple[Any, ...], extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        OmadaController(settings(omada)).authorize(*args, **extra)
    assert omada.requests == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"url": "10.0.0.3:8043"}, "https://"),
        ({"url": "https://op:pw@10.0.0.3"}, "user name or password"),
        ({"controller_id": "abc/def"}, "controller_id"),
        ({"username": ""}, "username"),
        ({"password": "line\nbreak"}, "password"),
        ({"time_unit": "minutes"}, "time_unit"),
        ({"time_unit": "us"}, "time_unit"),
        ({"verify_tls": None}, "verify_tls"),
        ({"timeout": 30}, "at most 5"),
    ],
)
def test_bad_settings_are_refused(overrides: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {
        "url": "https://10.0.0.3:8043",
        "username": OPERATOR,
        "password": PASSWORD,
        **overrides,
    }
    with pytest.raises(ValueError, match=message) as caught:
        OmadaSettings(**values)
    assert PASSWORD not in str(caught.value)
