"""The campaign results' figures for one choice of period, venue and screen.

`build` is the one place the results tables are made from their sources: the venue boxes'
reports and the central portal's `/api/stats` (through `signage.results.sources.portal_counts`),
this server's play log and the catalog. The console's results page and CSV links and the
`bluezone-signage results` command both call it, so they show the same figures. The tables
hold codes (`signage.results.tables`); putting them into a reader's language is the caller's
part. No Flask import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from signage.catalog.playlist import DEFAULT_TIMEZONE
from signage.config import SignageSettings
from signage.live.hub import Hub
from signage.results import tables
from signage.results.portalstats import PortalStatsError
from signage.results.sources import CentralPortal, portal_counts
from signage.results.tables import Count, Period, Table
from signage.venues.store import VenueStore

#: Seconds the central portal's `/api/stats` may take to answer.
PORTAL_TIMEOUT = 5.0


@dataclass(frozen=True)
class Choice:
    """What the reader chose: `first` and `last` day as `YYYY-MM-DD` text as typed (None: the
    default period), and one `venue` and one `screen` (None: all)."""

    first: str | None = None
    last: str | None = None
    venue: str | None = None
    screen: str | None = None


@dataclass(frozen=True)
class Figures:
    """The results tables of one `Choice`, in the order the page shows them.

    `problem` says why the central portal's figures are missing (None when they are there or
    not needed); the tables are made from the rest. `venues` are all venues with counts in the
    period (for the venue filter), `counts` every counter of the period of every venue (the
    funnel chooses its own venue)."""

    period: Period
    tables: tuple[Table, ...]
    venues: tuple[str, ...]
    problem: PortalStatsError | None
    counts: tuple[Count, ...]


def build(
    settings: SignageSettings,
    hub: Hub,
    venues: VenueStore,
    choice: Choice,
    today: date | None = None,
) -> Figures:
    """The figures for `choice`. The period is of whole days in the catalog's time zone, by
    default the last `tables.DEFAULT_DAYS` up to `today` (default: today in that zone).

    Raise `tables.ResultsError` for a malformed, inverted or too long period, before anything
    is read."""
    catalog = hub.programme.catalog
    zone = catalog.timezone if catalog is not None else ZoneInfo(DEFAULT_TIMEZONE)
    chosen = tables.period(
        choice.first, choice.last, zone, today if today is not None else datetime.now(zone).date()
    )
    start, end = chosen.bounds()
    merged = portal_counts(
        CentralPortal(
            settings.portal_stats_url or settings.portal_url,
            settings.portal_stats_token,
            settings.portal_stats_token_file,
            PORTAL_TIMEOUT,
        ),
        venues,
        start,
        end,
    )
    counts = merged.counts
    plays = hub.plays.hourly(start.timestamp(), end.timestamp(), choice.screen)
    chosen_counts = tables.select(counts, choice.venue, choice.screen)
    names = {s.id: s.name for s in catalog.screens.values()} if catalog else {}
    made = [
        tables.days_table(chosen_counts, plays, chosen),
        *tables.portal_tables(chosen_counts, names),
        *tables.play_tables(plays, tables.item_labels(catalog), catalog),
    ]
    return Figures(
        chosen,
        tuple(made),
        tuple(sorted({c.venue for c in counts})),
        merged.problem,
        counts,
    )
