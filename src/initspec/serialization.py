"""``get``, ``deserialize``, ``serialize`` and ``json_schema``: identifiers in, initializers out.

Nothing a config names is ever imported or executed: names are looked up in the table of
built-ins and the user's own registrations, and ``module`` fields are only matched.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import ValidationError

from ._lazy import lazy
from ._pydantic_errors import records_from_pydantic
from .errors import ErrorRecord, InitializerError, closest, describe, did_you_mean
from .initializers import Initializer
from .initializers._dtypes import dtype_kind
from .initializers._schema_text import schema_text
from .initializers._types import (
    NUMBER_SCHEMA,
    REF_KEY,
)
from .initializers.base import python_scalars
from .initializers.constant import ArrayInitializer
from .registry import Table, builtin_table, table

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy("numpy", globals(), "np")  # checking a config needs no numpy

__all__ = ["deserialize", "get", "json_schema", "serialize"]

Identifier = Any
Built = Initializer[Any] | Callable[..., Any]


def get(identifier: Identifier, *, custom_objects: Mapping[str, Any] | None = None) -> Built | None:
    """The initializer an identifier means.

    - ``None`` -> ``None``; a name -> that initializer with its default config;
    - a config dict, Keras 2 ``{"class_name", "config"}`` or Keras 3 form -> validated, built;
    - an :class:`Initializer` subclass -> a new instance; an instance or callable -> itself;
    - a numpy array or scalar -> an initializer returning it (cast) for its own shape.

    Anything else, or anything invalid, raises :class:`InitializerError`.

    >>> import initspec
    >>> initspec.get("glorot_uniform")
    GlorotUniform()
    >>> initspec.get({"class_name": "RandomNormal", "config": {"stddev": 0.1, "seed": 3}})
    RandomNormal(seed=3, stddev=0.1)
    >>> initspec.get(None) is None
    True
    """
    if identifier is None:
        return None
    if type(identifier) is dict:  # the common case first: no ABC checks
        return deserialize(identifier, custom_objects)
    if isinstance(identifier, str):
        return _from_name(identifier, table(custom_objects))
    if isinstance(identifier, Mapping):
        return deserialize(identifier, custom_objects)
    if isinstance(identifier, (np.ndarray, np.generic)):
        if dtype_kind(np.asarray(identifier).dtype) not in "biufc":  # bfloat16 is floating
            raise InitializerError.single(
                (),
                "invalid_identifier",
                "an array identifier must hold numbers or booleans; "
                f"got an array of dtype {np.asarray(identifier).dtype}",
                repr(identifier),
            )
        return ArrayInitializer(identifier)
    if isinstance(identifier, type):
        return _instantiate(identifier)
    if callable(identifier):
        return cast(Callable[..., Any], identifier)
    raise InitializerError.single(
        (),
        "invalid_identifier",
        "an initializer identifier is a name, a config dict, an "
        "Initializer class or instance, a callable, a numpy array or None; got "
        f"{describe(identifier)}",
        identifier if isinstance(identifier, (int, float, list)) else repr(identifier),
    )


def deserialize(
    config: Mapping[str, Any] | str, custom_objects: Mapping[str, Any] | None = None
) -> Initializer[Any]:
    """Validate a serialized initializer (or a name) against the strict schema, then build it.

    >>> import initspec
    >>> initspec.deserialize({"module": "keras.initializers", "class_name": "HeNormal",
    ...                       "config": {"seed": 1}, "registered_name": None})
    HeNormal(seed=1)
    """
    names = table(custom_objects)
    if isinstance(config, str):
        return _from_name(config, names)
    if type(config) is not dict and not isinstance(config, Mapping):
        raise InitializerError.single(
            (),
            "not_an_object",
            "a serialized initializer is an object "
            f"with class_name and config; got {describe(config)}",
            config,
        )
    data = config if type(config) is dict else dict(config)
    try:
        entry, envelope = names.validate(data)
    except ValidationError as exc:
        plain = python_scalars(data)
        if plain is data:
            raise _envelope_error(exc, data, names) from exc
        data = plain  # numpy scalars from Python callers: as the values they hold
        try:
            entry, envelope = names.validate(data)
        except ValidationError as again:
            raise _envelope_error(again, data, names) from again
    if envelope.config is None:  # no config, or null: the defaults, as both Kerases do
        return entry.cls._from_model(_default_config(entry.cls, data))
    return entry.cls._from_model(envelope.config)


def _envelope_error(exc: ValidationError, data: dict[str, Any], names: Table) -> InitializerError:
    """The records of a config that failed validation."""
    tag = names.tag_of(data)
    records = records_from_pydantic(
        exc, names.adapter, tag_problem=lambda name: _class_name_problem(name, names), data=data
    )
    if tag not in names.models:
        records += names.envelope_problems(data)
    return InitializerError(records)


def _default_config(cls: type[Initializer[Any]], data: dict[str, Any]) -> Any:
    """The config a serialized initializer without one means: every argument's default."""
    try:
        return cls.config_model()
    except ValidationError as exc:  # a user class with required arguments
        required = [n for n, f in cls.config_model.model_fields.items() if f.is_required()]
        absent = "config" not in data
        raise InitializerError.single(
            ("config",),
            "missing" if absent else "not_an_object",
            f"{cls.__name__} has required arguments ({', '.join(required)}), so its config "
            f"cannot be {'left out' if absent else 'null'}",
            None,
        ) from exc


