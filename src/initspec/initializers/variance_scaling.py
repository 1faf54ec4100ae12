"""VarianceScaling and the Glorot, He and Lecun initializers built on it.

``scale`` is divided by ``max(1, n)``, with ``n`` the fan-in, the fan-out or their mean
(``mode``); then ``truncated_normal`` draws with stddev ``sqrt(scale) / 0.8796...`` cut at
2 stddev, ``untruncated_normal`` with stddev ``sqrt(scale)``, and ``uniform`` on
``[-limit, limit)`` with ``limit = sqrt(3 * scale)``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, PlainValidator, WithJsonSchema

from .._lazy import lazy
from ..errors import InitializerError
from ._calls import call_error
from ._types import Axes, Number, StrictModel, case_insensitive_pattern, choice_error
from .random import TRUNCATED_STDDEV, RandomInitializer, SeededConfig

if TYPE_CHECKING:
    import numpy as np

    from .. import sampling
else:  # imported when first used: building an initializer needs neither
    np = lazy("numpy", globals(), "np")
    sampling = lazy("initspec.sampling", globals(), "sampling")

__all__ = [
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "VarianceScaling",
    "compute_fans",
]

DISTRIBUTIONS = ("uniform", "truncated_normal", "untruncated_normal")


def compute_fans(
    shape: tuple[int, ...],
    input_axes: list[int] | None = None,
    output_axes: list[int] | None = None,
) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape, as Keras computes them.

    Rank 0 gives (1, 1), rank 1 (n, n), rank 2 (rows, cols); higher ranks are convolution
    kernels, the last two axes being input and output channels. With both ``input_axes`` and
    ``output_axes``, each fan is the product of the sizes on those axes.

    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    >>> compute_fans((4, 8, 2), input_axes=[0], output_axes=[1, 2])
    (4, 16)
    """
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _distribution(value: Any) -> str:
    if isinstance(value, str):
        folded = value.lower()
        folded = "truncated_normal" if folded == "normal" else folded
        if folded in DISTRIBUTIONS:
            return folded
    raise choice_error(
        value, DISTRIBUTIONS, " (any letter case; 'normal' means 'truncated_normal')"
    )


DistributionName = Annotated[
    str,
    PlainValidator(_distribution),
    WithJsonSchema(
        {"type": "string", "pattern": case_insensitive_pattern((*DISTRIBUTIONS, "normal"))}
    ),
]


_AXES_TEXT = (
    "Axes whose sizes multiply to the {fan}, instead of Keras's rule from the shape (for a "
    "convolution kernel, the receptive field times the {channels} channels); used only when "
    "{other} is given too (Keras 3.15). Negative axes count from the end."
)
InputAxes = Annotated[
    Axes | None,
    Field(
        description=_AXES_TEXT.format(fan="fan-in", channels="input", other="output_axes"),
        examples=[[0]],
    ),
]
OutputAxes = Annotated[
    Axes | None,
    Field(
        description=_AXES_TEXT.format(fan="fan-out", channels="output", other="input_axes"),
        examples=[[1]],
    ),
]


class AxesConfig(SeededConfig):
    """A seed plus Keras 3.15's optional fan axes."""

    input_axes: InputAxes = None
    output_axes: OutputAxes = None


class VarianceScalingConfig(SeededConfig):
    """Config of VarianceScaling (``scale > 0``)."""

    scale: Number = Field(
        1.0,
        gt=0,
        description="The values' variance is scale / n, n being the fan that mode picks (at "
        "least 1). GlorotNormal and GlorotUniform use 1 (Glorot & Bengio 2010), LecunNormal "
        "and LecunUniform 1 (LeCun et al. 1998), HeNormal and HeUniform 2 (He et al. 2015).",
        examples=[2.0],
    )
    mode: Literal["fan_in", "fan_out", "fan_avg"] = Field(
        "fan_in",
        description="The fan n that divides scale: fan_in, the inputs of each unit (LeCun et "
        "al. 1998, He et al. 2015); fan_out, the outputs; fan_avg, their mean (Glorot & "
        "Bengio 2010).",
    )
    distribution: DistributionName = Field(
        "truncated_normal",
        description="The distribution drawn from. truncated_normal: normal values with "
        f"standard deviation sqrt(scale / n) / {TRUNCATED_STDDEV:.4f}, redrawn beyond 2 "
        "standard deviations; untruncated_normal: normal, standard deviation sqrt(scale / n); "
        "uniform: on [-limit, limit) with limit = sqrt(3 * scale / n). Any letter case; normal "
        "means truncated_normal, as in Keras.",
    )
    input_axes: InputAxes = None
    output_axes: OutputAxes = None


