"""What every redirect-style controller module offers the portal, and what it returns.

A venue's Wi-Fi controller sends an unauthorised phone to the portal with query parameters
(its own names, its own formats). The controller's module turns them into a checked
:class:`Visit`, or refuses them with :class:`BadParameter`; after the visitor accepts, it says
how the controller grants access: a :class:`Redirect` the phone must follow (Meraki, MikroTik,
CoovaChilli, openNDS level 1) or a :class:`Queued` authorisation the controller fetches itself
(openNDS level 3, through its authmon daemon). Modules are pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

GRANTED = "granted"
FAILED = "failed"


class BadParameter(ValueError):
    """A parameter from the controller is missing or wrong; it grants nothing.

    ``name`` is the parameter, ``problem`` what is wrong with it (never a secret).
    """

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


@dataclass(frozen=True)
class Visit:
    """One phone sent by a controller, as checked by the controller's module.

    ``mac`` is the device's MAC as the portal writes it (``3c:22:fb:12:34:56``); ``values`` are
    the controller's own checked parameters needed to grant (its grant URL, challenge ...).
    ``outcome`` is ``None`` for a phone that has to accept, or :data:`GRANTED` / :data:`FAILED`
    when the controller sends the phone back after trying to log it in (``reason`` says why it
    failed, in the controller's words, for the log only).
    """

    mac: str
    ip: str | None = None
    destination: str | None = None
    values: tuple[tuple[str, str], ...] = ()
    outcome: str | None = None
    reason: str = ""

    def value(self, name: str) -> str:
        """The checked controller parameter ``name`` ("" when it was not sent)."""
        for key, value in self.values:
            if key == name:
                return value
        return ""


@dataclass(frozen=True)
class Redirect:
    """Grant by sending the phone to ``url`` (the controller's grant or login address)."""

    url: str


@dataclass(frozen=True)
class Queued:
    """Grant by leaving ``line`` for the controller to collect (openNDS authmon).

    ``gateway`` identifies the controller's list, ``key`` the entry it acknowledges.
    """

    gateway: str
    key: str
    line: str


Grant = Redirect | Queued


class Controller(Protocol):
    """One venue's controller; built from the venue's settings and secrets."""

    kind: str

    def read(self, query: Mapping[str, str], raw_query: str) -> Visit:
        """Check the parameters of the controller's redirect (``raw_query`` is the query string
        exactly as received, for checksums); raise :class:`BadParameter` on anything wrong."""

    def grant(self, visit: Visit, seconds: int, landing: str) -> Grant:
        """How to let ``visit`` through for ``seconds``; afterwards the phone should land on
        ``landing`` (the portal's online page). May raise
        :class:`~portal.controllers.errors.ControllerError`."""

    def grant_origins(self, visit: Visit) -> tuple[str, ...]:
        """The origins (``scheme://host[:port]``) the accept form may be redirected to."""
