"""Screen enrollment: which browsers may speak for a screen.

Screen ids are public, so an id alone proves nothing. A kiosk that opens its player without a
credential asks for a pairing: it gets a short code to show on screen and a pairing secret to
keep. An admin who reads the code on the screen approves it (console or CLI); the browser that
holds the pairing secret then collects a credential, a random token of 256 bits, which it keeps
and sends with every connection. The store keeps only the SHA-256 of tokens and secrets (both
are high-entropy random values, so a fast hash is enough) and compares them in constant time.

Until a connection proves its screen's credential, nothing it reports is believed (heartbeats,
acknowledgements, proof of play). A revoke deletes the credential; every process notices through
the revision number, which each change bumps (see `Trust`).

Tables `screen_credentials`, `screen_pairings` and `enrollment_meta` in the signage SQLite file;
plain SQL so that another database can hold them later. This module does not import Flask.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bluezone.storage.database import Database
from bluezone.storage.migrations import Migration, migrate
from signage.database import connect

COMPONENT = "enrollment"
#: The schema, version by version (`bluezone.storage.migrations`); 1 is the release before
#: migrations, so it holds on a database that release made.
MIGRATIONS = (
    Migration(
        1,
        "screen credentials, pairings and counters",
        (
            "CREATE TABLE IF NOT EXISTS screen_credentials ("
            " screen TEXT PRIMARY KEY,"
            " token_hash TEXT NOT NULL,"
            " serial INTEGER NOT NULL,"
            " enrolled_at REAL NOT NULL,"
            " enrolled_by TEXT NOT NULL"
            ")",
            "CREATE TABLE IF NOT EXISTS screen_pairings ("
            " code TEXT PRIMARY KEY,"
            " screen TEXT NOT NULL,"
            " secret_hash TEXT NOT NULL,"
            " created REAL NOT NULL,"
            " expires REAL NOT NULL,"
            " address TEXT NOT NULL,"
            " user_agent TEXT NOT NULL,"
            " approved_at REAL,"
            " approved_by TEXT"
            ")",
            "CREATE INDEX IF NOT EXISTS screen_pairings_screen ON screen_pairings (screen)",
            "CREATE TABLE IF NOT EXISTS enrollment_meta"
            " (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
            "INSERT INTO enrollment_meta (key, value) VALUES ('revision', 0)"
            " ON CONFLICT (key) DO NOTHING",
            "INSERT INTO enrollment_meta (key, value) VALUES ('serial', 0)"
            " ON CONFLICT (key) DO NOTHING",
        ),
    ),
)

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read across a room and typed by hand must not be
# mistaken for another.
ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
CODE_LENGTH = 6
# Tokens and pairing secrets: 32 random bytes, URL-safe base64 (43 characters).
TOKEN_BYTES = 32
# Anything longer than this is not one of ours; refused before hashing.
MAX_TOKEN = 100


def digest(secret: str) -> str:
    """SHA-256 of a token or pairing secret, hex: what the store keeps instead of it."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def matches(secret: object, stored: str) -> bool:
    """True when `secret` hashes to `stored`; constant time in the stored value."""
    if not isinstance(secret, str) or not 0 < len(secret) <= MAX_TOKEN:
        return False
    return hmac.compare_digest(digest(secret), stored)


def clean_code(text: str) -> str:
    """A typed pairing code in its stored form: upper case, without spaces or dashes."""
    return "".join(c for c in text.upper() if c not in " -\t")[:20]


class EnrollmentError(ValueError):
    """A pairing or enrollment change is refused; the message says why (English, for the CLI)."""


class UnknownCode(EnrollmentError, LookupError):
    """No pending pairing has this code (never issued, expired or already used)."""


