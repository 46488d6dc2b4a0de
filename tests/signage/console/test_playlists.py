"""The playlist pages of the console, driven through the Flask test client as operators."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.editing.publish import MAX_TEXT
from tests.signage.console.conftest import Login, console_of
from tests.signage.serverkit import playlist_yaml


def base_of(page: str) -> str:
    found = re.search(r'name="base" value="([0-9a-f]*)"', page)
    assert found, page
    return found.group(1)


def first(pattern: str, text: str) -> str:
    found = re.search(pattern, text, re.S)
    assert found, text
    return found.group(1)


def form_of(page: str) -> dict[str, list[str]]:
    """The fields of the editor form as a browser would send them (text, hidden, checked)."""
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or "csrf" in name.group(1):
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) == "checkbox" and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields.setdefault(name.group(1), []).append(html.unescape(value.group(1) if value else ""))
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        fields.setdefault(name, []).append(html.unescape(body))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options) or re.search(
            r'<option selected value="([^"]*)"', options
        )
        fields.setdefault(name, []).append(html.unescape(chosen.group(1)) if chosen else "")
    return fields


def audit_actions(app: Flask) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.target) for e in console_of(app).audit.entries()]


PERMISSIONS = [
    # who, method, path, status
    ("viewer", "GET", "/console/playlists/", 200),
    ("viewer", "GET", "/console/playlists/lobby", 200),
    ("viewer", "GET", "/console/playlists/lobby/yaml", 200),
    ("viewer", "POST", "/console/playlists/lobby", 403),
    ("viewer", "POST", "/console/playlists/lobby/yaml", 403),
    ("viewer", "POST", "/console/playlists/new", 403),
    ("viewer", "POST", "/console/playlists/lobby/delete", 403),
    ("editor", "POST", "/console/playlists/lobby/yaml", 303),
    ("editor", "POST", "/console/playlists/gate/yaml", 403),
    ("editor", "POST", "/console/playlists/gate/delete", 403),
    ("admin", "POST", "/console/playlists/gate/yaml", 303),
    ("editor", "GET", "/console/playlists/nowhere", 404),
    ("editor", "GET", "/console/playlists/..%2Fscreens", 404),
]


@pytest.mark.parametrize(("who", "method", "path", "status"), PERMISSIONS)
def test_permissions(
    client: FlaskClient,
    login: Login,
    playlists: Path,
    who: str,
    method: str,
    path: str,
    status: int,
) -> None:
    login(client, who)
    data = None
    if method == "POST":
        name = path.split("/")[3]
        file = playlists / f"{name}.yaml"
        text = file.read_text(encoding="utf-8") if file.exists() else ""
        data = {"text": text.replace("Cổng", "Cổng mới"), "base": _sha(text)}
    response = client.open(path, method=method, data=data)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def test_the_list_says_who_shows_each_playlist(client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    page = client.get("/console/playlists/").get_data(as_text=True)
    lobby = page[page.index('id="playlist-lobby"') :]
    lobby = lobby[: lobby.index("</tr>")]
    assert "Sảnh chờ" in lobby and "lobby-1, lobby-2" in lobby
    assert "Delete" not in page and "Xóa" not in page  # a viewer gets no change buttons


def test_a_long_list_of_screens_is_cut_short(
    app: Flask, client: FlaskClient, login: Login, playlists: Path
) -> None:
    extra = "".join(
        f"  - id: lobby-x{n}\n    name: Thêm {n}\n    groups: [lobby]\n    languages: [vi]\n"
        for n in range(15)
    )
    with (playlists / "screens.yaml").open("a", encoding="utf-8") as screens:
        screens.write(extra)
    app.extensions["signage"].programme.reload()
    login(client, "viewer")
    page = client.get("/console/playlists/").get_data(as_text=True)
    assert "lobby-x8, lobby-x9 và 5 màn hình khác" in page and "lobby-x10" not in page


def test_a_broken_hand_edit_shows_in_the_list_and_the_history(
    client: FlaskClient, login: Login, playlists: Path
) -> None:
    login(client, "editor")
    page = client.get("/console/playlists/lobby/yaml").get_data(as_text=True)
    text = playlist_yaml(["Bốn"])
    assert (
        client.post(
            "/console/playlists/lobby/yaml", data={"text": text, "base": base_of(page)}
        ).status_code
        == 303
    )
    (playlists / "lobby.yaml").write_text(
        text.replace("duration: 3", "duration: ba"), encoding="utf-8"
    )
    listing = client.get("/console/playlists/").get_data(as_text=True)

    def row(playlist_id: str) -> str:
        found = listing[listing.index(f'id="playlist-{playlist_id}"') :]
        return found[: found.index("</tr>")]

    assert "1 lỗi" in row("lobby") and "lỗi" not in row("gate")
    history = client.get("/console/playlists/lobby/history").get_data(as_text=True)
    assert "sửa ngoài bảng điều khiển kể từ phiên bản 2" in history


def test_edit_a_vietnamese_text_in_the_form(
    app: Flask, client: FlaskClient, login: Login, playlists: Path
) -> None:
    login(client, "editor")
    page = client.get("/console/playlists/lobby").get_data(as_text=True)
    fields = form_of(page)
    assert fields["items-0-text-vi-title"] == ["Một"]
    fields["items-0-text-vi-title"] = ["Xin chào quý khách"]
    fields["action"] = ["publish"]
    response = client.post("/console/playlists/lobby", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    text = (playlists / "lobby.yaml").read_text(encoding="utf-8")
    assert "title: Xin chào quý khách" in text
    assert text.count("\n") == playlist_yaml(["Một", "Hai", "Ba"]).count("\n")
    assert ("editor", "playlist.publish", "lobby") in audit_actions(app)
    history = client.get("/console/playlists/lobby/history").get_data(as_text=True)
    assert "editor" in history


def test_a_wrong_field_is_marked_and_nothing_is_written(
    client: FlaskClient, login: Login, playlists: Path
) -> None:
    before = (playlists / "lobby.yaml").read_text(encoding="utf-8")
    login(client, "editor")
    fields = form_of(client.get("/console/playlists/lobby").get_data(as_text=True))
    fields["items-1-duration"] = ["mười"]
    fields["items-2-text-vi-title"] = [""]
    fields["action"] = ["publish"]
    response = client.post("/console/playlists/lobby", data=fields)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert re.search(r'data-field="items-1-duration">[^<]*phải là một số', page), page
    assert re.search(r'data-field="items-2-text-vi">[^<]*còn thiếu tiêu đề', page), page
    # The summary at the top links to each item in trouble, and the items are marked.
    assert '<a href="#items-1">Mục 2</a>' in page and '<a href="#items-2">Mục 3</a>' in page
    assert 'class="item kind-text has-error" id="items-1"' in page
    assert (playlists / "lobby.yaml").read_text(encoding="utf-8") == before
    # What the operator typed is still in the form.
    assert 'value="mười"' in page


def test_adding_moving_and_removing_items_without_javascript(
    client: FlaskClient, login: Login, playlists: Path
) -> None:
    login(client, "editor")
    fields = form_of(client.get("/console/playlists/lobby").get_data(as_text=True))
    fields["action"] = ["add:ticker"]
    page = client.post("/console/playlists/lobby", data=fields).get_data(as_text=True)
    fields = form_of(page)
    assert fields["items-3-kind"] == ["ticker"]
    fields["items-3-ticker-vi"] = ["Cài Bluezone ngay"]
    fields["items-3-duration"] = ["5"]
    fields["action"] = ["up:3"]
    fields = form_of(client.post("/console/playlists/lobby", data=fields).get_data(as_text=True))
    assert fields["items-2-kind"] == ["ticker"]
    fields["action"] = ["remove:0"]
    fields = form_of(client.post("/console/playlists/lobby", data=fields).get_data(as_text=True))
    fields["action"] = ["publish"]
    assert client.post("/console/playlists/lobby", data=fields).status_code == 303
    text = (playlists / "lobby.yaml").read_text(encoding="utf-8")
    assert "Một" not in text
    assert text.index("Hai") < text.index("Cài Bluezone ngay") < text.index("title: Ba")


def test_the_yaml_editor_marks_the_line(client: FlaskClient, login: Login, playlists: Path) -> None:
    login(client, "editor")
    page = client.get("/console/playlists/lobby/yaml").get_data(as_text=True)
    text = (playlists / "lobby.yaml").read_text(encoding="utf-8")
    broken = text.replace("    duration: 3\n", "    duraton: 3\n", 1)
    response = client.post(
        "/console/playlists/lobby/yaml", data={"text": broken, "base": base_of(page)}
    )
    assert response.status_code == 422
    shown = response.get_data(as_text=True)
    line = broken.split("\n").index("    duraton: 3") + 1
    assert re.search(rf'id="line-{line}" class="has-error".*?có phải bạn định viết', shown, re.S)
    assert (playlists / "lobby.yaml").read_text(encoding="utf-8") == text


def test_a_change_on_disk_is_a_conflict_with_a_merge(
    app: Flask, client: FlaskClient, login: Login, playlists: Path
) -> None:
    login(client, "editor")
    base = base_of(client.get("/console/playlists/lobby/yaml").get_data(as_text=True))
    theirs = playlist_yaml(["Một", "Hai", "Ba đã sửa"])
    (playlists / "lobby.yaml").write_text(theirs, encoding="utf-8")
    mine = playlist_yaml(["Một của tôi", "Hai", "Ba"])
    response = client.post("/console/playlists/lobby/yaml", data={"text": mine, "base": base})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert (playlists / "lobby.yaml").read_text(encoding="utf-8") == theirs
    assert "+        title: Một của tôi" in html.unescape(page)
    merged = html.unescape(first(r"<textarea[^>]*>(.*?)</textarea>", page))
    assert "Một của tôi" in merged and "Ba đã sửa" in merged
    response = client.post(
        "/console/playlists/lobby/yaml", data={"text": merged, "base": base_of(page)}
    )
    assert response.status_code == 303
    assert ("editor", "playlist.conflict", "lobby") in audit_actions(app)


def test_history_and_restore(
    app: Flask, client: FlaskClient, login: Login, playlists: Path
) -> None:
    login(client, "editor")
    original = (playlists / "lobby.yaml").read_text(encoding="utf-8")
    base = base_of(client.get("/console/playlists/lobby/yaml").get_data(as_text=True))
    new = playlist_yaml(["Bốn"])
    assert (
        client.post("/console/playlists/lobby/yaml", data={"text": new, "base": base}).status_code
        == 303
    )
    page = client.get("/console/playlists/lobby/history/1").get_data(as_text=True)
    assert "Một" in page
    response = client.post(
        "/console/playlists/lobby/history/1/restore", data={"base": base_of(page)}
    )
    assert response.status_code == 303
    assert (playlists / "lobby.yaml").read_text(encoding="utf-8") == original
    assert ("editor", "playlist.restore", "lobby") in audit_actions(app)
    versions = client.get("/console/playlists/lobby/history").get_data(as_text=True)
    assert versions.count("/console/playlists/lobby/history/") >= 6  # 3 versions, 2 links each


def test_create_duplicate_and_delete(
    app: Flask, client: FlaskClient, login: Login, playlists: Path
) -> None:
    login(client, "editor")
    response = client.post("/console/playlists/new", data={"id": "Bad Id", "name": "X"})
    assert response.status_code == 422 and "Chỉ dùng chữ thường" in response.get_data(as_text=True)
    response = client.post("/console/playlists/new", data={"id": "spare", "name": "Dự phòng"})
    assert response.status_code == 303
    assert "title: Dự phòng" in (playlists / "spare.yaml").read_text(encoding="utf-8")
    response = client.post(
        "/console/playlists/new", data={"id": "lobby-copy", "name": "Bản sao", "source": "lobby"}
    )
    assert response.status_code == 303
    copy = (playlists / "lobby-copy.yaml").read_text(encoding="utf-8")
    assert copy.startswith("name: Bản sao\n") and "title: Hai" in copy
    # A playlist a group shows is not deleted, and the page says why.
    response = client.post("/console/playlists/lobby/delete", follow_redirects=True)
    assert "lobby" in response.get_data(as_text=True) and (playlists / "lobby.yaml").exists()
    text = (playlists / "spare.yaml").read_text(encoding="utf-8")
    response = client.post("/console/playlists/spare/delete", data={"base": _sha(text)})
    assert response.status_code == 303 and not (playlists / "spare.yaml").exists()
    # A deleted playlist is listed with its history, and any version can be brought back.
    listing = client.get("/console/playlists/").get_data(as_text=True)
    assert 'id="deleted-spare"' in listing
    page = client.get("/console/playlists/spare/history/1").get_data(as_text=True)
    response = client.post(
        "/console/playlists/spare/history/1/restore", data={"base": base_of(page)}
    )
    assert response.status_code == 303
    assert "title: Dự phòng" in (playlists / "spare.yaml").read_text(encoding="utf-8")
    actions = audit_actions(app)
    assert ("editor", "playlist.create", "spare") in actions
    assert ("editor", "playlist.delete", "spare") in actions


def test_preview_of_a_draft_in_the_real_player(client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    fields = form_of(client.get("/console/playlists/lobby").get_data(as_text=True))
    fields["items-0-text-vi-title"] = ["Bản nháp"]
    response = client.post("/console/playlists/lobby/preview", data=fields)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="preview-items"' in page and "Bản nháp" in page
    frames = re.findall(r'<iframe class="(landscape|portrait)"[^>]*src="([^"]+)"', page)
    assert [kind for kind, _ in frames] == ["landscape", "portrait"]
    for kind, src in frames:
        player = client.get(html.unescape(src))
        assert player.status_code == 200
        body = player.get_data(as_text=True)
        assert "player.js" in body and f"orientation-{kind}" in body
        assert 'socket.io.min.js"></script>' not in body  # no connection to the server
        config = json.loads(first(r'id="player-config">(.*?)</script>', body))
        titles = [item["content"][0]["title"] for item in config["preview"]["state"]["items"]]
        assert titles == ["Bản nháp", "Hai", "Ba"]


EVERY_KIND = """\
# Every kind of item, as the form editor must carry it through unchanged.
name: Mọi loại mục

