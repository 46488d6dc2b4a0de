"""`bluezone-signage operators ...`: the same accounts, rules and audit log as the console."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from bluezone.storage.database import Database
from signage.accounts.operators import Operator, OperatorStore
from signage.cli import main
from tests.signage.console.conftest import Login, console_of


@pytest.fixture
def console_settings(console_settings: dict[str, Any], database: Database) -> dict[str, Any]:
    """These tests run on both engines: the console's database is the engine's."""
    return {**console_settings, "DATABASE": database.url or str(database.path)}


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def run(runner: FlaskCliRunner, *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(main, ["operators", *args], input=input)
    return result.exit_code, result.output


def test_add_asks_the_password_twice(
    app: Flask, runner: FlaskCliRunner, operators: OperatorStore, login: Login
) -> None:
    code, output = run(
        runner,
        "add", "Minh", "--role", "editor", "--group", "gate", "--group", "lobby",
        input="mật khẩu của Minh\nmật khẩu của Minh\n",
    )  # fmt: skip
    assert code == 0, output
    assert "added minh (role editor, groups gate, lobby)" in output
    assert operators.get("minh") == Operator("minh", "editor", ("gate", "lobby"))
    login(app.test_client(), "minh", "mật khẩu của Minh")
    entry = console_of(app).audit.entries()[-1]
    assert entry.action == "operator.add" and entry.actor.startswith("cli:")


def test_add_with_mismatched_passwords_asks_again(runner: FlaskCliRunner) -> None:
    code, output = run(
        runner,
        "add", "minh", "--role", "viewer",
        input="first password\nsecond password\nsame password!\nsame password!\n",
    )  # fmt: skip
    assert code == 0, output
    assert "do not match" in output


def test_password_file(tmp_path: Path, runner: FlaskCliRunner, app: Flask, login: Login) -> None:
    secret = tmp_path / "password.txt"
    secret.write_text("from a file, first line\nignored\n", encoding="utf-8")
    code, output = run(runner, "add", "minh", "--role", "viewer", "--password-file", str(secret))
    assert code == 0, output
    login(app.test_client(), "minh", "from a file, first line")
    code, output = run(runner, "passwd", "minh", "--password-file", "-", input="via stdin 12\n")
    assert code == 0, output
    login(app.test_client(), "minh", "via stdin 12")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "editor", "--role", "viewer"), "an operator called 'editor' already exists"),
        (("add", "x y", "--role", "viewer"), "'x y' is not a valid name"),
        (("add", "new", "--role", "owner"), "'owner' is not one of"),
        (("add", "new", "--role", "editor", "--group", "Sảnh"), "not a valid group id"),
        (("remove", "admin"), "admin is the last admin and cannot be removed"),
        (("remove", "ghost"), "no operator is called 'ghost'"),
        (("set-role", "admin", "viewer"), "admin is the last admin"),
        (("set-role", "ghost", "viewer"), "no operator is called 'ghost'"),
        (("set-role", "editor", "editor", "--group", "a", "--no-groups"), "exclude each other"),
        (("passwd", "ghost"), "no operator is called 'ghost'"),
    ],
)
def test_refusals_say_why(runner: FlaskCliRunner, args: tuple[str, ...], message: str) -> None:
    code, output = run(runner, *args, input="long enough password\n" * 2)
    assert code != 0
    assert message in output


def test_short_password_is_refused(runner: FlaskCliRunner, operators: OperatorStore) -> None:
    code, output = run(runner, "add", "new", "--role", "viewer", input="short\nshort\n")
    assert code == 1 and "at least 10 characters" in output
    assert operators.get("new") is None


def test_list_set_role_unlock_remove(
    app: Flask, runner: FlaskCliRunner, operators: OperatorStore
) -> None:
    for _ in range(5):
        console_of(app).guard.attempt("editor", "10.0.0.1", 1.0)
    code, output = run(runner, "list")
    assert output.splitlines() == [
        "admin\tadmin\t-\tactive",
        "editor\teditor\tlobby\tlocked",
        "viewer\tviewer\t-\tactive",
    ]
    assert run(runner, "unlock", "editor") == (0, "unlocked editor\n")
    assert run(runner, "unlock", "editor") == (0, "editor was not locked\n")
    code, output = run(runner, "set-role", "viewer", "editor", "--group", "gate")
    assert code == 0 and operators.get("viewer") == Operator("viewer", "editor", ("gate",))
    code, output = run(runner, "set-role", "viewer", "admin")
    assert operators.get("viewer") == Operator("viewer", "admin", ("gate",))
    code, output = run(runner, "set-role", "viewer", "viewer", "--no-groups")
    assert operators.get("viewer") == Operator("viewer", "viewer", ())
    assert run(runner, "remove", "viewer") == (0, "removed viewer\n")
    actions = [e.action for e in reversed(console_of(app).audit.entries())]
    assert actions == [
        "operator.unlock",
        "operator.update",
        "operator.update",
        "operator.update",
        "operator.remove",
    ]


def test_unknown_group_is_added_with_a_warning(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        main,
        ["operators", "set-role", "viewer", "editor", "--group", "kiosk-b"],
    )
    assert result.exit_code == 0
    assert "warning: group 'kiosk-b' is not declared in screens.yaml" in result.output
