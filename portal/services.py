"""Where the parts of one portal app find each other.

`portal.create_app` sets each part once (`access.set(app, ...)`); views and commands read it
with the typed accessor (`access()`), inside an app context. This is the only module that
touches `app.extensions`, so each part has one name and one type (a test keeps it that way).

At run time this module imports nothing of the portal: the types are for the checker only, so
any module may use the accessors without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from flask import Flask, current_app

if TYPE_CHECKING:
    from portal.sessions.access import Access
    from portal.venues.visits import VisitDesk

T = TypeVar("T")


class Part(Generic[T]):
    """One part of the app, stored under `key` in `app.extensions`.

    Calling it returns the part of `app` (default: the current app); a part that was never
    set raises `KeyError`, which is a wiring mistake, not a condition to handle.
    """

    def __init__(self, key: str) -> None:
        self.key = key

    def set(self, app: Flask, value: T) -> None:
        """Give `app` its part (called while the app is built)."""
        app.extensions[self.key] = value

    def __call__(self, app: Flask | None = None) -> T:
        found: T = (app or current_app).extensions[self.key]
        return found


# The keys are the ones the app has always used: tests that build an app read them directly.
access: Part[Access] = Part("bluezone.access")
"""Sessions, grants, the gateway and the campaign: what a visitor's accept goes through."""
visits: Part[VisitDesk] = Part("bluezone.visits")
"""The venue flow: each venue's controller and campaign."""
csp: Part[str] = Part("bluezone.csp")
"""The pages' Content-Security-Policy, before a venue adds its controller's origin."""
