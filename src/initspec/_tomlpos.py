"""Line and column of values and keys in a TOML document (``tomllib`` keeps none).

Run only on the error path, on a document ``tomllib`` has already accepted: a small scanner
that follows tables (``[a.b]``), arrays of tables (``[[a]]``), dotted keys, inline tables and
arrays, and skips strings of all four kinds, so it knows the location (as in the parsed data)
of every key and value it passes. Positions are 1-based; columns count characters.

>>> text = '[model]\\nname = "m"\\n\\n[[model.layers]]\\nkernel_initializer = "zeroz"\\n'
>>> values, keys = positions(text)
>>> values[("model", "layers", 0, "kernel_initializer")]
(5, 22)
>>> keys[("model", "layers", 0, "kernel_initializer")]
(5, 1)
"""

from __future__ import annotations

import bisect
import contextlib
import re

__all__ = ["positions"]

Loc = tuple[str | int, ...]
Position = tuple[int, int]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]|\r\n")
_BASIC_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.values: dict[Loc, Position] = {}
        self.keys: dict[Loc, Position] = {}
        self.table_arrays: dict[Loc, int] = {}  # [[x]] location -> elements so far

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    # -- low level --
    def skip_blank(self, newlines: bool) -> None:
        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if char in " \t" or (newlines and char in "\r\n"):
                self.at += 1
            elif char == "#":
                end = text.find("\n", self.at)
                self.at = len(text) if end < 0 else (end if not newlines else end + 1)
            else:
                return

    def string(self) -> str:
        text, at = self.text, self.at
        for quote in ('"""', "'''"):
            if text.startswith(quote, at):
                end = at + 3
                while True:
                    end = text.index(quote, end)
                    if quote == '"""' and _escaped(text, end):
                        end += 1
                        continue
                    while text.startswith(quote[0], end + 3):  # up to two quotes end it too
                        end += 1
                    break
                self.at = end + 3
                return text[at + 3 : end]
        quote = text[at]
        end = at + 1
        out = []
        while text[end] != quote:
            if quote == '"' and text[end] == "\\":
                nxt = text[end + 1]
                if nxt in "uU":
                    width = 4 if nxt == "u" else 8
                    out.append(chr(int(text[end + 2 : end + 2 + width], 16)))
                    end += 2 + width
                    continue
                out.append(_BASIC_ESCAPES.get(nxt, nxt))
                end += 2
                continue
            out.append(text[end])
            end += 1
        self.at = end + 1
        return "".join(out)

    def key(self) -> list[tuple[str, int]]:
        """A dotted key: its parts, each with the offset where it starts."""
        parts = []
        while True:
            self.skip_blank(False)
            start = self.at
            if self.text[start] in "\"'":
                parts.append((self.string(), start))
            else:
                match = _BARE.match(self.text, start)
                if match is None:
                    raise ValueError(f"a key expected at offset {start}")
                parts.append((match.group(), start))
                self.at = match.end()
            self.skip_blank(False)
            if self.at < len(self.text) and self.text[self.at] == ".":
                self.at += 1
                continue
            return parts

    # -- values --
    def value(self, loc: Loc) -> None:
        self.values[loc] = self.position(self.at)
        char = self.text[self.at]
        if char in "\"'":
            self.string()
        elif char == "[":
            self.at += 1
            index = 0
            while True:
                self.skip_blank(True)
                if self.text[self.at] == "]":
                    self.at += 1
                    return
                self.value((*loc, index))
                index += 1
                self.skip_blank(True)
                if self.text[self.at] == ",":
                    self.at += 1
        elif char == "{":
            self.at += 1
            while True:
                self.skip_blank(False)
                if self.text[self.at] == "}":
                    self.at += 1
                    return
                self.pair(loc)
                self.skip_blank(False)
                if self.text[self.at] == ",":
                    self.at += 1
        else:
            match = _SCALAR_END.search(self.text, self.at)
            self.at = len(self.text) if match is None else match.start()

    def pair(self, table: Loc) -> None:
        parts = self.key()
        loc = table
        for name, start in parts:
            loc = (*loc, name)
            self.keys.setdefault(loc, self.position(start))
            self.values.setdefault(loc, self.position(start))  # a table the dotted key makes
        self.keys[loc] = self.position(parts[-1][1])
        self.skip_blank(False)
        self.at += 1  # '='
        self.skip_blank(False)
        self.value(loc)

    def header(self) -> Loc:
        double = self.text.startswith("[[", self.at)
        self.at += 2 if double else 1
        parts = self.key()
        self.at += 2 if double else 1
        loc: Loc = ()
        for name, offset in parts:
            loc = (*loc, name)
            self.keys.setdefault(loc, self.position(offset))
            self.values.setdefault(loc, self.position(offset))
            if loc in self.table_arrays and not (double and loc == self._last(parts, loc)):
                loc = (*loc, self.table_arrays[loc] - 1)
        start = self.position(parts[0][1])
        if double:
            count = self.table_arrays.get(loc, 0)
            self.table_arrays[loc] = count + 1
            self.keys.setdefault(loc, start)
            loc = (*loc, count)
        self.keys.setdefault(loc, start)
        self.values.setdefault(loc, start)
        return loc

    @staticmethod
    def _last(parts: list[tuple[str, int]], loc: Loc) -> Loc:
        return loc if len([p for p in loc if isinstance(p, str)]) == len(parts) else ()

    def document(self) -> None:
        table: Loc = ()
        self.values[()] = (1, 1)
        while True:
            self.skip_blank(True)
            if self.at >= len(self.text):
                return
            if self.text[self.at] == "[":
                table = self.header()
            else:
                self.pair(table)


def _escaped(text: str, at: int) -> bool:
    backslashes = 0
    while at - backslashes - 1 >= 0 and text[at - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def positions(text: str) -> tuple[dict[Loc, Position], dict[Loc, Position]]:
    """(values, keys): the position of the value and of the key at each location.

    On anything it does not follow (it should not happen on a document ``tomllib`` read), it
    returns what it found so far: positions are a help, never a reason to fail.
    """
    scanner = _Scanner(text)
    with contextlib.suppress(ValueError, IndexError):
        scanner.document()
    return scanner.values, scanner.keys
