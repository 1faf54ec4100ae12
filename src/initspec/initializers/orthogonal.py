"""Orthogonal: a random orthogonal matrix, reshaped to the requested shape."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from .. import sampling
from ._types import Number
from .base import call_error, region
from .random import RandomInitializer, SeededConfig

__all__ = ["Orthogonal"]


class OrthogonalConfig(SeededConfig):
    """Config of Orthogonal."""

    gain: Number = 1.0


class Orthogonal(RandomInitializer[OrthogonalConfig]):
    """``gain`` times a random orthogonal matrix, for shapes of rank >= 2.

    The shape is flattened to ``(prod(shape[:-1]), shape[-1])``; the Q factor of the QR
    decomposition of a standard normal matrix of that shape (transposed when it is wide),
    with each column's sign fixed so that R's diagonal is positive, is reshaped back. That Q
    is unique; initspec computes it with one Cholesky QR accumulated in float64 (matrix
    products, faster than LAPACK's Householder QR), and falls back to Householder QR in the
    requested precision when the matrix is too ill-conditioned for that to be exact.

    >>> import numpy as np
    >>> import initspec
    >>> q = initspec.Orthogonal(seed=3)((4, 4), "float64")
    >>> bool(np.allclose(q.T @ q, np.eye(4)))
    True
    """

    config_model = OrthogonalConfig
    aliases: ClassVar[tuple[str, ...]] = ("orthogonal", "OrthogonalV2", "OrthogonalInitializer")

    def __init__(self, gain: float = 1.0, seed: Any = None) -> None:
        super().__init__(seed=seed, gain=gain)

    def check_call_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) < 2:
            raise call_error(
                ("shape",),
                "invalid_shape",
                f"Orthogonal needs a shape of rank >= 2; got {shape} of rank {len(shape)}",
                list(shape),
            )

    def _fill(
        self,
        out: np.ndarray[Any, Any],
        full: tuple[int, ...],
        offset: tuple[int, ...] | None,
        threads: int | None,
    ) -> None:
        rows, cols = math.prod(full[:-1]), full[-1]
        if rows == 0 or cols == 0:
            return
        work = np.dtype(np.float64) if out.dtype == np.float64 else np.dtype(np.float32)
        a = np.empty((max(rows, cols), min(rows, cols)), work)
        sampling.fill(a, sampling.Normal(0.0, 1.0), self._seed, a.shape, None, threads)
        q = q_factor(a)
        if rows < cols:
            q = q.T
        if self._config.gain != 1.0:
            q *= work.type(self._config.gain)
        result = q.reshape(full)
        if offset is not None:
            result = result[region(offset, out.shape)]
        out[...] = result


def q_factor(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The Q of ``a = QR`` (``a`` tall or square) with R's diagonal positive, in ``a``'s dtype.

    Cholesky QR: ``R`` is the Cholesky factor of ``a.T @ a`` and ``Q = a R^-1``, all in
    float64. Its loss of orthogonality grows as ``cond(a)**2 * 2**-53``, so it is used only
    when that stays below the rounding of ``a``'s own precision (cond up to about 2e4 for
    float32); otherwise, or when the Cholesky factorisation fails, Householder QR with the
    sign fix gives the same Q.
    """
    wide = np.float64
    a64 = a.astype(wide)
    limit = math.sqrt(float(np.finfo(a.dtype).eps) / float(np.finfo(wide).eps))
    try:
        upper = np.linalg.cholesky(a64.T @ a64).T
    except np.linalg.LinAlgError:
        upper = None
    if upper is not None:
        inverse = _upper_inverse(upper)
        kappa = float(np.linalg.norm(upper, 1) * np.linalg.norm(inverse, 1))
        if math.isfinite(kappa) and kappa <= limit:
            q64: np.ndarray[Any, Any] = a64 @ inverse
            return q64.astype(a.dtype)
    q, r = np.linalg.qr(a)
    q *= np.where(np.diagonal(r) < 0, -1, 1).astype(a.dtype)
    return q


def _upper_inverse(upper: np.ndarray[Any, Any], base: int = 128) -> np.ndarray[Any, Any]:
    """The inverse of an upper-triangular matrix, by halves (all the work in matrix products)."""
    n = upper.shape[0]
    if n <= base:
        return np.linalg.inv(upper)
    h = n // 2
    top = _upper_inverse(upper[:h, :h], base)
    bottom = _upper_inverse(upper[h:, h:], base)
    inverse = np.zeros_like(upper)
    inverse[:h, :h] = top
    inverse[h:, h:] = bottom
    inverse[:h, h:] = -(top @ upper[:h, h:]) @ bottom
    return inverse
