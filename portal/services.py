"""Where the parts of one portal app find each other.

`portal.create_app` sets each part once (`access.set(app, ...)`); views and commands read it
with the typed accessor (`access()`), inside an app context. Each part has one name and one type
(`bluezone.parts.Part`, the only code that touches `app.extensions`).

At run time this module imports nothing of the portal: the types are for the checker only, so
any module may use the accessors without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bluezone.parts import Part

if TYPE_CHECKING:
    from portal.campaign.reporter import Reporter
    from portal.sessions.access import Access
    from portal.venues.visits import VisitDesk

# The keys are the ones the app has always used: tests that build an app read them directly.
access: Part[Access] = Part("bluezone.access")
"""Sessions, grants, the gateway and the campaign: what a visitor's accept goes through."""
visits: Part[VisitDesk] = Part("bluezone.visits")
"""The venue flow: each venue's controller and campaign."""
csp: Part[str] = Part("bluezone.csp")
"""The pages' Content-Security-Policy, before a venue adds its controller's origin."""
reporter: Part[Reporter] = Part("bluezone.reporter")
"""Reports the box's counts and health to the signage server (set only when `report_url` is)."""
