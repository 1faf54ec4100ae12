"""The :class:`Initializer` base class and the checks every call goes through.

An initializer is a validated config (a pydantic model, ``config_model``) plus a way to fill
an array. ``__call__`` checks the shape, dtype and partition, allocates (or takes ``out=``),
and asks the subclass to fill it. A user's own initializer subclasses :class:`Initializer`,
declares ``config_model`` and implements :meth:`Initializer.generate`:

>>> import numpy as np
>>> import initspec
>>> class Scaled(initspec.Initializer):
...     class config_model(initspec.InitializerConfig):
...         factor: float = 1.0
...     def generate(self, shape, dtype):
...         return np.full(shape, self.factor, dtype)
>>> Scaled(factor=2.5)((2,)).tolist()
[2.5, 2.5]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NamedTuple, NoReturn, TypeVar, cast

from pydantic import ConfigDict, Field, ValidationError

from .._lazy import lazy
from .._pydantic_errors import records_from_pydantic
from ..errors import (
    InitializerError,
    Loc,
    closest,
    describe,
    did_you_mean,
)
from ..limits import MAX_BYTES_ENV, MAX_RANK, max_tensor_bytes
from ._types import (
    AMBIGUOUS_DTYPES,
    DTYPE_ALIASES,
    DTYPE_NAMES,
    DtypeName,
    StrictModel,
    numpy_scalar,
)

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy("numpy", globals(), "np")  # imported when first used

__all__ = [
    "Call",
    "Initializer",
    "InitializerConfig",
    "KerasConfig",
    "call_error",
    "cast_values",
    "check_shape",
    "resolve_dtype",
    "region",
    "rounds_finite",
    "values_fit",
]

T = TypeVar("T", bound="Initializer[Any]")
C = TypeVar("C", bound=StrictModel)


class InitializerConfig(StrictModel):
    """Base class of config models: strict types, unknown keys rejected, immutable.

    Fields are the initializer's constructor arguments, as in Keras, where ``get_config()``
    returns the constructor's keyword arguments.
    """

    # a user's config model is built where it is defined, so a mistake in it shows there
    model_config = ConfigDict(defer_build=False)


class KerasConfig(InitializerConfig):
    """Base of the built-in configs: accepts (and drops) the ``dtype`` key TF1-era files carry."""

    model_config = ConfigDict(defer_build=True)  # built on first use, as StrictModel

    dtype: DtypeName | None = Field(
        default=None,
        exclude=True,
        description="Written by TF1-era Keras; accepted and ignored, as Keras 2 does (the "
        "dtype is chosen when the initializer is called).",
    )


def call_error(loc: Loc, type_: str, msg: str, value: Any) -> InitializerError:
    return InitializerError.single(loc, type_, msg, value, subject="the initializer call")


_NAMED: dict[Any, str] = {int: "'int32' or 'int64'", bool: "'bool'", complex: "'complex64'"}


def resolve_dtype(dtype: Any, loc: Loc = ("dtype",)) -> np.dtype[Any]:
    """The numpy dtype for ``dtype`` (``None`` means float32); bfloat16 needs ``ml_dtypes``.

    ``dtype`` is a name (or one of numpy's aliases such as ``"double"``), a ``numpy.dtype``, a
    numpy scalar type, or another framework's dtype object (``jnp.float32``, ``torch.float64``,
    ``tf.float16``), read by its name without importing the framework.

    >>> resolve_dtype(None), resolve_dtype("float64"), resolve_dtype(np.int8)
    (dtype('float32'), dtype('float64'), dtype('int8'))
    >>> resolve_dtype("half"), resolve_dtype("f8")
    (dtype('float16'), dtype('float64'))
    """
    if dtype is None:
        return np.dtype(np.float32)
    if dtype is float or dtype is int or dtype is bool or dtype is complex:
        raise call_error(
            loc,
            "invalid_dtype",
            f"Python's {dtype.__name__} type is ambiguous as a dtype (Keras reads float as "
            "float32, numpy as float64; int as int32 or int64); pass a dtype name such as "
            f"{_NAMED.get(dtype, repr('float32'))}",
            dtype,
        )
    name: str | None = None
    if isinstance(dtype, str):
        name = dtype
    elif isinstance(dtype, np.dtype) or (isinstance(dtype, type) and issubclass(dtype, np.generic)):
        name = np.dtype(dtype).name
    else:
        name = _foreign_dtype_name(dtype)
    if name is not None and name not in DTYPE_NAMES:
        if name in AMBIGUOUS_DTYPES:
            raise call_error(
                loc,
                "invalid_dtype",
                f"the dtype {name!r} is ambiguous: {AMBIGUOUS_DTYPES[name]}",
                dtype,
            )
        name = DTYPE_ALIASES.get(name)
    if name is None:
        return _unknown_dtype(dtype, loc)
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise call_error(
                loc,
                "invalid_dtype",
                "bfloat16 needs the ml_dtypes package (pip install 'initspec[bfloat16]')",
                dtype,
            ) from None
        bfloat16: np.dtype[Any] = np.dtype(ml_dtypes.bfloat16)
        return bfloat16
    return np.dtype(name)


_RESOLVED: dict[Any, tuple[np.dtype[Any], str]] = {}


def _dtype_and_kind(dtype: Any) -> tuple[np.dtype[Any], str]:
    """``resolve_dtype`` and ``dtype_kind``, remembered for the few dtypes a program uses
    (the per-call cost of a small tensor is mostly such lookups)."""
    try:
        return _RESOLVED[dtype]
    except (KeyError, TypeError):  # not seen yet, or not hashable
        pass
    dt = resolve_dtype(dtype)
    found = dt, dtype_kind(dt)
    try:
        if len(_RESOLVED) < 64:
            _RESOLVED[dtype] = found
    except TypeError:
        pass
    return found


def _foreign_dtype_name(dtype: Any) -> str | None:
    """The name another framework's dtype object goes by, read as Keras reads it: its ``name``
    (``tf.float16``), its ``__name__`` (``jnp.float32``), or ``str`` minus ``torch.``
    (``torch.float64``). Nothing is imported; an object that fails to answer has no name."""
    try:
        for attribute in ("name", "__name__"):
            name = getattr(dtype, attribute, None)
            if isinstance(name, str):
                return name
        text = str(dtype)
    except Exception:  # the caller's object misbehaving is an unknown dtype, not a crash
        return None
    return text[len("torch.") :] if text.startswith("torch.") else None


def _unknown_dtype(dtype: Any, loc: Loc) -> NoReturn:
    given = dtype if isinstance(dtype, str) else _foreign_dtype_name(dtype)
    hint = did_you_mean(closest(given, [*DTYPE_NAMES, *DTYPE_ALIASES], 1))
    raise call_error(
        loc,
        "invalid_dtype",
        f"unknown dtype {describe(dtype)}; expected one of {', '.join(DTYPE_NAMES)} "
        f"(or numpy's aliases of them, such as 'double'){hint}",
        dtype,
    )


def dtype_kind(dtype: np.dtype[Any]) -> str:
    """'f' floating (bfloat16 included), 'i'/'u' integers, 'b' bool, 'c' complex."""
    return "f" if dtype.name == "bfloat16" else dtype.kind


def float_max(dtype: np.dtype[Any]) -> float:
    """The largest finite value of a floating dtype (bfloat16 included)."""
    if dtype.name == "bfloat16":
        import ml_dtypes

        finfo: Any = ml_dtypes.finfo
        return float(finfo(dtype).max)
    info: Any = np.finfo(dtype)
    return float(info.max)


def _part_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype of each part of a complex dtype (float32 for complex64); others unchanged."""
    return np.dtype(dtype.type(0).real.dtype) if dtype.kind == "c" else dtype


