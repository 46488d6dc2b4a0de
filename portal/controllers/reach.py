"""Checking that a controller's login address answers before a visitor is sent to it.

Only for venues where the portal can reach the controller (``check_grant_host``): a phone sent
to a controller that is down sees a browser error the portal cannot explain, so the portal asks
first, within a short deadline, and shows its "try again" page instead.
"""

from __future__ import annotations

import http.client
import logging
import ssl
import time
from urllib.parse import urlsplit

from .errors import ControllerUnavailable

log = logging.getLogger(__name__)

TIMEOUT = 1.5
ATTEMPTS = 2
BACKOFF = 0.25


def check_reachable(origin: str, timeout: float = TIMEOUT, attempts: int = ATTEMPTS) -> None:
    """Return when ``origin`` answers an HTTP request; raise ControllerUnavailable when it
    refuses, times out or answers 5xx on every one of ``attempts`` tries (backing off between
    them). The whole check takes at most about ``attempts * timeout`` seconds."""
    parts = urlsplit(origin)
    host = parts.hostname or ""
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    problem = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(BACKOFF * attempt)
        connection = kind(host, parts.port, timeout=timeout)
        try:
            connection.request("GET", "/", headers={"User-Agent": "bluezone-portal"})
            status = connection.getresponse().status
            if status < 500:
                return
            problem = f"answered {status}"
        except ssl.SSLError:
            return  # it answered; whether its certificate suits us is the phone's business
        except (OSError, http.client.HTTPException) as exc:
            problem = type(exc).__name__
        finally:
            connection.close()
    log.warning("controller at %s is not answering: %s", origin, problem)
    raise ControllerUnavailable(f"the controller at {origin} is not answering ({problem})")
