"""The stand-ins checked against the vendors' documented examples, not against our client."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .base import Standin
from .caller import Answer, call
from .chilli import (
    ChilliStandin,
    chap_challenge,
    chilli_urlencode,
    md_param,
    pap_decode,
    pap_encode,
)
from .chilli import chap_response as chilli_chap_response
from .meraki import MerakiStandin
from .mikrotik import MikrotikStandin, chap_response, octal_escape, octal_unescape
from .omada import ExpiredAnswer, OmadaStandin, TimeUnit
from .opennds import Level, OpenNDSStandin, decrypt_query, encrypt_query, parse_query, sha256_hex
from .unifi import UnifiStandin

PORTAL = "http://portal.test/splash"
CLIENT = "f4:5c:89:9b:17:67"
OTHER = "02:00:00:00:00:02"


def query(url: str) -> dict[str, str]:
    """The query of ``url`` decoded, one value per name, blank values kept."""
    pairs = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    return dict(pairs)


# -- shared surface --------------------------------------------------------------------

FACTORIES: dict[str, Callable[[], Standin[Any]]] = {
    "meraki": MerakiStandin,
    "unifi": UnifiStandin,
    "unifi-os": lambda: UnifiStandin(unifi_os=True),
    "mikrotik": MikrotikStandin,
    "omada": OmadaStandin,
    "chilli": ChilliStandin,
    "opennds": OpenNDSStandin,
}


@pytest.fixture(params=sorted(FACTORIES))
def standin(request: pytest.FixtureRequest) -> Iterator[Standin[Any]]:
    with FACTORIES[request.param]() as running:
        yield running


def test_listens_on_loopback_and_stops(standin: Standin[Any]) -> None:
    assert standin.url.startswith("http://127.0.0.1:")
    port = standin.port
    assert call("GET", f"{standin.url}/no-such-path").status == 404
    standin.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_logs_requests_with_selected_headers(standin: Standin[Any]) -> None:
    call("GET", f"{standin.url}/probe?a=1&b=", headers={"User-Agent": "t", "X-Other": "x"})
    (logged,) = standin.requests
    assert (logged.method, logged.path) == ("GET", "/probe")
    assert logged.query == {"a": ("1",), "b": ("",)}
    assert logged.headers["user-agent"] == "t"
    assert "x-other" not in logged.headers


def test_down_answers_503(standin: Standin[Any]) -> None:
    standin.down = True
    answer = call("GET", f"{standin.url}/anything")
    assert answer.status == 503
    assert len(standin.requests) == 1


def test_down_closing_the_connection(standin: Standin[Any]) -> None:
    standin.down = True
    standin.down_mode = "close"
    with pytest.raises((ConnectionError, OSError)):
        call("GET", f"{standin.url}/anything")


def test_delay_holds_the_answer(standin: Standin[Any]) -> None:
    standin.delay = 0.4
    start = time.monotonic()
    call("GET", f"{standin.url}/anything")
    assert time.monotonic() - start >= 0.4
    standin.delay = 1.0
    with pytest.raises(TimeoutError):
        call("GET", f"{standin.url}/anything", timeout=0.2)


# -- Meraki ----------------------------------------------------------------------------


def test_meraki_redirect_matches_the_documented_sample() -> None:
    # developer.cisco.com/meraki/captive-portal-api/click-through-api, "Sample URL"
    with MerakiStandin(node_mac="00:18:0a:13:dd:b0", node_id="1301936") as meraki:
        url = meraki.redirect_url(PORTAL, "ff:ff:96:d5:d5:01", "10.162.50.40", "http://meraki.com/")
        grant_url = urllib.parse.quote(meraki.base_grant_url, safe="")
        assert url == (
            f"{PORTAL}?base_grant_url={grant_url}"
            "&user_continue_url=http%3A%2F%2Fmeraki.com%2F&node_id=1301936"
            "&node_mac=00:18:0a:13:dd:b0&gateway_id=1301936&client_ip=10.162.50.40"
            "&client_mac=ff:ff:96:d5:d5:01"
        )
        assert meraki.base_grant_url.endswith("/splash/grant")


@pytest.mark.parametrize(
    ("grant_query", "duration", "location"),
    [
        ("continue_url=http%3A%2F%2Fbluezone.vn%2F&duration=7200", 7200, "http://bluezone.vn/"),
        ("continue_url=http%3A%2F%2Fbluezone.vn%2F", 3600, "http://bluezone.vn/"),
        ("duration=60", 60, "http://example.org/asked"),
        ("", 3600, "http://example.org/asked"),
    ],
)
def test_meraki_grant_redirects_to_continue_url(
    grant_query: str, duration: int, location: str
) -> None:
    with MerakiStandin() as meraki:
        query_of = query(
            meraki.redirect_url(PORTAL, CLIENT, "10.0.0.9", "http://example.org/asked")
        )
        answer = call("GET", f"{query_of['base_grant_url']}?{grant_query}")
        assert (answer.status, answer.location) == (302, location)
        (grant,) = meraki.grants
        assert (grant.client_mac, grant.client_ip, grant.duration) == (CLIENT, "10.0.0.9", duration)
        assert grant.continue_url == location


@pytest.mark.parametrize("duration", ["-5", "abc", "1.5", "0"])
def test_meraki_refuses_a_bad_duration(duration: str) -> None:
    with MerakiStandin() as meraki:
        meraki.redirect_url(PORTAL, CLIENT, "10.0.0.9")
        answer = call("GET", f"{meraki.base_grant_url}?duration={duration}")
        assert answer.status == 400
        assert meraki.grants == []


def test_meraki_grant_without_a_redirected_client_is_refused() -> None:
    with MerakiStandin() as meraki:
        assert call("GET", meraki.base_grant_url).status == 400
        assert meraki.grants == []


def test_meraki_header_picks_among_announced_clients() -> None:
    with MerakiStandin() as meraki:
        meraki.redirect_url(PORTAL, CLIENT, "10.0.0.9")
        meraki.redirect_url(PORTAL, OTHER, "10.0.0.10")
        call("GET", meraki.base_grant_url, headers={"X-Standin-Client-Mac": CLIENT})
        assert [grant.client_ip for grant in meraki.grants] == ["10.0.0.9"]


# -- UniFi -----------------------------------------------------------------------------


def unifi_login(unifi: UnifiStandin) -> tuple[dict[str, str], dict[str, str]]:
    """Log in by hand as the docs describe; the cookies and headers later calls need."""
    path = "/api/auth/login" if unifi.unifi_os else "/api/login"
    answer = call("POST", f"{unifi.url}{path}", json_body={"username": "api", "password": "pw"})
    assert answer.status == 200
    cookies = answer.cookies()
    headers = {"X-CSRF-Token": answer.headers["X-CSRF-Token"]} if unifi.unifi_os else {}
    return cookies, headers


@pytest.fixture(params=[False, True], ids=["classic", "unifi-os"])
def unifi(request: pytest.FixtureRequest) -> Iterator[UnifiStandin]:
    with UnifiStandin(username="api", password="pw", unifi_os=request.param) as running:
        yield running


def stamgr(unifi: UnifiStandin, site: str = "default") -> str:
    return f"{unifi.url}{unifi.api_prefix}/api/s/{site}/cmd/stamgr"


def test_unifi_login_sets_the_documented_cookies(unifi: UnifiStandin) -> None:
    cookies, headers = unifi_login(unifi)
    if unifi.unifi_os:
        assert set(cookies) == {"TOKEN"}
        payload = cookies["TOKEN"].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["csrfToken"] == headers["X-CSRF-Token"]
    else:
        assert set(cookies) == {"unifises", "csrf_token"}


def test_unifi_authorize_guest_is_recorded(unifi: UnifiStandin) -> None:
    cookies, headers = unifi_login(unifi)
    command = {
        "cmd": "authorize-guest",
        "mac": CLIENT,
        "minutes": 120,
        "up": 512,
        "down": 2048,
        "bytes": 100,
        "ap_mac": "80:2a:a8:00:00:01",
    }
    answer = call("POST", stamgr(unifi), json_body=command, cookies=cookies, headers=headers)
    assert answer.status == 200
    body = answer.json()
    assert body["meta"] == {"rc": "ok"}
    (guest,) = body["data"]
    assert guest["mac"] == CLIENT
    assert guest["end"] - guest["start"] == 120 * 60
    (grant,) = unifi.grants
    assert (grant.site, grant.mac, grant.minutes) == ("default", CLIENT, 120)
    assert (grant.up, grant.down, grant.bytes, grant.ap_mac) == (
        512,
        2048,
        100,
        "80:2a:a8:00:00:01",
    )
    assert unifi.authorized(CLIENT) == grant


def test_unifi_unauthorize_guest(unifi: UnifiStandin) -> None:
    cookies, headers = unifi_login(unifi)
    for command in (
        {"cmd": "authorize-guest", "mac": CLIENT, "minutes": 5},
        {"cmd": "unauthorize-guest", "mac": CLIENT},
    ):
        answer = call("POST", stamgr(unifi), json_body=command, cookies=cookies, headers=headers)
        assert answer.json()["meta"]["rc"] == "ok"
    assert unifi.authorized(CLIENT) is None
    assert len(unifi.grants) == 1


def test_unifi_accepts_the_form_encoded_json_of_older_clients() -> None:
    with UnifiStandin(username="api", password="pw") as unifi:
        cookies, _ = unifi_login(unifi)
        payload = json.dumps({"cmd": "authorize-guest", "mac": CLIENT, "minutes": 30})
        answer = call("POST", stamgr(unifi), form={"json": payload}, cookies=cookies)
        assert answer.json()["meta"]["rc"] == "ok"


@pytest.mark.parametrize(
    ("unifi_os", "status", "body"),
    [
        (False, 400, {"meta": {"rc": "error", "msg": "api.err.Invalid"}, "data": []}),
        (
            True,
            403,
            {
                "code": "AUTHENTICATION_FAILED_INVALID_CREDENTIALS",
                "message": "Invalid username or password",
                "level": "debug",
            },
        ),
    ],
)
def test_unifi_wrong_credentials(unifi_os: bool, status: int, body: dict[str, Any]) -> None:
    with UnifiStandin(username="api", password="pw", unifi_os=unifi_os) as unifi:
        path = "/api/auth/login" if unifi_os else "/api/login"
        for wrong in ({"username": "api", "password": "nope"}, {"username": "x"}, "garbage"):
            answer = call("POST", f"{unifi.url}{path}", json_body=wrong)
            assert (answer.status, answer.json()) == (status, body)
            assert answer.cookies() == {}


def test_unifi_os_limits_failed_logins() -> None:
    with UnifiStandin(username="api", password="pw", unifi_os=True, max_failed_logins=2) as unifi:
        url = f"{unifi.url}/api/auth/login"
        statuses = [
            call("POST", url, json_body={"username": "api", "password": "x"}).status
            for _ in range(3)
        ]
        assert statuses == [403, 403, 429]
        limited = call("POST", url, json_body={"username": "api", "password": "pw"})
        assert limited.json()["code"] == "AUTHENTICATION_FAILED_LIMIT_REACHED"


LOGIN_REQUIRED = {"meta": {"rc": "error", "msg": "api.err.LoginRequired"}, "data": []}


def test_unifi_without_session_login_is_required(unifi: UnifiStandin) -> None:
    command = {"cmd": "authorize-guest", "mac": CLIENT, "minutes": 5}
    answer = call("POST", stamgr(unifi), json_body=command, cookies={unifi.cookie_name: "forged"})
    assert (answer.status, answer.json()) == (401, LOGIN_REQUIRED)
    assert unifi.grants == []


def test_unifi_expired_sessions_need_a_new_login(unifi: UnifiStandin) -> None:
    cookies, headers = unifi_login(unifi)
    command = {"cmd": "authorize-guest", "mac": CLIENT, "minutes": 5}
    unifi.expire_sessions()
    answer = call("POST", stamgr(unifi), json_body=command, cookies=cookies, headers=headers)
    assert (answer.status, answer.json()) == (401, LOGIN_REQUIRED)
    cookies, headers = unifi_login(unifi)
    answer = call("POST", stamgr(unifi), json_body=command, cookies=cookies, headers=headers)
    assert answer.status == 200
    assert unifi.logins == 2


@pytest.mark.parametrize("csrf", [None, "wrong"])
def test_unifi_os_writes_need_the_csrf_token(csrf: str | None) -> None:
    with UnifiStandin(username="api", password="pw", unifi_os=True) as unifi:
        cookies, _ = unifi_login(unifi)
        headers = {"X-CSRF-Token": csrf} if csrf else {}
        command = {"cmd": "authorize-guest", "mac": CLIENT, "minutes": 5}
        answer = call("POST", stamgr(unifi), json_body=command, cookies=cookies, headers=headers)
        assert answer.status == 403
        assert answer.json()["meta"]["rc"] == "error"
        assert unifi.grants == []


def test_unifi_os_api_is_only_under_the_proxy_prefix() -> None:
    with UnifiStandin(username="api", password="pw", unifi_os=True) as unifi:
        cookies, headers = unifi_login(unifi)
        command = {"cmd": "authorize-guest", "mac": CLIENT, "minutes": 5}
        url = f"{unifi.url}/api/s/default/cmd/stamgr"
        assert call("POST", url, json_body=command, cookies=cookies, headers=headers).status == 404
        assert call("POST", f"{unifi.url}/api/login", json_body={}).status == 404


def test_unifi_unknown_site(unifi: UnifiStandin) -> None:
    cookies, headers = unifi_login(unifi)
    command = {"cmd": "authorize-guest", "mac": CLIENT, "minutes": 5}
    answer = call(
        "POST", stamgr(unifi, "nosuch"), json_body=command, cookies=cookies, headers=headers
    )
    assert (answer.status, answer.json()["meta"]["msg"]) == (400, "api.err.NoSiteContext")


@pytest.mark.parametrize(
    ("command", "msg"),
    [
        ({"cmd": "authorize-guest", "mac": "f4:5c:89:9b:17", "minutes": 5}, "InvalidPayload"),
        ({"cmd": "authorize-guest", "mac": "f4-5c-89-9b-17-67", "minutes": 5}, "InvalidPayload"),
        ({"cmd": "authorize-guest", "minutes": 5}, "InvalidPayload"),
        ({"cmd": "authorize-guest", "mac": CLIENT}, "InvalidPayload"),
        ({"cmd": "authorize-guest", "mac": CLIENT, "minutes": 0}, "InvalidPayload"),
        ({"cmd": "authorize-guest", "mac": CLIENT, "minutes": "60"}, "InvalidPayload"),
        ({"cmd": "authorize-guest", "mac": CLIENT, "minutes": True}, "InvalidPayload"),
        ({"cmd": "authorize-guest", "mac": CLIENT, "minutes": 5, "up": -1}, "InvalidPayload"),
        ({"cmd": "authorize-guest", "mac": CLIENT, "minutes": 5, "bytes": 1.5}, "InvalidPayload"),
        ({"cmd": "authorize-guest", "mac": CLIENT, "minutes": 5, "ap_mac": "x"}, "InvalidPayload"),
        ({"cmd": "kick-everyone", "mac": CLIENT}, "UnknownCommand"),
        ([CLIENT], "InvalidPayload"),
    ],
)
def test_unifi_refuses_bad_commands(unifi: UnifiStandin, command: Any, msg: str) -> None:
    cookies, headers = unifi_login(unifi)
    answer = call("POST", stamgr(unifi), json_body=command, cookies=cookies, headers=headers)
    assert (answer.status, answer.json()["meta"]) == (400, {"rc": "error", "msg": f"api.err.{msg}"})
    assert unifi.grants == []


def test_unifi_redirect_url_is_the_guest_portal_path() -> None:
    with UnifiStandin(sites=("venue1",)) as unifi:
        url = unifi.redirect_url(
            "http://portal.test/",
            "F4:5C:89:9B:17:67",
            "80:2A:A8:00:00:01",
            "Ga Sài Gòn",
            "http://captive.apple.com/hotspot-detect.html",
            t=1700000000,
        )
        assert url == (
            "http://portal.test/guest/s/venue1/?id=f4:5c:89:9b:17:67&ap=80:2a:a8:00:00:01"
            "&t=1700000000&url=http%3A%2F%2Fcaptive.apple.com%2Fhotspot-detect.html"
            "&ssid=Ga%20S%C3%A0i%20G%C3%B2n"
        )
        assert query(url)["ssid"] == "Ga Sài Gòn"


# -- MikroTik --------------------------------------------------------------------------

# The manual's examples of $(chap-id) and $(chap-challenge).
DOC_CHAP_ID = "\\371"
DOC_CHALLENGE = "\\357\\015\\330\\013\\021\\234\\145\\245\\303\\253\\142\\246\\133\\175\\375\\316"
# printf '\371''secret''\357\015...\316' | md5sum  (coreutils, not this code)
DOC_RESPONSE_FOR_SECRET = "e5627b636f982d6233d0cf5931d404c2"


def test_mikrotik_octal_escapes_round_trip_the_documented_example() -> None:
    chap_id, challenge = octal_unescape(DOC_CHAP_ID), octal_unescape(DOC_CHALLENGE)
    assert (chap_id, len(challenge), challenge[:2]) == (b"\xf9", 16, b"\xef\r")
    assert (octal_escape(chap_id), octal_escape(challenge)) == (DOC_CHAP_ID, DOC_CHALLENGE)
    assert chap_response(chap_id, "secret", challenge) == DOC_RESPONSE_FOR_SECRET


def mikrotik_visit(mikrotik: MikrotikStandin, mac: str = CLIENT, **kwargs: Any) -> dict[str, str]:
    return query(mikrotik.redirect_url(PORTAL, mac, "10.5.50.2", "http://example.com/", **kwargs))


def test_mikrotik_redirect_carries_the_login_page_variables() -> None:
    with MikrotikStandin(users={"guest": "secret"}) as mikrotik:
        challenge = (octal_unescape(DOC_CHAP_ID), octal_unescape(DOC_CHALLENGE))
        fields = mikrotik_visit(mikrotik, challenge=challenge)
        assert list(fields) == [
            "mac",
            "ip",
            "username",
            "link-login",
            "link-login-only",
            "link-orig",
            "error",
            "chap-id",
            "chap-challenge",
        ]
        assert fields["mac"] == CLIENT.upper()
        assert fields["link-login-only"] == f"{mikrotik.url}/login"
        assert fields["link-login"] == f"{mikrotik.url}/login?dst=http%3A%2F%2Fexample.com%2F"
        assert (fields["chap-id"], fields["chap-challenge"]) == (DOC_CHAP_ID, DOC_CHALLENGE)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_mikrotik_chap_login_redirects_to_dst(method: str) -> None:
    with MikrotikStandin(users={"guest": "secret"}, session_timeout=3600) as mikrotik:
        challenge = (octal_unescape(DOC_CHAP_ID), octal_unescape(DOC_CHALLENGE))
        fields = mikrotik_visit(mikrotik, challenge=challenge)
        form = {"username": "guest", "password": DOC_RESPONSE_FOR_SECRET, "dst": "http://x.vn/"}
        if method == "POST":
            answer = call("POST", fields["link-login-only"], form=form)
        else:
            answer = call("GET", f"{fields['link-login-only']}?{urllib.parse.urlencode(form)}")
        assert (answer.status, answer.location) == (302, "http://x.vn/")
        (grant,) = mikrotik.grants
        assert (grant.username, grant.mac, grant.ip, grant.method) == (
            "guest",
            CLIENT,
            "10.5.50.2",
            "chap",
        )
        assert grant.session_timeout == 3600


ERROR_PAGE = '<div id="error">{}</div>'


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        ("guest", hashlib.md5(b"wrong").hexdigest(), "invalid username or password"),
        ("guest", "secret", "invalid username or password"),  # PAP is off
        ("nobody", DOC_RESPONSE_FOR_SECRET, "invalid username or password"),
        ("guest", "", "web browser did not send challenge response (try again, enable JavaScript)"),
    ],
)
def test_mikrotik_failed_login_shows_the_error(username: str, password: str, error: str) -> None:
    with MikrotikStandin(users={"guest": "secret"}) as mikrotik:
        challenge = (octal_unescape(DOC_CHAP_ID), octal_unescape(DOC_CHALLENGE))
        fields = mikrotik_visit(mikrotik, challenge=challenge)
        form = {"username": username, "password": password, "dst": "http://x.vn/"}
        answer = call("POST", fields["link-login-only"], form=form)
        assert answer.status == 200
        assert ERROR_PAGE.format(error) in answer.text
        assert mikrotik.grants == []


def test_mikrotik_challenge_is_good_for_one_login() -> None:
    with MikrotikStandin(users={"guest": "secret"}) as mikrotik:
        fields = mikrotik_visit(mikrotik)
        chap_id, challenge = (
            octal_unescape(fields["chap-id"]),
            octal_unescape(fields["chap-challenge"]),
        )
        form = {"username": "guest", "password": chap_response(chap_id, "secret", challenge)}
        assert call("POST", fields["link-login-only"], form=form).status == 302
        mikrotik.logout(CLIENT)
        again = call("POST", fields["link-login-only"], form=form)
        assert again.status == 200
        assert "invalid username or password" in again.text
        assert len(mikrotik.grants) == 1


def test_mikrotik_pap_when_enabled() -> None:
    with MikrotikStandin(users={"guest": "secret"}, chap=False, pap=True) as mikrotik:
        fields = mikrotik_visit(mikrotik)
        assert (fields["chap-id"], fields["chap-challenge"]) == ("", "")
        form = {"username": "guest", "password": "secret", "dst": "http://x.vn/"}
        assert call("POST", fields["link-login-only"], form=form).status == 302
        assert [grant.method for grant in mikrotik.grants] == ["pap"]


def test_mikrotik_trial_user_once_per_mac() -> None:
    with MikrotikStandin(trial=True, trial_uptime=600) as mikrotik:
        fields = mikrotik_visit(mikrotik)
        mac_esc = urllib.parse.quote(fields["mac"], safe="")  # $(mac-esc)
        link = f"{fields['link-login-only']}?dst=http%3A%2F%2Fx.vn%2F&username=T-{mac_esc}"
        answer = call("GET", link)
        assert (answer.status, answer.location) == (302, "http://x.vn/")
        (grant,) = mikrotik.grants
        assert (grant.method, grant.session_timeout, grant.mac) == ("trial", 600, CLIENT)
        mikrotik.logout(CLIENT)
        again = call("GET", link)
        assert f"user T-{fields['mac']} has reached uptime limit" in again.text
        mikrotik.reset_trials()
        assert call("GET", link).status == 302


def test_mikrotik_trial_for_another_mac_is_refused() -> None:
    with MikrotikStandin(trial=True) as mikrotik:
        fields = mikrotik_visit(mikrotik)
        link = f"{fields['link-login-only']}?username=T-{urllib.parse.quote(OTHER, safe='')}"
        answer = call("GET", link)
        assert f"invalid username (T-{OTHER}): this MAC address is not yours" in answer.text
        assert mikrotik.grants == []


# -- Omada -----------------------------------------------------------------------------


def omada_login(omada: OmadaStandin) -> tuple[dict[str, str], dict[str, str]]:
    """The controller sends CLIENT to the portal, which logs in as FAQ 3231 shows; the
    cookie and the Csrf-Token header."""
    omada.redirect_url(PORTAL, CLIENT)
    answer = call("POST", f"{omada.api_url}/login", json_body={"name": "op", "password": "pw"})
    body = answer.json()
    assert (answer.status, body["errorCode"], body["msg"]) == (
        200,
        0,
        "Hotspot log in successfully.",
    )
    return answer.cookies(), {"Csrf-Token": body["result"]["token"]}


def omada_auth(
    omada: OmadaStandin, body: Any, cookies: dict[str, str], headers: dict[str, str]
) -> Answer:
    return call(
        "POST", f"{omada.api_url}/extPortal/auth", json_body=body, cookies=cookies, headers=headers
    )


EAP_AUTH = {
    "clientMac": "F4-5C-89-9B-17-67",
    "apMac": "50-D4-F7-5B-87-78",
    "ssidName": "Free Wi-Fi",
    "radioId": 1,
    "site": "Default",
    "time": 3_600_000_000,
    "authType": 4,
}


def test_omada_api_info_names_the_controller() -> None:
    with OmadaStandin(omadac_id="abcdef0123456789abcdef0123456789") as omada:
        body = call("GET", f"{omada.url}/api/info").json()
        assert body["errorCode"] == 0
        assert body["result"]["omadacId"] == "abcdef0123456789abcdef0123456789"
        assert omada.api_url.endswith("/abcdef0123456789abcdef0123456789/api/v2/hotspot")


@pytest.mark.parametrize(
    ("unit", "time_value", "seconds"),
    [("us", 3_600_000_000, 3600), ("ms", 3_600_000, 3600), ("s", 3600, 3600)],
)
def test_omada_eap_auth_reads_time_in_its_unit(
    unit: TimeUnit, time_value: int, seconds: int
) -> None:
    with OmadaStandin(operator="op", password="pw", time_unit=unit) as omada:
        cookies, headers = omada_login(omada)
        assert set(cookies) == {"TPOMADA_SESSIONID"}
        body = {**EAP_AUTH, "time": time_value}
        answer = omada_auth(omada, body, cookies, headers)
        assert answer.json() == {"errorCode": 0}
        (grant,) = omada.grants
        assert (grant.client_mac, grant.ap_mac, grant.ssid, grant.radio_id, grant.site) == (
            CLIENT,
            "50:d4:f7:5b:87:78",
            "Free Wi-Fi",
            1,
            "Default",
        )
        assert (grant.time, grant.seconds, grant.auth_type) == (time_value, seconds, 4)


def test_omada_accepts_the_faq_string_values_and_the_gateway_variant() -> None:
    with OmadaStandin(operator="op", password="pw") as omada:
        cookies, headers = omada_login(omada)
        as_strings = {key: str(value) for key, value in EAP_AUTH.items()}
        gateway = {
            "clientMac": CLIENT,
            "gatewayMac": "50-D4-F7-00-00-01",
            "vid": "10",
            "site": "Default",
            "time": "60000000",
            "authType": "4",
        }
        for body in (as_strings, gateway):
            answer = omada_auth(omada, body, cookies, headers)
            assert answer.json() == {"errorCode": 0}
        eap, wired = omada.grants
        assert eap.radio_id == 1 and eap.gateway_mac is None
        assert (wired.gateway_mac, wired.vid, wired.seconds, wired.ap_mac) == (
            "50:d4:f7:00:00:01",
            10,
            60,
            None,
        )


@pytest.mark.parametrize(
    "change",
    [
        {"authType": 1},
        {"clientMac": "F4-5C-89-9B-17"},
        {"apMac": None},
        {"time": 0},
        {"time": "soon"},
        {"radioId": 7},
        {"site": "Elsewhere"},
        {"ssidName": ""},
    ],
)
def test_omada_bad_auth_body_is_a_general_error(change: dict[str, Any]) -> None:
    with OmadaStandin(operator="op", password="pw") as omada:
        cookies, headers = omada_login(omada)
        body = {key: value for key, value in {**EAP_AUTH, **change}.items() if value is not None}
        answer = omada_auth(omada, body, cookies, headers)
        assert answer.json() == {"errorCode": -1, "msg": "General error."}
        assert omada.grants == []


def test_omada_refuses_a_client_it_did_not_send() -> None:
    with OmadaStandin(operator="op", password="pw") as omada:
        cookies, headers = omada_login(omada)
        stranger = {**EAP_AUTH, "clientMac": "02-00-00-00-00-09"}
        answer = omada_auth(omada, stranger, cookies, headers)
        assert answer.json() == {"errorCode": -41501, "msg": "Failed to authenticate."}
        assert omada.grants == []


def test_omada_wrong_operator_and_wrong_controller_id() -> None:
    with OmadaStandin(operator="op", password="pw") as omada:
        wrong = call("POST", f"{omada.api_url}/login", json_body={"name": "op", "password": "x"})
        assert wrong.json()["errorCode"] == -30109
        assert wrong.cookies() == {}
        other = call(
            "POST",
            f"{omada.url}/{'0' * 32}/api/v2/hotspot/login",
            json_body={"name": "op", "password": "pw"},
        )
        assert other.json() == {"errorCode": -1600, "msg": "Unsupported request path."}


@pytest.mark.parametrize("csrf", [None, "wrong"])
def test_omada_auth_needs_the_csrf_token(csrf: str | None) -> None:
    with OmadaStandin(operator="op", password="pw") as omada:
        cookies, _ = omada_login(omada)
        headers = {"Csrf-Token": csrf} if csrf else {}
        answer = omada_auth(omada, EAP_AUTH, cookies, headers)
        assert answer.json()["errorCode"] == -44108
        assert omada.grants == []


@pytest.mark.parametrize(("expired_answer", "json_body"), [("login-page", False), ("json", True)])
def test_omada_expired_session(expired_answer: ExpiredAnswer, json_body: bool) -> None:
    with OmadaStandin(operator="op", password="pw", expired_answer=expired_answer) as omada:
        cookies, headers = omada_login(omada)
        omada.expire_sessions()
        answer = omada_auth(omada, EAP_AUTH, cookies, headers)
        assert answer.status == 200
        if json_body:
            assert answer.json()["errorCode"] == -1200
        else:
            assert answer.headers["Content-Type"].startswith("text/html")
        cookies, headers = omada_login(omada)
        answer = omada_auth(omada, EAP_AUTH, cookies, headers)
        assert answer.json() == {"errorCode": 0}
        assert omada.logins == 2


def test_omada_redirect_urls_follow_the_faq_order() -> None:
    with OmadaStandin(sites=("Venue",)) as omada:
        eap = omada.redirect_url(
            PORTAL,
            CLIENT,
            "50:d4:f7:5b:87:78",
            "Ga Sài Gòn",
            0,
            redirect_url="http://x.vn/",
            t=1700000000000000,
        )
        assert eap == (
            f"{PORTAL}?clientMac=F4-5C-89-9B-17-67&apMac=50-D4-F7-5B-87-78"
            "&ssidName=Ga%20S%C3%A0i%20G%C3%B2n&t=1700000000000000&radioId=0&site=Venue"
            "&redirectUrl=http%3A%2F%2Fx.vn%2F"
        )
        wired = query(omada.gateway_redirect_url(PORTAL, CLIENT, vid=20))
        assert list(wired) == ["clientMac", "gatewayMac", "vid", "t", "site", "redirectUrl"]
        assert abs(int(wired["t"]) / 1_000_000 - time.time()) < 60


# -- CoovaChilli -----------------------------------------------------------------------

CHALLENGE = bytes(range(16))
# URL and vectors computed with coreutils md5sum over the same bytes (see the commit).
MD_URL = (
    "http://portal.test/hotspot?res=notyet&uamip=10.1.0.1&uamport=3990"
    "&challenge=000102030405060708090a0b0c0d0e0f&called=00-11-22-33-44-55"
    "&mac=F4-5C-89-9B-17-67&ip=10.1.0.2&nasid=nas01&sessionid=5f1e2d3c4b5a6978"
    "&userurl=http%3a%2f%2fexample.com%2f"
)
MD_FOR_UAMSECRET1 = "DA7BE87C9E23B2494F1F92FCEDAB3ED0"
CHAP_FOR_SECRET = "7af93e5cc254c97236ae62317dea9f5c"
PAP_FOR_SECRET = "c6715a57daac3563619839f7710d7c10"


def test_chilli_checksum_and_answers_match_independent_vectors() -> None:
    assert md_param(MD_URL, "uamsecret1") == MD_FOR_UAMSECRET1
    assert chap_challenge(CHALLENGE, "uamsecret1").hex() == "b5143925bfd83563619839f7710d7c10"
    assert chilli_chap_response(CHALLENGE, "secret", "uamsecret1") == CHAP_FOR_SECRET
    assert pap_encode("secret", CHALLENGE, "uamsecret1") == PAP_FOR_SECRET
    assert pap_decode(PAP_FOR_SECRET, CHALLENGE, "uamsecret1") == b"secret"
    assert chilli_urlencode("http://x.vn/a b~*") == "http%3a%2f%2fx.vn%2fa%20b~*"


def chilli_fields(chilli: ChilliStandin, **kwargs: Any) -> dict[str, str]:
    return query(
        chilli.redirect_url(
            "http://portal.test/hotspot", CLIENT, "10.1.0.2", "http://example.com/", **kwargs
        )
    )


@pytest.mark.parametrize("uamsecret", ["", "uamsecret1"])
def test_chilli_redirect_has_chillis_fields_and_md(uamsecret: str) -> None:
    with ChilliStandin(uamsecret=uamsecret, ssid="Ga Hà Nội") as chilli:
        url = chilli.redirect_url(
            "http://portal.test/hotspot",
            CLIENT,
            "10.1.0.2",
            "http://example.com/",
            challenge=CHALLENGE,
        )
        fields = query(url)
        names = [
            "res",
            "uamip",
            "uamport",
            "challenge",
            "called",
            "mac",
            "ip",
            "ssid",
            "nasid",
            "sessionid",
            "userurl",
        ]
        assert list(fields) == [*names, "md"] if uamsecret else names
        assert fields["res"] == "notyet"
        assert (fields["uamip"], fields["uamport"]) == ("127.0.0.1", str(chilli.port))
        assert fields["challenge"] == CHALLENGE.hex()
        assert (fields["mac"], fields["called"]) == ("F4-5C-89-9B-17-67", "00-11-22-33-44-55")
        assert fields["ssid"] == "Ga Hà Nội"
        assert "userurl=http%3a%2f%2fexample.com%2f" in url
        if uamsecret:
            signed, md = url.rsplit("&md=", 1)
            assert md == md_param(signed, uamsecret)


@pytest.mark.parametrize("method", ["chap", "pap"])
def test_chilli_logon_success_redirects_back_with_res_success(method: str) -> None:
    with ChilliStandin(
        uamsecret="uamsecret1", users={"guest": "secret"}, session_timeout=3600
    ) as chilli:
        chilli_fields(chilli, challenge=CHALLENGE)
        proof = f"response={CHAP_FOR_SECRET}" if method == "chap" else f"password={PAP_FOR_SECRET}"
        answer = call(
            "GET", f"{chilli.url}/logon?username=guest&{proof}&userurl=http%3A%2F%2Fbluezone.vn%2F"
        )
        assert answer.status == 302
        back = query(answer.location)
        assert answer.location.startswith("http://portal.test/hotspot?res=success&")
        assert (back["uid"], back["timeleft"], back["userurl"]) == (
            "guest",
            "3600",
            "http://bluezone.vn/",
        )
        assert "challenge" not in back
        signed, md = answer.location.rsplit("&md=", 1)
        assert md == md_param(signed, "uamsecret1")
        (grant,) = chilli.grants
        assert (grant.username, grant.mac, grant.ip, grant.method, grant.session_timeout) == (
            "guest",
            CLIENT,
            "10.1.0.2",
            method,
            3600,
        )
        again = call("GET", f"{chilli.url}/logon?username=guest&{proof}")
        assert query(again.location)["res"] == "already"
        assert len(chilli.grants) == 1


@pytest.mark.parametrize(
    "logon",
    [
        f"username=guest&response={'0' * 32}",
        f"username=guest&response={CHAP_FOR_SECRET}&ident=1",
        "username=guest&password=00",
        f"username=nobody&response={CHAP_FOR_SECRET}",
        "username=guest&response=zz",
    ],
)
def test_chilli_rejected_logon_comes_back_failed_with_a_challenge(logon: str) -> None:
    with ChilliStandin(uamsecret="uamsecret1", users={"guest": "secret"}) as chilli:
        first = chilli_fields(chilli, challenge=CHALLENGE)
        answer = call("GET", f"{chilli.url}/logon?{logon}")
        back = query(answer.location)
        assert answer.location.startswith(
            "http://portal.test/hotspot?res=failed&reason=reject&uamip="
        )
        assert back["challenge"] == CHALLENGE.hex()
        assert back["sessionid"] == first["sessionid"]
        assert chilli.grants == []


def test_chilli_logon_without_a_password_is_dropped() -> None:
    with ChilliStandin(users={"guest": "secret"}) as chilli:
        chilli_fields(chilli)
        with pytest.raises((ConnectionError, OSError)):
            call("GET", f"{chilli.url}/logon?username=guest")


def test_chilli_json_status_and_callback() -> None:
    with ChilliStandin(users={"guest": "secret"}, nasid="venue-7") as chilli:
        chilli_fields(chilli, challenge=CHALLENGE)
        status = call("GET", f"{chilli.url}/json/status").json()
        assert (status["version"], status["clientState"], status["nasid"]) == ("1.0", 0, "venue-7")
        assert status["challenge"] == CHALLENGE.hex()
        call(
            "GET",
            f"{chilli.url}/logon?username=guest&response="
            f"{chilli_chap_response(CHALLENGE, 'secret', '')}",
        )
        wrapped = call("GET", f"{chilli.url}/json/status?callback=cb").text
        assert wrapped.startswith("cb({") and wrapped.endswith("})")
        assert '"clientState":1' in wrapped and '"userName":"guest"' in wrapped


# -- openNDS ---------------------------------------------------------------------------

FASKEY = "1234567890"
# printf 'hid=abc, clientip=192.168.8.100, ' | openssl enc -aes-256-cbc
#   -K <'1234567890' NUL-padded to 32 octets> -iv <'0123456789abcdef'> -base64 -A | base64
OPENSSL_VECTOR = (
    "aWVlYTZDZEFuYXR6MFJleFdkR0I3NmVDMkJ4Nk5TcnI3cXdSaC9rVW0zYkg1WnNULzlWTlNWVjJ3TGJFeHZ0Rg=="
)


def test_opennds_encryption_matches_openssl_and_php_rules() -> None:
    clear = "hid=abc, clientip=192.168.8.100, "
    assert encrypt_query(clear, FASKEY, "0123456789abcdef") == OPENSSL_VECTOR
    assert decrypt_query(OPENSSL_VECTOR, FASKEY, "0123456789abcdef") == clear
    assert sha256_hex("openNDS%20Node") == (
        "237674abc64da86c0db5d79ede8f979b8a2c995a2979c024cab0de9ed8404a5e"
    )


def fas_fields(url: str, level: int) -> dict[str, str]:
    """What a FAS gets out of openNDS's redirect (the raw query, ``+`` kept)."""
    raw = dict(pair.split("=", 1) for pair in urllib.parse.urlsplit(url).query.split("&"))
    if level == 1:
        return parse_query(base64.b64decode(raw["fas"]).decode())
    return parse_query(decrypt_query(raw["fas"], FASKEY, raw["iv"]))


