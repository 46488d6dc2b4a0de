"""The console's services, built once by `signage.console.init_app` and found per request
through `signage.services.console`."""

from __future__ import annotations

from dataclasses import dataclass

from signage.accounts.audit import AuditLog
from signage.accounts.lockout import LoginGuard
from signage.accounts.operators import OperatorStore
from signage.accounts.sessions import SessionStore


@dataclass(frozen=True)
class Console:
    """Operator accounts, the sign-in guard, the open sessions and the audit log of one app."""

    operators: OperatorStore
    guard: LoginGuard
    audit: AuditLog
    sessions: SessionStore
