"""The campaign funnel: from a code seen to a store opened, per venue and day and for the
whole province.

The steps, in order (codes the console translates):

- `qr_plays`: QR slides shown, the proof of play of items carrying a QR code on this server's
  screens, counted for the venue the screens stand at (the `venue_id` setting);
- `printed`: printed materials made (copies recorded by the console's Printed materials page),
  for the venue they were made for;
- `screen_scans`: QR scans whose `src` is a screen, for the venue the portal counted them at;
- `material_scans`: QR scans whose `src` is `<material>:<venue>`, for the venue in the `src`
  (a leaflet taken home is scanned elsewhere, but was handed out there);
- `view`, `accept`, `store_click`: splash views, accepts and store-button clicks.

There are two ways in: a code (on a screen or on paper) leads straight to the store, and the
Wi-Fi splash page leads to accepting and the store buttons. So each conversion divides a step
by the step it follows from (`CONVERSIONS`): screen scans per QR slide shown, material scans
per printed material, accepts per splash view, store clicks per accept. A conversion is a
percentage, undefined (None) when the step before counts nothing.

Pure: counters (`Count`), hourly plays (`PlayHour`) and printed records (`Printed`) in,
`Table`s out, over a `Period` of whole days. No Flask import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from signage.live.playlog import PlayHour
from signage.results.printlog import Printed
from signage.results.tables import Count, Period, Row, Table

STEPS = (
    "qr_plays",
    "printed",
    "screen_scans",
    "material_scans",
    "view",
    "accept",
    "store_click",
)
#: Each conversion: (its code, the step, the step it follows from).
CONVERSIONS = (
    ("scans_per_play", "screen_scans", "qr_plays"),
    ("scans_per_printed", "material_scans", "printed"),
    ("accepts_per_view", "accept", "view"),
    ("clicks_per_accept", "store_click", "accept"),
)
#: The venue key of the whole province's rows, and the day key of a whole period's rows.
ALL = ""

_COUNTED = {"view": "view", "accept": "accept", "store_click": "store_click"}


@dataclass(frozen=True)
class Inputs:
    """What the funnel is made from.

    `qr_items` are the ids of items carrying a QR code; `screens_venue` is the venue of this
    server's screens; only `venue` (None: every venue) is kept.
    """

    counts: Iterable[Count]
    plays: Iterable[PlayHour]
    printed: Iterable[Printed]
    qr_items: Collection[str]
    screens_venue: str
    venue: str | None = None


def source_of(src: str) -> tuple[str, str]:
    """The kind of a scan's `src` and, for a material, its venue: `("material", venue)` for
    `<material>:<venue>`, else `("screen", "")`."""
    material, colon, venue = src.partition(":")
    if colon and material and venue:
        return "material", venue
    return "screen", ""


def conversion(step: int, before: int) -> float | None:
    """`step` as a percentage of `before`; None when `before` is 0."""
    return None if before <= 0 else 100.0 * step / before


def percent(value: float | None) -> str:
    """A conversion as the console and CSV write it: one decimal, empty when undefined."""
    return "" if value is None else f"{value:.1f}"


def _events(data: Inputs, period: Period) -> Iterable[tuple[str, date, str, int]]:
    """Every figure as (venue, day, step, number), days outside the period left out."""
    for play in data.plays:
        if play.item in data.qr_items:
            day = period.day_of(datetime.fromtimestamp(play.hour, UTC))
            yield data.screens_venue, day, "qr_plays", play.plays
    for made in data.printed:
        day = period.day_of(datetime.fromtimestamp(made.made_at, UTC))
        yield made.venue, day, "printed", made.copies
    for count in data.counts:
        day = period.day_of(count.hour)
        if count.kind == "qr_scan":
            kind, venue = source_of(count.src)
            step = "material_scans" if kind == "material" else "screen_scans"
            yield venue or count.venue, day, step, count.count
        elif count.kind in _COUNTED:
            yield count.venue, day, _COUNTED[count.kind], count.count


def _row(venue: str, day: str, values: Mapping[str, int]) -> Row:
    rates = tuple(
        percent(conversion(values.get(step, 0), values.get(before, 0)))
        for _, step, before in CONVERSIONS
    )
    return Row((venue, day, *rates), tuple(values.get(step, 0) for step in STEPS))


def funnel_table(data: Inputs, period: Period) -> Table:
    """The funnel as a table: first the whole province (or the chosen venue) for the whole
    period, then each day; then each venue with any figure for the whole period, then its days
    with any figure. Text cells: venue (`ALL` for the province), day (`ALL` for the period),
    and the conversions (`percent`); numbers: `STEPS`."""
    days = {day: index for index, day in enumerate(period.days())}
    per: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for venue, day, step, number in _events(data, period):
        if day not in days or (data.venue is not None and venue != data.venue):
            continue
        for key in ((ALL, ALL), (ALL, day.isoformat()), (venue, ALL), (venue, day.isoformat())):
            per[key][step] += number
    rows = [_row(ALL, ALL, per[(ALL, ALL)])]
    rows += [_row(ALL, day.isoformat(), per[(ALL, day.isoformat())]) for day in days]
    venues = sorted({venue for venue, _ in per if venue != ALL})
    for venue in venues:
        rows.append(_row(venue, ALL, per[(venue, ALL)]))
        rows += [
            _row(venue, day.isoformat(), per[(venue, day.isoformat())])
            for day in days
            if (venue, day.isoformat()) in per
        ]
    headings = ("venue", "day", *(code for code, _, _ in CONVERSIONS))
    return Table("funnel", headings, STEPS, tuple(rows))


def sources_table(data: Inputs, period: Period, screen_names: Mapping[str, str]) -> Table:
    """QR scans per source: each screen (its QR slides shown and its scans) and each material
    at each venue (copies made and scans), most scanned first. Text cells: the `src`, its kind
    (`screen` or `material`), its venue, the screen's name, and scans per shown (`percent`)."""
    start, end = (moment.timestamp() for moment in period.bounds())
    shown: dict[str, int] = defaultdict(int)
    scans: dict[str, int] = defaultdict(int)
    venues: dict[str, str] = {}
    for play in data.plays:
        if play.item in data.qr_items and start <= play.hour < end:
            shown[play.screen] += play.plays
            venues[play.screen] = data.screens_venue
    for made in data.printed:
        if start <= made.made_at < end:
            src = f"{made.material}:{made.venue}"
            shown[src] += made.copies
            venues[src] = made.venue
    for count in data.counts:
        if count.kind == "qr_scan" and start <= count.hour.timestamp() < end:
            scans[count.src] += count.count
            venues.setdefault(count.src, source_of(count.src)[1] or count.venue)
    chosen = [
        src for src in {*shown, *scans} if data.venue is None or venues.get(src) == data.venue
    ]
    chosen.sort(key=lambda src: (-scans[src], -shown[src], src))
    rows = tuple(
        Row(
            (
                src,
                source_of(src)[0],
                venues.get(src, ""),
                screen_names.get(src, "") if source_of(src)[0] == "screen" else "",
                percent(conversion(scans[src], shown[src])),
            ),
            (shown[src], scans[src]),
        )
        for src in chosen
    )
    headings = ("source", "source_kind", "venue", "screen_name", "scans_per_shown")
    return Table("funnel_sources", headings, ("shown", "qr_scan"), rows)
