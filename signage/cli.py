"""`bluezone-signage`: run, serve, check playlists, send or cancel emergency overrides, manage
the console's operator accounts, enroll screens, and write the campaign results as CSV.

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
from flask import Flask
from flask.cli import FlaskGroup

from bluezone.storage.database import Database, DatabaseError
from signage import config as settings
from signage import create_app, services
from signage.emergency.model import Message, NotFound, OverrideError
from signage.emergency.requests import check_target, clean_text, parse_messages, parse_until

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn" / "signage.conf.py"


def _app() -> Flask:
    try:
        return create_app()
    except settings.ConfigError as exc:
        raise click.ClickException(str(exc)) from None


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
        loaded = settings.load(env)
    except settings.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if loaded.database:
        database = Database.from_url(loaded.database)
        try:
            database.check()
        except DatabaseError as exc:
            raise click.ClickException(f"DATABASE: cannot use {database}: {exc}") from None
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
            directory = Path(settings.load(os.environ).playlists_dir)
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
@click.option("--speak", is_flag=True, help="Screens with speakers also read it aloud.")
@click.argument("text", required=False)
def broadcast(
    groups: tuple[str, ...],
    screens: tuple[str, ...],
    everyone: bool,
    until: str,
    texts: tuple[tuple[str, str], ...],
    headline: str,
    priority: int,
    speak: bool,
    text: str | None,
) -> None:
    """Show an emergency message full screen on the target screens until TIME."""
    from signage.web.socket import push_override

    targets = (["all"] if everyone else []) + [f"group:{g}" for g in groups]
    targets += [f"screen:{s}" for s in screens]
    if not targets:
        raise click.UsageError("choose the screens: --all, --group G or --screen S")
    if everyone and len(targets) > 1:
        raise click.UsageError("--all already covers every group and screen")
    hub = services.hub()
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
        if speak:
            messages = hub.programme.speak(messages)
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
        if services.settings().message_queue:
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
    from signage.web.socket import push_override_end

    try:
        override = services.hub().overrides.cancel(override_id, _actor(), reason)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    except OverrideError as exc:
        raise click.ClickException(str(exc)) from None
    if services.settings().message_queue:
        push_override_end(override)
    click.echo(f"override {override.id} cancelled ({override.target})")


@main.command("overrides")
@click.option("--audit", is_flag=True, help="Show the audit log instead.")
def list_overrides(audit: bool) -> None:
    """List active overrides (or the audit log)."""
    hub = services.hub()
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


@main.group()
def screens() -> None:
    """Screen enrollment: list screens, see and approve pairing codes, revoke credentials.

    A screen without a credential shows a pairing code; approve the code you read on the
    screen itself, and that screen collects its credential within seconds. Every change goes
    to the console's audit log as cli:<your user name>.
    """


def _stamp(at: float | None) -> str:
    if at is None:
        return "-"
    return f"{datetime.fromtimestamp(at, services.hub().timezone):%Y-%m-%d %H:%M:%S}"


@screens.command("list")
def screens_list() -> None:
    """Every declared screen: id, enrolled or not (since when, approved by whom), pending codes."""
    store = services.hub().trust.store
    credentials = store.credentials()
    pending: dict[str, list[str]] = {}
    for pairing in store.pending():
        pending.setdefault(pairing.screen, []).append(
            pairing.code + (" (approved)" if pairing.approved else "")
        )
    for screen_id in services.hub().programme.screen_ids():
        credential = credentials.get(screen_id)
        if credential is not None:
            state = f"enrolled\t{_stamp(credential.enrolled_at)}\t{credential.enrolled_by}"
        elif screen_id in pending:
            state = f"waiting\tcode {', '.join(pending[screen_id])}\t-"
        else:
            state = "not enrolled\t-\t-"
        click.echo(f"{screen_id}\t{state}")


@screens.command("pending")
def screens_pending() -> None:
    """Pairing codes waiting for approval: code, screen, address, asked at, expires at."""
    waiting = [p for p in services.hub().trust.store.pending() if not p.approved]
    if not waiting:
        click.echo("no screen is waiting for approval")
    for p in waiting:
        click.echo(
            f"{p.code}\t{p.screen}\t{p.address or '-'}\t{_stamp(p.created)}\t{_stamp(p.expires)}"
        )


def _approve(code: str) -> None:
    from signage.live.enrollment import UnknownCode

    try:
        approved = services.hub().trust.store.approve(code, _actor())
    except UnknownCode as exc:
        raise click.ClickException(str(exc)) from None
    _audit("screen.approve", approved.screen, f"code {approved.code}; {approved.address}")
    click.echo(f"approved {approved.code}: screen {approved.screen} ({approved.address or '-'})")


@screens.command("approve")
@click.argument("codes", nargs=-1, required=True)
def screens_approve(codes: tuple[str, ...]) -> None:
    """Approve the pairing CODES read on the screens; each screen is enrolled within seconds."""
    for code in codes:
        _approve(code)


@screens.command("approve-all-pending")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def screens_approve_all_pending(yes: bool) -> None:
    """Approve every screen waiting with exactly one code, after an upgrade.

    Meant for the first minutes after upgrading an installation whose screens ran before
    enrollment existed, on a network you control: every running screen asks for a code at
    once. A screen with more than one pending code (someone else asked in its name) is left
    for you to approve by the code on the screen. Check `screens list` afterwards and revoke
    anything you do not recognise.
    """
    hub = services.hub()
    store = hub.trust.store
    enrolled = store.credentials()
    by_screen: dict[str, list[str]] = {}
    for pairing in store.pending():
        if not pairing.approved and pairing.screen not in enrolled:
            by_screen.setdefault(pairing.screen, []).append(pairing.code)
    single = {s: codes[0] for s, codes in by_screen.items() if len(codes) == 1}
    for screen_id, codes in sorted(by_screen.items()):
        if len(codes) > 1:
            click.echo(
                f"skipped {screen_id}: {len(codes)} codes pending ({', '.join(codes)}); "
                "approve the one shown on the screen",
                err=True,
            )
    if not single:
        click.echo("no screen to approve")
        return
    if not yes:
        click.confirm(f"Approve {len(single)} screens ({', '.join(sorted(single))})?", abort=True)
    for screen_id in sorted(single):
        _approve(single[screen_id])


@screens.command("revoke")
@click.argument("screen_id")
def screens_revoke(screen_id: str) -> None:
    """Revoke SCREEN_ID's credential: it stops being believed at once and shows a pairing code."""
    was = services.hub().trust.store.revoke(screen_id)
    _audit("screen.revoke", screen_id, "enrolled" if was else "not enrolled")
    if not was:
        raise click.ClickException(f"screen {screen_id!r} was not enrolled")
    click.echo(f"revoked the credential of {screen_id}")


