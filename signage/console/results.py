"""The campaign results page: the portal's figures and proof of play, as charts, tables and CSV.

Every signed-in operator may see it. The portal's counters are those the venue boxes reported
and the central portal's, read through its `/api/stats` even when it runs on the same machine,
merged by `signage.results.sources.portal_counts`; the plays come
from this server's play log. Tables are made by `signage.results.tables`, charts by
`signage.results.chart`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from portal.web.language import NATIVE_NAMES
from signage import services
from signage.catalog.playlist import DEFAULT_TIMEZONE
from signage.results import tables as results
from signage.results.chart import Series, bar_chart
from signage.results.export import to_csv
from signage.results.portalstats import PortalStatsError
from signage.results.sources import CentralPortal, portal_counts
from signage.results.tables import Count, Period, ResultsError, Table

from . import funnel
from .auth import login_required
from .i18n import _

bp = Blueprint("console_results", __name__, url_prefix="/console")

CHART_ROWS = 15
PORTAL_TIMEOUT = 5.0
OS_NAMES = {
    "ios": "iOS",
    "android": "Android",
    "windows": "Windows",
    "macos": "macOS",
    "chromeos": "ChromeOS",
    "linux": "Linux",
}
#: Which columns of each table are drawn, in order.
CHARTED = {
    "days": ("view", "qr_scan"),
    "venues": ("view", "accept", "store_click", "qr_scan"),
    "screens": ("qr_scan",),
    "os": ("view", "accept"),
    "languages": ("view", "accept"),
    "items": ("plays",),
    "playlists": ("plays",),
    "plays_per_screen": ("plays",),
}


def _names() -> dict[str, str]:
    """Column and heading codes in the operator's language."""
    return {
        "view": _("Splash views"),
        "accept": _("Accepts"),
        "store_click": _("Store clicks"),
        "qr_scan": _("QR scans"),
        "plays": _("Plays"),
        "minutes": _("Minutes shown"),
        "day": _("Day"),
        "venue": _("Venue"),
        "screen": _("Screen"),
        "screen_name": _("Screen name"),
        "os": _("Phone system"),
        "language": _("Language"),
        "item": _("Item"),
        "kind": _("Kind"),
        "label": _("Content"),
        "playlists": _("Playlists"),
        "playlist": _("Playlist"),
    }


def _titles() -> dict[str, tuple[str, str]]:
    """Each table's title and the sentence describing its chart."""
    return {
        "days": (_("Per day"), _("Splash views and QR scans on each day of the period.")),
        "venues": (_("Per venue"), _("Views, accepts, store clicks and QR scans per venue.")),
        "screens": (_("QR scans per screen"), _("How many times each screen's code was scanned.")),
        "os": (_("Per phone system"), _("Splash views and accepts per phone system.")),
        "languages": (_("Per language"), _("Splash views and accepts per page language.")),
        "items": (_("How often each item was shown"), _("Plays of each item on all screens.")),
        "playlists": (_("Plays per playlist"), _("Plays of the items of each playlist.")),
        "plays_per_screen": (_("Plays per screen"), _("Items shown by each screen.")),
    }


def _kinds() -> dict[str, str]:
    return {
        "text": _("Text"),
        "image": _("Picture"),
        "video": _("Video"),
        "qr": _("QR code"),
        "html": _("Formatted text"),
        "clock": _("Clock"),
        "ticker": _("Ticker"),
    }


def _shown(heading: str, value: str) -> str:
    """A text cell as people read it (system and language names, kinds, empty ids)."""
    if heading == "os":
        return OS_NAMES.get(value, _("Other"))
    if heading == "language":
        return NATIVE_NAMES.get(value, value)
    if heading == "kind":
        return _kinds().get(value, value)
    if heading == "label" and not value:
        return _("(no longer in any playlist)")
    if heading == "screen" and value == "unknown":
        return _("(unknown screen)")
    if heading == "playlist" and not value:
        return _("(screen no longer declared)")
    return value


def _readable(table: Table) -> Table:
    rows = tuple(
        results.Row(
            tuple(_shown(h, t) for h, t in zip(table.headings, row.texts, strict=True)),
            row.values,
        )
        for row in table.rows
    )
    return Table(table.name, table.headings, table.columns, rows)


@dataclass(frozen=True)
class Figures:
    """What the page shows for one choice of period, venue and screen."""

    period: Period
    tables: tuple[Table, ...]
    venues: tuple[str, ...]
    portal_problem: str
    #: Every counter of the period, of every venue (the funnel chooses its own).
    counts: tuple[Count, ...] = ()


def _portal_problem(error: PortalStatsError) -> str:
    current_app.logger.warning("campaign results: %s", error)
    messages = {
        "off": _(
            "The portal's figures are not connected: set portal_stats_token (see the README, "
            "Campaign results). Plays on the screens are shown below."
        ),
        "refused": _(
            "The portal refused the token: portal_stats_token must equal the portal's stats_token."
        ),
        "disabled": _("The portal's figures API is off: set stats_token in the portal."),
        "redirected": _(
            "The portal redirected the request: portal_stats_url must be the portal's own "
            "address (its portal_url or one of its aliases)."
        ),
        "bad_answer": _("The portal answered something that is not its figures."),
    }
    return messages.get(error.reason, _("The portal cannot be reached right now."))