def rounds_finite(value: float, dtype: np.dtype[Any]) -> bool:
    """Whether a finite number stays finite when rounded to a floating dtype (by the cast
    itself, so the limit is where rounding overflows: 65519 fits float16, 65520 does not).

    >>> rounds_finite(65519.0, np.dtype("float16")), rounds_finite(65520.0, np.dtype("float16"))
    (True, False)
    """
    try:
        wide = float(value)
    except OverflowError:  # an integer beyond float64
        return False
    if not math.isfinite(wide):
        return False
    if abs(wide) <= float_max(dtype):
        return True
    with np.errstate(over="ignore"):
        rounded = np.array(wide).astype(_part_dtype(dtype)).astype(np.float64)
    return bool(np.isfinite(rounded))


def check_fits(name: str, value: float, dtype: np.dtype[Any]) -> None:
    """Refuse a scale factor (a gain) that rounds to infinity in a floating dtype."""
    if not rounds_finite(value, dtype):
        raise call_error(
            ("dtype",),
            "value_does_not_fit",
            f"{name} {value!r} overflows {dtype.name}: it rounds to infinity (the largest "
            f"{dtype.name} is {float_max(dtype)!r})",
            dtype.name,
        )


def values_fit(values: np.ndarray[Any, Any], dtype: np.dtype[Any]) -> str | None:
    """Why casting ``values`` to ``dtype`` would change one of them, or ``None`` if it would not.

    The one rule for constants and arrays (``Constant`` values, ``__numpy__``/``__tensor__``
    arrays, array identifiers): a floating dtype may round a value to its nearest
    representable one, but not to infinity (NaN and infinities stay what they are); integer
    dtypes take only integers in their range (no fraction, NaN or infinity), bool only 0 and
    1; a real dtype takes a complex value only when its imaginary part is 0. Exact for every
    input, including object arrays of Python integers of any size. The message names the
    first offending value.

    >>> values_fit(np.array([1.0, 1.5]), np.dtype("int32"))
    '1.5 (at index [1]) is not an integer, so it does not fit int32'
    >>> values_fit(np.array([65519.0]), np.dtype("float16")) is None
    True
    """
    if values.size == 0:
        return None
    flat = values.reshape(-1)
    kind = dtype_kind(dtype)
    if flat.dtype == object:
        for i, item in enumerate(flat.tolist()):
            problem = _item_fits(item, dtype, kind)
            if problem:
                return _at(values.shape, i, item) + problem
        return None
    if flat.dtype.kind == "c" and kind != "c":
        imaginary = np.flatnonzero(flat.imag != 0)
        if imaginary.size:
            i = int(imaginary[0])
            why = f" has an imaginary part, which {dtype.name} cannot hold"
            return _at(values.shape, i, flat[i]) + why
        flat = flat.real
    if dtype_kind(flat.dtype) == "f" and flat.dtype.kind not in "fc":  # bfloat16: exactly
        flat = flat.astype(np.float32)
    bad, problem = _first_misfit(flat, dtype, kind)
    if bad is None:
        return None
    return _at(values.shape, bad, flat[bad]) + problem


