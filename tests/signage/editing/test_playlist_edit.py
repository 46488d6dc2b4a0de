"""Form edits of playlist files: what the form did not touch keeps its spelling and comments,
and a problem found in the result lands on the field that produced it."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from signage.catalog import loader as catalog
from signage.editing import yamledit
from signage.editing.yamledit import ItemForm, PlaylistForm
from tests.conftest import ROOT

SHIPPED = sorted(p for p in (ROOT / "playlists").glob("*.yaml") if p.name != "screens.yaml")

HAND_EDITED = """\
# Kept: a comment at the top.
name: Sảnh chờ   # and one after a value

items:
  # Above the first item.
  - text:
      vi:
        title: Một
        body: >-
          Một đoạn văn dài được gấp thành nhiều dòng trong tệp, và phải giữ nguyên
          như vậy khi không ai sửa nó.
      en: {title: One}
    duration: 10  # seconds

  - ticker:
      vi: "Dòng chữ chạy"
    duration: 8
    schedule:
      weekdays: [mon, fri]
      times: ['20:00-24:00']
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_an_unchanged_form_writes_the_file_back_byte_for_byte(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert yamledit.apply_form(text, yamledit.form_items(text)) == text


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("text-vi-title", "Một (mới)", ["-        title: Một", "+        title: Một (mới)"]),
        ("duration", "12", ["-    duration: 10  # seconds", "+    duration: 12  # seconds"]),
        (
            "text-en-title",
            "One, again",
            ["-      en: {title: One}", "+      en: {title: 'One, again'}"],
        ),
    ],
)
def test_an_edit_changes_only_its_line(field: str, value: str, expected: list[str]) -> None:
    form = yamledit.form_items(HAND_EDITED)
    first = form.items[0]
    edited = ItemForm(first.kind, first.origin, {**first.values, field: value})
    after = yamledit.apply_form(HAND_EDITED, PlaylistForm(form.name, (edited, *form.items[1:])))
    assert changed_lines(HAND_EDITED, after) == expected


def test_comments_survive_reordering_and_removal() -> None:
    form = yamledit.form_items(HAND_EDITED)
    after = yamledit.apply_form(HAND_EDITED, PlaylistForm(form.name, form.items[::-1]))
    for comment in ("# Kept: a comment at the top.", "# and one after a value", "# seconds"):
        assert comment in after
    assert after.index("ticker:") < after.index("text:")
    removed = yamledit.apply_form(HAND_EDITED, PlaylistForm(form.name, form.items[:1]))
    assert "ticker" not in removed and "# Above the first item." in removed


def test_a_midnight_end_round_trips_through_the_time_picker() -> None:
    ticker = yamledit.form_items(HAND_EDITED).items[1]
    assert ticker.many("schedule-times-end") == ("00:00",)
    assert ticker.many("schedule-weekdays") == ("mon", "fri")


