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
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from pydantic import ConfigDict, Field, ValidationError

from .._lazy import lazy
from ..errors import InitializerError, Loc, closest, describe, records_from_pydantic
from ..limits import MAX_BYTES_ENV, max_tensor_bytes
from ._types import DTYPE_NAMES, DtypeName, StrictModel

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy("numpy", globals(), "np")  # imported when first used

__all__ = [
    "Initializer",
    "InitializerConfig",
    "KerasConfig",
    "call_error",
    "check_shape",
    "resolve_dtype",
    "region",
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

    >>> resolve_dtype(None), resolve_dtype("float64"), resolve_dtype(np.int8)
    (dtype('float32'), dtype('float64'), dtype('int8'))
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
    if name is None or name not in DTYPE_NAMES:
        near = closest(name, DTYPE_NAMES, 1) if name else []
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise call_error(
            loc,
            "invalid_dtype",
            f"unknown dtype {describe(dtype)}; expected one of {', '.join(DTYPE_NAMES)}{hint}",
            dtype,
        )
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


def check_fits(name: str, value: float, dtype: np.dtype[Any]) -> None:
    """Refuse a scale factor (a gain) that overflows a floating dtype: values would be inf."""
    if abs(value) > float_max(dtype):
        raise call_error(
            ("dtype",), "value_does_not_fit", f"{name} {value!r} overflows {dtype.name}", dtype.name
        )


def values_fit(
    values: np.ndarray[Any, Any], dtype: np.dtype[Any], truncate: bool = False
) -> str | None:
    """Why ``values`` cannot be represented in ``dtype``, or ``None`` when they can.

    Exact for every input, including object arrays of Python integers of any size. With
    ``truncate``, fractions may be cut to integers (a cast); the range must still fit.
    """
    if values.size == 0:
        return None
    kind = dtype_kind(dtype)
    if values.dtype.kind == "c" and kind != "c":
        return f"complex values do not fit {dtype.name}"
    if values.dtype == object:
        return _objects_fit(values.reshape(-1).tolist(), dtype, kind, truncate)
    if kind in "fc":
        parts = (values.real, values.imag) if values.dtype.kind == "c" else (values,)
        limit = float_max(np.dtype(dtype.type(0).real.dtype) if kind == "c" else dtype)
        biggest = max(float(np.max(np.abs(p.astype(np.float64)))) for p in parts)
        if biggest > limit:
            return f"{biggest!r} overflows {dtype.name} (largest {limit!r})"
        return None
    as_float = values.reshape(-1).astype(np.float64)
    if kind == "b":
        if not np.all((as_float == 0) | (as_float == 1)):
            return "a bool tensor can only hold 0/1 (false/true)"
        return None
    if not truncate and not np.all(np.floor(as_float) == as_float):
        bad = values.reshape(-1)[np.flatnonzero(np.floor(as_float) != as_float)[0]]
        return f"{bad!r} is not an integer, so it does not fit {dtype.name}"
    info = np.iinfo(dtype)
    if values.dtype.kind in "iub":
        lo, hi = int(values.min()), int(values.max())
    else:
        lo, hi = math.floor(float(as_float.min())), math.floor(float(as_float.max()))
    if lo < info.min or hi > info.max:
        return f"values from {lo} to {hi} do not fit {dtype.name} ([{info.min}, {info.max}])"
    return None


def _objects_fit(items: list[Any], dtype: np.dtype[Any], kind: str, truncate: bool) -> str | None:
    """``values_fit`` for Python numbers (integers beyond int64 included), compared exactly."""
    if kind in "fc":
        limit = float_max(np.dtype(dtype.type(0).real.dtype) if kind == "c" else dtype)
        for item in items:
            try:
                size = abs(float(item))
            except OverflowError:
                return f"an integer of {int(item).bit_length()} bits overflows {dtype.name}"
            if size > limit:
                return f"{item!r} overflows {dtype.name} (largest {limit!r})"
        return None
    if kind == "b":
        ok = all(item in (0, 1) for item in items)
        return None if ok else "a bool tensor can only hold 0/1 (false/true)"
    info = np.iinfo(dtype)
    for item in items:
        if isinstance(item, float) and not truncate and not item.is_integer():
            return f"{item!r} is not an integer, so it does not fit {dtype.name}"
        whole = math.floor(item) if isinstance(item, float) else int(item)
        if not info.min <= whole <= info.max:
            return f"{whole} does not fit {dtype.name} ([{info.min}, {info.max}])"
    return None


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

    if len(dims) > 64:
        raise call_error(loc, "invalid_shape", f"at most 64 dimensions; got {len(dims)}", len(dims))
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
        self._fill(out, full, offset, threads)
        return out

    def check_call(self, shape: Any, dtype: Any = None) -> tuple[tuple[int, ...], np.dtype[Any]]:
        """The checked shape and dtype of a call, or the ``InitializerError`` the call raises
        for them (without making anything).

        >>> import initspec
        >>> initspec.Orthogonal().check_call([3, 2], "float64")
        ((3, 2), dtype('float64'))
        """
        if type(shape) is tuple and all(type(d) is int and d >= 0 for d in shape):
            full = shape if len(shape) <= 64 else check_shape(shape)
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

    def _fill(
        self,
        out: np.ndarray[Any, Any],
        full: tuple[int, ...],
        offset: tuple[int, ...] | None,
        threads: int | None,
    ) -> None:
        """Write the part of the full tensor that ``out`` covers (at ``offset``) into ``out``."""
        whole = np.asarray(self.generate(full, out.dtype))
        if whole.shape != full:
            raise call_error(
                ("shape",),
                "shape_mismatch",
                f"{type(self).__name__}.generate returned shape {whole.shape} for shape {full}",
                list(whole.shape),
            )
        out[...] = whole if offset is None else whole[region(offset, out.shape)]


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
        plain = python_scalars(config)
        if plain is not config:  # numpy scalars from Python callers: as the numbers they hold
            return validate_config(cls, plain, loc)
        records = records_from_pydantic(exc, cls.config_model, prefix=loc)
        raise InitializerError(records, subject=f"the {cls.__name__} config") from exc


def python_scalars(value: Any, budget: int = 100_000) -> Any:
    """``value`` with numpy scalars replaced by Python ones (the same object if there were none).

    Only tried after a validation failure, so valid plain data never pays for it. Shared
    subtrees are converted once, and at most ``budget`` containers are visited (past that the
    value is returned as it is), so an alias-bombed document costs nothing.
    """
    done: dict[int, Any] = {}
    left = [budget]

    def convert(item: Any) -> Any:
        if isinstance(item, (np.integer, np.floating)):  # numpy booleans stay: not numbers
            return item.item()
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