def _first_misfit(
    flat: np.ndarray[Any, Any], dtype: np.dtype[Any], kind: str
) -> tuple[int | None, str]:
    """(index of the first value of a 1-D real array that ``dtype`` cannot hold, why)."""
    src = flat.dtype.kind
    if kind in "fc":
        if src == "b":
            return None, ""
        parts = (flat.real, flat.imag) if src == "c" else (flat,)
        target = _part_dtype(dtype)
        limit = float_max(target)
        for part in parts:
            if part.dtype.kind == "f" and float(np.finfo(part.dtype).max) <= limit:
                continue  # into a floating dtype at least as wide: nothing can overflow
            wide = np.float64(limit)  # compared in float64: no overflow, whatever the dtypes
            beyond = (part > wide) | (part < -wide)
            if part.dtype.kind in "fc":
                beyond &= np.isfinite(part)  # infinities stay infinities
            candidates = np.flatnonzero(beyond)
            if candidates.size:  # the cast decides: rounding, not the largest value, is the limit
                with np.errstate(over="ignore"):
                    rounded = part[candidates].astype(target).astype(np.float64)
                infinite = candidates[~np.isfinite(rounded)]
                if infinite.size:
                    return int(infinite[0]), (
                        f" overflows {dtype.name}: it rounds to infinity (the largest "
                        f"{dtype.name} is {limit!r})"
                    )
        return None, ""
    if kind == "b":
        bad = np.flatnonzero((flat != 0) & (flat != 1))
        if bad.size:
            return int(bad[0]), " does not fit bool: a bool tensor holds only 0/1 (false/true)"
        return None, ""
    info = np.iinfo(dtype)
    if src == "b":
        return None, ""
    if src == "f":
        fractional = np.flatnonzero(np.floor(flat) != flat)  # NaN too (infinities: below)
        if fractional.size:
            return int(fractional[0]), f" is not an integer, so it does not fit {dtype.name}"
        lo, hi = float(flat.min()), float(flat.max())
        if info.min <= lo and hi <= info.max:  # exact: Python compares floats and ints exactly
            return None, ""
        high = float(info.max)  # 2**63 - 1 rounds up to 2**63, which does not fit
        rounded_up = high > info.max
        over = (flat >= np.float64(high)) if rounded_up else (flat > np.float64(high))
        outside: np.ndarray[Any, Any] = over | (flat < np.float64(info.min))
    else:
        if info.min <= int(flat.min()) and int(flat.max()) <= info.max:
            return None, ""
        held = np.iinfo(flat.dtype)
        outside = np.zeros(flat.shape, bool)
        if info.max < held.max:
            outside |= flat > flat.dtype.type(info.max)
        if info.min > held.min:
            outside |= flat < flat.dtype.type(info.min)
    bad = np.flatnonzero(outside)
    if bad.size:
        return int(bad[0]), f" does not fit {dtype.name} ([{info.min}, {info.max}])"
    return None, ""


