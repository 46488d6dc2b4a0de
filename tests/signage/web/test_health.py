"""`GET /healthz` of a signage node: what nginx's monitor and the operators ask every node."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask


def test_health_answers_ok_while_the_database_answers(app: Flask, tmp_path: Path) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_answers_503_when_the_database_cannot_be_reached(app: Flask, tmp_path: Path) -> None:
    database = tmp_path / "signage.sqlite3"
    database.unlink()
    database.mkdir()  # SQLite cannot open a folder, whoever runs the test
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json is not None
        assert response.json["status"] == "unavailable"
        assert "unable to open database file" in response.json["database"]
    finally:
        shutil.rmtree(database)
