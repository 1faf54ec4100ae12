"""Initializers without randomness: Zeros, Ones, Constant, Identity and STFT."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Field, PlainValidator, Tag, WithJsonSchema
from pydantic_core import PydanticCustomError

from .._lazy import lazy
from ..errors import InitializerError, closest, describe, did_you_mean
from . import _windows
from ._calls import Call, call_error, check_fits
from ._dtypes import cast_values, values_fit
from ._types import (
    ArraySpec,
    ConstantValue,
    Number,
    NumberArray,
    UnionDump,
    value_as_array,
)
from .base import Filler, Initializer, KerasConfig

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy("numpy", globals(), "np")  # imported when first used

__all__ = ["STFT", "ArrayInitializer", "Constant", "Identity", "Ones", "Zeros"]


class _Broadcast(Initializer[Any]):
    """An initializer whose full tensor is a constant array broadcast to the shape."""

    _from_validated = True
    _in_place = True
    #: the value of every element (subclasses with a configurable value override full_value)
    fill: ClassVar[int] = 0

    def full_value(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        return np.array(self.fill, np.int8)

    def _fill(self, call: Call) -> None:
        out, full, _, _ = call
        value = self.full_value(full)
        if out.size:  # an empty tensor holds no value, so every value fits it
            problem = values_fit(value, out.dtype)
            if problem:
                raise call_error(("dtype",), "value_does_not_fit", problem, out.dtype.name)
            value = cast_values(value, out.dtype)
        if value.shape != full:
            try:
                value = np.broadcast_to(value, full)
            except ValueError:
                if value.size != math.prod(full):
                    raise call_error(
                        ("shape",),
                        "shape_mismatch",
                        f"the constant of shape "
                        f"{value.shape} neither broadcasts to nor has the size of "
                        f"the shape {full}",
                        list(full),
                    ) from None
                value = value.reshape(full)  # Keras 2 (tf.constant) reshapes equal-size values
        if out.size:
            call.write(value)


class Zeros(_Broadcast):
    """All zeros, of any numeric or bool dtype.

    >>> import initspec
    >>> initspec.Zeros()((2, 2), "int8").tolist()
    [[0, 0], [0, 0]]
    """

    config_model = KerasConfig
    aliases: ClassVar[tuple[str, ...]] = ("zeros", "zero", "ZerosV2")

    def __init__(self) -> None:
        super().__init__()

    fill = 0


class Ones(_Broadcast):
    """All ones, of any numeric or bool dtype.

    >>> import initspec
    >>> initspec.Ones()((3,)).tolist()
    [1.0, 1.0, 1.0]
    """

    config_model = KerasConfig
    aliases: ClassVar[tuple[str, ...]] = ("ones", "one", "OnesV2")

    def __init__(self) -> None:
        super().__init__()

    fill = 1


class ConstantConfig(KerasConfig):
    """Config of Constant: a number, a nested list, or a ``__numpy__``/``__tensor__`` array."""

    value: ConstantValue = Field(
        0.0,
        description="The constant: a number; a nested list of numbers, broadcast to the "
        "requested shape (or reshaped when it has the shape's size); or an array as Keras 3 "
        "writes it, a __numpy__ object with its value and dtype. It must fit the dtype the "
        "initializer is called with.",
        examples=[0.1, [[1.0, 0.0], [0.0, 1.0]]],
    )


class Constant(_Broadcast):
    """A constant value (a number, or an array broadcast to the shape); it must fit the dtype.

    >>> import initspec
    >>> initspec.Constant(3)((2,), "int32").tolist()
    [3, 3]
    >>> initspec.Constant([1.0, 2.0])((2, 2)).tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """

    config_model = ConstantConfig
    aliases: ClassVar[tuple[str, ...]] = ("constant", "ConstantV2")

    def __init__(self, value: Any = 0.0) -> None:
        super().__init__(value=value)

    def full_value(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        value: int | float | list[Any] | ArraySpec = self._config.value
        return value_as_array(value)

    def keras2_config(self) -> dict[str, Any]:
        """An array value as a plain list, as Keras 2 wrote it (booleans as 0/1, which give the
        same values); complex values are refused."""
        config = super().keras2_config()
        if isinstance(self._config.value, ArraySpec):
            values = value_as_array(self._config.value)
            if values.dtype.kind == "c":
                raise InitializerError.single(
                    ("config", "value"),
                    "not_serializable",
                    "Keras 2 configs cannot hold complex values; use format='keras3'",
                    values.dtype.name,
                    "serialize()",
                )
            config["value"] = (values.astype(np.int8) if values.dtype == bool else values).tolist()
        return config


class IdentityConfig(KerasConfig):
    """Config of Identity."""

    gain: Number = Field(1.0, description="Factor the identity matrix is multiplied by.")


class Identity(Initializer[IdentityConfig]):
    """``gain`` times the identity matrix; rank-2 shapes only (non-square allowed).

    >>> import initspec
    >>> initspec.Identity(gain=2.0)((2, 3)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    config_model = IdentityConfig
    aliases: ClassVar[tuple[str, ...]] = ("identity", "IdentityV2", "IdentityInitializer")
    dtype_kinds = "f"
    _from_validated = True
    _in_place = True

    def __init__(self, gain: float = 1.0) -> None:
        super().__init__(gain=gain)

    def check_call_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) != 2:
            raise call_error(
                ("shape",),
                "invalid_shape",
                f"Identity makes 2-D matrices only; got shape {shape} of rank {len(shape)}",
                list(shape),
            )

    def _fill(self, call: Call) -> None:
        out, _, offset, _ = call
        if not out.size:  # nothing to compute, so no gain can overflow it
            return
        check_fits("gain", self._config.gain, out.dtype)
        k = 0 if offset is None else offset[0] - offset[1]  # ones at (i, i + k)
        rows, cols = out.shape
        out[...] = 0
        count = min(rows, cols - k) if k >= 0 else min(rows + k, cols)
        if count > 0:  # out may be a strided view: index its diagonal, do not reshape it
            steps = np.arange(count)
            out[steps + max(-k, 0), steps + max(k, 0)] = self._config.gain


