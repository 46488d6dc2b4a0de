"""Password hashing: scrypt in a self-describing form, verification, rehash decisions."""

from __future__ import annotations

import pytest

from signage.accounts.passwords import (
    MAX_PASSWORD,
    PasswordError,
    Scrypt,
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)

CHEAP = Scrypt(n=1024)


def test_hash_is_salted_and_names_its_parameters() -> None:
    first = hash_password("mật khẩu rất dài", CHEAP)
    second = hash_password("mật khẩu rất dài", CHEAP)
    assert first != second
    scheme, n, r, p, salt, key = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", "1024", "8", "3")
    assert salt and key


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [
        ("mật khẩu rất dài", True),
        ("mật khẩu rất dài ", False),
        ("mat khau rat dai", False),
        ("", False),
        ("x" * (MAX_PASSWORD + 1), False),
    ],
)
def test_verify(attempt: str, expected: bool) -> None:
    stored = hash_password("mật khẩu rất dài", CHEAP)
    assert verify_password(attempt, stored) is expected


@pytest.mark.parametrize(
    "stored",
    ["", "plain", "scrypt$1024$8$3$!!!$AAAA", "scrypt$1000$8$3$AAAA$AAAA", "bcrypt$1$2$3$4$5"],
)
def test_malformed_stored_values_never_match(stored: str) -> None:
    assert verify_password("anything at all", stored) is False
    assert needs_rehash(stored, CHEAP)


def test_rehash_when_parameters_change() -> None:
    stored = hash_password("mật khẩu rất dài", CHEAP)
    assert not needs_rehash(stored, CHEAP)
    assert needs_rehash(stored, Scrypt(n=2048))
    assert needs_rehash(stored, Scrypt(n=1024, p=1))


def test_default_cost_is_memory_hard() -> None:
    assert Scrypt().memory == 32 * 1024 * 1024


@pytest.mark.parametrize("n", [0, 512, 1000, 3000])
def test_cost_must_be_a_power_of_two_of_at_least_1024(n: int) -> None:
    with pytest.raises(ValueError, match="power of two"):
        Scrypt(n=n)


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 10"), ("x" * (MAX_PASSWORD + 1), "at most 1024")],
)
def test_new_password_rules(password: str, message: str) -> None:
    with pytest.raises(PasswordError, match=message):
        check_new_password(password)
    check_new_password("mười ký tự đủ")
