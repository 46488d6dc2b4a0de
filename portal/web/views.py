"""The portal's pages and API: thin views that parse, call the access flow, render.

The access flow is :class:`~portal.sessions.access.Access`. Interception of foreign hosts and
the splash page for new visitors are answered earlier, in :mod:`portal.web.intercept`; these
views only ever see the portal's own host.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, g, redirect, render_template, request
from flask_babel import format_timedelta
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from bluezone.health import database_health
from bluezone.qr import inline_svg
from bluezone.storage.database import Database

from .. import services
from ..campaign.content import Campaign
from ..gateway import GatewayError
from ..sessions.access import Access, Granted
from ..sessions.token import TokenProblem
from .destination import clean_destination
from .splash import continue_query
from .useragent import os_family, store_for

bp = Blueprint("pages", __name__)

SOURCE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # ":" joins material and venue


def access() -> Access:
    """The access service of the running app."""
    return services.access()


def request_value(name: str) -> str | None:
    """A query or form field; a body too large or malformed to parse counts as absent, so error
    pages can always be rendered."""
    try:
        return request.values.get(name)
    except HTTPException:
        return request.args.get(name)


def _destination() -> str | None:
    return clean_destination(request_value("continue"))


def in_words(minutes: int) -> str:
    """A number of minutes in words, in the visitor's language ("4 hours", "15 phút")."""
    return str(format_timedelta(timedelta(minutes=minutes), threshold=1.1))


def session_length() -> str:
    """The configured session length in words, in the visitor's language."""
    return in_words(access().config.session_minutes)


def page_campaign() -> Campaign:
    """The campaign of the page being served: the venue's (``/v/<venue>/``) or the portal's."""
    venue = g.get("venue")
    return venue.campaign if venue is not None else access().campaign


def base_path() -> str:
    """The path prefix of the page being served: ``/v/<venue>`` on a venue's pages, else ""."""
    venue = g.get("venue")
    return f"/v/{venue.id}" if venue is not None else ""


def install_context(src: str) -> dict[str, Any]:
    """What the install call to action needs: which stores, the QR code, the campaign texts."""
    campaign = page_campaign()
    return {
        "store": store_for(request.user_agent.string),
        "family": os_family(request.user_agent.string),
        "go_src": src,
        "go_prefix": base_path(),
        "qr": inline_svg(campaign.install_url, campaign.install_url),
        "venue_url": f"{access().config.portal_url}{base_path()}/venue",
    }


@bp.get("/")
def splash() -> str | BaseResponse:
    """A client with a session sees the online page; new visitors are served by the interceptor."""
    service = access()
    client = service.client(request.environ)
    if service.session(client) is None:
        # Reached only when the interceptor declined (it never does for GET /): be safe.
        return redirect("/", code=302)
    return online_page(already=True)


@bp.post("/accept")
def accept() -> BaseResponse | tuple[str, int]:
    """Check the token, grant access and send the visitor to the online page (303)."""
    service = access()
    client = service.client(request.environ)
    lang: str = g.lang
    try:
        outcome = service.accept(
            client, request.form.get("token"), lang, os_family(request.user_agent.string)
        )
    except GatewayError:
        current_app.logger.exception("the gateway failed to grant access")
        return render_error("gateway", 503)
    if isinstance(outcome, TokenProblem):
        return render_error(outcome.value, 403 if outcome is TokenProblem.OTHER_CLIENT else 400)
    assert isinstance(outcome, Granted)
    target = f"/online?lang={lang}"
    destination = _destination()
    if destination:
        target += continue_query(destination).replace("&amp;", "&")
    return redirect(target, code=303)


@bp.get("/online")
def online() -> str | BaseResponse:
    """The "you are online" page with the install call to action."""
    service = access()
    if service.session(service.client(request.environ)) is None:
        return redirect(f"/?lang={g.lang}", code=303)
    return online_page(already=False)


def online_page(already: bool, minutes: int | None = None) -> str:
    """Render the online page for the current request (sessions of ``minutes``, default the
    portal's session length)."""
    destination = _destination()
    return render_template(
        "online.html",
        already=already,
        destination=destination,
        duration=in_words(minutes) if minutes else session_length(),
        page="online",
        **install_context("online"),
    )


@bp.get("/venue")
def venue() -> str:
    """Venue information (RFC 8908 ``venue-info-url``): how to install the app."""
    return render_template("venue.html", page="venue", **install_context("venue"))


@bp.get("/go/<campaign_id>")
def go(campaign_id: str) -> BaseResponse | tuple[str, int]:
    """The smart install link: App Store, Google Play or the official page, counted by ``src``."""
    service = access()
    if campaign_id != service.campaign.id:
        return render_error("not_found", 404)
    src = request.args.get("src", "")
    if not SOURCE.match(src):
        src = "unknown"
    user_agent = request.user_agent.string
    service.count_install_link(src, g.lang, os_family(user_agent))
    response = redirect(service.install_target(user_agent, request.args.get("store")), code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/captive-portal")
def captive_api() -> Response:
    """RFC 8908 Captive Portal API, answered for the client making the request."""
    service = access()
    body = json.dumps(service.captive_status(service.client(request.environ)))
    response = Response(body, content_type="application/captive+json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/healthz")
def health() -> Response:
    """For nginx and monitoring: 200 while the database answers (one ``SELECT 1``, cheap
    however many sessions there are), 503 with what failed otherwise; with the gateway
    backend's name either way."""
    service = access()
    found = database_health(Database.of(service.store.path))
    body = json.dumps({**found.to_json(), "gateway": service.gateway.name})
    response = Response(body, status=found.status, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def render_error(reason: str, status: int, retry: dict[str, Any] | None = None) -> tuple[str, int]:
    """A full page in the visitor's language explaining ``reason``, with a way back: the
    splash page, or on a venue's pages a ``retry`` form (``action`` and hidden ``fields``)."""
    return (
        render_template(
            "error.html",
            reason=reason,
            status=status,
            token_duration=in_words(access().config.token_minutes),
            page="error",
            destination=_destination(),
            venue_page=g.get("venue") is not None,
            retry=retry,
        ),
        status,
    )
