"""Hostile input to the signage server answers without a 500 and without stalling.

The HTTP API (`/api/...`, with and without the token, JSON bodies of hostile shapes) goes
through the Flask test client; every Socket.IO event the server registers on the screens'
namespace is called through Flask-SocketIO's test client with hostile payloads, as is the
connection itself (hostile `auth`) on both namespaces. A handler that raises fails the test (the
server has no catch-all Socket.IO error handler). Under CI the examples are derived from the
test's name (`derandomize`), so a run is reproducible.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from signage import create_app, services
from signage.web.socket import CONSOLE, socketio
from tests.conftest import CI
from tests.signage.serverkit import guest_auth, make_playlists, screen_auth
from tests.stall import not_stalled

TOKEN = "fuzz-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=CI,
    # Under CI nothing is kept between runs; elsewhere failures are kept in .hypothesis/.
    database=None if CI else DirectoryBasedExampleDatabase(".hypothesis/examples"),
    suppress_health_check=[HealthCheck.too_slow],
)

# Values JSON can carry, and a few Python can send through Socket.IO that JSON cannot.
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=2**62, max_value=2**70),
    st.integers(min_value=-(2**70), max_value=-(2**62)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [0, -1, 1e308, -1e308, 5e-324, 2**63, 2**63 - 1, time.time(), math.nan, math.inf, -math.inf]
    ),
)
texts = st.one_of(
    st.text(max_size=50),
    st.sampled_from(
        ["", "vi", "en", "*", "all", "group:lobby", "screen:lobby-1", "lobby-1", "+5m", "18:00"]
    ),
    # Long texts of one repeated character: long, yet cheap for hypothesis to generate.
    st.builds(lambda char, count: char * count, st.characters(), st.integers(2000, 5000)),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.text(max_size=12) | texts, inner, max_size=6),
    ),
    max_leaves=30,
)


def nested(depth: int) -> Any:
    value: Any = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


deep = st.integers(min_value=10, max_value=400).map(nested)

# A valid request with one field made hostile finds more than a body hostile all over, which
# stops at the first check.
valid_override = {"target": "all", "until": "+5m", "messages": {"vi": "Sơ tán"}}
ends = st.one_of(
    st.sampled_from(["+5m", "+99999999999999h", "18:00", "9999-12-31T23:59:59+14:00"]),
    st.from_regex(r"\A\+?[0-9]{1,40}(s|m|min|h|d)\Z"),
    st.integers(1, 6000).map(lambda n: "+" + "9" * n + "m"),
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
)
one_field_off = st.one_of(
    ends.map(lambda until: {**valid_override, "until": until}),
    st.dictionaries(texts, texts, min_size=1, max_size=8).map(
        lambda messages: {**valid_override, "messages": messages}
    ),
    values.map(lambda target: {**valid_override, "target": target}),
    values.map(lambda priority: {**valid_override, "priority": priority}),
)
override_bodies = st.one_of(
    one_field_off,
    values,
    deep,
    st.fixed_dictionaries(
        {},
        optional={
            "target": st.one_of(st.sampled_from(["all", "group:lobby", "screen:gate-1"]), values),
            "until": st.one_of(
                st.sampled_from(["+5m", "+99999999999999h", "18:00", "9999-12-31T23:59:59+14:00"]),
                st.from_regex(r"\A\+?[0-9]{1,40}(s|m|min|h|d)\Z"),
                values,
            ),
            "messages": st.one_of(
                st.dictionaries(
                    st.sampled_from(["vi", "en", "*", "fr", "zh-Hans", "x" * 50]) | texts,
                    st.one_of(
                        texts,
                        st.fixed_dictionaries(
                            {}, optional={"headline": values | texts, "body": values | texts}
                        ),
                        values,
                    ),
                    max_size=8,
                ),
                values,
            ),
            "priority": values,
        },
    ),
)


def encode(body: Any) -> bytes:
    """`body` as JSON text, NaN and Infinity included (as a hostile client may send them)."""
    return json.dumps(body, allow_nan=True).encode()


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp: Path = tmp_path_factory.mktemp("signage-fuzz")
    yield create_app(
        {
            "TESTING": True,
            "PLAYLISTS_DIR": str(make_playlists(tmp / "playlists")),
            "DATABASE": str(tmp / "signage.sqlite3"),
            "API_TOKEN": TOKEN,
            "BACKGROUND": False,
        }
    )


@pytest.fixture(scope="module")
def http(fuzz_app: Flask) -> FlaskClient:
    return fuzz_app.test_client()


def answered(client: FlaskClient, method: str, path: str, **kwargs: Any) -> None:
    """Send one request; fail on a 5xx, a body that is not JSON under /api, or a stall."""
    with not_stalled((method, path)):
        response = client.open(path, method=method, **kwargs)
        body = response.get_data()
    assert response.status_code < 500, (method, path, body[:500])
    if path.startswith("/api/") and method != "HEAD":
        assert response.is_json, (method, path, response.status_code, body[:200])


@FUZZ
@given(
    body=override_bodies,
    token=st.sampled_from([AUTH, {}, {"Authorization": "Bearer wrong"}, {"Authorization": "x"}]),
)
def test_creating_overrides_answers(http: FlaskClient, body: Any, token: dict[str, str]) -> None:
    answered(
        http,
        "POST",
        "/api/overrides",
        data=encode(body),
        headers={**token, "Content-Type": "application/json"},
    )


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=5000),
        st.integers(1, 300_000).map(lambda n: b"[" * n),
        st.integers(1, 300_000).map(lambda n: b'{"a":' * n),
        st.text(max_size=3000).map(str.encode),
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "application/json; x=1"]),
)
def test_raw_bodies_answer(http: FlaskClient, data: bytes, content_type: str) -> None:
    answered(
        http, "POST", "/api/overrides", data=data, headers={**AUTH, "Content-Type": content_type}
    )


@FUZZ
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]),
    path=st.one_of(
        st.sampled_from(
            ["/api/screens", "/api/overrides", "/api/audit", "/api/", "/api/venues/report"]
        ),
        st.builds(
            "/api/overrides/{}".format,
            st.one_of(
                st.integers(min_value=-(2**80), max_value=2**80),
                st.text(max_size=30).map(quote),
            ),
        ),
        st.text(max_size=60).map(lambda text: "/api/" + quote(text)),
    ),
    token=st.sampled_from([AUTH, {}]),
    query=st.text(max_size=200),
)
def test_api_routes_answer(
    http: FlaskClient, method: str, path: str, token: dict[str, str], query: str
) -> None:
    answered(http, method, path, headers=token, query_string=quote(query, safe="=&"))


@pytest.fixture(scope="module")
def venue_token(fuzz_app: Flask) -> str:
    """The token of the venue box `fuzz-box`, whose reports the venue tests forge."""
    return services.venues(fuzz_app).add("fuzz-box")


def good_report() -> dict[str, Any]:
    hour = time.strftime("%Y-%m-%dT%H", time.gmtime())
    return {
        "venue": "fuzz-box",
        "health": {"version": "0.1.0", "uptime": 10, "sessions": 1, "gateway": "none: ok"},
        "hours": [
            {
                "hour": hour,
                "counts": [{"kind": "view", "lang": "vi", "os": "ios", "src": "", "count": 3}],
            }
        ],
    }


hours = st.one_of(
    st.sampled_from(["2020-01-01T00", "2019-12-31T23", "9999-12-31T23", "2026-02-30T10", ""]),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H")),
    values,
)
count_entries = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(["view", "accept", "store_click", "qr_scan"]) | values,
        "lang": st.sampled_from(["vi", "zh_Hans"]) | texts | values,
        "os": st.sampled_from(["ios", "other"]) | texts | values,
        "src": st.sampled_from(["", "lobby-1"]) | texts | values,
        "count": st.sampled_from([0, 1, 10**9 - 1, 10**9, -1, 2**63, 1.5]) | numbers | values,
    },
)
report_bodies = st.one_of(
    values,
    deep,
    values.map(lambda venue: {**good_report(), "venue": venue}),
    values.map(lambda health: {**good_report(), "health": health}),
    st.dictionaries(st.sampled_from(["version", "uptime", "sessions", "gateway"]), values).map(
        lambda health: {**good_report(), "health": health}
    ),
    st.lists(
        st.fixed_dictionaries(
            {}, optional={"hour": hours, "counts": st.lists(count_entries, max_size=5) | values}
        ),
        max_size=5,
    ).map(lambda hours: {**good_report(), "hours": hours}),
    st.integers(169, 400).map(
        lambda n: {**good_report(), "hours": [{"hour": "2025-01-01T00", "counts": []}] * n}
    ),
)


@FUZZ
@given(body=report_bodies, venue_auth=st.booleans())
def test_venue_reports_answer_and_every_400_names_its_field(
    http: FlaskClient, venue_token: str, body: Any, venue_auth: bool
) -> None:
    headers = {"Authorization": f"Bearer {venue_token}"} if venue_auth else AUTH
    response = http.post(
        "/api/venues/report",
        data=encode(body),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code in (200, 400, 401, 403), response.get_data()[:300]
    answer = response.get_json()
    assert isinstance(answer, dict)
    if response.status_code == 400:
        assert answer["field"], answer
    if not venue_auth:
        assert response.status_code == 401


def test_a_large_report_is_refused_with_a_json_413(http: FlaskClient, venue_token: str) -> None:
    body = {**good_report(), "padding": "x" * (2 * 1024 * 1024)}
    response = http.post(
        "/api/venues/report",
        data=encode(body),
        headers={"Authorization": f"Bearer {venue_token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413 and response.is_json


def test_a_good_report_is_stored(http: FlaskClient, venue_token: str) -> None:
    response = http.post(
        "/api/venues/report",
        json=good_report(),
        headers={"Authorization": f"Bearer {venue_token}"},
    )
    assert response.status_code == 200
    assert response.get_json()["stored"] == [good_report()["hours"][0]["hour"]]


def server_of(sockets: Any) -> Any:
    """The python-socketio server under Flask-SocketIO (untyped there), holding the handlers."""
    return sockets.server


def screen_events(app: Flask) -> list[str]:
    """Every event the server handles on the screens' namespace, but connecting."""
    found = sorted(
        event
        for event in server_of(socketio).handlers.get("/", {})
        if event not in ("connect", "disconnect")
    )
    assert {"clock", "heartbeat", "played", "ack"} <= set(found), found
    return found


