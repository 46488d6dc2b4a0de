"""A bound that means "it stalled", which other load on the machine cannot break.

Real answers take milliseconds. A stall worth finding is either work without bound (an alias
bomb, a quadratic parse: CPU time of this process, which other processes do not add to) or a
wait that never ends (the wall clock, with a bound no honest slowness reaches)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

# CPU seconds this process may spend on one request or event.
CPU_SECONDS = 2.0
# Wall-clock seconds after which a request or event has stopped, however busy the machine is.
WALL_SECONDS = 60.0


@contextmanager
def not_stalled(what: object) -> Iterator[None]:
    """Fail, naming `what`, when the block spends more than `CPU_SECONDS` of this process's
    CPU time or lasts more than `WALL_SECONDS`."""
    cpu, wall = time.process_time(), time.monotonic()
    yield
    spent, lasted = time.process_time() - cpu, time.monotonic() - wall
    assert spent < CPU_SECONDS, ("CPU seconds", spent, what)
    assert lasted < WALL_SECONDS, ("seconds", lasted, what)
