"""Seeded random initializers: RandomNormal, TruncatedNormal, RandomUniform, and their base.

A seeded instance returns the same values on every call; an unseeded one draws its seed once,
when it is built, so it too returns the same values on every call (as Keras 2.10+ and Keras 3
do). A Keras 3 ``SeedGenerator`` seed is read as its integer seed.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import Field, ModelWrapValidatorHandler, model_validator

from .._lazy import lazy
from ._calls import Call, call_error, check_fits
from ._dtypes import dtype_kind
from ._types import (
    IntOrFloat,
    Number,
    Seed,
    SeedGeneratorSpec,
    cross_field_error,
    is_number,
    with_errors,
)
from .base import Initializer, KerasConfig

if TYPE_CHECKING:
    import numpy as np

    from .. import sampling
else:  # imported when first used: building an initializer needs neither
    np = lazy("numpy", globals(), "np")
    sampling = lazy("initspec.sampling", globals(), "sampling")

__all__ = [
    "TRUNCATED_STDDEV",
    "RandomInitializer",
    "RandomNormal",
    "RandomUniform",
    "SeededConfig",
    "TruncatedNormal",
]

#: The standard deviation of a standard normal truncated to [-2, 2].
TRUNCATED_STDDEV = 0.87962566103423978


class SeededConfig(KerasConfig):
    """A config with a ``seed``: an integer, null, or a Keras 3 SeedGenerator."""

    seed: Seed = Field(
        None,
        description="Seed of the random values: the same seed, shape, dtype and config give "
        "the same values. null draws a seed from the operating system once, when the "
        "initializer is built; a Keras 3 SeedGenerator gives its own seed.",
        examples=[42],
    )


S = TypeVar("S", bound=SeededConfig)

#: Set while initializers are built to be checked, never called (``initspec validate``).
_CHECK_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "initspec_check_only", default=False
)
_DRAW = threading.Lock()


@contextlib.contextmanager
def check_only() -> Iterator[None]:
    """Unseeded initializers built in this block draw their seed when first used, not when built.

    For code that builds initializers only to check configs (the ``validate`` command): nobody
    sees a seed they never use, and not drawing it keeps the sampler (and numpy) out of a
    cold start. One that is used after all draws its seed then, once, as if it had been built
    with it (a copy made before that draws its own).

    >>> import initspec
    >>> with check_only():
    ...     init = initspec.get("glorot_uniform")
    >>> init.effective_seed == init.effective_seed
    True
    """
    token = _CHECK_ONLY.set(True)
    try:
        yield
    finally:
        _CHECK_ONLY.reset(token)


class RandomInitializer(Initializer[S]):
    """Base of the random initializers: resolves the seed once, fills from the sampler."""

    dtype_kinds = "f"
    _from_validated = True
    _in_place = True
    _drawn: int | None

    def _build(self) -> None:
        seed = self._config.seed
        if isinstance(seed, SeedGeneratorSpec):
            seed = seed.config.seed
        if seed is None and not _CHECK_ONLY.get():
            seed = sampling.fresh_seed()
        self._drawn = seed
        self._last: tuple[tuple[int, ...], np.dtype[Any], sampling.Distribution] | None = None

    @property
    def _seed(self) -> int:
        seed = self._drawn
        if seed is None:  # built by check_only(): drawn now, once, whichever thread asks first
            with _DRAW:
                if self._drawn is None:
                    self._drawn = sampling.fresh_seed()
                seed = self._drawn
        return seed

    @property
    def effective_seed(self) -> int:
        """The seed the values come from (drawn once when the config has none)."""
        return self._seed

    def sampler(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> sampling.Distribution:
        """What each element is drawn from, for a full tensor of ``shape`` and ``dtype``."""
        raise NotImplementedError

    def theoretical_stats(
        self, shape: tuple[int, ...], dtype: np.dtype[Any]
    ) -> dict[str, float] | None:
        """Those of :meth:`sampler`'s distribution (none for integers)."""
        dist = self.sampler(shape, dtype)
        if isinstance(dist, sampling.Uniform):
            return {
                "mean": (dist.low + dist.high) / 2,
                "std": (dist.high - dist.low) / math.sqrt(12),
                "min": dist.low,
                "max": dist.high,
            }
        if isinstance(dist, sampling.Normal):
            if dist.truncated:  # cut at 2 stddev: a narrower spread
                return {
                    "mean": dist.mean,
                    "std": dist.stddev * TRUNCATED_STDDEV,
                    "min": dist.mean - 2 * dist.stddev,
                    "max": dist.mean + 2 * dist.stddev,
                }
            return {"mean": dist.mean, "std": dist.stddev, "min": -math.inf, "max": math.inf}
        return None

    def _fill(self, call: Call) -> None:
        out, full, offset, threads = call
        last = self._last  # the last call's checked distribution: calls repeat their shape
        if last is not None and last[0] == full and last[1] == out.dtype:
            dist = last[2]
        else:
            dist = self.sampler(full, out.dtype)
            if not out.size:  # nothing is drawn, so no bound can overflow
                return
            _check_fits(dist, out.dtype)
            self._last = (full, out.dtype, dist)
        sampling.fill(out, dist, self._seed, full, offset, threads)


