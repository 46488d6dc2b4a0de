"""YAML text read into nodes that remember the line and column where each value was written.

`parse` never raises on bad input: it returns the root node (or None) together with the
problems found. It reads one document with PyYAML's SafeLoader, composes the node graph and
walks it, so every value keeps its position and a key written twice in one mapping is a problem
instead of silently replacing the first.

`check_bounds` is the gate every reader of a playlist or screens file passes first (this
module's `parse`, the media usage scan, the round-trip editors): it refuses, in time linear in
the size of the text, a file that is too large, nested too deeply or whose aliases expand to
too many values, before any reader builds a tree from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import yaml

from signage.catalog.problem import Problem

ScalarValue = str | int | float | bool | dt.date | None

# Aliases can expand a small file into an enormous tree ("billion laughs"). A province's
# screens file can list thousands of screens (about ten values each), so the bound sits well
# above that and far below what an alias bomb expands to.
MAX_NODES = 500_000

# The same 5,000-screen file is about 1.5 MB; a playlist is a few kilobytes. Above this the
# text is refused before it is parsed, so reading it cannot hold the server for long.
MAX_BYTES = 4 * 1024 * 1024

# The deepest valid file (a scheduled item's text in one language) nests six blocks. The
# readers build trees recursively, so nesting is bounded far below Python's recursion limit,
# counted as the blocks expand through aliases.
MAX_DEPTH = 40


_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


@dataclass(frozen=True)
class Scalar:
    """A single value. `text` is the value as written (without quotes), `value` as YAML reads it."""

    value: ScalarValue
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class Sequence:
    """A list of nodes."""

    items: tuple[Node, ...]
    line: int
    column: int


@dataclass(frozen=True)
class Mapping:
    """Key-value pairs in the order written; keys are unique (duplicates are reported)."""

    entries: tuple[tuple[Scalar, Node], ...]
    line: int
    column: int

    def get(self, key: str) -> Node | None:
        """The value written for `key`, or None when the key is absent."""
        for name, value in self.entries:
            if name.text == key:
                return value
        return None


Node = Scalar | Sequence | Mapping


@dataclass(frozen=True)
class Parsed:
    """The root node of a file (None when the file is empty or unreadable) and its problems."""

    root: Node | None
    problems: tuple[Problem, ...]


# libyaml reads a 5,000-screen file about ten times faster than the pure-Python reader, with
# the same positions; its error messages are terser, so a file it refuses is read again by the
# Python reader for the message operators see.
_FAST_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)


def check_bounds(text: str, file: str) -> Problem | None:
    """The problem that makes `text` too costly to read as YAML, or None when it is not.

    Refused: more than `MAX_BYTES` as UTF-8, blocks nested (aliases expanded) deeper than
    `MAX_DEPTH`, more than `MAX_NODES` values once aliases are expanded, or an alias inside
    the block it names. The check reads the event stream once, without building a tree or
    expanding an alias, so it costs time linear in the text. Text that is not valid YAML
    passes: the reader reports it with its position.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return Problem(
            file,
            1,
            1,
            "too-many-bytes",
            (("size", f"{size:,}"), ("limit", f"{MAX_BYTES:,}")),
        )
    # libyaml reads ahead and may stop at a syntax error before it has handed out the events
    # that show the nesting; the Python reader hands them out one by one, so it gets the last
    # word on text libyaml refuses.
    for loader_class in (_FAST_LOADER, yaml.SafeLoader):
        if loader_class is None:
            continue
        loader = loader_class(text)
        try:
            return _scan_events(loader, file)
        except yaml.YAMLError:
            continue
        finally:
            loader.dispose()
    return None


@dataclass
class _Open:
    """A block being read: its anchor, where it starts, its values and depth once expanded."""

    anchor: str | None
    at: tuple[int, int]
    values: int = 1
    depth: int = 1