@pytest.mark.parametrize("level", [1, 2, 3])
def test_opennds_fas_query_per_level(level: Level) -> None:
    with OpenNDSStandin(faskey=FASKEY, level=level, gatewayname="Ga Huế") as nds:
        url = nds.redirect_url(
            "http://portal.test/fas", CLIENT, "192.168.8.100", "http://example.com/?a=1"
        )
        raw = urllib.parse.urlsplit(url).query
        assert raw.startswith("fas=")
        assert ("&iv=" in raw) == (level > 1)
        fields = fas_fields(url, level)
        expected = [
            "hid",
            "clientip",
            "clientmac",
            "client_type",
            "cpi_query",
            "gatewayname",
            "gatewayurl",
            "version",
            "gatewayaddress",
            "gatewaymac",
        ]
        expected += ["authdir"] if level > 1 else []
        assert list(fields) == [*expected, "originurl", "clientif", "themespec"]
        assert (fields["clientip"], fields["clientmac"]) == ("192.168.8.100", CLIENT)
        assert fields["gatewayaddress"] == nds.gatewayaddress
        assert urllib.parse.unquote(fields["gatewayname"]) == "Ga Huế"
        assert urllib.parse.unquote(fields["originurl"]) == "http://example.com/?a=1"
        assert nds.query_for(CLIENT).endswith("themespec=, ")
        token = nds.token(CLIENT)
        assert len(token) == 8 and int(token, 16) >= 0
        assert fields["hid"] == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize("level", [1, 2])
