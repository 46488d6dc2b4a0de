"""Reading the portal's campaign counters from its `GET /api/stats` (see `portal.campaign.stats`).

This module is the one place the signage server calls the portal. It never follows a
redirect (the portal redirects requests for a host name it does not know, which would mean a
wrong URL) and gives up after `timeout` seconds. No Flask import.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from signage.results.tables import Count

HOUR = "%Y-%m-%dT%H"


class PortalStatsError(RuntimeError):
    """The figures could not be read; `reason` is a code the console translates:
    `off` (not configured), `unreachable`, `refused` (401), `disabled` (404 from the portal),
    `redirected` or `bad_answer`."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def token_from(token: str, token_file: str) -> str:
    """The token given directly, or read from `token_file`; empty when neither is set."""
    if token or not token_file:
        return token
    try:
        return Path(token_file).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        message = f"cannot read the portal token file {token_file}: {exc}"
        raise PortalStatsError("off", message) from None


def fetch(
    base_url: str,
    token: str,
    start: datetime,
    end: datetime,
    venue: str | None = None,
    timeout: float = 10.0,
) -> list[Count]:
    """The counters of the UTC hours from `start` up to `end` (not included)."""
    if not base_url or not token:
        raise PortalStatsError("off", "no portal address or token is configured")
    query = {"from": start.astimezone(UTC).strftime(HOUR), "to": _ceil_hour(end)}
    if venue:
        query["venue"] = venue
    url = f"{base_url.rstrip('/')}/api/stats?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            body = response.read(64 * 1024 * 1024)
    except urllib.error.HTTPError as exc:
        exc.close()
        reason = {401: "refused", 404: "disabled"}.get(exc.code)
        if reason is None:
            reason = "redirected" if 300 <= exc.code < 400 else "bad_answer"
        raise PortalStatsError(reason, f"{url}: the portal answered {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise PortalStatsError("unreachable", f"{url}: {exc}") from None
    return parse(body)


def _ceil_hour(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    hour = utc.replace(minute=0, second=0, microsecond=0)
    if hour != utc:
        hour = datetime.fromtimestamp(hour.timestamp() + 3600, UTC)
    return hour.strftime(HOUR)


def parse(body: bytes) -> list[Count]:
    """The counters in an `/api/stats` answer; `PortalStatsError("bad_answer")` otherwise."""
    try:
        data = json.loads(body)
        rows = data["counts"]
        return [
            Count(
                datetime.strptime(str(row["hour"]), HOUR).replace(tzinfo=UTC),
                str(row["kind"]),
                str(row["venue"]),
                str(row["lang"]),
                str(row["os"]),
                str(row["src"]),
                int(row["count"]),
            )
            for row in rows
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise PortalStatsError(
            "bad_answer", f"the portal's answer is not readable: {exc}"
        ) from None