def payloads() -> st.SearchStrategy[Any]:
    # Records that pass the type checks, with hostile numbers: what a forged player sends.
    edge = st.sampled_from([float("nan"), float("inf"), 1e308, 2**63, 0.0, 86_400.5, -1.0])
    play = st.fixed_dictionaries(
        {
            "item": st.sampled_from(["lobby-1a", "x"]) | texts,
            "version": st.just("v") | texts,
            "shown_at": st.sampled_from([time.time(), time.time() - 3600]) | edge | numbers,
            "duration": st.just(3.0) | edge | numbers,
        }
    )
    report = st.fixed_dictionaries(
        {"item": st.none() | texts, "version": st.none() | texts},
        optional={"width": numbers | values, "height": numbers | values},
    )
    record = st.fixed_dictionaries(
        {},
        optional={
            "item": values | texts,
            "version": values | texts,
            "shown_at": numbers | values,
            "duration": numbers | values,
            "width": numbers | values,
            "height": numbers | values,
            "override": numbers | values,
        },
    )
    return st.one_of(
        st.lists(play, min_size=1, max_size=3),
        st.lists(play, min_size=1, max_size=20),
        # Around the batch limit: many copies of one record cost no entropy to generate.
        st.builds(lambda record, count: [record] * count, play, st.integers(490, 520)),
        report,
        st.fixed_dictionaries({"override": numbers | values}),
        values,
        record,
        st.lists(record, max_size=20),
        deep,
    )