class TooSoon(EnrollmentError):
    """This screen asked for a code a moment ago; `retry_after` seconds until it may again."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooMany(EnrollmentError):
    """Too many pairings are pending across all screens; old ones must expire first."""


@dataclass(frozen=True)
class PairingRequest:
    """A pending pairing as an admin sees it (never its secret)."""

    code: str
    screen: str
    created: float
    expires: float
    address: str = ""
    user_agent: str = ""
    approved_at: float | None = None
    approved_by: str | None = None

    @property
    def approved(self) -> bool:
        return self.approved_at is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "screen": self.screen,
            "created": self.created,
            "expires": self.expires,
            "address": self.address,
            "approved": self.approved,
        }


@dataclass(frozen=True)
class Pairing:
    """What the screen gets when it asks for a pairing: the code to show, the secret to keep."""

    code: str
    secret: str
    expires: float


@dataclass(frozen=True)
class Credential:
    """An enrolled screen (never its token). `serial` changes with every new credential."""

    screen: str
    serial: int
    enrolled_at: float
    enrolled_by: str


@dataclass(frozen=True)
class Collected:
    """A collected credential: the token, handed out once, its serial, and who approved it."""

    token: str
    serial: int
    approved_by: str = "-"


@dataclass(frozen=True)
class PairingState:
    """Where a pairing stands for the browser holding its secret: `pending` (with the code and
    expiry), `enrolled` (the credential was collected now) or `unknown` (expired, replaced or
    never issued: ask for a new code)."""

    state: str
    code: str | None = None
    expires: float | None = None
    collected: Collected | None = None


def _request(row: Any) -> PairingRequest:
    return PairingRequest(
        code=str(row["code"]),
        screen=str(row["screen"]),
        created=float(row["created"]),
        expires=float(row["expires"]),
        address=str(row["address"]),
        user_agent=str(row["user_agent"]),
        approved_at=float(row["approved_at"]) if row["approved_at"] is not None else None,
        approved_by=str(row["approved_by"]) if row["approved_by"] is not None else None,
    )


class EnrollmentStore:
    """Credentials and pairings in the SQLite file at `path`.

    `ttl`: seconds a code stays valid (and an approved pairing stays collectable);
    `per_screen`: pending pairings kept per screen (a new one replaces the oldest, so someone
    asking for codes in a screen's name cannot keep the real screen from getting one);
    `overall`: pending pairings across all screens (beyond that requests are refused);
    `interval`: seconds between two requests for the same screen.
    """

    def __init__(
        self,
        path: Database | Path,
        *,
        clock: Callable[[], float] = time.time,
        token: Callable[[], str] = lambda: secrets.token_urlsafe(TOKEN_BYTES),
        code: Callable[[], str] = lambda: "".join(
            secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)
        ),
        ttl: float = 900.0,
        per_screen: int = 3,
        overall: int = 500,
        interval: float = 5.0,
    ) -> None:
        #: The database: a `Database`, or the path of a SQLite file.
        self.path = path
        self.clock = clock
        self._token = token
        self._code = code
        self.ttl = ttl
        self.per_screen = per_screen
        self.overall = overall
        self.interval = interval
        migrate(Database.of(path), COMPONENT, MIGRATIONS)

    @contextmanager
    def _db(self) -> Iterator[Any]:
        with connect(self.path) as db:
            yield db

    @staticmethod
    def _bump(db: Any) -> None:
        db.execute("UPDATE enrollment_meta SET value = value + 1 WHERE key = 'revision'")

    def _prune(self, db: Any, now: float) -> None:
        if db.execute("DELETE FROM screen_pairings WHERE expires <= ?", (now,)).rowcount:
            self._bump(db)

    def revision(self) -> int:
        """A number that changes with every change of credentials or pairings."""
        with self._db() as db:
            row = db.execute("SELECT value FROM enrollment_meta WHERE key = 'revision'").fetchone()
        return int(row[0])

    # ---- the screen's side ----

    def request(self, screen: str, address: str = "", user_agent: str = "") -> Pairing:
        """A new pairing for `screen`: a code to show and a secret for the browser to keep.

        Raises `TooSoon` within `interval` of the previous request for this screen and
        `TooMany` when `overall` pairings are pending."""
        now = self.clock()
        with self._db() as db:
            self._prune(db, now)
            latest = db.execute(
                "SELECT MAX(created) FROM screen_pairings WHERE screen = ?", (screen,)
            ).fetchone()[0]
            if latest is not None and now - float(latest) < self.interval:
                wait = self.interval - (now - float(latest))
                raise TooSoon(f"a code was issued for {screen} a moment ago", wait)
            pending = int(db.execute("SELECT COUNT(*) FROM screen_pairings").fetchone()[0])
            if pending >= self.overall:
                raise TooMany(f"{pending} pairings are pending; try again later")
            mine = db.execute(
                "SELECT code FROM screen_pairings WHERE screen = ? AND approved_at IS NULL"
                " ORDER BY created, code",
                (screen,),
            ).fetchall()
            for row in mine[: max(0, len(mine) - self.per_screen + 1)]:
                db.execute("DELETE FROM screen_pairings WHERE code = ?", (row["code"],))
            code = self._code()
            while db.execute("SELECT 1 FROM screen_pairings WHERE code = ?", (code,)).fetchone():
                code = self._code()
            secret = self._token()
            expires = now + self.ttl
            db.execute(
                "INSERT INTO screen_pairings (code, screen, secret_hash, created, expires,"
                " address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (code, screen, digest(secret), now, expires, address[:100], user_agent[:300]),
            )
            self._bump(db)
        return Pairing(code, secret, expires)

    def poll(self, screen: str, secret: object) -> PairingState:
        """Where the pairing holding `secret` stands; once approved, collect the credential.

        Collecting replaces the screen's credential (a re-pairing ends the old one) and
        removes every pairing of the screen: the token is handed out exactly once."""
        now = self.clock()
        with self._db() as db:
            self._prune(db, now)
            rows = db.execute(
                "SELECT * FROM screen_pairings WHERE screen = ? ORDER BY created", (screen,)
            ).fetchall()
            # Every row is compared, so the time taken does not tell which one matched.
            found = [row for row in rows if matches(secret, str(row["secret_hash"]))]
            if not found:
                return PairingState("unknown")
            request = _request(found[-1])
            if not request.approved:
                return PairingState("pending", request.code, request.expires)
            token = self._token()
            serial = self._next_serial(db)
            db.execute("DELETE FROM screen_credentials WHERE screen = ?", (screen,))
            db.execute(
                "INSERT INTO screen_credentials (screen, token_hash, serial, enrolled_at,"
                " enrolled_by) VALUES (?, ?, ?, ?, ?)",
                (screen, digest(token), serial, now, request.approved_by or "-"),
            )
            db.execute("DELETE FROM screen_pairings WHERE screen = ?", (screen,))
            self._bump(db)
        approver = request.approved_by or "-"
        return PairingState("enrolled", collected=Collected(token, serial, approver))

    def verify(self, screen: str, token: object) -> int | None:
        """The serial of `screen`'s credential when `token` is it, else None."""
        if not isinstance(token, str):
            return None
        with self._db() as db:
            row = db.execute(
                "SELECT token_hash, serial FROM screen_credentials WHERE screen = ?", (screen,)
            ).fetchone()
        # Without a credential the token is still hashed and compared, against nothing.
        stored = str(row["token_hash"]) if row else "0" * 64
        ok = matches(token, stored)
        return int(row["serial"]) if row and ok else None

    # ---- the admin's side ----

    def approve(self, code: str, actor: str) -> PairingRequest:
        """Approve the pending pairing `code`; the screen's other pending pairings go.

        The browser holding its secret may collect the credential within `ttl`. Raises
        `UnknownCode` for a code that is not pending."""
        now = self.clock()
        cleaned = clean_code(code)
        with self._db() as db:
            self._prune(db, now)
            row = db.execute(
                "SELECT * FROM screen_pairings WHERE code = ? AND approved_at IS NULL", (cleaned,)
            ).fetchone()
            if row is None:
                raise UnknownCode(f"no screen is waiting with the code {code!r}")
            request = _request(row)
            db.execute(
                "DELETE FROM screen_pairings WHERE screen = ? AND code <> ?",
                (request.screen, cleaned),
            )
            db.execute(
                "UPDATE screen_pairings SET approved_at = ?, approved_by = ?, expires = ?"
                " WHERE code = ?",
                (now, actor, now + self.ttl, cleaned),
            )
            self._bump(db)
        return PairingRequest(
            request.code,
            request.screen,
            request.created,
            now + self.ttl,
            request.address,
            request.user_agent,
            now,
            actor,
        )

    def revoke(self, screen: str) -> bool:
        """Delete `screen`'s credential and pairings; True when it was enrolled."""
        with self._db() as db:
            gone = db.execute("DELETE FROM screen_credentials WHERE screen = ?", (screen,)).rowcount
            db.execute("DELETE FROM screen_pairings WHERE screen = ?", (screen,))
            self._bump(db)
        return bool(gone)

    def enroll(self, screen: str, actor: str) -> Collected:
        """Issue a credential for `screen` directly (replacing any), for tools that install the
        token on the kiosk themselves; the token is returned once."""
        token = self._token()
        with self._db() as db:
            serial = self._next_serial(db)
            db.execute("DELETE FROM screen_credentials WHERE screen = ?", (screen,))
            db.execute(
                "INSERT INTO screen_credentials (screen, token_hash, serial, enrolled_at,"
                " enrolled_by) VALUES (?, ?, ?, ?, ?)",
                (screen, digest(token), serial, self.clock(), actor),
            )
            db.execute("DELETE FROM screen_pairings WHERE screen = ?", (screen,))
            self._bump(db)
        return Collected(token, serial, actor)

    def pending(self) -> list[PairingRequest]:
        """Pairings not expired, oldest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT * FROM screen_pairings WHERE expires > ? ORDER BY created, code",
                (self.clock(),),
            ).fetchall()
        return [_request(row) for row in rows]

    def credentials(self) -> dict[str, Credential]:
        """Every enrolled screen's credential (without the token hash), by screen id."""
        with self._db() as db:
            rows = db.execute(
                "SELECT screen, serial, enrolled_at, enrolled_by FROM screen_credentials"
            ).fetchall()
        return {
            str(r["screen"]): Credential(
                str(r["screen"]), int(r["serial"]), float(r["enrolled_at"]), str(r["enrolled_by"])
            )
            for r in rows
        }

    @staticmethod
    def _next_serial(db: Any) -> int:
        db.execute("UPDATE enrollment_meta SET value = value + 1 WHERE key = 'serial'")
        row = db.execute("SELECT value FROM enrollment_meta WHERE key = 'serial'").fetchone()
        return int(row[0])


@dataclass(frozen=True)
class Snapshot:
    """The enrollment state one process works from: credentials and pending pairings."""

    revision: int = -1
    credentials: dict[str, Credential] = field(default_factory=dict)
    pending: tuple[PairingRequest, ...] = ()

    def pending_for(self, screen: str, now: float) -> list[PairingRequest]:
        return [p for p in self.pending if p.screen == screen and p.expires > now]


@dataclass(frozen=True)
class Connection:
    """One socket of a screen: `serial` of the credential it proved, None when it proved none."""

    screen: str
    serial: int | None


class Trust:
    """Which open sockets of this process speak for an enrolled screen.

    A socket is believed while the credential it proved on connection is still the screen's
    credential. The store's revision is read at most every `recheck` seconds (and at every
    background pass); when it moved, credentials are read again and sockets whose credential is
    gone or replaced are downgraded: `refresh` returns them so that the caller can tell them and
    take them off the board. So a revoke made by any process (console, CLI, another node) is
    honoured here within `recheck` seconds, without a message between processes.
    """

    def __init__(
        self, store: EnrollmentStore, clock: Callable[[], float] = time.time, recheck: float = 0.5
    ) -> None:
        self.store = store
        self.clock = clock
        self.recheck = recheck
        self._lock = threading.Lock()
        self._connections: dict[str, Connection] = {}
        self._snapshot = Snapshot()
        self._checked = float("-inf")

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def admit(self, sid: str, screen: str, serial: int | None) -> None:
        with self._lock:
            self._connections[sid] = Connection(screen, serial)

    def forget(self, sid: str) -> None:
        with self._lock:
            self._connections.pop(sid, None)

    def screens(self) -> set[str]:
        """The screens with at least one open socket here, enrolled or not."""
        with self._lock:
            return {c.screen for c in self._connections.values()}

    def connection(self, sid: str) -> Connection | None:
        with self._lock:
            return self._connections.get(sid)

    def believed(self, sid: str) -> str | None:
        """The screen `sid` speaks for, when it is enrolled and its credential still stands in
        the current snapshot (call `refresh` first to bring it up to date)."""
        with self._lock:
            connection = self._connections.get(sid)
        if connection is None or connection.serial is None:
            return None
        credential = self._snapshot.credentials.get(connection.screen)
        if credential is None or credential.serial != connection.serial:
            return None
        return connection.screen

    def refresh(self, force: bool = False) -> list[tuple[str, str]]:
        """Re-read the store if its revision moved (checked at most every `recheck` seconds
        unless `force`); downgrade and return `(sid, screen)` of sockets no longer believed."""
        now = self.clock()
        with self._lock:
            if not force and now - self._checked < self.recheck:
                return []
            self._checked = now
        revision = self.store.revision()
        if revision == self._snapshot.revision:
            return []
        snapshot = Snapshot(revision, self.store.credentials(), tuple(self.store.pending()))
        downgraded: list[tuple[str, str]] = []
        with self._lock:
            self._snapshot = snapshot
            for sid, connection in list(self._connections.items()):
                if connection.serial is None:
                    continue
                credential = snapshot.credentials.get(connection.screen)
                if credential is None or credential.serial != connection.serial:
                    self._connections[sid] = Connection(connection.screen, None)
                    downgraded.append((sid, connection.screen))
        return downgraded


class Throttle:
    """At most one event per `interval` seconds per key (a socket), for the pairing events.

    Bounded: beyond `size` keys the oldest are forgotten."""

    def __init__(
        self, interval: float, clock: Callable[[], float] = time.time, size: int = 10_000
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.size = size
        self._lock = threading.Lock()
        self._last: OrderedDict[str, float] = OrderedDict()

    def wait(self, key: str) -> float:
        """0 when the event may go ahead now (and note it), else seconds to wait."""
        now = self.clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                return self.interval - (now - last)
            self._last.pop(key, None)
            self._last[key] = now
            while len(self._last) > self.size:
                self._last.popitem(last=False)
        return 0.0

    def forget(self, key: str) -> None:
        with self._lock:
            self._last.pop(key, None)
