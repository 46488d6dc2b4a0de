"""Every console request that changes something checks the role on the server: a viewer's POST
to any of them is refused, whatever the page showed."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.signage.console.conftest import Login

# Values for the parts of the addresses.
SAMPLES = {
    "playlist_id": "lobby",
    "number": "1",
    "name": "editor",
    "screen_id": "lobby-1",
    "override_id": "1",
    "venue_id": "ben-xe",
}
# What a viewer may post: their own session and language, and a draft to preview (nothing on
# the screens changes).
OPEN_TO_VIEWERS = {
    "/console/login",
    "/console/logout",
    "/console/language",
    "/console/playlists/lobby/preview",
}


def _changing_paths(app: Flask) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/console") or "POST" not in (rule.methods or ()):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: SAMPLES[m.group(1)], rule.rule)
        paths.append(path)
    return sorted(set(paths))


def test_the_list_of_changing_requests_is_complete(app: Flask) -> None:
    paths = _changing_paths(app)
    assert "/console/operators/editor/signout" in paths
    assert "/console/playlists/lobby/yaml" in paths
    assert len(paths) > 15


def test_a_viewer_changes_nothing(app: Flask, client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    for path in _changing_paths(app):
        if path in OPEN_TO_VIEWERS:
            continue
        response = client.post(path, data={"text": "x", "name": "x", "target": "all"})
        assert response.status_code == 403, (path, response.status_code)


def test_an_editor_does_no_administration(app: Flask, client: FlaskClient, login: Login) -> None:
    login(client, "editor")
    administration = [
        path
        for path in _changing_paths(app)
        if path.startswith(("/console/operators", "/console/screens", "/console/venues"))
    ]
    assert "/console/venues/add" in administration
    assert "/console/screens/register" in administration
    for path in administration:
        response = client.post(path, data={"name": "x", "role": "admin", "groups": "lobby"})
        assert response.status_code == 403, (path, response.status_code)
