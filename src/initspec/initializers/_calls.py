"""The checks every initializer call goes through, and the call value ``_fill`` receives.

``Filler.__call__`` (in :mod:`~initspec.initializers.base`) runs them in order: the shape
(:func:`check_shape`), the dtype (:func:`resolve_dtype`), a partition (:func:`partition`), and
an ``out=`` array (:func:`check_out`); each problem is an ``InitializerError`` of "the
initializer call" (:func:`call_error`). :class:`Call` carries the checked call to ``_fill``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .._lazy import lazy
from ..errors import InitializerError, Loc, describe
from ..limits import MAX_RANK
from . import _dtypes
from ._dtypes import DtypeProblem, dtype_kind, float_max, rounds_finite

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy("numpy", globals(), "np")  # imported when first used

__all__ = [
    "Call",
    "call_error",
    "check_fits",
    "check_out",
    "check_shape",
    "dtype_and_kind",
    "partition",
    "region",
    "resolve_dtype",
    "shares_memory_within",
]


def call_error(loc: Loc, type_: str, msg: str, value: Any) -> InitializerError:
    return InitializerError.single(loc, type_, msg, value, subject="the initializer call")


def resolve_dtype(dtype: Any, loc: Loc = ("dtype",)) -> np.dtype[Any]:
    """The numpy dtype for a call's ``dtype`` (``None`` means float32), or the call's
    ``invalid_dtype`` error at ``loc``; see :func:`~initspec.initializers._dtypes.resolve_dtype`.

    >>> resolve_dtype(None), resolve_dtype("float64"), resolve_dtype(np.int8)
    (dtype('float32'), dtype('float64'), dtype('int8'))
    """
    try:
        return _dtypes.resolve_dtype(dtype)
    except DtypeProblem as problem:
        raise call_error(loc, problem.type, problem.msg, problem.value) from None


_RESOLVED: dict[Any, tuple[np.dtype[Any], str]] = {}


def dtype_and_kind(dtype: Any) -> tuple[np.dtype[Any], str]:
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


def check_fits(what: str, value: float, dtype: np.dtype[Any]) -> None:
    """Refuse a value a call makes (a gain, a bound's reach) that rounds to infinity in a
    floating dtype: ``what`` names it in the message."""
    if not rounds_finite(value, dtype):
        raise call_error(
            ("dtype",),
            "value_does_not_fit",
            f"{what} {value:.6g} rounds to infinity in {dtype.name} (the largest {dtype.name} "
            f"is {float_max(dtype):.6g})",
            dtype.name,
        )


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


def partition(
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


def check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> bool:
    """Refuse an ``out=`` that cannot hold the call's tensor (wrong shape or dtype, read-only,
    elements sharing memory); any layout will do. True when ``out`` is in the other byte
    order, so the values must be made in native order and assigned."""
    if not isinstance(out, np.ndarray):
        raise call_error(
            ("out",),
            "invalid_argument",
            f"out must be a numpy array (or numpy.memmap); got {describe(out)}",
            None,
        )
    flags = out.flags
    if out.shape == shape and out.dtype == dtype and flags.c_contiguous and flags.writeable:
        return False
    problems = []
    if out.shape != shape:
        problems.append(f"shape {out.shape} instead of {shape}")
    if (out.dtype if out.dtype.isnative else out.dtype.newbyteorder("=")) != dtype:
        problems.append(f"dtype {out.dtype.name} instead of {dtype.name}")
    if not flags.writeable:
        problems.append("it is read-only")
    if not flags.c_contiguous and shares_memory_within(out.shape, out.strides, out.itemsize):
        problems.append(
            f"its elements share memory (strides {out.strides} for shape {out.shape}), so "
            "it cannot hold a tensor"
        )
    if problems:
        raise call_error(
            ("out",), "invalid_argument", "out= does not fit: " + "; ".join(problems), None
        )
    return not out.dtype.isnative


def shares_memory_within(shape: Sequence[int], strides: Sequence[int], itemsize: int) -> bool:
    """Whether a strided layout may map two elements to one place (as ``broadcast_to`` and
    ``expand`` views do).

    Sorted by stride, each axis must step over everything the smaller ones span: true of
    every view made by slicing, transposing or reshaping memory of its own, and the layouts
    that fail it are treated as sharing.

    >>> shares_memory_within((4, 3), (4, 16), 4), shares_memory_within((4, 3), (0, 4), 4)
    (False, True)
    """
    span = itemsize
    for stride, size in sorted((abs(st), n) for st, n in zip(strides, shape, strict=True) if n > 1):
        if stride < span:
            return True
        span = stride * size
    return False
