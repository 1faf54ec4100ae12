"""The words of the published JSON Schema: what editors show when hovering or completing.

Field descriptions are written where the fields are declared (``Field(description=...)``);
this module turns docstrings into plain text and ends every description with the field's
default and range, read from the field's own JSON Schema, so a default or a bound is written
once, in its declaration, and never retyped in prose.
"""

from __future__ import annotations

import inspect
import json
import math
import re
from typing import Any

from pydantic.config import JsonDict

__all__ = ["REST_MARKUP", "plain_text", "schema_text"]

#: reST constructs that must not reach an editor: inline literals and interpreted text
#: (roles), emphasis, hyperlink references, directives and literal-block markers.
REST_MARKUP = re.compile(r"``|`|\*\*|\|[A-Za-z_]+\||^\.\. |::\s*$", re.MULTILINE)

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?([^`]*)`")  # :class:`~initspec.Foo` -> initspec.Foo
_LINK = re.compile(r"`([^`<]*?)\s*<[^>]*>`__?")  # `text <address>`_ -> text
_LITERAL = re.compile(r"``(.*?)``|`(.*?)`")
_STRONG = re.compile(r"\*\*(.*?)\*\*")
_BOUNDS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")


def plain_text(doc: str | None) -> str:
    """The first paragraph of a docstring, without reST markup, on one line.

    >>> plain_text('''Values from ``minval`` to ``maxval`` (see :class:`~initspec.Foo`).
    ...
    ...     >>> example()
    ... ''')
    'Values from minval to maxval (see initspec.Foo).'
    """
    if not doc:
        return ""
    paragraph = inspect.cleandoc(doc).split("\n\n", 1)[0]
    paragraph = _ROLE.sub(r"\1", paragraph)
    paragraph = _LINK.sub(r"\1", paragraph)
    paragraph = _LITERAL.sub(lambda m: m.group(1) or m.group(2) or "", paragraph)
    paragraph = _STRONG.sub(r"\1", paragraph)
    return " ".join(paragraph.split()).removesuffix(":")


def schema_text(schema: JsonDict, cls: type[Any]) -> None:
    """``json_schema_extra`` of every config model: its description as plain text, and each
    described property's description ended with its default (or "Required.") and its range.

    Properties without a description are left alone (a user's own config models may have
    none); the published schema's tests require one on every field of the built-ins.
    """
    description = schema.get("description")
    if isinstance(description, str):
        schema["description"] = plain_text(description)
    properties = schema.get("properties")
    required = schema.get("required")
    if not isinstance(properties, dict):
        return
    for name, prop in properties.items():
        if not isinstance(prop, dict) or not isinstance(prop.get("description"), str):
            continue
        facts = [str(prop["description"]).rstrip()]
        if "default" in prop:
            facts.append(f"Default: {json.dumps(prop['default'], ensure_ascii=False)}.")
        elif isinstance(required, list) and name in required:
            facts.append("Required.")
        facts.extend(_range(prop))
        prop["description"] = " ".join(facts)


def _range(node: JsonDict) -> list[str]:
    """ "Range: ..." for the bounds in ``node`` or its anyOf/oneOf members (not behind $ref);
    none for the float range itself, which only says "finite"."""
    from ..limits import FLOAT_MAX

    found: list[str] = []
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        for key in ("oneOf", "anyOf"):
            members = item.get(key)
            if isinstance(members, list):
                stack.extend(reversed(members))
        bounds = {k: item[k] for k in _BOUNDS if k in item and abs(_num(item[k])) != FLOAT_MAX}
        if bounds:
            found.append(_render(bounds))
    return [f"Range: {text}." for text in dict.fromkeys(found)]


def _num(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else math.nan


def _render(bounds: dict[str, Any]) -> str:
    if set(bounds) == {"minimum", "maximum"}:
        return f"{_number(bounds['minimum'])} to {_number(bounds['maximum'])}"
    operators = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}
    return " and ".join(f"{op} {_number(bounds[k])}" for k, op in operators.items() if k in bounds)


def _number(value: Any) -> str:
    """A bound as people write it: 2^64 - 1 rather than 18446744073709551615."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**32:
        size = abs(value)
        if size & (size - 1) == 0:
            return f"{'-' if value < 0 else ''}2^{size.bit_length() - 1}"
        if value > 0 and (size + 1) & size == 0:
            return f"2^{size.bit_length()} - 1"
    return json.dumps(value)
