"""`bluezone-signage venues add|list|revoke`: the token alone on the last line of standard
output, guidance on standard error, an active id refused, revoke at once, all audited."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner

from signage import services
from signage.cli import main
from tests.signage.console.conftest import console_of


def test_add_list_and_revoke(app: Flask) -> None:
    runner: FlaskCliRunner = app.test_cli_runner()
    added = runner.invoke(main, ["venues", "add", "ben-xe"])
    assert added.exit_code == 0, added.output
    token = added.stdout.strip().splitlines()[-1]
    assert added.stdout.strip() == token
    assert "PORTAL_REPORT_TOKEN" in added.stderr and token not in added.stderr
    assert services.venues(app).venue_of(token) == "ben-xe"
    again = runner.invoke(main, ["venues", "add", "ben-xe"])
    assert again.exit_code == 1 and "exists already" in again.stderr
    bad = runner.invoke(main, ["venues", "add", "bến xe"])
    assert bad.exit_code == 1 and "is not a venue id" in bad.stderr
    listed = runner.invoke(main, ["venues", "list"])
    assert listed.stdout.split("\t")[:2] == ["ben-xe", "never"]
    revoked = runner.invoke(main, ["venues", "revoke", "ben-xe"])
    assert revoked.exit_code == 0 and services.venues(app).venue_of(token) is None
    assert runner.invoke(main, ["venues", "list"]).stdout.split("\t")[1] == "revoked"
    missing = runner.invoke(main, ["venues", "revoke", "ben-xe"])
    assert missing.exit_code == 1 and "no active venue" in missing.stderr
    actions = [(e.action, e.target) for e in console_of(app).audit.entries()]
    assert ("venue.add", "ben-xe") in actions and ("venue.revoke", "ben-xe") in actions
