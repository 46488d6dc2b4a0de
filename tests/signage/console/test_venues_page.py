"""The Venues page: every box with its state by the (injected) clock, for viewers; adding
(the token shown once) and revoking for administrators, with the CSRF check."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from signage import services
from signage.venues.store import Health
from tests.signage.console.conftest import Login, console_of

NOW = 1_800_000_000.0


def at(moment: float) -> Callable[[], float]:
    return lambda: moment


def boxes(app: Flask) -> None:
    store = services.venues(app)
    health = Health("0.1.0", 90_000, 7, "nftables: ok, 7 granted")
    tokens = {venue: store.add(venue) for venue in ("ben-xe", "san-bay", "cang", "cu")}
    for venue, ago in (("san-bay", 3 * 3600), ("ben-xe", 5 * 60)):
        store.clock = at(NOW - ago)
        store.record(tokens[venue], venue, health, {})
    store.revoke("cu")
    store.clock = lambda: NOW


def states(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr id="venue-([\w-]+)" data-state="(\w+)"', page))


def test_viewers_see_every_box_and_its_state(app: Flask, client: FlaskClient, login: Login) -> None:
    boxes(app)
    login(client, "viewer")
    response = client.get("/console/venues")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert states(page) == {
        "ben-xe": "reporting",
        "san-bay": "silent",
        "cang": "never",
        "cu": "revoked",
    }
    assert 'href="/console/venues"' in page
    # In the console's default language, Vietnamese.
    assert (
        "5 phút trước" in page
        and "25 giờ" in page
        and "im lặng" in page
        and "nftables: ok, 7 granted" in page
    )
    assert "Thêm thiết bị địa điểm" not in page and "/revoke" not in page
    assert client.post("/console/venues/add", data={"venue": "x"}).status_code == 403
    assert client.post("/console/venues/ben-xe/revoke").status_code == 403


def test_the_silence_threshold_is_the_setting(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    boxes(app)
    services.venues(app).clock = lambda: NOW + 26 * 60
    login(client, "viewer")
    assert states(client.get("/console/venues").get_data(as_text=True))["ben-xe"] == "silent"


def test_admins_add_a_box_and_see_its_token_once(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, "admin")
    response = client.post("/console/venues/add", data={"venue": "tram-dung-chan"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = re.search(r'<code id="token">([^<]+)</code>', page)
    assert token and services.venues(app).venue_of(token.group(1)) == "tram-dung-chan"
    assert token.group(1) not in client.get("/console/venues").get_data(as_text=True)
    again = client.post("/console/venues/add", data={"venue": "tram-dung-chan"})
    assert again.status_code == 400 and "Hãy thu hồi thiết bị đó trước" in again.get_data(
        as_text=True
    )
    bad = client.post("/console/venues/add", data={"venue": "trạm <b>"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    actions = [(e.action, e.target) for e in console_of(app).audit.entries()]
    assert ("venue.add", "tram-dung-chan") in actions


def test_admins_revoke_with_the_csrf_token_only(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    token = services.venues(app).add("ben-xe")
    login(client, "admin")
    forged = app.test_client()
    login(forged, "admin")
    forged.environ_base.pop("HTTP_X_CSRF_TOKEN")
    assert forged.post("/console/venues/ben-xe/revoke").status_code in (400, 403)
    assert services.venues(app).venue_of(token) == "ben-xe"
    response = client.post("/console/venues/ben-xe/revoke")
    assert response.status_code == 303
    assert services.venues(app).venue_of(token) is None
    page = client.get("/console/venues").get_data(as_text=True)
    assert states(page) == {"ben-xe": "revoked"} and "Đã thu hồi mã truy cập của ben-xe" in page
    assert client.post("/console/venues/nobody/revoke").status_code == 303
