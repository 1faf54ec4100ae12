"""The one place initspec makes random numbers: a counter-based, block-addressable stream.

Stream version 2 (``STREAM_VERSION``), what every random element is made of:

* The seed is an integer in ``[-2**63, 2**64)``; it is taken modulo ``2**64``.
* The *full* tensor, in C order, is cut into blocks of ``BLOCK`` (65,536) elements. Block
  ``b`` has its own generator: numpy's SFC64 with state words ``(mix(x), mix(x + 1),
  mix(x + 2))``, counter ``1``, and its first 12 outputs discarded, where
  ``x = mix(key ^ b)``, ``key = mix((seed mod 2**64) ^ VERSION_TAG)``, ``VERSION_TAG`` is
  ``0x696E697473706563`` ("initspec" in ASCII) xor 1 (version 1's, kept), and ``mix`` is
  SplitMix64's output function on 64-bit integers: ``z += 0x9E3779B97F4A7C15;
  z = (z ^ z >> 30) * 0xBF58476D1CE4E5B9; z = (z ^ z >> 27) * 0x94D049BB133111EB;
  return z ^ z >> 31``. A block's values depend on nothing but (seed, block index, distribution,
  dtype), so any block, slice or partition is made without making the rest, on any thread.
* Within a block of ``n`` elements (``n = BLOCK`` except for the last block), the generator's
  raw 64-bit words are read in order; "halves" means their 32-bit halves, low half first.

  - uniform float32: element ``i`` is ``u = (half_i >> 9) * 2**-23`` mapped to
    ``low + u * (high - low)`` in float32;
  - uniform float64: element ``i`` is ``u = (word_i >> 12) * 2**-52``, mapped the same way;
  - uniform integers: ``Generator.integers(low, high, n, dtype)``;
  - normal float32 (Box-Muller): with ``m = ceil(n / 2)``, halves ``[0, m)`` give radii from
    ``u1 = 1 - (half >> 9) * 2**-23`` in (0, 1]; each ``u1 < 2**-12`` is then refined, in
    order, with the generator's next word ``x`` as ``u1 - r * 2**-23`` (in float64, rounded
    once), ``r = (x >> 11) * 2**-53`` (the float64 uniform ``Generator.random`` makes), so the
    tails are continuous out to about 10 standard deviations. Halves ``[m, 2m)``, read as
    signed integers, give angles ``theta = half * 2 pi / 2**32`` in [-pi, pi). Elements
    ``[0, m)`` are ``sqrt(-2 ln u1) cos(theta)`` and ``[m, n)`` the matching sines;
  - normal float64: ``Generator.standard_normal(n)`` (numpy's ziggurat);
  - normal truncated at 2 standard deviations: candidates are drawn in batches as above
    (first batch ``ceil(n * TRUNCATION_OVERSAMPLE)`` rounded up to even, later batches sized
    to what is still missing plus 64) and the candidates with ``|z| <= 2`` are kept, in order,
    until ``n`` are kept. float32 candidates are decided on their float32 value, except those
    within ``GUARD`` (2**-14, relative) of the bound: these are computed again in float64 from
    the same ``u1`` and ``theta`` (exact, see above) as ``sqrt(-2 ln u1) cos(theta)`` (or sin),
    kept when that is ``<= 2`` in magnitude, and take that value (rounded to float32);
  - float32 normals of a ``stddev`` below about 6e-16 or above about 9e17 are made with
    ``stddev`` 1 and multiplied by ``stddev`` (otherwise ``-2 stddev**2`` multiplies
    ``ln u1``), so that no intermediate overflows or underflows before the values do;
  - float16 and bfloat16 values are made in float32 and rounded.

Values are a pure function of (seed, full shape, dtype, distribution): one thread or many,
a whole tensor or a partition of it, the same bits. Uniform and integer values are made of
exact operations and are the same on every machine. float32 normals go through numpy's float32
``log``, ``sin`` and ``cos``, whose last bits differ between numpy versions and CPU feature
levels: their values agree to a few units in the last place, and the truncated normal keeps the
same candidates everywhere (its float32 error is far below ``GUARD``; the float64 decision
could differ only for a candidate within about 1e-15 of the bound). float64 normals are numpy's
ziggurat (exact operations, and the C library's ``exp``/``log`` on its rare slow path).
Changing anything above changes ``STREAM_VERSION``; golden tensors in the tests make such a
change visible.

Version 2 changed only float32 normals: truncated candidates near the bound are decided in
float64 (version 1 kept whatever the CPU's float32 rounding said), and extreme ``stddev`` are
applied after the fact (version 1 overflowed to inf for a ``stddev`` near 1e19). Uniform,
integer and float64 values, and float32 normals elsewhere, are those of version 1.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import math
import os
import secrets
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .limits import MAX_THREADS, env_threads

__all__ = [
    "BLOCK",
    "STREAM_VERSION",
    "Normal",
    "Uniform",
    "UniformInt",
    "derive_seed",
    "fill",
    "fresh_seed",
    "resolve_threads",
]

STREAM_VERSION = 2
BLOCK = 1 << 16
TRUNCATION_OVERSAMPLE = 1.055

_M64 = (1 << 64) - 1
_VERSION_TAG = 0x696E697473706563 ^ 1  # "initspec" in ASCII, xor 1: kept from version 1
_REFINE_BITS = (2**23 - 2**11 + 1) << 9  # halves from here up give u1 < 2**-12
#: relative half-width of the band around 2 stddev where float32 candidates are decided in float64
GUARD = 2.0**-14
_BIG_ENDIAN = np.little_endian is False
_F32_TINY = float(np.finfo(np.float32).tiny)
_F32_MAX = float(np.finfo(np.float32).max)
_F32 = np.dtype(np.float32)
# -2 ln(u1) lies in [2**-23 (about), 152 ln 2]: u1 is 1 or at most 1 - 2**-23, and at least 2**-76
# after refinement. The scale is folded into it (one multiplication fewer) only where
# 2 scale**2 times it stays a normal float32 (a factor 4 of margin on both ends).
_FOLD_LOW = math.sqrt(4 * _F32_TINY / 2.0**-23)
_FOLD_HIGH = math.sqrt(_F32_MAX / (4 * 152 * math.log(2)))
_F64 = np.dtype(np.float64)


@dataclass(frozen=True, slots=True)
class Uniform:
    """Uniform on ``[low, high)`` (``high`` is reachable only through float rounding)."""

    low: float
    high: float


@dataclass(frozen=True, slots=True)
class UniformInt:
    """Uniform integers on ``[low, high)``."""

    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Normal:
    """Normal with ``mean`` and ``stddev``; with ``truncated``, restricted to 2 stddev."""

    mean: float
    stddev: float
    truncated: bool = False


Distribution = Uniform | UniformInt | Normal


def fresh_seed() -> int:
    """A new seed from the operating system's entropy, for unseeded initializers."""
    return secrets.randbits(64)


