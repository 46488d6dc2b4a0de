"""Who may send an override to which target from the console (the permissions table), and
reading the console's emergency form into override requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from signage.emergency.draft import DraftError, read_draft, requests
from signage.emergency.model import OverrideError
from signage.emergency.overriderights import may_send_to_all, may_target

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


FORM = {
    "target": ["group:lobby"],
    "headline-vi": ["Sơ tán"],
    "body-vi": ["Ra cửa gần nhất."],
    "headline-en": [""],
    "body-en": [""],
    "until": ["2026-11-28T18:00"],
}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"target": []}, "target"),
        ({"headline-vi": [" "], "body-vi": [""]}, "message"),
        ({"until": [""]}, "until"),
    ],
)
def test_incomplete_drafts(change: dict[str, list[str]], code: str) -> None:
    with pytest.raises(DraftError) as raised:
        read_draft({**FORM, **change}, ("vi", "en"))
    assert raised.value.code == code


def test_draft_to_requests_like_the_api() -> None:
    draft = read_draft({**FORM, "target": ["group:gate", "all"]}, ("vi", "en"))
    assert draft.targets == ("all",)
    assert set(draft.messages) == {"vi"}
    now = datetime(2026, 11, 28, 14, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    (request,) = requests(draft, now, DECLARED, SCREENS)
    assert request.target == "all"
    assert request.until == datetime(2026, 11, 28, 18, 0, tzinfo=now.tzinfo).timestamp()
    with pytest.raises(OverrideError, match="already past"):
        requests(read_draft({**FORM, "until": ["2026-11-28T10:00"]}, ("vi",)), now, DECLARED, [])
    with pytest.raises(OverrideError, match="unknown group 'nowhere'"):
        requests(read_draft({**FORM, "target": ["group:nowhere"]}, ("vi",)), now, DECLARED, [])
