"""The media library core: content sniffing, safe names, atomic storing, usage, thumbnails.

Every file is made by the test: pictures with Pillow, videos with ffmpeg or, for the container
checks, by writing the MP4 boxes by hand.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from signage.media import library, sniff, thumbnails
from signage.media.library import Limits
from signage.media.sniff import MediaError
from tests.conftest import require_tool


def picture(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "teal").save(buffer, fmt)
    return buffer.getvalue()


def box(kind: bytes, body: bytes) -> bytes:
    return (8 + len(body)).to_bytes(4, "big") + kind + body


def mp4(brand: bytes = b"isom", moov: bool = True) -> bytes:
    data = box(b"ftyp", brand + b"\0\0\2\0" + brand)
    data += box(b"mdat", b"\0" * 64)
    if moov:
        data += box(b"moov", box(b"mvhd", b"\0" * 100))
    return data


def webm(doctype: bytes = b"webm", segment_size: int = 4) -> bytes:
    doctype_element = b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    header = b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(doctype_element)]) + doctype_element
    return header + b"\x18\x53\x80\x67" + bytes([0x80 | segment_size]) + b"\xec\x82\0\0"


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'


@pytest.mark.parametrize(
    ("name", "data", "kind", "extension"),
    [
        ("a.jpg", picture("JPEG"), "image", ".jpg"),
        ("a.png", picture("PNG"), "image", ".png"),
        ("a.webp", picture("WEBP"), "image", ".webp"),
        ("a.gif", picture("GIF", mode="P"), "image", ".gif"),
        ("renamed-png.mp4", picture("PNG"), "image", ".png"),
        ("no-extension", picture("JPEG"), "image", ".jpg"),
        ("a.mp4", mp4(), "video", ".mp4"),
        ("a.mp4", mp4(b"mp42"), "video", ".mp4"),
        ("renamed-video.jpg", mp4(), "video", ".mp4"),
        ("a.webm", webm(), "video", ".webm"),
    ],
)
def test_detected_from_content(
    tmp_path: Path, name: str, data: bytes, kind: str, extension: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    found = sniff.detect(path)
    assert (found.kind, found.extension) == (kind, extension)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notes.jpg", "Xin chào, đây là văn bản.\n".encode(), "unsupported"),
        ("empty.png", b"", "empty"),
        ("half.png", picture("PNG", (200, 200))[:300], "damaged"),
        ("half.jpg", picture("JPEG", (200, 200))[:400], "damaged"),
        ("picture.bmp", picture("BMP"), "unsupported"),
        ("picture.tiff", picture("TIFF"), "unsupported"),
        ("logo.svg", SVG, "svg"),
        ("logo.png", b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'/>", "svg"),
        ("clip.mov", mp4(b"qt  "), "unsupported"),
        ("photo.heic", mp4(b"heic", moov=False), "unsupported"),
        ("no-moov.mp4", mp4(moov=False), "damaged"),
        ("cut.mp4", mp4()[:-20], "damaged"),
        ("film.mkv", webm(b"matroska"), "unsupported"),
        ("cut.webm", webm(segment_size=100), "damaged"),
        ("header.webm", webm()[:6], "damaged"),
    ],
)
def test_refused_from_content(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(MediaError) as raised:
        sniff.detect(path)
    assert raised.value.reason == reason


def test_picture_too_large_to_decode_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    # A PNG header claiming 10000 x 10000 pixels; its pixels are never decoded.
    Image.new("1", (10_000, 10_000)).save(path, "PNG")
    with pytest.raises(MediaError) as raised:
        sniff.detect(path)
    assert raised.value.reason == "too_many_pixels"


@pytest.mark.parametrize(
    ("original", "stem"),
    [
        ("Ảnh Bluezone (mới).PNG", "anh-bluezone-moi"),
        ("Đường đi.jpg", "duong-di"),
        ("Khẩu trang điện tử.webp", "khau-trang-dien-tu"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\Lan\\Desktop\\áp phích.jpg", "ap-phich"),
        (".htaccess", "htaccess"),
        ("...", "media"),
        ("", "media"),
        ("ảnh", "anh"),
        ("video.final.v2.mp4", "video-final-v2"),
        ("日本語.png", "media"),
        ("a" * 80 + ".png", "a" * 60),
        ("x-" + "b" * 57 + "-c.png", "x-" + "b" * 57),
        ("nul\0byte.png", "nul-byte"),
        ("\uff46\uff55\uff4c\uff4c.png", "full"),
    ],
)
def test_safe_stem(original: str, stem: str) -> None:
    assert library.safe_stem(original) == stem


def stored(tmp_path: Path, data: bytes, name: str, limits: Limits | None = None) -> str:
    return library.store(io.BytesIO(data), name, tmp_path / "media", limits or Limits())


def test_store_names_by_content_and_never_overwrites(tmp_path: Path) -> None:
    png = picture("PNG")
    assert stored(tmp_path, png, "Áp phích.mp4") == "ap-phich.png"
    assert stored(tmp_path, picture("JPEG"), "Áp phích.jpg") == "ap-phich.jpg"
    assert stored(tmp_path, picture("PNG", (10, 10)), "áp phích.png") == "ap-phich-2.png"
    assert stored(tmp_path, mp4(), "clip.mp4") == "clip.mp4"
    files = sorted(p.name for p in (tmp_path / "media").iterdir())
    assert files == ["ap-phich-2.png", "ap-phich.jpg", "ap-phich.png", "clip.mp4"]
    assert (tmp_path / "media" / "ap-phich.png").read_bytes() == png


def test_store_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr("bluezone.files.os.link", no_links)
    assert stored(tmp_path, picture("PNG"), "a.png") == "a.png"
    assert stored(tmp_path, picture("GIF", mode="P"), "a.png") == "a.gif"
    assert stored(tmp_path, picture("PNG", (5, 5)), "a.png") == "a-2.png"
    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == ["a-2.png", "a.gif", "a.png"]
    assert (tmp_path / "media" / "a.png").read_bytes() == picture("PNG")


def test_store_where_nothing_can_be_written(tmp_path: Path) -> None:
    (tmp_path / "media").write_text("a file where the folder should be")
    with pytest.raises(MediaError) as raised:
        stored(tmp_path, picture("PNG"), "a.png")
    assert raised.value.reason == "not_saved"
    assert raised.value.details["cause"]


@pytest.mark.parametrize(
    ("data", "limits", "reason"),
    [
        (picture("PNG", (300, 300)), Limits(image=500, video=10_000), "too_large"),
        (mp4() + b"\0" * 2000, Limits(image=10_000, video=1000), "too_large"),
        (b"\0" * 20_000, Limits(image=1000, video=10_000), "too_large"),
        (b"plain text", Limits(), "unsupported"),
    ],
)
def test_refused_upload_leaves_nothing(
    tmp_path: Path, data: bytes, limits: Limits, reason: str
) -> None:
    with pytest.raises(MediaError) as raised:
        stored(tmp_path, data, "x.png", limits)
    assert raised.value.reason == reason
    assert list((tmp_path / "media").iterdir()) == []


PLAYLIST = """\
name: Sảnh
items:
  - image:
      file: {image}
      caption:
        vi: Ảnh
    duration: 5
  - video:
      file: clips/intro.mp4
    duration: 5
  - text:
      vi:
        title: "file: not-media.png"
    duration: 5
