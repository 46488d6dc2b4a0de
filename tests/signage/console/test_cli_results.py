"""`bluezone-signage results`: every table the console downloads, byte for byte as its CSV link
gives it for the same filters, from the real portal's `/api/stats`, the venue boxes' reports
and the play log; the list of tables; each bad option named; `--out` written whole, never over
an existing file unless `--force`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from signage import create_app
from signage.cli import main
from signage.live.playlog import Play
from tests.signage.console import test_results_views as views
from tests.signage.console.test_results_views import hub_of, report, ts

# The portal on a loopback port and a viewer of the console reading it, as on the results
# page's tests.
portal = views.portal
console_settings = views.console_settings
viewer = views.viewer

FIRST, LAST = "2026-11-01", "2026-11-02"
NAMES = [
    "funnel",
    "funnel_sources",
    "days",
    "venues",
    "screens",
    "os",
    "languages",
    "items",
    "playlists",
    "plays_per_screen",
]


def run(app: Flask, *args: str) -> Result:
    runner: FlaskCliRunner = app.test_cli_runner()
    return runner.invoke(main, ["results", *args])


def listed(app: Flask, *args: str) -> list[str]:
    result = run(app, *args)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_the_list_names_every_table_the_console_downloads(app: Flask) -> None:
    lines = listed(app)
    assert [line.split("\t")[0] for line in lines] == NAMES
    assert "days\tPer day" in lines and "funnel\tCampaign funnel" in lines
    assert "days\tTheo ngày" in listed(app, "--lang", "vi")


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize(
    "filters",
    [
        {"from": FIRST, "to": LAST},
        {"from": FIRST, "to": LAST, "venue": "san-bay"},
        # Empty fields mean "all", on the page's form and on the command line.
        {"from": FIRST, "to": LAST, "venue": "", "screen": ""},
        {"from": FIRST, "to": LAST, "venue": "tuyhoa-bus", "screen": "lobby-1"},
    ],
)
def test_every_table_is_the_consoles_csv_byte_for_byte(
    app: Flask, viewer: FlaskClient, lang: str, filters: dict[str, str]
) -> None:
    # A box's reports beside the central portal's counts; a label a spreadsheet would run.
    report(app, "san-bay", {"2026-11-01T16": {("view", "vi", "ios", ""): 7}})
    report(app, "hon-kho", {"2026-11-02T03": {("qr_scan", "en", "android", "=cmd"): 2}})
    viewer.post("/console/language", data={"lang": lang, "next": "/console/results"})
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    options = [part for key, value in filters.items() for part in (f"--{key}", value)]
    names = [line.split("\t")[0] for line in listed(app)]
    for name in names:
        page = viewer.get(f"/console/results/{name}.csv?{query}")
        assert page.status_code == 200, name
        result = run(app, name, *options, "--lang", lang)
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes == page.data, name
        assert result.stderr == ""
    figures = run(app, "days", *options, "--lang", lang).stdout_bytes
    assert figures.startswith(b"\xef\xbb\xbf") and b"\r\n2026-11-02," in figures


def test_english_is_the_default_and_formula_cells_are_quoted(
    app: Flask, viewer: FlaskClient
) -> None:
    report(app, "hon-kho", {"2026-11-02T03": {("qr_scan", "en", "android", "=HYPERLINK(1)"): 2}})
    text = run(app, "screens", "--from", FIRST, "--to", LAST).stdout_bytes.decode("utf-8-sig")
    assert text.splitlines()[0] == "Screen,Screen name,QR scans"
    assert "'=HYPERLINK(1),,2" in text.splitlines()


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["days", "--from", "28/11/2026"], "'--from'", "'28/11/2026' is not a date (YYYY-MM-DD)"),
        (["days", "--to", "2026-13-01"], "'--to'", "'2026-13-01' is not a date (YYYY-MM-DD)"),
        (
            ["days", "--from", "2026-11-05", "--to", "2026-11-01"],
            "'--from' / '--to'",
            "the first day is after the last day",
        ),
        (
            ["days", "--from", "2024-01-01", "--to", "2026-01-01"],
            "'--from' / '--to'",
            "choose at most 366 days",
        ),
        (["nothing"], "'NAME'", "no table is called 'nothing'"),
        (["days", "--lang", "fr"], "'--lang'", "'fr' is not one of 'en', 'vi'"),
    ],
)
def test_bad_options_are_usage_errors_naming_the_option(
    app: Flask, tmp_path: Path, args: list[str], option: str, message: str
) -> None:
    out = tmp_path / "never.csv"
    result = run(app, *args, "--out", str(out))
    assert result.exit_code == 2
    # One line says what is wrong and which option, after click's usage lines.
    assert result.stderr.splitlines()[-1].startswith(
        f"Error: Invalid value for {option}: {message}"
    )
    assert result.stdout == "" and not out.exists()


def test_a_portal_that_refuses_is_a_warning_and_the_plays_are_written(
    console_settings: dict[str, Any],
) -> None:
    app = create_app({**console_settings, "PORTAL_STATS_TOKEN": "wrong-token-0123456789"})
    hub_of(app).programme.reload()
    hub_of(app).plays.record("lobby-1", [Play("x", "v", ts("2026-11-02T03:10"), 60)])
    result = run(app, "plays_per_screen", "--from", FIRST, "--to", LAST, "--lang", "vi")
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: The portal refused the token: portal_stats_token must equal the portal's"
        " stats_token.\n"
    )
    lines = result.stdout_bytes.decode("utf-8-sig").splitlines()
    assert lines == [
        "Màn hình,Tên màn hình,Lượt hiển thị,Số phút hiển thị",
        "lobby-1,Sảnh chờ 1,1,1",
    ]


def test_out_is_written_whole_and_never_over_an_existing_file(app: Flask, tmp_path: Path) -> None:
    out = tmp_path / "results" / "days.csv"
    out.parent.mkdir()
    args = ["days", "--from", FIRST, "--to", LAST]
    written = run(app, *args, "--out", str(out))
    assert written.exit_code == 0, written.output
    assert written.stdout == "" and "written to" in written.stderr
    assert out.read_bytes() == run(app, *args).stdout_bytes
    assert out.stat().st_mode & 0o777 == 0o644
    out.write_bytes(b"kept")
    again = run(app, *args, "--out", str(out))
    assert again.exit_code == 1 and f"{out} exists" in again.stderr
    assert out.read_bytes() == b"kept"
    forced = run(app, *args, "--to", "2026-11-03", "--out", str(out), "--force")
    assert forced.exit_code == 0 and b"2026-11-03" in out.read_bytes()
    # No temporary file is left beside it, whatever happened.
    assert [p.name for p in out.parent.iterdir()] == ["days.csv"]
    missing = run(app, *args, "--out", str(tmp_path / "no-such-dir" / "days.csv"))
    assert missing.exit_code == 1 and "No such file or directory" in missing.stderr
    folder = run(app, *args, "--out", str(out.parent))
    assert folder.exit_code == 2 and "is a directory" in folder.stderr