# Each example opens a Socket.IO connection (and stores it), so fewer of them fit in seconds.
SOCKETS = settings(FUZZ, max_examples=60)
# Several payloads per event on one connection: events are cheap, connections are not.
PAYLOADS_PER_EVENT = 4


@SOCKETS
@given(data=st.data())
def test_every_screen_event_answers(fuzz_app: Flask, data: st.DataObject) -> None:
    # An enrolled screen's reports are believed and so reach every check; a guest's are not.
    enrolled = data.draw(st.booleans(), label="enrolled")
    database = Path(fuzz_app.config["DATABASE"])
    auth = screen_auth(database, "lobby-1") if enrolled else guest_auth("lobby-1")
    socket = socketio.test_client(fuzz_app, auth=auth)
    assert socket.is_connected()
    try:
        for event in screen_events(fuzz_app):
            for _ in range(PAYLOADS_PER_EVENT):
                payload = data.draw(payloads(), label=event)
                with not_stalled(event):
                    reply = socket.emit(event, payload, callback=True)
                assert reply is None or isinstance(reply, dict | list), (event, reply)
    finally:
        socket.disconnect()


@SOCKETS
@given(
    auth=st.one_of(
        st.none(),
        st.dictionaries(st.sampled_from(["screen", "token", ""]) | texts, values, max_size=4),
        st.fixed_dictionaries({"screen": values}),
    ),
    namespace=st.sampled_from(["/", CONSOLE]),
)
def test_connecting_with_any_auth_answers(fuzz_app: Flask, auth: Any, namespace: str) -> None:
    with not_stalled((namespace, auth)):
        socket = socketio.test_client(fuzz_app, auth=auth, namespace=namespace)
    if socket.is_connected(namespace):
        socket.disconnect(namespace)