class VarianceScaling(RandomInitializer[VarianceScalingConfig]):
    """Values whose variance is ``scale`` divided by the fan chosen by ``mode``: Glorot,
    He and LeCun initialization and their variants.

    >>> import initspec
    >>> init = initspec.VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=0)
    >>> values = init((100, 50))
    >>> bool(abs(values).max() <= (3 * 2.0 / 100) ** 0.5)
    True
    """

    config_model: ClassVar[type[StrictModel]] = VarianceScalingConfig
    aliases: ClassVar[tuple[str, ...]] = ("variance_scaling", "VarianceScalingV2")

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: Any = None,
        input_axes: list[int] | None = None,
        output_axes: list[int] | None = None,
    ) -> None:
        super().__init__(
            seed=seed,
            scale=scale,
            mode=mode,
            distribution=distribution,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def _params(self) -> tuple[float, str, str]:
        c = self._config
        return c.scale, c.mode, c.distribution

    @property
    def scale(self) -> float:
        """The variance scale before dividing by the fan."""
        return self._params()[0]

    @property
    def mode(self) -> str:
        """'fan_in', 'fan_out' or 'fan_avg'."""
        return self._params()[1]

    @property
    def distribution(self) -> str:
        """'uniform', 'truncated_normal' or 'untruncated_normal'."""
        return self._params()[2]

    def fans(self, shape: tuple[int, ...]) -> tuple[int, int]:
        """(fan_in, fan_out) for ``shape``, honouring ``input_axes``/``output_axes``."""
        axes = {"input_axes": self._config.input_axes, "output_axes": self._config.output_axes}
        if axes["input_axes"] is not None and axes["output_axes"] is not None:
            for name, values in axes.items():
                for i, axis in enumerate(values or ()):
                    if not -len(shape) <= axis < len(shape):
                        raise call_error(
                            (name, i),
                            "invalid_shape",
                            f"{name}[{i}] = {axis} is "
                            f"not an axis of a rank-{len(shape)} shape {shape}",
                            axis,
                        )
        return compute_fans(shape, axes["input_axes"], axes["output_axes"])

    def keras2_config(self) -> dict[str, Any]:
        """Without ``input_axes``/``output_axes``, which Keras 2 does not have (refused when
        set)."""
        config = super().keras2_config()
        for key in ("input_axes", "output_axes"):
            if config.get(key) is not None:
                raise InitializerError.single(
                    ("config", key),
                    "not_serializable",
                    f"Keras 2 has no {key}; use format='keras3'",
                    config[key],
                    "serialize()",
                )
            config.pop(key, None)
        return config

    def sampler(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> sampling.Distribution:
        scale, mode, distribution = self._params()
        fan_in, fan_out = self.fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
        scale /= max(1.0, n)
        if distribution == "truncated_normal":
            return sampling.Normal(0.0, math.sqrt(scale) / TRUNCATED_STDDEV, truncated=True)
        if distribution == "untruncated_normal":
            return sampling.Normal(0.0, math.sqrt(scale))
        limit = math.sqrt(3.0 * scale)
        return sampling.Uniform(-limit, limit)


class _Fixed(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution are fixed by the class."""

    config_model = AxesConfig
    _fixed: ClassVar[tuple[float, str, str]]

    def __init__(
        self,
        seed: Any = None,
        input_axes: list[int] | None = None,
        output_axes: list[int] | None = None,
    ) -> None:
        RandomInitializer.__init__(self, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def _params(self) -> tuple[float, str, str]:
        return self._fixed


class GlorotUniform(_Fixed):
    """Glorot (Xavier) uniform: ``limit = sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio 2010).

    >>> import initspec
    >>> initspec.GlorotUniform(seed=1)((3, 4)).shape
    (3, 4)
    """

    aliases = ("glorot_uniform", "GlorotUniformV2", "glorot_uniformV2")
    _fixed = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Fixed):
    """Glorot (Xavier) normal: truncated, ``stddev = sqrt(2 / (fan_in + fan_out))`` (Glorot &
    Bengio 2010).

    >>> import initspec
    >>> initspec.GlorotNormal(seed=1)((3, 4)).dtype.name
    'float32'
    """

    aliases = ("glorot_normal", "GlorotNormalV2", "glorot_normalV2")
    _fixed = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Fixed):
    """He normal: truncated, ``stddev = sqrt(2 / fan_in)`` (He et al. 2015), for ReLU layers.

    >>> import initspec
    >>> round(float(initspec.HeNormal(seed=1)((3, 3, 16, 32)).std()), 2)
    0.12
    """

    aliases = ("he_normal", "HeNormalV2", "he_normalV2")
    _fixed = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Fixed):
    """He uniform: ``limit = sqrt(6 / fan_in)`` (He et al. 2015), for ReLU layers.

    >>> import initspec
    >>> bool(abs(initspec.HeUniform(seed=1)((24, 8))).max() <= 0.5)
    True
    """

    aliases = ("he_uniform", "HeUniformV2", "he_uniformV2")
    _fixed = (2.0, "fan_in", "uniform")


class LecunNormal(_Fixed):
    """Lecun normal: truncated, ``stddev = sqrt(1 / fan_in)`` (LeCun et al. 1998); what
    self-normalizing networks with SELU activations need (Klambauer et al. 2017).

    >>> import initspec
    >>> initspec.LecunNormal(seed=1)((4, 4), "float64").dtype.name
    'float64'
    """

    aliases = ("lecun_normal", "LecunNormalV2", "lecun_normalV2")
    _fixed = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Fixed):
    """Lecun uniform: ``limit = sqrt(3 / fan_in)`` (LeCun et al. 1998).

    >>> import initspec
    >>> bool(abs(initspec.LecunUniform(seed=1)((12, 5))).max() <= 0.5)
    True
    """

    aliases = ("lecun_uniform", "LecunUniformV2", "lecun_uniformV2")
    _fixed = (1.0, "fan_in", "uniform")