# --- arrays given as identifiers ---------------------------------------------------------


class ArrayInitializer(Filler):
    """Returns a fixed array, cast to the dtype, for its own shape only (Keras 3 semantics).

    What ``get(numpy_array)`` returns. It has no config, so it is a
    :class:`~initspec.initializers.base.Filler` (it takes the calls an initializer takes) but
    not an :class:`~initspec.Initializer`: nothing to read, clone or serialize. The cast
    follows Constant's rule (:func:`~initspec.initializers._dtypes.values_fit`): it may round to
    a floating dtype, but never changes a value otherwise (1.5, NaN or 300 do not go into
    int8; Keras 3 would truncate or wrap them).

    >>> import numpy as np
    >>> import initspec
    >>> initspec.get(np.arange(3.0))((3,), "int32").tolist()
    [0, 1, 2]
    """

    _in_place = True  # the array exists already: a call needs only its output

    def __init__(self, value: np.ndarray[Any, Any] | np.generic) -> None:
        self.value = np.array(value)

    def check_call_shape(self, shape: tuple[int, ...]) -> None:
        if shape != self.value.shape:
            raise call_error(
                ("shape",),
                "shape_mismatch",
                f"this initializer returns its array of "
                f"shape {self.value.shape}; got shape {shape}",
                list(shape),
            )

    def _fill(self, call: Call) -> None:
        out = call.out
        if not out.size:
            return
        problem = values_fit(self.value, out.dtype)  # the rule Constant follows
        if problem:
            raise call_error(("dtype",), "value_does_not_fit", problem, out.dtype.name)
        value = call.part(self.value)
        if value.dtype == object or (value.dtype.kind == "c" and out.dtype.kind != "c"):
            value = cast_values(value, out.dtype)  # otherwise numpy casts as it assigns
        out[...] = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArrayInitializer) and np.array_equal(self.value, other.value)

    def __hash__(self) -> int:
        return hash((self.value.shape, self.value.dtype.str, self.value.tobytes()))

    def __repr__(self) -> str:
        return f"ArrayInitializer(shape={self.value.shape}, dtype={self.value.dtype.name})"


# --- STFT ----------------------------------------------------------------------------------


def _window_name(value: Any) -> str:
    if isinstance(value, str) and value in _windows.WINDOW_ALIASES:
        return value
    if isinstance(value, str) and value in _windows.PARAMETRIC_WINDOWS:
        raise PydanticCustomError(
            "invalid_choice",
            "{field} {name} needs a parameter, which a config cannot carry; "
            "give the window's values as a list instead",
            {"name": repr(value)},
        )
    hint = did_you_mean(closest(value, list(_windows.WINDOW_ALIASES), 1))
    raise PydanticCustomError(
        "invalid_choice",
        "{field} must be a window name such as 'hann' or "
        "'hamming', a list of numbers, or null; got {got}{hint}",
        {"got": describe(value), "hint": hint},
    )


WindowName = Annotated[
    str, PlainValidator(_window_name), WithJsonSchema({"enum": sorted(_windows.WINDOW_ALIASES)})
]


