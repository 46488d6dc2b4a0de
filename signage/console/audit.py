"""Recording console actions in the audit log (the page that shows it is `auditlog`).

`record(action, target, detail)` stores who (the signed-in operator), when, what and from
which address. Actions are dotted names: `login`, `login.failed`, `login.locked`,
`login.refused`, `logout`, `operator.add`, `operator.update`, `operator.password`,
`operator.unlock`, `operator.signout`, `operator.remove`, and those of the other console areas
(`playlist.publish`, ...).
"""

from __future__ import annotations

from flask import g, request

from signage import services


def record(action: str, target: str, detail: str = "", *, actor: str | None = None) -> None:
    """Store one audit entry for the current request.

    The actor is the signed-in operator, or `actor` when given (``-`` for nobody, e.g. a
    failed sign-in, whose typed name goes in `target`).
    """
    if actor is None:
        operator = g.get("operator")
        actor = operator.name if operator is not None else "-"
    services.console().audit.record(
        actor, action, target, detail, address=request.remote_addr or ""
    )
