"""Statistical tests: every random initializer against its exact distribution.

Fixed seeds and a fixed significance level (``ALPHA``) for every goodness-of-fit test; every
other bound is 6 standard errors of the estimator at the sample size used, derived from the
distribution's own moments. The expected distributions come from the formulas of
``shared/reference/keras-initializers.md`` (written out here) and from scipy, never from
initspec.

Slow checks (bigger samples) run only with ``INITSPEC_SLOW_TESTS=1``.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import initspec

stats = pytest.importorskip("scipy.stats")

try:  # one BLAS thread for the QR: much faster when other processes load the 2 cores
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - optional
    threadpool_limits = None

N = 10**6
ALPHA = 1e-4  # fixed significance level of every goodness-of-fit test
SIGMAS = 6.0  # width of every moment / proportion bound, in standard errors
SEED = 20240607
OTHER_SEEDS = (1, 2**63 + 12345)
BLOCK = 65_536
TRUNC_SD = 0.87962566103423978  # sd of a standard normal truncated to [-2, 2] (reference)

slow = pytest.mark.skipif(
    os.environ.get("INITSPEC_SLOW_TESTS") != "1", reason="set INITSPEC_SLOW_TESTS=1"
)


@dataclass(frozen=True)
class Case:
    make: Callable[[Any], initspec.Initializer]
    shape: tuple[int, ...]
    dist: Any  # a frozen scipy distribution
    variance: float  # the variance the reference formula promises
    mean: float = 0.0


def uniform(lo: float, hi: float) -> Any:
    return stats.uniform(loc=lo, scale=hi - lo)


def truncated(mean: float, sd: float) -> Any:
    """Normal(mean, sd) restricted to exactly mean +- 2 sd."""
    return stats.truncnorm(-2.0, 2.0, loc=mean, scale=sd)


def vs_dist(distribution: str, variance: float) -> Any:
    """The VarianceScaling distribution whose variance is ``variance`` (= scale / n)."""
    if distribution == "uniform":
        limit = math.sqrt(3.0 * variance)
        return uniform(-limit, limit)
    if distribution == "truncated_normal":
        return truncated(0.0, math.sqrt(variance) / TRUNC_SD)
    return stats.norm(0.0, math.sqrt(variance))


# Conv-like shape for the fixed family: receptive field 4, fan_in 1000, fan_out 4000, avg 2500.
CONV = (4, 250, 1000)

CASES: dict[str, Case] = {
    "RandomUniform": Case(
        lambda s: initspec.RandomUniform(-0.3, 0.7, seed=s),
        (1000, 1000),
        uniform(-0.3, 0.7),
        1.0 / 12.0,
        0.2,
    ),
    "RandomNormal": Case(
        lambda s: initspec.RandomNormal(0.2, 1.5, seed=s),
        (1000, 1000),
        stats.norm(0.2, 1.5),
        1.5**2,
        0.2,
    ),
    "TruncatedNormal": Case(
        lambda s: initspec.TruncatedNormal(-0.1, 0.8, seed=s),
        (1000, 1000),
        truncated(-0.1, 0.8),
        (0.8 * TRUNC_SD) ** 2,
        -0.1,
    ),
    "VS-uniform-fan_avg": Case(
        lambda s: initspec.VarianceScaling(2.0, "fan_avg", "uniform", seed=s),
        (800, 1250),
        vs_dist("uniform", 2.0 / 1025),
        2.0 / 1025,
    ),
    "VS-truncated-fan_out": Case(
        lambda s: initspec.VarianceScaling(0.5, "fan_out", "truncated_normal", seed=s),
        (1250, 800),
        vs_dist("truncated_normal", 0.5 / 800),
        0.5 / 800,
    ),
    "VS-untruncated-fan_in": Case(
        lambda s: initspec.VarianceScaling(3.0, "fan_in", "untruncated_normal", seed=s),
        (1000, 1000),
        vs_dist("untruncated_normal", 3.0 / 1000),
        3.0 / 1000,
    ),
    "GlorotUniform": Case(
        lambda s: initspec.GlorotUniform(seed=s), CONV, vs_dist("uniform", 1 / 2500), 1 / 2500
    ),
    "GlorotNormal": Case(
        lambda s: initspec.GlorotNormal(seed=s),
        CONV,
        vs_dist("truncated_normal", 1 / 2500),
        1 / 2500,
    ),
    "HeUniform": Case(
        lambda s: initspec.HeUniform(seed=s), CONV, vs_dist("uniform", 2 / 1000), 2 / 1000
    ),
    "HeNormal": Case(
        lambda s: initspec.HeNormal(seed=s), CONV, vs_dist("truncated_normal", 2 / 1000), 2 / 1000
    ),
    "LecunUniform": Case(
        lambda s: initspec.LecunUniform(seed=s), CONV, vs_dist("uniform", 1 / 1000), 1 / 1000
    ),
    "LecunNormal": Case(
        lambda s: initspec.LecunNormal(seed=s),
        CONV,
        vs_dist("truncated_normal", 1 / 1000),
        1 / 1000,
    ),
}
BASIC = ["RandomUniform", "RandomNormal", "TruncatedNormal"]


#: One fixed seed per case: cases of one family with one seed would all standardize to the
#: same stream, and so would not be independent evidence.
CASE_SEEDS = {name: SEED + 7919 * i for i, name in enumerate(CASES)}


def sample(name: str, dtype: str, seed: int | None = None) -> np.ndarray:
    case = CASES[name]
    seed = CASE_SEEDS[name] if seed is None else seed
    return case.make(seed)(case.shape, dtype).reshape(-1)


def ks_pvalue(x: np.ndarray, dist: Any) -> float:
    return float(stats.kstest(x.astype(np.float64), dist.cdf).pvalue)


def ks_rounded_statistic(x: np.ndarray, dist: Any) -> float:
    """KS statistic for a sample rounded to a coarse float type (float16), against ``dist``
    rounded the same way.

    A rounded value ``v`` stands for the continuous values between the midpoints to its
    neighbours, so the fraction of the sample ``<= v`` estimates ``F(upper midpoint)`` and
    the fraction ``< v`` estimates ``F(lower midpoint)``. Those are the continuous sample's
    ECDF at the midpoints, a subset of where the continuous KS statistic is taken: the
    statistic is at most the continuous one, and Kolmogorov's critical value is conservative.
    """
    n = x.size
    values, counts = np.unique(x, return_counts=True)
    up = np.nextafter(values, np.array(np.inf, values.dtype))
    down = np.nextafter(values, np.array(-np.inf, values.dtype))
    v64 = values.astype(np.float64)
    upper = (v64 + up.astype(np.float64)) / 2
    lower = (v64 + down.astype(np.float64)) / 2
    at_most = np.cumsum(counts) / n
    below = at_most - counts / n
    return max(
        float(np.max(np.abs(at_most - dist.cdf(upper)))),
        float(np.max(np.abs(below - dist.cdf(lower)))),
    )


@functools.cache
def ks_critical(n: int) -> float:
    """The KS statistic above which p < ALPHA, for a sample of ``n`` (exact Kolmogorov law)."""
    return float(stats.kstwo.isf(ALPHA, n))


def central_fourth_moment(dist: Any) -> float:
    var, excess = (float(v) for v in dist.stats(moments="vk"))
    return (excess + 3.0) * var**2


def check_moments(x: np.ndarray, mean: float, variance: float, dist: Any) -> None:
    x = x.astype(np.float64)
    n = x.size
    se_mean = math.sqrt(variance / n)
    assert abs(x.mean() - mean) < SIGMAS * se_mean, (x.mean(), mean, se_mean)
    # Var(s^2) = (mu4 - sigma^4) / n + 2 sigma^4 / (n (n - 1))
    mu4 = central_fourth_moment(dist)
    se_var = math.sqrt((mu4 - variance**2) / n + 2 * variance**2 / (n * (n - 1)))
    s2 = x.var(ddof=1)
    assert abs(s2 - variance) < SIGMAS * se_var, (s2, variance, se_var, s2 / variance)


# --- the case table itself ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_case_table_is_consistent(name: str) -> None:
    # The scipy distribution each case is tested against has the promised mean and variance.
    case = CASES[name]
    assert math.prod(case.shape) == N
    assert float(case.dist.mean()) == pytest.approx(case.mean, abs=1e-12)
    assert float(case.dist.var()) == pytest.approx(case.variance, rel=1e-12)


# --- goodness of fit ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_kolmogorov_smirnov(name: str, dtype: str) -> None:
    p = ks_pvalue(sample(name, dtype), CASES[name].dist)
    assert p > ALPHA, f"{name} {dtype}: KS p = {p:.3g}"


@pytest.mark.parametrize("seed", OTHER_SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", [*BASIC, "HeNormal", "GlorotUniform"])
def test_kolmogorov_smirnov_other_seeds(name: str, dtype: str, seed: int) -> None:
    p = ks_pvalue(sample(name, dtype, seed), CASES[name].dist)
    assert p > ALPHA, f"{name} {dtype} seed {seed}: KS p = {p:.3g}"


@pytest.mark.parametrize("seed", [SEED, *OTHER_SEEDS])
@pytest.mark.parametrize("name", [*BASIC, "LecunNormal", "HeUniform"])
def test_kolmogorov_smirnov_float16(name: str, seed: int) -> None:
    x = sample(name, "float16", seed)
    assert x.dtype == np.float16
    d = ks_rounded_statistic(x, CASES[name].dist)
    assert d < ks_critical(x.size), f"{name} float16 seed {seed}: KS D = {d:.3g}"


def test_rounded_ks_detects_a_wrong_distribution() -> None:
    # The float16 test has power: a 1% wrong scale is rejected at this sample size.
    x = sample("RandomNormal", "float16")
    assert ks_rounded_statistic(x, stats.norm(0.2, 1.5 * 1.01)) > ks_critical(x.size)
    assert ks_rounded_statistic(x, stats.norm(0.2 + 0.015, 1.5)) > ks_critical(x.size)


# --- moments ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_mean_and_variance(name: str, dtype: str) -> None:
    case = CASES[name]
    check_moments(sample(name, dtype), case.mean, case.variance, case.dist)


@pytest.mark.parametrize("seed", OTHER_SEEDS)
@pytest.mark.parametrize("name", BASIC)
def test_mean_and_variance_other_seeds_and_float16(name: str, seed: int) -> None:
    case = CASES[name]
    for dtype in ("float16", "float32", "float64"):
        check_moments(sample(name, dtype, seed), case.mean, case.variance, case.dist)


# --- tails of the untruncated normal -------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_tail_fractions(dtype: str) -> None:
    n = 10**7
    z = initspec.RandomNormal(0.0, 1.0, seed=SEED)((n,), dtype)
    a = np.abs(z.astype(np.float64))
    for k in (2.0, 3.0, 4.0, 4.5):
        p = 2 * stats.norm.sf(k)
        frac = float(np.count_nonzero(a > k)) / n
        assert abs(frac - p) < SIGMAS * math.sqrt(p * (1 - p) / n), (k, frac, p)


def poisson_bounds(mean: float, alpha: float = 1e-7) -> tuple[float, float]:
    """Counts a Poisson(mean) falls outside with probability about ``2 alpha`` (~ 6 sigma)."""
    return float(stats.poisson.ppf(alpha, mean)), float(stats.poisson.isf(alpha, mean))


def far_tail_histogram(dtype: str, total: int, edges: np.ndarray, seed: int) -> np.ndarray:
    """Counts of |z| in ``edges`` bins for a tensor of ``total`` standard normals (made in
    partitions of 10**7 so memory stays small; a partition is exactly a slice)."""
    init = initspec.RandomNormal(0.0, 1.0, seed=seed)
    chunk = 10**7
    counts = np.zeros(len(edges) - 1, dtype=np.int64)
    for start in range(0, total, chunk):
        size = min(chunk, total - start)
        z = init((total,), dtype, partition_shape=(size,), partition_offset=(start,))
        a = np.abs(z.astype(np.float64))
        counts += np.histogram(a[a >= edges[0]], edges)[0]
    return counts


FAR_EDGES = np.array([4.0, 4.25, 4.5, 4.75, 5.0, 5.25, 5.5, 6.0, np.inf])


def check_far_tails(dtype: str, total: int, seed: int) -> None:
    counts = far_tail_histogram(dtype, total, FAR_EDGES, seed)
    expected = total * 2 * (stats.norm.sf(FAR_EDGES[:-1]) - stats.norm.sf(FAR_EDGES[1:]))
    for lo, hi, got, want in zip(FAR_EDGES[:-1], FAR_EDGES[1:], counts, expected, strict=True):
        low, high = poisson_bounds(want)
        assert low <= got <= high, f"|z| in [{lo}, {hi}): {got} values, expected {want:.1f}"
    beyond5 = int(counts[FAR_EDGES[:-1] >= 5.0].sum())
    want5 = total * 2 * stats.norm.sf(5.0)
    low, high = poisson_bounds(want5)
    assert low <= beyond5 <= high, (beyond5, want5)


def test_float32_normal_far_tails_have_no_gap() -> None:
    # 10**8 float32 normals: ~57 beyond 5 sigma, ~15 in [5.25, 6), counted in 0.25-sigma bins.
    check_far_tails("float32", 10**8, SEED)


@slow
@pytest.mark.slow
def test_float64_normal_far_tails() -> None:
    check_far_tails("float64", 10**8, SEED)


@slow
@pytest.mark.slow
def test_float32_normal_beyond_the_unrefined_radius() -> None:
    # Without refining small u1, the float32 radius cannot exceed sqrt(-2 ln 2**-23) = 5.6473,
    # so no |z| > 5.65 could appear; with it the tail is continuous. 10**9 values: ~16 expected.
    assert math.sqrt(-2 * math.log(2.0**-23)) < 5.65
    total = 10**9
    edges = np.array([5.65, np.inf])
    got = int(far_tail_histogram("float32", total, edges, SEED)[0])
    want = total * 2 * stats.norm.sf(5.65)
    low, high = poisson_bounds(want)
    assert low <= got <= high, (got, want)
    assert got > 0


def test_float32_box_muller_radii() -> None:
    # Within a block, element i and element i + m (m = half the block) are the cosine and sine
    # of one Box-Muller pair, so r^2 = z_i^2 + z_{i+m}^2 is chi-square with 2 degrees of freedom.
    z = initspec.RandomNormal(0.0, 1.0, seed=SEED)((16, BLOCK), "float32").astype(np.float64)
    half = BLOCK // 2
    r2 = (z[:, :half] ** 2 + z[:, half:] ** 2).reshape(-1)
    p = float(stats.kstest(r2, stats.chi2(2).cdf).pvalue)
    assert p > ALPHA, p
    # the pair's squares are uncorrelated (they are independent for exact Box-Muller)
    c = np.corrcoef(z[:, :half].reshape(-1) ** 2, z[:, half:].reshape(-1) ** 2)[0, 1]
    assert abs(c) < SIGMAS / math.sqrt(r2.size), c


# --- independence -------------------------------------------------------------------------------

INDEPENDENCE = {
    "uniform": lambda s: initspec.RandomUniform(-1.0, 1.0, seed=s),
    "normal": lambda s: initspec.RandomNormal(0.0, 1.0, seed=s),
    "truncated": lambda s: initspec.TruncatedNormal(0.0, 1.0, seed=s),
}


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(
        np.corrcoef(a.astype(np.float64).reshape(-1), b.astype(np.float64).reshape(-1))[0, 1]
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", list(INDEPENDENCE))
def test_neighbouring_blocks_are_uncorrelated(kind: str, dtype: str) -> None:
    x = INDEPENDENCE[kind](SEED)((17, BLOCK), dtype)  # row b is block b
    n = 16 * BLOCK
    bound = SIGMAS / math.sqrt(n)
    assert abs(corr(x[:-1], x[1:])) < bound  # element i of block b vs of block b + 1
    assert abs(corr(x[:-1], x[1:, ::-1])) < bound  # mirrored across each boundary
    assert abs(corr(x[:-1] ** 2, x[1:] ** 2)) < bound
    # and within a block, neighbours
    assert abs(corr(x[:, :-1], x[:, 1:])) < SIGMAS / math.sqrt(17 * (BLOCK - 1))


@pytest.mark.parametrize(
    ("seed_a", "seed_b"), [(SEED, SEED + 1), (0, 1), (SEED, SEED + 2**32), (SEED, SEED ^ 2**63)]
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", list(INDEPENDENCE))
def test_neighbouring_seeds_are_uncorrelated(
    kind: str, dtype: str, seed_a: int, seed_b: int
) -> None:
    a = INDEPENDENCE[kind](seed_a)((N,), dtype)
    b = INDEPENDENCE[kind](seed_b)((N,), dtype)
    bound = SIGMAS / math.sqrt(N)
    assert abs(corr(a, b)) < bound
    assert abs(corr(a**2, b**2)) < bound
    # seed s, block b against seed s', block b + 1
    assert abs(corr(a[: 14 * BLOCK], b[BLOCK : 15 * BLOCK])) < SIGMAS / math.sqrt(14 * BLOCK)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", BASIC)
def test_two_blocks_across_the_boundary(name: str, dtype: str) -> None:
    case = CASES[name]
    x = case.make(SEED)((2 * BLOCK,), dtype).astype(np.float64)
    # elements 65535 and 65536 come from different generators; the joint sample still fits
    p_joint = ks_pvalue(x, case.dist)
    assert p_joint > ALPHA, p_joint
    # and the two blocks follow the same law
    p_two = float(stats.ks_2samp(x[:BLOCK], x[BLOCK:]).pvalue)
    assert p_two > ALPHA, p_two
    # a window straddling the boundary
    p_window = ks_pvalue(x[BLOCK // 2 : BLOCK + BLOCK // 2], case.dist)
    assert p_window > ALPHA, p_window


# --- Orthogonal ---------------------------------------------------------------------------------


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    if threadpool_limits is None:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def orthogonal_entry_law(length: int, gain: float) -> Any:
    """An entry of a uniformly random unit vector of ``length``, times ``gain``:
    (q / gain + 1) / 2 ~ Beta((length - 1) / 2, (length - 1) / 2)."""
    a = (length - 1) / 2.0
    return stats.beta(a, a, loc=-abs(gain), scale=2 * abs(gain))


def orthogonal_entry_pvalue(q: np.ndarray, length: int, gain: float) -> float:
    """KS p-value of entries of uniform unit vectors of ``length`` (times ``gain``).

    With u = g / |g| for a standard normal g, u_1 / sqrt(1 - u_1**2) * sqrt(length - 1) is
    g_1 / sqrt(chi2(length - 1) / (length - 1)): Student's t with length - 1 degrees of
    freedom. The map is increasing, so this KS statistic equals the one against the Beta law
    above; the t CDF is just cheaper to evaluate.
    """
    u = q.astype(np.float64).reshape(-1) / gain
    t = u / np.sqrt(1.0 - u * u) * math.sqrt(length - 1)
    return float(stats.kstest(t, stats.t(length - 1).cdf).pvalue)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("shape", "gain"), [((500, 500), 1.0), ((250_000, 4), 1.0), ((4, 250_000), 2.0)]
)
def test_orthogonal_entries(shape: tuple[int, int], gain: float, dtype: str) -> None:
    # Each column (tall) or row (wide) of a Haar-random orthogonal matrix is a uniform unit
    # vector, so each entry has the law above. Entries of one matrix are dependent (unit
    # norms), which makes the KS test conservative, not lax.
    with one_blas_thread():
        q = initspec.Orthogonal(gain=gain, seed=SEED)(shape, dtype).astype(np.float64)
    length = max(shape)
    p = orthogonal_entry_pvalue(q, length, gain)
    assert p > ALPHA, p
    # squares sum to gain**2 per unit vector: the mean square is gain**2 / length exactly
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert float(np.mean(q**2)) == pytest.approx(gain**2 / length, rel=tol)
    law = orthogonal_entry_law(length, gain)
    assert abs(float(q.mean())) < SIGMAS * math.sqrt(law.var() / q.size)


def test_orthogonal_is_haar_distributed_across_seeds() -> None:
    # Over many seeds, Q's entries have mean 0 and q[0, 0] has the unit-vector entry law.
    # Without the sign fix of R's diagonal, LAPACK's Q has q[0, 0] <= 0 always.
    draws = 2000
    with one_blas_thread():
        qs = np.stack([initspec.Orthogonal(seed=s)((8, 8), "float64") for s in range(draws)])
    law = orthogonal_entry_law(8, 1.0)
    p = float(stats.kstest(qs[:, 0, 0], law.cdf).pvalue)
    assert p > ALPHA, p
    se = math.sqrt(law.var() / draws)
    assert np.all(np.abs(qs.mean(axis=0)) < SIGMAS * se)
    positive = float(np.mean(qs[:, 0, 0] > 0))
    assert abs(positive - 0.5) < SIGMAS * math.sqrt(0.25 / draws)


# --- integer uniform ------------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high", "dtype"), [(0, 10, "int32"), (-128, 128, "int8")])
def test_integer_uniform_chi_square(low: int, high: int, dtype: str) -> None:
    x = initspec.RandomUniform(low, high, seed=SEED)((N,), dtype)
    counts = np.bincount(x.astype(np.int64) - low, minlength=high - low)
    assert counts.size == high - low
    p = float(stats.chisquare(counts).pvalue)
    assert p > ALPHA, p


# --- slow: bigger samples -------------------------------------------------------------------------


@slow
@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", BASIC)
def test_kolmogorov_smirnov_ten_million(name: str, dtype: str) -> None:
    case = CASES[name]
    x = case.make(SEED)((10**7,), dtype)
    p = ks_pvalue(x, case.dist)
    assert p > ALPHA, p
    check_moments(x, case.mean, case.variance, case.dist)


# --- extreme scales: the scale must not overflow (or underflow) before the values do ----------

EXTREME_STDDEVS = [1e19, 1e18, 1e17, 1e-15, 1e-17, 1e-20]


def _scaled_pair(
    make: Callable[[float], initspec.Initializer], unit: float, scale: float, dtype: str
) -> tuple[np.ndarray, np.ndarray]:
    got = make(unit * scale)((4000,), dtype).astype(np.float64)
    base = make(unit)((4000,), dtype).astype(np.float64)
    return got, base


@pytest.mark.parametrize("stddev", EXTREME_STDDEVS)
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("name", ["RandomNormal", "TruncatedNormal"])
def test_normals_at_large_and_tiny_stddev_are_the_unit_normals_scaled(
    name: str, dtype: str, stddev: float
) -> None:
    # Every value s * z is a normal float of the dtype, so nothing may overflow to inf, and the
    # truncated normal keeps the same candidates (the decision is on z): values are s times the
    # stddev-1 values, to the dtype's rounding (twice, for bfloat16's 8 bits).
    cls = getattr(initspec, name)
    got, base = _scaled_pair(lambda s: cls(0.0, s, seed=11), 1.0, stddev, dtype)
    assert np.all(np.isfinite(got)), f"{np.count_nonzero(~np.isfinite(got))} values not finite"
    rtol = 2.0**-7 if dtype == "bfloat16" else 2e-6
    np.testing.assert_allclose(got, stddev * base, rtol=rtol, atol=0)
    if name == "TruncatedNormal":
        assert np.abs(got).max() <= 2 * stddev * (1 + rtol)


@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal"])
@pytest.mark.parametrize("scale", [4e41, 1e-30])  # stddev about 1e19 and 1e-17
def test_variance_scaling_normals_at_extreme_scales(distribution: str, scale: float) -> None:
    def make(s: float) -> initspec.Initializer:
        return initspec.VarianceScaling(scale=s, distribution=distribution, seed=4)

    got, base = _scaled_pair(make, 1.0, scale, "float32")
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, math.sqrt(scale) * base, rtol=2e-6, atol=0)


def test_truncated_normal_at_1e19_keeps_its_spread() -> None:
    # The numbers: cut near 1.84 sigma, std 0.788 sigma instead of 0.880. The sample sd of
    # n truncated normals has a standard error below sd / sqrt(n) * 0.8 (kurtosis < 3): 6 of them.
    n = 200_000
    x = initspec.TruncatedNormal(0.0, 1e19, seed=2)((n,), "float32").astype(np.float64) / 1e19
    assert abs(x.std() - TRUNC_SD) <= SIGMAS * TRUNC_SD / math.sqrt(n)
    assert 1.99 <= np.abs(x).max() <= 2.0


def test_truncated_normal_with_a_mean_near_the_largest_float32() -> None:
    x = initspec.TruncatedNormal(3e38, 1e37, seed=2)((10_000,), "float32").astype(np.float64)
    assert np.all(np.isfinite(x))
    assert x.min() >= 3e38 - 2e37 * (1 + 1e-6)
    assert x.max() <= 3e38 + 2e37 * (1 + 1e-6)


@pytest.mark.parametrize("name", ["RandomNormal", "TruncatedNormal"])
def test_normals_with_a_subnormal_stddev(name: str) -> None:
    # stddev 1e-40 is a float32 subnormal: the values are the unit normals times it, each
    # rounded once to the subnormal grid (nothing underflows to zero on the way).
    cls = getattr(initspec, name)
    got = cls(0.0, 1e-40, seed=3)((10_000,), "float32").astype(np.float64)
    unit = cls(0.0, 1.0, seed=3)((10_000,), "float32").astype(np.float64)
    step = float(np.finfo(np.float32).smallest_subnormal)
    scale = float(np.float32(1e-40))
    np.testing.assert_allclose(got, scale * unit, rtol=0, atol=step / 2)
    assert np.count_nonzero(got) > 9_000
