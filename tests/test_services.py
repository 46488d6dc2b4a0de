"""The app's parts are found through the typed accessors declared in `portal.services` and
`signage.services` (`bluezone.parts.Part`): no other module reads or writes `app.extensions`
by string key, so a part has one name and one type, and renaming one is a change to one line."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT

ACCESSORS = {Path("bluezone/parts.py")}
# Any use of a Flask app's extension registry: subscript, .get, .setdefault, .pop and so on.
LOOKUP = re.compile(r"\bextensions\s*(\[|\.\s*\w+\s*\()")


def lookups(root: Path, packages: tuple[str, ...]) -> list[str]:
    """`file:line: text` of each use of `extensions` outside the accessor modules."""
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if relative in ACCESSORS:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if LOOKUP.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_only_the_accessor_modules_touch_app_extensions() -> None:
    assert lookups(ROOT, ("bluezone", "portal", "signage", "bench")) == []


def test_the_accessor_modules_are_where_the_keys_are() -> None:
    for accessor in ACCESSORS:
        assert LOOKUP.search((ROOT / accessor).read_text(encoding="utf-8"))


def test_a_lookup_elsewhere_is_found(tmp_path: Path) -> None:
    (tmp_path / "signage" / "web").mkdir(parents=True)
    (tmp_path / "bluezone").mkdir()
    (tmp_path / "bluezone" / "parts.py").write_text('app.extensions["x"] = 1\n')
    (tmp_path / "signage" / "web" / "views.py").write_text(
        'x = 1\nhub = current_app.extensions["signage"]\nsockets = app.extensions.get("y")\n'
    )
    assert lookups(tmp_path, ("bluezone", "signage")) == [
        'signage/web/views.py:2: hub = current_app.extensions["signage"]',
        'signage/web/views.py:3: sockets = app.extensions.get("y")',
    ]