items:
  - text:
      vi:
        title: Tiêu đề
        body: >-
          Một đoạn văn dài được gấp thành nhiều dòng trong tệp, và phải giữ nguyên như vậy
          khi không ai sửa nó.
      en: {title: Title}
    duration: 10
    priority: 5
    schedule:
      from: 2026-12-01
      until: 2026-12-31
      weekdays: [mon, wed]
      times: ["07:00-11:30", "22:00-24:00"]
  - image:
      file: poster.png
      caption:
        vi: Chú thích
    duration: 8
  - video:
      file: clips/intro.mp4
    duration: 15
  - qr:
      campaign: bluezone
      title: {vi: Quét mã, en: Scan}
      caption:
        vi: Để cài Bluezone
      short: bluezone.gov.vn
    duration: 10
  - qr:
      url: https://www.bluezone.gov.vn/taiapp
    duration: 10
  - html:
      vi: |-
        <h2>Giờ làm việc</h2>
        <p>Sáng: <strong>7:00 đến 11:30</strong></p>
    duration: 10
  - clock:
    duration: 6
  - clock:
      caption: {vi: Giờ Việt Nam (GMT+7)}
    duration: 6
  - ticker:
      vi: Cài Bluezone ngay hôm nay   # a comment after a value
      ko: 블루존을 설치하세요
    duration: 20
  - include: gate
