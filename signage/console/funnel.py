"""The campaign funnel section of the results page: its chart, tables and CSV, in the
operator's language.

The figures are `signage.results.funnel`'s, from the portal's counters the results page has
already read (`signage.results.portalstats`), this server's proof of play and the print log.
`signage.console.results` calls `section` for the page and `tables` for the CSV files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_decimal
from markupsafe import Markup

from signage import services
from signage.results import tables as results
from signage.results.funnel import (
    ALL,
    CONVERSIONS,
    STEPS,
    Inputs,
    conversion,
    funnel_table,
    sources_table,
)
from signage.results.funnelchart import Bar, funnel_chart
from signage.results.tables import Count, Period, Row, Table

from .i18n import _

#: The colour (index in the Okabe-Ito palette) of each way in: screens, paper, the Wi-Fi page.
COLOURS = {
    "qr_plays": 0,
    "screen_scans": 0,
    "printed": 1,
    "material_scans": 1,
    "view": 2,
    "accept": 2,
    "store_click": 2,
}
NAMES = ("funnel", "funnel_sources")
#: The text cells that hold a conversion.
RATES = {*(code for code, _, _ in CONVERSIONS), "scans_per_shown"}


def names() -> dict[str, str]:
    """Headings and column codes of the funnel tables in the operator's language."""
    return {
        "qr_plays": _("QR slides shown"),
        "printed": _("Printed materials made"),
        "screen_scans": _("QR scans of screens"),
        "material_scans": _("QR scans of printed materials"),
        "view": _("Splash views"),
        "accept": _("Accepts"),
        "store_click": _("Store clicks"),
        "scans_per_play": _("Screen scans per QR slide shown (%)"),
        "scans_per_printed": _("Material scans per printed material (%)"),
        "accepts_per_view": _("Accepts per splash view (%)"),
        "clicks_per_accept": _("Store clicks per accept (%)"),
        "venue": _("Venue"),
        "day": _("Day"),
        "source": _("Source"),
        "source_kind": _("Kind"),
        "screen_name": _("Screen name"),
        "scans_per_shown": _("Scans per shown (%)"),
        "shown": _("Shown or made"),
        "qr_scan": _("QR scans"),
    }


def titles() -> dict[str, str]:
    return {
        "funnel": _("Campaign funnel"),
        "funnel_sources": _("QR scans per screen and per printed material"),
    }


def tables(
    counts: Sequence[Count], period: Period, venue: str | None, page: bool = False
) -> list[Table]:
    """The funnel and its sources for `period`, readable; `venue` None for the province.

    For the `page`, conversions are written in the operator's number format (a Vietnamese
    reader takes "22.4" for two hundred and twenty-four); the CSV keeps "22.4", which every
    spreadsheet reads as a number whatever its language."""
    hub = services.hub()
    catalog = hub.programme.catalog
    start, end = period.bounds()
    labels = results.item_labels(catalog)
    data = Inputs(
        counts=counts,
        plays=hub.plays.hourly(start.timestamp(), end.timestamp()),
        printed=services.print_log().between(start.timestamp(), end.timestamp()),
        qr_items={item for item, label in labels.items() if label.kind == "qr"},
        screens_venue=services.settings().venue_id,
        venue=venue,
    )
    screen_names = {s.id: s.name for s in catalog.screens.values()} if catalog else {}
    return [
        _readable(funnel_table(data, period), page),
        _readable(sources_table(data, period, screen_names), page),
    ]


def _number(value: float | None) -> str:
    """A conversion in the operator's number format, one decimal."""
    return "" if value is None else format_decimal(value, "#,##0.0")


def _shown(heading: str, value: str, page: bool) -> str:
    if page and heading in RATES and value:
        return _number(float(value))
    if heading == "venue" and value == ALL:
        return _("All venues")
    if heading == "day" and value == ALL:
        return _("Whole period")
    if heading == "source_kind":
        return _("Screen") if value == "screen" else _("Printed material")
    return value


def _readable(table: Table, page: bool) -> Table:
    rows = tuple(
        Row(
            tuple(_shown(h, t, page) for h, t in zip(table.headings, row.texts, strict=True)),
            row.values,
        )
        for row in table.rows
    )
    return Table(table.name, table.headings, table.columns, rows)


@dataclass(frozen=True)
class Section:
    """What the results page shows of the funnel: the chart and both tables."""

    chart: Markup
    tables: tuple[Table, ...]


def _notes(values: dict[str, int]) -> dict[str, str]:
    """The conversion sentence under each step that follows from another (none when the step
    before counts nothing)."""
    label = names()
    notes = {}
    for _code, step, before in CONVERSIONS:
        share = conversion(values.get(step, 0), values.get(before, 0))
        if share is not None:
            notes[step] = _("%(percent)s%% of %(step)s", percent=_number(share), step=label[before])
    return notes


def section(counts: Sequence[Count], period: Period, venue: str | None) -> Section:
    """The funnel's chart and tables for the results page."""
    funnel, sources = tables(counts, period, venue, page=True)
    top = funnel.rows[0]
    values = dict(zip(funnel.columns, top.values, strict=True))
    label = names()
    where = venue or _("all venues")
    notes = _notes(values)
    bars = [Bar(label[s], values[s], COLOURS[s], notes.get(s, "")) for s in STEPS]
    description = _(
        "From %(first)s to %(last)s at %(where)s: %(steps)s.",
        first=period.first.isoformat(),
        last=period.last.isoformat(),
        where=where,
        steps="; ".join(f"{b.name} {b.value}" + (f" ({b.note})" if b.note else "") for b in bars),
    )
    # signage.results.funnelchart escapes every text it writes.
    chart = Markup(funnel_chart("chart-funnel", titles()["funnel"], description, bars))
    return Section(chart, (funnel, sources))
