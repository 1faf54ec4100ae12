"""Reusable Hypothesis strategies for initspec identifiers.

* :func:`valid_configs` - serialized configs initspec must accept, derived from the config
  models themselves: every built-in class, every name/alias as ``class_name``, the Keras 2
  and Keras 3 envelopes, every field of every config model. Bounds are read from the fields'
  own validators; a field type or validator this module does not know raises
  ``UnknownFieldType``, so a new field or constraint cannot go unnoticed. What no field
  states (minval <= maxval, an array value fitting its dtype) is encoded here explicitly.
* :func:`json_values` - arbitrary JSON-like values; :func:`mutated_configs` - valid configs
  with one or more mutations.
* :func:`fuzz_settings` - the shared Hypothesis settings (``INITSPEC_FUZZ_EXAMPLES``,
  ``INITSPEC_FUZZ_RANDOM``).

Test files import this module as ``from strategies import ...``: pytest's default
``prepend`` import mode puts ``tests/`` on ``sys.path`` (``tests/`` has no ``__init__.py``).
"""

from __future__ import annotations

import copy
import json
import math
import os
import sys
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    PlainValidator,
    Tag,
    WrapValidator,
)
from pydantic.fields import FieldInfo

from helpers import nodes
from initspec.initializers import _types, _windows, constant, variance_scaling
from initspec.initializers._calls import resolve_dtype
from initspec.initializers._dtypes import dtype_kind
from initspec.initializers._types import ModuleName
from initspec.registry import Entry, builtin_table

__all__ = [
    "FLOAT32_MAX",
    "FUZZ_EXAMPLES",
    "FUZZ_RANDOM",
    "INTERESTING_KEYS",
    "KNOWN_NAMES",
    "fits_dtype",
    "fuzz_settings",
    "is_rectangular",
    "json_values",
    "model_dicts",
    "mutated_configs",
    "nested_shape_of",
    "numbers",
    "rounding_edges",
    "rounds_finite",
    "to_json_document",
    "valid_configs",
    "valid_identifiers",
]

# --- settings ---------------------------------------------------------------------------------

#: Base number of examples per fuzz test; raise it for long runs.
FUZZ_EXAMPLES = int(os.environ.get("INITSPEC_FUZZ_EXAMPLES", "200"))
#: ``INITSPEC_FUZZ_RANDOM=1`` draws new examples each run (and keeps Hypothesis's database).
FUZZ_RANDOM = os.environ.get("INITSPEC_FUZZ_RANDOM", "") == "1"


