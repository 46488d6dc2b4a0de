"""Pages of the venues whose Wi-Fi controllers use the portal as their splash page: ``/v/<id>/``.

Thin views: they parse the request, call :class:`~portal.venues.visits.VisitDesk` and render the
same splash, online and error pages as the portal's own, with the venue's name, languages and
campaign.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, redirect, render_template, request

from .. import services
from ..controllers.base import BadParameter, Redirect
from ..controllers.errors import ControllerRefused, ControllerUnavailable
from ..sessions.token import TokenProblem
from ..web import views
from ..web.language import choose_language
from ..web.splash import continue_query
from ..web.useragent import os_family
from .visits import VisitDesk

bp = Blueprint("venues", __name__, url_prefix="/v/<venue>")
log = logging.getLogger(__name__)

MAX_PARAMETERS = 40
MAX_QUERY = 8192


def desk() -> VisitDesk:
    """The venue flow of the running app."""
    return services.visits()


@bp.url_value_preprocessor
def _venue(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Find the venue before anything else, so the language and page texts can be its own."""
    venue_id = (values or {}).pop("venue", "")
    g.venue = desk().venues.get(venue_id)


@bp.before_request
def _known_venue() -> tuple[str, int] | None:
    if g.venue is None:
        return views.render_error("not_found", 404)
    chosen = request.args.getlist("lang")
    if len(chosen) > 1:
        # A controller may send its own lang (CoovaChilli does); the visitor's later choice,
        # appended by the language links, wins.
        g.lang = choose_language(
            chosen[-1],
            request.headers.get("Accept-Language"),
            g.venue.config.languages,
            g.venue.config.default_language,
        )
    return None


def _query() -> tuple[dict[str, str], str] | None:
    """The query as single values and as sent; ``None`` when it is oversized or repeats a
    parameter (a controller never does either)."""
    raw = request.query_string.decode("latin-1")
    args = request.args
    if len(raw) > MAX_QUERY or len(args) > MAX_PARAMETERS:
        return None
    if any(len(args.getlist(name)) > 1 for name in args if name != "lang"):
        return None
    return {name: args[name] for name in args}, raw


def _policy(origins: tuple[str, ...]) -> str:
    """The page's security policy, with the controller's login address allowed as a place
    the accept form may be redirected to (browsers check redirects after a form, too)."""
    policy = services.csp()
    if origins:
        policy = policy.replace("form-action 'self'", "form-action 'self' " + " ".join(origins))
    return policy


def _lang_link(code: str) -> str:
    """The same page in language ``code``: the query kept byte for byte (a controller's
    checksum covers it), the visitor's earlier choice (always last) replaced."""
    kept = [pair for pair in request.query_string.decode("latin-1").split("&") if pair]
    while kept and kept[-1].startswith("lang="):
        kept.pop()
    return f"{request.path}?{'&'.join([*kept, urlencode({'lang': code})])}"


@bp.context_processor
def _venue_context() -> dict[str, Any]:
    return {"lang_link": _lang_link}


def _bad(problem: BadParameter) -> tuple[str, int]:
    log.warning("venue %s: refused a redirect from its controller: %s", g.venue.id, problem)
    return views.render_error("controller_params", 400)