def _from_name(name: str, names: Table) -> Initializer[Any]:
    entry = names.lookup(name)
    if entry is None:
        raise InitializerError([_unknown_name(name, names)])
    if entry.builtin:
        return entry.cls._from_model(entry.cls.config_model())
    return cast(Initializer[Any], _instantiate(entry.cls))


#: Names in Keras's own table that are not initializers one can use.
_ABSTRACT = frozenset({"Initializer", "initializer"})


def _unknown_name(name: str, names: Table, loc: tuple[str, ...] = ()) -> ErrorRecord:
    owners = names.ambiguous.get(name)
    if name in _ABSTRACT:
        msg = (
            f"{name!r} is Keras's abstract base class, which makes no values (calling it "
            "raises NotImplementedError in Keras); name a concrete initializer"
        )
    elif owners:
        msg = (
            f"{name!r} is ambiguous: it is registered as {' and '.join(map(repr, owners))}; "
            "use the full name"
        )
    else:
        hint = did_you_mean(closest(name, names.every_name, 3))
        msg = f"unknown initializer {name!r}{hint} (names are case-sensitive)"
    code = "unknown_class_name" if loc else "unknown_name"
    return ErrorRecord(loc, code, msg, name)


def _class_name_problem(value: Any, names: Table) -> ErrorRecord:
    """Why a ``class_name`` names no class: not a string, or an unknown name."""
    if not isinstance(value, str):
        msg = f"class_name must be a string (the initializer's name); got {describe(value)}"
        return ErrorRecord(("class_name",), "not_a_string", msg, value)
    return _unknown_name(value, names, ("class_name",))


def _instantiate(cls: type) -> Built:
    try:
        made = cls()
    except InitializerError:
        raise
    except Exception as exc:
        raise InitializerError.single(
            (),
            "invalid_identifier",
            f"the class {cls.__qualname__} could not be instantiated without arguments: {exc}",
            cls.__qualname__,
        ) from exc
    if not callable(made):
        raise InitializerError.single(
            (),
            "invalid_identifier",
            f"instances of {cls.__qualname__} are not callable, so they are not initializers",
            cls.__qualname__,
        )
    return made  # type: ignore[no-any-return]


# --- serialize --------------------------------------------------------------------------


def serialize(
    initializer: Initializer[Any], format: Literal["keras3", "keras2"] = "keras3"
) -> dict[str, Any]:
    """The initializer as Keras writes it; ``get(serialize(x)) == x``.

    >>> import initspec
    >>> initspec.serialize(initspec.HeUniform(seed=4))
    {'module': 'keras.initializers', 'class_name': 'HeUniform', 'config': {'seed': 4, \
'input_axes': None, 'output_axes': None}, 'registered_name': None}
    >>> initspec.serialize(initspec.HeUniform(seed=4), format="keras2")
    {'class_name': 'HeUniform', 'config': {'seed': 4}}
    """
    if format not in ("keras3", "keras2"):
        raise InitializerError.single(
            ("format",),
            "invalid_argument",
            f"format must be 'keras3' or 'keras2'; got {describe(format)}",
            format,
            "serialize()",
        )
    if not isinstance(initializer, Initializer):  # an array identifier has no config
        raise InitializerError.single(
            (),
            "not_serializable",
            f"only initspec initializers can be serialized; got {describe(initializer)}",
            repr(initializer),
            "serialize()",
        )
    cls = type(initializer)
    entry = next((e for e in table().entries if e.cls is cls), None)
    builtin = entry is not None and entry.builtin
    if format == "keras3":
        return {
            "module": "keras.initializers" if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": copy.deepcopy(initializer.get_config()),
            "registered_name": None if builtin else (entry.tag if entry else cls.__name__),
        }
    return {
        "class_name": cls.__name__ if builtin or entry is None else entry.tag,
        "config": initializer.keras2_config(),  # each class knows its Keras 2 form
    }