def fuzz_settings(share: float = 1.0) -> settings:
    """Settings for a fuzz test running ``share`` times the base number of examples.

    Deterministic by default (``derandomize=True``), so CI runs the same examples every time.
    No example database is written into the repository; a randomized run that fails prints
    a ``@reproduce_failure`` blob instead.
    """
    return settings(
        max_examples=max(1, round(FUZZ_EXAMPLES * share)),
        deadline=None,
        derandomize=not FUZZ_RANDOM,
        database=None,
        print_blob=FUZZ_RANDOM,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# --- numbers ----------------------------------------------------------------------------------

FLOAT_MAX = sys.float_info.max
FLOAT32_MAX = float(np.finfo(np.float32).max)
SMALLEST_SUBNORMAL = 5e-324
LARGEST_SUBNORMAL = 2.225073858507201e-308
#: Floats worth trying in every numeric field (all finite; filtered by each field's range).
FLOAT_EXTREMES = (
    0.0,
    -0.0,
    0.5,
    1.0,
    -1.0,
    1e-300,
    1e300,
    -1e300,
    SMALLEST_SUBNORMAL,
    -SMALLEST_SUBNORMAL,
    LARGEST_SUBNORMAL,
    sys.float_info.min,
    FLOAT_MAX,
    -FLOAT_MAX,
    FLOAT32_MAX,
)
#: Integers beyond int64/uint64 and beyond the float range (JSON allows them).
# Integers beyond int64 but within the float range (beyond it, numbers are out of range).
HUGE_INTS = (2**63, -(2**63) - 1, 2**64, 2**64 - 1, 2**100, int(FLOAT_MAX), -int(FLOAT_MAX))


def _in_range(x: float, lo: float | None, hi: float | None, exclude_lo: bool) -> bool:
    if lo is not None and (x < lo or (exclude_lo and x == lo)):
        return False
    return hi is None or x <= hi


def numbers(
    min_value: float | None = None,
    max_value: float | None = None,
    *,
    exclude_min: bool = False,
    huge_ints: bool = False,
) -> st.SearchStrategy[int | float]:
    """Finite JSON numbers (ints and floats, extremes and subnormals) in a range.

    Integers stay within the float range (initspec's ``Number`` converts them to float)
    unless ``huge_ints`` (for fields that keep integers as integers).
    """
    lo_f = -FLOAT_MAX if min_value is None else float(min_value)
    hi_f = FLOAT_MAX if max_value is None else float(max_value)
    floats = st.floats(lo_f, hi_f, allow_nan=False, allow_infinity=False, exclude_min=exclude_min)
    # The largest integer whose float() does not overflow is int(FLOAT_MAX).
    lo_i = math.ceil(lo_f) + (1 if exclude_min and float(math.ceil(lo_f)) == lo_f else 0)
    hi_i = math.floor(hi_f)
    ints = st.integers(max(lo_i, -(2**16)), min(hi_i, 2**16)) | st.integers(lo_i, hi_i)
    extremes = [x for x in FLOAT_EXTREMES if _in_range(x, min_value, max_value, exclude_min)]
    extremes += [n for n in (int(FLOAT_MAX), -int(FLOAT_MAX), 2**53 + 1) if lo_i <= n <= hi_i]
    if huge_ints:
        extremes += [n for n in HUGE_INTS if _in_range(n, min_value, max_value, exclude_min)]
    return st.one_of(floats, ints, st.sampled_from(extremes))


def _random_case(word: str) -> st.SearchStrategy[str]:
    """``word`` with each letter in random case."""
    flips = st.lists(st.booleans(), min_size=len(word), max_size=len(word))
    return flips.map(
        lambda bits: "".join(c.upper() if b else c for c, b in zip(word, bits, strict=True))
    )


# --- arrays -----------------------------------------------------------------------------------


def _nest(flat: list[Any], shape: tuple[int, ...]) -> Any:
    """``flat`` (C order) as nested lists of ``shape`` (``shape == ()``: the one element)."""
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return list(flat)
    step = math.prod(shape[1:])
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


@st.composite
def _nested_arrays(
    draw: st.DrawFn,
    elements: st.SearchStrategy[Any],
    min_rank: int = 1,
    max_rank: int = 3,
    max_dim: int = 3,
) -> Any:
    """A rectangular nested list (or, for rank 0, a scalar) of ``elements``."""
    rank = draw(st.integers(min_rank, max_rank))
    shape = tuple(draw(st.lists(st.integers(0, max_dim), min_size=rank, max_size=rank)))
    flat = draw(st.lists(elements, min_size=math.prod(shape), max_size=math.prod(shape)))
    if not shape:
        return flat[0]
    return _nest(flat, shape)


def nested_shape_of(value: Any) -> tuple[int, ...] | None:
    """The shape of a rectangular nested list (``()`` for a scalar), or None when ragged."""
    if not isinstance(value, list):
        return ()
    shapes = {nested_shape_of(v) for v in value}
    if not shapes:
        return (0,)
    if len(shapes) != 1 or None in shapes:
        return None
    return (len(value), *shapes.pop())  # type: ignore[misc]


def is_rectangular(value: Any) -> bool:
    """Whether a nested list is rectangular (scalars are)."""
    return nested_shape_of(value) is not None


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _dtype_bounds(name: str) -> tuple[str, float | int | None, float | int | None]:
    """(kind, lowest, highest) of a dtype name, from numpy/ml_dtypes (not from initspec)."""
    dt = resolve_dtype(name)
    kind = dtype_kind(dt)
    if kind in "fc":  # complex: each part within the float of half its size
        if dt.name == "bfloat16":
            import ml_dtypes

            top = float(ml_dtypes.finfo(dt).max)
        else:
            top = float(np.finfo(dt).max)
        return kind, -top, top
    if kind in "iu":
        info = np.iinfo(dt)
        return kind, int(info.min), int(info.max)
    return kind, None, None


def _part_dtype(name: str) -> np.dtype[Any]:
    dt = resolve_dtype(name)
    return np.dtype(dt.type(0).real.dtype) if dt.kind == "c" else dt


def rounds_finite(value: float, dtype: str) -> bool:
    """Whether numpy's own cast of ``value`` (through float64, as Python numbers go) to a
    floating dtype (each part of a complex one) is finite: overflow is where rounding
    overflows, not above the dtype's largest value (65519 fits float16, 65520 does not)."""
    try:
        wide = float(value)
    except OverflowError:
        return False
    with np.errstate(over="ignore"):
        return bool(np.isfinite(np.array(wide).astype(_part_dtype(dtype)).astype(np.float64)))


def fits_dtype(value: Any, dtype: str) -> bool:
    """Whether the numbers of a (rectangular, numeric) array value fit ``dtype``, by exact
    arithmetic: floats and complex round to finite values of the dtype (numpy's cast decides),
    integers integral and within its range, bools 0/1."""
    kind, lo, hi = _dtype_bounds(dtype)
    for v in _leaves(value):
        if kind == "b":
            if v not in (0, 1):
                return False
        elif kind in "fc":
            if abs(v) > hi and not rounds_finite(v, dtype):  # type: ignore[operator]
                return False
        elif not (float(v).is_integer() if isinstance(v, float) else True) or not (
            lo <= v <= hi  # type: ignore[operator]
        ):
            return False
    return True


def rounding_edges(dtype: str) -> list[float]:
    """The numbers on both sides of where rounding to a floating dtype overflows: the largest
    finite value, the largest float64 that still rounds to it, and the smallest that does not
    (one of them fits, the next one does not)."""
    kind, _, hi = _dtype_bounds(dtype)
    if kind not in "fc":
        return []
    top = float(hi)  # type: ignore[arg-type]
    edges = [top]
    if top < FLOAT_MAX:
        ulp = top - float(np.nextafter(_part_dtype(dtype).type(top), 0))
        half = top + ulp / 2  # round-to-nearest-even sends this tie to infinity
        edges += [float(np.nextafter(half, 0)), half, float(np.nextafter(half, math.inf))]
        with np.errstate(over="ignore"):  # bfloat16 rounds through float32: its last step too
            edges.append(float(np.nextafter(np.float32(half), np.float32(0))))
    return [sign * e for e in edges for sign in (1, -1)]


#: dtypes worth drawing more often than a uniform choice would: those with the most to get
#: wrong when a value is cast (complex into real, bfloat16 and float16 overflow, bool, uint64).
RARE_DTYPES = ("complex64", "complex128", "bfloat16", "float16", "bool", "uint64")


@st.composite
def _array_values(draw: st.DrawFn, dtype: str, min_rank: int, max_rank: int) -> Any:
    """A value (scalar or nested list) that fits ``dtype`` (see :func:`fits_dtype`)."""
    kind, lo, hi = _dtype_bounds(dtype)
    elements: st.SearchStrategy[Any]
    if kind == "b":
        elements = st.sampled_from([True, False, 0, 1, 0.0, 1.0])
    elif kind in "iu":
        assert isinstance(lo, int)
        assert isinstance(hi, int)
        # All ints, or all integral floats (numpy turns a mix into float64, which rounds
        # integers beyond 2**53, so a mix is kept within that range).
        as_floats = draw(st.booleans())
        lo2, hi2 = (max(lo, -(2**53)), min(hi, 2**53)) if as_floats else (lo, hi)
        ints = st.integers(lo2, hi2) | st.sampled_from([lo2, hi2, 0])
        elements = ints.map(float) if as_floats else ints
    else:  # floating, complex: also the values just inside where rounding overflows
        edges = [e for e in rounding_edges(dtype) if fits_dtype(e, dtype)]
        elements = numbers(lo, hi) | st.sampled_from(edges)
    return draw(_nested_arrays(elements, min_rank=min_rank, max_rank=max_rank))


# --- from model fields to strategies ---------------------------------------------------------


@dataclass(frozen=True)
class Opts:
    """Field-specific knowledge that cannot be read from a field's type."""

    min_rank: int | None = None  #: for arrays (None: 1 for lists, 0 for __numpy__ values)
    max_rank: int = 3


#: Field-specific knowledge that no declaration states, keyed by (model, field). (Bounds such
#: as stddev >= 0 and scale > 0 are read from the fields' own Field(ge=/gt=/le=).)
FIELD_OPTS: dict[tuple[str, str], Opts] = {
    # A window is 1-D in Keras: a nested list validates, but STFT can only ever use a window
    # of shape (frame_length,), so "valid" configs keep windows 1-D.
    ("STFTConfig", "window"): Opts(min_rank=1, max_rank=1),
}


def _order_minval_maxval(model: type[BaseModel], config: dict[str, Any]) -> dict[str, Any]:
    """UniformConfig._ordered: minval <= maxval (defaults count when a key is absent).

    A cross-field rule cannot be read from either field's type, so it is encoded here."""
    fields = model.model_fields
    lo = config.get("minval", fields["minval"].default)
    hi = config.get("maxval", fields["maxval"].default)
    if lo > hi:
        config = {**config, "minval": hi, "maxval": lo}
    return config


#: Cross-field constraints, applied to a generated config of that model.
MODEL_FIXUPS: dict[str, Callable[[type[BaseModel], dict[str, Any]], dict[str, Any]]] = {
    "UniformConfig": _order_minval_maxval,
}

#: Every @model_validator / @field_validator of every reachable model, and where this module
#: honours its constraint. An unlisted one makes the strategies raise UnknownFieldType.
KNOWN_VALIDATORS = {
    ("UniformConfig", "_ordered"): "MODEL_FIXUPS (minval <= maxval)",
    ("ArrayArgs", "_value_fits"): "MODEL_STRATEGIES (the value fits its dtype)",
}


@st.composite
def _array_args(draw: st.DrawFn, model: type[BaseModel], opts: Opts) -> dict[str, Any]:
    """ArrayArgs (``value: Any`` + dtype; ArrayArgs._value_fits): a value fitting its dtype."""
    any_dtype = _strategy_for(model.model_fields["dtype"].annotation, [], opts)
    dtype = draw(any_dtype | st.sampled_from(RARE_DTYPES))
    value = draw(_array_values(dtype, opts.min_rank or 0, opts.max_rank))
    return {"value": value, "dtype": dtype}


#: Models whose fields cannot be generated independently (e.g. ``value: Any``).
MODEL_STRATEGIES: dict[str, Callable[[type[BaseModel], Opts], st.SearchStrategy[Any]]] = {
    "ArrayArgs": _array_args,
}


def _distributions(opts: Opts) -> st.SearchStrategy[str]:
    # Keras lower-cases the distribution; "normal" means "truncated_normal".
    return st.sampled_from([*variance_scaling.DISTRIBUTIONS, "normal"]).flatmap(_random_case)


def _window_names(opts: Opts) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(_windows.WINDOW_ALIASES))