@main.group()
def venues() -> None:
    """Venue boxes that report their counts and health to this server (see README, Venue boxes).

    `add` issues a box's token (shown once), `list` shows every box and when it last reported,
    `revoke` ends a token at once. Every change goes to the console's audit log.
    """


@venues.command("add")
@click.argument("venue_id")
def venues_add(venue_id: str) -> None:
    """Register the box VENUE_ID (its portal's venue_id) and print its token, once, as the last
    line of standard output."""
    from signage.venues.store import VenueError

    try:
        token = services.venues().add(venue_id)
    except VenueError as exc:
        raise click.ClickException(str(exc)) from None
    _audit("venue.add", venue_id)
    click.echo(
        f"added venue {venue_id}. Put the token below into the box's PORTAL_REPORT_TOKEN (or a"
        " file of mode 0600 named by report_token_file) and set its report_url to this"
        " server's address. It is shown only this once.",
        err=True,
    )
    click.echo(token)


@venues.command("list")
def venues_list() -> None:
    """Every box: id, state, last report, version, uptime (s), sessions, gateway."""
    store = services.venues()
    now = store.clock()
    silent_after = services.settings().venue_silent_minutes * 60
    listed = store.venues()
    if not listed:
        click.echo("no venue box is registered: add one with `bluezone-signage venues add`")
    for venue in listed:
        fields = (
            venue.id,
            venue.shown_state(now, silent_after),
            _stamp(venue.last_report),
            venue.version or "-",
            "-" if venue.uptime is None else str(venue.uptime),
            "-" if venue.sessions is None else str(venue.sessions),
            venue.gateway or "-",
        )
        click.echo("\t".join(fields))