def _figures() -> Figures:
    hub = services.hub()
    catalog = hub.programme.catalog
    zone = catalog.timezone if catalog is not None else ZoneInfo(DEFAULT_TIMEZONE)
    chosen = results.period(
        request.args.get("from") or None,
        request.args.get("to") or None,
        zone,
        datetime.now(zone).date(),
    )
    venue = request.args.get("venue") or None
    screen = request.args.get("screen") or None
    start, end = chosen.bounds()
    settings = services.settings()
    merged = portal_counts(
        CentralPortal(
            settings.portal_stats_url or settings.portal_url,
            settings.portal_stats_token,
            settings.portal_stats_token_file,
            PORTAL_TIMEOUT,
        ),
        services.venues(),
        start,
        end,
    )
    counts = list(merged.counts)
    problem = _portal_problem(merged.problem) if merged.problem is not None else ""
    plays = hub.plays.hourly(start.timestamp(), end.timestamp(), screen)
    chosen_counts = results.select(counts, venue, screen)
    names = {s.id: s.name for s in catalog.screens.values()} if catalog else {}
    tables = [
        results.days_table(chosen_counts, plays, chosen),
        *results.portal_tables(chosen_counts, names),
        *results.play_tables(plays, results.item_labels(catalog), catalog),
    ]
    return Figures(
        chosen,
        tuple(_readable(t) for t in tables),
        tuple(sorted({c.venue for c in counts})),
        problem,
        tuple(counts),
    )


def _category(table: Table, row: results.Row) -> str:
    """What a bar is called: an item's content, a screen's name, otherwise the first cell."""
    if table.name == "items":
        return row.texts[2] or row.texts[0]
    if "screen_name" in table.headings:
        return row.texts[1] or row.texts[0]
    return row.texts[0]


def _chart(table: Table) -> Markup:
    names = _names()
    title, description = _titles()[table.name]
    rows = table.rows if table.name == "days" else table.rows[:CHART_ROWS]
    series = [
        Series(names[c], [r.values[table.columns.index(c)] for r in rows])
        for c in CHARTED[table.name]
    ]
    if table.name != "days" and len(table.rows) > CHART_ROWS:
        description += " " + _("The %(num)d largest; the table lists all.", num=CHART_ROWS)
    svg = bar_chart(
        f"chart-{table.name}",
        title,
        description,
        [_category(table, row) for row in rows],
        series,
        _("No figures for this period."),
    )
    # signage.results.chart escapes every text it writes.
    return Markup(svg)


def _problem_page(error: ResultsError) -> ResponseReturnValue:
    messages = {
        "bad_date": _("Write the days as on a calendar, for example 2026-11-28."),
        "order": _("The first day must not be after the last day."),
        "too_long": _("Choose at most %(num)d days.", num=results.MAX_DAYS),
    }
    return (
        render_template(
            "console/error.html",
            title=_("These days cannot be shown"),
            text=messages[error.reason],
            status=400,
        ),
        400,
    )


@bp.get("/results")
@login_required
def index() -> ResponseReturnValue:
    """The filters, the totals, and a chart, a table and a CSV link per table."""
    try:
        figures = _figures()
    except ResultsError as error:
        return _problem_page(error)
    catalog = services.hub().programme.catalog
    days = figures.tables[0]
    totals = {code: sum(days.column(code)) for code in days.columns}
    return render_template(
        "console/results.html",
        figures=figures,
        totals=totals,
        names=_names(),
        titles=_titles(),
        charts={t.name: _chart(t) for t in figures.tables},
        funnel=funnel.section(figures.counts, figures.period, request.args.get("venue") or None),
        funnel_names=funnel.names(),
        funnel_titles=funnel.titles(),
        screens=sorted(catalog.screens.values(), key=lambda s: s.id) if catalog else [],
        chosen={key: request.args.get(key, "") for key in ("venue", "screen")},
    )


@bp.get("/results/<name>.csv")
@login_required
def csv_file(name: str) -> ResponseReturnValue:
    """One table as CSV (UTF-8 with a byte order mark, for Excel), same filters as the page."""
    try:
        figures = _figures()
    except ResultsError as error:
        return _problem_page(error)
    if name in funnel.NAMES:
        found = funnel.tables(figures.counts, figures.period, request.args.get("venue") or None)
        names = funnel.names()
    else:
        found, names = list(figures.tables), _names()
    table = next((t for t in found if t.name == name), None)
    if table is None:
        abort(404)
    data = to_csv(table, [names[c] for c in (*table.headings, *table.columns)])
    file_name = f"results-{name}-{figures.period.first}-{figures.period.last}.csv"
    response = Response(data, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
