"""Two portal nodes (real gunicorn, the deploy settings) sharing nothing but a PostgreSQL
database: a grant or a revoke through either is honoured by the very next probe on the other."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_gunicorn import Portal, accept, probe

REVOKE = """
from portal import create_app, services
from portal.sessions.client import Client
access = services.access(create_app(install_gateway=False))
assert access.revoke_record(Client(ip="127.0.0.1"))
"""


@pytest.fixture
def nodes(tmp_path: Path, postgresql_url: str) -> Iterator[tuple[Portal, Portal]]:
    first = Portal(tmp_path, postgresql_url, "node-a")
    second = Portal(tmp_path, postgresql_url, "node-b")
    try:
        first.start()
        second.start()
        yield first, second
    finally:
        first.stop()
        second.stop()


def test_a_grant_or_revoke_on_one_node_holds_on_the_other_at_once(
    nodes: tuple[Portal, Portal],
) -> None:
    a, b = nodes
    # Both nodes have looked the phone up (and could have remembered the answer).
    assert probe(a.port) == 302 and probe(b.port) == 302
    accept(a.port)
    assert probe(b.port) == 204
    assert probe(a.port) == 204
    assert probe(a.port) == 204
    # An operator's revoke on node B's machine, with its settings: its own process.
    subprocess.run([sys.executable, "-c", REVOKE], env=b.env, check=True, timeout=60)
    assert probe(a.port) == 302
    assert probe(b.port) == 302
    accept(b.port)
    assert probe(a.port) == 204