def _item_fits(item: Any, dtype: np.dtype[Any], kind: str) -> str | None:
    """``values_fit`` for one Python number (an integer of any size), compared exactly."""
    if isinstance(item, complex):
        if kind != "c" and item.imag != 0:
            return f" has an imaginary part, which {dtype.name} cannot hold"
        parts = [item.real, item.imag]
    else:
        parts = [item]
    if kind in "fc":
        for part in parts:
            if isinstance(part, float) and not math.isfinite(part):
                continue  # infinities stay infinities, NaN stays NaN
            if not rounds_finite(part, dtype):
                limit = float_max(_part_dtype(dtype))
                return (
                    f" overflows {dtype.name}: it rounds to infinity (the largest "
                    f"{dtype.name} is {limit!r})"
                )
        return None
    value = parts[0]
    if kind == "b":
        return None if value in (0, 1) else " does not fit bool: a bool tensor holds only 0/1"
    if isinstance(value, float) and not value.is_integer():  # NaN and infinities too
        return f" is not an integer, so it does not fit {dtype.name}"
    info = np.iinfo(dtype)
    if not info.min <= int(value) <= info.max:
        return f" does not fit {dtype.name} ([{info.min}, {info.max}])"
    return None


def _at(shape: tuple[int, ...], flat_index: int, value: Any) -> str:
    """The offending value, and where it is in an array of ``shape``."""
    shown = _show(value)
    if not shape:
        return shown
    index = [int(i) for i in np.unravel_index(flat_index, shape)]
    return f"{shown} (at index {index})"


def _show(value: Any) -> str:
    if isinstance(value, np.generic):
        plain = value.item() if value.dtype.kind in "biufc" else float(value)
        if not isinstance(plain, np.generic):
            value = plain
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"an integer of {value.bit_length()} bits"
    return repr(value)


