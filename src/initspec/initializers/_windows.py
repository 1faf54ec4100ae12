"""Named window functions, computed the way ``scipy.signal.get_window`` does.

The Keras ``STFT`` initializer builds its window with
``scipy.signal.get_window(name, frame_length, periodic)``.  initspec must not
depend on scipy at run time, so this module re-implements, in plain numpy,
every window that scipy accepts as a bare *name* (no parameter tuple).

Conventions (the same as scipy's):

* Every window is defined by its *symmetric* form of length ``m``.  A
  *periodic* ("DFT-even") window of length ``n`` is the symmetric window of
  length ``n + 1`` with its last sample dropped.
* A window of length 1 is ``[1.0]``, whether periodic or symmetric.
* A name may carry a ``"_periodic"`` or ``"_symmetric"`` suffix
  (e.g. ``"hann_symmetric"``); the suffix then overrides the ``periodic``
  argument.  Only one suffix is stripped, and names are case sensitive.
* Windows whose optional parameters have defaults (``tukey``,
  ``exponential``, ``taylor``) are produced with those defaults.  Windows that
  cannot be built without a parameter (``kaiser``, ``gaussian``, ...) are listed
  in :data:`PARAMETRIC_WINDOWS` and are rejected by :func:`get_window`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from .._lazy import lazy

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    _Builder = Callable[[int], FloatArray]
    """Builds the symmetric window of length ``m`` (always called with ``m >= 2``)."""
else:
    np = lazy("numpy", globals(), "np")  # the window names are read without numpy

__all__ = ["PARAMETRIC_WINDOWS", "WINDOW_ALIASES", "get_window", "resolve_window"]

_PERIODIC_SUFFIX = "_periodic"
_SYMMETRIC_SUFFIX = "_symmetric"


# --------------------------------------------------------------------------
# Building blocks.  ``m`` is the length of the symmetric window, ``m >= 2``.
# --------------------------------------------------------------------------
def _positions(m: int) -> FloatArray:
    """Sample positions mapped linearly onto ``[-1, 1]`` (ends included)."""
    return np.linspace(-1.0, 1.0, m, dtype=np.float64)


def _cosine_sum(coefficients: tuple[float, ...]) -> _Builder:
    """Generalised cosine window ``sum_k a_k cos(k * phi)``, phi in [-pi, pi]."""

    def build(m: int) -> FloatArray:
        phase = np.pi * _positions(m)
        terms = [a * np.cos(k * phase) for k, a in enumerate(coefficients)]
        return np.asarray(np.sum(terms, axis=0), dtype=np.float64)

    return build


def _boxcar(m: int) -> FloatArray:
    return np.ones(m, dtype=np.float64)


def _bartlett(m: int) -> FloatArray:
    # Triangle reaching exactly zero at both ends.
    return 1.0 - np.abs(_positions(m))


def _triang(m: int) -> FloatArray:
    # Triangle that stays non-zero at the ends; its base is m (even m) or m + 1
    # (odd m) samples wide.
    n = np.arange(m, dtype=np.float64)
    return 1.0 - np.abs(2.0 * n - (m - 1)) / (m + m % 2)


def _parzen(m: int) -> FloatArray:
    # Piecewise cubic (de la Vallee Poussin) window.
    # The branch test uses |n| <= (m - 1) / 4 on the exact (half-)integer
    # offsets, as scipy does; the two pieces do not meet at that point.
    offset = np.abs(np.arange(m, dtype=np.float64) - (m - 1) / 2.0)
    r = offset / (m / 2.0)
    inner = 1.0 - 6.0 * r**2 + 6.0 * r**3
    outer = 2.0 * (1.0 - r) ** 3
    return np.where(offset <= (m - 1) / 4.0, inner, outer)


def _bohman(m: int) -> FloatArray:
    r = np.abs(_positions(m))
    w = (1.0 - r) * np.cos(np.pi * r) + np.sin(np.pi * r) / np.pi
    w[[0, -1]] = 0.0
    return w


def _barthann(m: int) -> FloatArray:
    r = np.abs(_positions(m)) / 2.0
    return 0.62 - 0.48 * r + 0.38 * np.cos(2.0 * np.pi * r)


def _cosine(m: int) -> FloatArray:
    return np.sin(np.pi * (np.arange(m, dtype=np.float64) + 0.5) / m)


def _lanczos(m: int) -> FloatArray:
    # Evaluated on |x| so that the result is exactly symmetric.
    return np.sinc(np.abs(_positions(m)))


def _exponential(m: int, tau: float = 1.0) -> FloatArray:
    n = np.arange(m, dtype=np.float64)
    return np.exp(-np.abs(n - (m - 1) / 2.0) / tau)


def _tukey(m: int, alpha: float = 0.5) -> FloatArray:
    # Flat top with raised-cosine tapers of alpha * (m - 1) / 2 samples.
    n = np.arange(m, dtype=np.float64)
    edge = np.minimum(n, (m - 1) - n)
    half_taper = alpha * (m - 1) / 2.0
    taper = 0.5 * (1.0 + np.cos(np.pi * (edge / half_taper - 1.0)))
    return np.where(edge <= half_taper, taper, 1.0)


def _taylor(m: int, nbar: int = 4, sll: float = 30.0) -> FloatArray:
    # Taylor window (radar), normalised so that its centre equals 1.
    a = math.acosh(10.0 ** (sll / 20.0)) / math.pi
    sigma2 = nbar**2 / (a**2 + (nbar - 0.5) ** 2)
    idx = np.arange(1, nbar, dtype=np.float64)
    m2 = idx**2
    numer = np.prod(1.0 - m2[:, None] / sigma2 / (a**2 + (idx[None, :] - 0.5) ** 2), axis=1)
    ratio = 1.0 - m2[:, None] / m2[None, :]
    np.fill_diagonal(ratio, 1.0)
    signs = np.where(idx % 2 == 1, 1.0, -1.0)
    fm = signs * numer / (2.0 * np.prod(ratio, axis=1))
    offset = np.arange(m, dtype=np.float64) - m / 2.0 + 0.5
    w = 1.0 + 2.0 * (fm @ np.cos(2.0 * np.pi * idx[:, None] * offset / m))
    return np.asarray(w / (1.0 + 2.0 * fm.sum()), dtype=np.float64)


# --------------------------------------------------------------------------
# Tables.
# --------------------------------------------------------------------------
# canonical name -> (builder, other names accepted by scipy)
_WINDOWS: dict[str, tuple[_Builder, tuple[str, ...]]] = {
    "barthann": (_barthann, ("brthan", "bth")),
    "bartlett": (_bartlett, ("bart", "brt")),
    "blackman": (_cosine_sum((0.42, 0.5, 0.08)), ("black", "blk")),
    "blackmanharris": (
        _cosine_sum((0.35875, 0.48829, 0.14128, 0.01168)),
        ("blackharr", "bkh"),
    ),
    "bohman": (_bohman, ("bman", "bmn")),
    "boxcar": (_boxcar, ("box", "ones", "rect", "rectangular")),
    "cosine": (_cosine, ("halfcosine",)),
    "exponential": (_exponential, ("poisson",)),
    "flattop": (
        _cosine_sum((0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368)),
        ("flat", "flt"),
    ),
    "hamming": (_cosine_sum((0.54, 0.46)), ("hamm", "ham")),
    "hann": (_cosine_sum((0.5, 0.5)), ("han",)),
    "lanczos": (_lanczos, ("sinc",)),
    "nuttall": (
        _cosine_sum((0.3635819, 0.4891775, 0.1365995, 0.0106411)),
        ("nutl", "nut"),
    ),
    "parzen": (_parzen, ("parz", "par")),
    "taylor": (_taylor, ("taylorwin",)),
    "triang": (_triang, ("triangle", "tri")),
    "tukey": (_tukey, ("tuk",)),
}

# Names scipy knows but only accepts inside a ``(name, parameter, ...)`` tuple.
_PARAMETRIC_BASE_NAMES = (
    "chebwin", "cheb",
    "dpss",
    "gaussian", "gauss", "gss",
    "general cosine", "general_cosine",
    "general gaussian", "general_gaussian", "general gauss", "general_gauss", "ggs",
    "general hamming", "general_hamming",
    "kaiser", "ksr",
    "kaiser bessel derived", "kaiser_bessel_derived", "kbd",
)  # fmt: skip

_SUFFIXES = ("", _PERIODIC_SUFFIX, _SYMMETRIC_SUFFIX)

WINDOW_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        name + suffix: canonical
        for canonical, (_, aliases) in _WINDOWS.items()
        for name in (canonical, *aliases)
        for suffix in _SUFFIXES
    }
)
"""Every parameter-free window name accepted by scipy -> canonical name.

