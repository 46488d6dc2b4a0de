"""Running the speech engine from a process that holds many descriptors, as a server with
thousands of screens' sockets does."""

from __future__ import annotations

import os
import resource
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from signage.speech.engine import run_bounded

# `select` refuses descriptors from this number on.
SELECT_LIMIT = 1024


@pytest.fixture
def many_descriptors() -> Iterator[None]:
    """Hold open descriptors until the next one opened is above `SELECT_LIMIT`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = SELECT_LIMIT + 64
    if soft < wanted:
        assert hard >= wanted, f"the descriptor limit {hard} is below {wanted}"
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    held: list[int] = []
    try:
        while True:
            fd = os.open(os.devnull, os.O_RDONLY)
            held.append(fd)
            if fd > SELECT_LIMIT:
                break
        yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_engine_runs_when_descriptors_are_above_select_s_limit(
    many_descriptors: None, tmp_path: Path
) -> None:
    sh = shutil.which("sh")
    assert sh is not None
    output = tmp_path / "spoken.wav"
    # A stand-in engine: reads the text, writes it as the "audio".
    run_bounded([sh, "-c", 'cat > "$0"', str(output)], "Xin chào", output, 10.0, 1 << 20)
    assert output.read_text("utf-8") == "Xin chào\n"
