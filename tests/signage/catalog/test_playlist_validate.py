"""Each mistake an operator can make is reported at its line and column with a clear message."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from signage.catalog.loader import load_catalog

SCREENS = """\
groups:
  hall:
    name: Sảnh chính
    playlist: main
screens:
  - id: hall-1
    name: Màn hình sảnh
    groups: [hall]
    languages: [vi, en]
"""

MAIN = """\
items:
  - text:
      vi:
        title: Xin chào
    duration: 10
"""


def write(directory: Path, files: dict[str, str]) -> None:
    (directory / "media").mkdir(exist_ok=True)
    (directory / "media" / "pic.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    for name, text in {"screens.yaml": SCREENS, "main.yaml": MAIN, **files}.items():
        (directory / name).write_text(text, encoding="utf-8")


def found(directory: Path) -> list[str]:
    return [str(problem) for problem in sorted(load_catalog(directory).problems)]


def item(body: str) -> str:
    """A playlist whose only item is `body`, indented under '  - '."""
    lines = body.splitlines()
    return "items:\n  - " + lines[0] + "\n" + "".join(f"    {line}\n" for line in lines[1:])


TEXT = "text:\n  vi:\n    title: Xin chào"

CASES = [
    pytest.param(
        {"main.yaml": "items:\n  - text: [\n"},
        [
            "main.yaml:3:1: this is not valid YAML: expected the node content, "
            "but found '<stream end>'"
        ],
        id="bad-yaml",
    ),
    pytest.param(
        {"main.yaml": "items:\n\t- text: x\n"},
        ["main.yaml:2:1: this is not valid YAML: found character '\\t' that cannot start"],
        id="tab",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: 10\nduration: 12")},
        ["main.yaml:6:5: 'duration' is written twice in the same block (first on line 5)"],
        id="duplicate-key",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduraton: 10")},
        [
            "main.yaml:2:5: a text item has no 'duration'; say how many seconds",
            "main.yaml:5:5: unknown key 'duraton' in a text item; expected one of: text, "
            "duration, schedule, priority (did you mean 'duration'?)",
        ],
        id="unknown-key",
    ),
    pytest.param(
        {"main.yaml": "items:\n  - text:\n      vi:\n        title: Xin chào\n"},
        ["main.yaml:2:5: a text item has no 'duration'"],
        id="missing-duration",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: ten")},
        ["main.yaml:5:15: duration (seconds) must be a number, such as 10, not the text 'ten'"],
        id="duration-text",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: 1")},
        ["main.yaml:5:15: duration (seconds) must be from 3 to 600, not 1"],
        id="duration-short",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: .nan")},
        ["main.yaml:5:15: duration (seconds) must be a number"],
        id="duration-nan",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: yes")},
        ["main.yaml:5:15: duration (seconds) must be a number, such as 10, not the yes/no"],
        id="duration-bool",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: 10\npriority: 1.5")},
        ["main.yaml:6:15: priority must be a whole number from 0 to 100, not the number 1.5"],
        id="priority-float",
    ),
    pytest.param(
        {"main.yaml": item("text:\n  vi:\n    title: 2020\nduration: 10")},
        ["main.yaml:4:16: the title must be text, not the number 2020; put it in quotes"],
        id="title-number",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\n  cn:\n    title: 你好\nduration: 10")},
        [
            "main.yaml:5:7: unknown language code 'cn' in 'text' (say which script: 'zh-Hans' "
            "for simplified, 'zh-Hant' for traditional); expected one of: vi, en, ko, zh-Hans"
        ],
        id="language-unknown",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\n  zh-hans:\n    title: 你好\nduration: 10")},
        ["main.yaml:5:7: unknown language code 'zh-hans' in 'text' (write it 'zh-Hans')"],
        id="language-case",
    ),
    pytest.param(
        {"main.yaml": item("text:\n  en:\n    title: Hello\nduration: 10")},
        ["main.yaml:3:7: 'text' has no Vietnamese ('vi:'); every screen shows Vietnamese"],
        id="vietnamese-missing",
    ),
    pytest.param(
        {
            "main.yaml": item(
                "text:\n  vi:\n    title: "
                + unicodedata.normalize("NFD", "Xin chào Việt Nam")
                + "\nduration: 10"
            )
        },
        ["main.yaml:4:16: the title is not in Unicode NFC: 'chào' is stored as letters"],
        id="not-nfc",
    ),
    pytest.param(
        {"main.yaml": item("image:\n  file: missing.png\nduration: 10")},
        ["main.yaml:3:13: media file 'missing.png' does not exist: copy it to the media/"],
        id="media-missing",
    ),
    pytest.param(
        {"main.yaml": item("image:\n  file: pic.bmp\nduration: 10")},
        ["main.yaml:3:13: the image file 'pic.bmp' must be one of these file types: .png"],
        id="media-type",
    ),
    pytest.param(
        {"main.yaml": item("video:\n  file: ../media/pic.mp4\nduration: 10")},
        ["main.yaml:3:13: the video file '../media/pic.mp4' must be a path inside media/"],
        id="media-outside",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nclock:\nduration: 10")},
        ["main.yaml:5:5: an item shows one thing, but this one has both 'text' and 'clock'"],
        id="two-kinds",
    ),
    pytest.param(
        {"main.yaml": item("duration: 10")},
        [
            "main.yaml:2:5: this item does not say what to show; give it one of: text, image, "
            "video, qr, html, clock, ticker"
        ],
        id="no-kind",
    ),
    pytest.param(
        {"main.yaml": item("qr:\n  url: https://www.bluezone.gov.vn\n  campaign: bz\nduration: 9")},
        ["main.yaml:3:7: a qr item needs exactly one of 'url' (a fixed address) or 'campaign'"],
        id="qr-both",
    ),
    pytest.param(
        {"main.yaml": item("qr:\n  url: www.bluezone.gov.vn\nduration: 9")},
        ["main.yaml:3:12: 'www.bluezone.gov.vn' is not a web address; write it in full"],
        id="qr-url",
    ),
    pytest.param(
        {"main.yaml": item("html:\n  vi: <p>Xin chào</p><script>alert(1)</script>\nduration: 9")},
        ["main.yaml:3:11: 'html' in vi: <script> is not allowed in html items; allowed tags:"],
        id="html-script",
    ),
    pytest.param(
        {"main.yaml": item("html:\n  vi: '<p onclick=\"go()\">Xin chào</p>'\nduration: 9")},
        ["main.yaml:3:11: 'html' in vi: event handler 'onclick' on <p> is not allowed"],
        id="html-handler",
    ),
    pytest.param(
        {"main.yaml": item("ticker:\n  vi: |\n    Dòng một\n    Dòng hai\nduration: 20")},
        ["main.yaml:3:11: 'ticker' in vi must be a single line"],
        id="ticker-lines",
    ),
    pytest.param(
        {
            "main.yaml": item(
                TEXT + "\nduration: 9\nschedule:\n  from: 2026-05-02\n  until: 2026-05-01"
            )
        },
        [
            "main.yaml:8:14: 'until' (2026-05-01) is before 'from' (2026-05-02), so the item "
            "would never show"
        ],
        id="dates-reversed",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: 9\nschedule:\n  from: 2026-02-30")},
        ["main.yaml:7:13: '2026-02-30' is not a real date: day is out of range for month"],
        id="date-unreal",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: 9\nschedule:\n  times: ['08:00-08:00']")},
        ["main.yaml:7:15: the time window 08:00-08:00 has no length, so the item would never"],
        id="window-empty",
    ),
    pytest.param(
        {
            "main.yaml": item(
                TEXT + "\nduration: 9\nschedule:\n  times: ['07:00-12:00', '11:00-13:00']"
            )
        },
        ["main.yaml:7:30: the time window 11:00-13:00 overlaps 07:00-12:00 (line 7); merge them"],
        id="windows-overlap",
    ),
    pytest.param(
        {
            "main.yaml": item(
                TEXT + "\nduration: 9\nschedule:\n  times: ['22:00-06:00', '05:00-07:00']"
            )
        },
        ["main.yaml:7:30: the time window 05:00-07:00 overlaps 22:00-06:00 (line 7)"],
        id="windows-overlap-midnight",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: 9\nschedule:\n  times: ['7h-9h']")},
        ["main.yaml:7:15: '7h-9h': write a time window as HH:MM-HH:MM on the 24-hour clock"],
        id="window-format",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: 9\nschedule:\n  times: ['18:00-24:30']")},
        ["main.yaml:7:15: '18:00-24:30': 24:30 is not a time of day; the end must be 00:00"],
        id="window-past-midnight",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: 9\nschedule:\n  weekdays: [monday]")},
        ["main.yaml:7:18: the text 'monday' is not a weekday; use mon, tue, wed, thu, fri"],
        id="weekday-name",
    ),
    pytest.param(
        {"main.yaml": item(TEXT + "\nduration: 9\nschedule:\n  weekdays: []")},
        ["main.yaml:7:17: 'weekdays' is an empty list; give at least one"],
        id="weekdays-empty",
    ),
    pytest.param(
        {
            "main.yaml": item(
                TEXT + "\nduration: 9\nschedule:\n  from: 2026-12-05\n  until: 2026-12-06\n"
                "  weekdays: [mon, tue]"
            )
        },
        ["main.yaml:9:17: no day from 2026-12-05 to 2026-12-06 falls on these weekdays"],
        id="weekdays-outside-dates",
    ),
    pytest.param(
        {"main.yaml": "items:\n  - include: nothing\n"},
        ["main.yaml:2:14: there is no playlist 'nothing' to include; known playlists: main"],
        id="include-unknown",
    ),
    pytest.param(
        {"main.yaml": "items:\n  - include: main\n"},
        ["main.yaml:2:14: this include makes a loop (main → main)"],
        id="include-self",
    ),
    pytest.param(
        {"main.yaml": "items: []\n"},
        ["main.yaml:1:8: 'items' is an empty list; give at least one"],
        id="items-empty",
    ),
    pytest.param(
        {"main.yaml": ""},
        ["main.yaml:1:1: the file is empty; a playlist needs 'items'"],
        id="playlist-empty",
    ),
    pytest.param(
        {"main.yaml": MAIN + "extra: 1\n"},
        ["main.yaml:6:1: unknown key 'extra' in a playlist; expected one of: items, name"],
        id="playlist-unknown-key",
    ),
    pytest.param(
        {"Main Hall.yaml": MAIN},
        ["Main Hall.yaml:1:1: the file name 'Main Hall' is the playlist id: use only lowercase"],
        id="playlist-file-name",
    ),
    pytest.param(
        {
            "screens.yaml": SCREENS + "  - id: hall-1\n    name: Hai\n    groups: [hall]\n"
            "    languages: [vi]\n"
        },
        ["screens.yaml:10:9: screen id 'hall-1' is already used on line 6; every screen needs"],
        id="screen-duplicate",
    ),
    pytest.param(
        {"screens.yaml": SCREENS.replace("[hall]", "[hal]")},
        ["screens.yaml:8:14: unknown group 'hal'; declared groups: hall (did you mean 'hall'?)"],
        id="screen-unknown-group",
    ),
    pytest.param(
        {"screens.yaml": SCREENS.replace("playlist: main", "playlist: mian")},
        [
            "screens.yaml:4:15: group 'hall' names playlist 'mian', but there is no file "
            "mian.yaml; known playlists: main (did you mean 'main'?)"
        ],
        id="group-unknown-playlist",
    ),
    pytest.param(
        {"screens.yaml": SCREENS.replace("[vi, en]", "[vi, fr]")},
        ["screens.yaml:9:21: unknown language code 'fr' in 'languages'; expected one of"],
        id="screen-language",
    ),
    pytest.param(
        {"screens.yaml": SCREENS.replace("[vi, en]", "[en]")},
        ["screens.yaml:9:16: 'languages' must include vi: every screen shows Vietnamese"],
        id="screen-without-vietnamese",
    ),
    pytest.param(
        {"screens.yaml": SCREENS + "    orientation: sideways\n"},
        ["screens.yaml:10:18: orientation must be one of: landscape, portrait, not the text"],
        id="screen-orientation",
    ),
    pytest.param(
        {"screens.yaml": SCREENS.replace("hall-1", "Hall 1")},
        ["screens.yaml:6:9: the screen id 'Hall 1' may use only lowercase letters a-z, digits"],
        id="screen-id",
    ),
    pytest.param(
        {"screens.yaml": "venue:\n  timezone: Asia/Saigon City\n" + SCREENS},
        ["screens.yaml:2:13: unknown time zone 'Asia/Saigon City'; use a name from the IANA"],
        id="timezone",
    ),
    pytest.param(
        {"screens.yaml": SCREENS + "screen:\n  - id: x\n"},
        [
            "screens.yaml:10:1: unknown key 'screen' in screens.yaml; expected one of: groups, "
            "screens, venue (did you mean 'screens'?)"
        ],
        id="screens-unknown-key",
    ),
]


@pytest.mark.parametrize(("files", "expected"), CASES)
def test_problem_is_reported_where_it_is(
    tmp_path: Path, files: dict[str, str], expected: list[str]
) -> None:
    write(tmp_path, files)
    problems = found(tmp_path)
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), problems


def test_the_minimal_catalog_is_clean(tmp_path: Path) -> None:
    write(tmp_path, {})
    assert found(tmp_path) == []


def test_missing_screens_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {})
    (tmp_path / "screens.yaml").unlink()
    result = load_catalog(tmp_path)
    assert result.catalog is None
    assert [str(p) for p in result.problems] == [
        "screens.yaml:1:1: screens.yaml is missing: it declares the groups and screens"
    ]


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for n in range(1, 7):
        bomb += (
            f"{'abcdefg'[n]}: &{'abcdefg'[n]} [" + ", ".join([f"*{'abcdefg'[n - 1]}"] * 10) + "]\n"
        )
    write(tmp_path, {"main.yaml": bomb})
    assert any("expands to more than" in p for p in found(tmp_path))


def test_unknown_tag_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"main.yaml": "items: !!python/object:os.system [ls]\n"})
    assert found(tmp_path)[0].startswith(
        "main.yaml:1:8: the tag tag:yaml.org,2002:python/object:os.system is not supported"
    )


def test_a_file_not_in_utf8_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {})
    (tmp_path / "main.yaml").write_bytes("items:\n  - text:\n      vi: Xin chào\n".encode("cp1258"))
    assert found(tmp_path) == ["main.yaml:3:1: the file is not saved as UTF-8; save it as UTF-8"]


def test_a_byte_order_mark_and_windows_line_ends_are_accepted(tmp_path: Path) -> None:
    write(tmp_path, {})
    (tmp_path / "main.yaml").write_bytes(b"\xef\xbb\xbf" + MAIN.replace("\n", "\r\n").encode())
    assert found(tmp_path) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("items: []\n---\nitems: []\n", "main.yaml:2:1: a second document starts here"),
        ("items: &x [*x]\n", "main.yaml:1:8: an alias (*name) refers to the block that contains"),
        ("a: {b: 1}\n<<: {c: 2}\n", "main.yaml:2:1: merge keys ('<<') are not supported"),
        ("? [a]\n: 1\n", "main.yaml:1:3: a key must be a plain name, not a list or a block"),
        ("items: !!binary aGVsbG8=\n", "main.yaml:1:8: the tag tag:yaml.org,2002:binary is not"),
        ("items:\n\t- x\n", "main.yaml:2:1: this is not valid YAML: found character '\\t'"),
    ],
)
def test_yaml_that_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path, {"main.yaml": text})
    problems = found(tmp_path)
    assert problems[0].startswith(expected), problems


def test_tabs_get_a_hint(tmp_path: Path) -> None:
    write(tmp_path, {"main.yaml": "items:\n\t- x\n"})
    assert found(tmp_path)[0].endswith("; indent with spaces, not tabs")
