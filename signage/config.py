"""Signage server settings: defaults in code, overrides from a YAML file and `SIGNAGE_*` variables.

Precedence, lowest first: the defaults of `SignageSettings`, the YAML file named by
`SIGNAGE_CONFIG` (lowercase keys), environment variables `SIGNAGE_<KEY>`, then the `test_config`
mapping given to `create_app` (UPPERCASE keys, as Flask settings are written). Every value is
checked once, by `load`, and `create_app` keeps the result; a bad one raises `ConfigError`
naming where it came from: `file:line: KEY`, `environment SIGNAGE_<KEY>` or `test
configuration: KEY`. Each field documents its key; the README table is checked against the
fields by a test.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

import yaml

from bluezone.storage.database import is_url, url_problem
from signage.speech.engine import SpeechEngine, SpeechSettingError

T = TypeVar("T", str, int, float, bool)


class ConfigError(ValueError):
    """A setting is unknown or has a value of the wrong type; the message says which and where."""


def _setting(default: T, doc: str, *, secret: bool = False) -> T:
    """A field with its default and the documentation of its key (in `fields(...).metadata`);
    a `secret` is left out of the settings' repr, so it cannot reach a log or a traceback."""
    found: T = field(default=default, repr=not secret, metadata={"doc": doc})
    return found


