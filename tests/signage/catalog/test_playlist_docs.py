"""Every key of the format is documented for operators in playlists/README.md."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "playlists" / "README.md").read_text("utf-8")


def keys(schema: object) -> Iterator[str]:
    """Every property name and enumerated value in a JSON Schema."""
    if isinstance(schema, dict):
        for name, value in schema.items():
            if name == "properties" and isinstance(value, dict):
                yield from value
            if name == "enum" and isinstance(value, list):
                yield from (str(v) for v in value)
            yield from keys(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from keys(value)


DOCUMENTED = sorted(
    {
        key
        for name in ("playlist", "screens")
        for key in keys(
            json.loads((ROOT / "signage" / "catalog" / f"{name}.schema.json").read_text("utf-8"))
        )
    }
)


def test_the_schemas_have_keys() -> None:
    assert {"duration", "schedule", "campaign", "orientation", "zh-Hant"} <= set(DOCUMENTED)


@pytest.mark.parametrize("key", DOCUMENTED)
def test_key_is_documented(key: str) -> None:
    assert f"`{key}`" in README
