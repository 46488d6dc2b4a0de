"""A three-way merge of two edits of one playlist file, for an operator to review.

The base is the text the editor was opened on, "yours" what the operator wants to publish,
"theirs" what is on disk now. Lines changed on one side only are taken from that side; where
both sides changed the same lines differently, both are kept between conflict markers that the
operator must resolve before publishing (a text with markers is not valid YAML, so it cannot be
published by mistake). This module does not import Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

from merge3 import Merge3

START, MIDDLE, END = "<<<<<<<", "=======", ">>>>>>>"


@dataclass(frozen=True)
class Merge:
    """The proposed text and how many places need the operator's decision."""

    text: str
    conflicts: int


def three_way(base: str, yours: str, theirs: str, yours_label: str, theirs_label: str) -> Merge:
    """Merge `yours` and `theirs`, both edits of `base`; see the module docstring."""
    lines_base = _terminated(base.splitlines(keepends=True))
    lines_yours = _terminated(yours.splitlines(keepends=True))
    lines_theirs = _terminated(theirs.splitlines(keepends=True))
    merger = Merge3(lines_base, lines_yours, lines_theirs)
    out: list[str] = []
    conflicts = 0
    for group in merger.merge_groups():
        if group[0] == "conflict":
            conflicts += 1
            _, _, mine, other = group
            out.append(f"{START} {yours_label}\n")
            out.extend(mine)
            out.append(f"{MIDDLE}\n")
            out.extend(other)
            out.append(f"{END} {theirs_label}\n")
        else:
            out.extend(group[1])
    return Merge("".join(out), conflicts)


def has_markers(text: str) -> bool:
    """Whether `text` still holds conflict markers at the start of a line."""
    return any(
        line.startswith((START + " ", END + " ")) or line.rstrip() == MIDDLE
        for line in text.splitlines()
    )


def _terminated(lines: list[str]) -> list[str]:
    """Lines that all end in a newline, so a missing one at the end is no conflict."""
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines
