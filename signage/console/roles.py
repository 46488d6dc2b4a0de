"""How roles are named and explained to operators, in their language."""

from __future__ import annotations

from signage.accounts.operators import Operator

from .i18n import _


def label(role: str) -> str:
    """The role's name for people."""
    return {"viewer": _("Viewer"), "editor": _("Editor"), "admin": _("Administrator")}.get(
        role, role
    )


def explain(operator: Operator) -> str:
    """One sentence saying what `operator` may do."""
    if operator.role == "admin":
        return _("You are an administrator: you may change everything and manage the operators.")
    if operator.role == "editor":
        if not operator.groups:
            return _(
                "You are an editor without any screen group yet: ask an administrator to give "
                "you the groups you look after."
            )
        return _(
            "You may edit playlists and send emergency messages to your groups: %(groups)s.",
            groups=", ".join(operator.groups),
        )
    return _("You may look at everything, but not change anything.")
