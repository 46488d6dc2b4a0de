"""CAP 1.2 ingestion: alert, update, cancel, expired, wrong scope or status, two languages."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from signage import create_app
from signage.emergency.cap import Alert, CapError, decide, parse_document
from signage.emergency.capfeed import MAX_DOCUMENT, CapSource
from signage.live.hub import Hub
from signage.web.socket import socketio
from tests.signage.serverkit import guest_auth, make_playlists

SENDER = "canhbao@phuyen.gov.vn"


def iso(at: datetime) -> str:
    return at.replace(microsecond=0).isoformat()


def cap(
    identifier: str,
    *,
    msg_type: str = "Alert",
    status: str = "Actual",
    scope: str = "Public",
    references: str = "",
    expires_in: timedelta = timedelta(hours=2),
    sent: datetime | None = None,
    urgency: str = "Immediate",
    languages: tuple[str, ...] = ("vi-VN", "en-US"),
) -> bytes:
    now = datetime.now().astimezone()
    sent_at = sent or now
    texts = {
        "vi-VN": ("Bão số 9 đổ bộ", "Gió mạnh cấp 12.", "Ở trong nhà, tránh xa cửa kính."),
        "en-US": ("Typhoon No. 9 landfall", "Winds of force 12.", "Stay indoors, away from glass."),
    }
    infos = "".join(
        f"""<info><language>{lang}</language><category>Met</category><event>Bão</event>
<urgency>{urgency}</urgency><severity>Extreme</severity><certainty>Observed</certainty>
<expires>{iso(now + expires_in)}</expires><headline>{texts[lang][0]}</headline>
<description>{texts[lang][1]}</description><instruction>{texts[lang][2]}</instruction>
<area><areaDesc>Phú Yên</areaDesc></area></info>"""
        for lang in languages
    )
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
<identifier>{identifier}</identifier><sender>{SENDER}</sender><sent>{iso(sent_at)}</sent>
<status>{status}</status><msgType>{msg_type}</msgType><scope>{scope}</scope>{refs}{infos}
</alert>""".encode()


def reference(document: bytes) -> str:
    alert = parse_document(document)[0]
    return f"{alert.sender},{alert.identifier},{iso(alert.sent)}"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(
        {
            "PLAYLISTS_DIR": str(make_playlists(tmp_path / "playlists")),
            "DATABASE": str(tmp_path / "signage.sqlite3"),
            "BACKGROUND": False,
            "CAP_DROP_DIR": str(tmp_path / "cap"),
        }
    )


def source(app: Flask) -> CapSource:
    hub: Hub = app.extensions["signage"]
    return CapSource(hub, "", None, 60, 60)


def active(app: Flask) -> list[dict[str, object]]:
    hub: Hub = app.extensions["signage"]
    return [o.to_json() for o in hub.overrides.active(time.time())]


def test_alert_in_two_languages_reaches_screens(app: Flask) -> None:
    screen = socketio.test_client(app, auth=guest_auth("gate-1"))
    screen.get_received()
    source(app).ingest(cap("TEST-1"), "test")
    shown = active(app)
    assert len(shown) == 1
    messages = shown[0]["messages"]
    assert messages == {
        "vi": {
            "headline": "Bão số 9 đổ bộ",
            "body": "Gió mạnh cấp 12.\nỞ trong nhà, tránh xa cửa kính.",
        },
        "en": {
            "headline": "Typhoon No. 9 landfall",
            "body": "Winds of force 12.\nStay indoors, away from glass.",
        },
    }
    assert shown[0]["target"] == "all" and shown[0]["source"] == "cap"
    assert [m["name"] for m in screen.get_received()] == ["override"]
    source(app).ingest(cap("TEST-1", sent=parse_document(cap("TEST-1"))[0].sent), "again")
    assert len(active(app)) == 1, "the same alert is stored once"
    screen.disconnect()


def test_update_replaces_and_cancel_ends(app: Flask) -> None:
    first = cap("TEST-2")
    source(app).ingest(first, "test")
    update = cap("TEST-3", msg_type="Update", references=reference(first), languages=("vi-VN",))
    source(app).ingest(update, "test")
    shown = active(app)
    assert len(shown) == 1 and list(shown[0]["messages"]) == ["vi"]  # type: ignore[call-overload]
    cancel = cap("TEST-4", msg_type="Cancel", references=reference(update))
    source(app).ingest(cancel, "test")
    assert active(app) == []


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (cap("X", status="Exercise"), "status Exercise"),
        (cap("X", status="Test"), "status Test"),
        (cap("X", scope="Restricted"), "scope Restricted"),
        (cap("X", expires_in=timedelta(minutes=-5)), "expired"),
        (cap("X", msg_type="Ack"), "msgType Ack"),
    ],
)
def test_alerts_not_shown(document: bytes, reason: str) -> None:
    decision = decide(parse_document(document)[0], datetime.now().astimezone(), timedelta(hours=1))
    assert not decision.create
    assert reason in decision.ignored