@dataclass(frozen=True)
class SignageSettings:
    """The signage server's settings; key `SIGNAGE_<NAME>` / `<name>:` for field `name`.

    Numbers are never negative, whole numbers never fractions; a `str` setting that names a
    file or directory is used as given (relative to the working directory).
    """

    playlists_dir: str = _setting(
        "playlists",
        "Directory of the playlist, screen and group YAML files.",
    )
    database: str = _setting(
        "",
        "SQLite file for overrides, their audit log and proof of play; empty means "
        "`signage.sqlite3` in the instance folder. A `postgresql://` URL instead puts them "
        "in a PostgreSQL database that several nodes share.",
        secret=True,  # a URL may hold a password
    )
    portal_url: str = _setting(
        "http://portal.local",
        "Base URL of the captive portal; QR slides point at "
        "`<PORTAL_URL>/go/<campaign>?src=<screen>`.",
    )
    api_token: str = _setting(
        "",
        "Bearer token for the override HTTP API; empty disables the API. Set it through "
        "`SIGNAGE_API_TOKEN`, not in a file.",
        secret=True,
    )
    message_queue: str = _setting(
        "",
        "`redis://host:port/db` to share rooms between several signage processes; empty runs "
        "a single process without Redis.",
    )
    watch_interval: float = _setting(
        0.15,
        "Seconds between two scans of the playlist directory, override store and schedules.",
    )
    background: bool = _setting(
        True,
        "Run the watcher loop (playlists, schedule boundaries, overrides, CAP). Tests turn it"
        " off and drive the loop by hand.",
    )
    heartbeat_interval: int = _setting(
        15,
        "Seconds between two heartbeats sent by each screen.",
    )
    offline_after: int = _setting(
        45,
        "Seconds without a heartbeat after which a connected screen is reported offline.",
    )
    cap_feed_url: str = _setting(
        "",
        "URL of a CAP 1.2 feed (one alert or an Atom feed) to poll.",
    )
    cap_drop_dir: str = _setting(
        "",
        "Directory where CAP 1.2 XML files are dropped; empty disables it.",
    )
    cap_poll_interval: int = _setting(
        60,
        "Seconds between two fetches of `CAP_FEED_URL`.",
    )
    cap_default_minutes: int = _setting(
        60,
        "Lifetime, in minutes, of a CAP alert whose `<info>` has no `expires`.",
    )
    alert_delay: int = _setting(
        60,
        "Seconds a screen must stay offline (or back online) before the console and the "
        "webhook are alerted; shorter flaps raise nothing.",
    )
    alert_webhook_url: str = _setting(
        "",
        "URL that receives each screen offline / back-online alert as a JSON POST; empty "
        "sends none.",
    )
    alert_webhook_timeout: int = _setting(
        5,
        "Seconds one webhook POST may take before it counts as failed.",
    )
    alert_webhook_attempts: int = _setting(
        4,
        "Tries per alert; after a failure the next try waits 2 s, then 4 s, 8 s and so on.",
    )
    venue_silent_minutes: float = _setting(
        30.0,
        "Minutes without a report after which a venue box is shown silent and the webhook "
        "is alerted (once; again when it reports).",
    )
    portal_stats_url: str = _setting(
        "",
        "Address at which the console's Campaign results page reads the portal's "
        "`/api/stats`; empty means `PORTAL_URL`.",
    )
    portal_stats_token: str = _setting(
        "",
        "The portal's `stats_token`. Only as `SIGNAGE_PORTAL_STATS_TOKEN` (refused in a "
        "file); or use `PORTAL_STATS_TOKEN_FILE`.",
        secret=True,
    )
    portal_stats_token_file: str = _setting(
        "",
        "A file (mode 0600) holding the portal's `stats_token`, read on each results request.",
    )
    venue_id: str = _setting(
        "default",
        "The portal's `venue_id` of the place this server's screens stand: the campaign funnel "
        "counts their QR slides shown for it.",
    )
    campaign_file: str = _setting(
        "",
        "Campaign file (the portal's format) the console's Printed materials page makes sheets "
        "from; empty means the shipped campaign.",
    )
    material_venues: str = _setting(
        "",
        "Venues the Printed materials page offers, as `id=Name` pairs separated by `;`; empty "
        "offers `VENUE_ID` under the venue name of screens.yaml.",
    )
    media_image_max_mb: float = _setting(
        10.0,
        "Largest picture, in MB, the media library accepts.",
    )
    media_video_max_mb: float = _setting(
        200.0,
        "Largest video, in MB, the media library accepts.",
    )
    speech_engine: str = _setting(
        "espeak-ng",
        "Offline speech engine that speaks sound items' text: `espeak-ng` or `piper`.",
    )
    speech_program: str = _setting(
        "",
        "Path of the engine's program; empty: `espeak-ng` or `piper` found on the PATH.",
    )
    speech_voices: str = _setting(
        "",
        "`lang=voice` pairs separated by commas over the engine's default voices (espeak-ng "
        "voice names; for piper the absolute path of each language's `.onnx` model).",
    )
    speech_timeout: int = _setting(
        60,
        "Seconds the speech engine (and ffmpeg after it) may take for one text.",
    )
    play_log_days: int = _setting(
        90,
        "Days proof-of-play records are kept before they are deleted.",
    )
    secret_key: str = _setting(
        "",
        "Key that signs console sessions. Only as `SIGNAGE_SECRET_KEY` (refused in a file); "
        "empty: read from `SECRET_KEY_FILE`.",
        secret=True,
    )
    secret_key_file: str = _setting(
        "",
        "File holding the session key; empty means `secret_key` in the instance folder. "
        "Created (mode 0600) with a random key when missing.",
    )
    cookie_secure: bool = _setting(
        True,
        "Send the console session cookie over HTTPS only. Turn off only for a local demo over"
        " plain HTTP.",
    )
    session_hours: int = _setting(
        12,
        "Hours a console sign-in lasts.",
    )
    login_max_failures: int = _setting(
        5,
        "Wrong passwords in a row after which an account name is locked; 0 never locks.",
    )
    login_lockout_minutes: int = _setting(
        0,
        "Minutes a locked account stays locked; 0 means until an admin unlocks it.",
    )
    login_address_limit: int = _setting(
        20,
        "Failed sign-ins from one client address within `LOGIN_WINDOW_MINUTES` after which "
        "that address is refused until the oldest leaves the window; 0 turns it off.",
    )
    login_window_minutes: int = _setting(
        15,
        "The window of `LOGIN_ADDRESS_LIMIT`, in minutes.",
    )
    password_scrypt_n: int = _setting(
        32768,
        "scrypt cost n (a power of two, at least 1024) for operator passwords, with r=8, p=3:"
        " 32 MiB per hash. Older hashes are renewed at the next sign-in.",
    )
    proxy_count: int = _setting(
        0,
        "Reverse proxies (nginx) in front of the server whose `X-Forwarded-For` and "
        "`X-Forwarded-Proto` are believed; 1 behind `deploy/nginx/signage.conf`.",
    )

    def as_config(self) -> dict[str, Any]:
        """The settings as Flask's UPPERCASE `app.config` keys, for Flask and its extensions
        (code of this project reads the typed fields instead)."""
        return {name.upper(): value for name, value in asdict(self).items()}


# Secrets that a settings file (often readable by many, or shown around) must not hold.
ENVIRONMENT_ONLY = frozenset({"SECRET_KEY", "PORTAL_STATS_TOKEN"})

