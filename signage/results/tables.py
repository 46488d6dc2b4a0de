"""Campaign results: the portal's counters and the screens' proof of play, as tables.

Pure: it takes the portal's hourly counters (`Count`), the play log's hourly buckets
(`PlayHour`) and labels from the catalog, and returns `Table`s for a `Period` of whole days in
the venue's time zone. Hours are counted in UTC by both sources, so a day is exact for the
whole-hour time zones of Vietnam and its neighbours. No Flask import.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bluezone import venuereport
from signage.catalog.playlist import (
    Catalog,
    ClockContent,
    HtmlContent,
    ImageContent,
    Item,
    QrContent,
    TextContent,
    TickerContent,
    VideoContent,
    playlist_for_screen,
)
from signage.live.playlog import PlayHour

KINDS = venuereport.KINDS
MAX_DAYS = 366
DEFAULT_DAYS = 30
LABEL_LIMIT = 60


class ResultsError(ValueError):
    """A chosen period is malformed; `reason` is a code the console translates, `fields` the
    period fields at fault (`from`, `to`), which the command line names as its options."""

    def __init__(self, reason: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reason = reason
        self.fields = fields


@dataclass(frozen=True)
class Count:
    """One portal counter: `count` events of `kind` in the UTC hour starting at `hour`."""

    hour: datetime
    kind: str
    venue: str
    lang: str
    os: str
    src: str
    count: int


@dataclass(frozen=True)
class Period:
    """The days `first` to `last` (both included) in `timezone`."""

    first: date
    last: date
    timezone: ZoneInfo

    def bounds(self) -> tuple[datetime, datetime]:
        """The UTC instants where the period starts and ends (end not included)."""
        start = datetime.combine(self.first, time(), self.timezone)
        end = datetime.combine(self.last + timedelta(days=1), time(), self.timezone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.timezone).date()


def period(first: str | None, last: str | None, timezone: ZoneInfo, today: date) -> Period:
    """The period from two `YYYY-MM-DD` fields; by default the last `DEFAULT_DAYS` days up to
    `today`. Raise `ResultsError` for a malformed date, an inverted or too long period."""
    end = _date(last, "to") if last else today
    start = _date(first, "from") if first else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ResultsError("order", "the first day is after the last day", ("from", "to"))
    if (end - start).days >= MAX_DAYS:
        raise ResultsError("too_long", f"choose at most {MAX_DAYS} days", ("from", "to"))
    return Period(start, end, timezone)


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ResultsError("bad_date", f"{text!r} is not a date (YYYY-MM-DD)", (field,)) from None


@dataclass(frozen=True)
class Row:
    """One table row: its text cells (first is the key) and its numbers."""

    texts: tuple[str, ...]
    values: tuple[int, ...]


@dataclass(frozen=True)
class Table:
    """A table the console shows, charts and exports.

    `name` is its stable id (the CSV file name); `headings` and `columns` are codes the
    console translates, for the text cells and for the numbers of each row.
    """

    name: str
    headings: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def column(self, code: str) -> list[int]:
        index = self.columns.index(code)
        return [row.values[index] for row in self.rows]


def select(counts: Iterable[Count], venue: str | None, screen: str | None) -> list[Count]:
    """Counters of one venue and, with `screen`, only the QR scans of that screen: views,
    accepts and store clicks cannot be traced to a screen."""
    chosen = [c for c in counts if venue is None or c.venue == venue]
    if screen is not None:
        chosen = [c for c in chosen if c.kind == "qr_scan" and c.src == screen]
    return chosen


def _by(counts: Iterable[Count], key: str, columns: Sequence[str] = KINDS) -> dict[str, list[int]]:
    table: dict[str, list[int]] = defaultdict(lambda: [0] * len(columns))
    for count in counts:
        if count.kind in columns:
            table[str(getattr(count, key))][columns.index(count.kind)] += count.count
    return table


def _sorted_rows(
    table: Mapping[str, list[int]], extra: Mapping[str, str] | None = None
) -> tuple[Row, ...]:
    ordered = sorted(table.items(), key=lambda pair: (-sum(pair[1]), pair[0]))
    if extra is None:
        return tuple(Row((key,), tuple(values)) for key, values in ordered)
    return tuple(Row((key, extra.get(key, "")), tuple(values)) for key, values in ordered)


def days_table(counts: Iterable[Count], plays: Iterable[PlayHour], period: Period) -> Table:
    """Every day of the period: views, accepts, store clicks, QR scans and plays."""
    columns = (*KINDS, "plays")
    per_day = {day: [0] * len(columns) for day in period.days()}
    for count in counts:
        day = period.day_of(count.hour)
        if day in per_day and count.kind in KINDS:
            per_day[day][KINDS.index(count.kind)] += count.count
    for play in plays:
        day = period.day_of(datetime.fromtimestamp(play.hour, UTC))
        if day in per_day:
            per_day[day][-1] += play.plays
    rows = tuple(Row((day.isoformat(),), tuple(values)) for day, values in per_day.items())
    return Table("days", ("day",), columns, rows)


def portal_tables(counts: Sequence[Count], screen_names: Mapping[str, str]) -> list[Table]:
    """Per venue, per screen (QR scans by `src`), per OS family and per language."""
    scans = [c for c in counts if c.kind == "qr_scan"]
    return [
        Table("venues", ("venue",), KINDS, _sorted_rows(_by(counts, "venue"))),
        Table(
            "screens",
            ("screen", "screen_name"),
            ("qr_scan",),
            _sorted_rows(_by(scans, "src", ("qr_scan",)), screen_names),
        ),
        Table("os", ("os",), KINDS, _sorted_rows(_by(counts, "os"))),
        Table("languages", ("language",), KINDS, _sorted_rows(_by(counts, "lang"))),
    ]


@dataclass(frozen=True)
class ItemLabel:
    """How the console names an item: its kind, a short text, the playlists that hold it."""

    kind: str
    text: str
    playlists: tuple[str, ...]


def item_labels(catalog: Catalog | None) -> dict[str, ItemLabel]:
    """The label of every item in the catalog, by item id."""
    if catalog is None:
        return {}
    found: dict[str, tuple[Item, list[str]]] = {}
    for playlist in catalog.playlists.values():
        for item in playlist.items:
            found.setdefault(item.id, (item, []))[1].append(playlist.id)
    return {
        item_id: ItemLabel(item.kind, _text_of(item), tuple(sorted(set(ids))))
        for item_id, (item, ids) in found.items()
    }


_TAG = re.compile(r"<[^>]*>")


def _first(texts: Mapping[str, str | None]) -> str:
    for lang in ("vi", *texts):
        value = texts.get(lang)
        if value:
            return value
    return ""


def _text_of(item: Item) -> str:
    content = item.content
    text = ""
    if isinstance(content, TextContent):
        block = content.texts.get("vi") or next(iter(content.texts.values()))
        text = block.title or block.body or ""
    elif isinstance(content, ImageContent | VideoContent):
        text = content.file
    elif isinstance(content, QrContent):
        text = _first(dict(content.title)) or content.url or content.campaign or ""
    elif isinstance(content, HtmlContent):
        text = _TAG.sub(" ", _first(dict(content.html)))
    elif isinstance(content, ClockContent):
        text = _first(dict(content.caption))
    elif isinstance(content, TickerContent):
        text = _first(dict(content.text))
    text = " ".join(text.split())
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def play_tables(
    plays: Sequence[PlayHour], labels: Mapping[str, ItemLabel], catalog: Catalog | None
) -> list[Table]:
    """How often each item was shown (plays, minutes), per item, per playlist, per screen.

    A play counts for the playlist of the screen's main group as the catalog has it now.
    """
    columns = ("plays", "minutes")
    items: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    playlists: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    screens: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for play in plays:
        current = playlist_for_screen(catalog, play.screen) if catalog else None
        for table, key in (
            (items, play.item),
            (playlists, current.id if current else ""),
            (screens, play.screen),
        ):
            table[key][0] += play.plays
            table[key][1] += play.seconds

    def rows(table: Mapping[str, list[float]]) -> list[tuple[str, tuple[int, ...]]]:
        ordered = sorted(table.items(), key=lambda pair: (-pair[1][0], pair[0]))
        return [(key, (int(v[0]), round(v[1] / 60))) for key, v in ordered]

    unknown = ItemLabel("", "", ())
    item_rows = tuple(
        Row(
            (
                key,
                labels.get(key, unknown).kind,
                labels.get(key, unknown).text,
                ", ".join(labels.get(key, unknown).playlists),
            ),
            values,
        )
        for key, values in rows(items)
    )
    names = {s.id: s.name for s in catalog.screens.values()} if catalog else {}
    return [
        Table("items", ("item", "kind", "label", "playlists"), columns, item_rows),
        Table(
            "playlists",
            ("playlist",),
            columns,
            tuple(Row((key,), values) for key, values in rows(playlists)),
        ),
        Table(
            "plays_per_screen",
            ("screen", "screen_name"),
            columns,
            tuple(Row((key, names.get(key, "")), values) for key, values in rows(screens)),
        ),
    ]