Includes the ``"_periodic"`` / ``"_symmetric"`` suffixed spellings; use
:func:`resolve_window` to also learn which periodicity such a name forces.
"""

PARAMETRIC_WINDOWS: frozenset[str] = frozenset(
    name + suffix for name in _PARAMETRIC_BASE_NAMES for suffix in _SUFFIXES
)
"""Window names scipy accepts only with parameters (not supported here)."""


# --------------------------------------------------------------------------
# Public functions.
# --------------------------------------------------------------------------
def resolve_window(name: str, periodic: bool) -> tuple[str, bool]:
    """Return ``(canonical_name, effective_periodic)`` for a window name.

    A ``"_periodic"`` / ``"_symmetric"`` suffix overrides ``periodic``.
    Raises ``KeyError`` for names not in :data:`WINDOW_ALIASES` (including the
    parametric ones).
    """
    canonical = WINDOW_ALIASES[name]
    if name.endswith(_SYMMETRIC_SUFFIX):
        return canonical, False
    if name.endswith(_PERIODIC_SUFFIX):
        return canonical, True
    return canonical, periodic


def get_window(name: str, length: int, periodic: bool) -> FloatArray:
    """Window ``name`` of ``length`` samples, equal to scipy's ``get_window``.

    Matches ``scipy.signal.get_window(name, length, fftbins=periodic)``.

    Raises:
        KeyError: ``name`` is unknown or needs parameters (see
            :data:`PARAMETRIC_WINDOWS`).
        ValueError: ``length < 1`` (scipy rejects 0 too).
        TypeError: ``length`` is not an integer (``bool`` included) or
            ``periodic`` is not a ``bool``; scipy raises ``ValueError`` there.
    """
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)):
        raise TypeError(f"window length must be an integer, got {length!r}")
    if length < 1:
        raise ValueError(f"window length must be >= 1, got {length}")
    if not isinstance(periodic, bool):
        raise TypeError(f"periodic must be a bool, got {periodic!r}")
    canonical, periodic = resolve_window(name, periodic)
    length = int(length)
    if length == 1:
        return np.ones(1, dtype=np.float64)
    build = _WINDOWS[canonical][0]
    window = build(length + 1 if periodic else length)
    return np.ascontiguousarray(window[:length], dtype=np.float64)
