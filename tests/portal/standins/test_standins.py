"""The stand-ins checked against the vendors' documented examples, not against our client."""

from __future__ import annotations

import hashlib
import json
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .base import Standin
from .caller import call
from .meraki import MerakiStandin
from .mikrotik import MikrotikStandin, chap_response, octal_escape, octal_unescape
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
        assert headers["X-CSRF-Token"]
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
            401,
            {
                "code": "AUTHENTICATION_FAILED_INVALID_CREDENTIALS",
                "message": "Invalid username or password",
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
