"""A minimal HTTP caller for testing the stand-ins themselves: no redirects followed, no
cookie jar, a timeout on everything (the portal's own clients are not used here)."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from dataclasses import dataclass
from email.message import Message
from typing import Any

TIMEOUT = 5.0


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def cookies(self) -> dict[str, str]:
        """Name -> value of every ``Set-Cookie`` in the answer."""
        found = {}
        for line in self.headers.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
        return found

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


def call(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> Answer:
    """One request to ``url``; raises ``OSError`` subclasses when the connection fails."""
    split = urllib.parse.urlsplit(url)
    sent = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        sent.setdefault("Content-Type", "application/json")
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    if cookies:
        sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    connection = http.client.HTTPConnection(split.hostname or "", split.port, timeout=timeout)
    try:
        target = split.path or "/"
        if split.query:
            target += f"?{split.query}"
        connection.request(method, target, body=body, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, response.msg, response.read())
    finally:
        connection.close()