def derive_seed(seed: int, label: str | bytes) -> int:
    """A seed in ``[0, 2**64)`` derived from ``seed`` and a label: BLAKE2b-64 of the seed's 16
    bytes (``seed mod 2**128``, little-endian) followed by the label (UTF-8). ``initspec.torch``
    seeds each parameter with the parameter's name; ``initspec.jax`` hashes a key's data.

    >>> derive_seed(5, "0.weight") == derive_seed(5, "0.weight") != derive_seed(5, "0.bias")
    True
    """
    data = label.encode("utf-8") if isinstance(label, str) else bytes(label)
    digest = hashlib.blake2b((seed % (1 << 128)).to_bytes(16, "little") + data, digest_size=8)
    return int.from_bytes(digest.digest(), "little")


def resolve_threads(threads: int | None) -> int:
    """The thread count to use: ``threads``, else ``$INITSPEC_NUM_THREADS``, else the CPUs."""
    if threads is None:
        threads = env_threads()
        if threads is None:
            threads = _cpu_count()
    return threads


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _mix(z: int) -> int:
    """SplitMix64's output function (a bijection on 64-bit integers)."""
    z = (z + 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


@functools.lru_cache(maxsize=256)
def stream_key(seed: int) -> int:
    """The 64-bit key every block state of ``seed`` is derived from."""
    return _mix((seed & _M64) ^ _VERSION_TAG)


class _Worker:
    """Per-thread generator and scratch space, reused across blocks and calls."""

    def __init__(self) -> None:
        self.bitgen = np.random.SFC64(0)
        self.gen = np.random.Generator(self.bitgen)
        self._scratch: dict[tuple[str, np.dtype[Any]], np.ndarray[Any, Any]] = {}
        # block start states already derived (a pure function of key and block), a few kept
        self._starts: dict[tuple[int, int], Any] = {}
        self._words = _state_words(self.bitgen)
        self._normal: dict[int, tuple[Any, Any, Any]] = {}  # the last size's views

    def seek(self, key: int, block: int) -> None:
        """Put the generator at the start of ``block`` of the stream of ``key``."""
        start = self._starts.get((key, block))
        if start is None:
            x = _mix(key ^ block)
            a, b, c = _mix(x), _mix(x + 1), _mix(x + 2)
            self.bitgen.state = {
                "bit_generator": "SFC64",
                "state": {"state": np.array([a, b, c, 1], dtype=np.uint64)},
                "has_uint32": 0,
                "uinteger": 0,
            }
            self.bitgen.random_raw(12)
            if len(self._starts) >= _STARTS_KEPT:
                self._starts.clear()
            # a fresh copy, not shared: the state's words, or numpy's state dict
            start = self._words.copy() if self._words is not None else dict(self.bitgen.state)
            self._starts[(key, block)] = start
        elif self._words is not None:
            self._words[...] = start
        else:
            self.bitgen.state = start

    def scratch(self, name: str, size: int, dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
        buf = self._scratch.get((name, dtype))
        if buf is None or buf.size < size:
            buf = np.empty(max(size, BLOCK), dtype)
            self._scratch[(name, dtype)] = buf
        return buf[:size]

    def normal_scratch(
        self, m: int
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Three float32 buffers of ``m`` elements (uniforms, radii, angles) for a batch."""
        views = self._normal.get(m)
        if views is None:
            views = (
                self.scratch("u1", m, _F32),
                self.scratch("radius", m, _F32),
                self.scratch("angle", m, _F32),
            )
            self._normal = {m: views}
        return views


def _state_words(bitgen: np.random.SFC64) -> npt.NDArray[np.uint64] | None:
    """The generator's state as a live array of five 64-bit words (SFC64's four, then its
    buffered-half flag and half), written in a fifth of the time numpy's ``state`` setter
    takes; ``None`` (use the setter) unless numpy's state struct is laid out that way here."""
    try:
        view = np.ctypeslib.as_array(
            (ctypes.c_uint64 * 5).from_address(bitgen.ctypes.state_address)
        )
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - another numpy
        return None
    probe = np.array([1, 2, 3, 4], dtype=np.uint64)
    bitgen.state = {
        "bit_generator": "SFC64",
        "state": {"state": probe},
        "has_uint32": 1,
        "uinteger": 5,
    }
    expected = [1, 2, 3, 4, 1 | 5 << 32] if np.little_endian else [1, 2, 3, 4, 1 << 32 | 5]
    if view.tolist() != expected:  # pragma: no cover - a layout this module does not know
        return None
    view[4] = 0
    return view


_STARTS_KEPT = 256
_local = threading.local()


def _worker() -> _Worker:
    w: _Worker | None = getattr(_local, "worker", None)
    if w is None:
        w = _local.worker = _Worker()
    return w


# --- distributions within one block -------------------------------------------------------

_F32_ONE = np.uint32(0x3F800000)  # the bits of 1.0f
_ANGLE_STEP = np.float32(2.0 * math.pi / 2**32)
_F32_TWO = np.float32(2.0)
_F64_ONE = np.uint64(0x3FF0000000000000)  # the bits of 1.0


def _halves(w: _Worker, count: int) -> npt.NDArray[np.uint32]:
    """``count`` 32-bit halves of the block's next raw words, low half of each word first."""
    words = w.bitgen.random_raw((count + 1) // 2)
    halves = words.view(np.uint32)
    if not _BIG_ENDIAN and not count & 1:
        return halves
    if _BIG_ENDIAN:  # keep the little-endian order the stream is defined in
        halves = np.ascontiguousarray(halves.reshape(-1, 2)[:, ::-1]).reshape(-1)
    return halves[:count]


def _unit_f32(bits: npt.NDArray[np.uint32], out: npt.NDArray[np.float32]) -> None:
    """``out = (bits >> 9) * 2**-23``, in [0, 1), through the bits of a float in [1, 2)."""
    raw = out.view(np.uint32)
    np.right_shift(bits, 9, out=raw)
    np.bitwise_or(raw, _F32_ONE, out=raw)
    np.subtract(out, np.float32(1.0), out=out)


def _uniform(w: _Worker, out: np.ndarray[Any, Any], low: float, high: float) -> None:
    if out.dtype == _F32:
        _unit_f32(_halves(w, out.size), out)
    else:
        raw = out.view(np.uint64)
        np.right_shift(w.bitgen.random_raw(out.size), 12, out=raw)
        np.bitwise_or(raw, _F64_ONE, out=raw)
        np.subtract(out, 1.0, out=out)
    kind = out.dtype.type
    span = high - low
    with np.errstate(over="ignore"):
        wide = not math.isfinite(float(kind(span)))
    if wide:  # the bounds fit, their distance does not
        np.multiply(out, kind(high / 2 - low / 2), out=out)
        np.add(out, kind(low / 2), out=out)
        np.multiply(out, kind(2), out=out)
        return
    if span != 1:
        np.multiply(out, kind(span), out=out)
    if low != 0:
        np.add(out, kind(low), out=out)


def _standard_normal_f32(
    w: _Worker, out: npt.NDArray[np.float32], scale: float
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Fill ``out`` with ``scale`` times standard normals (Box-Muller; see the module docs).

    Returns the radii's uniforms ``u1`` and the angles, both exact, for :func:`_exact_f32`,
    and the radii (times ``scale`` when it was folded in). A small tensor's cost is mostly
    the number of numpy calls, so each step is one call on the whole batch.
    """
    n = out.size
    m = (n + 1) // 2
    bits = _halves(w, 2 * m)
    lead = bits[:m]
    u1, radius, angle = w.normal_scratch(m)
    raw = u1.view(np.uint32)  # u1 = 1 - (half >> 9) * 2**-23 = 2 - x, x in [1, 2): exact
    np.right_shift(lead, 9, raw)
    np.bitwise_or(raw, _F32_ONE, raw)
    np.subtract(_F32_TWO, u1, u1)  # (0, 1]: k * 2**-23, k >= 1
    top = int(lead.argmax())
    if lead[top] >= _REFINE_BITS:  # some u1 < 2**-12 (0.56 per 4,608 values, on average)
        _refine(w, u1, lead, top)
    np.log(u1, out=radius)
    fold = scale == 0 or _FOLD_LOW <= scale <= _FOLD_HIGH
    np.multiply(radius, np.float32(-2.0 * scale * scale if fold else -2.0), out=radius)
    np.sqrt(radius, out=radius)
    # [-pi, pi): the signed half rounded to float32, times 2 pi / 2**32 in float32
    angle[...] = bits[m:].view(np.int32)
    np.multiply(angle, _ANGLE_STEP, angle)
    head, tail = out[:m], out[m:]
    k = n - m
    np.cos(angle, out=head)
    np.sin(angle[:k], out=tail)
    if k == m:  # both halves times the radii in one call
        pairs = out.reshape(2, m)
        np.multiply(pairs, radius, out=pairs)
    else:
        np.multiply(head, radius, out=head)
        np.multiply(tail, radius[:k], out=tail)
    if not fold:
        np.multiply(out, np.float32(scale), out=out)
    return u1, angle, radius


def _refine(
    w: _Worker, u1: npt.NDArray[np.float32], lead: npt.NDArray[np.uint32], top: int
) -> None:
    """Each ``u1 < 2**-12`` (its half at least ``_REFINE_BITS``; ``top`` is one of them),
    in order, becomes ``u1 - r * 2**-23`` (in float64, rounded once), ``r`` made of the
    generator's next word ``x`` as ``(x >> 11) * 2**-53``: continuous tails. A block has a
    handful, so they are found one ``argmax`` each (``lead`` is spent: its found halves are
    zeroed) up to a few, and with one full scan beyond."""
    small = [top]
    lead[top] = 0
    while len(small) < 4:
        i = int(lead.argmax())
        if lead[i] < _REFINE_BITS:
            break
        small.append(i)
        lead[i] = 0
    else:
        small += np.flatnonzero(lead >= _REFINE_BITS).tolist()
    small.sort()
    next_word = w.bitgen.random_raw
    for i in small:
        u1[i] = float(u1[i]) - (next_word() >> 11) * 2.0**-76


def _exact_f32(
    index: Sequence[int], u1: npt.NDArray[np.float32], angle: npt.NDArray[np.float32]
) -> npt.NDArray[np.float64]:
    """The standard normals at ``index`` of a float32 Box-Muller batch, computed in float64
    from the same (exact) ``u1`` and angles: what float32 rounds, without its last-bit noise.
    (A handful per block: Python's ``math`` costs less than numpy's calls on so few.)"""
    m = u1.size
    values = []
    for i in index:
        j = i if i < m else i - m
        radius = math.sqrt(-2.0 * math.log(float(u1[j])))
        theta = float(angle[j])
        values.append(radius * (math.cos(theta) if i < m else math.sin(theta)))
    return np.array(values, dtype=np.float64)


def _few_true(flags: npt.NDArray[np.bool_], most: int = 32) -> list[int]:
    """The positions of ``flags`` that are set, expected to be few: found by ``argmax`` (which
    stops at the first), or by one full scan when there are more than ``most``."""
    found: list[int] = []
    start, size = 0, flags.size
    while start < size:
        i = start + int(flags[start:].argmax())
        if not flags[i]:
            return found
        if len(found) == most:
            every: list[int] = np.flatnonzero(flags).tolist()
            return every
        found.append(i)
        start = i + 1
    return found


def _standard_normal(w: _Worker, out: np.ndarray[Any, Any], scale: float) -> None:
    if out.dtype == _F32:
        _standard_normal_f32(w, out, scale)
    else:
        w.gen.standard_normal(out=out)
        if scale != 1.0:
            np.multiply(out, scale, out=out)


def _truncated(w: _Worker, out: np.ndarray[Any, Any], stddev: float) -> None:
    """Fill ``out`` with normals of ``stddev`` truncated to ``[-2 stddev, 2 stddev]``.

    float32 candidates within ``GUARD`` (relative) of the bound are decided, and their values
    made, in float64 from their exact inputs, so every platform keeps the same candidates.
    """
    n = out.size
    filled = 0
    want = 2 * math.ceil(n * TRUNCATION_OVERSAMPLE / 2)
    f32 = out.dtype == _F32
    # float32 candidates are made at a scale whose values stay normal floats, then rescaled
    scale = stddev if not f32 or stddev == 0 or _FOLD_LOW <= stddev <= _FOLD_HIGH else 1.0
    bound = 2.0 * scale
    kind = out.dtype.type
    lo, hi = kind(bound * (1 - GUARD)), kind(bound * (1 + GUARD))
    while filled < n:
        cand = w.scratch("cand", want, out.dtype)
        mag = w.scratch("mag", want, out.dtype)
        if f32:
            u1, angle, _ = _standard_normal_f32(w, cand, scale)
        else:
            _standard_normal(w, cand, scale)
        np.abs(cand, out=mag)
        ok = mag <= (lo if f32 else bound)
        if f32 and scale != 0:
            near = _few_true(np.not_equal(ok, mag <= hi))  # lo < |candidate| <= hi
            if near:  # the few candidates the float32 rounding could misjudge
                z = _exact_f32(near, u1, angle)
                ok[near] = np.abs(z) <= 2.0
                cand[near] = z * scale
        keep = cand[ok]
        if keep.size == 0 and want >= 64:  # impossible for finite values: P = 0.0455**64
            raise FloatingPointError(f"no finite normal draws for stddev {stddev!r}")
        take = min(keep.size, n - filled)
        out[filled : filled + take] = keep[:take]
        filled += take
        want = 2 * math.ceil((n - filled + 64) / 2)
    if scale != stddev:
        np.multiply(out, kind(stddev), out=out)


def _block_values(w: _Worker, dist: Distribution, out: np.ndarray[Any, Any]) -> None:
    """Fill ``out`` (float32, float64 or integer, 1-D contiguous) with one block's values."""
    if isinstance(dist, Normal):  # first: a small call's fixed cost is mostly such steps
        if dist.truncated:
            _truncated(w, out, dist.stddev)
        else:
            _standard_normal(w, out, dist.stddev)
        if dist.mean != 0.0:
            np.add(out, out.dtype.type(dist.mean), out=out)
    elif isinstance(dist, Uniform):
        _uniform(w, out, dist.low, dist.high)
    else:
        out[...] = w.gen.integers(dist.low, dist.high, size=out.size, dtype=out.dtype)


def _work_dtype(dtype: np.dtype[Any], dist: Distribution) -> np.dtype[Any]:
    """The dtype values are made in: the output's own (the same object: callers test it with
    ``is``), or float32 for float16/bfloat16."""
    if dtype in (_F32, _F64) or isinstance(dist, UniformInt):
        return dtype
    return _F32


# --- whole tensors and partitions -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Runs:
    """A partition as equal-length runs of the full tensor's flat index space."""

    full_starts: npt.NDArray[np.int64]  # ascending
    out_starts: npt.NDArray[np.int64]
    length: int


def _runs(full_shape: Sequence[int], shape: Sequence[int], offset: Sequence[int]) -> _Runs:
    """Cut the box ``offset : offset + shape`` of ``full_shape`` into contiguous runs."""
    rank = len(full_shape)
    k = rank - 1  # trailing axes k+1.. are whole, so one run spans shape[k] * their product
    while k > 0 and shape[k] == full_shape[k]:
        k -= 1
    length = int(np.prod(shape[k:], dtype=np.int64))
    strides = [int(np.prod(full_shape[i + 1 :], dtype=np.int64)) for i in range(rank)]
    base = sum(o * s for o, s in zip(offset, strides, strict=True))
    lead = [int(d) for d in shape[:k]]
    count = int(np.prod(lead, dtype=np.int64)) if lead else 1
    if count and lead:
        grid = np.indices(lead, dtype=np.int64).reshape(len(lead), -1)
        full_starts = base + sum(grid[i] * strides[i] for i in range(len(lead)))
    else:
        full_starts = np.full(count, base, dtype=np.int64)
    out_starts = np.arange(count, dtype=np.int64) * length
    return _Runs(np.asarray(full_starts, dtype=np.int64), out_starts, length)


def fill(
    out: np.ndarray[Any, Any],
    dist: Distribution,
    seed: int,
    full_shape: Sequence[int],
    offset: Sequence[int] | None = None,
    threads: int | None = None,
) -> None:
    """Fill ``out`` with the part of the seeded random tensor it covers.

    ``out`` has the shape of the full tensor, or of the partition that starts at ``offset``.
    It may be any view whose elements do not share memory (a transposed one, say): each
    block is made in the worker's scratch space and written into its place, so no temporary
    of the tensor is made.

    >>> import numpy as np
    >>> full = np.empty((4, 6), np.float32)
    >>> fill(full, Normal(0.0, 1.0), seed=3, full_shape=(4, 6))
    >>> part = np.empty((4, 2), np.float32)
    >>> fill(part, Normal(0.0, 1.0), seed=3, full_shape=(4, 6), offset=(0, 3))
    >>> bool((part == full[:, 3:5]).all())
    True
    """
    size = out.size
    if size == 0:
        return
    flat = out.reshape(-1) if out.flags.c_contiguous else None  # None: a strided view
    key = stream_key(seed)
    work = _work_dtype(out.dtype, dist)
    if offset is None and size <= BLOCK:  # one whole block (small tensors): no task machinery
        if threads is None:
            env_threads()  # a bad setting is an error whatever the size
        w = _worker()
        w.seek(key, 0)
        if flat is not None:
            _values_into(w, dist, flat, work)
        else:
            _values_apart(w, dist, out, 0, size, work)
        return
    total = math.prod(full_shape)
    if offset is None or (tuple(out.shape) == tuple(full_shape) and not any(offset)):
        blocks = list(range(math.ceil(total / BLOCK)))

        def do(b: int) -> None:
            w = _worker()
            w.seek(key, b)
            lo, hi = b * BLOCK, min(total, (b + 1) * BLOCK)
            if flat is not None:
                _values_into(w, dist, flat[lo:hi], work)
            else:
                _values_apart(w, dist, out, lo, hi - lo, work)
    else:
        runs = _runs(full_shape, out.shape, offset)
        blocks = _blocks_of(runs)

        def do(b: int) -> None:
            w = _worker()
            w.seek(key, b)
            lo, hi = b * BLOCK, min(total, (b + 1) * BLOCK)
            tmp = w.scratch("part", hi - lo, work)
            _block_values(w, dist, tmp)
            _scatter(tmp, lo, hi, runs, out)

    _run_all(do, blocks, resolve_threads(threads))


def _values_into(
    w: _Worker, dist: Distribution, target: np.ndarray[Any, Any], work: np.dtype[Any]
) -> None:
    """One block's values into ``target``, made in ``work`` (rounded to ``target``'s dtype)."""
    if work is target.dtype:
        _block_values(w, dist, target)
    else:
        tmp = w.scratch("cast", target.size, work)
        _block_values(w, dist, tmp)
        target[...] = tmp


def _values_apart(
    w: _Worker,
    dist: Distribution,
    out: np.ndarray[Any, Any],
    start: int,
    count: int,
    work: np.dtype[Any],
) -> None:
    """One block's ``count`` values made in scratch space, then written over the elements
    ``start, start + 1, ...`` (C order) of ``out``, a view in any layout."""
    tmp = w.scratch("part", count, work)
    _block_values(w, dist, tmp)
    _write_run(out, start, tmp)


def _blocks_of(runs: _Runs) -> list[int]:
    """The blocks a partition's runs touch, ascending."""
    first = runs.full_starts // BLOCK
    last = (runs.full_starts + runs.length - 1) // BLOCK
    if runs.length > BLOCK:  # a run covers whole blocks between its ends
        spans = [np.arange(f, g + 1) for f, g in zip(first.tolist(), last.tolist(), strict=True)]
        blocks: list[int] = np.unique(np.concatenate(spans)).tolist()
    else:  # a run touches at most its first and last block
        blocks = np.unique(np.concatenate([first, last])).tolist()
    return blocks


def _scatter(
    values: np.ndarray[Any, Any], lo: int, hi: int, runs: _Runs, out: np.ndarray[Any, Any]
) -> None:
    """Copy the parts of the runs that lie in ``[lo, hi)`` from ``values`` into ``out``."""
    i0 = int(np.searchsorted(runs.full_starts, lo - runs.length, side="right"))
    i1 = int(np.searchsorted(runs.full_starts, hi, side="left"))
    if i1 <= i0:
        return
    starts = runs.full_starts[i0:i1]
    outs = runs.out_starts[i0:i1]
    if i1 - i0 <= 16:
        for s, o in zip(starts.tolist(), outs.tolist(), strict=True):
            a, z = max(s, lo), min(s + runs.length, hi)
            if a < z:
                _write_run(out, o + (a - s), values[a - lo : z - lo])
        return
    # many short runs: one vectorised gather
    pos = starts[:, None] + np.arange(runs.length, dtype=np.int64)[None, :]
    dst = outs[:, None] + np.arange(runs.length, dtype=np.int64)[None, :]
    inside = (pos >= lo) & (pos < hi)
    target = out.reshape(-1) if out.flags.c_contiguous else out.flat
    target[dst[inside]] = values[pos[inside] - lo]


def _write_run(out: np.ndarray[Any, Any], start: int, values: np.ndarray[Any, Any]) -> None:
    """Write ``values`` over the elements ``start, start + 1, ...`` of ``out`` in C order.

    ``out`` may be any view: the run is cut into at most two partial pieces per axis and the
    whole sub-arrays between them, each written with one assignment (for a transposed matrix
    and a block of whole rows, one assignment).

    >>> out = np.zeros((3, 4)).T  # a view of shape (4, 3)
    >>> _write_run(out, 2, np.arange(1.0, 6.0)); out.tolist()
    [[0.0, 0.0, 1.0], [2.0, 3.0, 4.0], [5.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    count = values.size
    if out.ndim <= 1:
        out[start : start + count] = values
        return
    inner = math.prod(out.shape[1:])
    first, skip = divmod(start, inner)
    last, rest = divmod(start + count, inner)
    if first == last:  # within one sub-array
        _write_run(out[first], skip, values)
        return
    done = 0
    if skip:  # the tail of a sub-array
        done = inner - skip
        _write_run(out[first], skip, values[:done])
        first += 1
    if last > first:  # whole sub-arrays
        whole = (last - first) * inner
        out[first:last] = values[done : done + whole].reshape((last - first, *out.shape[1:]))
        done += whole
    if rest:  # the head of the next
        _write_run(out[last], 0, values[done:])


_pool_lock = threading.Lock()
_shared_pool: list[ThreadPoolExecutor] = []  # at most one, made on first use


def _pool() -> ThreadPoolExecutor:
    """The one thread pool of the process: its threads start when needed, never more than
    ``MAX_THREADS - 1`` (the calling thread is the other one), and are reused by every call."""
    with _pool_lock:
        if not _shared_pool:
            _shared_pool.append(ThreadPoolExecutor(MAX_THREADS - 1, thread_name_prefix="initspec"))
        return _shared_pool[0]


def _forget_pool() -> None:
    """In a forked child: the parent's pool has no threads here, so start a new one."""
    global _pool_lock
    _shared_pool.clear()
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _run_all(do: Callable[[int], None], blocks: list[int], threads: int) -> None:
    """Run ``do`` on every block, on ``threads`` threads at most (the caller's included), each
    taking the next block not yet taken: inline for one thread or block."""
    workers = min(threads, MAX_THREADS, len(blocks))
    if workers <= 1:
        for b in blocks:
            do(b)
        return
    queue = iter(blocks)
    lock = threading.Lock()

    def run() -> None:
        while True:
            with lock:
                b = next(queue, None)
            if b is None:
                return
            do(b)

    pool = _pool()
    helpers = [pool.submit(run) for _ in range(workers - 1)]
    try:
        run()
    finally:
        for helper in helpers:
            helper.result()
