"""The record of printed materials made, on both storage engines."""

from __future__ import annotations

import threading

import pytest

from bluezone.storage.database import Database
from signage.results.printlog import MAX_COPIES, PrintLog


def test_records_are_kept_and_read_back_by_time(database: Database) -> None:
    log = PrintLog(database)
    log.record("poster", "tuyhoa-bus", ["vi", "en"], 40, "lan", now=1000.0)
    log.record("leaflet", "tuyhoa-airport", ["vi"], 300, "hoa", now=2000.0)
    log.record("sticker", "tuyhoa-bus", ["ko"], 1, "lan", now=3000.0)
    found = log.between(1000.0, 3000.0)
    assert [(p.material, p.venue, p.languages, p.copies, p.made_at, p.operator) for p in found] == [
        ("poster", "tuyhoa-bus", ("vi", "en"), 40, 1000.0, "lan"),
        ("leaflet", "tuyhoa-airport", ("vi",), 300, 2000.0, "hoa"),
    ]
    # Opening the log again keeps what it holds.
    assert len(PrintLog(database).between(0, 4000)) == 3


@pytest.mark.parametrize("copies", [0, -1, MAX_COPIES + 1, True])
def test_a_wrong_number_of_copies_stores_nothing(database: Database, copies: int) -> None:
    log = PrintLog(database)
    with pytest.raises(ValueError, match="copies"):
        log.record("poster", "tuyhoa-bus", ["vi"], copies, "lan")
    assert log.between(0, 1e12) == []


def test_simultaneous_records_are_all_kept(database: Database) -> None:
    log = PrintLog(database)
    threads = [
        threading.Thread(target=log.record, args=("poster", "bus", ["vi"], n + 1, "lan", 10.0 + n))
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.copies for p in log.between(0, 100)) == list(range(1, 9))
