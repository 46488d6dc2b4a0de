"""Problems from the playlist checks, shown to operators in Vietnamese (English stays as is).

Each code has a test of its own wording in `test_problem_catalog`; these feed real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from signage.console import problems
from signage.editing.history import History
from signage.editing.publish import MAX_TEXT, Publisher, Refused

# Each playlist text breaks one rule; the problem it gives is rendered from its code.
BROKEN = [
    ("items:\n  - text: {en: {title: A}}\n    duration: 5\n", "chưa có tiếng Việt"),
    ("items:\n  - text: {vi: {title: A}}\n", "còn thiếu số giây hiển thị"),
    ("items:\n  - text: {vi: {title: A}}\n    duration: mười\n", "phải là một số"),
    ("items:\n  - text: {vi: {title: A}}\n    duration: 1\n", "phải từ 3 đến 600"),
    ("items:\n  - text: {vi: {title: A}}\n    duration: 5\n    priority: 1.5\n", "số nguyên"),
    ("items:\n  - text: {vi: {title: ''}}\n    duration: 5\n", "đang trống"),
    ("items:\n  - text: {vi: {title: 12}}\n    duration: 5\n", "phải là chữ"),
    ('items:\n  - ticker: {vi: "a\\nb"}\n    duration: 5\n', "một dòng"),
    ("items:\n  - text: {vi: {title: Cha\u0300o}}\n    duration: 5\n", "NFC"),
    ("items:\n  - image: {file: missing.png}\n    duration: 5\n", "trong thư viện"),
    ("items:\n  - image: {file: notes.txt}\n    duration: 5\n", "loại tệp"),
    (
        "items:\n  - text: {vi: {title: A}}\n    duration: 5\n"
        "    schedule: {times: ['07:00-07:00']}\n",
        "dài bằng 0",
    ),
    (
        "items:\n  - text: {vi: {title: A}}\n    duration: 5\n"
        "    schedule: {times: ['07:00-09:00', '08:00-10:00']}\n",
        "trùng với",
    ),
    (
        "items:\n  - text: {vi: {title: A}}\n    duration: 5\n    schedule: {times: ['7h-9h']}\n",
        "HH:MM-HH:MM",
    ),
    (
        "items:\n  - text: {vi: {title: A}}\n    duration: 5\n"
        "    schedule: {times: ['25:00-26:00']}\n",
        "không phải là giờ hợp lệ",
    ),
    (
        "items:\n  - text: {vi: {title: A}}\n    duration: 5\n"
        "    schedule: {times: ['20:00-19:60']}\n",
        "kết thúc trong khoảng",
    ),
    (
        "items:\n  - text: {vi: {title: A}}\n    duration: 5\n"
        "    schedule: {from: 2026-12-10, until: 2026-12-01}\n",
        "trước ngày bắt đầu",
    ),
    (
        "items:\n  - text: {vi: {title: A}}\n    duration: 5\n"
        "    schedule: {from: 2026-12-01, until: 2026-12-02, weekdays: [sun]}\n",
        "không có ngày nào",
    ),
    (
        "items:\n  - text: {vi: {title: A}}\n    duration: 5\n    schedule: {from: mai}\n",
        "phải là một ngày",
    ),
    ("items:\n  - qr: {}\n    duration: 5\n", "đúng một trong hai"),
    ("items:\n  - qr: {url: bluezone.gov.vn}\n    duration: 5\n", "không phải là địa chỉ web"),
    ("items:\n  - include: nowhere\n", "Không có danh sách phát 'nowhere'"),
    ("items:\n  - include: lobby\n", "vòng lặp"),
    ("items:\n  - text: {vi: {title: A}}\n    duraton: 5\n", "có phải bạn định viết 'duration'"),
    ("items:\n  - duration: 5\n", "chưa cho biết"),
    ("items: []\n", "trống"),
    ("items: [\n", "không phải YAML hợp lệ"),
    ("<<<<<<< yours\nitems: []\n", "dòng đánh dấu xung đột"),
    ("items:\n" + "#" * MAX_TEXT + "\n", "tách thành vài danh sách phát nhỏ"),
    (
        "a: &a [x, x]\n"
        + "".join(
            f"a{n}: &a{n} [{', '.join([f'*a{n - 1}' if n > 1 else '*a'] * 9)}]\n"
            for n in range(1, 8)
        ),
        "bí danh",
    ),
    ("items: &r [*r]\n", "trỏ đến chính khối"),
    ("items: " + "[" * 100 + "\n", "lồng nhau sâu hơn"),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_problems_in_vietnamese(app: Flask, playlists: Path, text: str, expected: str) -> None:
    publisher = Publisher(playlists, History(playlists.parent / "history.sqlite3"))
    base = publisher.open("lobby")[1]
    outcome = publisher.publish("lobby", text, base, "lan")
    assert isinstance(outcome, Refused)
    with app.test_request_context("/console/", headers={"Accept-Language": "vi"}):
        shown = [problems.localise(p) for p in outcome.problems]
    assert any(expected in message for message in shown), (shown, outcome.problems)
    with app.test_request_context("/console/", headers={"Accept-Language": "en"}):
        assert [problems.localise(p) for p in outcome.problems] == [
            p.message for p in outcome.problems
        ]