def cast_values(values: np.ndarray[Any, Any], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """``values`` as an array of ``dtype``, after :func:`values_fit` found nothing wrong.

    Python integers beyond int64 (object arrays) convert exactly into integer dtypes and
    through float64 into floating ones; a complex value with no imaginary part gives its real
    part.
    """
    if values.dtype == object:
        if dtype_kind(dtype) in "iub":
            return np.array(values.tolist(), dtype=dtype)
        return values.astype(np.float64).astype(dtype)
    if values.dtype.kind == "c" and dtype_kind(dtype) != "c":
        values = values.real
    return values if values.dtype == dtype else values.astype(dtype)


def check_shape(shape: Any, loc: Loc = ("shape",)) -> tuple[int, ...]:
    """``shape`` as a tuple of non-negative ints, or an ``invalid_shape`` error.

    >>> check_shape([3, np.int64(4)])
    (3, 4)
    """
    if isinstance(shape, (str, bytes, Mapping, set, frozenset)) or not isinstance(
        shape, (Sequence, np.ndarray)
    ):
        raise call_error(
            loc,
            "invalid_shape",
            "a shape is a tuple or list of non-negative "
            f"integers, such as (3, 3, 16, 32); got {describe(shape)}",
            shape,
        )
    dims: list[int] = []
    for i, dim in enumerate(list(shape)):
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
            raise call_error(
                (*loc, i),
                "invalid_shape",
                f"dimension {i} must be a non-negative integer; got {describe(dim)}",
                dim,
            )
        if dim < 0:
            raise call_error(
                (*loc, i),
                "invalid_shape",
                f"dimension {i} must be non-negative; got {int(dim)}",
                int(dim),
            )
        dims.append(int(dim))

    if len(dims) > MAX_RANK:
        raise call_error(
            loc, "invalid_shape", f"at most {MAX_RANK} dimensions; got {len(dims)}", len(dims)
        )
    return tuple(dims)


def _partition(
    full: tuple[int, ...], partition_shape: Any, partition_offset: Any
) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    if partition_shape is None and partition_offset is None:
        return full, None
    if partition_shape is None or partition_offset is None:
        missing = "partition_offset" if partition_offset is None else "partition_shape"
        raise call_error(
            (missing,),
            "invalid_partition",
            "partition_shape and partition_offset go together; give both",
            None,
        )
    pshape = check_shape(partition_shape, ("partition_shape",))
    offset = check_shape(partition_offset, ("partition_offset",))
    for name, value in (("partition_shape", pshape), ("partition_offset", offset)):
        if len(value) != len(full):
            raise call_error(
                (name,),
                "invalid_partition",
                f"{name} has rank {len(value)} but the shape {full} has rank {len(full)}",
                list(value),
            )
    for axis, (p, o, f) in enumerate(zip(pshape, offset, full, strict=True)):
        if o + p > f:
            raise call_error(
                ("partition_offset", axis),
                "invalid_partition",
                f"on axis {axis} the partition [{o}, {o + p}) lies outside [0, {f})",
                o,
            )
    return pshape, offset


class Initializer(Generic[C]):
    """Base class of every initializer, built-in or the user's own.

    Calling an initializer returns a new numpy array (or fills ``out=``):
    ``init(shape, dtype=None, *, partition_shape=None, partition_offset=None, out=None,
    threads=None)``. Its values are a pure function of (seed, full shape, dtype, config);
    a partition is exactly the slice ``full[offset : offset + partition_shape]``.

    >>> import initspec
    >>> init = initspec.RandomUniform(minval=0.0, maxval=1.0, seed=1)
    >>> full = init((4, 4))
    >>> part = init((4, 4), partition_shape=(2, 4), partition_offset=(2, 0))
    >>> bool((part == full[2:]).all())
    True
    """

    #: The pydantic model of this initializer's config (its constructor arguments).
    config_model: ClassVar[type[StrictModel]] = InitializerConfig
    #: Other names this class is known by (its class name is always one).
    aliases: ClassVar[tuple[str, ...]] = ()
    #: numpy dtype kinds this initializer can produce ('f' float, 'i'/'u' int, 'b', 'c').
    dtype_kinds: ClassVar[str] = "fiubc"
    #: Built-ins are constructed from a validated config without re-running ``__init__``.
    _direct_build: ClassVar[bool] = False

    _config: C

    def __init__(self, **config: Any) -> None:
        self._config = cast(C, validate_config(type(self), config, loc=()))
        self._build()

    def _build(self) -> None:
        """Set up derived state from ``self._config`` (subclasses: seeds, tables)."""

    @classmethod
    def _from_model(cls: type[T], model: StrictModel) -> T:
        """An instance from an already validated config model."""
        if cls._direct_build:
            self = cls.__new__(cls)
            self._config = model
            self._build()
            return self
        return cls(**dict(model))

    @classmethod
    def from_config(cls: type[T], config: Mapping[str, Any]) -> T:
        """An instance from a config dict (what :meth:`get_config` returns), validated.

        >>> import initspec
        >>> initspec.RandomNormal.from_config({"stddev": 0.5}).get_config()["stddev"]
        0.5
        """
        return cls._from_model(validate_config(cls, config, loc=()))

    @property
    def config(self) -> C:
        """The validated config model."""
        return self._config

    def get_config(self) -> dict[str, Any]:
        """The config as Keras 3.15 writes it (Identity keeps its gain)."""
        return self._config.model_dump(mode="python")

    def clone(self: T) -> T:
        """A new instance with the same config (an unseeded clone draws a new seed)."""
        return type(self)._from_model(self._config)

    def __getattr__(self, name: str) -> Any:
        # Keras-style attribute access to config fields: ``init.stddev``.
        if not name.startswith("_"):
            config = self.__dict__.get("_config")
            if config is not None and name in type(config).model_fields:
                return getattr(config, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        assert isinstance(other, Initializer)
        return self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((type(self), _freeze(self.get_config())))

    def __repr__(self) -> str:
        args = self._config.model_dump(exclude_defaults=True)
        inner = ", ".join(f"{k}={v!r}" for k, v in args.items())
        return f"{type(self).__name__}({inner})"

    # --- calling ----------------------------------------------------------------------

    def __call__(
        self,
        shape: Sequence[int],
        dtype: Any = None,
        *,
        partition_shape: Sequence[int] | None = None,
        partition_offset: Sequence[int] | None = None,
        out: np.ndarray[Any, Any] | None = None,
        threads: int | None = None,
    ) -> np.ndarray[Any, Any]:
        """A new array of ``shape`` and ``dtype`` (default float32), or the partition of it."""
        if dtype is None and out is not None and isinstance(out, np.ndarray):
            dtype = out.dtype
        full, dt = self.check_call(shape, dtype)
        if partition_shape is None and partition_offset is None:  # the whole tensor
            part, offset = full, None
        else:
            part, offset = _partition(full, partition_shape, partition_offset)
        if threads is not None and (
            isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
        ):
            raise call_error(
                ("threads",),
                "invalid_argument",
                f"threads must be a positive integer; got {describe(threads)}",
                threads,
            )
        size = math.prod(d for d in full if d)  # numpy's bound, zero-size dimensions or not
        if size * dt.itemsize >= 2**63:
            raise call_error(
                ("shape",),
                "too_large",
                f"the shape {full} has {size:,} elements ({size * dt.itemsize:,} bytes of "
                f"{dt.name}), more than numpy can address (2**63 - 1 bytes)",
                list(full),
            )
        output = math.prod(part) * dt.itemsize if out is None else 0
        work = self.work_bytes(full, dt)
        if output + work and output + work > max_tensor_bytes():  # nothing to bound: no lookup
            needs = f"the array would take {output:,} bytes" if output else "the call"
            extra = f" and its computation {work:,} more" if work else ""
            raise call_error(
                ("shape",),
                "too_large",
                f"{needs}{extra}, more than the limit of {max_tensor_bytes():,} bytes (set "
                f"{MAX_BYTES_ENV}, or pass out= to write into your own memory)",
                list(part),
            )
        if out is None:
            out = np.empty(part, dt)
        else:
            _check_out(out, part, dt)
        # tuple.__new__ builds the Call without NamedTuple's Python-level __new__ (a third of
        # a microsecond): a small call's fixed cost stays what it was with four arguments
        self._fill(tuple.__new__(Call, (out, full, offset, threads)))
        return out

    def check_call(self, shape: Any, dtype: Any = None) -> tuple[tuple[int, ...], np.dtype[Any]]:
        """The checked shape and dtype of a call, or the ``InitializerError`` the call raises
        for them (without making anything).

        >>> import initspec
        >>> initspec.Orthogonal().check_call([3, 2], "float64")
        ((3, 2), dtype('float64'))
        """
        if type(shape) is tuple and all(type(d) is int and d >= 0 for d in shape):
            full = shape if len(shape) <= MAX_RANK else check_shape(shape)
        else:
            full = check_shape(shape)
        dt, kind = _dtype_and_kind(dtype)
        if kind not in self.dtype_kinds:
            raise call_error(
                ("dtype",),
                "unsupported_dtype",
                f"{type(self).__name__} cannot produce {dt.name}; it makes {self._kinds_text()}",
                dt.name,
            )
        self.check_call_shape(full)
        return full, dt

    def _kinds_text(self) -> str:
        names = {
            "f": "floating",
            "i": "signed integer",
            "u": "unsigned integer",
            "b": "bool",
            "c": "complex",
        }
        return ", ".join(names[k] for k in self.dtype_kinds) + " dtypes"

    def work_bytes(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> int:
        """Working memory a call needs besides its output (checked before anything is made).

        The default assumes :meth:`generate` makes the whole tensor once.
        """
        return 0 if self._direct_build else math.prod(shape) * dtype.itemsize

    def check_call_shape(self, shape: tuple[int, ...]) -> None:
        """Reject shapes this initializer cannot fill (e.g. rank rules). Default: any shape."""

    def generate(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
        """The whole tensor. User initializers implement this; built-ins override ``_fill``."""
        raise NotImplementedError(f"{type(self).__name__} must implement generate(shape, dtype)")

    def _fill(self, call: Call) -> None:
        """Write the part of the full tensor that ``call.out`` covers into it."""
        out, full, _, _ = call
        whole = np.asarray(self.generate(full, out.dtype))
        if whole.shape != full:
            raise call_error(
                ("shape",),
                "shape_mismatch",
                f"{type(self).__name__}.generate returned shape {whole.shape} for shape {full}",
                list(whole.shape),
            )
        call.write(whole)


def _freeze(value: Any) -> Any:
    """A hashable form of a config that hashes equal values equally (``1`` and ``1.0`` too)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def region(offset: Sequence[int], shape: Sequence[int]) -> tuple[slice, ...]:
    """The slices selecting the box of ``shape`` at ``offset``."""
    return tuple(slice(o, o + s) for o, s in zip(offset, shape, strict=True))


class Call(NamedTuple):
    """One checked initializer call, as an implementation's ``_fill`` receives it: the array
    to write (``out``: the partition, or the whole tensor), the shape of the whole tensor,
    where ``out`` lies in it (``None``: ``out`` is the whole tensor) and the thread count.

    >>> out = np.zeros((2,))
    >>> call = Call(out, (4,), (1,), None)
    >>> call.part(np.arange(4.0)).tolist()
    [1.0, 2.0]
    >>> call.write(np.arange(4.0)); out.tolist()
    [1.0, 2.0]
    """

    out: np.ndarray[Any, Any]
    full: tuple[int, ...]
    offset: tuple[int, ...] | None
    threads: int | None

    def part(self, whole: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The region of ``whole`` (an array of the full shape) that ``out`` covers."""
        return whole if self.offset is None else whole[region(self.offset, self.out.shape)]

    def write(self, whole: np.ndarray[Any, Any]) -> None:
        """Write the region of ``whole`` (an array of the full shape) that ``out`` covers."""
        offset, out = self.offset, self.out  # as part(), without a second method call
        out[...] = whole if offset is None else whole[region(offset, out.shape)]


def _check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
    if not isinstance(out, np.ndarray):
        raise call_error(
            ("out",),
            "invalid_argument",
            f"out must be a numpy array (or numpy.memmap); got {describe(out)}",
            None,
        )
    problems = []
    if out.shape != shape:
        problems.append(f"shape {out.shape} instead of {shape}")
    if out.dtype != dtype:
        problems.append(f"dtype {out.dtype.name} instead of {dtype.name}")
    if not out.flags.c_contiguous:
        problems.append("it is not C-contiguous")
    if not out.flags.writeable:
        problems.append("it is read-only")
    if problems:
        raise call_error(
            ("out",), "invalid_argument", "out= does not fit: " + "; ".join(problems), None
        )


# --- validation ------------------------------------------------------------------------


def validate_config(cls: type[Initializer[Any]], config: Any, loc: Loc) -> StrictModel:
    """``config`` validated against ``cls.config_model``; errors located under ``loc``."""
    try:
        return cls.config_model.model_validate(config)
    except ValidationError as exc:
        error = exc
    plain = python_scalars(config)
    if plain is not config:  # numpy scalars from Python callers: as the values they hold
        config = plain
        try:
            return cls.config_model.model_validate(config)
        except ValidationError as exc:
            error = exc
    records = records_from_pydantic(error, cls.config_model, prefix=loc)
    raise InitializerError(records, subject=f"the {cls.__name__} config") from error


def python_scalars(value: Any, budget: int = 100_000) -> Any:
    """``value`` with numpy scalars replaced by Python values (the same object if there were
    none); see :func:`~initspec.initializers._types.numpy_scalar` for which.

    Only tried after a validation failure, so valid plain data never pays for it. Shared
    subtrees are converted once, and at most ``budget`` containers are visited (past that the
    value is returned as it is), so an alias-bombed document costs nothing.
    """
    done: dict[int, Any] = {}
    left = [budget]

    def convert(item: Any) -> Any:
        if isinstance(item, np.generic):
            return numpy_scalar(item)
        if not isinstance(item, (dict, list, tuple)):
            return item
        key = id(item)
        if key in done:
            return done[key]
        left[0] -= 1
        if left[0] < 0:
            return item
        done[key] = item  # a cycle returns the original
        if isinstance(item, dict):
            items = {k: convert(v) for k, v in item.items()}
            result: Any = items if any(items[k] is not v for k, v in item.items()) else item
        else:
            parts = [convert(v) for v in item]
            changed = any(p is not v for p, v in zip(parts, item, strict=True))
            result = (parts if isinstance(item, list) else tuple(parts)) if changed else item
        done[key] = result
        return result

    try:
        return convert(value)
    except RecursionError:  # deeper than Python's stack: leave it to the validator's errors
        return value
