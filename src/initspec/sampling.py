"""The one place initspec makes random numbers: a counter-based, block-addressable stream.

Stream version 1 (``STREAM_VERSION``), what every random element is made of:

* The seed is an integer in ``[-2**63, 2**64)``; it is taken modulo ``2**64``.
* The *full* tensor, in C order, is cut into blocks of ``BLOCK`` (65,536) elements. Block
  ``b`` has its own generator: numpy's SFC64 with state words ``(mix(x), mix(x + 1),
  mix(x + 2))``, counter ``1``, and its first 12 outputs discarded, where
  ``x = mix(key ^ b)``, ``key = mix((seed mod 2**64) ^ VERSION_TAG)``, ``VERSION_TAG`` is
  ``0x696E697473706563`` ("initspec" in ASCII) xor ``STREAM_VERSION``, and ``mix`` is
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
    order, with one float64 uniform ``r`` from ``Generator.random`` as ``u1 - r * 2**-23``, so
    the tails are continuous out to about 10 standard deviations. Halves ``[m, 2m)``, read as
    signed integers, give angles ``theta = half * 2 pi / 2**32`` in [-pi, pi). Elements
    ``[0, m)`` are ``sqrt(-2 ln u1) cos(theta)`` and ``[m, n)`` the matching sines;
  - normal float64: ``Generator.standard_normal(n)`` (numpy's ziggurat);
  - normal truncated at 2 standard deviations: candidates are drawn in batches as above
    (first batch ``ceil(n * TRUNCATION_OVERSAMPLE)`` rounded up to even, later batches sized
    to what is still missing plus 64) and the candidates with ``|z| <= 2`` are kept, in order,
    until ``n`` are kept;
  - float16 and bfloat16 values are made in float32 and rounded.

Values are a pure function of (seed, full shape, dtype, distribution): one thread or many,
a whole tensor or a partition of it, the same bits. Uniform and integer values are made of
exact operations and are the same on every machine; float32 normals go through numpy's float32
``log``, ``sin`` and ``cos``, whose last bit can differ between numpy versions or CPU feature
levels (float64 normals use numpy's ziggurat). Changing anything above changes
``STREAM_VERSION``; golden hashes in the tests make such a change visible.
"""

from __future__ import annotations

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

from .errors import InitializerError

__all__ = [
    "BLOCK",
    "STREAM_VERSION",
    "Normal",
    "Uniform",
    "UniformInt",
    "fill",
    "fresh_seed",
    "resolve_threads",
]

STREAM_VERSION = 1
BLOCK = 1 << 16
TRUNCATION_OVERSAMPLE = 1.055
THREADS_ENV = "INITSPEC_NUM_THREADS"

_M64 = (1 << 64) - 1
_VERSION_TAG = 0x696E697473706563 ^ STREAM_VERSION  # "initspec" in ASCII, xor the version
_REFINE_BELOW = np.float32(2.0**-12)
_BIG_ENDIAN = np.little_endian is False
_F32_TINY = float(np.finfo(np.float32).tiny)
_F32_MAX = float(np.finfo(np.float32).max)
_F32 = np.dtype(np.float32)
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


def resolve_threads(threads: int | None) -> int:
    """The thread count to use: ``threads``, else ``$INITSPEC_NUM_THREADS``, else the CPUs."""
    if threads is None:
        env = os.environ.get(THREADS_ENV, "").strip()
        if env:
            try:
                threads = int(env)
            except ValueError:
                threads = 0
            if threads < 1:
                raise InitializerError.single(
                    ("threads",),
                    "invalid_argument",
                    f"{THREADS_ENV} must be a positive integer; got {env!r}",
                    env,
                    subject="the initializer call",
                )
        else:
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


def stream_key(seed: int) -> int:
    """The 64-bit key every block state of ``seed`` is derived from."""
    return _mix((seed & _M64) ^ _VERSION_TAG)


