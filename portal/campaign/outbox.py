"""What the box still owes the signage server: the hours whose counts it has not confirmed.

Store and forward, exactly once per hour however often a send is retried: the box sends the
*absolute* counts of an hour (never increments), and the signage server replaces that hour's
counts with them, so sending an hour twice changes nothing there. Which hours to send is kept
in the ``report_hours`` table of the box's own database (migration 3 of `portal.sessions.store`):

- ``changed``, a revision of the hour bumped in the same transaction as every change of its
  counts (`Store.add_events`);
- ``confirmed``, the revision the signage server last confirmed storing: the box's watermark
  for that hour.

An hour is still to be sent while ``changed > confirmed``: hours never sent, hours that changed
after their last send (the current hour keeps changing), and hours sent while the centre was
unreachable. The revision is read before the counts, so counts that change during a send are
newer than the revision confirmed and their hour is sent again. Hours are purged with their
counts after ``event_retention_days``, whether sent or not.

The ``report_lease`` table holds who reports: one process per box, even when gunicorn runs
several workers (see `Outbox.claim`). No Flask import.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from bluezone.storage.database import Database
from bluezone.venuereport import MAX_COUNT, MAX_KEYS, valid_key

log = logging.getLogger(__name__)

#: Hours before this one are not plausible (a box whose clock was never set): never sent.
EARLIEST_HOUR = "2020-01-01T00"
LEASE = "reporter"


@dataclass(frozen=True)
class HourCounts:
    """The absolute counts of one UTC hour (``YYYY-MM-DDTHH``) at revision ``revision``.

    ``counts`` maps (kind, lang, os, src) to a count, summed over the venues the box counted
    under: the box reports all its guests under its own venue id. Only keys the report format
    carries are kept (`bluezone.venuereport`), so the server never refuses the hour."""

    hour: str
    revision: int
    counts: Mapping[tuple[str, str, str, str], int]

    def to_json(self) -> dict[str, object]:
        """The hour as the report sends it."""
        return {
            "hour": self.hour,
            "counts": [
                {"kind": kind, "lang": lang, "os": os, "src": src, "count": count}
                for (kind, lang, os, src), count in sorted(self.counts.items())
            ],
        }


class Outbox:
    """The reporter's bookkeeping in the box's database ``database``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def pending(self, hours: int, until: str) -> list[HourCounts]:
        """At most ``hours`` hours still to be sent, oldest first, none after ``until``."""
        with self.database.transaction() as db:
            marks = db.execute(
                "SELECT hour, changed FROM report_hours"
                " WHERE changed > confirmed AND hour >= ? AND hour <= ?"
                " ORDER BY hour LIMIT ?",
                (EARLIEST_HOUR, until, hours),
            ).fetchall()
            if not marks:
                return []
            first, last = str(marks[0][0]), str(marks[-1][0])
            rows = db.execute(
                "SELECT hour, kind, lang, os, src, SUM(count) FROM event_counts"
                " WHERE hour >= ? AND hour <= ? GROUP BY hour, kind, lang, os, src",
                (first, last),
            ).fetchall()
        counts: dict[str, dict[tuple[str, str, str, str], int]] = defaultdict(dict)
        for hour, kind, lang, os, src, count in rows:
            key = (str(kind), str(lang), str(os), str(src))
            if not valid_key(*key):
                # Counted by an older release under a key the report format does not carry
                # (a kind since renamed): the server would refuse the whole report for it.
                log.info("report: counts under %s of %s are not reported", key, hour)
                continue
            hour_counts = counts[str(hour)]
            if len(hour_counts) < MAX_KEYS:
                hour_counts[key] = min(int(count), MAX_COUNT - 1)
        return [
            HourCounts(str(hour), int(revision), counts.get(str(hour), {}))
            for hour, revision in marks
        ]

    def confirm(self, revisions: Mapping[str, int]) -> int:
        """Note that the signage server stored these hours at these revisions; how many
        hours moved. A confirmation older than one already noted changes nothing."""
        moved = 0
        with self.database.immediate() as db:
            for hour, revision in revisions.items():
                moved += db.execute(
                    "UPDATE report_hours SET confirmed = ? WHERE hour = ? AND confirmed < ?",
                    (revision, hour, revision),
                ).rowcount
        return moved

    def backlog(self) -> int:
        """How many hours are still to be sent."""
        with self.database.transaction() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM report_hours WHERE changed > confirmed AND hour >= ?",
                (EARLIEST_HOUR,),
            ).fetchone()
        return int(row[0])

    def claim(self, holder: str, seconds: float, now: float) -> bool:
        """Take or renew the reporter's lease for ``seconds`` from ``now``; False while another
        holder's lease runs. One atomic statement, so two processes never both hold it."""
        with self.database.immediate() as db:
            changed = db.execute(
                "INSERT INTO report_lease (name, holder, expires) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                " expires = excluded.expires"
                " WHERE report_lease.holder = excluded.holder OR report_lease.expires < ?",
                (LEASE, holder, now + seconds, now),
            ).rowcount
        return changed > 0

    def release(self, holder: str) -> None:
        """Give the lease up (when the process stops), so another may take it at once."""
        with self.database.immediate() as db:
            db.execute("DELETE FROM report_lease WHERE name = ? AND holder = ?", (LEASE, holder))
