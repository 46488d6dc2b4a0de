"""Fixtures for the real-browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CHROMIUM, chromium_args, require


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (fails under CI when it is missing)."""
    require(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(chromium_args()), timeout=30_000
        )
        try:
            yield launched
        finally:
            launched.close()