def test_rank_orders_urgency_before_severity() -> None:
    immediate = parse_document(cap("A", urgency="Immediate"))[0]
    expected = parse_document(cap("B", urgency="Expected"))[0]
    assert immediate.rank > expected.rank


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<alert", "not well-formed XML"),
        (b"<x/>", "not a CAP 1.2 alert"),
        (
            b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>',
            "forbidden construct",
        ),
        (
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
            b"<identifier>i</identifier></alert>",
            "has no <sender>",
        ),
    ],
)
def test_bad_documents_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(CapError, match=message):
        parse_document(data)


def test_atom_feed_with_alerts() -> None:
    alert = cap("FEED-1").split(b"?>", 1)[1]
    feed = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="text/xml">'
    feed += alert + b"</content></entry></feed>"
    assert [a.identifier for a in parse_document(feed)] == ["FEED-1"]


def test_drop_folder(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "cap"
    folder.mkdir()
    (folder / "good.xml").write_bytes(cap("DROP-1"))
    (folder / "bad.xml").write_bytes(b"<alert")
    past = time.time() - 5
    for name in ("good.xml", "bad.xml"):
        os.utime(folder / name, (past, past))
    (folder / "writing.xml").write_bytes(b"<ale")
    app.extensions["signage.background"].run_once(time.time())
    assert len(active(app)) == 1
    assert (folder / "done" / "good.xml").exists()
    assert (folder / "rejected" / "bad.xml").exists()
    assert "not well-formed" in (folder / "rejected" / "bad.xml.error.txt").read_text()
    assert (folder / "writing.xml").exists(), "a file still being written waits"


def far_future(identifier: str, sent: str = "9999-12-31T23:59:59+00:00") -> bytes:
    """An alert sent at `sent` with no `<expires>` (its end is `sent` plus the lifetime)."""
    return f"""<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
<identifier>{identifier}</identifier><sender>{SENDER}</sender><sent>{sent}</sent>
<status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
<info><language>vi-VN</language><event>Bão</event><urgency>Immediate</urgency>
<severity>Extreme</severity><certainty>Observed</certainty><headline>Bão</headline></info>
</alert>""".encode()


@pytest.mark.parametrize(
    "sent",
    [
        "9999-12-31T23:59:59+00:00",
        "0001-01-01T00:00:00+01:00",
        "1969-12-31T23:59:59+00:00",
        "3000-01-01T00:00:00+00:00",
    ],
)
def test_a_date_outside_the_range_of_real_alerts_is_a_cap_error(sent: str) -> None:
    with pytest.raises(CapError, match=r"<sent>: .* is not between 1970 and 2999"):
        parse_document(far_future("FAR", sent))


def test_a_date_at_the_end_of_the_range_still_decides() -> None:
    alert = parse_document(far_future("LATE", "2999-12-31T23:59:59+00:00"))[0]
    decision = decide(alert, datetime.now().astimezone(), timedelta(days=3650))
    assert decision.create


def settle(folder: Path, *names: str) -> None:
    past = time.time() - 5
    for name in names:
        os.utime(folder / name, (past, past))


def test_a_far_future_file_is_rejected_and_the_next_alert_shown(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "cap"
    folder.mkdir()
    (folder / "a-far.xml").write_bytes(far_future("FAR"))
    (folder / "b-good.xml").write_bytes(cap("AFTER-FAR"))
    settle(folder, "a-far.xml", "b-good.xml")
    app.extensions["signage.background"].run_once(time.time())
    assert len(active(app)) == 1
    assert (folder / "done" / "b-good.xml").exists()
    assert (folder / "rejected" / "a-far.xml").exists()
    assert "not between 1970 and 2999" in (folder / "rejected" / "a-far.xml.error.txt").read_text()


def test_an_unforeseen_error_rejects_only_that_file(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cap"
    folder.mkdir()
    (folder / "a-breaks.xml").write_bytes(cap("BREAKS"))
    (folder / "b-good.xml").write_bytes(cap("GOOD"))
    settle(folder, "a-breaks.xml", "b-good.xml")
    applying = CapSource.apply

    def apply(self: CapSource, alert: Alert, origin: str) -> None:
        if alert.identifier == "BREAKS":
            raise ZeroDivisionError("division by zero")
        applying(self, alert, origin)

    monkeypatch.setattr(CapSource, "apply", apply)
    app.extensions["signage.background"].run_once(time.time())
    assert len(active(app)) == 1
    assert (folder / "done" / "b-good.xml").exists()
    reason = (folder / "rejected" / "a-breaks.xml.error.txt").read_text()
    assert "ZeroDivisionError: division by zero" in reason


def test_a_file_over_the_size_limit_is_rejected_unread(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "cap"
    folder.mkdir()
    (folder / "big.xml").write_bytes(cap("BIG") + b" " * MAX_DOCUMENT)
    settle(folder, "big.xml")
    app.extensions["signage.background"].run_once(time.time())
    assert active(app) == []
    reason = (folder / "rejected" / "big.xml.error.txt").read_text()
    assert f"larger than {MAX_DOCUMENT} bytes" in reason
