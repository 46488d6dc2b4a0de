"""Changes to `screens.yaml` made from the console: register a screen, set a screen's groups.

The file is hand-edited, so it is edited round-trip with ruamel.yaml: comments, key order,
blank lines, quoting and flow lists stay as they were wherever the change does not touch them.
Before anything is written the new text is checked with the same rules as
`bluezone-signage check` (`validate.read_screens` and `validate.check_groups`); a text with any
problem is never written. Writing is atomic (a hidden temporary file in the same directory,
flushed, then renamed over the old one), so the watcher sees the old file or the new one,
never half of it, and picks the change up like a hand edit. Concurrent console writes are
serialised by a lock file. This module does not import Flask.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from bluezone import files
from signage.catalog import validate, yamlsource
from signage.catalog.directory import SCREENS_FILE, playlist_files
from signage.catalog.problem import Problem


class ScreensFileError(ValueError):
    """A change was refused. `code` is a stable reason the console translates, `field` the
    form field it concerns ("" for the file as a whole), `problems` what `check` found."""

    def __init__(
        self, code: str, field: str, message: str, problems: Sequence[Problem] = ()
    ) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.problems = tuple(problems)


@dataclass(frozen=True)
class NewScreen:
    """A screen to declare: the fields of one entry of `screens:`."""

    id: str
    name: str
    groups: tuple[str, ...]
    location: str = ""
    languages: tuple[str, ...] = ("vi", "en")
    orientation: str = "landscape"


def register(directory: Path, screen: NewScreen) -> None:
    """Append `screen` to the `screens:` list of `directory/screens.yaml`.

    Raises `ScreensFileError` with code `id` (not a valid id), `id-taken`, `name`, `groups`,
    `orientation`, `languages`, or `file` when the resulting file would not pass `check`.
    """
    _check_fields(screen)
    with _locked(directory):
        path = directory / SCREENS_FILE
        data, yaml = _load(path)
        screens = _screens_list(data)
        if any(isinstance(e, dict) and e.get("id") == screen.id for e in screens):
            raise ScreensFileError("id-taken", "id", f"screen id {screen.id!r} is already used")
        entry = CommentedMap()
        entry["id"] = screen.id
        entry["name"] = screen.name
        if screen.location:
            entry["location"] = screen.location
        entry["groups"] = _flow(screen.groups)
        entry["languages"] = _flow(screen.languages)
        entry["orientation"] = screen.orientation
        screens.append(entry)
        _write(directory, path, yaml, data)


def set_groups(directory: Path, screen_id: str, groups: Sequence[str]) -> None:
    """Replace the `groups:` of the declared screen `screen_id` (order kept: first one plays).

    Raises `ScreensFileError` with code `not-found`, `groups` or `file`.
    """
    if not groups:
        raise ScreensFileError("groups", "groups", "choose at least one group")
    with _locked(directory):
        path = directory / SCREENS_FILE
        data, yaml = _load(path)
        for entry in _screens_list(data):
            if isinstance(entry, dict) and entry.get("id") == screen_id:
                old = entry.get("groups")
                flow = not isinstance(old, CommentedSeq) or old.fa.flow_style()
                entry["groups"] = _flow(groups) if flow else CommentedSeq(groups)
                break
        else:
            raise ScreensFileError("not-found", "", f"no screen {screen_id!r} in {SCREENS_FILE}")
        _write(directory, path, yaml, data)


def _check_fields(screen: NewScreen) -> None:
    if not validate.IDENTIFIER.match(screen.id):
        raise ScreensFileError(
            "id", "id", "the id must be lowercase letters a-z, digits and '-' (64 at most)"
        )
    if not screen.name.strip():
        raise ScreensFileError("name", "name", "give the screen a name")
    if not screen.groups:
        raise ScreensFileError("groups", "groups", "choose at least one group")
    if screen.orientation not in validate.ORIENTATIONS:
        raise ScreensFileError("orientation", "orientation", "choose landscape or portrait")
    if "vi" not in screen.languages:
        raise ScreensFileError("languages", "languages", "every screen shows Vietnamese (vi)")


def _flow(values: Sequence[str]) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def _load(path: Path) -> tuple[Any, YAML]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScreensFileError("file", "", f"{path}: cannot be read: {exc.strerror}") from None
    refused = yamlsource.check_bounds(text, SCREENS_FILE)
    if refused is not None:
        raise ScreensFileError("file", "", str(refused), [refused])
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    try:
        _, sequence, offset = load_yaml_guess_indent(text)
        data = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = Problem.of(
            SCREENS_FILE, line, 1, "screens-not-yaml", detail=str(getattr(exc, "problem", exc))
        )
        raise ScreensFileError("file", "", str(problem), [problem]) from None
    # The guess gives the indent of list items and the offset of their dash; mappings are
    # indented like the text after the dash ("  - id:" is sequence 4, offset 2, mapping 2).
    sequence, offset = sequence or 2, offset or 0
    yaml.indent(mapping=max(2, sequence - offset), sequence=sequence, offset=offset)
    return data, yaml


def _screens_list(data: Any) -> CommentedSeq:
    screens = data.get("screens") if isinstance(data, dict) else None
    if not isinstance(screens, CommentedSeq):
        raise ScreensFileError("file", "", f"{SCREENS_FILE} has no 'screens:' list to change")
    return screens


def _write(directory: Path, path: Path, yaml: YAML, data: Any) -> None:
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()
    problems = check_text(directory, text)
    if problems:
        raise ScreensFileError("file", "", "; ".join(map(str, problems)), problems)
    try:
        # The new file keeps the permissions the hand-edited one had.
        files.write_whole(path, text)
    except OSError as exc:
        problem = Problem.of(SCREENS_FILE, 1, 1, "screens-unsaved", why=str(exc.strerror or exc))
        raise ScreensFileError("file", "", str(problem), [problem]) from None


def check_text(directory: Path, text: str) -> list[Problem]:
    """The problems `bluezone-signage check` would report for `text` as the screens file of
    `directory` (whose playlist files are the ones groups may name)."""
    parsed = yamlsource.parse(text, SCREENS_FILE)
    if parsed.problems:
        return list(parsed.problems)
    document, problems = validate.read_screens(parsed.root, SCREENS_FILE)
    if document is None:
        return problems
    named = {path.stem for path in playlist_files(directory)}
    return validate.check_groups(document, SCREENS_FILE, named)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with ExitStack() as stack:
        try:
            stack.enter_context(files.locked(directory / f".{SCREENS_FILE}.lock"))
        except OSError as exc:
            problem = Problem.of(
                SCREENS_FILE, 1, 1, "screens-unchangeable", why=str(exc.strerror or exc)
            )
            raise ScreensFileError("file", "", str(problem), [problem]) from None
        yield