@venues.command("revoke")
@click.argument("venue_id")
def venues_revoke(venue_id: str) -> None:
    """End VENUE_ID's token now, on every node; its counts stay in the results."""
    from signage.venues.store import UnknownVenue

    try:
        services.venues().revoke(venue_id)
    except UnknownVenue as exc:
        raise click.ClickException(str(exc)) from None
    _audit("venue.revoke", venue_id)
    click.echo(f"revoked the token of venue {venue_id}")


@main.group()
def operators() -> None:
    """Console accounts: add, list, change, unlock and remove operators.

    Roles: viewer (sees everything), editor (edits playlists and sends overrides for the groups
    given with --group), admin (everything, including operators). Every change goes to the
    console's audit log as cli:<your user name>.
    """


def _read_password(password_file: Path | None) -> str:
    """The new password: the first line of the file (`-`: standard input), else asked twice."""
    if password_file is None:
        entered: str = click.prompt(
            "Password", hide_input=True, confirmation_prompt="Repeat the password"
        )
        return entered
    try:
        if str(password_file) == "-":
            text = sys.stdin.readline()
        else:
            text = password_file.read_text(encoding="utf-8").split("\n", 1)[0]
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{password_file}: cannot read the password: {exc}") from None
    password = text.rstrip("\r\n")
    if not password:
        raise click.ClickException(f"{password_file}: the first line is empty")
    return password


def _audit(action: str, target: str, detail: str = "") -> None:
    services.console().audit.record(_actor(), action, target, detail)


def _describe(role: str, groups: tuple[str, ...]) -> str:
    return f"role {role}" + (f", groups {', '.join(groups)}" if groups else "")


def _warn_unknown_groups(groups: tuple[str, ...]) -> None:
    catalog = services.hub().programme.catalog
    if catalog is None:
        return
    for group in groups:
        if group not in catalog.groups:
            click.echo(f"warning: group {group!r} is not declared in screens.yaml", err=True)


ROLE_CHOICE = click.Choice(["viewer", "editor", "admin"])
PASSWORD_FILE = click.option(
    "--password-file",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Read the password from the first line of this file ('-': standard input) "
    "instead of asking for it.",
)


@operators.command("add")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, required=True, help="What the operator may do.")
@click.option("--group", "groups", multiple=True, help="A group the editor looks after (repeat).")
@PASSWORD_FILE
def operators_add(
    name: str, role: str, groups: tuple[str, ...], password_file: Path | None
) -> None:
    """Create the account NAME (the password is asked twice)."""
    from signage.accounts.operators import OperatorError

    password = _read_password(password_file)
    try:
        added = services.console().operators.add(name, role, groups, password)
    except OperatorError as exc:
        raise click.ClickException(str(exc)) from None
    _warn_unknown_groups(added.groups)
    _audit("operator.add", added.name, _describe(added.role, added.groups))
    click.echo(f"added {added.name} ({_describe(added.role, added.groups)})")


@operators.command("list")
def operators_list() -> None:
    """List the accounts: name, role, groups, and whether they are locked."""
    parts = services.console()
    locks = parts.guard.locks(time.time())
    accounts = parts.operators.all()
    if not accounts:
        click.echo(
            "no operator yet; add one with: bluezone-signage operators add NAME --role admin"
        )
    for operator in accounts:
        state = "locked" if operator.name in locks else "active"
        groups = ",".join(operator.groups) or "-"
        click.echo(f"{operator.name}\t{operator.role}\t{groups}\t{state}")


