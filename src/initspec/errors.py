"""Errors: :class:`InitializerError` and the :class:`ErrorRecord` it carries.

Every problem initspec finds in an identifier, a config, a shape or a dtype ends in one
``InitializerError`` (a ``ValueError``) whose ``errors`` list names *every* problem found,
each with where it is (``loc`` and its JSON Pointer), a stable machine-readable ``type``,
a sentence a person can act on (``msg``) and the offending ``input``.

>>> import initspec
>>> try:
...     initspec.get({"class_name": "RandomNormal", "config": {"stdev": 1}})
... except initspec.InitializerError as err:
...     record = err.errors[0]
>>> record.type, record.pointer
('unknown_key', '/config/stdev')
>>> "did you mean 'stddev'?" in record.msg
True
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ERROR_TYPES",
    "ErrorRecord",
    "InitializerError",
    "Loc",
    "closest",
    "describe",
    "did_you_mean",
    "json_pointer",
]

Loc = tuple[str | int, ...]

#: Every ``ErrorRecord.type`` initspec emits, with what it means. Stable across releases.
ERROR_TYPES: dict[str, str] = {
    "invalid_identifier": "the identifier is of a type get() does not take",
    "unknown_name": "a string identifier names no known initializer",
    "unknown_class_name": "a config's class_name names no known initializer",
    "missing": "a required key is absent",
    "unknown_key": "a key the schema does not allow",
    "not_an_object": "a JSON object (dict) was expected",
    "not_a_list": "a JSON array (list) was expected",
    "not_a_string": "a string was expected",
    "not_an_integer": "an integer was expected (booleans and floats are not integers)",
    "not_a_number": "a number was expected (booleans and strings are not numbers)",
    "not_a_boolean": "true or false was expected",
    "not_finite": "NaN and infinities are not allowed",
    "out_of_range": "a number outside its allowed range",
    "invalid_choice": "a value outside its enumeration",
    "invalid_value": "a value of the right type that is still wrong (e.g. a ragged array)",
    "minval_above_maxval": "RandomUniform's minval is greater than its maxval",
    "forbidden_module": "a module outside the Keras packages (limits.KERAS_PACKAGES) and "
    "registrations",
    "registered_name_mismatch": "registered_name disagrees with class_name",
    "invalid_shape": "a shape that is not a sequence of non-negative integers, or the wrong rank",
    "invalid_dtype": "a dtype initspec does not know",
    "unsupported_dtype": "a known dtype this initializer cannot produce",
    "value_does_not_fit": "a constant that the requested dtype cannot represent",
    "shape_mismatch": "an array whose shape does not fit the requested shape",
    "invalid_partition": "partition_shape/partition_offset outside the full shape",
    "too_large": "a tensor or input larger than the configured limit",
    "not_serializable": "an object serialize() cannot write in the requested format",
    "invalid_registration": "register() was given something it cannot register",
    "invalid_argument": "a call argument (threads, out, format, ...) is wrong",
    "unreadable_file": "a file that cannot be read or parsed as the format it claims to be",
    "duplicate_key": "a key that appears twice in one JSON/YAML object",
}


def json_pointer(loc: Iterable[str | int]) -> str:
    """Return the RFC 6901 JSON Pointer for a location tuple.

    >>> json_pointer(("config", "seed"))
    '/config/seed'
    >>> json_pointer(("a/b", "m~n", 0))
    '/a~1b/m~0n/0'
    >>> json_pointer(())
    ''
    """
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in loc)


def closest(word: Any, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates most like ``word``: exact case-insensitive matches first, then close ones.

    A ``word`` that is not a string is like none of them.

    >>> closest("glorotuniform", ["GlorotUniform", "glorot_uniform", "HeUniform"], n=2)
    ['GlorotUniform', 'glorot_uniform']
    >>> closest(3, ["GlorotUniform"])
    []
    """
    if not isinstance(word, str):
        return []
    pool = list(dict.fromkeys(candidates))
    folded = word.strip().lower().replace("_", "")
    exact = [c for c in pool if c.lower().replace("_", "") == folded]
    fuzzy = difflib.get_close_matches(word, pool, n=n, cutoff=0.6)
    by_fold = {c.lower(): c for c in pool}
    lowered = word.lower()
    if lowered != word or list(by_fold) != pool:  # else the same search again: no new match
        matches = difflib.get_close_matches(lowered, list(by_fold), n=n, cutoff=0.6)
        fuzzy += [by_fold[m] for m in matches]
    return list(dict.fromkeys(exact + fuzzy))[:n]


def did_you_mean(suggestions: Iterable[str]) -> str:
    """The hint every message ends a misspelling with, naming ``suggestions`` (``""`` if none).

    >>> did_you_mean(closest("stdev", ["mean", "stddev", "seed"], n=1))
    "; did you mean 'stddev'?"
    >>> did_you_mean(["float64", "float32"])
    "; did you mean 'float64' or 'float32'?"
    >>> did_you_mean(["a", "b", "c"])
    "; did you mean 'a', 'b' or 'c'?"
    >>> did_you_mean([])
    ''
    """
    quoted = [repr(name) for name in suggestions]
    if not quoted:
        return ""
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"; did you mean {listed}?"


