"""The key that signs a service's cookies and tokens: configured, read from a file, or made once.

Order: the configured value (`PORTAL_SECRET_KEY`, `SIGNAGE_SECRET_KEY`); else the file (by
default `secret_key` in the instance folder), created with a random key, readable by its owner
only, when it does not exist. Either way the key must have at least `MIN_LENGTH` characters. The
key is never written to a settings file or shown. This module does not import Flask.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from bluezone import files

MIN_LENGTH = 32


class SecretKeyError(ValueError):
    """The key file cannot be read or made, or a key is too short to be safe."""


def load_secret_key(configured: str, path: Path, setting: str) -> str:
    """The key: `configured` when given, else the content of `path` (made if absent).

    `setting` names where `configured` comes from (such as `PORTAL_SECRET_KEY`), for messages.
    Raises `SecretKeyError` with a message that says what to do.
    """
    if configured:
        if len(configured) < MIN_LENGTH:
            raise SecretKeyError(
                f"{setting} must have at least {MIN_LENGTH} characters; "
                f'make one with: python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return configured
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return _create(path, setting)
    except OSError as exc:
        raise SecretKeyError(f"{path}: cannot read the secret key: {exc.strerror}") from None
    if len(key) < MIN_LENGTH:
        raise SecretKeyError(
            f"{path}: the secret key must have at least {MIN_LENGTH} characters; "
            f"delete the file to have a new one made, or set {setting}"
        )
    return key


def _create(path: Path, setting: str) -> str:
    """Make the key file whole without replacing one: a concurrent reader sees either no file
    or the whole key, and of two processes starting at once both use the first key."""
    key = secrets.token_urlsafe(48)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        files.create_whole(path, key + "\n", mode=0o600)
    except FileExistsError:
        return load_secret_key("", path, setting)
    except OSError as exc:
        raise SecretKeyError(
            f"{path}: cannot create the secret key: {exc.strerror}; set {setting} instead"
        ) from None
    return key