@bp.get("/")
def splash() -> Any:
    """The controller's redirect lands here: check it, then the splash page (or, when the
    controller reports back after its login, the online page or a "try again" page)."""
    venue = g.venue
    parsed = _query()
    if parsed is None:
        return _bad(BadParameter("query", "too long or a parameter given twice"))
    query, raw = parsed
    try:
        visit = venue.controller.read(query, raw)
    except BadParameter as problem:
        return _bad(problem)
    if visit.outcome is not None:
        landing = desk().returned(venue, visit, g.lang)
        if landing is None:
            return views.render_error("controller_refused", 503)
        return redirect(landing, code=303)
    service = desk().access
    client = service.client(request.environ)
    sealed = desk().seal(venue, visit, client)
    if request.method == "GET":
        service.events.record("view", venue.id, g.lang, os_family(request.user_agent.string))
    page = render_template(
        "splash.html",
        token=service.tokens.issue(client.key),
        visit=sealed,
        accept_action=f"/v/{venue.id}/accept",
        continue_value=visit.destination or "",
        continue_query=continue_query(visit.destination),
        duration=views.in_words(venue.config.session_minutes),
        page="splash",
    )
    response = Response(page, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = _policy(venue.controller.grant_origins(visit))
    response.headers["Content-Language"] = g.lang.replace("_", "-")
    return response


@bp.post("/")
def authmon() -> Any:
    """openNDS's authmon collects queued grants here (POST ``auth_get``, ``gatewayhash``)."""
    answer = desk().authmon(g.venue, {k: request.form.get(k, "") for k in request.form})
    if answer is None or g.venue.controller.kind != "opennds":
        return views.render_error("bad_request", 400)
    return Response(answer, content_type="text/plain; charset=utf-8")


@bp.post("/accept")
def accept() -> Any:
    """Check the token and the sealed visit, then let the controller grant (303 onwards)."""
    venue = g.venue
    service = desk().access
    client = service.client(request.environ)
    token, sealed = request.form.get("token"), request.form.get("visit")
    try:
        outcome = desk().accept(
            venue, client, token, sealed, g.lang, os_family(request.user_agent.string)
        )
    except ControllerUnavailable:
        log.warning("venue %s: controller unavailable; the visitor may try again", venue.id)
        retry = {
            "action": f"/v/{venue.id}/accept",
            "fields": [
                ("token", token or ""),
                ("visit", sealed or ""),
                ("lang", g.lang),
                ("continue", request.form.get("continue", "")),
            ],
        }
        return views.render_error("controller_down", 503, retry=retry)
    except ControllerRefused as exc:
        log.warning("venue %s: controller refused: %s", venue.id, exc)
        return views.render_error("controller_refused", 502)
    except ValueError as exc:  # a controller client refusing an argument, before any call
        log.warning("venue %s: the grant could not be asked for: %s", venue.id, exc)
        return views.render_error("controller_refused", 502)
    if isinstance(outcome, TokenProblem):
        return views.render_error(
            outcome.value, 403 if outcome is TokenProblem.OTHER_CLIENT else 400
        )
    target = outcome.grant.url if isinstance(outcome.grant, Redirect) else outcome.landing
    return redirect(target, code=303)


@bp.get("/online")
def online() -> Any:
    """The online page, for the device named by the signed ticket ``t``."""
    venue = g.venue
    ticket = desk().read_ticket(venue, request.args.get("t"))
    if ticket is None:
        return views.render_error("forged", 400)
    state = desk().state(venue, ticket)
    if state == "waiting":
        return render_template("waiting.html", refresh=3, page="waiting")
    if state == "timeout":
        return views.render_error("controller_down", 503)
    if state == "ended":
        return views.render_error("session_ended", 410)
    return views.online_page(already=False, minutes=venue.config.session_minutes)


@bp.get("/venue")
def venue_info() -> str:
    """Venue information (RFC 8908 ``venue-info-url``) with the venue's campaign."""
    return render_template("venue.html", page="venue", **views.install_context("venue"))


@bp.get("/go/<campaign_id>")
def go(campaign_id: str) -> Any:
    """The smart install link of the venue's campaign, counted under the venue."""
    venue = g.venue
    if campaign_id != venue.campaign.id:
        return views.render_error("not_found", 404)
    service = desk().access
    src = request.args.get("src", "")
    src = src if views.SOURCE.match(src) else "unknown"
    user_agent = request.user_agent.string
    kind = "store_click" if src in ("online", "venue") else "qr_scan"
    service.events.record(kind, venue.id, g.lang, os_family(user_agent), src)
    target = service.install_target(user_agent, request.args.get("store"), venue.campaign)
    response = redirect(target, code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/captive-portal")
def captive_api() -> Response:
    """RFC 8908 API for the venue: the device of ticket ``t``, else the requesting client."""
    venue = g.venue
    ticket = desk().read_ticket(venue, request.args.get("t"))
    client = desk().access.client(request.environ)
    body = json.dumps(desk().captive_status(venue, client, ticket))
    response = Response(body, content_type="application/captive+json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


guest_bp = Blueprint("unifi_guest", __name__)


@guest_bp.get("/guest/s/<site>/")
def unifi_guest(site: str) -> Any:
    """UniFi sends guests to ``/guest/s/<site>/`` on the portal's address: forward them (302,
    query kept) to the UniFi venue with that site."""
    found = [
        venue
        for venue in desk().venues.values()
        if venue.controller.kind == "unifi" and venue.config.options.get("site", "default") == site
    ]
    if len(found) != 1:
        return views.render_error("not_found", 404)
    query = request.query_string.decode("latin-1")
    return redirect(f"/v/{found[0].id}/" + (f"?{query}" if query else ""), code=302)
