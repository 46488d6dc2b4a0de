"""A problem found in an operator's file, located by file, line and column, said by code.

A problem carries a stable `code` and the `params` that fill its wording, never the wording
itself: the wording of each code lives in `signage.catalog.messages`, in English, and is a
message id of the translation catalogs. So the command line prints English (`str(problem)`,
`problem.message`) and the console renders the same problem in the operator's language, and a
change of wording can never make a translation silently fall back to English.

A parameter is text, a number, or a `Term`: a part of a sentence that is itself translated
(the name of a field, a description of a value, a "did you mean" tail).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from signage.catalog import messages


@dataclass(frozen=True)
class Term:
    """A translated part of a sentence: a code of `messages.MESSAGES` and its parameters."""

    code: str
    params: tuple[tuple[str, str | int | float | Term], ...] = ()

    def render(self, translate: Callable[[str], str] = messages.english) -> str:
        """The wording of this part, each template passed through `translate` first."""
        return render(self.code, self.params, translate)


def term(code: str, /, **params: str | int | float | Term) -> Term:
    """A `Term` of `code`; raises KeyError when the message table has no such code."""
    messages.MESSAGES[code]
    return Term(code, tuple(params.items()))


def render(
    code: str,
    params: Iterable[tuple[str, str | int | float | Term]],
    translate: Callable[[str], str] = messages.english,
) -> str:
    """The template of `code`, translated by `translate`, filled with rendered `params`."""
    values = {
        name: value.render(translate) if isinstance(value, Term) else value
        for name, value in params
    }
    return translate(messages.MESSAGES[code]) % values


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, said for the operator who edits it.

    `file` is the path relative to the playlist directory, `line` and `column` count from 1
    (the convention of compilers and editors, so `file:line:column` jumps to the spot).
    `code` names the message in `signage.catalog.messages`; `params` fill it. Problems sort
    by place, then code and English wording.
    """

    file: str
    line: int
    column: int
    code: str
    params: tuple[tuple[str, str | int | float | Term], ...] = ()

    @staticmethod
    def of(
        file: str, line: int, column: int, code: str, /, **params: str | int | float | Term
    ) -> Problem:
        """A problem of `code`; raises KeyError at once for a code without a message."""
        messages.MESSAGES[code]
        return Problem(file, line, column, code, tuple(params.items()))

    @property
    def message(self) -> str:
        """The problem in English, as the command line prints it."""
        return render(self.code, self.params)

    def render(self, translate: Callable[[str], str]) -> str:
        """The problem worded through `translate` (a gettext), for the console."""
        return render(self.code, self.params, translate)

    def _key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.code, self.message)

    def __lt__(self, other: Problem) -> bool:
        return self._key() < other._key()

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"