@operators.command("remove")
@click.argument("name")
def operators_remove(name: str) -> None:
    """Delete the account NAME (the last admin cannot be removed)."""
    from signage.accounts.operators import OperatorError

    parts = services.console()
    try:
        removed = parts.operators.remove(name)
    except OperatorError as exc:
        raise click.ClickException(str(exc)) from None
    parts.guard.unlock(removed.name)
    _audit("operator.remove", removed.name, _describe(removed.role, removed.groups))
    click.echo(f"removed {removed.name}")


@operators.command("unlock")
@click.argument("name")
def operators_unlock(name: str) -> None:
    """Lift the lock on NAME after too many wrong passwords."""
    if services.console().guard.unlock(name):
        _audit("operator.unlock", name.strip().lower())
        click.echo(f"unlocked {name.strip().lower()}")
    else:
        click.echo(f"{name.strip().lower()} was not locked")


@operators.command("signout")
@click.argument("name")
def operators_signout(name: str) -> None:
    """End every console session of NAME, in every browser; the password stays the same."""
    parts = services.console()
    target = parts.operators.get(name)
    if target is None:
        raise click.ClickException(f"no operator is called {name!r}")
    ended = parts.sessions.end_all(target.name)
    _audit("operator.signout", target.name, f"{ended} sessions")
    click.echo(f"signed {target.name} out everywhere ({ended} sessions ended)")


@operators.command("set-role")
@click.argument("name")
@click.argument("role", type=ROLE_CHOICE)
@click.option(
    "--group", "groups", multiple=True, help="The groups, replacing the current ones (repeat)."
)
@click.option("--no-groups", is_flag=True, help="Take every group away.")
def operators_set_role(name: str, role: str, groups: tuple[str, ...], no_groups: bool) -> None:
    """Give NAME the role ROLE (and, with --group, these groups instead of the current ones)."""
    from signage.accounts.operators import OperatorError

    if groups and no_groups:
        raise click.UsageError("--group and --no-groups exclude each other")
    parts = services.console()
    current = parts.operators.get(name)
    if current is None:
        raise click.ClickException(f"no operator is called {name!r}")
    chosen = () if no_groups else (groups or current.groups)
    try:
        changed = parts.operators.update(name, role, chosen)
    except OperatorError as exc:
        raise click.ClickException(str(exc)) from None
    _warn_unknown_groups(changed.groups)
    _audit("operator.update", changed.name, _describe(changed.role, changed.groups))
    click.echo(f"{changed.name}: {_describe(changed.role, changed.groups)}")


@operators.command("passwd")
@click.argument("name")
@PASSWORD_FILE
def operators_passwd(name: str, password_file: Path | None) -> None:
    """Set a new password for NAME; its open console sessions end."""
    from signage.accounts.operators import OperatorError

    parts = services.console()
    if parts.operators.get(name) is None:
        raise click.ClickException(f"no operator is called {name!r}")
    password = _read_password(password_file)
    try:
        changed = parts.operators.set_password(name, password)
    except OperatorError as exc:
        raise click.ClickException(str(exc)) from None
    _audit("operator.password", changed.name)
    click.echo(f"new password set for {changed.name}")


@main.group()
def announcements() -> None:
    """Spoken announcements (sound items) for commune loudspeaker systems."""


@announcements.command("prune")
@click.option(
    "--days", default=1, show_default=True, type=click.IntRange(0, 3650), help="Keep younger files."
)
def announcements_prune(days: int) -> None:
    """Delete the spoken audio (media/spoken/) that no playlist and no current emergency
    message uses, unless made within --days."""
    hub = services.hub()
    programme = hub.programme
    if programme.catalog is None or programme.spoken is None:
        raise click.ClickException("the playlists cannot be read; run bluezone-signage check")
    active = hub.overrides.active(time.time())
    in_use = set(programme.spoken.needed(programme.catalog, active, lambda _: "emergency"))
    deleted = programme.spoken.prune(in_use, days * 86400)
    for name in deleted:
        click.echo(f"deleted {name}")
    click.echo(f"{len(deleted)} spoken files deleted, {len(in_use)} in use kept")