def _short(value: Any, limit: int = 80) -> str:
    """A compact, JSON-like rendering of ``value`` for messages, cut at ``limit`` characters.

    It stops as soon as it has enough text, so a huge (or alias-bombed) value costs nothing.
    """
    pieces: list[str] = []
    size = 0
    stack: list[Any] = [value]
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, _Text):
            text = item.text
        elif isinstance(item, dict):
            text = "{"
            seq: list[Any] = []
            for key, inner in list(item.items())[: limit // 2]:
                seq += [_Text(", ")] if seq else []
                seq += [_Text(f"{_scalar(key)}: "), inner]
            stack.extend(reversed([*seq, _Text("}")]))
        elif isinstance(item, (list, tuple)):
            text = "["
            seq = []
            for inner in list(item[: limit // 2]):
                seq += [_Text(", "), inner] if seq else [inner]
            stack.extend(reversed([*seq, _Text("]")]))
        else:
            text = _scalar(item)
        pieces.append(text)
        size += len(text)
    text = "".join(pieces)
    return text if len(text) <= limit and not stack else text[: limit - 3] + "..."


@dataclass(frozen=True, slots=True)
class _Text:
    text: str


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    """A lone surrogate written as its JSON escape (``\\udf86``)."""
    return f"\\u{ord(match.group()):04x}"


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, str):
        text = json.dumps(value[:200], ensure_ascii=False)
        # a lone surrogate (valid in JSON, "\\udf86") cannot be encoded: keep it escaped
        return _LONE_SURROGATE.sub(_escaped, text)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else f"<integer of {value.bit_length()} bits>"
    if isinstance(value, float):
        return (
            repr(value)
            if math.isfinite(value)
            else ("NaN" if value != value else ("Infinity" if value > 0 else "-Infinity"))
        )
    text = repr(value)
    return text[:200]


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One problem: where it is, what kind it is, what to do about it, and the bad value.

    ``line`` and ``column`` (1-based; the column counts characters) are set when the problem
    was found in a JSON or YAML file.

    >>> r = ErrorRecord(("config", "mode"), "invalid_choice", "mode must be 'fan_in'", "x")
    >>> r.pointer
    '/config/mode'
    """

    loc: Loc
    type: str
    msg: str
    input: Any = None
    line: int | None = None
    column: int | None = None

    @property
    def pointer(self) -> str:
        """The RFC 6901 JSON Pointer of :attr:`loc` (``""`` for the identifier itself)."""
        return json_pointer(self.loc)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dict (``input`` is rendered as text when it is not JSON)."""
        value: Any = self.input
        if not _is_plain_json(value):
            value = _short(value, 200)
        return {
            "loc": list(self.loc),
            "pointer": self.pointer,
            "type": self.type,
            "msg": self.msg,
            "input": value,
            "line": self.line,
            "column": self.column,
        }

    def __str__(self) -> str:
        # a key that is a lone surrogate (valid in JSON) stays escaped, so the text encodes
        where = _LONE_SURROGATE.sub(_escaped, self.pointer) or "(identifier)"
        if self.line is not None:
            where += f" (line {self.line}, column {self.column})"
        return f"at {where} [{self.type}]: {self.msg}"


def _is_plain_json(value: Any, budget: int = 200) -> bool:
    """Whether ``value`` is small plain JSON (at most ``budget`` values in all)."""
    stack = [value]
    while stack:
        budget -= 1
        if budget < 0:
            return False
        item = stack.pop()
        if item is None or isinstance(item, (bool, str)):
            continue
        if isinstance(item, int):
            if abs(item) >= 2**64:
                return False
        elif isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif isinstance(item, list):
            stack.extend(item[: budget + 1])
        elif isinstance(item, dict):
            if not all(isinstance(k, str) for k in list(item)[: budget + 1]):
                return False
            stack.extend(list(item.values())[: budget + 1])
        else:
            return False
    return True


class InitializerError(ValueError):
    """A bad identifier, config, shape or dtype; ``errors`` lists every problem found.

    ``str(error)`` lists them all, one per line. When the problems were found by pydantic,
    its ``ValidationError`` is kept as ``__cause__``.

    >>> err = InitializerError([ErrorRecord((), "unknown_name", "unknown initializer 'x'", "x")])
    >>> print(err)
    1 problem with the initializer identifier:
      at (identifier) [unknown_name]: unknown initializer 'x'
    """

    errors: list[ErrorRecord]

    def __init__(self, errors: Sequence[ErrorRecord], subject: str = "the initializer identifier"):
        self.errors = list(errors)
        self.subject = subject
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.errors)
        head = f"{n} problem{'s' if n != 1 else ''} with {self.subject}:"
        return "\n".join([head, *(f"  {record}" for record in self.errors)])

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors, self.subject))

    @classmethod
    def single(
        cls,
        loc: Loc,
        type_: str,
        msg: str,
        input_: Any = None,
        subject: str = "the initializer identifier",
    ) -> InitializerError:
        """An error with one record."""
        return cls([ErrorRecord(tuple(loc), type_, msg, input_)], subject)

    def with_prefix(self, prefix: Loc) -> InitializerError:
        """The same problems, located under ``prefix`` (for configs nested in larger documents)."""
        records = [ErrorRecord(tuple(prefix) + r.loc, r.type, r.msg, r.input) for r in self.errors]
        new = InitializerError(records, self.subject)
        new.__cause__ = self.__cause__
        return new


def describe(value: Any) -> str:
    """A short phrase naming a value and its JSON type, for messages ("got boolean true")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, str):
        return f"string {_short(value)}"
    if isinstance(value, (int, float)):
        return f"number {_short(value)}"
    if isinstance(value, (list, tuple)):
        return f"array {_short(list(value))}"
    if isinstance(value, dict):
        return f"object {_short(value)}"
    return f"{type(value).__name__} {_short(value)}"
