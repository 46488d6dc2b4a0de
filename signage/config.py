"""Signage server settings: defaults in code, overrides from a YAML file and `SIGNAGE_*` variables.

Precedence, lowest first: `SETTINGS` defaults, the YAML file (lowercase keys), environment
variables `SIGNAGE_<KEY>`, then the `test_config` mapping given to `create_app`. Every key is
listed in `SETTINGS` with its documentation; the README table is checked against it by a test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A setting is unknown or has a value of the wrong type; the message says which and where."""


@dataclass(frozen=True)
class Setting:
    """One configuration key: its default, its type and what it does."""

    key: str
    default: str | int | float | bool
    doc: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PLAYLISTS_DIR", "playlists", "Directory of the playlist, screen and group YAML files."
    ),
    Setting(
        "DATABASE",
        "",
        "SQLite file for overrides, their audit log and proof of play; "
        "empty means `signage.sqlite3` in the instance folder.",
    ),
    Setting(
        "PORTAL_URL",
        "http://portal.local",
        "Base URL of the captive portal; QR slides point at "
        "`<PORTAL_URL>/go/<campaign>?src=<screen>`.",
    ),
    Setting(
        "API_TOKEN",
        "",
        "Bearer token for the override HTTP API; empty disables the API. "
        "Set it through `SIGNAGE_API_TOKEN`, not in a file.",
    ),
    Setting(
        "MESSAGE_QUEUE",
        "",
        "`redis://host:port/db` to share rooms between several signage processes; "
        "empty runs a single process without Redis.",
    ),
    Setting(
        "WATCH_INTERVAL",
        0.15,
        "Seconds between two scans of the playlist directory, override store and schedules.",
    ),
    Setting(
        "BACKGROUND",
        True,
        "Run the watcher loop (playlists, schedule boundaries, overrides, CAP). "
        "Tests turn it off and drive the loop by hand.",
    ),
    Setting("HEARTBEAT_INTERVAL", 15, "Seconds between two heartbeats sent by each screen."),
    Setting(
        "OFFLINE_AFTER",
        45,
        "Seconds without a heartbeat after which a connected screen is reported offline.",
    ),
    Setting("CAP_FEED_URL", "", "URL of a CAP 1.2 feed (one alert or an Atom feed) to poll."),
    Setting(
        "CAP_DROP_DIR", "", "Directory where CAP 1.2 XML files are dropped; empty disables it."
    ),
    Setting("CAP_POLL_INTERVAL", 60, "Seconds between two fetches of `CAP_FEED_URL`."),
    Setting(
        "CAP_DEFAULT_MINUTES",
        60,
        "Lifetime, in minutes, of a CAP alert whose `<info>` has no `expires`.",
    ),
    Setting(
        "PLAY_LOG_DAYS",
        90,
        "Days proof-of-play records are kept before they are deleted.",
    ),
    # The operator console (signage/console/).
    Setting(
        "SECRET_KEY",
        "",
        "Key that signs console sessions. Only as `SIGNAGE_SECRET_KEY` (refused in a file); "
        "empty: read from `SECRET_KEY_FILE`.",
    ),
    Setting(
        "SECRET_KEY_FILE",
        "",
        "File holding the session key; empty means `secret_key` in the instance folder. "
        "Created (mode 0600) with a random key when missing.",
    ),
    Setting(
        "COOKIE_SECURE",
        True,
        "Send the console session cookie over HTTPS only. Turn off only for a local demo "
        "over plain HTTP.",
    ),
    Setting("SESSION_HOURS", 12, "Hours a console sign-in lasts."),
    Setting(
        "LOGIN_MAX_FAILURES",
        5,
        "Wrong passwords in a row after which an account name is locked; 0 never locks.",
    ),
    Setting(
        "LOGIN_LOCKOUT_MINUTES",
        0,
        "Minutes a locked account stays locked; 0 means until an admin unlocks it.",
    ),
    Setting(
        "LOGIN_ADDRESS_LIMIT",
        20,
        "Failed sign-ins from one client address within `LOGIN_WINDOW_MINUTES` after which "
        "that address is refused until the oldest leaves the window; 0 turns it off.",
    ),
    Setting("LOGIN_WINDOW_MINUTES", 15, "The window of `LOGIN_ADDRESS_LIMIT`, in minutes."),
    Setting(
        "PASSWORD_SCRYPT_N",
        32768,
        "scrypt cost n (a power of two, at least 1024) for operator passwords, with r=8, "
        "p=3: 32 MiB per hash. Older hashes are renewed at the next sign-in.",
    ),
    Setting(
        "PROXY_COUNT",
        0,
        "Reverse proxies (nginx) in front of the server whose `X-Forwarded-For` and "
        "`X-Forwarded-Proto` are believed; 1 behind `deploy/nginx/signage.conf`.",
    ),
)
# Secrets that a settings file (often readable by many, or shown around) must not hold.
ENVIRONMENT_ONLY = frozenset({"SECRET_KEY"})

DEFAULTS: dict[str, Any] = {s.key: s.default for s in SETTINGS}
ENV_PREFIX = "SIGNAGE_"


def _coerce(key: str, value: Any, where: str) -> Any:
    """Return `value` converted to the type of the default of `key`, or raise `ConfigError`."""
    default = DEFAULTS[key]
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")
    if isinstance(default, int | float):
        try:
            number = type(default)(value)
        except (TypeError, ValueError):
            kind = "an integer" if isinstance(default, int) else "a number"
            raise ConfigError(f"{where}: {key} must be {kind}, not {value!r}") from None
        if number < 0:
            raise ConfigError(f"{where}: {key} must not be negative, got {value!r}")
        return number
    if not isinstance(value, str | int | float):
        raise ConfigError(f"{where}: {key} must be a string, not {type(value).__name__}")
    return str(value)


def read_file(path: Path) -> dict[str, Any]:
    """Read a YAML settings file with lowercase keys; unknown keys and wrong types are errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the settings file must be a mapping of key: value")
    result: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = str(raw_key).upper()
        if key not in DEFAULTS:
            known = ", ".join(s.key.lower() for s in SETTINGS)
            raise ConfigError(f"{path}: unknown setting {raw_key!r}; known settings: {known}")
        if key in ENVIRONMENT_ONLY:
            raise ConfigError(
                f"{path}: {raw_key} must not be in a file; set {ENV_PREFIX}{key} in the "
                "environment instead"
            )
        result[key] = _coerce(key, value, str(path))
    return result


def read_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return the settings given as `SIGNAGE_<KEY>` variables (`SIGNAGE_CONFIG` names the file)."""
    result: dict[str, Any] = {}
    for setting in SETTINGS:
        name = ENV_PREFIX + setting.key
        if name in environ:
            result[setting.key] = _coerce(setting.key, environ[name], f"environment {name}")
    return result


def load(environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, the file named by `SIGNAGE_CONFIG`, the environment and `overrides`."""
    config = dict(DEFAULTS)
    file_name = environ.get(ENV_PREFIX + "CONFIG", "")
    if file_name:
        config.update(read_file(Path(file_name)))
    config.update(read_environ(environ))
    if overrides:
        config.update(overrides)
    return config
