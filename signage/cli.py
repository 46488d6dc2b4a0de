"""`bluezone-signage`: run, serve, check playlists, and send or cancel emergency overrides.

The Flask commands (`run`, `routes`, `shell`) come from `FlaskGroup`; `serve` runs gunicorn
with `deploy/gunicorn/signage.conf.py`. Operator messages are English; screens speak the
screen's languages.
"""

from __future__ import annotations

import getpass
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from signage import config as settings
from signage import create_app
from signage.hub import Hub
from signage.override import (
    Message,
    NotFound,
    OverrideError,
    check_target,
    clean_text,
    parse_messages,
    parse_until,
)

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn" / "signage.conf.py"


def _app() -> Flask:
    try:
        return create_app()
    except settings.ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _hub() -> Hub:
    hub: Hub = current_app.extensions["signage"]
    return hub


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid-{os.getuid()}"


@click.group(cls=FlaskGroup, create_app=_app)
def main() -> None:
    """Bluezone digital signage: YAML playlists pushed to kiosk screens."""


@main.command(with_appcontext=False)
@click.option("--bind", default="127.0.0.1:8001", show_default=True, help="HOST:PORT to listen on.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML settings file (see the README table); also read from SIGNAGE_CONFIG.",
)
@click.option(
    "--gunicorn-config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=GUNICORN_CONFIG,
    show_default=True,
    help="gunicorn configuration file.",
)
def serve(bind: str, config_file: Path | None, gunicorn_config: Path) -> None:
    """Run the signage server under gunicorn (one gevent worker; see the gunicorn config)."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{bind!r} is not HOST:PORT", param_hint="--bind")
    env = dict(os.environ)
    if config_file is not None:
        env["SIGNAGE_CONFIG"] = str(config_file.resolve())
    try:
        # Fail here, with the file and key, rather than in the gunicorn worker.
        settings.load(env)
    except settings.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    argv = [
        sys.executable, "-m", "gunicorn",
        "--config", str(gunicorn_config),
        "--bind", bind,
        "signage.wsgi:app",
    ]  # fmt: skip
    os.execve(sys.executable, argv, env)


@main.command(with_appcontext=False)
@click.argument(
    "directory",
    required=False,
    type=click.Path(file_okay=False, path_type=Path),
)
def check(directory: Path | None) -> None:
    """Validate the playlist directory; print file:line:column: message for each problem."""
    from signage.check import run_check

    if directory is None:
        try:
            directory = Path(settings.load(os.environ)["PLAYLISTS_DIR"])
        except settings.ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    sys.exit(run_check(directory, sys.stdout))


@main.command()
@click.option("--group", "groups", multiple=True, help="Target group id (repeatable).")
@click.option("--screen", "screens", multiple=True, help="Target screen id (repeatable).")
@click.option("--all", "everyone", is_flag=True, help="Target every screen.")
@click.option(
    "--until",
    required=True,
    help="End: a duration (+30m, 2h), a time of day (18:00) or a date-time (2026-12-01T18:00).",
)
@click.option(
    "--lang",
    "texts",
    multiple=True,
    nargs=2,
    metavar="LANG TEXT",
    help='Text in one language, e.g. --lang vi "Sơ tán" --lang en "Evacuate" (repeatable).',
)
@click.option("--headline", default="", help="A headline above TEXT, in every language.")
@click.option("--priority", default=0, show_default=True, type=click.IntRange(-100, 100))
@click.argument("text", required=False)
def broadcast(
    groups: tuple[str, ...],
    screens: tuple[str, ...],
    everyone: bool,
    until: str,
    texts: tuple[tuple[str, str], ...],
    headline: str,
    priority: int,
    text: str | None,
) -> None:
    """Show an emergency message full screen on the target screens until TIME."""
    from signage.socket import push_override

    targets = (["all"] if everyone else []) + [f"group:{g}" for g in groups]
    targets += [f"screen:{s}" for s in screens]
    if not targets:
        raise click.UsageError("choose the screens: --all, --group G or --screen S")
    if everyone and len(targets) > 1:
        raise click.UsageError("--all already covers every group and screen")
    hub = _hub()
    catalog = hub.programme.catalog
    raw: dict[str, object] = {lang: body for lang, body in texts}
    if text:
        raw["*"] = text
    if not raw:
        raise click.UsageError("give the message: TEXT, or --lang LANG TEXT for each language")
    try:
        messages = parse_messages(raw)
        if headline:
            title = clean_text(headline, "--headline", 300)
            messages = {lang: Message(title, m.body or m.headline) for lang, m in messages.items()}
        end = parse_until(until, datetime.now(hub.timezone))
        for target in targets:
            check_target(
                target, list(catalog.groups) if catalog else [], hub.programme.screen_ids()
            )
    except OverrideError as exc:
        raise click.UsageError(str(exc)) from None
    for target in targets:
        override = hub.overrides.create(
            target=target,
            messages=messages,
            until=end.timestamp(),
            priority=priority,
            actor=_actor(),
            source="cli",
        )
        if current_app.config["MESSAGE_QUEUE"]:
            # Through the message queue every node delivers it at once; without one the server
            # notices the new row in its next pass (WATCH_INTERVAL, 0.15 s by default).
            push_override(override)
        click.echo(
            f"override {override.id}: {target} until {end:%Y-%m-%d %H:%M} ({hub.timezone.key})"
        )


@main.command()
@click.argument("override_id", metavar="ID", type=int)
@click.option("--reason", default="", help="Why it is cancelled, for the audit log.")
def cancel(override_id: int, reason: str) -> None:
    """Cancel the override ID now; its screens go back to their playlist."""
    from signage.socket import push_override_end

    try:
        override = _hub().overrides.cancel(override_id, _actor(), reason)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    except OverrideError as exc:
        raise click.ClickException(str(exc)) from None
    if current_app.config["MESSAGE_QUEUE"]:
        push_override_end(override)
    click.echo(f"override {override.id} cancelled ({override.target})")


@main.command("overrides")
@click.option("--audit", is_flag=True, help="Show the audit log instead.")
def list_overrides(audit: bool) -> None:
    """List active overrides (or the audit log)."""
    hub = _hub()
    tz = hub.timezone

    def stamp(at: float) -> str:
        return f"{datetime.fromtimestamp(at, tz):%Y-%m-%d %H:%M:%S}"

    if audit:
        for entry in hub.overrides.audit_log():
            click.echo(f"{stamp(entry.at)}  #{entry.override_id}  {entry.action}  {entry.actor}")
        return
    active = hub.overrides.active(time.time())
    if not active:
        click.echo("no active override")
    for o in active:
        first = next(iter(o.messages.values()))
        click.echo(f"{o.id}\t{o.target}\tuntil {stamp(o.until)}\t{first.headline[:60]}")


if __name__ == "__main__":
    main()
