"""The enrollment core: pairing codes, approval, credentials, revocation, bounds, and which
sockets are believed. Pure: an SQLite file in a temporary folder and an injected clock."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from types import SimpleNamespace

import pytest

from bluezone.storage.database import Database
from signage.live import enrollment
from signage.live.enrollment import (
    ALPHABET,
    CODE_LENGTH,
    EnrollmentStore,
    Throttle,
    TooMany,
    TooSoon,
    Trust,
    UnknownCode,
    clean_code,
    digest,
    matches,
)
from tests.conftest import dump as stored


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database: Database, clock: Clock) -> EnrollmentStore:
    return EnrollmentStore(database, clock=clock)


def paired(store: EnrollmentStore, clock: Clock, screen: str) -> str:
    """Pair `screen` the whole way and return its token."""
    pairing = store.request(screen)
    store.approve(pairing.code, "admin")
    state = store.poll(screen, pairing.secret)
    assert state.collected is not None
    clock.advance(store.interval)
    return state.collected.token


def test_a_code_is_short_unambiguous_and_the_secret_long(store: EnrollmentStore) -> None:
    pairing = store.request("lobby-1")
    assert len(pairing.code) == CODE_LENGTH
    assert set(pairing.code) <= set(ALPHABET)
    assert not set("0O1IL2Z5S8B") & set(ALPHABET)
    # 32 random bytes: at least 128 bits, as the credential itself.
    assert len(pairing.secret) >= 43


def test_pending_until_approved_then_collected_once(store: EnrollmentStore, clock: Clock) -> None:
    pairing = store.request("lobby-1", "10.0.0.7", "Chromium")
    state = store.poll("lobby-1", pairing.secret)
    assert (state.state, state.code) == ("pending", pairing.code)
    assert [p.code for p in store.pending()] == [pairing.code]
    assert store.pending()[0].address == "10.0.0.7"
    approved = store.approve(pairing.code.lower(), "admin")
    assert (approved.screen, approved.approved_by) == ("lobby-1", "admin")
    collected = store.poll("lobby-1", pairing.secret)
    assert collected.state == "enrolled" and collected.collected is not None
    token = collected.collected.token
    assert len(token) >= 43
    assert store.verify("lobby-1", token) == collected.collected.serial
    # Handed out once: the pairing is gone, polling again does not give it a second time.
    assert store.poll("lobby-1", pairing.secret).state == "unknown"
    assert store.pending() == []
    assert store.credentials()["lobby-1"].enrolled_by == "admin"


def test_only_the_holder_of_the_secret_collects(store: EnrollmentStore) -> None:
    pairing = store.request("lobby-1")
    store.approve(pairing.code, "admin")
    # Knowing the code (it is on the screen for everyone to read) is not enough.
    assert store.poll("lobby-1", pairing.code).state == "unknown"
    assert store.poll("lobby-1", "x" * 43).state == "unknown"
    assert store.poll("lobby-2", pairing.secret).state == "unknown"
    assert store.poll("lobby-1", None).state == "unknown"
    assert store.credentials() == {}
    assert store.poll("lobby-1", pairing.secret).state == "enrolled"


def test_only_hashes_are_stored(database: Database, store: EnrollmentStore, clock: Clock) -> None:
    pairing = store.request("lobby-1")
    store.approve(pairing.code, "admin")
    state = store.poll("lobby-1", pairing.secret)
    assert state.collected is not None
    token = state.collected.token
    pending = store.request("lobby-2")
    dump = stored(database)
    assert token not in dump and pending.secret not in dump
    assert hashlib.sha256(token.encode()).hexdigest() in dump


def test_codes_expire(store: EnrollmentStore, clock: Clock) -> None:
    pairing = store.request("lobby-1")
    clock.advance(store.ttl - 1)
    assert store.poll("lobby-1", pairing.secret).state == "pending"
    clock.advance(1)
    assert store.poll("lobby-1", pairing.secret).state == "unknown"
    with pytest.raises(UnknownCode):
        store.approve(pairing.code, "admin")
    assert store.pending() == []


def test_an_approved_pairing_must_be_collected_in_time(
    store: EnrollmentStore, clock: Clock
) -> None:
    pairing = store.request("lobby-1")
    clock.advance(store.ttl - 10)
    store.approve(pairing.code, "admin")
    # Approval restarts the clock, so approving a code near its end still works...
    clock.advance(store.ttl - 1)
    assert store.poll("lobby-1", pairing.secret).state == "enrolled"
    other = store.request("lobby-2")
    store.approve(other.code, "admin")
    # ...but an approval nobody collects does not stay open for ever.
    clock.advance(store.ttl)
    assert store.poll("lobby-2", other.secret).state == "unknown"
    assert "lobby-2" not in store.credentials()


def test_approving_an_unknown_or_used_code_is_refused(store: EnrollmentStore) -> None:
    with pytest.raises(UnknownCode):
        store.approve("AAAAAA", "admin")
    pairing = store.request("lobby-1")
    store.approve(pairing.code, "admin")
    with pytest.raises(UnknownCode):
        store.approve(pairing.code, "admin")


def test_approval_drops_the_other_codes_of_that_screen(
    store: EnrollmentStore, clock: Clock
) -> None:
    forged = store.request("lobby-1")
    clock.advance(store.interval)
    real = store.request("lobby-1")
    store.approve(real.code, "admin")
    assert store.poll("lobby-1", forged.secret).state == "unknown"
    assert store.poll("lobby-1", real.secret).state == "enrolled"


def test_the_token_is_checked_in_constant_time(
    store: EnrollmentStore, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = paired(store, clock, "lobby-1")
    compared: list[tuple[str, str]] = []

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return hmac.compare_digest(a, b)

    monkeypatch.setattr(enrollment, "hmac", SimpleNamespace(compare_digest=spy))
    assert store.verify("lobby-1", token) is not None
    assert store.verify("lobby-1", token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    # A screen without a credential costs the same comparison.
    assert store.verify("gate-1", token) is None
    assert len(compared) == 3
    assert all(len(a) == len(b) == 64 for a, b in compared)


@pytest.mark.parametrize("token", [None, 42, "", "x" * 101, ["t"], {"t": 1}])
def test_malformed_tokens_are_refused(store: EnrollmentStore, clock: Clock, token: object) -> None:
    paired(store, clock, "lobby-1")
    assert store.verify("lobby-1", token) is None
    assert not matches(token, digest("x"))


def test_revoke_ends_the_credential(store: EnrollmentStore, clock: Clock) -> None:
    token = paired(store, clock, "lobby-1")
    store.request("lobby-1")
    assert store.revoke("lobby-1") is True
    assert store.verify("lobby-1", token) is None
    assert store.credentials() == {}
    assert store.pending() == []
    assert store.revoke("lobby-1") is False


def test_pairing_again_replaces_the_credential(store: EnrollmentStore, clock: Clock) -> None:
    old = paired(store, clock, "lobby-1")
    serial = store.credentials()["lobby-1"].serial
    new = paired(store, clock, "lobby-1")
    assert store.verify("lobby-1", old) is None
    assert store.verify("lobby-1", new) is not None
    assert store.credentials()["lobby-1"].serial != serial


def test_requests_for_one_screen_are_spaced(store: EnrollmentStore, clock: Clock) -> None:
    store.request("lobby-1")
    with pytest.raises(TooSoon) as refused:
        store.request("lobby-1")
    assert refused.value.retry_after == pytest.approx(store.interval)
    clock.advance(store.interval - 1)
    with pytest.raises(TooSoon):
        store.request("lobby-1")
    # Other screens are not held up.
    store.request("lobby-2")
    clock.advance(1)
    store.request("lobby-1")


def test_a_flood_for_one_screen_keeps_a_few_codes_newest_first(
    store: EnrollmentStore, clock: Clock
) -> None:
    codes = []
    for _ in range(50):
        codes.append(store.request("lobby-1").code)
        clock.advance(store.interval)
    kept = [p.code for p in store.pending()]
    assert kept == codes[-store.per_screen :]


def test_pending_codes_are_bounded_overall(database: Database, clock: Clock) -> None:
    store = EnrollmentStore(database, clock=clock, overall=5)
    for index in range(5):
        store.request(f"screen-{index}")
    with pytest.raises(TooMany):
        store.request("screen-9")
    assert len(store.pending()) == 5
    # Once codes expire there is room again.
    clock.advance(store.ttl)
    store.request("screen-9")


def test_a_code_is_never_given_twice(database: Database, clock: Clock) -> None:
    codes = itertools.chain(["AAAAAA", "AAAAAA", "CCCCCC"], itertools.repeat("DDDDDD"))
    store = EnrollmentStore(database, clock=clock, code=lambda: next(codes))
    assert store.request("lobby-1").code == "AAAAAA"
    assert store.request("lobby-2").code == "CCCCCC"


def test_typed_codes_are_cleaned() -> None:
    assert clean_code(" ack-34 7 ") == "ACK347"
    assert len(clean_code("A" * 1000)) == 20


def test_every_change_moves_the_revision(store: EnrollmentStore, clock: Clock) -> None:
    seen = [store.revision()]
    pairing = store.request("lobby-1")
    seen.append(store.revision())
    store.approve(pairing.code, "admin")
    seen.append(store.revision())
    store.poll("lobby-1", pairing.secret)
    seen.append(store.revision())
    store.revoke("lobby-1")
    seen.append(store.revision())
    assert len(set(seen)) == len(seen)


def test_trust_believes_only_a_current_credential(store: EnrollmentStore, clock: Clock) -> None:
    trust = Trust(store, clock=clock, recheck=1.0)
    token = paired(store, clock, "lobby-1")
    serial = store.verify("lobby-1", token)
    trust.admit("sid-real", "lobby-1", serial)
    trust.admit("sid-forged", "lobby-1", None)
    trust.refresh(force=True)
    assert trust.believed("sid-real") == "lobby-1"
    assert trust.believed("sid-forged") is None
    assert trust.believed("sid-unknown") is None
    assert trust.screens() == {"lobby-1"}
    # Revoked by another process: noticed at the next check, not before.
    EnrollmentStore(store.path, clock=clock).revoke("lobby-1")
    assert trust.refresh() == []
    assert trust.believed("sid-real") == "lobby-1"
    clock.advance(1.0)
    assert trust.refresh() == [("sid-real", "lobby-1")]
    assert trust.believed("sid-real") is None
    # Downgraded once: a later refresh does not report it again.
    assert trust.refresh(force=True) == []
    trust.forget("sid-real")
    assert trust.connection("sid-real") is None


def test_trust_downgrades_sockets_of_a_replaced_credential(
    store: EnrollmentStore, clock: Clock
) -> None:
    trust = Trust(store, clock=clock)
    old = paired(store, clock, "lobby-1")
    trust.admit("old-tab", "lobby-1", store.verify("lobby-1", old))
    trust.refresh(force=True)
    new = paired(store, clock, "lobby-1")
    trust.admit("new-tab", "lobby-1", store.verify("lobby-1", new))
    assert trust.refresh(force=True) == [("old-tab", "lobby-1")]
    assert trust.believed("new-tab") == "lobby-1"
    assert trust.believed("old-tab") is None


def test_throttle_spaces_events_per_key_and_stays_bounded(clock: Clock) -> None:
    throttle = Throttle(1.0, clock=clock, size=3)
    assert throttle.wait("a") == 0
    assert throttle.wait("a") == pytest.approx(1.0)
    assert throttle.wait("b") == 0
    clock.advance(1.0)
    assert throttle.wait("a") == 0
    for key in "cdef":
        throttle.wait(key)
    assert len(throttle._last) == 3