class _Worker:
    """Per-thread generator and scratch space, reused across blocks and calls."""

    def __init__(self) -> None:
        self.bitgen = np.random.SFC64(0)
        self.gen = np.random.Generator(self.bitgen)
        self._scratch: dict[tuple[str, np.dtype[Any]], np.ndarray[Any, Any]] = {}

    def seek(self, key: int, block: int) -> None:
        x = _mix(key ^ block)
        a, b, c = _mix(x), _mix(x + 1), _mix(x + 2)
        self.bitgen.state = {
            "bit_generator": "SFC64",
            "state": {"state": np.array([a, b, c, 1], dtype=np.uint64)},
            "has_uint32": 0,
            "uinteger": 0,
        }
        self.bitgen.random_raw(12)

    def scratch(self, name: str, size: int, dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
        buf = self._scratch.get((name, dtype))
        if buf is None or buf.size < size:
            buf = np.empty(max(size, BLOCK), dtype)
            self._scratch[(name, dtype)] = buf
        return buf[:size]


_local = threading.local()


def _worker() -> _Worker:
    w: _Worker | None = getattr(_local, "worker", None)
    if w is None:
        w = _local.worker = _Worker()
    return w


# --- distributions within one block -------------------------------------------------------

_F32_ONE = np.uint32(0x3F800000)  # the bits of 1.0f
_F64_ONE = np.uint64(0x3FF0000000000000)  # the bits of 1.0


def _halves(w: _Worker, count: int) -> npt.NDArray[np.uint32]:
    """``count`` 32-bit halves of the block's next raw words, low half of each word first."""
    words = w.bitgen.random_raw((count + 1) // 2)
    halves = words.view(np.uint32)
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


def _standard_normal_f32(w: _Worker, out: npt.NDArray[np.float32], scale: float) -> None:
    """Fill ``out`` with ``scale`` times standard normals (Box-Muller; see the module docs)."""
    n = out.size
    m = (n + 1) // 2
    bits = _halves(w, 2 * m)
    radius = w.scratch("radius", m, _F32)
    angle = w.scratch("angle", m, _F32)
    _unit_f32(bits[:m], radius)
    np.subtract(np.float32(1.0), radius, out=radius)  # (0, 1]: k * 2**-23, k >= 1
    small = np.flatnonzero(radius < _REFINE_BELOW)
    if small.size:  # (k - r) * 2**-23: continuous tails
        radius[small] = radius[small] - w.gen.random(small.size) * 2.0**-23
    np.log(radius, out=radius)
    factor = -2.0 * scale * scale  # fold the scale into the radius when float32 holds it well
    fold = scale == 0 or _F32_TINY <= -factor <= _F32_MAX
    np.multiply(radius, np.float32(factor if fold else -2.0), out=radius)
    np.sqrt(radius, out=radius)
    np.copyto(angle, bits[m:].view(np.int32), casting="unsafe")
    np.multiply(angle, np.float32(2.0 * math.pi / 2**32), out=angle)  # [-pi, pi)
    head, tail = out[:m], out[m:]
    np.cos(angle, out=head)
    np.multiply(head, radius, out=head)
    k = n - m
    np.sin(angle[:k], out=tail)
    np.multiply(tail, radius[:k], out=tail)
    if not fold:
        np.multiply(out, np.float32(scale), out=out)


def _standard_normal(w: _Worker, out: np.ndarray[Any, Any], scale: float) -> None:
    if out.dtype == _F32:
        _standard_normal_f32(w, out, scale)
    else:
        w.gen.standard_normal(out=out)
        if scale != 1.0:
            np.multiply(out, scale, out=out)


def _truncated(w: _Worker, out: np.ndarray[Any, Any], stddev: float) -> None:
    """Fill ``out`` with normals of ``stddev`` truncated to ``[-2 stddev, 2 stddev]``."""
    n = out.size
    filled = 0
    want = 2 * math.ceil(n * TRUNCATION_OVERSAMPLE / 2)
    bound = 2.0 * stddev
    while filled < n:
        cand = w.scratch("cand", want, out.dtype)
        _standard_normal(w, cand, stddev)
        keep = cand[np.abs(cand) <= bound]
        if keep.size == 0 and want >= 64:  # impossible for finite values: P = 0.0455**64
            raise FloatingPointError(f"no finite normal draws for stddev {stddev!r}")
        take = min(keep.size, n - filled)
        out[filled : filled + take] = keep[:take]
        filled += take
        want = 2 * math.ceil((n - filled + 64) / 2)


def _block_values(w: _Worker, dist: Distribution, out: np.ndarray[Any, Any]) -> None:
    """Fill ``out`` (float32, float64 or integer, 1-D contiguous) with one block's values."""
    if isinstance(dist, Uniform):
        _uniform(w, out, dist.low, dist.high)
    elif isinstance(dist, UniformInt):
        out[...] = w.gen.integers(dist.low, dist.high, size=out.size, dtype=out.dtype)
    elif dist.truncated:
        _truncated(w, out, dist.stddev)
        if dist.mean != 0.0:
            np.add(out, out.dtype.type(dist.mean), out=out)
    else:
        _standard_normal(w, out, dist.stddev)
        if dist.mean != 0.0:
            np.add(out, out.dtype.type(dist.mean), out=out)


def _work_dtype(dtype: np.dtype[Any], dist: Distribution) -> np.dtype[Any]:
    """The dtype values are made in: the output's own, or float32 for float16/bfloat16."""
    if isinstance(dist, UniformInt) or dtype in (_F32, _F64):
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
    """Fill ``out`` (C-contiguous) with the part of the seeded random tensor it covers.

    ``out`` has the shape of the full tensor, or of the partition that starts at ``offset``.

    >>> import numpy as np
    >>> full = np.empty((4, 6), np.float32)
    >>> fill(full, Normal(0.0, 1.0), seed=3, full_shape=(4, 6))
    >>> part = np.empty((4, 2), np.float32)
    >>> fill(part, Normal(0.0, 1.0), seed=3, full_shape=(4, 6), offset=(0, 3))
    >>> bool((part == full[:, 3:5]).all())
    True
    """
    flat = out.reshape(-1)
    if flat.size == 0:
        return
    key = stream_key(seed)
    total = int(np.prod(full_shape, dtype=np.int64))
    work = _work_dtype(out.dtype, dist)
    whole = offset is None or (tuple(out.shape) == tuple(full_shape) and not any(offset))

    if whole:
        blocks = list(range(math.ceil(total / BLOCK)))

        def do(b: int) -> None:
            w = _worker()
            w.seek(key, b)
            lo, hi = b * BLOCK, min(total, (b + 1) * BLOCK)
            if work == out.dtype:
                _block_values(w, dist, flat[lo:hi])
            else:
                tmp = w.scratch("cast", hi - lo, work)
                _block_values(w, dist, tmp)
                flat[lo:hi] = tmp
    else:
        assert offset is not None
        runs = _runs(full_shape, out.shape, offset)
        first = runs.full_starts // BLOCK
        last = (runs.full_starts + runs.length - 1) // BLOCK
        if runs.length > BLOCK:  # a run covers whole blocks between its ends
            spans = [
                np.arange(f, g + 1) for f, g in zip(first.tolist(), last.tolist(), strict=True)
            ]
            blocks = np.unique(np.concatenate(spans)).tolist()
        else:  # a run touches at most its first and last block
            blocks = np.unique(np.concatenate([first, last])).tolist()

        def do(b: int) -> None:
            w = _worker()
            w.seek(key, b)
            lo, hi = b * BLOCK, min(total, (b + 1) * BLOCK)
            tmp = w.scratch("part", hi - lo, work)
            _block_values(w, dist, tmp)
            _scatter(tmp, lo, hi, runs, flat)

    _run_all(do, blocks, resolve_threads(threads))


def _scatter(
    values: np.ndarray[Any, Any], lo: int, hi: int, runs: _Runs, flat: np.ndarray[Any, Any]
) -> None:
    """Copy the parts of the runs that lie in ``[lo, hi)`` from ``values`` into ``flat``."""
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
                flat[o + (a - s) : o + (z - s)] = values[a - lo : z - lo]
        return
    # many short runs: one vectorised gather
    pos = starts[:, None] + np.arange(runs.length, dtype=np.int64)[None, :]
    dst = outs[:, None] + np.arange(runs.length, dtype=np.int64)[None, :]
    inside = (pos >= lo) & (pos < hi)
    flat[dst[inside]] = values[pos[inside] - lo]


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(threads: int) -> ThreadPoolExecutor:
    with _pools_lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="initspec")
        return pool


def _run_all(do: Callable[[int], None], blocks: list[int], threads: int) -> None:
    """Run ``do`` on every block: inline for one thread or block, else in a few large tasks
    per thread (tasks that are too small spend their time in the pool, not in numpy)."""
    if threads <= 1 or len(blocks) <= 1:
        for b in blocks:
            do(b)
        return
    tasks = min(len(blocks), threads * 4)
    chunks = [blocks[i::tasks] for i in range(tasks)]

    def run(chunk: list[int]) -> None:
        for b in chunk:
            do(b)

    for _ in _pool(threads).map(run, chunks):
        pass
