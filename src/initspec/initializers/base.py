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

import copy
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from pydantic import ConfigDict, Field, ValidationError

from .._lazy import lazy
from .._pydantic_errors import records_from_pydantic
from ..errors import InitializerError, Loc, describe
from ..limits import MAX_BYTES_ENV, MAX_RANK, max_tensor_bytes
from ._calls import Call, call_error, check_out, check_shape, dtype_and_kind, partition
from ._dtypes import (
    DtypeName,
)
from ._types import SeedGeneratorSpec, StrictModel, numpy_scalar

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy("numpy", globals(), "np")  # imported when first used

__all__ = [
    "Filler",
    "Initializer",
    "InitializerConfig",
    "KerasConfig",
    "python_scalars",
    "validate_config",
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


class Filler:
    """The call contract every initializer shares, configurable or not: a call's shape, dtype,
    partition, ``out=`` and thread count are checked (and the memory bound applied) before
    ``_fill`` writes the values.

    :class:`Initializer` adds a config; an array identifier
    (:class:`~initspec.initializers.constant.ArrayInitializer`) has none, so it is a
    ``Filler`` but not an ``Initializer``.

    >>> import numpy as np
    >>> import initspec
    >>> isinstance(initspec.get(np.zeros(2)), Filler), isinstance(initspec.HeNormal(), Filler)
    (True, True)
    """

    #: numpy dtype kinds this initializer can produce ('f' float, 'i'/'u' int, 'b', 'c').
    dtype_kinds: ClassVar[str] = "fiubc"
    #: ``_fill`` writes straight into ``out``: a call needs no temporary of the whole tensor
    #: (see :meth:`work_bytes`).
    _in_place: ClassVar[bool] = False

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
            part, offset = partition(full, partition_shape, partition_offset)
        if threads is not None and (
            isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
        ):
            raise call_error(
                ("threads",),
                "invalid_argument",
                f"threads must be a positive integer; got {describe(threads)}",
                threads,
            )
        # numpy's bound, zero-size dimensions or not
        size = math.prod(full) or math.prod(d for d in full if d)
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
        elif check_out(out, part, dt):  # the other byte order: made natively (within the
            # memory bound, as a call without out= is), then assigned, numpy swapping the bytes
            out[...] = self(
                full,
                dt,
                partition_shape=None if offset is None else part,
                partition_offset=offset,
                threads=threads,
            )
            return out
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
        if type(shape) is tuple and not [d for d in shape if type(d) is not int or d < 0]:
            full = shape if len(shape) <= MAX_RANK else check_shape(shape)
        else:
            full = check_shape(shape)
        dt, kind = dtype_and_kind(dtype)
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

        The default: nothing when ``_fill`` writes straight into ``out`` (``_in_place``),
        else one temporary of the whole tensor (what :meth:`Initializer.generate` makes).
        """
        return 0 if self._in_place else math.prod(shape) * dtype.itemsize

    def check_call_shape(self, shape: tuple[int, ...]) -> None:
        """Reject shapes this initializer cannot fill (e.g. rank rules). Default: any shape."""

    def _fill(self, call: Call) -> None:
        """Write the part of the full tensor that ``call.out`` covers into it."""
        raise NotImplementedError(f"{type(self).__name__} must implement _fill(call)")


class Initializer(Filler, Generic[C]):
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
    #: Built from a validated config without re-running ``__init__`` (the built-ins, whose
    #: ``__init__`` only passes its arguments on).
    _from_validated: ClassVar[bool] = False

    _config: C

    def __init__(self, **config: Any) -> None:
        self._config = cast(C, validate_config(type(self), config, loc=()))
        self._build()

    def _build(self) -> None:
        """Set up derived state from ``self._config`` (subclasses: seeds, tables)."""

    @classmethod
    def _from_model(cls: type[T], model: StrictModel) -> T:
        """An instance from an already validated config model."""
        if cls._from_validated:
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

    def keras2_config(self) -> dict[str, Any]:
        """The config as Keras 2 writes it (what ``serialize(format="keras2")`` puts under
        ``config``), or ``not_serializable`` for what Keras 2 cannot express.

        The default is :meth:`get_config` with a Keras 3 SeedGenerator seed written as its
        integer seed; classes whose Keras 2 form differs override it.

        >>> import initspec
        >>> initspec.RandomNormal(seed=3).keras2_config()
        {'seed': 3, 'mean': 0.0, 'stddev': 0.05}
        """
        config = copy.deepcopy(self.get_config())
        seed = getattr(self._config, "seed", None)
        if isinstance(seed, SeedGeneratorSpec):
            config["seed"] = seed.config.seed
        return config

    def theoretical_stats(
        self, shape: tuple[int, ...], dtype: np.dtype[Any]
    ) -> dict[str, float] | None:
        """The mean, standard deviation, min and max that the values of a call of ``shape``
        and ``dtype`` have in theory (what ``initspec show`` prints beside the sampled ones);
        ``None`` when there is none to give (deterministic values are their own theory).

        >>> import initspec
        >>> initspec.RandomUniform(0.0, 2.0).theoretical_stats((3,), np.dtype("float32"))
        {'mean': 1.0, 'std': 0.5773502691896258, 'min': 0.0, 'max': 2.0}
        >>> initspec.Zeros().theoretical_stats((3,), np.dtype("float32")) is None
        True
        """
        return None

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
    records = records_from_pydantic(error, cls.config_model, prefix=loc, data=config)
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
