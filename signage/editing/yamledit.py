"""Editing a playlist file from the console's form without disturbing what the form did not touch.

The file is read with ruamel.yaml in round-trip mode, so comments, blank lines, quoting, flow
lists and folded text survive. `form_items` turns a file into the values the form shows;
`apply_form` writes the form's values back into the same tree: a value the operator did not
change keeps its original spelling, a key the form does not know stays, and only what changed
is written anew. `field_for` places a problem found on a line of the result on the form field
that produced it. The form's field names mirror the YAML path joined by '-', such as
`items-0-text-vi-title` for `items[0].text.vi.title`. This module does not import Flask.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
)
from ruamel.yaml.tokens import CommentToken

from signage.catalog import grammar, yamlsource
from signage.catalog.playlist import LANGUAGES
from signage.catalog.problem import Term, term
from signage.catalog.schedule import WEEKDAYS

KINDS = (*grammar.KINDS, grammar.INCLUDE)
# Every key the playlist format knows (see `signage.catalog.grammar`): one the form leaves
# empty is removed, any other key in a hand-edited file is kept for the validator to judge.
KNOWN_KEYS = grammar.known_keys() | frozenset(LANGUAGES)
# Text longer than this is written folded ('>-') over several lines.
FOLD_WIDTH = 80
_ITEM_FIELD = re.compile(r"^items-(\d+)-(.+)$")
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 0), (4, 6, 4), (2, 4, 0))


class EditError(ValueError):
    """The file cannot be shown in the form (not YAML, or not shaped like a playlist).

    `why` says so by code and parameters (see `signage.catalog.messages`); `str(error)` is
    its English wording, and the console renders `why` in the operator's language.
    """

    def __init__(self, why: Term) -> None:
        super().__init__(why.render())
        self.why = why


@dataclass(frozen=True)
class ItemForm:
    """One item as the form holds it.

    `origin` is the item's index in the file the form was opened from (None for a new item);
    `values` maps the field name without its `items-N-` prefix (such as `text-vi-title`,
    `duration`, `schedule-weekdays`) to its text, or to a tuple for fields with several values
    (`schedule-weekdays`, `schedule-times-start`, `schedule-times-end`).
    """

    kind: str
    origin: int | None = None
    values: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)

    def get(self, name: str) -> str:
        value = self.values.get(name, "")
        return value if isinstance(value, str) else ""

    def many(self, name: str) -> tuple[str, ...]:
        value = self.values.get(name, ())
        return (value,) if isinstance(value, str) else value


@dataclass(frozen=True)
class PlaylistForm:
    """The whole form: the playlist's name and its items in order."""

    name: str
    items: tuple[ItemForm, ...]


def _yaml(text: str = "") -> YAML:
    """A round-trip reader/writer set to the indentation `text` is written with."""
    yaml = YAML()
    yaml.width = 4096
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    if text and yamlsource.check_bounds(text, "") is None:
        for mapping, sequence, offset in _INDENTS:
            candidate = YAML()
            candidate.width = 4096
            candidate.preserve_quotes = True
            candidate.indent(mapping=mapping, sequence=sequence, offset=offset)
            try:
                if _dump(candidate, candidate.load(text)) == text:
                    return candidate
            except YAMLError:
                break
    return yaml


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def load(text: str) -> CommentedMap:
    """The round-trip tree of a playlist file; raises `EditError` when it is not one, or
    when `yamlsource.check_bounds` refuses it (too large, too deep, an alias bomb)."""
    refused = yamlsource.check_bounds(text, "")
    if refused is not None:
        raise EditError(Term(refused.code, refused.params))
    try:
        data = _yaml().load(text) if text.strip() else CommentedMap()
    except YAMLError as error:
        raise EditError(term("form.not-yaml", detail=str(error))) from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise EditError(term("form.not-block"))
    items = data.get("items")
    if items is not None and not isinstance(items, CommentedSeq):
        raise EditError(term("form.items-not-list"))
    for item in items or ():
        if not isinstance(item, CommentedMap):
            raise EditError(term("form.item-not-block"))
    return data


