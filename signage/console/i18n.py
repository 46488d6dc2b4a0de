"""Typed gettext for the console (Flask-Babel has no type hints); texts are English source
strings translated by the catalogs in `signage/translations/`."""

from __future__ import annotations

from flask_babel import gettext as _gettext
from flask_babel import ngettext as _ngettext


def _(text: str, **values: object) -> str:
    """`text` in the operator's language, with `%(name)s` placeholders filled from `values`."""
    return str(_gettext(text, **values))


def ngettext(singular: str, plural: str, num: int, **values: object) -> str:
    """The singular or plural form for `num` (`%(num)d` is filled in)."""
    return str(_ngettext(singular, plural, num, **values))
