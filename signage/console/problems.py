"""Problems found in a playlist, worded in the operator's language.

A problem carries a code and parameters (`signage.catalog.problem`); its wording is the English
template of that code in `signage.catalog.messages`, which is also the message id of the
translation catalogs. The console renders each template and each translated parameter through
gettext, so every problem reads in the operator's language; nothing is matched against English.
In English the result is exactly the text the command line prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale

from signage.catalog.problem import Problem

from .i18n import _


@dataclass(frozen=True)
class Shown:
    """A problem as the console shows it: its place and its message in the operator's words."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


def localise(problem: Problem) -> str:
    """The message of `problem` in the operator's language.

    Outside English the sentence starts with a capital, as it stands alone on the page; in
    English it is left as the checks word it, identical to the command line.
    """
    text = problem.render(_)
    locale = get_locale()
    if locale is None or locale.language == "en":
        return text
    return text[:1].upper() + text[1:]


def shown(problem: Problem) -> Shown:
    """`problem` with its message in the operator's language."""
    return Shown(problem.file, problem.line, problem.column, localise(problem))
