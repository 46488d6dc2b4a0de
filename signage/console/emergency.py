"""The console's emergency messages: compose, preview, send, watch acknowledgements, cancel.

Sending goes the same way as the HTTP API: the form becomes one `OverrideRequest` per target
(`signage.emergency.draft`, which uses `parse_request`), each is stored by
`OverrideStore.create` (its audit log names `console:<operator>`) and delivered by
`signage.web.socket.announce`. Who may send to which target is
`signage.emergency.overriderights`. The preview page renders the draft with the player's own
override view (`static/override-view.js`) and stylesheet.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from signage import services
from signage.emergency.draft import DraftError, read_draft, requests
from signage.emergency.model import NotFound, Override, OverrideError
from signage.emergency.overriderights import may_send_to_all, may_target
from signage.emergency.requests import parse_until
from signage.live.hub import Hub
from signage.web.socket import announce

from .audit import record
from .auth import current_operator, login_required, role_required
from .i18n import _

bp = Blueprint("console_emergency", __name__, url_prefix="/console/emergency")

BASE_LANGUAGES = ("vi", "en")


def languages(hub: Hub) -> list[str]:
    """vi and en, then every other language a declared screen shows."""
    found = list(BASE_LANGUAGES)
    catalog = hub.programme.catalog
    for screen in catalog.screens.values() if catalog is not None else ():
        found += [lang for lang in screen.languages if lang not in found]
    return found


def _screen_groups(hub: Hub) -> dict[str, tuple[str, ...]]:
    catalog = hub.programme.catalog
    return {s.id: s.groups for s in catalog.screens.values()} if catalog is not None else {}


def _declared_groups(hub: Hub) -> list[str]:
    catalog = hub.programme.catalog
    return list(catalog.groups) if catalog is not None else []


def _status(hub: Hub, override: Override, now: float) -> dict[str, Any]:
    """An active override with the screens it reaches and which of them acknowledged it."""
    acks = hub.acks.of(override.id)
    catalog = hub.programme.catalog
    screens = []
    for screen in catalog.screens.values() if catalog is not None else ():
        if override.applies_to(screen.id, screen.groups):
            screens.append(
                {
                    "id": screen.id,
                    "name": screen.name,
                    "online": hub.presence.get(screen.id).online(now, hub.offline_after),
                    "acknowledged": acks.get(screen.id),
                }
            )
    return {
        "override": override,
        "until": datetime.fromtimestamp(override.until, hub.timezone),
        "screens": screens,
        "acknowledged": sum(1 for s in screens if s["acknowledged"] is not None),
    }


def _draft_error(error: DraftError) -> str:
    texts = {
        "target": _("Choose the screens: all screens or at least one group."),
        "message": _("Write the message in at least one language."),
        "until": _("Say until when the message is shown."),
    }
    return texts.get(error.code, str(error))


def _page(errors: dict[str, str], status: int, form: dict[str, Any] | None = None) -> Response:
    hub = services.hub()
    now = time.time()
    operator = current_operator()
    declared = _declared_groups(hub)
    catalog = hub.programme.catalog
    default_until = datetime.now(hub.timezone) + timedelta(hours=1)
    page = render_template(
        "console/emergency.html",
        active=[_status(hub, o, now) for o in hub.overrides.active(now)],
        groups=dict(catalog.groups) if catalog is not None else {},
        allowed={g: may_target(operator, f"group:{g}", declared) for g in declared},
        may_all=may_send_to_all(operator, declared),
        may_cancel=lambda o: may_target(operator, o.target, declared, _screen_groups(hub)),
        may_send=operator.may("editor"),
        languages=languages(hub),
        errors=errors,
        form=form or {"until": default_until.strftime("%Y-%m-%dT%H:%M"), "target": []},
        timezone=hub.timezone.key,
        target_label=lambda target: _target_label(hub, target),
    )
    return Response(page, status=status, mimetype="text/html")


def _target_label(hub: Hub, target: str) -> str:
    if target == "all":
        return _("All screens")
    kind, _sep, name = target.partition(":")
    catalog = hub.programme.catalog
    if kind == "group" and catalog is not None and name in catalog.groups:
        return _("Group %(name)s", name=catalog.groups[name].name)
    if kind == "screen" and catalog is not None and name in catalog.screens:
        return _("Screen %(name)s", name=catalog.screens[name].name)
    return target


@bp.get("")
@login_required
def page() -> ResponseReturnValue:
    """Active messages with their acknowledgements, and the form to send one (editors)."""
    return _page({}, 200)


@bp.post("")
@role_required("editor")
def send() -> ResponseReturnValue:
    """Send the composed message to the chosen targets; refuse targets the operator may not
    reach (403, saying which), and show what is missing or wrong next to its field (400)."""
    hub = services.hub()
    operator = current_operator()
    form = {key: request.form.getlist(key) for key in request.form}
    shown = {key: values[0] if len(values) == 1 else values for key, values in form.items()}
    shown["target"] = form.get("target", [])
    try:
        draft = read_draft(form, languages(hub))
    except DraftError as error:
        return _page({error.code: _draft_error(error)}, 400, shown)
    declared = _declared_groups(hub)
    refused = [t for t in draft.targets if not may_target(operator, t, declared)]
    if refused:
        names = ", ".join(_target_label(hub, t) for t in refused)
        message = _(
            "You may not send a message to %(targets)s: it is not one of your groups. "
            "Nothing was sent. Ask an administrator to give you the group, or to send it.",
            targets=names,
        )
        record("override.refused", ", ".join(refused))
        return _page({"target": message}, 403, shown)
    now = datetime.now(hub.timezone)
    try:
        parse_until(draft.until, now)
    except OverrideError as error:
        text = _(
            "The end must be a date and time after now, in %(zone)s time (%(why)s).",
            zone=hub.timezone.key,
            why=str(error),
        )
        return _page({"until": text}, 400, shown)
    try:
        wanted = requests(draft, now, declared, hub.programme.screen_ids())
        if draft.speak and wanted:
            # Spoken once: every target shares the same words.
            messages = hub.programme.speak(wanted[0].messages)
            wanted = [dataclasses.replace(item, messages=messages) for item in wanted]
    except OverrideError as error:
        return _page(
            {"send": _("This message cannot be sent: %(why)s", why=str(error))}, 400, shown
        )
    sent = []
    for item in wanted:
        override = hub.overrides.create(
            target=item.target,
            messages=item.messages,
            until=item.until,
            priority=item.priority,
            actor=f"console:{operator.name}",
            source="console",
        )
        announce(hub, override)
        until = datetime.fromtimestamp(override.until, hub.timezone)
        record("override.send", item.target, f"#{override.id} until {until:%Y-%m-%d %H:%M}")
        sent.append(_target_label(hub, item.target))
    flash(_("The message is on the screens of: %(targets)s.", targets=", ".join(sent)), "success")
    return redirect(url_for("console_emergency.page"), 303)


@bp.post("/<int:override_id>/cancel")
@role_required("editor")
def cancel(override_id: int) -> ResponseReturnValue:
    """Cancel an active message; its screens go back to their playlist at once."""
    hub = services.hub()
    operator = current_operator()
    try:
        override = hub.overrides.get(override_id)
    except NotFound:
        flash(_("This message does not exist."), "error")
        return redirect(url_for("console_emergency.page"), 303)
    declared = _declared_groups(hub)
    if not may_target(operator, override.target, declared, _screen_groups(hub)):
        record("override.refused", override.target, f"cancel #{override_id}")
        return _page(
            {
                "cancel": _(
                    "You may not cancel a message sent to %(target)s.",
                    target=_target_label(hub, override.target),
                )
            },
            403,
        )
    try:
        override = hub.overrides.cancel(override_id, actor=f"console:{operator.name}")
    except OverrideError:
        flash(_("This message had already ended."), "warning")
        return redirect(url_for("console_emergency.page"), 303)
    announce(hub, override)
    record("override.cancel", override.target, f"#{override_id}")
    flash(_("The message is cancelled; the screens show their playlist again."), "success")
    return redirect(url_for("console_emergency.page"), 303)


@bp.get("/preview")
@login_required
def preview() -> ResponseReturnValue:
    """A screen-sized page that shows a draft exactly as screens show an override; the
    emergency page frames it and sends the draft with postMessage."""
    return render_template("console/emergency_preview.html", languages=languages(services.hub()))
