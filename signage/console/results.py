"""The campaign results page: the portal's figures and proof of play, as charts, tables and CSV.

Every signed-in operator may see it. The figures are `signage.results.figures.build`'s: the
portal's counters the venue boxes reported and the central portal's, read through its
`/api/stats` even when it runs on the same machine, and the plays of this server's play log.
This module puts them into the operator's language (`readable`, `csv_of`, which the
`bluezone-signage results` command also uses under a chosen locale); charts are made by
`signage.results.chart`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from portal.web.language import NATIVE_NAMES
from signage import services
from signage.results import tables as results
from signage.results.chart import Series, bar_chart
from signage.results.export import to_csv
from signage.results.figures import Choice, Figures, build
from signage.results.portalstats import PortalStatsError
from signage.results.tables import Count, Period, ResultsError, Table

from . import funnel
from .auth import login_required
from .i18n import _

bp = Blueprint("console_results", __name__, url_prefix="/console")

CHART_ROWS = 15
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
class Readable:
    """The figures as the page shows them: tables in the reader's language, and why the
    central portal's figures are missing ("" when they are not)."""

    period: Period
    tables: tuple[Table, ...]
    venues: tuple[str, ...]
    portal_problem: str
    #: Every counter of the period, of every venue (the funnel chooses its own).
    counts: tuple[Count, ...] = ()


def portal_problem(error: PortalStatsError) -> str:
    """Why the central portal's figures are missing, in the reader's language."""
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


def readable(built: Figures) -> Readable:
    """`built` in the reader's language."""
    problem = portal_problem(built.problem) if built.problem is not None else ""
    tables = tuple(_readable(t) for t in built.tables)
    return Readable(built.period, tables, built.venues, problem, built.counts)


def table_titles() -> dict[str, str]:
    """The title of every table that downloads as CSV, by its name (the CSV link's), in the
    order of the page's CSV links after the funnel's: the funnel's, then the results'."""
    return {
        **funnel.titles(),
        **{name: title for name, (title, _description) in _titles().items()},
    }


def csv_of(shown: Readable, name: str, venue: str | None) -> bytes | None:
    """The table `name` of `shown` as the CSV link gives it (None: no such table); the funnel's
    tables are made for `venue` (None: the province)."""
    if name in funnel.NAMES:
        found = funnel.tables(shown.counts, shown.period, venue)
        names = funnel.names()
    else:
        found, names = list(shown.tables), _names()
    table = next((t for t in found if t.name == name), None)
    if table is None:
        return None
    return to_csv(table, [names[c] for c in (*table.headings, *table.columns)])


def csv_file_name(name: str, period: Period) -> str:
    """The name a downloaded table is saved under."""
    return f"results-{name}-{period.first}-{period.last}.csv"


def _choice() -> Choice:
    return Choice(*(request.args.get(key) or None for key in ("from", "to", "venue", "screen")))


def _figures() -> Readable:
    built = build(services.settings(), services.hub(), services.venues(), _choice())
    if built.problem is not None:
        current_app.logger.warning("campaign results: %s", built.problem)
    return readable(built)


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
        funnel=funnel.section(figures.counts, figures.period, _choice().venue),
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
        shown = _figures()
    except ResultsError as error:
        return _problem_page(error)
    data = csv_of(shown, name, _choice().venue)
    if data is None:
        abort(404)
    response = Response(data, mimetype="text/csv")
    disposition = f'attachment; filename="{csv_file_name(name, shown.period)}"'
    response.headers["Content-Disposition"] = disposition
    return response
