"""Interception: the WSGI layer in front of the Flask app.

A request whose Host is not the portal's own is a captive visitor's (or an OS probe's): a
granted client asking a known probe URL gets the exact "online" answer; everything else gets
a 302 to the splash page carrying the original URL. The portal's own splash page is also
answered here, from :class:`~portal.web.splash.SplashCache`, because it is the hottest page.
Everything else goes to Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, unquote_plus

from ..sessions.access import Access
from .destination import clean_destination, intercepted_url
from .language import choose_language
from .probes import find_probe
from .splash import SplashCache
from .useragent import os_family

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
StartResponse = Callable[..., Any]

NO_STORE = ("Cache-Control", "no-store")


def host_name(environ: dict[str, Any]) -> str:
    """The request's host name: lower case, without port or IPv6 brackets."""
    host = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "").strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def splash_query(query: str) -> tuple[str | None, str | None]:
    """The first non-empty `lang` and `continue` of a query string, each None when absent.

    Every other field is skipped unread, however many there are (a sign-in window can pass
    on the address a phone asked for, with its own fields); the work is linear in the query,
    which the HTTP server already bounds with its request-line limit.
    """
    found: dict[str, str] = {}
    for field in query.split("&"):
        name, _, value = field.partition("=")
        if not value or name not in SPLASH_FIELDS or name in found:
            continue
        found[name] = unquote_plus(value)
    return found.get("lang"), found.get("continue")


# The only fields the splash page reads; their names need no decoding.
SPLASH_FIELDS = frozenset({"lang", "continue"})


class Interceptor:
    """WSGI middleware: foreign hosts and the splash page here, the rest in ``app``."""

    def __init__(
        self,
        app: WSGIApp,
        access: Access,
        splash: SplashCache,
        security_headers: list[tuple[str, str]],
    ) -> None:
        self.app = app
        self.access = access
        self.splash = splash
        self.config = access.config
        self.own_hosts = access.config.own_hosts
        self.security_headers = security_headers

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        host = host_name(environ)
        if host not in self.own_hosts:
            return self.foreign(environ, start_response, host)
        if environ.get("PATH_INFO") == "/" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            page = self.splash_page(environ, start_response)
            if page is not None:
                return page
        return self.app(environ, start_response)

    def foreign(
        self, environ: dict[str, Any], start_response: StartResponse, host: str
    ) -> Iterable[bytes]:
        """Answer a request for somebody else's host."""
        path = str(environ.get("PATH_INFO") or "/")
        probe = find_probe(host, path)
        if probe is not None and self.access.session(self.access.client(environ)) is not None:
            answer = probe.answer
            headers = [NO_STORE, ("Content-Length", str(len(answer.body)))]
            if answer.content_type:
                headers.append(("Content-Type", answer.content_type))
            headers.extend(answer.extra_headers)
            start_response(
                f"{answer.status} {'No Content' if answer.status == 204 else 'OK'}", headers
            )
            return [answer.body] if environ.get("REQUEST_METHOD") != "HEAD" else []
        raw_path = path.encode("latin-1", "replace").decode("utf-8", "replace")
        original = intercepted_url(host, raw_path, str(environ.get("QUERY_STRING") or ""))
        location = f"{self.config.portal_url}/"
        if original:
            location += f"?continue={quote(original, safe='')}"
        body = (
            b'<!doctype html><title>Wi-Fi</title><a href="%s">Wi-Fi</a>'
            % location.replace("&", "&amp;").encode()
        )
        start_response(
            "302 Found",
            [
                ("Location", location),
                NO_STORE,
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                # A kept-alive connection of a captive client must not outlive its grant.
                ("Connection", "close"),
            ],
        )
        return [body] if environ.get("REQUEST_METHOD") != "HEAD" else []

    def splash_page(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes] | None:
        """The splash page for a client without a session; ``None`` lets Flask answer."""
        client = self.access.client(environ)
        if self.access.session(client) is not None:
            return None  # Flask shows the "you are online" page instead.
        wanted, destination_text = splash_query(str(environ.get("QUERY_STRING") or ""))
        lang = choose_language(
            wanted,
            environ.get("HTTP_ACCEPT_LANGUAGE"),
            self.config.languages,
            self.config.default_language,
        )
        destination = clean_destination(destination_text)
        token = self.access.tokens.issue(client.key)
        body = self.splash.page(lang, token, destination)
        if environ.get("REQUEST_METHOD") == "GET":
            user_agent = environ.get("HTTP_USER_AGENT")
            self.access.events.record("view", self.config.venue_id, lang, os_family(user_agent))
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Content-Language", lang.replace("_", "-")),
                ("Vary", "Accept-Language"),
                NO_STORE,
                *self.security_headers,
            ],
        )
        return [body] if environ.get("REQUEST_METHOD") == "GET" else []
