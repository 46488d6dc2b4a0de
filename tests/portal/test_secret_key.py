"""The portal's secret key is checked like the signage server's, and made once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.config import ConfigError
from tests.conftest import ROOT
from tests.portal.conftest import make_config


def test_a_short_key_stops_the_portal_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^PORTAL_SECRET_KEY must have at least 32 characters"):
        create_app(make_config(tmp_path, secret_key="too-short"), install_gateway=False)


def test_a_short_key_file_stops_the_portal_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    (tmp_path / "secret_key").write_text("short", encoding="utf-8")
    with pytest.raises(ConfigError, match="secret key must have at least 32 characters"):
        create_app(make_config(tmp_path, secret_key=""), install_gateway=False)


def test_two_portals_starting_at_once_share_one_key(tmp_path: Path) -> None:
    # Each process waits until both exist, then builds the portal with no configured key.
    go = tmp_path / "go"
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        import flask
        flask.Flask.auto_find_instance_path = lambda self: {str(tmp_path)!r}
        from portal import create_app
        while not Path({str(go)!r}).exists():
            time.sleep(0.001)
        app = create_app({{"database": {str(tmp_path / "portal.sqlite3")!r},
                          "mac_lookup": False}}, install_gateway=False)
        print(app.secret_key)
        """
    )
    children = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    go.touch()
    keys = []
    for child in children:
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        keys.append(out.strip())
    stored = (tmp_path / "secret_key").read_text(encoding="utf-8").strip()
    assert keys == [stored, stored] and len(stored) >= 32
