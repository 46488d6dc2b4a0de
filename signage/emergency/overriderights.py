"""Who may send (and cancel) an emergency override to which target, from the console.

The table (also in the README):

| operator | `group:<g>` | `all` | `screen:<s>` |
|---|---|---|---|
| viewer | no | no | no |
| editor | when given `g` | when given every declared group | when given every group of `s` |
| admin | yes | yes | yes |

"All screens" reaches screens of groups an editor was not given, so it needs every group. The
CLI and the HTTP API (server-side credentials) are not limited by this table. Pure: the
operator is anything with `may(role)` and `may_edit_group(group)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol


class Sender(Protocol):
    """The part of a console operator this policy needs."""

    def may(self, role: str) -> bool: ...

    def may_edit_group(self, group: str) -> bool: ...


def may_target(
    sender: Sender,
    target: str,
    declared_groups: Iterable[str],
    screen_groups: Mapping[str, Iterable[str]] | None = None,
) -> bool:
    """True when `sender` may send or cancel an override for `target`."""
    if not sender.may("editor"):
        return False
    if sender.may("admin"):
        return True
    kind, _, name = target.partition(":")
    if target == "all":
        groups = list(declared_groups)
        return bool(groups) and all(sender.may_edit_group(g) for g in groups)
    if kind == "group":
        return sender.may_edit_group(name)
    if kind == "screen" and screen_groups is not None and name in screen_groups:
        groups = list(screen_groups[name])
        return bool(groups) and all(sender.may_edit_group(g) for g in groups)
    return False


def may_send_to_all(sender: Sender, declared_groups: Iterable[str]) -> bool:
    """True when the "all screens" choice is open to `sender`."""
    return may_target(sender, "all", declared_groups)
