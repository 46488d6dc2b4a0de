"""The controller modules alone, without Flask: what each reads from a redirect and how it
grants."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.controllers.base import FAILED, GRANTED, Queued, Redirect
from portal.controllers.coova import CoovaController
from portal.controllers.meraki import MerakiController
from portal.controllers.mikrotik import MikrotikController
from portal.controllers.opennds import OpenNDSController, encrypt_query, gateway_hash
from portal.venues.secrets import Secret
from portal.venues.venue import VenueConfig

LANDING = "https://portal.example.vn/v/x/online?t=abc"
FASKEY = "0123456789abcdef0123456789abcdef"


def _venue(controller: str, **values: object) -> VenueConfig:
    secrets = values.pop("secrets", {})
    return VenueConfig(
        id="x",
        name="X",
        controller=controller,
        session_minutes=60,
        languages=("vi",),
        default_language="vi",
        secrets={k: Secret(v) for k, v in secrets.items()},  # type: ignore[attr-defined]
        **values,  # type: ignore[arg-type]
    )


def test_meraki_reads_and_grants() -> None:
    controller = MerakiController(_venue("meraki", grant_hosts=("*.network-auth.com",)))
    visit = controller.read(
        {
            "base_grant_url": "https://n143.network-auth.com/splash/grant",
            "user_continue_url": "http://vnexpress.net/",
            "client_mac": "3C:22:FB:12:34:56",
            "client_ip": "10.0.5.20",
            "node_mac": "00:18:0a:13:dd:b0",
        },
        "",
    )
    assert (visit.mac, visit.ip, visit.destination) == (
        "3c:22:fb:12:34:56",
        "10.0.5.20",
        "http://vnexpress.net/",
    )
    grant = controller.grant(visit, 3600, LANDING)
    assert isinstance(grant, Redirect)
    parts = urlsplit(grant.url)
    assert (parts.netloc, parts.path) == ("n143.network-auth.com", "/splash/grant")
    assert parse_qs(parts.query) == {"continue_url": [LANDING], "duration": ["3600"]}
    assert controller.grant_origins(visit) == ("https://n143.network-auth.com",)


@pytest.mark.parametrize(
    ("username", "expected_user", "with_password"),
    [("", "T-3C:22:FB:12:34:56", False), ("guest", "guest", True)],
)
def test_mikrotik_trial_and_chap(username: str, expected_user: str, with_password: bool) -> None:
    venue = _venue(
        "mikrotik", grant_hosts=("10.5.50.1",), username=username, secrets={"password": "pw"}
    )
    controller = MikrotikController(venue)
    visit = controller.read(
        {
            "mac": "3C:22:FB:12:34:56",
            "ip": "10.5.50.2",
            "link-login-only": "http://10.5.50.1/login",
            "link-orig": "http://example.com/",
            "chap-id": "\\371",
            "chap-challenge": "\\001" * 16,
        },
        "",
    )
    grant = controller.grant(visit, 1800, LANDING)
    assert isinstance(grant, Redirect)
    query = parse_qs(urlsplit(grant.url).query)
    assert query["username"] == [expected_user] and query["dst"] == [LANDING]
    if with_password:
        expected = hashlib.md5(b"\xf9" + b"pw" + b"\x01" * 16).hexdigest()
        assert query["password"] == [expected]
    else:
        assert "password" not in query


def test_mikrotik_error_is_a_failed_return() -> None:
    controller = MikrotikController(_venue("mikrotik", grant_hosts=("10.5.50.1",)))
    visit = controller.read(
        {
            "mac": "3C:22:FB:12:34:56",
            "link-login-only": "http://10.5.50.1/login",
            "error": "invalid username or password",
        },
        "",
    )
    assert (visit.outcome, visit.reason) == (FAILED, "invalid username or password")


@pytest.mark.parametrize(("res", "outcome"), [("success", GRANTED), ("failed", FAILED)])
def test_coova_returns(res: str, outcome: str) -> None:
    venue = _venue("coova", grant_hosts=("10.1.0.1",), username="guest", secrets={"password": "pw"})
    controller = CoovaController(venue, ("https://portal.example.vn/v/x/",))
    visit = controller.read(
        {"res": res, "uamip": "10.1.0.1", "uamport": "3990", "mac": "3C-22-FB-12-34-56"}, ""
    )
    assert visit.outcome == outcome


def test_coova_logon_without_uamsecret() -> None:
    venue = _venue("coova", grant_hosts=("10.1.0.1",), username="guest", secrets={"password": "pw"})
    controller = CoovaController(venue, ("https://portal.example.vn/v/x/",))
    challenge = "00" * 16
    visit = controller.read(
        {
            "res": "notyet",
            "uamip": "10.1.0.1",
            "uamport": "3990",
            "challenge": challenge,
            "mac": "3C-22-FB-12-34-56",
        },
        "",
    )
    grant = controller.grant(visit, 3600, LANDING)
    assert isinstance(grant, Redirect)
    parts = urlsplit(grant.url)
    assert (parts.netloc, parts.path) == ("10.1.0.1:3990", "/logon")
    expected = hashlib.md5(b"\0" + b"pw" + bytes(16)).hexdigest()
    assert parse_qs(parts.query) == {
        "username": ["guest"],
        "response": [expected],
        "userurl": [LANDING],
    }


FIELDS = (
    "hid=" + "ab" * 32 + ", clientip=192.168.8.100, clientmac=3c:22:fb:12:34:56, "
    "gatewayname=openNDS%20Node, gatewayaddress=192.168.8.1:2050, "
    "originurl=http%3A%2F%2Fexample.com%2F, "
)


def test_opennds_level_1() -> None:
    venue = _venue("opennds", fas_level=1, grant_hosts=("192.168.8.1",), secrets={"faskey": FASKEY})
    controller = OpenNDSController(venue)
    fas = base64.b64encode(FIELDS.encode()).decode()
    visit = controller.read({"fas": fas.replace("+", " ")}, "")
    assert (visit.mac, visit.ip, visit.destination) == (
        "3c:22:fb:12:34:56",
        "192.168.8.100",
        "http://example.com/",
    )
    grant = controller.grant(visit, 3600, LANDING)
    assert isinstance(grant, Redirect)
    parts = urlsplit(grant.url)
    assert (parts.netloc, parts.path) == ("192.168.8.1:2050", "/opennds_auth/")
    token = hashlib.sha256(("ab" * 32 + FASKEY).encode()).hexdigest()
    assert parse_qs(parts.query) == {"tok": [token], "redir": [LANDING]}


def test_opennds_level_3() -> None:
    controller = OpenNDSController(_venue("opennds", fas_level=3, secrets={"faskey": FASKEY}))
    iv = "1234567890abcdef"
    visit = controller.read({"fas": encrypt_query(FIELDS, FASKEY, iv), "iv": iv}, "")
    grant = controller.grant(visit, 7200, LANDING)
    assert isinstance(grant, Queued)
    token = hashlib.sha256(("ab" * 32 + FASKEY).encode()).hexdigest()
    assert grant == Queued(gateway_hash("openNDS%20Node"), token, f"{token} 120 0 0 0 0")
    assert controller.grant_origins(visit) == ()
