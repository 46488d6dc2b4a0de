"""How the parts of one app find each other: a typed accessor per part.

Each service declares its parts in its own `services` module (`portal.services`,
`signage.services`) as `Part`s; its `create_app` sets each one once and everything else reads
it through the accessor. This is the only module that touches `app.extensions`, so a part has
one name and one type (a test keeps it that way).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from flask import Flask, current_app

T = TypeVar("T")


class Part(Generic[T]):
    """One part of the app, stored under `key` in `app.extensions`.

    Calling it returns the part of `app` (default: the current app); a part that was never
    set raises `KeyError`, which is a wiring mistake, not a condition to handle.
    """

    def __init__(self, key: str) -> None:
        self.key = key

    def set(self, app: Flask, value: T) -> None:
        """Give `app` its part (called while the app is built)."""
        app.extensions[self.key] = value

    def __call__(self, app: Flask | None = None) -> T:
        found: T = (app or current_app).extensions[self.key]
        return found

    def find(self, app: Flask | None = None) -> T | None:
        """The part, or None when this app has none (for parts that are optional)."""
        found: T | None = (app or current_app).extensions.get(self.key)
        return found