def test_the_form_as_posted() -> None:
    posted = {
        "name": ["Cửa ra"],
        "items-1-kind": ["ticker"],
        "items-1-origin": [""],
        "items-1-ticker-vi": ["Cha\u0300o quý khách"],
        "items-1-duration": ["7.5"],
        "items-0-kind": ["clock"],
        "items-0-origin": [""],
        "items-0-duration": ["6"],
        "items-0-schedule-weekdays": ["sat", "mon"],
        "items-0-schedule-times-start": ["07:00", ""],
        "items-0-schedule-times-end": ["11:30", ""],
        "items-0-schedule-from": ["2026-12-01"],
        "items-2-kind": ["bogus"],
    }
    form = yamledit.read_form(posted)
    assert [item.kind for item in form.items] == ["clock", "ticker"]
    text = yamledit.apply_form("", form)
    assert text == (
        "name: Cửa ra\n"
        "items:\n"
        "  - clock:\n"
        "    duration: 6\n"
        "    schedule:\n"
        "      from: 2026-12-01\n"
        "      weekdays: [mon, sat]\n"
        '      times: ["07:00-11:30"]\n'
        "  - ticker:\n"
        "      vi: Chào quý khách\n"  # typed with a combining accent, stored in NFC
        "    duration: 7.5\n"
    )


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        (
            ItemForm("text", None, {"text-vi-title": "A", "duration": "abc"}),
            "items-0-duration",
            "number",
        ),
        (
            ItemForm("text", None, {"text-en-title": "A", "duration": "5"}),
            "items-0-text",
            "Vietnamese",
        ),
        (
            ItemForm(
                "text",
                None,
                {
                    "text-vi-title": "A",
                    "duration": "5",
                    "schedule-times-start": ("07:00",),
                    "schedule-times-end": ("07:00",),
                },
            ),
            "items-0-schedule-times",
            "no length",
        ),
        (
            ItemForm("image", None, {"image-file": "missing.png", "duration": "5"}),
            "items-0-image-file",
            "does not exist",
        ),
        (ItemForm("text", None, {"text-vi-title": "A"}), "items-0", "no 'duration'"),
        (
            ItemForm("include", None, {"include": "nowhere"}),
            "items-0-include",
            "no playlist 'nowhere'",
        ),
    ],
)
def test_problems_land_on_their_field(
    tmp_path: Path, item: ItemForm, field: str, message: str
) -> None:
    (tmp_path / "media").mkdir()
    text = yamledit.apply_form("", PlaylistForm("Thử", (item,)))
    (tmp_path / "draft.yaml").write_text(text, encoding="utf-8")
    problems = [p for p in catalog.load_catalog(tmp_path).problems if p.file == "draft.yaml"]
    assert problems, text
    where = yamledit.positions(text)
    fields = yamledit.field_names(PlaylistForm("Thử", (item,)), ("vi", "en"))
    found = {yamledit.field_for(p.line, p.column, where, fields): p.message for p in problems}
    assert field in found and message in found[field], (found, text)


def test_a_file_the_form_cannot_show() -> None:
    with pytest.raises(yamledit.EditError):
        yamledit.form_items("items: [\n")
    with pytest.raises(yamledit.EditError):
        yamledit.form_items("items: 3\n")


GAPS = """\
items:
  - text: {vi: {title: A}}
    duration: 10  # seconds

  # about B
  - text: {vi: {title: B}}
    duration: 5
    schedule:
      times: ["20:00-24:00"]  # evening

  # about C
  - ticker:
      vi: C
    duration: 8
# the end
"""


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ([0, 1, 2], GAPS),
        (
            [1, 0, 2],
            "items:\n"
            "  - text: {vi: {title: B}}\n    duration: 5\n    schedule:\n"
            '      times: ["20:00-24:00"]  # evening\n\n'
            "  # about B\n"  # above the first item there is no place: it goes above the second
            "  - text: {vi: {title: A}}\n    duration: 10  # seconds\n\n"
            "  # about C\n  - ticker:\n      vi: C\n    duration: 8\n# the end\n",
        ),
        (
            [0, 2, 1],
            "items:\n"
            "  - text: {vi: {title: A}}\n    duration: 10  # seconds\n\n"
            "  # about C\n  - ticker:\n      vi: C\n    duration: 8\n\n"
            "  # about B\n  - text: {vi: {title: B}}\n    duration: 5\n    schedule:\n"
            '      times: ["20:00-24:00"]  # evening\n# the end\n',
        ),
        (
            [0, 2, None],
            "items:\n"
            "  - text: {vi: {title: A}}\n    duration: 10  # seconds\n\n"
            "  # about C\n  - ticker:\n      vi: C\n    duration: 8\n\n"
            "  - clock:\n    duration: 6\n# the end\n",
        ),
    ],
)
def test_the_lines_above_an_item_move_with_it(order: list[int | None], expected: str) -> None:
    form = yamledit.form_items(GAPS)
    items = tuple(
        form.items[index] if index is not None else ItemForm("clock", None, {"duration": "6"})
        for index in order
    )
    assert yamledit.apply_form(GAPS, PlaylistForm(form.name, items)) == expected
