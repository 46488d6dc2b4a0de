"""`bluezone-signage screens ...`: list, pending, approve, approve-all-pending and revoke, on the
same store and audit log as the console."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from signage.cli import main
from signage.live.enrollment import EnrollmentStore
from signage.live.hub import Hub
from tests.signage.console.conftest import console_of


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def store(app: Flask) -> EnrollmentStore:
    hub: Hub = app.extensions["signage"]
    return hub.trust.store


def run(runner: FlaskCliRunner, *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(main, ["screens", *args], input=input)
    return result.exit_code, result.output


def actions(app: Flask) -> list[tuple[str, str]]:
    return [(e.action, e.target) for e in console_of(app).audit.entries()]


def test_list_pending_approve_and_revoke(
    app: Flask, runner: FlaskCliRunner, store: EnrollmentStore
) -> None:
    store.enroll("lobby-1", "admin")
    pairing = store.request("gate-1", "10.0.0.9")
    code, output = run(runner, "list")
    assert code == 0, output
    lines = dict(line.split("\t", 1) for line in output.splitlines())
    assert lines["lobby-1"].startswith("enrolled\t")
    assert lines["gate-1"] == f"waiting\tcode {pairing.code}\t-"
    assert lines["lobby-2"] == "not enrolled\t-\t-"
    code, output = run(runner, "pending")
    assert code == 0 and output.startswith(f"{pairing.code}\tgate-1\t10.0.0.9\t")

    code, output = run(runner, "approve", pairing.code.lower())
    assert code == 0, output
    assert f"approved {pairing.code}: screen gate-1 (10.0.0.9)" in output
    assert store.poll("gate-1", pairing.secret).state == "enrolled"
    assert run(runner, "pending")[1] == "no screen is waiting for approval\n"

    code, output = run(runner, "revoke", "gate-1")
    assert code == 0 and "revoked the credential of gate-1" in output
    assert "gate-1" not in store.credentials()
    assert ("screen.approve", "gate-1") in actions(app)
    assert ("screen.revoke", "gate-1") in actions(app)
    assert all(e.actor.startswith("cli:") for e in console_of(app).audit.entries())


def test_unknown_codes_and_screens_are_errors(runner: FlaskCliRunner) -> None:
    code, output = run(runner, "approve", "AAAAAA")
    assert code == 1 and "no screen is waiting with the code 'AAAAAA'" in output
    code, output = run(runner, "revoke", "lobby-2")
    assert code == 1 and "was not enrolled" in output


def test_approve_all_pending_skips_screens_with_several_codes(
    runner: FlaskCliRunner, store: EnrollmentStore
) -> None:
    single = store.request("lobby-1")
    store.request("gate-1")
    # A second code for gate-1 once the spacing between requests has passed.
    later = store.pending()[-1].created + store.interval
    store.clock = lambda: later
    store.request("gate-1")
    code, output = run(runner, "approve-all-pending", input="n\n")
    assert code == 1 and "Approve 1 screens (lobby-1)?" in output
    assert not any(p.approved for p in store.pending())
    code, output = run(runner, "approve-all-pending", "--yes")
    assert code == 0, output
    assert "skipped gate-1: 2 codes pending" in output
    assert f"approved {single.code}: screen lobby-1" in output
    assert store.poll("lobby-1", single.secret).state == "enrolled"
    assert {p.screen for p in store.pending() if not p.approved} == {"gate-1"}
    assert run(runner, "approve-all-pending", "--yes")[1].endswith("no screen to approve\n")
