"""A problem found in an operator's file, located by file, line and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a file, worded for the operator who edits it.

    `file` is the path relative to the playlist directory, `line` and `column` count from 1
    (the convention of compilers and editors, so `file:line:column` jumps to the spot).
    """

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"
