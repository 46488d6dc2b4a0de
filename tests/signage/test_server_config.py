"""Settings: defaults, file, environment, errors, and that every key is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from signage import config
from tests.conftest import ROOT

README = ROOT / "README.md"
GUNICORN = ROOT / "deploy" / "gunicorn" / "signage.conf.py"


def test_defaults_without_file_or_environment() -> None:
    assert config.load({}) == config.DEFAULTS


def test_precedence_file_then_environment_then_overrides(tmp_path: Path) -> None:
    settings = tmp_path / "signage.yaml"
    settings.write_text("playlists_dir: /srv/playlists\nwatch_interval: 0.5\n", encoding="utf-8")
    env = {
        "SIGNAGE_CONFIG": str(settings),
        "SIGNAGE_WATCH_INTERVAL": "1",
        "SIGNAGE_BACKGROUND": "no",
    }
    loaded = config.load(env, {"PORTAL_URL": "http://p"})
    assert loaded["PLAYLISTS_DIR"] == "/srv/playlists"
    assert loaded["WATCH_INTERVAL"] == 1.0
    assert loaded["BACKGROUND"] is False
    assert loaded["PORTAL_URL"] == "http://p"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour: red\n", "unknown setting 'colour'"),
        ("watch_interval: fast\n", "WATCH_INTERVAL must be a number"),
        ("heartbeat_interval: -1\n", "must not be negative"),
        ("background: maybe\n", "BACKGROUND must be true or false"),
        ("- a\n- b\n", "must be a mapping"),
        ("a: [\n", "signage.yaml:2:1: not valid YAML"),
    ],
)
def test_bad_file_says_what_and_where(tmp_path: Path, text: str, message: str) -> None:
    settings = tmp_path / "signage.yaml"
    settings.write_text(text, encoding="utf-8")
    with pytest.raises(config.ConfigError, match=re.escape(message)):
        config.load({"SIGNAGE_CONFIG": str(settings)})


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="cannot read the settings file"):
        config.load({"SIGNAGE_CONFIG": str(tmp_path / "absent.yaml")})


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(config.ConfigError, match="environment SIGNAGE_OFFLINE_AFTER"):
        config.load({"SIGNAGE_OFFLINE_AFTER": "soon"})


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8").split("\n## Signage\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", text, flags=re.MULTILINE))
    expected = {s.key.lower() for s in config.SETTINGS}
    gunicorn = set(re.findall(r"SIGNAGE_(\w+)", GUNICORN.read_text(encoding="utf-8")))
    expected |= {name.lower() for name in gunicorn}
    assert expected <= documented, f"undocumented: {sorted(expected - documented)}"
    assert documented <= expected | {"config"}, f"stale: {sorted(documented - expected)}"