def _window_tag(value: Any) -> str:
    if isinstance(value, dict):
        return "#array"
    return "#list" if isinstance(value, list) else "#name"


WindowValue = Annotated[
    Annotated[WindowName, Tag("#name")]
    | Annotated[NumberArray, Tag("#list")]
    | Annotated[ArraySpec, Tag("#array")],
    Discriminator(_window_tag),
    UnionDump,
]


class STFTConfig(KerasConfig):
    """Config of STFT."""

    side: Literal["real", "imag"] = Field(
        "real", description="Which part of the Fourier kernel: real (cosines) or imag (sines)."
    )
    window: WindowValue | None = Field(
        "hann",
        description="Window applied to each frame: a window name as scipy.signal.get_window "
        "knows it without parameters (a name may end in _periodic or _symmetric), a list of "
        "frame_length values, or null for none.",
        examples=["hann", "hamming", [0.5, 1.0, 0.5]],
    )
    periodic: bool = Field(
        False,
        description="Whether a named window is periodic (for spectral analysis: the symmetric "
        "window one sample longer, without its last sample) rather than symmetric.",
    )
    scaling: Literal["density", "spectrum"] | None = Field(
        "density",
        description="How the windowed kernel is normalized: density divides it by the "
        "window's L2 norm, spectrum by its L1 norm, null not at all.",
    )


class STFT(Initializer[STFTConfig]):
    """Kernels of a short-time Fourier transform, for shapes ``(frame_length, channels, bins)``.

    ``side`` picks the real (cosine) or imaginary (sine) part; ``window`` is a window name
    (as ``scipy.signal.get_window`` knows it), a list of values, or null; ``scaling`` divides
    by the window's L2 (``density``) or L1 (``spectrum``) norm.

    >>> import initspec
    >>> initspec.STFT(window="hann")((8, 1, 5)).shape
    (8, 1, 5)
    """

    config_model = STFTConfig
    aliases: ClassVar[tuple[str, ...]] = ("stft", "STFTInitializer")
    dtype_kinds = "f"
    _from_validated = True
    _in_place = True

    def __init__(
        self,
        side: str = "real",
        window: Any = "hann",
        scaling: str | None = "density",
        periodic: bool = False,
    ) -> None:
        super().__init__(side=side, window=window, periodic=periodic, scaling=scaling)

    def keras2_config(self) -> dict[str, Any]:
        """Refused: STFT does not exist in Keras 2."""
        raise InitializerError.single(
            (),
            "not_serializable",
            "STFT does not exist in Keras 2; use format='keras3'",
            "STFT",
            "serialize()",
        )

    def work_bytes(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> int:
        return shape[0] * 8 * 2 if len(shape) == 3 else 0  # the window, over every frame

    def check_call_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) != 3 or shape[2] < 2:
            raise call_error(
                ("shape",),
                "invalid_shape",
                "STFT makes kernels of shape "
                f"(frame_length, channels, bins) with bins >= 2; got {shape}",
                list(shape),
            )

    def _window(self, frame_length: int) -> np.ndarray[Any, Any] | None:
        window = self._config.window
        if window is None:
            return None
        if isinstance(window, str):
            if frame_length == 0:
                return np.zeros(0)
            return _windows.get_window(window, frame_length, self._config.periodic)
        values = cast_values(value_as_array(window), np.dtype(np.float64))  # complex: real part
        if values.shape != (frame_length,):
            raise call_error(
                ("window",),
                "shape_mismatch",
                f"the window has shape {values.shape}; "
                f"it must be ({frame_length},), the frame length",
                list(values.shape),
            )
        return values

    def _fill(self, call: Call) -> None:
        out = call.out
        frames, _, bins = call.full
        start = call.offset or (0, 0, 0)
        rows = slice(start[0], start[0] + out.shape[0])  # only the partition's frames and bins
        time = np.arange(rows.start, rows.stop, dtype=np.float64)[:, None, None]
        freq = np.arange(start[2], start[2] + out.shape[2], dtype=np.float64)[None, None, :]
        args = -2.0 * math.pi * time * (freq / ((bins - 1) * 2))
        kernel = np.cos(args) if self._config.side == "real" else np.sin(args)
        window = self._window(frames)
        if window is not None:
            norm = 1.0
            if self._config.scaling == "density":
                norm = float(np.sqrt(np.sum(window**2)))
            elif self._config.scaling == "spectrum":
                norm = float(np.sum(np.abs(window)))
            kernel = kernel * window[rows, None, None] / norm
        out[...] = kernel  # broadcast along the channel axis
