"""Helpers for venue tests: an app with venues, and a phone that follows redirects between
the portal (Flask's test client) and a controller stand-in (real HTTP on loopback)."""

from __future__ import annotations

import http.client
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.sessions.access import Access
from portal.sessions.store import Session

from ..conftest import PORTAL_HOST, make_config

PORTAL = f"http://{PORTAL_HOST}"


def venue_app(tmp_path: Path, venues: dict[str, Any], **overrides: Any) -> Flask:
    """A portal serving ``venues`` (secrets from the environment the test set)."""
    return create_app(make_config(tmp_path, venues=venues, **overrides))


def session_of(app: Flask, mac: str) -> Session | None:
    """The portal's recorded session of the device ``mac``, if any."""
    service: Access = app.extensions["bluezone.access"]
    return service.store.session(f"mac:{mac}")


@dataclass
class Page:
    """One answer the phone received."""

    url: str
    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def field(self, name: str) -> str:
        """The value of the hidden form field ``name`` on this page."""
        match = re.search(rf'name="{name}" value="([^"]*)"', self.text)
        assert match, f"no field {name} in the page:\n{self.text[:2000]}"
        return match.group(1).replace("&amp;", "&")

    def form_action(self) -> str:
        match = re.search(r'<form class="card" method="post" action="([^"]+)"', self.text)
        assert match, "no accept form in the page"
        return match.group(1)


@dataclass
class Phone:
    """A browser without cookies: portal pages through ``client``, anything else over HTTP."""

    client: FlaskClient
    ip: str = "10.20.0.11"
    visited: list[str] = field(default_factory=list)

    def _portal(self, method: str, url: str, data: dict[str, str] | None = None) -> Page:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.client.open(
            path,
            method=method,
            data=data,
            headers={"Host": PORTAL_HOST, "User-Agent": "Mozilla/5.0 (iPhone)"},
            environ_base={"REMOTE_ADDR": self.ip},
        )
        return Page(url, response.status_code, dict(response.headers), response.text)

    def _outside(self, url: str) -> Page:
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        try:
            connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            return Page(url, response.status, dict(response.getheaders()), body)
        finally:
            connection.close()

    def open(self, url: str, method: str = "GET", data: dict[str, str] | None = None) -> Page:
        """Request ``url`` and follow redirects (GET after the first), like a browser."""
        page = self._request(method, url, data)
        for _ in range(8):
            if page.status not in (301, 302, 303, 307) or not page.location:
                return page
            target = page.location
            if target.startswith("/"):
                target = f"{PORTAL}{target}"
            page = self._request("GET", target, None)
        raise AssertionError(f"too many redirects: {self.visited}")

    def _request(self, method: str, url: str, data: dict[str, str] | None) -> Page:
        self.visited.append(url)
        if url.startswith(PORTAL):
            return self._portal(method, url, data)
        assert method == "GET", "the phone only GETs controllers"
        return self._outside(url)

    def accept(self, splash: Page) -> Page:
        """Tap "Accept" on ``splash``: post its hidden fields, follow the redirects."""
        fields = {name: splash.field(name) for name in ("token", "visit", "lang", "continue")}
        return self.open(f"{PORTAL}{splash.form_action()}", "POST", fields)


class LogCapture(logging.Handler):
    """Every log record's text, for checking that no secret is ever logged."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def __enter__(self) -> LogCapture:
        logging.getLogger().addHandler(self)
        logging.getLogger().setLevel(logging.DEBUG)
        return self

    def __exit__(self, *args: object) -> None:
        logging.getLogger().removeHandler(self)
