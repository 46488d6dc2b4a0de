"""Fixtures for the end-to-end tests: a real browser, a real redis-server."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    CHROMIUM,
    chromium_args,
    free_port,
    require,
    require_tool,
    stop,
    wait_for_port,
)


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


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A private redis-server on a free loopback port, no persistence; its URL (db 0)."""
    binary = require_tool("redis-server")
    port = free_port()
    log = tmp_path / "redis.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(process, "127.0.0.1", port, log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)
