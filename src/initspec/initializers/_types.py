"""Field types shared by the initializer config models: numbers, seeds, axes, dtypes, arrays.

Each type validates strictly (a boolean is not a number, a string is not a number, numbers are
finite) and raises errors whose ``type`` is one of :data:`initspec.errors.ERROR_TYPES`, so the
records users see do not depend on pydantic's own vocabulary. Each also declares its JSON
Schema, so the published schema says what the validator does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    Tag,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import (
    CoreSchema,
    InitErrorDetails,
    PydanticCustomError,
    PydanticKnownError,
    core_schema,
)

from .._lazy import lazy, loaded
from ..errors import closest, describe, did_you_mean
from ..limits import (
    BEYOND_FLOAT,
    FLOAT_MAX,
    KERAS_PACKAGES,
    MAX_ARRAY_ELEMENTS,
    MAX_RANK,
    SEED_MAX,
    SEED_MIN,
    forbidden_module_message,
)
from ._dtypes import (  # the dtype names live with the dtype code
    DtypeName,
    DtypeProblem,
    cast_values,
    resolve_dtype,
    values_fit,
)
from ._schema_text import schema_text

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy("numpy", globals(), "np")  # validating a config needs no numpy

T = TypeVar("T")
NUMBER_SCHEMA = {"type": "number", "minimum": -FLOAT_MAX, "maximum": FLOAT_MAX}
#: Modules a config may name for a built-in initializer (never imported, only matched).
#: ``(?!\n)``: in Python (and so in Python's JSON Schema validators) ``$`` also matches before a
#: final newline; the lookahead makes the pattern mean the same everywhere.
KERAS_MODULE_PATTERN = rf"^({'|'.join(KERAS_PACKAGES)})(\.[A-Za-z_][A-Za-z0-9_]*)*$(?!\n)"
KERAS_MODULE = re.compile(KERAS_MODULE_PATTERN)


class StrictModel(BaseModel):
    """Base of every config model: strict types, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        hide_input_in_errors=False,
        protected_namespaces=(),
        json_schema_extra=schema_text,
        # built on first use: a cold start builds the models it uses, not every one
        defer_build=True,
    )


def _plain_number(value: Any) -> Any:
    """numpy scalars (not numpy booleans) as the Python numbers they hold."""
    if type(value) is float or type(value) is int:  # the common case, without a lookup
        return value
    if loaded("numpy") is None:  # not imported: no value is a numpy scalar
        return value
    return numpy_scalar(value)


def numpy_scalar(value: Any) -> Any:
    """A numpy number from a Python caller as the Python number it holds; anything else as it is.

    Integers become ``int`` and floating scalars ``float`` (``longdouble`` rounded to float64,
    as every number of a config is). Numpy booleans stay (a boolean is not a number, and a
    config's booleans are Python's); so do ``timedelta64`` (a numpy integer type, but a
    duration), ``datetime64``, complex scalars, bytes and void scalars, which validation
    refuses. (``np.str_`` is a ``str`` already.)
    """
    if loaded("numpy") is None:  # not imported: no value is a numpy scalar
        return value
    if isinstance(value, np.timedelta64):
        return value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        with np.errstate(over="ignore"):  # a longdouble beyond float64 becomes inf: not finite
            return float(value)
    return value


