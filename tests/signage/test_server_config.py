"""Settings: defaults, file, environment, errors, and that every key is documented."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any, get_type_hints

import pytest

from signage import config
from tests.conftest import ROOT

README = ROOT / "README.md"
GUNICORN = ROOT / "deploy" / "gunicorn" / "signage.conf.py"


def test_defaults_without_file_or_environment() -> None:
    assert config.load({}) == config.SignageSettings()


def test_precedence_file_then_environment_then_overrides(tmp_path: Path) -> None:
    settings = tmp_path / "signage.yaml"
    settings.write_text("playlists_dir: /srv/playlists\nwatch_interval: 0.5\n", encoding="utf-8")
    env = {
        "SIGNAGE_CONFIG": str(settings),
        "SIGNAGE_WATCH_INTERVAL": "1",
        "SIGNAGE_BACKGROUND": "no",
    }
    loaded = config.load(env, {"PORTAL_URL": "http://p"})
    assert loaded.playlists_dir == "/srv/playlists"
    assert loaded.watch_interval == 1.0
    assert loaded.background is False
    assert loaded.portal_url == "http://p"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour: red\n", "unknown setting 'colour'"),
        ("watch_interval: fast\n", "WATCH_INTERVAL must be a number"),
        ("background: true\nwatch_interval: fast\n", "signage.yaml:2: WATCH_INTERVAL must be"),
        ("\n\ncolour: red\n", "signage.yaml:3: unknown setting 'colour'"),
        ("heartbeat_interval: 1.5\n", "HEARTBEAT_INTERVAL must be an integer, not 1.5"),
        ("offline_after: yes\n", "OFFLINE_AFTER must be an integer, not True"),
        ("playlists_dir: [a]\n", "PLAYLISTS_DIR must be a string"),
        ("background: no\nbackground: yes\n", "signage.yaml:2: BACKGROUND is given twice"),
        ("heartbeat_interval: -1\n", "must not be negative"),
        ("background: maybe\n", "BACKGROUND must be true or false"),
        ("- a\n- b\n", "must be a mapping"),
        ("a: [\n", "signage.yaml:2:1: not valid YAML"),
        ("database: mysql://db/signage\n", "signage.yaml:1: DATABASE: mysql:// is not"),
        ("database: postgresql://bz:hunter2@db:0/s\n", "DATABASE: the port '0' is not a"),
        ("database: postgresql:///s?hots=/run\n", 'DATABASE: invalid URI query parameter: "hots"'),
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


def test_a_whole_number_written_as_a_float_is_accepted(tmp_path: Path) -> None:
    settings = tmp_path / "signage.yaml"
    settings.write_text("heartbeat_interval: 20.0\nmedia_image_max_mb: 0.5\n", encoding="utf-8")
    loaded = config.load({"SIGNAGE_CONFIG": str(settings)})
    assert (loaded.heartbeat_interval, loaded.media_image_max_mb) == (20, 0.5)
    assert isinstance(loaded.heartbeat_interval, int)


def test_test_configuration_is_checked_and_other_keys_are_left_for_flask() -> None:
    loaded = config.load({}, {"OFFLINE_AFTER": 7, "DATABASE": Path("x.db"), "TESTING": True})
    assert (loaded.offline_after, loaded.database) == (7, "x.db")
    with pytest.raises(config.ConfigError, match="test configuration: OFFLINE_AFTER"):
        config.load({}, {"OFFLINE_AFTER": "soon"})


def test_secrets_stay_out_of_the_repr() -> None:
    loaded = config.load(
        {"SIGNAGE_SECRET_KEY": "s" * 40, "SIGNAGE_API_TOKEN": "api-secret"},
        {"PORTAL_STATS_TOKEN": "stats-secret"},
    )
    assert loaded.api_token == "api-secret"
    for secret in ("s" * 40, "api-secret", "stats-secret"):
        assert secret not in repr(loaded)


def test_signage_variables_that_are_not_settings_are_left_alone() -> None:
    # The gunicorn config reads SIGNAGE_MAX_SCREENS and SIGNAGE_LOG_LEVEL itself.
    assert config.load({"SIGNAGE_MAX_SCREENS": "9", "SIGNAGE_LOG_LEVEL": "x"}) == (
        config.SignageSettings()
    )


def test_every_field_has_a_documentation_and_a_default_of_its_type() -> None:
    types: dict[str, Any] = get_type_hints(config.SignageSettings)
    for field in fields(config.SignageSettings):
        assert field.metadata["doc"].strip(), field.name
        assert type(field.default) is types[field.name], field.name


def test_the_app_reads_the_settings_it_was_built_with(tmp_path: Path) -> None:
    from signage import create_app, services

    app = create_app(
        {
            "TESTING": True,
            "PLAYLISTS_DIR": str(tmp_path / "playlists"),
            "DATABASE": tmp_path / "signage.sqlite3",
            "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
            "BACKGROUND": "off",
            "OFFLINE_AFTER": 30,
        }
    )
    settings = services.settings(app)
    assert (settings.background, settings.offline_after) == (False, 30)
    assert settings.database == str(tmp_path / "signage.sqlite3")
    # Flask and tests still find them under their UPPERCASE names.
    assert app.config["DATABASE"] == settings.database
    assert app.config["TESTING"] is True


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8").split("\n## Signage\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", text, flags=re.MULTILINE))
    expected = {f.name for f in fields(config.SignageSettings)}
    gunicorn = set(re.findall(r"SIGNAGE_(\w+)", GUNICORN.read_text(encoding="utf-8")))
    expected |= {name.lower() for name in gunicorn}
    assert expected <= documented, f"undocumented: {sorted(expected - documented)}"
    assert documented <= expected | {"config"}, f"stale: {sorted(documented - expected)}"


def test_a_database_url_never_shows_its_password() -> None:
    url = "postgresql://bz:hunter2@[::1/signage"
    with pytest.raises(config.ConfigError) as caught:
        config.load({"SIGNAGE_DATABASE": url})
    assert "environment SIGNAGE_DATABASE: DATABASE:" in str(caught.value)
    assert "hunter2" not in str(caught.value) and "bz:***@" in str(caught.value)


def test_nodes_sharing_a_database_must_share_the_session_key(tmp_path: Path) -> None:
    url = "postgresql://bz@db.example/signage"
    with pytest.raises(config.ConfigError, match=r"DATABASE: .* same session key"):
        config.load({"SIGNAGE_DATABASE": url})
    shared = config.load({"SIGNAGE_DATABASE": url, "SIGNAGE_SECRET_KEY_FILE": "/srv/key"})
    assert shared.database == url
    with_password = url.replace("bz@", "bz:hunter2@")
    loaded = config.load({"SIGNAGE_DATABASE": with_password, "SIGNAGE_SECRET_KEY": "k" * 32})
    assert "hunter2" not in repr(loaded)


def test_an_unreachable_database_stops_the_app_with_one_clear_line(tmp_path: Path) -> None:
    from signage import create_app
    from tests.conftest import free_port

    url = f"postgresql://bz:hunter2@127.0.0.1:{free_port()}/signage"
    with pytest.raises(config.ConfigError) as caught:
        create_app(
            {
                "PLAYLISTS_DIR": str(tmp_path),
                "DATABASE": url,
                "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
            }
        )
    message = str(caught.value)
    assert message.startswith("DATABASE: cannot use postgresql://bz:***@127.0.0.1:")
    assert "Connection refused" in message and "hunter2" not in message


def test_the_gunicorn_config_names_a_bad_max_screens(monkeypatch: pytest.MonkeyPatch) -> None:
    import runpy

    monkeypatch.setenv("SIGNAGE_MAX_SCREENS", "lots")
    with pytest.raises(SystemExit, match="SIGNAGE_MAX_SCREENS: 'lots' is not a number of screens"):
        runpy.run_path(str(GUNICORN))
    monkeypatch.setenv("SIGNAGE_MAX_SCREENS", "4000")
    assert runpy.run_path(str(GUNICORN))["worker_connections"] == 4256