def form_items(text: str) -> PlaylistForm:
    """What the form shows for the file `text`; raises `EditError` when it cannot."""
    data = load(text)
    items = []
    for index, item in enumerate(data.get("items") or ()):
        kind = next((key for key in item if key in KINDS), "")
        if not kind:
            raise EditError(term("form.item-no-kind", number=index + 1))
        values: dict[str, str | tuple[str, ...]] = {}
        for key, value in item.items():
            if key == kind:
                _flatten(kind, value, values)
            elif key == "schedule" and isinstance(value, Mapping):
                for part, part_value in value.items():
                    if part == "weekdays" and isinstance(part_value, list):
                        values["schedule-weekdays"] = tuple(str(day) for day in part_value)
                    elif part == "times" and isinstance(part_value, list):
                        windows = [str(w).partition("-") for w in part_value]
                        values["schedule-times-start"] = tuple(w[0].strip() for w in windows)
                        # A time picker has no 24:00; midnight as an end is the same moment.
                        values["schedule-times-end"] = tuple(
                            "00:00" if w[2].strip() == "24:00" else w[2].strip() for w in windows
                        )
                    else:
                        values[f"schedule-{part}"] = _as_text(part_value)
            elif key in ("duration", "priority"):
                values[key] = _as_text(value)
        items.append(ItemForm(kind, index, values))
    name = data.get("name")
    return PlaylistForm(_as_text(name) if name is not None else "", tuple(items))


