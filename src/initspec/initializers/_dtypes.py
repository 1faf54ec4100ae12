"""dtypes: the names a config or a call may use, resolving them, and whether values fit one.

A leaf module (it imports no other part of ``initializers``): its problems are
:class:`DtypeProblem`, which each caller reports as its own kind of error, a config error
at the config's ``dtype`` key or a call error at the call's ``dtype`` argument.
"""

from __future__ import annotations

import math
import typing
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from .._lazy import lazy
from ..errors import closest, describe, did_you_mean

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy("numpy", globals(), "np")  # the names need no numpy; resolving a dtype does

__all__ = [
    "AMBIGUOUS_DTYPES",
    "DTYPE_ALIASES",
    "DTYPE_NAMES",
    "DtypeName",
    "DtypeProblem",
    "cast_values",
    "dtype_kind",
    "float_max",
    "resolve_dtype",
    "rounds_finite",
    "values_fit",
]

#: dtype names a config may carry (legacy ``dtype`` keys and ``__numpy__`` values).
DtypeName = Literal[
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "complex64",
    "complex128",
]
DTYPE_NAMES: tuple[str, ...] = typing.get_args(DtypeName)
#: Other spellings of those dtypes a caller may pass (never a config): numpy's aliases that
#: mean the same dtype on every platform, and its sized codes ("f4"; numpy reads "<f4", "=f4"
#: and ">f4" the same way, as float32 of some byte order; initspec's arrays are native).
DTYPE_ALIASES: dict[str, str] = {
    "half": "float16",
    "single": "float32",
    "double": "float64",
    "byte": "int8",
    "ubyte": "uint8",
    "short": "int16",
    "ushort": "uint16",
    "intc": "int32",
    "uintc": "uint32",
    "longlong": "int64",
    "ulonglong": "uint64",
    "bool_": "bool",
    "csingle": "complex64",
    "cdouble": "complex128",
    **{
        f"{order}{code}": name
        for order in ("", "<", ">", "=", "|")
        for code, name in (
            ("f2", "float16"),
            ("f4", "float32"),
            ("f8", "float64"),
            ("i1", "int8"),
            ("i2", "int16"),
            ("i4", "int32"),
            ("i8", "int64"),
            ("u1", "uint8"),
            ("u2", "uint16"),
            ("u4", "uint32"),
            ("u8", "uint64"),
            ("b1", "bool"),
            ("c8", "complex64"),
            ("c16", "complex128"),
        )
    },
}
#: Spellings refused because numpy and Keras, or two platforms, read them differently.
AMBIGUOUS_DTYPES: dict[str, str] = {
    "float": "numpy reads it as float64, Keras and TensorFlow as float32"
    + did_you_mean(["float64", "float32"]),
    "int": "numpy reads it as int64, Keras as int32" + did_you_mean(["int64", "int32"]),
    "complex": "numpy reads it as complex128, Keras as complex64"
    + did_you_mean(["complex128", "complex64"]),
    "long": "it is int32 on Windows and int64 elsewhere" + did_you_mean(["int64", "int32"]),
    "ulong": "it is uint32 on Windows and uint64 elsewhere" + did_you_mean(["uint64", "uint32"]),
    **{
        name: f"it is pointer-sized ({bits}32 on 32-bit platforms, {bits}64 on 64-bit ones)"
        + did_you_mean([f"{bits}64", f"{bits}32"])
        for name, bits in (("int_", "int"), ("intp", "int"), ("uint", "uint"), ("uintp", "uint"))
    },
}


class DtypeProblem(Exception):
    """Why a dtype cannot be used (an ``invalid_dtype`` problem), said without saying where:
    the caller knows whether it is a config's key or a call's argument."""

    type = "invalid_dtype"

    def __init__(self, msg: str, value: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.value = value


_NAMED: dict[Any, str] = {int: "'int32' or 'int64'", bool: "'bool'", complex: "'complex64'"}


def resolve_dtype(dtype: Any) -> np.dtype[Any]:
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
        raise DtypeProblem(
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
            raise DtypeProblem(
                f"the dtype {name!r} is ambiguous: {AMBIGUOUS_DTYPES[name]}",
                dtype,
            )
        name = DTYPE_ALIASES.get(name)
    if name is None:
        return _unknown_dtype(dtype)
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise DtypeProblem(
                "bfloat16 needs the ml_dtypes package (pip install 'initspec[bfloat16]')",
                dtype,
            ) from None
        bfloat16: np.dtype[Any] = np.dtype(ml_dtypes.bfloat16)
        return bfloat16
    return np.dtype(name)


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


def _unknown_dtype(dtype: Any) -> NoReturn:
    given = dtype if isinstance(dtype, str) else _foreign_dtype_name(dtype)
    hint = did_you_mean(closest(given, [*DTYPE_NAMES, *DTYPE_ALIASES], 1))
    raise DtypeProblem(
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
