"""Delivery of alerts to an HTTP webhook, in the background, with retries and back-off.

`Webhook.send` only queues the payload and returns at once, so the hub never waits for a slow
or dead receiver. A worker thread (a greenlet under gunicorn's gevent worker, which patches
threading) POSTs each payload as JSON; a failure (connection error, timeout or a status other
than 2xx) is retried after `backoff`, then twice that, and so on, up to `attempts` tries in
all; every failed try is logged, and so is giving up. The queue is bounded: when the receiver
is down for long, the newest payloads beyond `limit` are dropped with a log line.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

_STOP = object()


class Webhook:
    """Sends JSON payloads to `url` one at a time from a background worker."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        attempts: int = 4,
        backoff: float = 2.0,
        limit: int = 1000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._sleep = sleep
        self._queue: queue.Queue[object] = queue.Queue(maxsize=limit)
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self.delivered = 0
        self.failed = 0

    def send(self, payload: Mapping[str, Any]) -> None:
        """Queue `payload` for delivery and return without waiting."""
        self._start()
        try:
            self._queue.put_nowait(dict(payload))
        except queue.Full:
            log.error("webhook %s: queue full, alert dropped: %s", self.url, payload)

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (within `timeout`) and stop the worker."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(_STOP)
            worker.join(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="webhook", daemon=True)
                self._worker.start()

    def _run(self) -> None:
        while True:
            payload = self._queue.get()
            if payload is _STOP:
                return
            assert isinstance(payload, dict)
            self._deliver(payload)

    def _deliver(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        for attempt in range(1, self.attempts + 1):
            try:
                self._post(body)
            except (OSError, ValueError) as exc:
                log.warning(
                    "webhook %s: try %d of %d failed: %s", self.url, attempt, self.attempts, exc
                )
                if attempt < self.attempts:
                    self._sleep(self.backoff * 2 ** (attempt - 1))
                continue
            self.delivered += 1
            return
        self.failed += 1
        log.error("webhook %s: gave up after %d tries: %s", self.url, self.attempts, payload)

    def _post(self, body: bytes) -> None:
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        # urlopen raises HTTPError (an OSError) for 4xx and 5xx; 1xx and 3xx left are failures too.
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            if not 200 <= response.status < 300:
                raise ValueError(f"status {response.status}")