ENV_PREFIX = "SIGNAGE_"
# The type of each field, by UPPERCASE key (the annotations are strings until resolved).
_TYPES: dict[str, type] = {
    name.upper(): kind for name, kind in get_type_hints(SignageSettings).items()
}
KEYS: tuple[str, ...] = tuple(f.name.upper() for f in fields(SignageSettings))


def _coerce(key: str, value: Any, where: str) -> Any:
    """Return `value` as the type of the field of `key`, or raise `ConfigError`.

    Text from the environment is parsed; values from a file or a test mapping must already
    have the right kind (a whole number for an `int`, a number for a `float`).
    """
    kind = _TYPES[key]
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")
    if kind is int or kind is float:
        # true/false are not numbers, and a fraction is not a whole number: int() would
        # quietly make 1 of `yes` and 1 of 1.5.
        whole = isinstance(value, float) and value.is_integer()
        if isinstance(value, bool) or (kind is int and isinstance(value, float) and not whole):
            number = None
        else:
            try:
                number = kind(value)
            except (TypeError, ValueError):
                number = None
        if number is None:
            expected = "an integer" if kind is int else "a number"
            raise ConfigError(f"{where}: {key} must be {expected}, not {value!r}")
        if number < 0:
            raise ConfigError(f"{where}: {key} must not be negative, got {value!r}")
        return number
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f"{where}: {key} must be a string, not {type(value).__name__}")
    if key == "DATABASE" and (problem := url_problem(str(value))):
        raise ConfigError(f"{where}: {key}: {problem}")
    return str(value)


def read_file(path: Path) -> dict[str, Any]:
    """Read a YAML settings file with lowercase keys; unknown keys and wrong types are errors
    that name the file and the line of the key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file: {exc.strerror}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(
            f"{path}:{root.start_mark.line + 1}: the settings file must be a mapping of key: value"
        )
    result: dict[str, Any] = {}
    for key_node, value_node in root.value:
        where = f"{path}:{key_node.start_mark.line + 1}"
        raw_key = yaml.safe_load(yaml.serialize(key_node))
        value = yaml.safe_load(yaml.serialize(value_node))
        key = str(raw_key).upper()
        if key not in _TYPES:
            known = ", ".join(k.lower() for k in KEYS)
            raise ConfigError(f"{where}: unknown setting {raw_key!r}; known settings: {known}")
        if key in result:
            raise ConfigError(f"{where}: {key} is given twice")
        if key in ENVIRONMENT_ONLY:
            raise ConfigError(
                f"{where}: {raw_key} must not be in a file; set {ENV_PREFIX}{key} in the "
                "environment instead"
            )
        result[key] = _coerce(key, value, where)
    return result


def read_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return the settings given as `SIGNAGE_<KEY>` variables (`SIGNAGE_CONFIG` names the file).

    Other `SIGNAGE_*` variables are left alone: the gunicorn config reads some of its own.
    """
    result: dict[str, Any] = {}
    for key in KEYS:
        name = ENV_PREFIX + key
        if name in environ:
            result[key] = _coerce(key, environ[name], f"environment {name}")
    return result


def load(environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> SignageSettings:
    """Merge defaults, the file named by `SIGNAGE_CONFIG`, the environment and `overrides`.

    `overrides` is a Flask-style test configuration: its keys that are not settings (such as
    `TESTING`) are not read here; `create_app` gives them to Flask as they are.
    """
    values: dict[str, Any] = {}
    file_name = environ.get(ENV_PREFIX + "CONFIG", "")
    if file_name:
        values.update(read_file(Path(file_name)))
    values.update(read_environ(environ))
    for key, value in (overrides or {}).items():
        if key in _TYPES:
            values[key] = _coerce(key, value, "test configuration")
    settings = SignageSettings(**{key.lower(): value for key, value in values.items()})
    try:
        SpeechEngine.configure(
            settings.speech_engine,
            settings.speech_program,
            settings.speech_voices,
            settings.speech_timeout,
        )
    except SpeechSettingError as error:
        raise ConfigError(str(error)) from None
    if is_url(settings.database) and not (settings.secret_key or settings.secret_key_file):
        # Console sessions are signed cookies: a node that made its own key in its instance
        # folder would refuse every other node's sign-in.
        raise ConfigError(
            "DATABASE: a PostgreSQL database is shared by several nodes, which must all have "
            "the same session key: set SIGNAGE_SECRET_KEY or SECRET_KEY_FILE"
        )
    return settings