def _number_arrays(opts: Opts) -> st.SearchStrategy[Any]:
    elements = numbers(huge_ints=True)
    return _nested_arrays(elements, min_rank=max(1, opts.min_rank or 1), max_rank=opts.max_rank)


#: Leaf types with their own validators (see initspec/initializers/_types.py), by function.
VALIDATOR_STRATEGIES: dict[Callable[..., Any], Callable[[Opts], st.SearchStrategy[Any]]] = {
    _types._int_or_float: lambda o: numbers(huge_ints=True),
    _types._number_array: _number_arrays,
    variance_scaling._distribution: _distributions,
    constant._window_name: _window_names,
}


class UnknownFieldType(TypeError):
    """A config field whose type tests/strategies.py does not know how to generate."""


def _modules(extra: tuple[str, ...]) -> st.SearchStrategy[str]:
    pattern = st.from_regex(_types.KERAS_MODULE_PATTERN, fullmatch=True)
    common = ["keras.initializers", "keras", "tf_keras.initializers", "keras.src.initializers"]
    return st.sampled_from([*common, *extra]) | pattern


def _flat_metadata(items: typing.Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for m in items:
        out.append(m)
        if isinstance(m, FieldInfo):
            out.extend(_flat_metadata(m.metadata))
    return out


def _strategy_for(tp: Any, metadata: list[Any], opts: Opts) -> st.SearchStrategy[Any]:
    """A strategy for values of the annotation ``tp`` with pydantic ``metadata``."""
    origin = get_origin(tp)
    if origin is Annotated:
        base, *extra = get_args(tp)
        return _strategy_for(base, [*extra, *metadata], opts)
    meta = _flat_metadata(metadata)
    for m in meta:
        if isinstance(m, (AfterValidator, BeforeValidator, WrapValidator)) and (
            m.func not in KNOWN_TRANSFORMS
        ):
            raise UnknownFieldType(f"no strategy for validator {m.func!r}: encode its constraint")
    for m in meta:
        if isinstance(m, PlainValidator):
            make = VALIDATOR_STRATEGIES.get(m.func)
            if make is None:
                raise UnknownFieldType(f"no strategy for validator {m.func!r}")
            return make(opts)
        if isinstance(m, ModuleName):
            return _modules(m.extra)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        inner = st.one_of([_strategy_for(a, [], opts) for a in members])
        return st.none() | inner if len(members) < len(get_args(tp)) else inner
    if origin is Literal:
        return st.sampled_from(get_args(tp))
    if origin is list:
        (item,) = get_args(tp)
        return st.lists(_strategy_for(item, [], opts), max_size=4)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return model_dicts(tp, opts)
    if tp is bool:
        return st.booleans()
    if tp is float:  # pydantic's strict float: the bounds declared with Field(ge=/gt=/le=)
        low = [(m.ge, False) for m in meta if hasattr(m, "ge")]
        low += [(m.gt, True) for m in meta if hasattr(m, "gt")]
        bound, exclude = max(low, default=(None, False))
        high = min((m.le for m in meta if hasattr(m, "le")), default=None)
        return numbers(bound, high, exclude_min=exclude)
    if tp is int:
        lo = max((m.ge for m in meta if hasattr(m, "ge")), default=None)
        hi = min((m.le for m in meta if hasattr(m, "le")), default=None)
        if lo is not None and hi is not None:  # e.g. seeds: [-2**63, 2**64 - 1]
            return st.integers(0, 2**16) | st.integers(lo, hi) | st.sampled_from([lo, hi, -1, 0])
        if lo is None:  # axes: mostly those a small shape has, sometimes any integer
            return st.integers(-4, 3) | st.integers()
        return st.integers(min_value=lo, max_value=lo + 2**16) | st.integers(min_value=lo)
    if tp is str:
        patterns = [m.pattern for m in meta if getattr(m, "pattern", None)]
        if patterns:
            return st.from_regex(patterns[0], fullmatch=True)
        return st.text(max_size=12)
    raise UnknownFieldType(f"no strategy for type {tp!r} with metadata {meta!r}")


#: Before-validators that only convert (a tuple to a list) or narrow a type to what the
#: strategies make anyway (a number that is a Python or numpy number): no constraint to encode.
KNOWN_TRANSFORMS: set[Callable[..., Any]] = {_types._tuple_to_list, _types._real_number}


def _check_validators(model: type[BaseModel]) -> None:
    decorators = model.__pydantic_decorators__
    for name in [*decorators.model_validators, *decorators.field_validators]:
        if (model.__name__, name) not in KNOWN_VALIDATORS:
            raise UnknownFieldType(
                f"{model.__name__}.{name} is a validator tests/strategies.py does not know: "
                "encode its constraint (FIELD_OPTS / MODEL_FIXUPS / MODEL_STRATEGIES)"
            )


def model_dicts(
    model: type[BaseModel], opts: Opts = Opts(), *, all_keys: bool | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid dicts for ``model``, one key per field (optional keys sometimes left out).

    ``all_keys``: True - every key; False - required keys only; None - each optional key
    present or not at random.
    """
    _check_validators(model)
    if model.__name__ in MODEL_STRATEGIES:
        return MODEL_STRATEGIES[model.__name__](model, opts)
    parts: dict[str, tuple[st.SearchStrategy[Any], bool]] = {}
    for name, field in model.model_fields.items():
        field_opts = FIELD_OPTS.get((model.__name__, name), opts)
        try:
            strategy = _strategy_for(field.annotation, list(field.metadata), field_opts)
        except UnknownFieldType as exc:
            raise UnknownFieldType(f"{model.__name__}.{name}: {exc}") from None
        parts[name] = (strategy, field.is_required())
    fixup = MODEL_FIXUPS.get(model.__name__)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, (strategy, required) in parts.items():
            keep = required or (all_keys if all_keys is not None else draw(st.booleans()))
            if keep:
                out[name] = draw(strategy)
        return fixup(model, out) if fixup else out

    return build()


def _check_overrides() -> None:
    """Every FIELD_OPTS / MODEL_* entry must still name an existing model and field."""
    models: dict[str, type[BaseModel]] = {}

    def visit(model: type[BaseModel]) -> None:
        if model.__name__ in models:
            return
        models[model.__name__] = model
        for field in model.model_fields.values():
            for found in _models_in(field.annotation):
                visit(found)

    for entry in builtin_table().entries:
        visit(entry.cls.config_model)
    for model_name, field_name in FIELD_OPTS:
        assert field_name in models[model_name].model_fields, (model_name, field_name)
    for model_name, _ in KNOWN_VALIDATORS:
        assert model_name in models, model_name
    for model_name in (*MODEL_FIXUPS, *MODEL_STRATEGIES):
        assert model_name in models, model_name


def _models_in(tp: Any) -> list[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for a in get_args(tp) for m in _models_in(a)]


_check_overrides()

# --- identifiers --------------------------------------------------------------------------

TABLE = builtin_table()
#: Every name initspec.get(str) accepts (canonical names and aliases).
KNOWN_NAMES: tuple[str, ...] = tuple(TABLE.by_name)
ENVELOPE_KEYS = ("module", "class_name", "config", "registered_name", "shared_object_id")


@st.composite
def _envelope(draw: st.DrawFn, entry: Entry) -> dict[str, Any]:
    model = TABLE.models[entry.tag]
    unknown = set(model.model_fields) - set(ENVELOPE_KEYS)
    if unknown:
        raise UnknownFieldType(f"envelope fields {sorted(unknown)} are new to strategies.py")
    config = draw(model_dicts(entry.cls.config_model))
    fields = model.model_fields
    class_name = draw(_strategy_for(fields["class_name"].annotation, [], Opts()))
    form = draw(st.sampled_from(["keras2", "keras3", "mixed", "hand-written"]))
    if form == "hand-written":  # no config, or null: the defaults, as in both Kerases
        return {"class_name": class_name, **draw(st.sampled_from([{}, {"config": None}]))}
    if form == "keras2":  # {"class_name", "config"}, as Keras 2 / tf.keras write it
        return {"class_name": class_name, "config": config}
    if form == "keras3":  # as Keras 3 writes a built-in: module + registered_name null
        out = {
            "module": draw(st.just("keras.initializers") | _modules(())),
            "class_name": class_name,
            "config": config,
            "registered_name": None,
        }
        if draw(st.booleans()):
            out["shared_object_id"] = draw(
                _strategy_for(fields["shared_object_id"].annotation, [], Opts())
            )
        return out
    out = draw(model_dicts(model, all_keys=None).map(dict))  # any optional keys, any values
    return {**out, "class_name": class_name, "config": config}


def valid_configs(entries: typing.Sequence[Entry] | None = None) -> st.SearchStrategy[Any]:
    """Serialized built-in initializer configs (dicts) that initspec must accept."""
    chosen = list(entries if entries is not None else TABLE.entries)
    # Classes whose configs hold arrays (Constant, STFT) have the most to get wrong; draw
    # them more often than a uniform choice of 16 classes would.
    rich = [e for e in chosen if _ARRAY_MODEL in _all_models(e.cls.config_model)]
    pick = st.sampled_from(chosen) | st.sampled_from(rich or chosen)
    return pick.flatmap(_envelope)


_ARRAY_MODEL = _types.ArraySpec


def _all_models(model: type[BaseModel]) -> set[type[BaseModel]]:
    found = {model}
    for field in model.model_fields.values():
        for nested in _models_in(field.annotation):
            found |= _all_models(nested)
    return found


def valid_identifiers() -> st.SearchStrategy[Any]:
    """Anything initspec.get must accept from a JSON file: null, a name, or a config."""
    return st.one_of(st.none(), st.sampled_from(KNOWN_NAMES), valid_configs())


# --- arbitrary JSON -----------------------------------------------------------------------


def _field_names() -> list[str]:
    names: set[str] = set(ENVELOPE_KEYS)
    for entry in TABLE.entries:
        for model in [entry.cls.config_model, *_models_in(entry.cls.config_model)]:
            names.update(model.model_fields)
            for field in model.model_fields.values():
                for nested in _models_in(field.annotation):
                    names.update(nested.model_fields)
    return sorted(names)


def _union_tags() -> list[str]:
    """The tags of every tagged union in the built-in config models (``Tag(...)`` metadata)."""
    tags: set[str] = set()
    stack: list[Any] = []
    for entry in TABLE.entries:
        for model in [entry.cls.config_model, *_models_in(entry.cls.config_model)]:
            for field in model.model_fields.values():
                stack += [field.annotation, *field.metadata]
                stack += [
                    f.annotation
                    for m in _models_in(field.annotation)
                    for f in m.model_fields.values()
                ]
    while stack:
        item = stack.pop()
        if isinstance(item, Tag):
            tags.add(item.tag)
        stack.extend(get_args(item))
        stack.extend(getattr(item, "__metadata__", ()))
    return sorted(tags)


#: Keys worth trying: every field name initspec knows, pointer-special characters, and the
#: tags initspec's unions put into pydantic locations.
INTERESTING_KEYS: tuple[str, ...] = (
    *_field_names(),
    *_union_tags(),
    "",
    "/",
    "~",
    "a/b",
    "m~n",
    "0",
    "__numpy__",
    "__tensor__",
    "SeedGenerator",
    "Config",
    "class name",
)
INTERESTING_STRINGS: tuple[str, ...] = (
    *KNOWN_NAMES,
    "Initializer",
    "initializer",
    "SeedGenerator",
    "__numpy__",
    "__tensor__",
    "keras.initializers",
    "keras.random",
    "os",
    "builtins",
    "fan_in",
    "FAN_IN",
    "uniform",
    "UNIFORM",
    "normal",
    "hann",
    "kaiser",
    "float32",
    "bool",
    "real",
    "density",
    "",
    " ",
    "\n",
    "zeros\n",
    "Zeros ",
    "\uff3a\uff25\uff32\uff2f\uff33",  # fullwidth ZEROS
    "İ",
    "\x00",
)


def _texts(surrogates: bool) -> st.SearchStrategy[str]:
    # st.characters() includes lone surrogates (Python strings that are not UTF-8 text).
    alphabet = st.characters() if surrogates else st.characters(codec="utf-8")
    return st.text(alphabet, max_size=10)


def json_values(*, surrogates: bool = False, max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Arbitrary JSON-like values: None, bools, ints (huge too), floats (NaN and infinities
    too), strings (unicode; lone surrogates if ``surrogates``), lists, and dicts with
    arbitrary string keys."""
    keys = st.sampled_from(INTERESTING_KEYS) | _texts(surrogates)
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from(HUGE_INTS),
        st.floats(),
        st.sampled_from([math.nan, math.inf, -math.inf, *FLOAT_EXTREMES]),
        _texts(surrogates),
        st.sampled_from(INTERESTING_STRINGS),
    )
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


# --- mutations ----------------------------------------------------------------------------

Path = tuple[str | int, ...]


def _set(doc: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


def _retyped(value: Any) -> st.SearchStrategy[Any]:
    """Values of another JSON type that a careless writer might put instead of ``value``."""
    options: list[Any] = [None, [value], {"value": value}, str(value)]
    if isinstance(value, bool):
        options += [int(value), float(value), "true" if value else "false"]
    elif isinstance(value, int):
        options += [value != 0, -value, value + 1, 10**400, str(value)]
        if abs(value) <= FLOAT_MAX:
            options.append(float(value))  # 1 -> 1.0
    elif isinstance(value, float):
        options += [math.floor(value) if math.isfinite(value) else 0, -value, value * 1e300]
        options += [math.nan, math.inf]
    elif isinstance(value, str):
        options += [
            value.upper(),
            value.lower(),
            value.swapcase(),
            value + " ",
            value + "\n",
            " " + value,
            value.replace("_", ""),
            value + "V3",
            1,
            True,
        ]
    elif isinstance(value, list):
        options += [{str(i): v for i, v in enumerate(value)}, value[:-1]]
        options += [[*value, value[0] if value else 1], [value, value]]
    elif isinstance(value, dict):
        options += [list(value.values()), list(value)]
    elif value is None:
        options += [0, False, "null", "None", [], {}]
    return st.sampled_from(options)


def _other_class_names() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(KNOWN_NAMES),
        st.sampled_from(KNOWN_NAMES).flatmap(_retyped).filter(lambda v: isinstance(v, str)),
        st.sampled_from(["SeedGenerator", "__numpy__", "__tensor__", "Initializer", "Custom>X"]),
        st.text(max_size=10),
    )


@st.composite
def _mutate(draw: st.DrawFn, doc: Any) -> Any:
    every = list(nodes(doc))
    dicts = [(p, v) for p, v in every if isinstance(v, dict)]
    kind = draw(st.sampled_from(["drop", "add", "replace", "retype", "class_name", "number"]))
    if kind == "drop" and any(d for _, d in dicts):
        path, node = draw(st.sampled_from([(p, d) for p, d in dicts if d]))
        del node[draw(st.sampled_from(sorted(node)))]
        return doc
    if kind == "add" and dicts:
        path, node = draw(st.sampled_from(dicts))
        node[draw(st.sampled_from(INTERESTING_KEYS) | st.text(max_size=6))] = draw(json_values())
        return doc
    if kind == "class_name":
        named = [(p, d) for p, d in dicts if "class_name" in d]
        if named:
            path, node = draw(st.sampled_from(named))
            node["class_name"] = draw(_other_class_names())
            return doc
    if kind == "number":
        found = [(p, v) for p, v in every if isinstance(v, (int, float)) and p]
        if found:
            path, value = draw(st.sampled_from(found))
            return _set(doc, path, draw(_retyped(value)))
    path, value = draw(st.sampled_from(every))
    if kind == "retype":
        return _set(doc, path, draw(_retyped(value)))
    return _set(doc, path, draw(json_values()))


@st.composite
def mutated_configs(draw: st.DrawFn, max_mutations: int = 3) -> Any:
    """A valid config with 1..``max_mutations`` mutations: a key dropped or added, a value
    replaced by an arbitrary JSON value or by one of the wrong type, a class_name changed
    (to another known name, a near miss or an unknown one), a number changed."""
    doc = copy.deepcopy(draw(valid_configs()))
    for _ in range(draw(st.integers(1, max_mutations))):
        doc = draw(_mutate(doc))
    return doc


# --- JSON documents -------------------------------------------------------------------------


def to_json_document(value: Any) -> tuple[bool, Any]:
    """(True, the value as parsed back from strict JSON text), or (False, None) when the value
    is not JSON (NaN, infinities, lone surrogates, non-string keys, tuples...)."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError):
        return False, None
    doc = json.loads(text)
    if not _same_json(doc, value):  # tuples, non-string keys
        return False, None
    return True, doc


def _same_json(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b