"""


def library_dir(tmp_path: Path) -> Path:
    playlists = tmp_path / "playlists"
    (playlists / "media" / "clips").mkdir(parents=True)
    (playlists / "media" / "poster.png").write_bytes(picture("PNG"))
    (playlists / "media" / "spare.jpg").write_bytes(picture("JPEG"))
    (playlists / "media" / "not-media.png").write_bytes(picture("PNG"))
    (playlists / "media" / "clips" / "intro.mp4").write_bytes(mp4())
    (playlists / "media" / ".upload-1234.tmp").write_bytes(b"partial")
    (playlists / "media" / "readme.txt").write_text("not media")
    (playlists / "screens.yaml").write_text("image:\n  file: spare.jpg\n")
    (playlists / "lobby.yaml").write_text(PLAYLIST.format(image="poster.png"))
    (playlists / "gate.yaml").write_text(PLAYLIST.format(image="poster.png"))
    return playlists


def test_library_lists_media_with_the_playlists_using_them(tmp_path: Path) -> None:
    playlists = library_dir(tmp_path)
    files = {f.name: f for f in library.library(playlists)}
    assert sorted(files) == ["clips/intro.mp4", "not-media.png", "poster.png", "spare.jpg"]
    assert files["poster.png"].used_by == ("gate", "lobby")
    assert files["clips/intro.mp4"].used_by == ("gate", "lobby")
    assert files["clips/intro.mp4"].kind == "video"
    assert files["spare.jpg"].used_by == ()
    assert files["not-media.png"].used_by == ()


def test_a_playlist_that_is_not_valid_yaml_keeps_the_names_it_mentions(tmp_path: Path) -> None:
    playlists = library_dir(tmp_path)
    (playlists / "broken.yaml").write_text("items:\n  - image:\n      file: spare.jpg\n   bad: [\n")
    assert library.usage(playlists, ["spare.jpg", "poster.png"])["spare.jpg"] == ("broken",)


def test_delete_refuses_a_file_in_use_and_names_the_playlists(tmp_path: Path) -> None:
    playlists = library_dir(tmp_path)
    with pytest.raises(MediaError) as raised:
        library.delete(playlists, "poster.png")
    assert raised.value.reason == "in_use"
    assert raised.value.details["playlists"] == "gate, lobby"
    assert (playlists / "media" / "poster.png").is_file()
    library.delete(playlists, "spare.jpg")
    assert not (playlists / "media" / "spare.jpg").exists()


@pytest.mark.parametrize(
    "name",
    [
        "../screens.yaml",
        "/etc/passwd",
        "missing.png",
        ".upload-1234.tmp",
        "readme.txt",
        "clips",
        "clips\\intro.mp4",
        "",
    ],
)
def test_delete_refuses_anything_but_a_library_file(tmp_path: Path, name: str) -> None:
    playlists = library_dir(tmp_path)
    with pytest.raises(MediaError) as raised:
        library.delete(playlists, name)
    assert raised.value.reason == "missing"
    assert (playlists / "screens.yaml").is_file()


def ffmpeg_video(tmp_path: Path, ffmpeg: str, codec: str, suffix: str) -> Path:
    path = tmp_path / f"clip{suffix}"
    subprocess.run(
        [
            *(ffmpeg, "-v", "error", "-f", "lavfi"),
            *("-i", "testsrc=duration=2:size=640x360:rate=10"),
            *("-pix_fmt", "yuv420p", "-c:v", codec, "-y", str(path)),
        ],
        check=True,
        timeout=60,
    )
    return path


def test_picture_thumbnail(tmp_path: Path) -> None:
    source = tmp_path / "wide.png"
    Image.new("RGBA", (1600, 400), (255, 0, 0, 128)).save(source)
    target = tmp_path / "thumbs" / "wide.jpg"
    assert thumbnails.thumbnail(source, "image", target, None)
    with Image.open(target) as made:
        assert made.format == "JPEG"
        assert made.size == (320, 80)


def test_no_thumbnail_for_svg_or_damaged_picture(tmp_path: Path) -> None:
    svg = tmp_path / "logo.svg"
    svg.write_bytes(SVG)
    damaged = tmp_path / "half.png"
    damaged.write_bytes(picture("PNG", (200, 200))[:300])
    for source in (svg, damaged):
        target = tmp_path / f"{source.name}.jpg"
        assert not thumbnails.thumbnail(source, "image", target, None)
        assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(("codec", "suffix"), [("libx264", ".mp4"), ("libvpx", ".webm")])
def test_video_poster_frame(tmp_path: Path, codec: str, suffix: str) -> None:
    ffmpeg = require_tool("ffmpeg")
    source = ffmpeg_video(tmp_path, ffmpeg, codec, suffix)
    assert sniff.detect(source).kind == "video"
    target = tmp_path / "poster.jpg"
    assert thumbnails.thumbnail(source, "video", target, ffmpeg)
    with Image.open(target) as made:
        assert made.size == (320, 180)


def test_video_without_ffmpeg_has_no_thumbnail(tmp_path: Path) -> None:
    source = tmp_path / "clip.mp4"
    source.write_bytes(mp4())
    assert not thumbnails.thumbnail(source, "video", tmp_path / "poster.jpg", None)
