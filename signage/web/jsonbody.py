"""JSON request bodies read within bounds: size is capped by the caller, nesting here.

Python's `json` module parses nested arrays and objects recursively: a body of 100,000 `[`
ends in a RecursionError deep inside it. `loads` counts the nesting first, in one pass over the
text that skips strings, and refuses a document nested deeper than asked before parsing it. No
Flask import.
"""

from __future__ import annotations

import json
import re

# The override API's deepest document is {"messages": {"vi": {"headline": ...}}}: three levels.
# A little room for future fields, far below the recursion limit.
MAX_DEPTH = 16


# A JSON string (brackets inside it do not nest), and a bracket outside strings.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JsonError(ValueError):
    """The body is not JSON the server reads; the message says why."""


def loads(data: bytes, max_depth: int = MAX_DEPTH) -> object:
    """The JSON document in `data` (UTF-8), refused with `JsonError` when it is not JSON, is
    nested deeper than `max_depth` or holds NaN or Infinity."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonError("the body is not UTF-8 text") from None
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if bracket[0] in "[{" else -1
        if depth > max_depth:
            raise JsonError(f"the JSON is nested more than {max_depth} levels deep")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise JsonError(f"the body is not valid JSON: {error}") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")
