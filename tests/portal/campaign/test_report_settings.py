"""The reporting settings: a bad combination stops the portal naming the key; the token file
must be private; `bluezone-portal report --once` says what was sent or why not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal import create_app
from portal.cli import main
from portal.config import ConfigError, load_config
from tests.conftest import free_port
from tests.portal.conftest import make_config

TOKEN = "r" * 43


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"report_url": "http://centre.example"}, "report_url: reporting needs the venue's token"),
        ({"report_token": TOKEN}, "report_token: a report token is set but report_url is empty"),
        (
            {"report_url": "http://c.example", "report_token": TOKEN, "report_token_file": "/x"},
            "report_token_file: set report_token (PORTAL_REPORT_TOKEN) or report_token_file",
        ),
        ({"report_url": "ftp://c.example", "report_token": TOKEN}, "report_url: expected an http"),
        ({"report_url": "http://c.example/?a=1", "report_token": TOKEN}, "report_url: must be"),
        ({"report_url": "http://c", "report_token": "short"}, "report_token: use at least 16"),
        ({"report_interval": 0}, "report_interval: must be between 1 and 86400"),
        ({"report_interval": 86401}, "report_interval: must be between 1 and 86400"),
    ],
)
def test_bad_combinations_name_the_key(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config(None, environ={}, overrides=settings)
    assert message in str(refused.value)


def test_the_token_comes_from_the_environment() -> None:
    config = load_config(
        None,
        environ={"PORTAL_REPORT_URL": "https://centre.example/", "PORTAL_REPORT_TOKEN": TOKEN},
    )
    assert (config.report_url, config.report_token, config.report_interval) == (
        "https://centre.example",
        TOKEN,
        300,
    )


def test_the_token_is_refused_in_the_configuration_file(tmp_path: Path) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(f"report_url: http://centre.example\nreport_token: {TOKEN}\n")
    with pytest.raises(ConfigError) as refused:
        load_config(path, environ={})
    assert f"{path}:2: report_token: not in the configuration file" in str(refused.value)


def test_the_token_file_must_be_private(tmp_path: Path) -> None:
    token_file = tmp_path / "report-token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o644)
    settings = make_config(
        tmp_path, report_url="http://127.0.0.1:9", report_token_file=str(token_file)
    )
    with pytest.raises(ConfigError, match=r"report_token_file: .* may be read by others"):
        create_app(settings)
    token_file.chmod(0o600)
    create_app(settings)


def test_report_once_says_why_it_failed_and_what_is_kept(tmp_path: Path) -> None:
    app = create_app(
        make_config(tmp_path, report_url=f"http://127.0.0.1:{free_port()}", report_token=TOKEN),
        install_gateway=False,
    )
    client = app.test_client()
    client.get("/", headers={"Host": "portal.test"})
    result = app.test_cli_runner().invoke(main, ["report", "--once", "--json"])
    assert result.exit_code == 1
    outcome = json.loads(result.stdout)
    assert (outcome["error"], outcome["backlog"]) == ("unreachable", 1)
    assert "the report failed (unreachable)" in result.stderr


def test_report_once_without_a_report_url(tmp_path: Path) -> None:
    app = create_app(make_config(tmp_path), install_gateway=False)
    result = app.test_cli_runner().invoke(main, ["report", "--once"])
    assert result.exit_code == 1 and "reporting is off: set report_url" in result.stderr