def _check_fits(dist: sampling.Distribution, dtype: np.dtype[Any]) -> None:
    """Refuse bounds the dtype cannot hold: integers outside its range, or floating bounds that
    round to infinity in it (the values would be infinities)."""
    if isinstance(dist, sampling.UniformInt):
        info = np.iinfo(dtype)
        if dist.low < info.min or dist.high - 1 > info.max:
            raise call_error(
                ("dtype",),
                "value_does_not_fit",
                f"[{dist.low}, {dist.high}) does not fit {dtype.name}",
                dtype.name,
            )
        return
    if dtype_kind(dtype) != "f":
        return
    if isinstance(dist, sampling.Uniform):
        check_fits("the bounds reach", max(abs(dist.low), abs(dist.high)), dtype)
    else:
        check_fits("mean +- 2 stddev reach", abs(dist.mean) + 2 * dist.stddev, dtype)


class NormalConfig(SeededConfig):
    """Config of RandomNormal and TruncatedNormal."""

    mean: Number = Field(0.0, description="Mean of the normal distribution.")
    stddev: Number = Field(
        0.05,
        ge=0,
        description="Standard deviation of the normal distribution (for TruncatedNormal, of "
        "the normal before values more than 2 standard deviations from the mean are redrawn).",
        examples=[0.02],
    )


class RandomNormal(RandomInitializer[NormalConfig]):
    """Values from a normal distribution with ``mean`` and ``stddev``.

    >>> import initspec
    >>> init = initspec.RandomNormal(mean=0.0, stddev=1.0, seed=5)
    >>> values = init((2, 3))
    >>> values.shape, values.dtype.name
    ((2, 3), 'float32')
    >>> bool((init((2, 3)) == values).all())
    True
    """

    config_model = NormalConfig
    aliases: ClassVar[tuple[str, ...]] = ("random_normal", "normal", "RandomNormalV2")

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None) -> None:
        super().__init__(seed=seed, mean=mean, stddev=stddev)

    def sampler(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> sampling.Distribution:
        return sampling.Normal(self._config.mean, self._config.stddev)


class TruncatedNormal(RandomInitializer[NormalConfig]):
    """Normal values with ``mean`` and ``stddev``, redrawn when further than 2 stddev out.

    >>> import initspec
    >>> values = initspec.TruncatedNormal(stddev=1.0, seed=1)((1000,))
    >>> bool(abs(values).max() <= 2.0)
    True
    """

    config_model = NormalConfig
    aliases: ClassVar[tuple[str, ...]] = ("truncated_normal", "TruncatedNormalV2")

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None) -> None:
        super().__init__(seed=seed, mean=mean, stddev=stddev)

    def sampler(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> sampling.Distribution:
        return sampling.Normal(self._config.mean, self._config.stddev, truncated=True)


class UniformConfig(SeededConfig):
    """Config of RandomUniform; ``minval <= maxval``."""

    minval: IntOrFloat = Field(
        -0.05,
        description="Lower bound (inclusive) of the uniform distribution; at most maxval. "
        "Integer minval and maxval also make integer tensors.",
    )
    maxval: IntOrFloat = Field(
        0.05, description="Upper bound (exclusive) of the uniform distribution; at least minval."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _ordered(
        cls, data: Any, handler: ModelWrapValidatorHandler[UniformConfig]
    ) -> UniformConfig:
        """``minval <= maxval``, reported beside any other problem, at the key that was given."""
        extra = []
        if isinstance(data, dict):
            lo, hi = data.get("minval", -0.05), data.get("maxval", 0.05)
            if is_number(lo) and is_number(hi) and lo > hi:
                at = "minval" if "minval" in data else "maxval"
                extra.append(
                    cross_field_error(
                        at,
                        data[at],
                        "minval_above_maxval",
                        f"minval ({lo}) must not be greater than maxval ({hi})",
                    )
                )
        return with_errors(cls.__name__, data, handler, extra)


class RandomUniform(RandomInitializer[UniformConfig]):
    """Values uniform on ``[minval, maxval)``; integer dtypes draw integers.

    >>> import initspec
    >>> values = initspec.RandomUniform(-1.0, 1.0, seed=2)((1000,))
    >>> bool(values.min() >= -1.0 and values.max() <= 1.0)
    True
    >>> initspec.RandomUniform(0, 10, seed=2)((4,), "int32").dtype.name
    'int32'
    """

    config_model = UniformConfig
    aliases: ClassVar[tuple[str, ...]] = ("random_uniform", "uniform", "RandomUniformV2")
    dtype_kinds = "fiu"

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Any = None) -> None:
        super().__init__(seed=seed, minval=minval, maxval=maxval)

    def sampler(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> sampling.Distribution:
        lo, hi = self._config.minval, self._config.maxval
        if dtype_kind(dtype) == "f":
            return sampling.Uniform(float(lo), float(hi))
        if not (isinstance(lo, int) and isinstance(hi, int)) or lo >= hi:
            raise call_error(
                ("dtype",),
                "unsupported_dtype",
                f"RandomUniform makes {dtype.name} values only from integer minval < "
                f"maxval; got minval={lo!r}, maxval={hi!r}",
                dtype.name,
            )
        return sampling.UniformInt(lo, hi)  # its range is checked against the dtype in _fill
