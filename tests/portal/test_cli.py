"""The bluezone-portal commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from bluezone.storage.database import Database
from portal import create_app
from portal.cli import main

from .conftest import accept, make_config


@pytest.fixture
def app(tmp_path: Path, database: Database) -> Flask:
    """These commands run on both engines: the portal's database is the engine's."""
    return create_app(make_config(tmp_path, database=database.url or str(database.path)))


def test_sessions_and_stats(app: Flask, runner: FlaskCliRunner) -> None:
    accept(app.test_client(), lang="ja")
    sessions = runner.invoke(main, ["sessions", "--json"], catch_exceptions=False)
    assert len(json.loads(sessions.output)) == 1
    stats = runner.invoke(main, ["stats", "--json"], catch_exceptions=False)
    kinds = sorted((row["kind"], row["lang"]) for row in json.loads(stats.output))
    assert kinds == [("accept", "ja"), ("view", "vi")]


def test_purge(runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, ["purge"], catch_exceptions=False)
    assert "removed 0 expired sessions" in result.output


def test_check_config_reports_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "portal.yaml"
    bad.write_text("session_minutes: soon\n")
    result = FlaskCliRunner(Flask("x")).invoke(main, ["check-config", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:1: session_minutes: expected a whole number" in result.output
    good = tmp_path / "good.yaml"
    good.write_text("venue_name: Sân bay Tuy Hòa\n")
    result = FlaskCliRunner(Flask("x")).invoke(main, ["check-config", str(good)])
    assert result.exit_code == 0, result.output


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    from ..conftest import free_port

    config = tmp_path / "portal.yaml"
    url = f"postgresql://bz:hunter2@127.0.0.1:{free_port()}/portal"
    config.write_text(f"database: {url}\nsecret_key: {'k' * 32}\n")
    result = FlaskCliRunner(Flask("x")).invoke(main, ["check-config", str(config)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: database: cannot use postgresql://bz:***@127.0.0.1")
    assert "Connection refused" in result.output and "hunter2" not in result.output
    assert "Traceback" not in result.output
