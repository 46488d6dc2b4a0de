"""Reading an item's schedule: dates, weekdays and times of day."""

from __future__ import annotations

import datetime as dt
import re

from signage.catalog.problem import Term
from signage.catalog.reader import Reader, describe, part
from signage.catalog.schedule import WEEKDAYS, Schedule, Window, WindowError, parse_window
from signage.catalog.yamlsource import Node, Scalar

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ScheduleReader(Reader):
    """Reads `schedule:` blocks into `Schedule`s."""

    def schedule(self, node: Node) -> Schedule | None:
        values = self.fields(node, part("schedule"), (), ("from", "until", "weekdays", "times"))
        if values is None:
            return None
        ok = True
        start = end = None
        if "from" in values:
            start = self.date(values["from"], part("from"))
            ok = ok and start is not None
        if "until" in values:
            end = self.date(values["until"], part("until"))
            ok = ok and end is not None
        if start is not None and end is not None and end < start:
            self.error(
                values["until"], "until-before-from", end=end.isoformat(), start=start.isoformat()
            )
            ok = False
        weekdays = None
        if "weekdays" in values:
            weekdays = self.weekdays(values["weekdays"])
            ok = ok and weekdays is not None
        windows: tuple[Window, ...] = ()
        if "times" in values:
            read = self.windows(values["times"])
            ok = ok and read is not None
            windows = read or ()
        if not ok:
            return None
        result = Schedule(start, end, weekdays, windows)
        if start is not None and end is not None and weekdays is not None:
            days = (end - start).days + 1
            if days < 7 and not any(
                result.day_allowed(start + dt.timedelta(days=n)) for n in range(days)
            ):
                self.error(
                    values["weekdays"],
                    "no-weekday-in-range",
                    start=start.isoformat(),
                    end=end.isoformat(),
                )
                return None
        return result

    def date(self, node: Node, where: Term) -> dt.date | None:
        if isinstance(node, Scalar):
            value = node.value
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                return value
            if isinstance(value, str) and _DATE.match(value):
                try:
                    return dt.date.fromisoformat(value)
                except ValueError:
                    pass
        self.error(node, "not-date", where=where, what=describe(node))
        return None

    def weekdays(self, node: Node) -> frozenset[int] | None:
        items = self.sequence(node, part("weekdays"), "[mon, tue, wed, thu, fri]")
        if items is None:
            return None
        days: set[int] = set()
        for entry in items:
            name = entry.text if isinstance(entry, Scalar) else ""
            if not isinstance(entry, Scalar) or name not in WEEKDAYS:
                self.error(entry, "not-weekday", what=describe(entry), weekdays=", ".join(WEEKDAYS))
                return None
            day = WEEKDAYS.index(name)
            if day in days:
                self.error(entry, "listed-twice", value=entry.text)
                return None
            days.add(day)
        return frozenset(days)

    def windows(self, node: Node) -> tuple[Window, ...] | None:
        items = self.sequence(node, part("times"), "['07:00-11:30', '13:30-17:00']")
        if items is None:
            return None
        windows: list[tuple[Window, Node]] = []
        ok = True
        for entry in items:
            if not isinstance(entry, Scalar) or not isinstance(entry.value, str):
                self.error(entry, "window-not-text", what=describe(entry))
                ok = False
                continue
            try:
                window = parse_window(entry.value)
            except WindowError as error:
                self.error(entry, error.code, value=entry.value, time=error.time)
                ok = False
                continue
            if window.start == window.end:
                self.error(entry, "window-empty", window=str(window))
                ok = False
                continue
            for other, other_node in windows:
                if _overlap(window, other):
                    self.error(
                        entry,
                        "window-overlap",
                        window=str(window),
                        other=str(other),
                        line=other_node.line,
                    )
                    ok = False
            windows.append((window, entry))
        return tuple(window for window, _ in windows) if ok else None


def _overlap(a: Window, b: Window) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a.spans() for s2, e2 in b.spans())