def _as_number(value: Any) -> int | float | None:
    """``value`` as the Python number it is or holds (numpy numbers converted), or ``None``
    when it is no number (a boolean is not one, nor a string, a complex, a ``Decimal``...)."""
    value = _plain_number(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _real_number(value: Any) -> Any:
    """What pydantic's strict float takes from Python callers, narrowed to numbers: it accepts
    anything with ``__float__`` (``np.True_``, complex, ``Decimal``, 0-d arrays), which a
    config's number is not. numpy numbers become the Python numbers they hold; the rest is
    refused in pydantic's own words (``float_type``), for the one translator to word."""
    if type(value) is float or type(value) is int:  # the common case, without a call
        return value
    number = _as_number(value)
    if number is None:
        raise PydanticKnownError("float_type")
    return number


class _FiniteInSchema:
    """Annotation metadata: the JSON Schema of a number says it is a finite float (the bounds
    of :data:`NUMBER_SCHEMA`) where the field declares no tighter bound of its own."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: Any) -> dict[str, Any]:
        found: dict[str, Any] = handler(schema)
        if "exclusiveMinimum" not in found:
            found.setdefault("minimum", NUMBER_SCHEMA["minimum"])
        found.setdefault("maximum", NUMBER_SCHEMA["maximum"])
        return found


#: A finite number; integers are accepted and become floats. The rules are declared: strict
#: float (after :func:`_real_number`) and the models' ``allow_inf_nan=False``; a field adds
#: its own bounds (``stddev: Number = Field(0.05, ge=0)``), which pydantic checks and words.
Number = Annotated[float, BeforeValidator(_real_number), _FiniteInSchema()]


def is_number(value: Any) -> bool:
    """Whether ``value`` would pass as a number: not a bool, and finite."""
    number = _as_number(value)
    return number is not None and (isinstance(number, int) or math.isfinite(number))


def cross_field_error(at: str, value: Any, type_: str, msg: str) -> InitErrorDetails:
    """An error about two fields, placed at ``at``, for :func:`with_errors`."""
    return InitErrorDetails(type=PydanticCustomError(type_, msg), loc=(at,), input=value)


def with_errors(
    title: str, data: Any, handler: Callable[[Any], T], extra: list[InitErrorDetails]
) -> T:
    """Validate ``data`` with ``handler`` and report ``extra`` errors beside pydantic's own.

    For cross-field rules in a wrap model validator: unlike an "after" validator, they are
    reported even when another field is wrong.
    """
    if not extra:
        return handler(data)
    details: list[InitErrorDetails] = []
    try:
        handler(data)
    except ValidationError as exc:
        details = [
            InitErrorDetails(
                type=PydanticCustomError(e["type"], e["msg"], e.get("ctx")),
                loc=e["loc"],
                input=e["input"],
            )
            for e in exc.errors()
        ]
    raise ValidationError.from_exception_data(title, [*details, *extra])


def _int_or_float(value: Any) -> int | float:
    """A finite number, integers kept as integers: pydantic's ``int | float`` union would
    report a wrong value twice; this reports it once, in pydantic's own error types (worded
    by the one translator as a ``Number``'s errors are)."""
    number: int | float = _real_number(value)
    if isinstance(number, int):
        if abs(number) > FLOAT_MAX:  # what a float field says of such an integer
            raise PydanticKnownError("float_type")
        return number
    if not math.isfinite(number):
        raise PydanticKnownError("finite_number")
    return number


#: A finite number that keeps integers as integers (for values that may meet integer dtypes).
IntOrFloat = Annotated[int | float, PlainValidator(_int_or_float), WithJsonSchema(NUMBER_SCHEMA)]


SeedInt = Annotated[int, Field(ge=SEED_MIN, le=SEED_MAX)]


def _tuple_to_list(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


#: A list of axis indices (a tuple is accepted from Python callers).
Axes = Annotated[list[int], BeforeValidator(_tuple_to_list)]


@dataclass(frozen=True)
class ModuleName:
    """Annotation metadata: a module name that is keras.*-like or exactly one of ``extra``.

    The name is only matched, never imported.
    """

    extra: tuple[str, ...] = ()

    def _check(self, value: Any) -> str:
        if isinstance(value, str) and (KERAS_MODULE.fullmatch(value) or value in self.extra):
            return value
        if not isinstance(value, str):
            raise PydanticCustomError(
                "not_a_string",
                "{field} must be a string or null; got {got}",
                {"got": describe(value)},
            )
        raise PydanticCustomError(
            "forbidden_module", "{msg}", {"msg": forbidden_module_message(value, self.extra)}
        )

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(self._check)

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: Any) -> dict[str, Any]:
        pattern = {"type": "string", "pattern": KERAS_MODULE_PATTERN}
        return {"anyOf": [pattern, {"enum": list(self.extra)}]} if self.extra else pattern


#: A keras.*-like module name, checked natively (Rust's ``$`` never matches before a newline).
KerasModule = Annotated[
    str,
    Field(pattern=KERAS_MODULE_PATTERN.replace("$(?!\\n)", "$")),
    WithJsonSchema({"type": "string", "pattern": KERAS_MODULE_PATTERN}),
]
SharedObjectId = Annotated[int, Field(ge=0, strict=True)]
#: Descriptions of the keys of serialized objects (SeedGenerators and initializers alike).
MODULE_TEXT = (
    f"The module Keras would import the class from: {', '.join(KERAS_PACKAGES[:-1])} or "
    f"{KERAS_PACKAGES[-1]}, or a submodule of one (e.g. keras.initializers). Matched as "
    "text; initspec never imports it."
)
SHARED_OBJECT_ID_TEXT = (
    "Written by Keras 3 on the second and later uses of one object in a .keras file; it "
    "identifies the object within that file and is ignored."
)


class SeedGeneratorArgs(StrictModel):
    """The ``config`` of a serialized Keras 3 ``SeedGenerator``."""

    seed: SeedInt | None = Field(
        None, description="The generator's seed, used as the initializer's seed; null draws one."
    )
    name: str | None = Field(None, description="The generator's name; ignored.")


class SeedGeneratorSpec(StrictModel):
    """A Keras 3 ``SeedGenerator`` written as a seed; initspec uses its integer seed."""

    module: KerasModule | None = Field(None, description=MODULE_TEXT)
    class_name: Literal["SeedGenerator"] = Field(description="Keras 3's random seed generator.")
    config: SeedGeneratorArgs = Field(description="The SeedGenerator's constructor arguments.")
    registered_name: Literal["SeedGenerator"] | None = Field(
        None, description="Keras 3's name of the class, or null."
    )
    shared_object_id: SharedObjectId | None = Field(None, description=SHARED_OBJECT_ID_TEXT)


def _seed_tag(value: Any) -> str:
    return "#generator" if isinstance(value, dict) else "#int"


#: A seed: an integer, null (draw one when built), or a serialized SeedGenerator.
def _dump(value: Any) -> Any:
    """How a union-typed value is written back: plain values as they are, models as dicts.

    ``shared_object_id`` is left out: it names an object's identity in one file, not config.
    """
    if isinstance(value, BaseModel):
        return value.model_dump(exclude={"shared_object_id"})
    return value


#: Serializes a tagged union member by member (pydantic would try each member's serializer).
UnionDump = PlainSerializer(_dump, return_type=Any)

Seed = (
    Annotated[
        Annotated[SeedInt, Tag("#int")] | Annotated[SeedGeneratorSpec, Tag("#generator")],
        Discriminator(_seed_tag),
        UnionDump,
    ]
    | None
)

# --- arrays -----------------------------------------------------------------------------

#: JSON Schema placeholder key, replaced by a ``$ref`` to a shared definition (recursive
#: array types pydantic cannot describe itself); see ``serialization.json_schema``.
REF_KEY = "x-initspec-ref"


def nested_shape(
    value: Any,
    allow_bool: bool = False,
    limit: int = MAX_ARRAY_ELEMENTS,
    prefix: tuple[str, ...] = (),
) -> tuple[int, ...]:
    """The shape of a rectangular nested list of numbers; raises a located error otherwise.

    Level by level, without recursion (a hostile depth cannot exhaust the stack) and without
    per-element bookkeeping; the size is checked before each level is expanded, so a huge or
    alias-bombed value is refused before it costs anything.
    """
    shape: list[int] = []
    level: list[Any] = [value]
    while any(isinstance(v, list) for v in level):
        flags = [isinstance(v, list) for v in level]
        if not all(flags):
            bad = flags.index(False)
            raise PydanticCustomError(
                "invalid_value",
                "{field} is {got} where a list was expected (a ragged array)",
                _at(bad, shape, prefix, got=describe(level[bad])),
            )
        first = len(level[0])
        odd = next((k for k, v in enumerate(level) if len(v) != first), None)
        if odd is not None:
            raise PydanticCustomError(
                "invalid_value",
                "{field} has {n} items where its siblings have {m} (a ragged array)",
                _at(odd, shape, prefix, n=len(level[odd]), m=first),
            )
        if len(level) * first > limit or len(shape) >= MAX_RANK:
            raise PydanticCustomError(
                "too_large",
                "{field} has more than {limit} elements or " + str(MAX_RANK) + " axes",
                {"limit": limit, "subloc": list(prefix)},
            )
        shape.append(first)
        level = [item for v in level for item in v]
    for k, v in enumerate(level):
        if (isinstance(v, bool) and not allow_bool) or not isinstance(v, (int, float)):
            raise PydanticCustomError(
                "not_a_number",
                "{field} must be a number; got {got}",
                _at(k, shape, prefix, got=describe(v)),
            )
        if isinstance(v, float) and not math.isfinite(v):
            raise PydanticCustomError(
                "not_finite",
                "{field} must be a finite number; got {got}",
                _at(k, shape, prefix, got=describe(v)),
            )
        if isinstance(v, int) and abs(v) > FLOAT_MAX:
            raise PydanticCustomError(
                "out_of_range",
                "{field} " + BEYOND_FLOAT + "; got {got}",
                _at(k, shape, prefix, got=describe(v)),
            )
    return tuple(shape)


def _at(flat: int, shape: list[int], prefix: tuple[str, ...], **ctx: Any) -> dict[str, Any]:
    """Error context for the element at ``flat`` in a level of ``shape``: its location below
    the field (``subloc``), from which the translator names it (``{field}``: ``window[1]``)."""
    loc = tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()
    return {"subloc": [*prefix, *loc], **ctx}


def _number_array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise PydanticCustomError(
            "not_a_list", "{field} must be an array of numbers; got {got}", {"got": describe(value)}
        )
    nested_shape(value)
    copied: list[Any] = copy_nested(value)
    return copied


def copy_nested(value: Any) -> Any:
    """A copy of a (checked, so at most ``MAX_RANK`` levels deep) nested list: a built
    initializer must not share lists with its input, which the caller may change afterwards."""
    if isinstance(value, list):
        return [copy_nested(item) for item in value]
    return value


#: A (possibly nested, rectangular) list of finite numbers.
NumberArray = Annotated[
    list[Any], PlainValidator(_number_array), WithJsonSchema({REF_KEY: "NumberArray"})
]


class ArrayArgs(StrictModel):
    """The ``config`` of a ``__numpy__`` / ``__tensor__`` value."""

    model_config = ConfigDict(json_schema_extra=lambda schema, cls: _array_args_schema(schema, cls))

    value: Annotated[Any, AfterValidator(lambda v: _checked_copy(v)), WithJsonSchema({})]
    dtype: DtypeName = Field(description="The array's dtype; every value must fit it.")

    @model_validator(mode="after")
    def _value_fits(self) -> ArrayArgs:
        allow_bool = self.dtype == "bool"
        nested_shape(self.value, allow_bool=allow_bool, prefix=("value",))
        array_from(self.value, self.dtype, ("value",))
        return self


def _checked_copy(value: Any) -> Any:
    nested_shape(value, allow_bool=True)  # bounded first: then copying is cheap
    return copy_nested(value)


def _array_args_schema(schema: dict[str, Any], cls: type[Any]) -> None:
    """Booleans are values only of a bool array: say so with if/then/else on ``dtype``."""
    text = "The array's values: a number, or a nested rectangular list of numbers"
    schema["properties"]["value"] = {"description": text + " (booleans too if dtype is bool)."}
    schema["if"] = {"properties": {"dtype": {"const": "bool"}}}
    schema["then"] = {
        "properties": {
            "value": {
                "description": text + " or booleans (dtype bool).",
                "anyOf": [NUMBER_SCHEMA, {"type": "boolean"}, {REF_KEY: "BoolArray"}],
            }
        }
    }
    schema["else"] = {
        "properties": {
            "value": {
                "description": text + ".",
                "anyOf": [NUMBER_SCHEMA, {REF_KEY: "NumberArray"}],
            }
        }
    }
    schema_text(schema, cls)


class ArraySpec(StrictModel):
    """An array value as Keras 3 writes it: ``{"class_name": "__numpy__", "config": {...}}``."""

    class_name: Literal["__numpy__", "__tensor__"] = Field(
        description="__numpy__ (a numpy array) or __tensor__ (a backend tensor), read alike."
    )
    config: ArrayArgs = Field(description="The array's values and dtype.")


def _value_tag(value: Any) -> str:
    if isinstance(value, dict):
        return "#array"
    if isinstance(value, list):
        return "#list"
    return "#number"


#: A constant: a number, a nested list of numbers, or a ``__numpy__``/``__tensor__`` object.
ConstantValue = Annotated[
    Annotated[IntOrFloat, Tag("#number")]
    | Annotated[NumberArray, Tag("#list")]
    | Annotated[ArraySpec, Tag("#array")],
    Discriminator(_value_tag),
    UnionDump,
]


def value_as_array(value: int | float | list[Any] | ArraySpec) -> np.ndarray[Any, Any]:
    """A validated constant value as a numpy array (float64/int64 unless the spec says)."""
    if isinstance(value, ArraySpec):
        return array_from(value.config.value, value.config.dtype, ())
    return exact_array(value)


def exact_array(value: Any) -> np.ndarray[Any, Any]:
    """``value`` as an array without losing integers: huge ones stay Python ints (object)."""
    raw = np.asarray(value)
    if raw.dtype.kind == "f" and _has_big_int(value):
        return np.array(value, dtype=object)
    return raw


def _has_big_int(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= 2**53:
            return True
    return False


def array_from(value: Any, dtype: str, loc: tuple[str | int, ...]) -> np.ndarray[Any, Any]:
    """``value`` as an array of ``dtype``, raising a located error when it does not fit."""
    try:
        target = resolve_dtype(dtype)
    except DtypeProblem as unusable:  # a config's dtype key: reported there (bfloat16 alone)
        raise PydanticCustomError(
            unusable.type, "{problem}", {"problem": unusable.msg, "subloc": ["dtype"]}
        ) from None
    raw = exact_array(value)
    problem = values_fit(raw, target)
    if problem:
        raise PydanticCustomError(
            "value_does_not_fit", "{problem}", {"problem": problem, "subloc": list(loc)}
        )
    return cast_values(raw, target)


# --- choices -----------------------------------------------------------------------------


def choice_error(got: Any, choices: tuple[str, ...], note: str = "") -> PydanticCustomError:
    """An ``invalid_choice`` error listing the choices and the closest ones (the translator
    names the field)."""
    listed = ", ".join(repr(c) for c in choices)
    hint = did_you_mean(closest(got, choices, 1))
    return PydanticCustomError(
        "invalid_choice",
        "{field} must be one of {listed}{note}; got {got}{hint}",
        {"listed": listed, "note": note, "got": describe(got), "hint": hint},
    )


def case_insensitive_pattern(words: tuple[str, ...]) -> str:
    """A portable (ECMA-262 and Python) regex matching ``words`` in any letter case."""

    def fold(word: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)

    return "^(" + "|".join(fold(w) for w in words) + ")$(?!\n)"
