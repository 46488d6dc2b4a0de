"""CSV export of a results table, for spreadsheets.

UTF-8 with a byte order mark, because Excel reads a CSV without one in the computer's legacy
code page and turns Vietnamese into mojibake; LibreOffice and Python's `csv` module with
`utf-8-sig` read it as well. A text cell that a spreadsheet would run as a formula (starting
with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading apostrophe.
No Flask import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from signage.results.tables import Table

BOM = "\ufeff"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def to_csv(table: Table, headings: Sequence[str]) -> bytes:
    """The table as CSV bytes; `headings` are the column titles in the reader's language,
    one per text cell and per number column, in order."""
    if len(headings) != len(table.headings) + len(table.columns):
        raise ValueError("one heading per column")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in headings])
    for row in table.rows:
        writer.writerow([*(_cell(t) for t in row.texts), *row.values])
    return (BOM + buffer.getvalue()).encode("utf-8")