"""


def test_every_kind_goes_through_the_form_unchanged(
    client: FlaskClient, login: Login, playlists: Path
) -> None:
    (playlists / "media" / "poster.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (playlists / "media" / "clips").mkdir()
    (playlists / "media" / "clips" / "intro.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (playlists / "lobby.yaml").write_text(EVERY_KIND, encoding="utf-8")
    login(client, "editor")
    page = client.get("/console/playlists/lobby").get_data(as_text=True)
    fields = form_of(page)
    assert fields["items-2-video-file"] == ["clips/intro.mp4"]
    assert fields["items-0-schedule-weekdays"] == ["mon", "wed"]
    assert fields["items-0-schedule-times-end"] == ["11:30", "00:00", ""]
    assert fields["items-8-ticker-ko"] == ["블루존을 설치하세요"]  # a language no screen uses
    fields["action"] = ["publish"]
    response = client.post("/console/playlists/lobby", data=fields)
    assert response.status_code == 303, html.unescape(response.get_data(as_text=True))[-3000:]
    assert (playlists / "lobby.yaml").read_text(encoding="utf-8") == EVERY_KIND


def test_a_long_playlist_fits_in_the_form(
    client: FlaskClient, login: Login, playlists: Path
) -> None:
    titles = [f"Thông báo {n}" for n in range(120)]
    (playlists / "lobby.yaml").write_text(playlist_yaml(titles), encoding="utf-8")
    login(client, "editor")
    fields = form_of(client.get("/console/playlists/lobby").get_data(as_text=True))
    assert sum(len(values) for values in fields.values()) > 1000  # the default limit of a form
    fields["items-119-text-vi-title"] = ["Thông báo cuối"]
    fields["action"] = ["publish"]
    response = client.post("/console/playlists/lobby", data=fields)
    assert response.status_code == 303
    assert "title: Thông báo cuối" in (playlists / "lobby.yaml").read_text(encoding="utf-8")


def test_a_large_yaml_text_is_read_whole(
    client: FlaskClient, login: Login, playlists: Path
) -> None:
    text = (playlists / "lobby.yaml").read_text(encoding="utf-8")
    big = "".join(f"# Ghi chú số {n}: giữ nguyên khi xuất bản.\n" for n in range(15_000)) + text
    assert len(big.encode()) > 500_000 and len(big) < MAX_TEXT
    login(client, "editor")
    response = client.post("/console/playlists/lobby/yaml", data={"text": big, "base": _sha(text)})
    assert response.status_code == 303
    assert (playlists / "lobby.yaml").read_text(encoding="utf-8") == big


def test_a_yml_playlist_is_listed_opened_previewed_and_published_in_place(
    app: Flask, client: FlaskClient, login: Login, playlists: Path
) -> None:
    """`lobby.yml` plays on the screens, so the console lists, opens and writes that file."""
    (playlists / "lobby.yaml").rename(playlists / "lobby.yml")
    app.extensions["signage"].programme.reload()
    login(client, "editor")
    listing = client.get("/console/playlists/").get_data(as_text=True)
    assert 'id="playlist-lobby"' in listing
    page = client.get("/console/playlists/lobby/yaml")
    assert page.status_code == 200 and "Một" in html.unescape(page.get_data(as_text=True))
    fields = form_of(client.get("/console/playlists/lobby").get_data(as_text=True))
    fields["items-0-text-vi-title"] = ["Bản nháp"]
    preview = client.post("/console/playlists/lobby/preview", data=fields)
    assert preview.status_code == 303
    assert "Bản nháp" in client.get(preview.headers["Location"]).get_data(as_text=True)
    new = playlist_yaml(["Bốn"])
    base = base_of(page.get_data(as_text=True))
    response = client.post("/console/playlists/lobby/yaml", data={"text": new, "base": base})
    assert response.status_code == 303
    assert (playlists / "lobby.yml").read_text(encoding="utf-8") == new
    assert not (playlists / "lobby.yaml").exists()
    history = client.get("/console/playlists/lobby/history").get_data(as_text=True)
    assert "/console/playlists/lobby/history/2" in history
