"""Orthogonal: a random orthogonal matrix, reshaped to the requested shape."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from .._lazy import lazy
from ._calls import Call, call_error, check_fits
from ._types import Number
from .random import RandomInitializer, SeededConfig

if TYPE_CHECKING:
    import numpy as np

    from .. import sampling
else:  # imported when first used: building an initializer needs neither
    np = lazy("numpy", globals(), "np")
    sampling = lazy("initspec.sampling", globals(), "sampling")

__all__ = ["Orthogonal"]


class OrthogonalConfig(SeededConfig):
    """Config of Orthogonal."""

    gain: Number = Field(1.0, description="Factor the orthogonal matrix is multiplied by.")


class Orthogonal(RandomInitializer[OrthogonalConfig]):
    """``gain`` times a random orthogonal matrix, for shapes of rank >= 2 (Saxe et al. 2014).

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

    def work_bytes(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> int:
        # the whole matrix, however small the partition: a normal draw, a float64 copy, its
        # Gram matrix and inverse factor, and the float64 Q
        rows, cols = math.prod(shape[:-1]), shape[-1]
        small = min(rows, cols)
        return rows * cols * (4 + 8 + 8) + small * small * 8 * 3

    def theoretical_stats(
        self, shape: tuple[int, ...], dtype: np.dtype[Any]
    ) -> dict[str, float] | None:
        """An orthonormal matrix's: mean 0, each element's spread ``|gain| / sqrt(max(rows,
        cols))``, every element within ``[-|gain|, |gain|]``."""
        rows, cols = math.prod(shape[:-1]), shape[-1]
        gain = abs(self._config.gain)
        return {"mean": 0.0, "std": gain / math.sqrt(max(rows, cols, 1)), "min": -gain, "max": gain}

    def check_call_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) < 2:
            raise call_error(
                ("shape",),
                "invalid_shape",
                f"Orthogonal needs a shape of rank >= 2; got {shape} of rank {len(shape)}",
                list(shape),
            )

    def _fill(self, call: Call) -> None:
        out, full, _, threads = call
        rows, cols = math.prod(full[:-1]), full[-1]
        if not out.size:  # an empty tensor or partition: nothing to compute, nothing to overflow
            return
        check_fits("gain", self._config.gain, out.dtype)
        work = np.dtype(np.float64) if out.dtype == np.float64 else np.dtype(np.float32)
        a = np.empty((max(rows, cols), min(rows, cols)), work)
        sampling.fill(a, sampling.Normal(0.0, 1.0), self._seed, a.shape, None, threads)
        q = q_factor(a)
        if rows < cols:
            q = q.T
        if self._config.gain != 1.0:
            q *= work.type(self._config.gain)
        call.write(q.reshape(full))


def q_factor(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The Q of ``a = QR`` (``a`` tall or square) with R's diagonal positive, in ``a``'s dtype.

    Cholesky QR: ``R`` is the Cholesky factor of ``a.T @ a`` and ``Q = a R^-1``, in float64
    matrix products. Its loss of orthogonality grows as ``cond(a)**2 * 2**-53``: one pass is
    used when that stays below the rounding of ``a``'s own precision (cond up to about 1e4
    for float32); a second pass on that Q (CholeskyQR2) when ``cond(a)`` is below about 1e7;
    Householder QR with the sign fix otherwise, or when a Cholesky factorisation fails. All
    three give the same (unique) Q.
    """
    eps = float(np.finfo(np.float64).eps)
    one_pass = math.sqrt(float(np.finfo(a.dtype).eps) / eps) / 2
    q, kappa = _cholesky_qr(a.astype(np.float64))
    if q is not None and kappa > one_pass and kappa * kappa * eps < 1e-3:
        q, _ = _cholesky_qr(q)  # R = R2 R1 keeps a positive diagonal: the same Q
    elif kappa > one_pass:
        q = None
    if q is not None:
        return q.astype(a.dtype)
    householder, r = np.linalg.qr(a)
    householder *= np.where(np.diagonal(r) < 0, -1, 1).astype(a.dtype)
    return householder


def _cholesky_qr(a: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any] | None, float]:
    """One Cholesky QR step in float64: (Q, an estimate of cond(a)), or (None, inf)."""
    try:
        upper = np.linalg.cholesky(a.T @ a).T
    except np.linalg.LinAlgError:
        return None, math.inf
    inverse = _upper_inverse(upper)
    kappa = _norm2(upper) * _norm2(inverse)
    if not math.isfinite(kappa):
        return None, math.inf
    q: np.ndarray[Any, Any] = a @ inverse
    return q, kappa


def _norm2(m: np.ndarray[Any, Any], steps: int = 12) -> float:
    """The largest singular value of ``m``, by power iteration (a slight underestimate)."""
    v = np.full(m.shape[1], 1.0 / math.sqrt(m.shape[1]))
    sigma = 0.0
    for _ in range(steps):
        w = m.T @ (m @ v)
        norm = float(np.linalg.norm(w))
        if norm == 0.0 or not math.isfinite(norm):
            return norm
        v = w / norm
        sigma = math.sqrt(norm)
    return sigma


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
