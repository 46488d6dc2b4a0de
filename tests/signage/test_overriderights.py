"""Who may send an override to which target from the console: the permissions table."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from signage.overriderights import may_send_to_all, may_target

ROLES = ("viewer", "editor", "admin")
DECLARED = ("lobby", "gate")
SCREENS = {"lobby-1": ("lobby",), "both-1": ("lobby", "gate")}


@dataclass(frozen=True)
class Operator:
    role: str
    groups: tuple[str, ...] = ()

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def may_edit_group(self, group: str) -> bool:
        return self.may("admin") or group in self.groups


VIEWER = Operator("viewer", ("lobby", "gate"))
LOBBY_EDITOR = Operator("editor", ("lobby",))
EVERY_GROUP_EDITOR = Operator("editor", ("lobby", "gate"))
NO_GROUP_EDITOR = Operator("editor")
ADMIN = Operator("admin")

TABLE = [
    # operator, target, allowed
    (VIEWER, "group:lobby", False),
    (VIEWER, "all", False),
    (LOBBY_EDITOR, "group:lobby", True),
    (LOBBY_EDITOR, "group:gate", False),
    (LOBBY_EDITOR, "all", False),
    (LOBBY_EDITOR, "screen:lobby-1", True),
    (LOBBY_EDITOR, "screen:both-1", False),
    (LOBBY_EDITOR, "screen:unknown", False),
    (EVERY_GROUP_EDITOR, "group:gate", True),
    (EVERY_GROUP_EDITOR, "all", True),
    (EVERY_GROUP_EDITOR, "screen:both-1", True),
    (NO_GROUP_EDITOR, "group:lobby", False),
    (NO_GROUP_EDITOR, "all", False),
    (ADMIN, "group:lobby", True),
    (ADMIN, "group:gate", True),
    (ADMIN, "all", True),
    (ADMIN, "screen:both-1", True),
]


@pytest.mark.parametrize(("operator", "target", "allowed"), TABLE)
def test_permissions(operator: Operator, target: str, allowed: bool) -> None:
    assert may_target(operator, target, DECLARED, SCREENS) is allowed


@pytest.mark.parametrize(
    ("operator", "declared", "allowed"),
    [
        (EVERY_GROUP_EDITOR, DECLARED, True),
        (EVERY_GROUP_EDITOR, (*DECLARED, "new-group"), False),
        (NO_GROUP_EDITOR, (), False),
        (ADMIN, (), True),
    ],
)
def test_all_screens_needs_every_declared_group(
    operator: Operator, declared: tuple[str, ...], allowed: bool
) -> None:
    assert may_send_to_all(operator, declared) is allowed
