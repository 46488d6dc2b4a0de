"""Where the results' portal figures come from: the venue boxes' reports and the central portal.

`portal_counts` is the one function the results code (tables, charts, CSV and any other view
of the portal's counts) reads the hourly counts through. It merges:

- the counts the venue boxes reported (`signage.venues.store`), each under its box's venue id;
- the central portal's figures, read through its ``GET /api/stats`` as before
  (`signage.results.portalstats`), for the venues behind cloud Wi-Fi controllers.

A venue id that is a registered box (even revoked) is counted from the box's reports only:
the central portal's counts under that id are left out, so nothing is counted twice. A box
knows every guest it served, including while its link was down, and the central portal can
only have seen the same guests if it was (wrongly) set up under the same id. No Flask import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from signage.results import portalstats
from signage.results.portalstats import PortalStatsError
from signage.results.tables import Count
from signage.venues.store import VenueStore

HOUR = "%Y-%m-%dT%H"


@dataclass(frozen=True)
class PortalCounts:
    """The merged counts, and why the central portal's part is missing (None when it is
    there, or when it is not configured and boxes report)."""

    counts: tuple[Count, ...]
    problem: PortalStatsError | None
    boxes: frozenset[str]


@dataclass(frozen=True)
class CentralPortal:
    """How to reach the central portal's ``/api/stats``."""

    url: str
    token: str
    token_file: str
    timeout: float


def _hour(text: str) -> datetime:
    return datetime.strptime(text, HOUR).replace(tzinfo=UTC)


def _ceil(moment: datetime) -> datetime:
    hour = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return hour if hour == moment else hour + timedelta(hours=1)


def portal_counts(
    central: CentralPortal, venues: VenueStore, start: datetime, end: datetime
) -> PortalCounts:
    """The hourly counts of every venue from ``start`` up to ``end`` (not included)."""
    first = start.astimezone(UTC).strftime(HOUR)
    stop = _ceil(end).strftime(HOUR)
    boxes = frozenset(venues.ids())
    reported = [
        Count(_hour(row.hour), row.kind, row.venue, row.lang, row.os, row.src, row.count)
        for row in venues.counts_between(first, stop)
    ]
    problem: PortalStatsError | None = None
    central_counts: list[Count] = []
    try:
        token = portalstats.token_from(central.token, central.token_file)
        central_counts = [
            count
            for count in portalstats.fetch(central.url, token, start, end, timeout=central.timeout)
            if count.venue not in boxes
        ]
    except PortalStatsError as error:
        # Not configured is no problem when the figures come from the boxes.
        if not (error.reason == "off" and boxes):
            problem = error
    return PortalCounts(tuple(reported + central_counts), problem, boxes)