@announcements.command("export")
@click.option(
    "--date",
    "day",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day (YYYY-MM-DD, the venue's calendar).",
)
@click.option("--group", default=None, help="Only this group's playlist (default: every group).")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the audio files, announcements.m3u and announcements.csv into.",
)
def announcements_export(day: datetime, group: str | None, out: Path) -> None:
    """Write one day's announcements as audio files (names sort in play order) with an M3U
    play list and a CSV of their times."""
    from signage.speech import export

    programme = services.hub().programme
    if programme.catalog is None or programme.spoken is None:
        raise click.ClickException("the playlists cannot be read; run bluezone-signage check")
    try:
        found = export.entries(programme.catalog, programme.spoken, day.date(), group)
    except export.ExportError as exc:
        details = "".join(f"\n  {problem}" for problem in exc.problems)
        raise click.ClickException(f"{exc}{details}") from None
    if out.is_dir() and any(out.iterdir()):
        # Files of another day left there would be played with this one's.
        raise click.ClickException(f"{out} is not empty; choose a new or empty directory")
    written = export.write(found, out)
    click.echo(f"{len(found)} announcement files for {day:%Y-%m-%d} written to {out}")
    for path in written:
        click.echo(f"  {path.name}")


#: The console languages the results command can write headings in; English by default.
RESULTS_LANGUAGES = ("en", "vi")


@main.command("results")
@click.argument("name", required=False)
@click.option(
    "--from", "first", metavar="YYYY-MM-DD", help="First day (default: 30 days up to --to)."
)
@click.option("--to", "last", metavar="YYYY-MM-DD", help="Last day (default: today).")
@click.option("--venue", metavar="ID", help="Only this venue (default: every venue).")
@click.option("--screen", metavar="ID", help="Only this screen's QR scans and plays.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the CSV to this file (default: standard output).",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option(
    "--lang",
    type=click.Choice(RESULTS_LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the titles and CSV headings, as the console shows them in it.",
)
def results(
    name: str | None,
    first: str | None,
    last: str | None,
    venue: str | None,
    screen: str | None,
    out: Path | None,
    force: bool,
    lang: str,
) -> None:
    """Campaign results as CSV: the table NAME, byte for byte as the console's CSV link gives it
    for the same days, venue and screen (and console language, --lang). Without NAME, list the
    tables: name and title.

    When the central portal's figures cannot be read, the problem goes to standard error and
    the table is written from the rest, as the page does (exit status 0).
    """
    from flask_babel import force_locale

    from bluezone.files import create_whole, write_whole
    from signage.console import results as page
    from signage.results.figures import Choice, build
    from signage.results.tables import ResultsError

    # An empty option means "all", as an empty field of the page's form does.
    first, last, venue, screen = (text or None for text in (first, last, venue, screen))
    with force_locale(lang):
        titles = page.table_titles()
    if name is None:
        for table, title in titles.items():
            click.echo(f"{table}\t{title}")
        return
    if name not in titles:
        raise click.BadParameter(
            f"no table is called {name!r}; `bluezone-signage results` lists them",
            param_hint="'NAME'",
        )
    if out is not None and out.exists() and not force:
        raise click.ClickException(f"{out} exists; choose another file or add --force")
    try:
        built = build(
            services.settings(),
            services.hub(),
            services.venues(),
            Choice(first, last, venue, screen),
        )
    except ResultsError as exc:
        raise click.BadParameter(
            str(exc), param_hint=" / ".join(f"'--{field}'" for field in exc.fields)
        ) from None
    if built.problem is not None:
        with force_locale("en"):
            click.echo(f"warning: {page.portal_problem(built.problem)}", err=True)
    with force_locale(lang):
        data = page.csv_of(page.readable(built), name, venue)
    # Every listed name is a table of the figures.
    assert data is not None
    if out is None:
        click.echo(data, nl=False)
        return
    try:
        if force:
            write_whole(out, data)
        else:
            create_whole(out, data, mode=0o644)
    except FileExistsError:
        raise click.ClickException(f"{out} exists; choose another file or add --force") from None
    except OSError as exc:
        raise click.ClickException(f"{out}: {exc.strerror}") from None
    click.echo(f"{name}: {built.period.first} to {built.period.last} written to {out}", err=True)


if __name__ == "__main__":
    main()
