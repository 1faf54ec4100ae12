"""Double-encoded JSON: a file holding one JSON string whose text is the model.

``json.dump(model.to_json(), f)`` writes such a file. initspec scans the inner document;
pointers point into it, and line and column are placed in the *outer* file, on the character
of the string literal that encodes the place (escapes such as ``\\"`` and ``\\u00e9`` counted
as written), so an editor jumps to it.

>>> outer = '"{\\\\"kernel_initializer\\\\": \\\\"zeroz\\\\"}"'
>>> inner = inner_text(outer)
>>> inner
'{"kernel_initializer": "zeroz"}'
>>> outer_positions(outer, inner, [(1, 25)])
[(1, 29)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["inner_text", "looks_like_json", "outer_positions"]

#: One escape in a JSON string literal = one character of its value (a surrogate pair too).
_ESCAPE = re.compile(r"\\(?:ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}|u[0-9a-f]{4}|.)", re.I | re.S)


def looks_like_json(value: Any) -> bool:
    """Whether a decoded document is a string holding a JSON object or array."""
    return isinstance(value, str) and value.lstrip(" \t\r\n")[:1] in ("{", "[")


def inner_text(outer: str) -> str:
    """The value of the JSON string that is the whole of ``outer`` (already known valid)."""
    import json

    value = json.loads(outer)
    assert isinstance(value, str)
    return value


def _literal_start(outer: str) -> int:
    return outer.index('"')


def outer_positions(
    outer: str, inner: str, positions: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Map (line, column) places in ``inner`` to (line, column) places in ``outer``."""
    starts = [0]
    for match in re.finditer("\n", inner):
        starts.append(match.end())
    offsets = sorted({starts[line - 1] + column - 1 for line, column in positions})
    mapped: dict[int, int] = {}
    literal = _literal_start(outer) + 1
    raw_at, inner_at, wanted = literal, 0, 0
    for escape in _ESCAPE.finditer(outer, literal):
        plain = escape.start() - raw_at  # unescaped characters before this escape
        while wanted < len(offsets) and offsets[wanted] < inner_at + plain:
            mapped[offsets[wanted]] = raw_at + offsets[wanted] - inner_at
            wanted += 1
        inner_at += plain
        raw_at = escape.start()
        if wanted < len(offsets) and offsets[wanted] == inner_at:
            mapped[offsets[wanted]] = raw_at
            wanted += 1
        inner_at += 1
        raw_at = escape.end()
    for offset in offsets[wanted:]:
        mapped[offset] = raw_at + offset - inner_at
    line = outer.count("\n", 0, literal) + 1
    line_start = outer.rfind("\n", 0, literal) + 1
    result = []
    for inner_line, column in positions:
        raw = mapped[starts[inner_line - 1] + column - 1]
        result.append((line, raw - line_start + 1))
    return result
