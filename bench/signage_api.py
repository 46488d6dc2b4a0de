"""What the override API costs before any screen is told, in-process.

    .venv/bin/python bench/signage_api.py [--rounds 3] [--requests 300]

Builds the signage app on a copy of ``playlists/`` declaring 2,000 screens and a SQLite
database in a temporary folder on disk (``/var/tmp``), and times, with database connections
opened per transaction (``IDLE_CONNECTIONS = 0``) and kept (the default):
``POST /api/overrides`` through Flask's test client with the benchmark's override,
``OverrideStore.create`` and ``OverrideStore.revision``; then ``OverrideStore.create`` with the
store's synchronous=FULL against NORMAL. Each figure is the median of ROUNDS rounds (lowest -
highest), each round REQUESTS calls after 20 of warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bluezone.storage.database as database
from bench.signage import OVERRIDE_MESSAGES, _copy_playlists
from bluezone.storage.database import Database

SCREENS = 2000
WARM_UP = 20


def _per_call_ms(call: Callable[[], object], count: int) -> float:
    for _ in range(WARM_UP):
        call()
    began = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - began) / count * 1000


def _figure(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ms ({min(values):.3f} - {max(values):.3f})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= 100 or not 1 <= args.requests <= 100_000:
        parser.error("--rounds must be 1-100 and --requests 1-100,000")
    with tempfile.TemporaryDirectory(prefix="bluezone-signage-api-", dir="/var/tmp") as name:
        folder = Path(name)
        _copy_playlists(folder / "playlists", SCREENS)
        token = "bench-" + "t" * 32
        os.environ.update(
            SIGNAGE_PLAYLISTS_DIR=str(folder / "playlists"),
            SIGNAGE_DATABASE=str(folder / "signage.sqlite3"),
            SIGNAGE_API_TOKEN=token,
            SIGNAGE_LOG_LEVEL="warning",
        )
        from signage import create_app
        from signage.emergency.model import Message
        from signage.emergency.store import OverrideStore

        client = create_app().test_client()
        body = {"target": "all", "until": "+30m", "messages": OVERRIDE_MESSAGES}
        headers = {"Authorization": f"Bearer {token}"}
        store = OverrideStore(Database(folder / "store.sqlite3"))
        messages = {
            lang: Message(text["headline"], text["body"])
            for lang, text in OVERRIDE_MESSAGES.items()
        }

        def post() -> None:
            answer = client.post("/api/overrides", json=body, headers=headers)
            if answer.status_code != 201:
                raise SystemExit(f"POST /api/overrides answered {answer.status_code}")

        def create() -> None:
            store.create(
                target="all",
                messages=messages,
                until=time.time() + 1800,
                actor="bench",
                source="api",
            )

        calls: dict[str, tuple[Callable[[], object], int]] = {
            "`POST /api/overrides`": (post, args.requests),
            "`OverrideStore.create`": (create, args.requests),
            "`OverrideStore.revision`": (store.revision, args.requests * 5),
        }
        kept = database.IDLE_CONNECTIONS
        found: dict[str, dict[str, list[float]]] = {}
        for label, idle in (("opened", 0), ("kept", kept)):
            database.IDLE_CONNECTIONS = idle
            database.close_idle()
            found[label] = {name: [] for name in calls}
            for _ in range(args.rounds):
                for name, (call, count) in calls.items():
                    found[label][name].append(_per_call_ms(call, count))
        database.IDLE_CONNECTIONS = kept
        full = [_per_call_ms(create, args.requests) for _ in range(args.rounds)]
        store.path = Database(folder / "store.sqlite3", wal=True)  # synchronous=NORMAL
        normal = [_per_call_ms(create, args.requests) for _ in range(args.rounds)]
    print(f"median of {args.rounds} rounds (lowest - highest), {SCREENS:,} screens declared\n")
    print("| call | a connection opened per transaction | connections kept |")
    print("|---|---:|---:|")
    for name in calls:
        print(f"| {name} | {_figure(found['opened'][name])} | {_figure(found['kept'][name])} |")
    print(f"\n`OverrideStore.create`, synchronous=FULL (as the store commits): {_figure(full)}")
    print(f"`OverrideStore.create`, synchronous=NORMAL: {_figure(normal)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
