"""The console's services, built once by `signage.console.init_app` and found per request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from signage.accounts.audit import AuditLog
from signage.accounts.lockout import LoginGuard
from signage.accounts.operators import OperatorStore
from signage.accounts.sessions import SessionStore

KEY = "signage.console"


@dataclass(frozen=True)
class Console:
    """Operator accounts, the sign-in guard, the open sessions and the audit log of one app."""

    operators: OperatorStore
    guard: LoginGuard
    audit: AuditLog
    sessions: SessionStore


def console() -> Console:
    """The services of the current app (inside a request or app context)."""
    found: Console = current_app.extensions[KEY]
    return found
