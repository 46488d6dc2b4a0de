"""Many visitors at once: run one call per argument in its own thread, all released together."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence


def all_at_once(call: Callable[[str], None], args: Sequence[str]) -> list[BaseException]:
    """Run ``call(arg)`` for every arg in parallel threads; the errors they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(args))

    def one(arg: str) -> None:
        barrier.wait(10)
        try:
            call(arg)
        except BaseException as error:  # collected for the test to report
            errors.append(error)

    threads = [threading.Thread(target=one, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads), "a call outlived its deadline"
    return errors