def _scan_events(loader: yaml.SafeLoader, file: str) -> Problem | None:
    # For each anchor: how many values and how many levels it stands for, so an alias adds
    # that much without being expanded.
    anchored: dict[str, tuple[int, int]] = {}
    stack: list[_Open] = []
    expanded = 0

    def problem(at: tuple[int, int], code: str, /, **params: str | int) -> Problem:
        return Problem.of(file, at[0], at[1], code, **params)

    def add(values: int, depth: int) -> None:
        if stack:
            stack[-1].values += values
            stack[-1].depth = max(stack[-1].depth, depth + 1)

    while loader.check_event():
        event = loader.get_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        at = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        if isinstance(event, yaml.CollectionStartEvent):
            expanded += 1
            stack.append(_Open(event.anchor, at))
        elif isinstance(event, yaml.CollectionEndEvent):
            block = stack.pop()
            if block.anchor is not None:
                anchored[block.anchor] = (block.values, block.depth)
            add(block.values, block.depth)
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor is not None:
                anchored[event.anchor] = (1, 0)
            add(1, 0)
        elif isinstance(event, yaml.AliasEvent):
            for block in stack:
                if block.anchor == event.anchor:
                    return problem(block.at, "self-alias")
            values, depth = anchored.get(event.anchor or "", (1, 0))
            expanded += values
            add(values, depth)
            if len(stack) + depth > MAX_DEPTH:
                return problem(at, "too-deep", limit=MAX_DEPTH)
        else:
            continue
        if len(stack) > MAX_DEPTH:
            return problem(at, "too-deep", limit=MAX_DEPTH)
        if expanded > MAX_NODES:
            return problem(at, "too-many-values", limit=MAX_NODES)
    return None


def parse(text: str, file: str) -> Parsed:
    """Read one YAML document from `text`; positions and problems name `file`.

    Text that `check_bounds` refuses is not parsed: its one problem is returned.
    """
    refused = check_bounds(text, file)
    if refused is not None:
        return Parsed(None, (refused,))
    if _FAST_LOADER is not None:
        parsed = _parse_with(_FAST_LOADER(text), file)
        if not any(p.code in ("not-yaml", "not-yaml-tabs") for p in parsed.problems):
            return parsed
    return _parse_with(yaml.SafeLoader(text), file)


def _parse_with(loader: yaml.SafeLoader, file: str) -> Parsed:
    try:
        try:
            composed = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            return Parsed(None, (_yaml_problem(error, file),))
        except yaml.YAMLError as error:
            return Parsed(None, (Problem.of(file, 1, 1, "not-yaml", detail=str(error)),))
        if composed is None:
            return Parsed(None, ())
        walker = _Walker(loader, file)
        root = walker.node(composed)
        return Parsed(root, tuple(walker.problems))
    finally:
        loader.dispose()


def _yaml_problem(error: yaml.MarkedYAMLError, file: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    what = error.problem or "unreadable"
    if "another document" in what:
        return Problem.of(file, line, column, "second-document")
    detail = f"{what} ({error.context})" if error.context else what
    tabs = "\\t" in what or "\t" in what
    return Problem.of(file, line, column, "not-yaml-tabs" if tabs else "not-yaml", detail=detail)


class _Walker:
    """Turns composed PyYAML nodes into position-keeping nodes, collecting problems."""

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.problems: list[Problem] = []
        self.count = 0
        self.open: set[int] = set()

    def error(self, node: yaml.Node, code: str, /, **params: str | int) -> None:
        mark = node.start_mark
        self.problems.append(Problem.of(self.file, mark.line + 1, mark.column + 1, code, **params))

    def node(self, node: yaml.Node) -> Node:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        self.count += 1
        if self.count == MAX_NODES:
            self.error(node, "too-many-values", limit=MAX_NODES)
        if self.count >= MAX_NODES:
            return Scalar(None, "", line, column)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.open:
            self.error(node, "self-alias")
            return Scalar(None, "", line, column)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != "tag:yaml.org,2002:seq":
                    self.error(node, "unsupported-tag", tag=node.tag)
                return Sequence(tuple(self.node(item) for item in node.value), line, column)
            assert isinstance(node, yaml.MappingNode)
            return self.mapping(node)
        finally:
            self.open.discard(id(node))

    def scalar(self, node: yaml.ScalarNode) -> Scalar:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if node.tag not in _PLAIN_TAGS:
            self.error(node, "unsupported-tag", tag=node.tag)
            return Scalar(None, node.value, line, column)
        try:
            value = self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            if node.tag == "tag:yaml.org,2002:timestamp":
                self.error(node, "not-real-date", value=node.value, why=str(error))
            else:
                self.error(node, "unreadable-value", value=node.value, why=str(error))
            return Scalar(None, node.value, line, column)
        assert isinstance(value, str | int | float | bool | dt.date | None)
        return Scalar(value, node.value, line, column)

    def mapping(self, node: yaml.MappingNode) -> Mapping:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if node.tag != "tag:yaml.org,2002:map":
            self.error(node, "unsupported-tag", tag=node.tag)
        entries: list[tuple[Scalar, Node]] = []
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, "key-not-plain")
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.error(key_node, "merge-key")
                continue
            key = self.scalar(key_node)
            if key.text in seen:
                self.error(key_node, "key-twice", key=key.text, line=seen[key.text])
                continue
            seen[key.text] = key.line
            entries.append((key, self.node(value_node)))
        return Mapping(tuple(entries), line, column)
