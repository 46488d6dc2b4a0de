"""Reading an operator's YAML file as nodes, so every later error can name its line."""

from __future__ import annotations

from pathlib import Path

import yaml


def compose_file(path: Path, what: str, error: type[ValueError]) -> yaml.Node | None:
    """The root node of the YAML file at ``path`` (``None`` when the file is empty).

    Raises ``error`` with ``file[:line]: ...`` when the file cannot be read (``what`` names it
    for the message, e.g. "configuration file") or is not valid YAML.
    """
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: the {what} is not UTF-8 text") from None
    try:
        return yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{path}{line}: not valid YAML: {problem}") from None