def _flatten(prefix: str, value: Any, values: dict[str, str | tuple[str, ...]]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(f"{prefix}-{key}", inner, values)
    elif value is not None:
        values[prefix] = _as_text(value)


def _as_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_form(fields: Mapping[str, list[str]]) -> PlaylistForm:
    """The form as posted: `fields` maps each field name to its values, as a browser sends them."""
    indices: set[int] = set()
    for name in fields:
        match = _ITEM_FIELD.match(name)
        if match:
            indices.add(int(match.group(1)))
    items = []
    for index in sorted(indices):
        prefix = f"items-{index}-"
        values: dict[str, str | tuple[str, ...]] = {}
        for name, given in fields.items():
            if not name.startswith(prefix):
                continue
            key = name[len(prefix) :]
            if key in ("schedule-weekdays", "schedule-times-start", "schedule-times-end"):
                values[key] = tuple(given)
            else:
                values[key] = given[0] if given else ""
        kind = str(values.pop("kind", ""))
        origin_text = str(values.pop("origin", ""))
        if kind not in KINDS:
            continue
        origin = int(origin_text) if origin_text.isdigit() else None
        items.append(ItemForm(kind, origin, values))
    names = fields.get("name", [""])
    return PlaylistForm(names[0] if names else "", tuple(items))


def apply_form(text: str, form: PlaylistForm) -> str:
    """The file `text` with the form's values written into it (see the module docstring).

    Items keep their comments when they stay; the list follows the form's order, so an item
    that is gone from the form is removed and a new one (origin None) is added where it stands.
    """
    yaml = _yaml(text)
    data = load(text)
    name = _clean(form.name)
    if name:
        _put(data, "name", name)
    elif "name" in data:
        del data["name"]
    old = data.get("items")
    if not isinstance(old, CommentedSeq):
        old = CommentedSeq()
    new_items: list[CommentedMap] = []
    for item in form.items:
        original = None
        if item.origin is not None and 0 <= item.origin < len(old):
            original = old[item.origin]
        if original is None or item.kind not in original:
            original = CommentedMap()
        _merge(original, _desired(item))
        new_items.append(original)
    origins = [item.origin for item in form.items]
    if origins == list(range(len(old))):
        items = old
    else:
        items = CommentedSeq(new_items)
        items.ca.comment = old.ca.comment
        _move_gaps(old, new_items)
    data["items"] = items
    return _dump(yaml, data)


def _move_gaps(old: CommentedSeq, new_items: list[CommentedMap]) -> None:
    """Keep the blank lines and comments written above each item with that item.

    ruamel.yaml stores the lines between two items on the last value of the item before, so
    when items move, those lines would describe the wrong item. Each item's own end-of-line
    comment stays; the lines above an item go with it (above the first item, where the format
    has no place for them, they go above the second); new items get a blank line like the rest.
    """
    tails = [_tail(item) for item in old]
    above: dict[int, str] = {}
    for index in range(1, len(old)):
        above[index] = _split(_tail_text(tails[index - 1]))[1]
    end = _split(_tail_text(tails[-1]))[1] if old else ""
    blank = "\n" if any(gap.startswith("\n") for gap in above.values()) else ""
    where = {id(item): index for index, item in enumerate(old)}
    gaps = [above.get(where.get(id(item), -1), blank) for item in new_items]
    if len(gaps) > 1 and where.get(id(new_items[0])) != 0 and gaps[0].strip():
        gaps[1] = gaps[0] + gaps[1].lstrip("\n")
    for position, item in enumerate(new_items):
        tail = _tail(item)
        if tail is None:
            continue
        gap = gaps[position + 1] if position + 1 < len(new_items) else end
        _set_tail_text(tail, _split(_tail_text(tail))[0] + gap)


def _tail(node: Any) -> tuple[CommentedMap, Any] | None:
    """The mapping and key whose value is written last in `node` (where following lines live)."""
    while isinstance(node, CommentedMap) and len(node):
        key = list(node)[-1]
        value = node[key]
        block = isinstance(value, CommentedMap | CommentedSeq) and len(value) > 0
        if not block or value.fa.flow_style():
            return node, key
        if isinstance(value, CommentedSeq):
            return None  # a block list keeps such lines on its own items: left where they are
        node = value
    return None


def _tail_text(tail: tuple[CommentedMap, Any] | None) -> str:
    if tail is None:
        return "\n"
    slot = tail[0].ca.items.get(tail[1])
    token = slot[2] if slot and len(slot) > 2 else None
    return str(token.value) if token is not None else "\n"


def _set_tail_text(tail: tuple[CommentedMap, Any], text: str) -> None:
    node, key = tail
    slot = node.ca.items.setdefault(key, [None, None, None, None])
    if slot[2] is not None:
        slot[2].value = text
    elif text != "\n":
        slot[2] = CommentToken(text, CommentMark(0), None)


def _split(text: str) -> tuple[str, str]:
    """(the rest of the value's line, the lines after it)."""
    end = text.find("\n")
    return (text, "") if end < 0 else (text[: end + 1], text[end + 1 :])


def _desired(item: ItemForm) -> dict[str, Any]:
    """The YAML value of one item from its form values; empty fields are left out."""
    content: Any = None
    kind = item.kind
    if kind == "include":
        content = _clean(item.get("include"))
    elif kind == "video":
        content = _nested({"file": _clean(item.get(f"{kind}-file"))})
    else:
        spec = grammar.KINDS[kind]
        per_language = {key.name for key in spec.keys if key.per_language}
        whole = {key.name for key in spec.keys if key.type == "integer"}
        parts: dict[str, Any] = {}
        for name in item.values:
            if name.startswith(kind + "-"):
                path = name[len(kind) + 1 :]
                if spec.shape == "per-language" and spec.keys:
                    lang, _, part = path.rpartition("-")
                    path_parts = [lang, part]
                elif path.split("-", 1)[0] in per_language:
                    head, _, lang = path.partition("-")
                    path_parts = [head, lang]
                else:
                    path_parts = [path]
                value = item.get(name)
                cleaned = _clean(value, multiline=spec.multiline or kind == "sound")
                if cleaned and path_parts[0] in whole:
                    _set_path(parts, path_parts, _number(cleaned))
                elif cleaned:
                    _set_path(parts, path_parts, cleaned)
        content = _nested(parts)
    desired: dict[str, Any] = {kind: content}
    if kind == "include":
        return desired
    accepted = grammar.KINDS[kind].item_keys
    for key in ("duration", "priority"):
        if key in accepted:
            desired[key] = _number(item.get(key))
    schedule: dict[str, Any] = {
        "from": _date(item.get("schedule-from")),
        "until": _date(item.get("schedule-until")),
    }
    weekdays = [day for day in WEEKDAYS if day in item.many("schedule-weekdays")]
    weekdays += [day for day in item.many("schedule-weekdays") if day not in WEEKDAYS]
    schedule["weekdays"] = _flow(weekdays) if weekdays else None
    starts, ends = item.many("schedule-times-start"), item.many("schedule-times-end")
    windows = [
        DoubleQuotedScalarString(f"{start.strip()}-{_end_of_day(start, end)}")
        for start, end in zip(starts, ends, strict=False)
        if start.strip() or end.strip()
    ]
    schedule["times"] = _flow(windows) if windows else None
    desired["schedule"] = _nested(schedule)
    return desired


def _end_of_day(start: str, end: str) -> str:
    """A window that ends at midnight is written to end at 24:00, as the format's examples do."""
    return "24:00" if end.strip() == "00:00" and start.strip() not in ("00:00", "") else end.strip()


def _set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def _nested(values: dict[str, Any]) -> dict[str, Any] | None:
    kept = {key: value for key, value in values.items() if value not in (None, "", {})}
    return kept or None


def _flow(values: Iterable[Any]) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def _clean(value: str, multiline: bool = False) -> str:
    """Text as typed, in Unicode NFC, without surrounding blanks or Windows line ends."""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    return text if multiline else " ".join(text.split("\n")).strip()


def _number(text: str) -> int | float | str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _date(text: str) -> dt.date | str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


def _merge(target: CommentedMap, desired: Mapping[str, Any]) -> None:
    """Write `desired` into `target`, leaving equal values (and their spelling) alone."""
    for key, value in desired.items():
        if value is None and key in KINDS:
            # A kind with nothing under it ('clock:') is written as an empty value.
            if key not in target or target[key] is not None:
                target[key] = None
            continue
        if value is None:
            if key in target and key in KNOWN_KEYS:
                del target[key]
            continue
        current = target.get(key)
        if isinstance(value, dict) and not isinstance(value, CommentedSeq):
            if not isinstance(current, CommentedMap):
                current = CommentedMap()
                target[key] = current
            _merge(current, value)
            for stale in [k for k in current if k not in value and k in KNOWN_KEYS]:
                del current[stale]
            continue
        if key in target and _same(current, value):
            continue
        _put(target, key, value)


def _same(current: Any, value: Any) -> bool:
    if isinstance(current, bool) or isinstance(value, bool):
        return current is value
    if isinstance(current, list) and isinstance(value, list):
        return [str(x) for x in current] == [str(x) for x in value]
    return bool(current == value)


def _put(target: CommentedMap, key: str, value: Any) -> None:
    current = target.get(key)
    if isinstance(value, str) and not isinstance(value, DoubleQuotedScalarString):
        if "\n" in value:
            value = LiteralScalarString(value)
        elif isinstance(current, FoldedScalarString) or len(value) > FOLD_WIDTH:
            folded = FoldedScalarString(value)
            folded.fold_pos = _fold_positions(value)
            value = folded
    target[key] = value


def _fold_positions(text: str) -> list[int]:
    """Where to break a folded text: at spaces, lines at most `FOLD_WIDTH` characters long."""
    positions, start = [], 0
    while len(text) - start > FOLD_WIDTH:
        cut = text.rfind(" ", start, start + FOLD_WIDTH + 1)
        if cut <= start:
            break
        positions.append(cut)
        start = cut + 1
    return positions


def positions(text: str) -> dict[tuple[int, int], tuple[str | int, ...]]:
    """Map each (line, column) where a key, value or item starts (from 1) to its YAML path
    (empty for text `yamlsource.check_bounds` refuses)."""
    if yamlsource.check_bounds(text, "") is not None:
        return {}
    try:
        data = _yaml().load(text)
    except YAMLError:
        return {}
    found: dict[tuple[int, int], tuple[str | int, ...]] = {}
    _walk(data, (), found)
    return found


def _walk(node: Any, path: tuple[str | int, ...], found: dict[Any, tuple[str | int, ...]]) -> None:
    if isinstance(node, CommentedMap):
        # A block starts where its first key does; a problem there concerns the block.
        found[(node.lc.line + 1, node.lc.col + 1)] = path
        for key, value in node.items():
            key_at = node.lc.key(key)
            value_at = node.lc.value(key)
            found.setdefault((key_at[0] + 1, key_at[1] + 1), (*path, str(key)))
            found.setdefault((value_at[0] + 1, value_at[1] + 1), (*path, str(key)))
            _walk(value, (*path, str(key)), found)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            line, column = node.lc.item(index)
            found[(line + 1, column + 1)] = (*path, index)
            _walk(value, (*path, index), found)


def field_for(
    line: int,
    column: int,
    where: Mapping[tuple[int, int], tuple[str | int, ...]],
    fields: Iterable[str],
) -> str | None:
    """The form field a problem at `line`:`column` belongs to, or None for the whole form.

    The exact position is looked up first, else the nearest position before it. The field is
    the longest known name the YAML path starts with; an item's problem that matches no field
    belongs to the item (`items-N`).
    """
    path = where.get((line, column))
    if path is None:
        before = [at for at in where if at <= (line, column)]
        path = where[max(before)] if before else ()
    known = set(fields)
    names = [str(part) for part in path]
    for length in range(len(names), 0, -1):
        candidate = "-".join(names[:length])
        if candidate in known:
            return candidate
    if len(names) >= 2 and names[0] == "items":
        return f"items-{names[1]}"
    return "name" if names[:1] == ["name"] else None


def _content_fields(kind: grammar.Kind) -> tuple[str, ...]:
    """The form fields of a kind's content, `{lang}` standing for each language shown."""
    if kind.shape == "per-language":
        return ("{lang}", *(f"{{lang}}-{key.name}" for key in kind.keys))
    fields: list[str] = []
    for key in kind.keys:
        fields.append(key.name)
        if key.per_language:
            fields.append(f"{key.name}-{{lang}}")
    return tuple(fields)


# The fields each kind shows in the form, from the grammar.
CONTENT_FIELDS: Mapping[str, tuple[str, ...]] = {
    name: _content_fields(kind) for name, kind in grammar.KINDS.items()
}
ITEM_FIELDS = (
    "duration",
    "priority",
    "schedule",
    "schedule-from",
    "schedule-until",
    "schedule-weekdays",
    "schedule-times",
)


def item_languages(item: ItemForm, languages: Iterable[str]) -> tuple[str, ...]:
    """The languages the form shows for `item`: those given, then any other it already has."""
    shown = list(languages)
    for name in item.values:
        for lang in LANGUAGES:
            if lang not in shown and (name.endswith(f"-{lang}") or f"-{lang}-" in name):
                shown.append(lang)
    return tuple(shown)


def field_names(form: PlaylistForm, languages: Iterable[str]) -> set[str]:
    """Every field (and group of fields) the form shows, as `field_for` places problems on."""
    names = {"name"}
    wanted = tuple(languages)
    for index, item in enumerate(form.items):
        prefix = f"items-{index}"
        names.add(prefix)
        if item.kind == "include":
            names.add(f"{prefix}-include")
            continue
        names.update(f"{prefix}-{name}" for name in ITEM_FIELDS)
        names.add(f"{prefix}-{item.kind}")
        for pattern in CONTENT_FIELDS.get(item.kind, ()):
            for lang in item_languages(item, wanted):
                names.add(f"{prefix}-{item.kind}-" + pattern.format(lang=lang))
    return names
