"""The reachability check before a visitor is sent to a controller's login address."""

from __future__ import annotations

import time

import pytest

from portal.controllers.errors import ControllerUnavailable
from portal.controllers.reach import check_reachable

from ...conftest import free_port
from ..standins import MerakiStandin


@pytest.mark.parametrize(
    ("down", "mode", "delay", "scheme", "reachable"),
    [
        (False, "503", 0.0, "http", True),
        (True, "503", 0.0, "http", False),
        (True, "close", 0.0, "http", False),
        (False, "503", 3.0, "http", False),
        # TLS spoken to a plain-HTTP server fails the handshake: it answered all the same.
        (False, "503", 0.0, "https", True),
    ],
    ids=["up", "answers-503", "closes", "slow", "tls-handshake-fails"],
)
def test_check_reachable(down: bool, mode: str, delay: float, scheme: str, reachable: bool) -> None:
    with MerakiStandin() as standin:
        standin.down, standin.delay = down, delay
        standin.down_mode = "close" if mode == "close" else "503"
        origin = f"{scheme}://127.0.0.1:{standin.port}"
        started = time.monotonic()
        if reachable:
            check_reachable(origin)
        else:
            with pytest.raises(ControllerUnavailable, match="is not answering"):
                check_reachable(origin)
        assert time.monotonic() - started < 4


def test_nothing_listening_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(ControllerUnavailable):
        check_reachable(f"http://127.0.0.1:{free_port()}")
    assert time.monotonic() - started < 1
