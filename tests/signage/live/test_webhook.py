"""Webhook delivery against a real HTTP server on loopback: success, failure, retries."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from signage.live.webhook import Webhook
from tests.signage.serverkit import Receiver


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for receiver in made:
        receiver.close()


def hook(url: str, waits: list[float], attempts: int = 3, timeout: float = 2.0) -> Webhook:
    return Webhook(url, timeout=timeout, attempts=attempts, backoff=0.5, sleep=waits.append)


PAYLOAD = {"event": "screen_offline", "screen": "lobby-1", "text": "Màn hình Sảnh 1 mất kết nối"}


@pytest.mark.parametrize(
    ("statuses", "tries", "delivered", "waits"),
    [
        ([200], 1, 1, []),
        ([204], 1, 1, []),
        ([500, 200], 2, 1, [0.5]),
        ([503, 502, 200], 3, 1, [0.5, 1.0]),
        ([500, 500, 500], 3, 0, [0.5, 1.0]),
        ([404, 404, 404], 3, 0, [0.5, 1.0]),
    ],
)
def test_delivery_and_retries(
    receivers: list[Receiver],
    statuses: list[int],
    tries: int,
    delivered: int,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = Receiver(statuses)
    receivers.append(receiver)
    slept: list[float] = []
    webhook = hook(receiver.url, slept)
    webhook.send(PAYLOAD)
    webhook.close()
    assert receiver.received == [PAYLOAD] * tries
    assert (webhook.delivered, webhook.failed) == (delivered, 1 - delivered)
    assert slept == waits
    if not delivered:
        assert "gave up after 3 tries" in caplog.text


def test_unreachable_receiver_is_logged_and_retried(caplog: pytest.LogCaptureFixture) -> None:
    from tests.conftest import free_port

    slept: list[float] = []
    webhook = hook(f"http://127.0.0.1:{free_port()}/hook", slept, attempts=2)
    webhook.send(PAYLOAD)
    webhook.close()
    assert webhook.failed == 1 and slept == [0.5]
    assert "try 1 of 2 failed" in caplog.text


def test_send_never_waits_for_a_slow_receiver(receivers: list[Receiver]) -> None:
    answer = threading.Event()
    receiver = Receiver([200, 200], hold=answer)
    receivers.append(receiver)
    webhook = hook(receiver.url, [], timeout=5)
    webhook.send(PAYLOAD)
    webhook.send({**PAYLOAD, "event": "screen_online"})
    # Both sends returned while the receiver has not answered anything yet.
    assert webhook.delivered == 0
    answer.set()
    webhook.close()
    assert [r["event"] for r in receiver.received] == ["screen_offline", "screen_online"]


def test_a_timeout_counts_as_a_failure(receivers: list[Receiver]) -> None:
    receiver = Receiver([200, 200], delay=1.5)
    receivers.append(receiver)
    webhook = hook(receiver.url, [], attempts=1, timeout=0.3)
    webhook.send(PAYLOAD)
    webhook.close()
    assert webhook.failed == 1
