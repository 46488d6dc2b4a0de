"""The key that signs console sessions: configured, read from a file, or made once.

Order: the `SIGNAGE_SECRET_KEY` value; else the file (by default `secret_key` in the instance
folder), created with a random key, readable by its owner only, when it does not exist. The
key is never written to a settings file or shown. This module does not import Flask.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MIN_LENGTH = 32


class SecretKeyError(ValueError):
    """The key file cannot be read or made, or holds a key too short to be safe."""


def load_secret_key(configured: str, path: Path) -> str:
    """The session key: `configured` when given, else the content of `path` (made if absent)."""
    if configured:
        if len(configured) < MIN_LENGTH:
            raise SecretKeyError(
                f"SIGNAGE_SECRET_KEY must have at least {MIN_LENGTH} characters; "
                f'make one with: python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return configured
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return _create(path)
    except OSError as exc:
        raise SecretKeyError(f"{path}: cannot read the secret key: {exc.strerror}") from None
    if len(key) < MIN_LENGTH:
        raise SecretKeyError(
            f"{path}: the secret key must have at least {MIN_LENGTH} characters; "
            "delete the file to have a new one made"
        )
    return key


def _create(path: Path) -> str:
    """Write a new key beside `path`, then link it into place: a concurrent reader sees either
    no file or the whole key, and of two processes starting at once both use the first key."""
    key = secrets.token_urlsafe(48)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return load_secret_key("", path)
    except OSError as exc:
        raise SecretKeyError(f"{path}: cannot create the secret key: {exc.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return key
