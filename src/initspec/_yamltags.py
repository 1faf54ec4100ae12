"""The YAML loader initspec reads with: PyYAML's safe loader plus one tag, ``!!python/tuple``.

Keras 2's ``model.to_yaml()`` dumped shapes and strides as Python tuples, so every YAML model
file it wrote holds ``!!python/tuple``. That tag is read here as a plain sequence (a list, as
JSON would have it); nothing is imported or called. Every other ``!!python/...`` tag constructs
or calls a Python object, and is refused with a message that says so; an unknown local tag is
refused too, by name. (Requires PyYAML: imported only when a YAML document is read.)
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import yaml

__all__ = ["PYTHON_TAG_PREFIX", "RefusedTag", "loader_class", "short_tag"]

_YAML_PREFIX = "tag:yaml.org,2002:"
PYTHON_TAG_PREFIX = _YAML_PREFIX + "python/"
_TUPLE_TAG = PYTHON_TAG_PREFIX + "tuple"


class RefusedTag(yaml.MarkedYAMLError):
    """A tag initspec will not construct (its ``problem`` is the whole sentence)."""


def short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/tuple`` -> ``!!python/tuple`` (other tags as written).

    >>> short_tag("tag:yaml.org,2002:python/object/apply:os.system")
    '!!python/object/apply:os.system'
    >>> short_tag("!Evil")
    '!Evil'
    """
    return "!!" + tag[len(_YAML_PREFIX) :] if tag.startswith(_YAML_PREFIX) else tag


def _tuple(loader: Any, node: yaml.Node) -> Iterator[list[Any]]:
    """A generator, like the safe loader's own sequences: the loader fills nested ones in a
    loop, not by recursion, so deep nesting meets initspec's depth bound, not Python's."""
    if not isinstance(node, yaml.SequenceNode):
        raise RefusedTag(
            None,
            None,
            f"uses the tag !!python/tuple on a {type(node).__name__}; initspec reads it only on a "
            "sequence",
            node.start_mark,
        )
    result: list[Any] = []
    yield result
    result.extend(loader.construct_sequence(node))


def _refuse_python(loader: Any, suffix: str, node: yaml.Node) -> Any:
    raise RefusedTag(
        None,
        None,
        f"uses the tag {short_tag(PYTHON_TAG_PREFIX + suffix)}, which initspec refuses: "
        "it would run code",
        node.start_mark,
    )


def _refuse_unknown(loader: Any, node: yaml.Node) -> Any:
    raise RefusedTag(
        None,
        None,
        f"uses the tag {short_tag(str(node.tag))}, which initspec does not read (it reads "
        "plain YAML data and !!python/tuple, the one tag Keras's to_yaml() writes)",
        node.start_mark,
    )


@cache
def loader_class() -> type[Any]:
    """PyYAML's safe loader (the C one when available) with the tuple tag added."""
    base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc]
        pass

    Loader.add_constructor(_TUPLE_TAG, _tuple)
    Loader.add_multi_constructor(PYTHON_TAG_PREFIX, _refuse_python)
    Loader.add_constructor(None, _refuse_unknown)
    return Loader
