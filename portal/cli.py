"""``bluezone-portal``: the Flask CLI group (run, routes, shell) plus the portal's commands."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from bluezone.storage.database import Database, DatabaseError

from . import create_app, services
from .campaign.content import CampaignError, load_campaign
from .campaign.materials import MATERIALS, MaterialError, normalise_language, png_pages
from .campaign.materials import Venue as MaterialVenue
from .campaign.materials import render as render_material
from .campaign.reporter import read_token as read_report_token
from .campaign.stats import read_token
from .config import ConfigError, load_config
from .gateway import GatewayError
from .sessions.client import normalise_mac
from .sessions.store import Session

GUNICORN_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn" / "portal.conf.py"


def _create_app() -> Flask:
    """The app for commands that need it; configuration problems become one clear line.

    Commands never (re)install the gateway: only the server does, at start.
    """
    try:
        return create_app(install_gateway=False)
    except (ConfigError, CampaignError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """The Bluezone captive portal."""


@main.command(with_appcontext=False)
@click.option("--bind", default="0.0.0.0:8080", show_default=True, help="HOST:PORT to listen on.")
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), help="Portal YAML config."
)
@click.option("--workers", type=click.IntRange(1, 64), help="Override the number of workers.")
def serve(bind: str, config_file: str | None, workers: int | None) -> None:
    """Run the portal under gunicorn with deploy/gunicorn/portal.conf.py."""
    if config_file:
        os.environ["PORTAL_CONFIG"] = str(Path(config_file).resolve())
    _check(os.environ.get("PORTAL_CONFIG"))
    if not GUNICORN_CONFIG.is_file():
        raise click.ClickException(f"gunicorn settings not found at {GUNICORN_CONFIG}")
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which(
        "gunicorn"
    )
    if gunicorn is None:
        raise click.ClickException("gunicorn is not installed in this environment")
    argv = [gunicorn, "--config", str(GUNICORN_CONFIG), "--bind", bind]
    if workers:
        argv += ["--workers", str(workers)]
    os.execv(gunicorn, [*argv, "portal.wsgi:app"])


@main.command("check-config", with_appcontext=False)
@click.argument("config_file", type=click.Path(dir_okay=False), required=False)
def check_config(config_file: str | None) -> None:
    """Check a portal config file (and the campaign it names); exit 1 on the first problem."""
    _check(config_file or os.environ.get("PORTAL_CONFIG"))
    click.echo("configuration OK")


def _check(config_file: str | None) -> None:
    """Load the configuration and every campaign it names (the portal's and each venue's);
    one clear line and exit 1 on the first problem."""
    try:
        config = load_config(config_file)
        load_campaign(
            Path(config.campaign_file) if config.campaign_file else None, config.languages
        )
        read_token(config)
        read_report_token(config)
        if config.database:
            Database.from_url(config.database).check()
        for venue in config.venues:
            if venue.campaign_file:
                load_campaign(Path(venue.campaign_file), venue.languages)
    except (ConfigError, CampaignError) as exc:
        raise click.ClickException(str(exc)) from None
    except DatabaseError as exc:
        where = Database.from_url(config.database)
        raise click.ClickException(f"database: cannot use {where}: {exc}") from None


@main.command()
@with_appcontext
def purge() -> None:
    """Delete expired sessions and campaign counts older than event_retention_days."""
    service = services.access()
    sessions, events = service.store.purge(service.config.event_retention_days)
    click.echo(f"removed {sessions} expired sessions and {events} old hourly counts")


@main.command()
@click.option("--once", is_flag=True, required=True, help="Send one report now and exit.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def report(once: bool, as_json: bool) -> None:
    """Send the box's counts and health to the signage server now (report_url), and say what
    was sent or why not; exit 1 when the send failed (the counts are kept for later)."""
    reporter = services.reporter.find()
    if reporter is None:
        raise click.ClickException("reporting is off: set report_url (see README, Venue boxes)")
    outcome = reporter.send()
    if as_json:
        click.echo(json.dumps(outcome.__dict__))
    else:
        stored = ", ".join(outcome.stored) if outcome.stored else "none"
        click.echo(f"sent {len(outcome.sent)} hours to {reporter.url} as {reporter.venue}")
        click.echo(f"stored by the signage server: {stored}")
        click.echo(f"hours still to send: {outcome.backlog}")
    if not outcome.ok:
        raise click.ClickException(f"the report failed ({outcome.error}): {outcome.detail}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def sessions(as_json: bool) -> None:
    """List unexpired sessions (client identifiers are stored only as salted hashes)."""
    rows = services.access().store.active_sessions()
    if as_json:
        click.echo(json.dumps([row.__dict__ for row in rows]))
        return
    for row in rows:
        click.echo(f"{row.client_hash}  {row.venue}  expires {row.expires_at}")
    click.echo(f"{len(rows)} active sessions")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def stats(as_json: bool) -> None:
    """Campaign counts per hour: splash views, accepts, store clicks and QR scans."""
    service = services.access()
    service.events.flush()
    counts = service.store.event_counts()
    if as_json:
        click.echo(json.dumps([{**key.__dict__, "count": n} for key, n in counts]))
        return
    for key, n in counts:
        click.echo(
            f"{key.hour}  {key.kind:<11} {key.venue}  {key.lang:<7} {key.os:<8} {key.src}  {n}"
        )


@main.group()
def gateway() -> None:
    """Look at and change who the enforcement point lets through (like ndsctl)."""


def _emit(as_json: bool, data: dict[str, Any] | list[Any], text: str) -> None:
    click.echo(json.dumps(data) if as_json else text)


def _gateway_call(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except (GatewayError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


@gateway.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def gateway_status(as_json: bool) -> None:
    """The backend, its table and interfaces, and how many devices are let through."""
    service = services.access()
    status = _gateway_call(service.gateway.status)
    status["sessions"] = len(service.store.active_sessions())
    _emit(as_json, status, "\n".join(f"{key}: {value}" for key, value in status.items()))


@gateway.command("clients")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def gateway_clients(as_json: bool) -> None:
    """Devices let through now, with the seconds they have left."""
    service = services.access()
    granted = getattr(service.gateway, "granted", None)
    if granted is None:
        now = int(time.time())
        rows = [
            {"client": s.client_hash, "expires_in": s.expires_at - now}
            for s in service.store.active_sessions()
        ]
    else:
        rows = [{"mac": mac, "expires_in": left} for mac, left in _gateway_call(granted)]
    lines = [f"{row.get('mac') or row.get('client')}  {row['expires_in']} s" for row in rows]
    _emit(as_json, rows, "\n".join([*lines, f"{len(rows)} devices"]))


def _session_row(mac: str, session: Session | None) -> dict[str, Any]:
    left = max(0, session.expires_at - int(time.time())) if session else 0
    return {"mac": mac, "granted": session is not None, "expires_in": left}


@gateway.command("grant")
@click.argument("mac")
@click.option("--seconds", type=click.IntRange(1, 30 * 86400), help="Default: session_minutes.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def gateway_grant(mac: str, seconds: int | None, as_json: bool) -> None:
    """Let the device MAC through (replaces any time it had left)."""
    mac = _gateway_call(lambda: normalise_mac(mac))
    session = _gateway_call(lambda: services.access().grant_device(mac, seconds))
    row = _session_row(mac, session)
    _emit(as_json, row, f"{mac} granted for {row['expires_in']} s")


@gateway.command("extend")
@click.argument("mac")
@click.option("--seconds", type=click.IntRange(1, 30 * 86400), help="Default: session_minutes.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def gateway_extend(mac: str, seconds: int | None, as_json: bool) -> None:
    """Give a granted device more time: its session ends SECONDS from its current end."""
    service = services.access()
    mac = _gateway_call(lambda: normalise_mac(mac))
    current = service.device_session(mac)
    if current is None:
        raise click.ClickException(f"{mac} has no session to extend; use 'gateway grant'")
    extra = seconds or service.config.session_minutes * 60
    left = current.expires_at - int(time.time())
    session = _gateway_call(lambda: service.grant_device(mac, left + extra))
    row = _session_row(mac, session)
    _emit(as_json, row, f"{mac} extended: {row['expires_in']} s left")


@gateway.command("revoke")
@click.argument("mac")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def gateway_revoke(mac: str, as_json: bool) -> None:
    """Cut the device MAC off now, open connections included."""
    mac = _gateway_call(lambda: normalise_mac(mac))
    had = _gateway_call(lambda: services.access().revoke_device(mac))
    _emit(as_json, {"mac": mac, "revoked": True, "had_session": had}, f"{mac} revoked")


@main.command(with_appcontext=False)
@click.option(
    "--material",
    type=click.Choice([*MATERIALS, "all"]),
    default="all",
    show_default=True,
    help="Which sheet to make.",
)
@click.option("--venue", "venue_id", required=True, help="Venue id from the portal config.")
@click.option("--lang", "langs", default="vi", show_default=True, help="One or two, e.g. vi,en.")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--png", is_flag=True, help="Also write a 150 dpi PNG preview of each page.")
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), help="Portal YAML config."
)
def materials(
    material: str, venue_id: str, langs: str, out: str, png: bool, config_file: str | None
) -> None:
    """Print-ready PDFs (A4 poster, A5 leaflet, A5 tent table card, 100 mm sticker) whose QR
    code counts scans per material and venue."""
    try:
        config = load_config(config_file or os.environ.get("PORTAL_CONFIG"))
        venue = next((v for v in config.venues if v.id == venue_id), None)
        if venue is None:
            known = sorted(v.id for v in config.venues) or ["(none configured)"]
            raise click.ClickException(f"unknown venue {venue_id!r}; venues: {', '.join(known)}")
        campaign_file = venue.campaign_file or config.campaign_file
        campaign = load_campaign(Path(campaign_file) if campaign_file else None)
        names = list(MATERIALS) if material == "all" else [material]
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        languages = langs.split(",")
        for name in names:
            pdf = render_material(
                campaign, MaterialVenue(venue.id, venue.name), name, languages, config.portal_url
            )
            stem = f"{name}-{venue.id}-{'-'.join(normalise_language(x) for x in languages)}"
            (folder / f"{stem}.pdf").write_bytes(pdf)
            click.echo(folder / f"{stem}.pdf")
            if png:
                for number, page in enumerate(png_pages(pdf), start=1):
                    (folder / f"{stem}-{number}.png").write_bytes(page)
                    click.echo(folder / f"{stem}-{number}.png")
    except (ConfigError, CampaignError, MaterialError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None
