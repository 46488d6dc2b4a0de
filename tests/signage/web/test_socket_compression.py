"""Websocket upgrades are answered without per-message compression (see signage.web.socket)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from signage.web.socket import _without_websocket_compression


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return lambda data: None


def test_the_compression_offer_never_reaches_the_websocket_server() -> None:
    seen: dict[str, Any] = {}

    def server(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.update(environ)
        return [b""]

    app = _without_websocket_compression(server)
    environ = {
        "HTTP_UPGRADE": "websocket",
        "HTTP_SEC_WEBSOCKET_EXTENSIONS": "permessage-deflate; client_max_window_bits",
        "PATH_INFO": "/socket.io/",
    }
    app(environ, _start_response)
    assert "HTTP_SEC_WEBSOCKET_EXTENSIONS" not in seen
    assert seen["HTTP_UPGRADE"] == "websocket"