# --- JSON Schema --------------------------------------------------------------------------

_SCHEMA_ID = "https://initspec.dev/schemas/initializer.schema.json"
_schema_cache: dict[str, Any] = {}


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an initializer identifier in a JSON/YAML/TOML file.

    An identifier is null, a name, or a serialized config (Keras 2 or Keras 3 form).

    >>> import initspec
    >>> schema = initspec.json_schema()
    >>> schema["$schema"]
    'https://json-schema.org/draft/2020-12/schema'
    """
    if "schema" not in _schema_cache:
        names = builtin_table()
        union = _resolve_placeholders(names.adapter.json_schema(ref_template="#/$defs/{model}"))
        defs = union.pop("$defs", {})
        defs["NumberArray"] = {
            "type": "array",
            "items": {"anyOf": [NUMBER_SCHEMA, {"$ref": "#/$defs/NumberArray"}]},
        }
        defs["BoolArray"] = {
            "type": "array",
            "items": {"anyOf": [NUMBER_SCHEMA, {"type": "boolean"}, {"$ref": "#/$defs/BoolArray"}]},
        }
        defs["InitializerConfig"] = _keyed_on_class_name(union)
        all_names = sorted(names.by_name)
        _schema_cache["schema"] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": _SCHEMA_ID,
            "title": "Keras initializer identifier",
            "description": "A Keras weight-initializer identifier as initspec accepts it: null, a "
            "name, or a serialized initializer in Keras 2 or Keras 3 form.",
            "anyOf": [
                {"type": "null", "description": "No initializer (get(None) returns None)."},
                {
                    "enum": all_names,
                    "description": "An initializer's name or alias, for its default config.",
                },
                {"$ref": "#/$defs/InitializerConfig"},
            ],
            "$defs": defs,
        }
    fresh: dict[str, Any] = json.loads(json.dumps(_schema_cache["schema"]))
    return fresh


def _keyed_on_class_name(union: dict[str, Any]) -> dict[str, Any]:
    """The union of serialized initializers as editors need it: ``class_name`` one of every
    name, and each class's schema applied when ``class_name`` is one of its names.

    pydantic writes ``oneOf`` with an OpenAPI ``discriminator``, which JSON Schema validators
    ignore: they try every member, so a misspelt ``class_name`` is reported against one
    arbitrary class ("valid values: RandomNormal, ..."). Keyed with if/then it is reported once,
    against every name, and a config is checked against its own class only. The two accept the
    same documents (the members' names are disjoint).
    """
    names: dict[str, list[str]] = {}
    for name, ref in union["discriminator"]["mapping"].items():
        names.setdefault(ref, []).append(name)
    assert sorted(names) == sorted(member["$ref"] for member in union["oneOf"])
    keyed: dict[str, Any] = {
        "title": "Serialized initializer",
        "description": "An initializer written as a config, in Keras 2 form (class_name, config) "
        "or Keras 3 form (module, class_name, config, registered_name); class_name picks the "
        "class.",
        "type": "object",
        "required": ["class_name"],  # the rest is required (or not) by its own class
        "properties": {
            "class_name": {
                "description": "Which initializer: a class name or an alias.",
                "enum": sorted(name for group in names.values() for name in group),
            }
        },
        "allOf": [
            {
                "if": {"required": ["class_name"], "properties": {"class_name": {"enum": group}}},
                "then": {"$ref": ref},
            }
            for ref, group in names.items()
        ],
    }
    schema_text(keyed, dict)  # "Required." as on every other field
    return keyed


def _resolve_placeholders(node: Any) -> Any:
    """Replace ``{REF_KEY: name}`` placeholders with ``{"$ref": "#/$defs/name"}``."""
    if isinstance(node, dict):
        if REF_KEY in node:
            return {"$ref": f"#/$defs/{node[REF_KEY]}"}
        return {k: _resolve_placeholders(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_placeholders(v) for v in node]
    return node