def test_opennds_authdir_grants_with_rhid(level: Level) -> None:
    with OpenNDSStandin(faskey=FASKEY, level=level, session_minutes=60) as nds:
        fields = fas_fields(nds.redirect_url("http://portal.test/fas", CLIENT), level)
        rhid = hashlib.sha256((fields["hid"] + FASKEY).encode()).hexdigest()
        authaction = f"http://{fields['gatewayaddress']}/opennds_auth/"
        assert call("GET", authaction).status == 403
        wrong = call("GET", f"{authaction}?tok={'0' * 64}&redir=http%3A%2F%2Fx.vn%2F")
        assert wrong.status == 307
        assert wrong.location.startswith("http://portal.test/fas?fas=")
        assert nds.grants == []
        answer = call("GET", f"{authaction}?tok={rhid}&redir=http%3A%2F%2Fx.vn%2F")
        assert (answer.status, answer.location) == (307, "http://x.vn/")
        (grant,) = nds.grants
        assert (grant.mac, grant.via, grant.session_minutes) == (CLIENT, "authdir", 60)
        again = call("GET", f"{authaction}?tok={rhid}")
        assert again.location == "http://portal.test/fas?status=authenticated"
        assert len(nds.grants) == 1


class FakeFas:
    """The FAS side of authmon, as fas-aes-https.php keeps it: an auth list per gateway."""

    def __init__(self) -> None:
        self.lines: dict[str, str] = {}
        self.posts: list[dict[str, str]] = []
        fas = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                form["user-agent"] = self.headers.get("User-Agent", "")
                fas.posts.append(form)
                for rhid in form.get("payload", "").split()[1:]:
                    fas.lines.pop(rhid, None)
                text = " ".join(["*", *(urllib.parse.quote(line) for line in fas.lines.values())])
                body = text.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fas"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def test_opennds_level3_authmon_polls_the_fas_and_acknowledges() -> None:
    fas = FakeFas()
    try:
        with OpenNDSStandin(
            faskey=FASKEY, level=3, fas_url=fas.url, poll_interval=0.05, gatewayname="openNDS Node"
        ) as nds:
            fields = fas_fields(nds.redirect_url(None, CLIENT), 3)
            rhid = hashlib.sha256((fields["hid"] + FASKEY).encode()).hexdigest()
            fas.lines[rhid] = f"{rhid} 120 500 1000 50000 100000 Custom%20data"
            (grant,) = nds.wait_for_grants(1)
            assert (grant.mac, grant.via, grant.session_minutes) == (CLIENT, "authmon", 120)
            assert (grant.upload_rate, grant.download_rate) == (500, 1000)
            assert (grant.upload_quota, grant.download_quota, grant.custom) == (
                50000,
                100000,
                "Custom data",
            )
            deadline = time.monotonic() + 5
            while fas.lines and time.monotonic() < deadline:
                time.sleep(0.02)
            assert fas.lines == {}  # acknowledged, so the FAS dropped it
            late = call("GET", f"{nds.url}/opennds_auth/?tok={rhid}")
            assert late.location.endswith("status=authenticated")
        first = fas.posts[0]
        assert (first["auth_get"], first["payload"]) == ("clear", "none")
        assert first["gatewayhash"] == sha256_hex("openNDS%20Node")
        assert first["user-agent"] == "openNDS(authmon;NDS:10.3.1;)"
        assert any(post["payload"] == f"* {rhid}" for post in fas.posts)
    finally:
        fas.close()
