"""Per-class numeric behaviour of the built-in initializers.

Every expectation here is computed independently of initspec: from the formulas in
``shared/reference/keras-initializers.md``, from the stream definition in the docstring of
``initspec.sampling``, from numpy's QR and from ``scipy.signal.get_window``. Statistical bounds
are derived from the sample size (6 standard errors), never tuned to the observed values.
"""

from __future__ import annotations

import inspect
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

import initspec
from initspec import sampling
from initspec.errors import InitializerError
from initspec.initializers import BUILTINS, _dtypes
from initspec.initializers.variance_scaling import compute_fans

signal = pytest.importorskip("scipy.signal")
stats = pytest.importorskip("scipy.stats")

try:
    import ml_dtypes
except ImportError:  # pragma: no cover - ml_dtypes is a test dependency
    ml_dtypes = None

needs_bf16 = pytest.mark.skipif(ml_dtypes is None, reason="bfloat16 needs ml_dtypes")

BLOCK = 65_536  # the block size the stream definition states
FLOAT_DTYPES = ["float16", "float32", "float64", pytest.param("bfloat16", marks=needs_bf16)]
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
#: The standard deviation of a standard normal truncated to [-2, 2] (reference constant).
TRUNC_SD = 0.87962566103423978

# --- helpers -------------------------------------------------------------------------------


def np_dtype(name: str) -> np.dtype[Any]:
    if name == "bfloat16":
        assert ml_dtypes is not None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def error_types(fn: Callable[[], Any]) -> list[str]:
    """The ``type`` of every record of the InitializerError that ``fn`` raises."""
    with pytest.raises(InitializerError) as info:
        fn()
    return [record.type for record in info.value.errors]


def assert_same_bits(actual: np.ndarray, expected: np.ndarray, what: str = "") -> None:
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    a = np.ascontiguousarray(actual)
    e = np.ascontiguousarray(expected)
    if a.tobytes() != e.tobytes():
        width = a.dtype.itemsize
        av = a.reshape(-1).view(f"u{width}") if width in (1, 2, 4, 8) else a.reshape(-1)
        ev = e.reshape(-1).view(f"u{width}") if width in (1, 2, 4, 8) else e.reshape(-1)
        bad = np.flatnonzero(av != ev)
        raise AssertionError(
            f"{what}: {bad.size} of {a.size} elements differ; first at flat index {bad[:5]}: "
            f"{a.reshape(-1)[bad[:5]]} vs {e.reshape(-1)[bad[:5]]}"
        )


def region(offset: tuple[int, ...], shape: tuple[int, ...]) -> tuple[slice, ...]:
    return tuple(slice(o, o + p) for o, p in zip(offset, shape, strict=True))


# Initializers that make a value per element, independent of rank (any shape works).
ELEMENTWISE: dict[str, Callable[[], initspec.Initializer]] = {
    "Zeros": lambda: initspec.Zeros(),
    "Ones": lambda: initspec.Ones(),
    "Constant": lambda: initspec.Constant(0.75),
    "RandomNormal": lambda: initspec.RandomNormal(0.1, 0.7, seed=11),
    "RandomUniform": lambda: initspec.RandomUniform(-0.4, 0.9, seed=12),
    "TruncatedNormal": lambda: initspec.TruncatedNormal(-0.2, 0.3, seed=13),
    "VS-uniform": lambda: initspec.VarianceScaling(1.5, "fan_avg", "uniform", seed=14),
    "VS-truncated": lambda: initspec.VarianceScaling(0.5, "fan_out", "truncated_normal", seed=15),
    "VS-untruncated": lambda: initspec.VarianceScaling(
        2.0, "fan_in", "untruncated_normal", seed=16
    ),
    "GlorotNormal": lambda: initspec.GlorotNormal(seed=17),
    "GlorotUniform": lambda: initspec.GlorotUniform(seed=18),
    "HeNormal": lambda: initspec.HeNormal(seed=19),
    "HeUniform": lambda: initspec.HeUniform(seed=20),
    "LecunNormal": lambda: initspec.LecunNormal(seed=21),
    "LecunUniform": lambda: initspec.LecunUniform(seed=22),
}

# Random initializers as functions of the seed (Orthogonal needs rank >= 2).
RANDOM: dict[str, Callable[[Any], initspec.Initializer]] = {
    "RandomNormal": lambda s: initspec.RandomNormal(0.1, 0.7, seed=s),
    "RandomUniform": lambda s: initspec.RandomUniform(-0.4, 0.9, seed=s),
    "TruncatedNormal": lambda s: initspec.TruncatedNormal(-0.2, 0.3, seed=s),
    "VS-uniform": lambda s: initspec.VarianceScaling(1.5, "fan_avg", "uniform", seed=s),
    "VS-truncated": lambda s: initspec.VarianceScaling(0.5, "fan_out", "normal", seed=s),
    "VS-untruncated": lambda s: initspec.VarianceScaling(
        2.0, "fan_in", "untruncated_normal", seed=s
    ),
    "GlorotNormal": lambda s: initspec.GlorotNormal(seed=s),
    "GlorotUniform": lambda s: initspec.GlorotUniform(seed=s),
    "HeNormal": lambda s: initspec.HeNormal(seed=s),
    "HeUniform": lambda s: initspec.HeUniform(seed=s),
    "LecunNormal": lambda s: initspec.LecunNormal(seed=s),
    "LecunUniform": lambda s: initspec.LecunUniform(seed=s),
    "Orthogonal": lambda s: initspec.Orthogonal(gain=1.3, seed=s),
}

SHAPES = [
    (),
    (0,),
    (1,),
    (7,),
    (3, 4),
    (0, 5),
    (5, 0),
    (2, 3, 4),
    (2, 0, 3),
    (2, 3, 4, 5),
    (2, 1, 3, 2, 2),
    (3, 2, 0, 2, 2),
]


# --- shapes and dtypes ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_elementwise_shape_and_dtype(name: str, shape: tuple[int, ...], dtype: str) -> None:
    values = ELEMENTWISE[name]()(shape, dtype)
    assert isinstance(values, np.ndarray)
    assert values.shape == shape
    assert values.dtype == np_dtype(dtype)
    as64 = values.astype(np.float64)
    assert np.all(np.isfinite(as64))
    if name == "Zeros":
        assert np.all(as64 == 0.0)
    elif name == "Ones":
        assert np.all(as64 == 1.0)
    elif name == "Constant":
        assert np.all(as64 == 0.75)


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_default_dtype_is_float32(name: str) -> None:
    assert ELEMENTWISE[name]()((3, 5)).dtype == np.float32


ORTHO_SHAPES = [(3, 4), (4, 3), (0, 3), (3, 0), (2, 3, 4), (2, 0, 4), (2, 3, 4, 5), (1, 2, 3, 2, 2)]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", ORTHO_SHAPES, ids=str)
def test_orthogonal_shape_and_dtype(shape: tuple[int, ...], dtype: str) -> None:
    values = initspec.Orthogonal(seed=3)(shape, dtype)
    assert values.shape == shape
    assert values.dtype == np_dtype(dtype)
    assert np.all(np.isfinite(values.astype(np.float64)))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2), (0, 0), (0, 3)], ids=str)
def test_identity_shape_and_dtype(shape: tuple[int, ...], dtype: str) -> None:
    values = initspec.Identity(gain=1.5)(shape, dtype)
    assert values.shape == shape
    assert values.dtype == np_dtype(dtype)
    np.testing.assert_array_equal(values.astype(np.float64), 1.5 * np.eye(*shape))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(
    "shape", [(8, 1, 5), (1, 1, 2), (0, 2, 3), (16, 0, 9), (16, 3, 9)], ids=str
)
def test_stft_shape_and_dtype(shape: tuple[int, ...], dtype: str) -> None:
    values = initspec.STFT()(shape, dtype)
    assert values.shape == shape
    assert values.dtype == np_dtype(dtype)
    assert np.all(np.isfinite(values.astype(np.float64)))


DTYPE_SPELLINGS = [
    ("float64", np.float64, np.dtype("float64")),
    ("float16", np.float16, np.dtype("float16")),
    ("int16", np.int16, np.dtype("int16")),
    ("uint32", np.uint32, np.dtype("uint32")),
]


@pytest.mark.parametrize("spellings", DTYPE_SPELLINGS, ids=lambda s: s[0])
@pytest.mark.parametrize(
    "make",
    [
        lambda: initspec.RandomUniform(0, 100, seed=4),
        lambda: initspec.Constant(3),
        lambda: initspec.Ones(),
    ],
    ids=["RandomUniform", "Constant", "Ones"],
)
def test_dtype_name_object_and_scalar_type_are_equivalent(
    make: Callable[[], initspec.Initializer], spellings: tuple[Any, ...]
) -> None:
    init = make()
    results = [init((4, 50), spelling) for spelling in spellings]
    for result in results:
        assert result.dtype == np.dtype(spellings[0])
        assert_same_bits(result, results[0], f"dtype spelled {spellings!r}")


@needs_bf16
def test_bfloat16_spellings() -> None:
    init = initspec.RandomNormal(seed=5)
    by_name = init((3, 7), "bfloat16")
    by_type = init((3, 7), ml_dtypes.bfloat16)
    by_dtype = init((3, 7), np.dtype(ml_dtypes.bfloat16))
    assert by_name.dtype == np.dtype(ml_dtypes.bfloat16)
    assert_same_bits(by_type, by_name)
    assert_same_bits(by_dtype, by_name)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_zeros_ones_constant_integer_dtypes(dtype: str) -> None:
    shape = (3, 4)
    for init, value in ((initspec.Zeros(), 0), (initspec.Ones(), 1), (initspec.Constant(3), 3)):
        out = init(shape, dtype)
        assert out.dtype == np.dtype(dtype)
        assert out.shape == shape
        assert np.all(out == value)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_random_uniform_integer_dtypes(dtype: str) -> None:
    lo = -5 if np.dtype(dtype).kind == "i" else 0
    hi = lo + 7
    out = initspec.RandomUniform(lo, hi, seed=6)((100, 100), dtype)
    assert out.dtype == np.dtype(dtype)
    assert out.min() >= lo
    assert out.max() < hi
    # 10**4 draws of 7 values: each value missing has probability (6/7)**10**4 ~ 1e-670
    assert sorted(np.unique(out).tolist()) == list(range(lo, hi))


def test_random_uniform_integer_full_ranges() -> None:
    u8 = initspec.RandomUniform(0, 256, seed=1)((100_000,), "uint8")
    assert u8.min() == 0
    assert u8.max() == 255  # missing 255 has probability (255/256)**1e5 ~ 1e-170
    i8 = initspec.RandomUniform(-128, 128, seed=1)((100_000,), "int8")
    assert i8.min() == -128
    assert i8.max() == 127
    u64 = initspec.RandomUniform(0, 2**64, seed=1)((1000,), "uint64")
    assert u64.dtype == np.uint64
    # a uniform 64-bit value is >= 2**63 with probability 1/2: 1000 draws all below is ~1e-301
    assert int(u64.max()) >= 2**63
    i64 = initspec.RandomUniform(-(2**62), 2**62, seed=1)((1000,), "int64")
    assert int(i64.min()) >= -(2**62)
    assert int(i64.max()) < 2**62
    assert (i64 < 0).any()
    assert (i64 > 0).any()


@pytest.mark.parametrize(
    ("minval", "maxval", "dtype", "expected"),
    [
        (0.0, 10.0, "int32", "unsupported_dtype"),  # float bounds
        (-0.05, 0.05, "int16", "unsupported_dtype"),  # the defaults are floats
        (3, 3, "int32", "unsupported_dtype"),  # empty integer range
        (0, 257, "uint8", "value_does_not_fit"),  # 256 does not fit
        (-1, 5, "uint8", "value_does_not_fit"),
        (-129, 0, "int8", "value_does_not_fit"),
    ],
)
def test_random_uniform_integer_bounds_rejected(
    minval: float, maxval: float, dtype: str, expected: str
) -> None:
    init = initspec.RandomUniform(minval, maxval, seed=1)
    assert error_types(lambda: init((4,), dtype)) == [expected]


@pytest.mark.parametrize("dtype", ["bool", "complex64", "complex128"])
def test_zeros_ones_constant_bool_and_complex(dtype: str) -> None:
    zeros = initspec.Zeros()((2, 3), dtype)
    ones = initspec.Ones()((2, 3), dtype)
    assert zeros.dtype == ones.dtype == np.dtype(dtype)
    assert np.all(zeros == 0)
    assert np.all(ones == 1)
    if dtype == "bool":
        assert not zeros.any()
        assert ones.all()
        assert initspec.Constant(1)((4,), "bool").all()
        assert not initspec.Constant(0)((4,), "bool").any()
        assert not initspec.Constant(0.0)((4,), "bool").any()
    else:
        const = initspec.Constant(-2.5)((2, 2), dtype)
        assert const.dtype == np.dtype(dtype)
        assert np.all(const == -2.5 + 0j)


@pytest.mark.parametrize(
    "make",
    [
        lambda: initspec.RandomNormal(seed=1),
        lambda: initspec.TruncatedNormal(seed=1),
        lambda: initspec.VarianceScaling(seed=1),
        lambda: initspec.GlorotUniform(seed=1),
        lambda: initspec.Orthogonal(seed=1),
        lambda: initspec.Identity(),
        lambda: initspec.STFT(),
    ],
    ids=[
        "RandomNormal",
        "TruncatedNormal",
        "VS",
        "GlorotUniform",
        "Orthogonal",
        "Identity",
        "STFT",
    ],
)
@pytest.mark.parametrize("dtype", ["int32", "uint8", "bool", "complex64"])
def test_float_only_initializers_reject_other_kinds(
    make: Callable[[], initspec.Initializer], dtype: str
) -> None:
    init = make()
    shape = (4, 1, 3) if isinstance(init, initspec.STFT) else (3, 3)
    assert error_types(lambda: init(shape, dtype)) == ["unsupported_dtype"]


@pytest.mark.parametrize("dtype", ["bool", "complex64"])
def test_random_uniform_rejects_bool_and_complex(dtype: str) -> None:
    init = initspec.RandomUniform(0, 2, seed=1)
    assert error_types(lambda: init((3,), dtype)) == ["unsupported_dtype"]


@pytest.mark.parametrize("dtype", ["float8", "Float32", "float", float, int, "str", object])
def test_unknown_or_ambiguous_dtypes(dtype: Any) -> None:
    assert error_types(lambda: initspec.Zeros()((2,), dtype)) == ["invalid_dtype"]


# --- compute_fans and VarianceScaling ----------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "fans"),
    [
        ((), (1, 1)),  # rank 0
        ((7,), (7, 7)),  # rank 1
        ((0,), (0, 0)),
        ((3, 5), (3, 5)),  # rank 2: (rows, cols)
        ((4, 3, 5), (3 * 4, 5 * 4)),  # receptive field 4
        ((3, 3, 16, 32), (16 * 9, 32 * 9)),
        ((2, 3, 4, 5, 6), (5 * 24, 6 * 24)),  # rank 5, receptive 2*3*4
        ((2, 0, 4, 5), (0, 0)),
    ],
    ids=str,
)
def test_compute_fans_default(shape: tuple[int, ...], fans: tuple[int, int]) -> None:
    assert compute_fans(shape) == fans
    assert compute_fans(shape, None, None) == fans


@pytest.mark.parametrize(
    ("shape", "input_axes", "output_axes", "fans"),
    [
        ((4, 8, 2), [0], [1, 2], (4, 16)),
        ((4, 8, 2), [-3], [-2, -1], (4, 16)),  # negative axes
        ((4, 8, 2), [0, -1], [1], (8, 8)),
        ((3, 3, 16, 32), [0, 1, 2], [3], (144, 32)),
        ((3, 3, 16, 32), [-2], [-1], (16, 32)),
        ((5, 6), [1], [0], (6, 5)),
        ((2, 3, 4), [], [0, 1, 2], (1, 24)),  # empty product is 1
        # only one of them given: the default fans, as Keras does
        ((3, 3, 16, 32), [0], None, (144, 288)),
        ((3, 3, 16, 32), None, [0], (144, 288)),
        ((4, 8, 2), [2], None, (8 * 4, 2 * 4)),
    ],
)
def test_compute_fans_with_axes(
    shape: tuple[int, ...],
    input_axes: list[int] | None,
    output_axes: list[int] | None,
    fans: tuple[int, int],
) -> None:
    assert compute_fans(shape, input_axes, output_axes) == fans


KURTOSIS = {
    "uniform": 9.0 / 5.0,
    "untruncated_normal": 3.0,
    "truncated_normal": float(stats.truncnorm(-2, 2).stats(moments="k")) + 3.0,
}


def check_variance_scaling_sample(x: np.ndarray, variance: float, distribution: str) -> None:
    """Mean, variance and support of a VarianceScaling sample against the formulas."""
    x = x.astype(np.float64).reshape(-1)
    n = x.size
    se_var = variance * math.sqrt((KURTOSIS[distribution] - 1.0) / (n - 1))
    assert abs(x.var(ddof=1) - variance) < 6 * se_var, (x.var(ddof=1), variance, se_var)
    assert abs(x.mean()) < 6 * math.sqrt(variance / n)
    biggest = float(np.abs(x).max())
    if distribution == "uniform":
        limit = math.sqrt(3.0 * variance)
        assert biggest <= limit
        # P(max |x| < limit * (1 - 40/n)) = (1 - 40/n)**n ~ e**-40
        assert biggest >= limit * (1.0 - 40.0 / n)
    elif distribution == "truncated_normal":
        cut = 2.0 * math.sqrt(variance) / TRUNC_SD
        assert biggest <= cut
        # |z| has density 2 * phi(2) / (2 Phi(2) - 1) at the cut: a band of width w (in units
        # of the pre-truncation sd) holds n * density * w values; choose w for 40 expected.
        density = 2 * stats.norm.pdf(2.0) / (2 * stats.norm.cdf(2.0) - 1)
        band = 40.0 / (n * density)
        assert biggest >= cut * (1.0 - band / 2.0)
    else:
        sd = math.sqrt(variance)
        # an untruncated normal goes past 2 sd with probability 2 * (1 - Phi(2))
        p = 2 * stats.norm.sf(2.0)
        frac = float(np.mean(np.abs(x) > 2 * sd))
        assert abs(frac - p) < 6 * math.sqrt(p * (1 - p) / n)
        assert biggest > 3.5 * sd  # P(no |z| > 3.5 in 4e5) = (1 - 4.65e-4)**4e5 ~ e**-186


@pytest.mark.parametrize("scale", [1.0, 2.5, 0.1])
@pytest.mark.parametrize("distribution", ["uniform", "truncated_normal", "untruncated_normal"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_formulas(mode: str, distribution: str, scale: float) -> None:
    shape = (500, 800)  # fan_in 500, fan_out 800, fan_avg 650
    n = {"fan_in": 500, "fan_out": 800, "fan_avg": 650}[mode]
    init = initspec.VarianceScaling(scale, mode, distribution, seed=2024)
    check_variance_scaling_sample(init(shape, "float64"), scale / n, distribution)


@pytest.mark.parametrize("distribution", ["uniform", "truncated_normal", "untruncated_normal"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize(
    ("shape", "fans"),
    [((), (1, 1)), ((9,), (9, 9)), ((30, 70), (30, 70)), ((3, 5, 8, 6), (120, 90))],
    ids=str,
)
def test_variance_scaling_is_the_formula_distribution(
    shape: tuple[int, ...], fans: tuple[int, int], mode: str, distribution: str
) -> None:
    # The reference: scale / max(1, n); uniform on +-sqrt(3 scale); normal with sqrt(scale);
    # truncated with sqrt(scale) / 0.8796... cut at 2 stddev. Same seed, same stream, so the
    # values equal those of the base initializer with these parameters.
    scale, seed = 1.7, 606
    n = {"fan_in": fans[0], "fan_out": fans[1], "fan_avg": (fans[0] + fans[1]) / 2}[mode]
    s = scale / max(1.0, n)
    if distribution == "uniform":
        base = initspec.RandomUniform(-math.sqrt(3 * s), math.sqrt(3 * s), seed=seed)
    elif distribution == "untruncated_normal":
        base = initspec.RandomNormal(0.0, math.sqrt(s), seed=seed)
    else:
        base = initspec.TruncatedNormal(0.0, math.sqrt(s) / TRUNC_SD, seed=seed)
    got = initspec.VarianceScaling(scale, mode, distribution, seed=seed)(shape, "float64")
    np.testing.assert_allclose(got, base(shape, "float64"), rtol=1e-12, atol=0)


@pytest.mark.parametrize("distribution", ["uniform", "truncated_normal", "untruncated_normal"])
def test_variance_scaling_conv_kernel_float32(distribution: str) -> None:
    shape = (3, 3, 64, 96)  # receptive 9: fan_in 576, fan_out 864, fan_avg 720
    init = initspec.VarianceScaling(2.0, "fan_avg", distribution, seed=99)
    check_variance_scaling_sample(init(shape, "float32"), 2.0 / 720, distribution)


@pytest.mark.parametrize("distribution", ["uniform", "truncated_normal", "untruncated_normal"])
def test_variance_scaling_explicit_axes(distribution: str) -> None:
    shape = (400, 50, 20)  # default fans would be (50 * 400, 20 * 400)
    init = initspec.VarianceScaling(
        3.0, "fan_in", distribution, seed=5, input_axes=[0], output_axes=[-2, -1]
    )
    assert init.fans(shape) == (400, 1000)
    check_variance_scaling_sample(init(shape, "float64"), 3.0 / 400, distribution)
    fan_out = initspec.VarianceScaling(
        3.0, "fan_out", distribution, seed=5, input_axes=[0], output_axes=[-2, -1]
    )
    check_variance_scaling_sample(fan_out(shape, "float64"), 3.0 / 1000, distribution)


def test_variance_scaling_one_axes_argument_means_default_fans() -> None:
    shape = (400, 50, 20)
    lone = initspec.VarianceScaling(1.0, "fan_in", "uniform", seed=8, input_axes=[0])
    plain = initspec.VarianceScaling(1.0, "fan_in", "uniform", seed=8)
    assert lone.fans(shape) == (50 * 400, 20 * 400)
    assert_same_bits(lone(shape), plain(shape))


@pytest.mark.parametrize(("input_axes", "output_axes"), [([3], [0]), ([0], [-4]), ([0, 7], [1])])
def test_variance_scaling_axis_out_of_range(input_axes: list[int], output_axes: list[int]) -> None:
    init = initspec.VarianceScaling(seed=1, input_axes=input_axes, output_axes=output_axes)
    assert error_types(lambda: init((2, 3, 4))) == ["invalid_shape"]


@pytest.mark.parametrize("scale", [0.5, 4.0])
def test_variance_scaling_rank0_uses_fan_one(scale: float) -> None:
    # rank 0: fans (1, 1), so scale / max(1, 1) = scale
    for seed in range(50):
        v = initspec.VarianceScaling(scale, "fan_avg", "uniform", seed=seed)((), "float64")
        assert v.shape == ()
        assert abs(float(v)) <= math.sqrt(3 * scale)
    big = [
        float(initspec.VarianceScaling(scale, "fan_in", "uniform", seed=s)((), "float64"))
        for s in range(200)
    ]
    # 200 uniforms on [-L, L]: the largest |x| is below L/2 with probability 2**-200
    assert max(abs(b) for b in big) > math.sqrt(3 * scale) / 2


@pytest.mark.parametrize(
    ("distribution", "same_as"),
    [("normal", "truncated_normal"), ("Normal", "truncated_normal"), ("UNIFORM", "uniform")],
)
def test_variance_scaling_distribution_spellings(distribution: str, same_as: str) -> None:
    a = initspec.VarianceScaling(2.0, "fan_in", distribution, seed=3)((30, 40))
    b = initspec.VarianceScaling(2.0, "fan_in", same_as, seed=3)((30, 40))
    assert_same_bits(a, b)


FIXED = {
    "GlorotNormal": (initspec.GlorotNormal, 1.0, "fan_avg", "truncated_normal"),
    "GlorotUniform": (initspec.GlorotUniform, 1.0, "fan_avg", "uniform"),
    "HeNormal": (initspec.HeNormal, 2.0, "fan_in", "truncated_normal"),
    "HeUniform": (initspec.HeUniform, 2.0, "fan_in", "uniform"),
    "LecunNormal": (initspec.LecunNormal, 1.0, "fan_in", "truncated_normal"),
    "LecunUniform": (initspec.LecunUniform, 1.0, "fan_in", "uniform"),
}


@pytest.mark.parametrize("seed", [0, 12345, 2**64 - 1])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (3, 3, 16, 32), (70_000, 2)], ids=str)
@pytest.mark.parametrize("name", list(FIXED))
def test_fixed_family_equals_variance_scaling(
    name: str, shape: tuple[int, ...], dtype: str, seed: int
) -> None:
    cls, scale, mode, distribution = FIXED[name]
    expected = initspec.VarianceScaling(scale, mode, distribution, seed=seed)(shape, dtype)
    assert_same_bits(cls(seed=seed)(shape, dtype), expected, name)


@pytest.mark.parametrize("name", list(FIXED))
def test_fixed_family_with_axes_equals_variance_scaling(name: str) -> None:
    cls, scale, mode, distribution = FIXED[name]
    shape = (6, 7, 8)
    axes = {"input_axes": [0, 1], "output_axes": [-1]}
    expected = initspec.VarianceScaling(scale, mode, distribution, seed=9, **axes)(shape)
    assert_same_bits(cls(seed=9, **axes)(shape), expected, name)


# --- bounds of TruncatedNormal and RandomUniform ----------------------------------------------


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(("mean", "stddev"), [(0.0, 1.0), (0.3, 0.7), (-5.0, 0.05)])
def test_truncated_normal_within_two_stddev(mean: float, stddev: float, dtype: str) -> None:
    x = initspec.TruncatedNormal(mean, stddev, seed=31)((400, 250), dtype).astype(np.float64)
    # The cut is 2 stddev; only rounding of the value to the dtype may move it, by one spacing.
    # (2 spacings: the cut and the addition of the mean both round.)
    ulp = float(np.spacing(np_dtype(dtype).type(abs(mean) + 2 * stddev)).astype(np.float64))
    assert x.max() <= mean + 2 * stddev + 2 * ulp
    assert x.min() >= mean - 2 * stddev - 2 * ulp
    # The cut is not tighter than 2 stddev: mass in the last 0.005 sd on each side is
    # ~0.0566 * 0.005 = 2.8e-4, i.e. ~28 of 1e5 values expected there.
    tol = max(0.005 * stddev, 2 * ulp)
    assert x.max() >= mean + 2 * stddev - tol
    assert x.min() <= mean - 2 * stddev + tol


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(("minval", "maxval"), [(-0.4, 0.9), (0.0, 1.0), (10.0, 10.5), (-3, 7)])
def test_random_uniform_within_bounds(minval: float, maxval: float, dtype: str) -> None:
    x = initspec.RandomUniform(minval, maxval, seed=32)((400, 250), dtype)
    lo = np_dtype(dtype).type(minval).astype(np.float64)
    hi = np_dtype(dtype).type(maxval).astype(np.float64)
    x = x.astype(np.float64)
    assert x.min() >= lo
    assert x.max() <= hi
    # 1e5 uniform values: none within 2e-4 of an end has probability (1 - 2e-4)**1e5 ~ e**-20;
    # allow for the dtype's rounding.
    span = maxval - minval
    tol = 2e-4 * span + float(np.spacing(np_dtype(dtype).type(max(abs(minval), abs(maxval)))))
    assert x.min() <= minval + tol
    assert x.max() >= maxval - tol


def test_random_uniform_degenerate_range() -> None:
    x = initspec.RandomUniform(0.25, 0.25, seed=1)((100,), "float64")
    assert np.all(x == 0.25)


@pytest.mark.parametrize(
    ("minval", "maxval", "dtype"), [(-1e308, 1e308, "float64"), (-3e38, 3e38, "float32")]
)
def test_random_uniform_wide_but_representable_bounds(
    minval: float, maxval: float, dtype: str
) -> None:
    # Both bounds are finite in the dtype, so every value of U[minval, maxval) is too; only
    # maxval - minval overflows.
    with np.errstate(over="ignore", invalid="ignore"):
        x = initspec.RandomUniform(minval, maxval, seed=1)((1000,), dtype).astype(np.float64)
    assert np.all(np.isfinite(x)), f"{np.count_nonzero(~np.isfinite(x))} of 1000 not finite"
    assert x.min() >= minval
    assert x.max() <= maxval
    assert x.min() < 0 < x.max()  # 1000 draws all of one sign: probability 2**-999


@pytest.mark.parametrize("stddev", [1e-30, 1e-21, 1e-12, 1e12, 1e20, 1e30])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_stddev_is_a_scale(stddev: float, dtype: str) -> None:
    # Normal(0, s) is s * Normal(0, 1): with one seed, the values scale by s (to rounding),
    # for every s whose values s * z are normal numbers of the dtype.
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        got = initspec.RandomNormal(0.0, stddev, seed=8)((2000,), dtype).astype(np.float64)
    unit = initspec.RandomNormal(0.0, 1.0, seed=8)((2000,), dtype).astype(np.float64)
    np.testing.assert_allclose(got, stddev * unit, rtol=1e-5, atol=0)


def test_truncated_normal_huge_stddev_terminates() -> None:
    # In a subprocess with a timeout: a sampler that never finishes must not hang the suite.
    code = (
        "import numpy as np, initspec\n"
        "np.seterr(all='ignore')\n"
        "x = initspec.TruncatedNormal(0.0, 1e30, seed=1)((10,), 'float32').astype(float)\n"
        "assert np.all(np.isfinite(x)) and np.all(np.abs(x) <= 2e30 * (1 + 1e-6)), x\n"
        "print('ok')\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=20
        )
    except subprocess.TimeoutExpired:
        pytest.fail("TruncatedNormal(0, 1e30)((10,), 'float32') did not finish in 20 s")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


# --- Constant ----------------------------------------------------------------------------------


def test_constant_scalar() -> None:
    np.testing.assert_array_equal(initspec.Constant(2.5)((2, 3)), np.full((2, 3), 2.5))
    out = initspec.Constant(7)((3,), "int32")
    assert out.dtype == np.int32
    assert out.tolist() == [7, 7, 7]


def test_constant_broadcasting() -> None:
    row = initspec.Constant([1.0, 2.0, 3.0])((4, 3), "float64")
    np.testing.assert_array_equal(row, np.tile([1.0, 2.0, 3.0], (4, 1)))
    col = initspec.Constant([[1.0], [2.0]])((2, 3), "float64")
    np.testing.assert_array_equal(col, [[1.0] * 3, [2.0] * 3])
    same = [[1.0, 2.0], [3.0, 4.0]]
    np.testing.assert_array_equal(initspec.Constant(same)((2, 2), "float64"), same)
    deep = initspec.Constant([1.0, -1.0])((2, 3, 2), "float64")
    np.testing.assert_array_equal(deep, np.broadcast_to([1.0, -1.0], (2, 3, 2)))
    spec = {"class_name": "__numpy__", "config": {"value": [[1, 2], [3, 4]], "dtype": "float32"}}
    np.testing.assert_array_equal(
        initspec.Constant(spec)((3, 2, 2)), np.broadcast_to([[1.0, 2.0], [3.0, 4.0]], (3, 2, 2))
    )


def test_constant_equal_size_reshape() -> None:
    # Keras 2 (tf.constant): a value of the same size but another shape is reshaped in C order
    out = initspec.Constant([1, 2, 3, 4, 5, 6])((2, 3), "float64")
    np.testing.assert_array_equal(out, [[1, 2, 3], [4, 5, 6]])
    # (2,) does not broadcast to (2, 1) (it would make (2, 2)), but has its size
    np.testing.assert_array_equal(initspec.Constant([1.0, 2.0])((2, 1)), [[1.0], [2.0]])
    np.testing.assert_array_equal(
        initspec.Constant([[1, 2, 3], [4, 5, 6]])((3, 2), "int64"), [[1, 2], [3, 4], [5, 6]]
    )


@pytest.mark.parametrize(
    ("value", "shape"),
    [([1, 2, 3], (2, 2)), ([1, 2], (3,)), ([[1, 2], [3, 4]], (4, 2)), ([1, 2, 3], ())],
)
def test_constant_impossible_shapes(value: list[Any], shape: tuple[int, ...]) -> None:
    assert error_types(lambda: initspec.Constant(value)(shape)) == ["shape_mismatch"]


@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (1.5, "int32"),
        (300, "uint8"),
        (-1, "uint8"),
        (1e40, "float16"),
        (70_000, "float16"),  # float16's largest is 65504
        (1e40, "float32"),
        (2, "bool"),
        (-1, "bool"),
        (0.5, "bool"),
        (128, "int8"),
        (2**63, "int64"),
        (2**64, "uint64"),
        ([1, 2.5], "int32"),
        ([0, 256], "uint8"),
        pytest.param(1e40, "bfloat16", marks=needs_bf16),
    ],
)
def test_constant_value_must_fit(value: Any, dtype: str) -> None:
    assert error_types(lambda: initspec.Constant(value)((2,), dtype)) == ["value_does_not_fit"]


@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (0, "bool"),
        (1, "bool"),
        (255, "uint8"),
        (-128, "int8"),
        (65504, "float16"),
        (1e40, "float64"),
        (2**63 - 1, "int64"),
        (2.0, "int32"),  # an integral float fits an integer dtype
    ],
)
def test_constant_value_that_fits(value: Any, dtype: str) -> None:
    out = initspec.Constant(value)((3,), dtype)
    assert out.dtype == np.dtype(dtype)
    assert all(v == value for v in out.tolist())


# --- Orthogonal --------------------------------------------------------------------------------

ORTHO_CASES = [
    (64, 64),
    (200, 30),
    (30, 200),
    (3, 3, 16, 32),
    (5, 8, 20),
    (1, 1, 8, 32),
    (3, 2, 10),
]
ORTHO_ATOL = {"float32": 2e-6, "float64": 1e-12}


def orthogonal_reference(shape: tuple[int, ...], seed: int, dtype: str) -> np.ndarray:
    """Keras' algorithm on the same standard normal matrix, in float64."""
    rows, cols = math.prod(shape[:-1]), shape[-1]
    work = np.float64 if dtype == "float64" else np.float32
    a = np.empty((max(rows, cols), min(rows, cols)), work)
    sampling.fill(a, sampling.Normal(0.0, 1.0), seed, a.shape)
    q, r = np.linalg.qr(a.astype(np.float64))
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return q.reshape(shape)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", ORTHO_CASES, ids=str)
def test_orthogonal_is_orthonormal(shape: tuple[int, ...], dtype: str) -> None:
    q = initspec.Orthogonal(seed=7)(shape, dtype)
    rows, cols = math.prod(shape[:-1]), shape[-1]
    m = q.reshape(rows, cols).astype(np.float64)
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), rtol=0, atol=ORTHO_ATOL[dtype] * 10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", ORTHO_CASES, ids=str)
@pytest.mark.parametrize("seed", [7, 2**40 + 3])
def test_orthogonal_matches_reference(shape: tuple[int, ...], dtype: str, seed: int) -> None:
    q = initspec.Orthogonal(seed=seed)(shape, dtype)
    expected = orthogonal_reference(shape, seed, dtype)
    np.testing.assert_allclose(q.astype(np.float64), expected, rtol=0, atol=ORTHO_ATOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("gain", [2.5, -0.5, 1e-3])
def test_orthogonal_gain(gain: float, dtype: str) -> None:
    shape = (40, 25)
    q = initspec.Orthogonal(gain=gain, seed=3)(shape, dtype).astype(np.float64)
    np.testing.assert_allclose(
        q, gain * orthogonal_reference(shape, 3, dtype), rtol=0, atol=abs(gain) * ORTHO_ATOL[dtype]
    )
    np.testing.assert_allclose(
        q.T @ q, gain**2 * np.eye(25), rtol=0, atol=gain**2 * 10 * ORTHO_ATOL[dtype]
    )


@pytest.mark.parametrize("dtype", ["float16", pytest.param("bfloat16", marks=needs_bf16)])
def test_orthogonal_low_precision(dtype: str) -> None:
    q = initspec.Orthogonal(seed=4)((30, 30), dtype).astype(np.float64)
    eps = 2.0**-11 if dtype == "float16" else 2.0**-8
    np.testing.assert_allclose(q, orthogonal_reference((30, 30), 4, "float32"), atol=eps)
    np.testing.assert_allclose(q.T @ q, np.eye(30), atol=30 * eps)


@pytest.mark.parametrize("shape", [(), (5,), (0,)], ids=str)
def test_orthogonal_rank_below_two(shape: tuple[int, ...]) -> None:
    assert error_types(lambda: initspec.Orthogonal(seed=1)(shape)) == ["invalid_shape"]


# --- theoretical statistics (what `initspec show` prints as "theory") ------------------------


def test_each_class_gives_its_theoretical_statistics() -> None:
    # written from the formulas (Keras's fans, the truncated normal's standard deviation), not
    # from the sampler: mean, std, min, max of the values a call draws; None when deterministic
    limit = math.sqrt(6 / 144)  # HeUniform on (3, 3, 16, 32): fan_in = 3 * 3 * 16
    cases: list[tuple[Any, tuple[int, ...], str, Any]] = [
        (
            initspec.HeUniform(),
            (3, 3, 16, 32),
            "float32",
            (0.0, limit / math.sqrt(3), -limit, limit),
        ),
        (
            initspec.HeNormal(),
            (3, 3, 16, 32),
            "float32",
            (
                0.0,
                math.sqrt(2 / 144),
                -2 * math.sqrt(2 / 144) / 0.8796256610342398,
                2 * math.sqrt(2 / 144) / 0.8796256610342398,
            ),
        ),
        (
            initspec.RandomNormal(mean=1.0, stddev=0.5),
            (4,),
            "float64",
            (1.0, 0.5, -math.inf, math.inf),
        ),
        (initspec.RandomUniform(-1.0, 3.0), (4,), "float32", (1.0, 4 / math.sqrt(12), -1.0, 3.0)),
        (initspec.Orthogonal(gain=-2.0), (8, 32), "float32", (0.0, 2 / math.sqrt(32), -2.0, 2.0)),
        (initspec.RandomUniform(0, 10), (4,), "int32", None),  # integers: no theory shown
        (initspec.Zeros(), (2, 2), "float32", None),
        (initspec.Constant(3), (2, 2), "float32", None),
        (initspec.Identity(), (2, 2), "float32", None),
        (initspec.STFT(), (8, 1, 5), "float32", None),
    ]
    for init, shape, dtype, expected in cases:
        got = init.theoretical_stats(shape, np.dtype(dtype))
        if expected is None:
            assert got is None, init
            continue
        assert list(got) == ["mean", "std", "min", "max"], init
        assert list(got.values()) == pytest.approx(expected, rel=1e-12), init


# --- Identity ----------------------------------------------------------------------------------


@pytest.mark.parametrize("gain", [1.0, -0.5, 3.0])
@pytest.mark.parametrize("shape", [(4, 4), (2, 6), (6, 2), (1, 1), (0, 4)], ids=str)
def test_identity_values(shape: tuple[int, int], gain: float) -> None:
    for dtype in ("float32", "float64"):
        out = initspec.Identity(gain=gain)(shape, dtype)
        assert out.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(out, gain * np.eye(shape[0], shape[1]))
    assert initspec.Identity(gain=gain)(shape).dtype == np.float32


@pytest.mark.parametrize("shape", [(), (4,), (2, 2, 2), (1, 3, 3, 1)], ids=str)
def test_identity_rank_must_be_two(shape: tuple[int, ...]) -> None:
    assert error_types(lambda: initspec.Identity()(shape)) == ["invalid_shape"]


# --- STFT --------------------------------------------------------------------------------------


def stft_reference(
    shape: tuple[int, int, int], side: str, window: Any, scaling: str | None, periodic: bool
) -> np.ndarray:
    """The Keras 3 formula, with scipy's windows, in float64."""
    frames, _, bins = shape
    fft_length = (bins - 1) * 2
    time = np.arange(frames, dtype=np.float64).reshape(frames, 1, 1)
    freq = np.arange(bins, dtype=np.float64).reshape(1, 1, bins) / fft_length
    args = -2.0 * time * freq * np.arccos(-1.0)
    kernel = np.cos(args) if side == "real" else np.sin(args)
    if window is not None:
        win = window
        if isinstance(win, str):
            win = signal.get_window(win, frames, periodic)
        win = np.asarray(win, dtype=np.float64).reshape(frames, 1, 1)
        norm = 1.0
        if scaling == "density":
            norm = np.sqrt(np.sum(np.square(win)))
        elif scaling == "spectrum":
            norm = np.sum(np.abs(win))
        kernel = kernel * win / norm
    return np.broadcast_to(kernel, shape)


STFT_SHAPES = [(16, 1, 9), (15, 2, 8), (1, 1, 2), (64, 3, 33), (7, 1, 2), (5, 1, 40)]
STFT_WINDOWS = ["hann", "hamming", "blackman", "boxcar", "bartlett", "triang", "tukey", None]


@pytest.mark.parametrize("periodic", [False, True])
@pytest.mark.parametrize("scaling", ["density", "spectrum", None])
@pytest.mark.parametrize("window", STFT_WINDOWS)
@pytest.mark.parametrize("side", ["real", "imag"])
def test_stft_matches_keras_formula(
    side: str, window: str | None, scaling: str | None, periodic: bool
) -> None:
    init = initspec.STFT(side=side, window=window, scaling=scaling, periodic=periodic)
    for shape in STFT_SHAPES:
        expected = stft_reference(shape, side, window, scaling, periodic)
        got64 = init(shape, "float64")
        np.testing.assert_allclose(got64, expected, rtol=1e-12, atol=1e-12, err_msg=str(shape))
        got32 = init(shape, "float32")
        np.testing.assert_allclose(got32, expected, rtol=1e-6, atol=1e-7, err_msg=str(shape))


@pytest.mark.parametrize("scaling", ["density", "spectrum", None])
@pytest.mark.parametrize("side", ["real", "imag"])
def test_stft_list_window(side: str, scaling: str | None) -> None:
    shape = (12, 2, 7)
    window = [0.1 * (i + 1) - 0.5 for i in range(12)]  # includes negative values
    init = initspec.STFT(side=side, window=window, scaling=scaling)
    expected = stft_reference(shape, side, window, scaling, False)
    np.testing.assert_allclose(init(shape, "float64"), expected, rtol=1e-12, atol=1e-12)


def test_stft_defaults() -> None:
    # side="real", window="hann", scaling="density", periodic=False
    expected = stft_reference((32, 1, 17), "real", "hann", "density", False)
    np.testing.assert_allclose(initspec.STFT()((32, 1, 17), "float64"), expected, atol=1e-12)


@pytest.mark.parametrize(
    "shape", [(16, 9), (16,), (), (4, 1, 2, 1), (16, 1, 1), (16, 1, 0)], ids=str
)
def test_stft_bad_shapes(shape: tuple[int, ...]) -> None:
    assert error_types(lambda: initspec.STFT()(shape)) == ["invalid_shape"]


@pytest.mark.parametrize("frames", [4, 6])
def test_stft_list_window_of_wrong_length(frames: int) -> None:
    init = initspec.STFT(window=[1.0, 0.5, 0.25, 0.5, 1.0])
    assert error_types(lambda: init((frames, 1, 3))) == ["shape_mismatch"]


# --- determinism --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(RANDOM))
def test_seeded_values_are_reproducible(name: str) -> None:
    make = RANDOM[name]
    shape = (30, 40)
    init = make(42)
    first = init(shape)
    assert_same_bits(init(shape), first, "same instance, second call")
    assert_same_bits(make(42)(shape), first, "another instance, same seed")
    assert_same_bits(init.clone()(shape), first, "clone of a seeded instance")
    assert init.effective_seed == 42
    assert not np.array_equal(make(43)(shape), first), "seeds 42 and 43 gave the same values"
    assert not np.array_equal(make(42 + 2**32)(shape), first)


@pytest.mark.parametrize("name", list(RANDOM))
def test_unseeded_values(name: str) -> None:
    make = RANDOM[name]
    shape = (30, 40)
    a = make(None)
    b = make(None)
    first = a(shape)
    assert_same_bits(a(shape), first, "an unseeded instance repeats its values")
    assert isinstance(a.effective_seed, int)
    assert 0 <= a.effective_seed < 2**64
    assert a.effective_seed != b.effective_seed  # 64-bit seeds: equal with probability 2**-64
    assert not np.array_equal(b(shape), first)
    clone = a.clone()
    assert clone.effective_seed != a.effective_seed
    assert not np.array_equal(clone(shape), first)
    # the drawn seed is the seed: a seeded instance with it makes the same values
    assert_same_bits(make(a.effective_seed)(shape), first, "seeded with effective_seed")


@pytest.mark.parametrize(
    ("seed", "same"), [(-1, 2**64 - 1), (-(2**63), 2**63), (-12345, 2**64 - 12345)]
)
def test_seed_taken_modulo_2_64(seed: int, same: int) -> None:
    for name in ("RandomNormal", "RandomUniform", "TruncatedNormal", "Orthogonal"):
        make = RANDOM[name]
        assert_same_bits(make(seed)((50, 60)), make(same)((50, 60)), name)


def test_seed_generator_seed_is_its_integer_seed() -> None:
    spec = {
        "module": "keras.random",
        "class_name": "SeedGenerator",
        "config": {"seed": 11, "name": "seed_generator"},
        "registered_name": None,
    }
    for name in ("RandomNormal", "HeUniform", "Orthogonal"):
        init = RANDOM[name](spec)
        assert init.effective_seed == 11
        assert_same_bits(init((20, 30)), RANDOM[name](11)((20, 30)), name)


@pytest.mark.parametrize("name", ["RandomNormal", "RandomUniform", "TruncatedNormal"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_values_follow_the_flat_c_order_index(name: str, dtype: str) -> None:
    # Elementwise distributions: an element depends on its flat index in the full tensor only
    init = RANDOM[name](77)
    flat = init((3 * BLOCK + 9,), dtype)
    assert_same_bits(init((3, BLOCK + 3, 1), dtype).reshape(-1), flat)
    assert_same_bits(init((BLOCK + 3, 3), dtype).reshape(-1), flat)
    # whole blocks do not depend on the tensor's total size
    assert_same_bits(init((2 * BLOCK,), dtype), flat[: 2 * BLOCK])
    assert_same_bits(init((BLOCK, 2), dtype).reshape(-1), flat[: 2 * BLOCK])
    assert_same_bits(init((3 * BLOCK + 500,), dtype)[: 3 * BLOCK], flat[: 3 * BLOCK])


@pytest.mark.parametrize("name", ["RandomNormal", "RandomUniform", "TruncatedNormal", "HeNormal"])
def test_float16_is_float32_rounded(name: str) -> None:
    init = RANDOM[name](5)
    for shape in ((1000,), (3, BLOCK + 17)):
        f32 = init(shape, "float32")
        assert_same_bits(init(shape, "float16"), f32.astype(np.float16), name)
        if ml_dtypes is not None:
            bf16 = np.dtype(ml_dtypes.bfloat16)
            assert_same_bits(init(shape, "bfloat16"), f32.astype(bf16), name)


# --- partitions ---------------------------------------------------------------------------------

PARTITION_SHAPES = [(150_000,), (300, 300), (3, 70_000), (5, 7, 3_000), (4, 3, 5, 2_000)]


def constant_array(shape: tuple[int, ...]) -> initspec.Constant:
    """A Constant whose array value broadcasts to ``shape`` (a column, or the whole vector)."""
    if len(shape) == 1:
        return initspec.Constant(np.linspace(-1, 1, shape[0]).tolist())
    return initspec.Constant(np.linspace(-1, 1, shape[-2]).reshape(-1, 1).tolist())


def partition_cases() -> list[tuple[str, Callable[[tuple[int, ...]], Any], tuple[int, ...]]]:
    cases = []
    for shape in PARTITION_SHAPES:
        for name, make in ELEMENTWISE.items():
            cases.append((name, lambda _s, make=make: make(), shape))
        cases.append(("Constant-array", constant_array, shape))
        if len(shape) >= 2:
            cases.append(("Orthogonal", lambda _s: initspec.Orthogonal(gain=0.8, seed=3), shape))
        if len(shape) == 2:
            cases.append(("Identity", lambda _s: initspec.Identity(gain=2.0), shape))
        if len(shape) == 3:
            for side in ("real", "imag"):
                cases.append(
                    ("STFT-" + side, lambda _s, side=side: initspec.STFT(side=side), shape)
                )
    return cases


def partitions_of(shape: tuple[int, ...]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(partition_shape, partition_offset) pairs: per axis middle, edges, size 1, size 0."""
    rank = len(shape)
    found: list[tuple[tuple[int, ...], tuple[int, ...]]] = []

    def on_axis(axis: int, offset: int, size: int) -> None:
        pshape = list(shape)
        poffset = [0] * rank
        pshape[axis] = size
        poffset[axis] = offset
        found.append((tuple(pshape), tuple(poffset)))

    for axis, d in enumerate(shape):
        third = max(1, d // 3)
        on_axis(axis, d // 3, third)  # middle
        on_axis(axis, 0, d // 2)  # leading edge
        on_axis(axis, d - max(1, d // 4), max(1, d // 4))  # trailing edge
        on_axis(axis, 0, 1)  # size 1 at the start
        on_axis(axis, d - 1, 1)  # size 1 at the end
        on_axis(axis, d // 2, 0)  # empty
        on_axis(axis, 1, d - 2)  # all but the ends
    found.append((tuple(max(1, d // 3) for d in shape), tuple(d // 3 for d in shape)))
    found.append((tuple(1 for _ in shape), tuple(d // 2 for d in shape)))  # one element
    found.append((tuple(shape), tuple(0 for _ in shape)))  # the whole tensor
    found.append((tuple(2 for _ in shape), tuple(d - 2 for d in shape)))  # the last corner
    if rank == 1:  # runs that start, end or straddle exactly at block boundaries
        for offset, size in ((BLOCK - 1, 2), (BLOCK, BLOCK), (BLOCK - 5, BLOCK + 10), (0, BLOCK)):
            found.append(((size,), (offset,)))
    return found


PARTITION_CASES = partition_cases()


@pytest.mark.parametrize(
    ("name", "make", "shape"),
    PARTITION_CASES,
    ids=[f"{name}-{shape}" for name, _, shape in PARTITION_CASES],
)
def test_partition_is_slice_of_full(
    name: str, make: Callable[[tuple[int, ...]], Any], shape: tuple[int, ...]
) -> None:
    init = make(shape)
    full = init(shape, "float32")
    for pshape, offset in partitions_of(shape):
        part = init(shape, "float32", partition_shape=pshape, partition_offset=offset)
        assert_same_bits(part, full[region(offset, pshape)], f"{name} {pshape} at {offset}")


SMALL_PARTITION_CASES = [c for c in PARTITION_CASES if c[2] in ((300, 300), (3, 70_000))]


@pytest.mark.parametrize("dtype", ["float64", "float16"])
@pytest.mark.parametrize(
    ("name", "make", "shape"),
    SMALL_PARTITION_CASES,
    ids=[f"{name}-{shape}" for name, _, shape in SMALL_PARTITION_CASES],
)
def test_partition_is_slice_of_full_other_dtypes(
    name: str, make: Callable[[tuple[int, ...]], Any], shape: tuple[int, ...], dtype: str
) -> None:
    init = make(shape)
    full = init(shape, dtype)
    for pshape, offset in partitions_of(shape):
        part = init(shape, dtype, partition_shape=pshape, partition_offset=offset)
        assert_same_bits(part, full[region(offset, pshape)], f"{name} {pshape} at {offset}")


@pytest.mark.parametrize("dtype", ["int32", "uint8", "int64"])
def test_partition_of_integer_uniform(dtype: str) -> None:
    init = initspec.RandomUniform(0, 100, seed=8)
    shape = (3, 70_000)
    full = init(shape, dtype)
    for pshape, offset in partitions_of(shape):
        part = init(shape, dtype, partition_shape=pshape, partition_offset=offset)
        assert_same_bits(part, full[region(offset, pshape)], f"{pshape} at {offset}")


@pytest.mark.parametrize(
    ("pshape", "poffset"),
    [((2,), None), (None, (0,)), ((2, 2), (0, 0)), ((5,), (0,)), ((3,), (2,)), ((1,), (-1,))],
)
def test_partition_arguments_checked(pshape: Any, poffset: Any) -> None:
    init = initspec.RandomNormal(seed=1)
    call = lambda: init((4,), partition_shape=pshape, partition_offset=poffset)  # noqa: E731
    assert error_types(call)[0] in ("invalid_partition", "invalid_shape")


# --- threads ------------------------------------------------------------------------------------

THREAD_CASES = {
    "uniform": lambda: initspec.RandomUniform(-1.0, 2.0, seed=123),
    "normal": lambda: initspec.RandomNormal(0.5, 2.0, seed=123),
    "truncated": lambda: initspec.TruncatedNormal(0.5, 2.0, seed=123),
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("kind", list(THREAD_CASES))
def test_threads_give_identical_bits(
    kind: str, dtype: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    init = THREAD_CASES[kind]()
    shape = (40 * BLOCK + 123,)  # 41 blocks, the last one partial
    one = init(shape, dtype, threads=1)
    assert_same_bits(init(shape, dtype, threads=2), one, "threads=2")
    assert_same_bits(init(shape, dtype, threads=7), one, "threads=7")
    monkeypatch.setenv("INITSPEC_NUM_THREADS", "1")
    assert_same_bits(init(shape, dtype), one, "INITSPEC_NUM_THREADS=1")
    monkeypatch.setenv("INITSPEC_NUM_THREADS", "2")
    assert_same_bits(init(shape, dtype), one, "INITSPEC_NUM_THREADS=2")
    monkeypatch.delenv("INITSPEC_NUM_THREADS")
    assert_same_bits(init(shape, dtype), one, "default threads")
    # a partition spanning many blocks, on two threads
    pshape, offset = (30 * BLOCK + 5,), (3 * BLOCK + 7,)
    part = init(shape, dtype, partition_shape=pshape, partition_offset=offset, threads=2)
    assert_same_bits(part, one[region(offset, pshape)], "partition on two threads")


def test_concurrent_calls_from_user_threads() -> None:
    # Several Python threads calling initializers at once (each also using the internal
    # pool) get the same bits as one call after another.
    jobs = [
        (initspec.RandomNormal(seed=1), (20 * BLOCK,), "float32"),
        (initspec.TruncatedNormal(seed=2), (20 * BLOCK,), "float16"),
        (initspec.RandomUniform(seed=3), (20 * BLOCK,), "float64"),
        (initspec.HeNormal(seed=4), (300, 4000), "float64"),
        (initspec.RandomNormal(seed=1), (7, 3 * BLOCK), "float32"),
    ] * 3
    serial = [init(shape, dtype, threads=1) for init, shape, dtype in jobs]
    with ThreadPoolExecutor(6) as pool:
        futures = [
            pool.submit(init, shape, dtype, threads=2 if i % 2 else None)
            for i, (init, shape, dtype) in enumerate(jobs)
        ]
        results = [f.result() for f in futures]
    for i, (got, want) in enumerate(zip(results, serial, strict=True)):
        assert_same_bits(got, want, f"job {i}")


def test_threads_for_variance_scaling_and_orthogonal() -> None:
    vs = initspec.GlorotNormal(seed=5)
    assert_same_bits(vs((300, 40_000), threads=2), vs((300, 40_000), threads=1))
    ortho = initspec.Orthogonal(seed=5)
    assert_same_bits(ortho((3, 200_000), threads=2), ortho((3, 200_000), threads=1))


def test_threads_on_a_strided_partition() -> None:
    init = initspec.RandomNormal(seed=6)
    shape = (700, 3_000)  # many short runs across 33 blocks
    full = init(shape, threads=1)
    part = init(shape, partition_shape=(690, 7), partition_offset=(5, 1_000), threads=2)
    assert_same_bits(part, full[5:695, 1000:1007])


@pytest.mark.parametrize("threads", [0, -1, True, 1.5, "2"])
def test_bad_thread_counts(threads: Any) -> None:
    call = lambda: initspec.RandomNormal(seed=1)((4,), threads=threads)  # noqa: E731
    assert error_types(call) == ["invalid_argument"]


@pytest.mark.parametrize("env", ["0", "-3", "two"])
def test_bad_thread_env(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INITSPEC_NUM_THREADS", env)
    with pytest.raises(ValueError, match="INITSPEC_NUM_THREADS"):
        initspec.RandomNormal(seed=1)((2 * BLOCK,))


# --- out= ---------------------------------------------------------------------------------------

OUT_CASES = {
    "RandomNormal": (lambda: initspec.RandomNormal(seed=1), (300, 500), "float32"),
    "TruncatedNormal-f16": (lambda: initspec.TruncatedNormal(seed=2), (3, 70_000), "float16"),
    "RandomUniform-int": (lambda: initspec.RandomUniform(0, 9, seed=3), (3, 70_000), "int32"),
    "HeUniform-f64": (lambda: initspec.HeUniform(seed=4), (30, 40, 50), "float64"),
    "Orthogonal": (lambda: initspec.Orthogonal(seed=5), (60, 40), "float32"),
    "Identity": (lambda: initspec.Identity(gain=3.0), (5, 7), "float64"),
    "STFT": (lambda: initspec.STFT(side="imag"), (16, 2, 9), "float32"),
    "Constant-array": (lambda: initspec.Constant([1.0, 2.0, 3.0]), (4, 3), "float32"),
    "Zeros": (lambda: initspec.Zeros(), (4, 3), "int8"),
}


def garbage(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """An array whose every element differs from anything an initializer would write."""
    kind = np.dtype(dtype).kind
    return np.full(shape, 77 if kind in "iu" else np.nan, dtype)


@pytest.mark.parametrize("name", list(OUT_CASES))
def test_out_is_filled_and_returned(name: str, tmp_path: Any) -> None:
    make, shape, dtype = OUT_CASES[name]
    init = make()
    expected = init(shape, dtype)
    out = garbage(shape, dtype)
    result = init(shape, dtype, out=out)
    assert result is out
    assert_same_bits(out, expected, "out=")
    # dtype taken from out
    out2 = garbage(shape, dtype)
    assert init(shape, out=out2) is out2
    assert_same_bits(out2, expected, "out= without dtype")
    # a numpy.memmap
    path = tmp_path / "weights.bin"
    mm = np.memmap(path, dtype=dtype, mode="w+", shape=shape)
    mm[...] = garbage(shape, dtype)
    assert init(shape, dtype, out=mm) is mm
    mm.flush()
    del mm
    assert_same_bits(np.array(np.memmap(path, dtype=dtype, mode="r", shape=shape)), expected)
    # a partition into out
    pshape = tuple(max(1, d // 2) for d in shape)
    offset = tuple(d // 3 for d in shape)
    part = garbage(pshape, dtype)
    got = init(shape, dtype, partition_shape=pshape, partition_offset=offset, out=part)
    assert got is part
    assert_same_bits(part, expected[region(offset, pshape)], "partition into out=")


def test_out_partition_into_memmap(tmp_path: Any) -> None:
    init = initspec.GlorotUniform(seed=10)
    shape = (4, 3, 5, 2_000)
    expected = init(shape)
    mm = np.memmap(tmp_path / "p.bin", dtype=np.float32, mode="w+", shape=(4, 3, 2, 2_000))
    assert (
        init(shape, partition_shape=(4, 3, 2, 2_000), partition_offset=(0, 0, 3, 0), out=mm) is mm
    )
    assert_same_bits(np.asarray(mm), expected[:, :, 3:5, :])


def strided_views(
    shape: tuple[int, ...], dtype: str
) -> dict[str, tuple[np.ndarray, np.ndarray, tuple[slice, ...] | None]]:
    """Views of ``shape`` that are not C-contiguous: (view, the buffer it lies in, where).

    Every buffer starts as garbage; ``where`` is the view's region of a bigger buffer (None:
    the view covers its buffer)."""
    rank = len(shape)
    transposed = garbage(shape[::-1], dtype)
    fortran = np.asfortranarray(garbage(shape, dtype))
    stepped = garbage(tuple(2 * d + 1 for d in shape), dtype)
    steps = tuple(slice(1, 2 * d + 1, 2) for d in shape)
    reversed_ = garbage(shape, dtype)
    return {
        "transposed": (transposed.transpose(tuple(range(rank))[::-1]), transposed, None),
        "fortran": (fortran, fortran, None),
        "stepped": (stepped[steps], stepped, steps),
        "reversed": (reversed_[::-1], reversed_, None),
    }


@pytest.mark.parametrize("name", list(OUT_CASES))
def test_out_may_be_any_view(name: str) -> None:
    """A transposed, Fortran-order, stepped or reversed view is filled with the values of the
    contiguous call, nothing outside it is touched, and partitions work the same way."""
    make, shape, dtype = OUT_CASES[name]
    init = make()
    expected = init(shape, dtype)
    pshape = tuple(max(1, d // 2) for d in shape)
    offset = tuple(d // 3 for d in shape)
    for kind, (view, buf, where) in strided_views(shape, dtype).items():
        assert not view.flags.c_contiguous, kind
        assert init(shape, dtype, out=view) is view
        assert_same_bits(view, expected, f"{name} into a {kind} view")
        if where is not None:
            outside = np.ones(buf.shape, bool)
            outside[where] = False
            untouched = garbage((int(outside.sum()),), dtype)
            assert_same_bits(buf[outside], untouched, f"{kind}: outside the view")
    for kind, (view, _, _) in strided_views(pshape, dtype).items():
        init(shape, dtype, partition_shape=pshape, partition_offset=offset, out=view)
        assert_same_bits(view, expected[region(offset, pshape)], f"{name} partition, {kind}")


@pytest.mark.parametrize("name", list(OUT_CASES))
def test_out_in_the_other_byte_order(name: str) -> None:
    """A byte-swapped out= (a big-endian file's memmap, say) holds the same values; before,
    it was refused with "dtype float32 instead of float32"."""
    make, shape, dtype = OUT_CASES[name]
    init = make()
    expected = init(shape, dtype)
    swapped = np.dtype(dtype).newbyteorder()
    for out in (
        garbage(shape, dtype).astype(swapped),
        garbage(shape[::-1], dtype).astype(swapped).T,
    ):
        assert init(shape, out=out) is out
        assert_same_bits(out.astype(dtype), expected, f"{name} in {swapped.str}")


def test_a_byte_swapped_out_counts_its_native_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A native out= needs no memory of the call's own; a byte-swapped one needs its native
    copy, which the memory bound counts, whole or partition."""
    init = initspec.RandomNormal(seed=1)
    expected = init((5, 6))
    monkeypatch.setenv("INITSPEC_MAX_BYTES", "100")
    init((5, 6), out=np.empty((5, 6), np.float32))  # 120 bytes, in the caller's memory
    for kwargs in ({}, {"partition_shape": (5, 6), "partition_offset": (0, 0)}):
        swapped = np.empty((5, 6), np.dtype(np.float32).newbyteorder())
        assert error_types(lambda kw=kwargs, o=swapped: init((5, 6), out=o, **kw)) == ["too_large"]
    small = np.empty((4, 6), np.dtype(np.float32).newbyteorder())  # 96 bytes: within it
    init((5, 6), partition_shape=(4, 6), partition_offset=(1, 0), out=small)
    assert_same_bits(small.astype(np.float32), expected[1:])


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_strided_out_threads_agree(threads: int) -> None:
    """Several blocks written into a transposed view from several threads: rows of 700
    straddle the 65,536-element blocks, so runs start and end mid-row."""
    init = initspec.TruncatedNormal(seed=12)
    shape = (300, 700)
    buf = np.full(shape[::-1], np.nan, np.float32)
    init(shape, out=buf.T, threads=threads)
    assert_same_bits(buf.T, init(shape), f"{threads} threads")


def test_out_must_fit() -> None:
    init = initspec.RandomNormal(seed=1)
    wrong = {
        "shape": np.empty((3, 5), np.float32),
        "dtype": np.empty((4, 5), np.float64),
        "self-overlapping": np.lib.stride_tricks.as_strided(
            np.empty(5, np.float32), shape=(4, 5), strides=(0, 4)
        ),
        "list": [[0.0] * 5] * 4,
    }
    readonly = np.empty((4, 5), np.float32)
    readonly.flags.writeable = False
    wrong["readonly"] = readonly
    for what, out in wrong.items():
        call = lambda out=out: init((4, 5), "float32", out=out)  # noqa: E731
        assert error_types(call) == ["invalid_argument"], what


# --- the stream definition (docstring of initspec.sampling) -----------------------------------

_M64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_TAG = int.from_bytes(b"initspec", "big") ^ 1  # "initspec" in ASCII, xor the version (1)


def _mix(z: int) -> int:
    """SplitMix64's step: add the golden gamma, then the finaliser."""
    z = (z + _GAMMA) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def _sfc64(words: list[int]) -> np.random.SFC64:
    bitgen = np.random.SFC64(0)
    bitgen.state = {
        "bit_generator": "SFC64",
        "state": {"state": np.array([*words, 1], dtype=np.uint64)},  # counter 1
        "has_uint32": 0,
        "uinteger": 0,
    }
    bitgen.random_raw(12)  # the first 12 outputs are discarded
    return bitgen


def _block_start(seed: int, block: int) -> int:
    return _mix(_mix((seed & _M64) ^ _TAG) ^ block)


def documented_block_generator(seed: int, block: int) -> np.random.SFC64:
    """As the docstring reads: state words ``mix(x), mix(x + 1), mix(x + 2)`` with
    ``x = mix(mix(seed ^ VERSION_TAG) ^ b)``."""
    x = _block_start(seed, block)
    return _sfc64([_mix((x + k) & _M64) for k in range(3)])


block_generator = documented_block_generator


def _halves(bitgen: np.random.SFC64, count: int) -> np.ndarray:
    """``count`` 32-bit halves of the next raw words, low half first (any endianness)."""
    words = bitgen.random_raw((count + 1) // 2).astype(np.uint64)
    low = (words & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    high = (words >> np.uint64(32)).astype(np.uint32)
    return np.stack([low, high], axis=1).reshape(-1)[:count]


def _box_muller_f32(bitgen: np.random.SFC64, n: int) -> np.ndarray:
    """The float32 normal of the docstring, computed in float64."""
    gen = np.random.Generator(bitgen)
    m = (n + 1) // 2
    bits = _halves(bitgen, 2 * m)
    u1 = 1.0 - (bits[:m] >> np.uint32(9)).astype(np.float64) * 2.0**-23
    small = np.flatnonzero(u1 < 2.0**-12)
    u1[small] = u1[small] - gen.random(small.size) * 2.0**-23
    theta = bits[m:].view(np.int32).astype(np.float64) * 2 * math.pi / 2**32
    radius = np.sqrt(-2.0 * np.log(u1))
    return np.concatenate([radius * np.cos(theta), (radius * np.sin(theta))[: n - m]])


def _block_sizes(total: int) -> list[int]:
    return [min(BLOCK, total - start) for start in range(0, total, BLOCK)]


def test_block_state_is_as_documented() -> None:
    """The docstring: state words ``(a, b', c)`` are "the first three SplitMix64 outputs after
    mix(mix(seed ^ VERSION_TAG) ^ b)"."""
    seed, n = 12345, BLOCK + 1000
    got = initspec.RandomUniform(0.0, 1.0, seed=seed)((n,), "float64")
    expected = np.concatenate(
        [
            (documented_block_generator(seed, b).random_raw(size) >> np.uint64(12)) * 2.0**-52
            for b, size in enumerate(_block_sizes(n))
        ]
    )
    assert_same_bits(got, expected, "uniform float64 from the documented block state")


@pytest.mark.parametrize("seed", [0, 12345, 2**64 - 1])
def test_stream_uniform_float64(seed: int) -> None:
    n = 2 * BLOCK + 1000
    low, high = -2.0, 3.0
    got = initspec.RandomUniform(low, high, seed=seed)((n,), "float64")
    u = np.concatenate(
        [
            (block_generator(seed, b).random_raw(size) >> np.uint64(12)) * 2.0**-52
            for b, size in enumerate(_block_sizes(n))
        ]
    )
    assert_same_bits(got, low + u * (high - low), "uniform float64")


@pytest.mark.parametrize("seed", [0, 12345])
def test_stream_uniform_float32(seed: int) -> None:
    n = 2 * BLOCK + 1001
    low, high = -2.0, 3.0
    got = initspec.RandomUniform(low, high, seed=seed)((n,), "float32")
    u = np.concatenate(
        [
            (_halves(block_generator(seed, b), size) >> np.uint32(9)).astype(np.float32)
            * np.float32(2.0**-23)
            for b, size in enumerate(_block_sizes(n))
        ]
    )
    expected = np.float32(low) + u * np.float32(high - low)
    assert_same_bits(got, expected.astype(np.float32), "uniform float32")


@pytest.mark.parametrize("seed", [3, 2**63 + 5])
def test_stream_normal_float64(seed: int) -> None:
    n = BLOCK + 999
    got = initspec.RandomNormal(0.0, 1.0, seed=seed)((n,), "float64")
    expected = np.concatenate(
        [
            np.random.Generator(block_generator(seed, b)).standard_normal(size)
            for b, size in enumerate(_block_sizes(n))
        ]
    )
    assert_same_bits(got, expected, "normal float64")


@pytest.mark.parametrize("seed", [3, 77])
def test_stream_normal_float32_box_muller(seed: int) -> None:
    n = 2 * BLOCK + 999  # the last block has odd length: its last sine is unused
    got = initspec.RandomNormal(0.0, 1.0, seed=seed)((n,), "float32").astype(np.float64)
    expected = np.concatenate(
        [_box_muller_f32(block_generator(seed, b), size) for b, size in enumerate(_block_sizes(n))]
    )
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stream_truncated_batches(dtype: str) -> None:
    seed, n = 41, BLOCK + 5000
    got = initspec.TruncatedNormal(0.0, 1.0, seed=seed)((n,), dtype).astype(np.float64)
    blocks = []
    for b, size in enumerate(_block_sizes(n)):
        bitgen = block_generator(seed, b)
        gen = np.random.Generator(bitgen)
        kept: list[np.ndarray] = []
        have = 0
        want = 2 * math.ceil(math.ceil(size * 1.055) / 2)
        while have < size:
            if dtype == "float32":
                cand = _box_muller_f32(bitgen, want)
            else:
                cand = gen.standard_normal(want)
            keep = cand[np.abs(cand) <= 2.0][: size - have]
            kept.append(keep)
            have += keep.size
            want = 2 * math.ceil((size - have + 64) / 2)
        blocks.append(np.concatenate(kept))
    expected = np.concatenate(blocks)
    if dtype == "float64":
        assert_same_bits(got, expected, "truncated float64")
    else:
        np.testing.assert_allclose(got, expected, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize(("low", "high", "dtype"), [(0, 10, "int32"), (-7, 300, "int16")])
def test_stream_integers(low: int, high: int, dtype: str) -> None:
    seed, n = 9, BLOCK + 77
    got = initspec.RandomUniform(low, high, seed=seed)((n,), dtype)
    expected = np.concatenate(
        [
            np.random.Generator(block_generator(seed, b)).integers(low, high, size, dtype=dtype)
            for b, size in enumerate(_block_sizes(n))
        ]
    )
    assert_same_bits(got, expected, "integers")


# --- overflow is where rounding overflows (issue 8) -------------------------------------------

#: (dtype, the largest float64 that rounds to a finite value in it, one that rounds to inf),
#: worked out from the formats (round to nearest even: max + half an ulp is a tie that goes to
#: infinity): float16 max 65504, ulp 32; float32 max (2 - 2**-23) * 2**127, ulp 2**104.
ROUNDING_EDGES = [
    ("float16", 65519.0, 65520.0),
    ("float32", 3.4028235e38, 2.0**128 - 2.0**103),
    pytest.param("bfloat16", 3.3961773e38, 2.0**128 - 2.0**119, marks=needs_bf16),
]
EDGE_MAKERS: dict[str, Callable[[float], Any]] = {
    "Constant": lambda v: initspec.Constant(v),
    "Constant-list": lambda v: initspec.Constant([0.0, -v]),
    "Constant-numpy": lambda v: initspec.Constant(
        {"class_name": "__numpy__", "config": {"value": [v, 1.0], "dtype": "float64"}}
    ),
    "array identifier": lambda v: initspec.get(np.array([[v, 0.0], [1.0, -v]])),
    "Identity": lambda v: initspec.Identity(gain=v),
    "Orthogonal": lambda v: initspec.Orthogonal(gain=-v, seed=1),
    "RandomUniform": lambda v: initspec.RandomUniform(-v, v, seed=1),
    "RandomNormal-mean": lambda v: initspec.RandomNormal(mean=v, stddev=0.0, seed=1),
}


@pytest.mark.parametrize("maker", sorted(EDGE_MAKERS))
@pytest.mark.parametrize(("dtype", "fits", "overflows"), ROUNDING_EDGES)
def test_overflow_is_where_rounding_overflows(
    maker: str, dtype: str, fits: float, overflows: float
) -> None:
    # Keras accepts float32's largest as it prints (3.4028235e38, above FLT_MAX) and float16
    # values up to 65519: they round to finite values. The same rule for gains and bounds.
    with np.errstate(over="ignore"):
        assert np.isfinite(np.float64(fits).astype(np_dtype(dtype)))  # the edges are right
        assert np.isinf(np.float64(overflows).astype(np_dtype(dtype)))
    out = EDGE_MAKERS[maker](fits)((2, 2), dtype)
    assert out.dtype == np_dtype(dtype)
    assert np.isfinite(out.astype(np.float64)).all(), out
    assert error_types(lambda: EDGE_MAKERS[maker](overflows)((2, 2), dtype)) == [
        "value_does_not_fit"
    ]


def test_a_constant_beyond_int64_goes_into_bfloat16() -> None:
    pytest.importorskip("ml_dtypes")
    # once a TypeError from ml_dtypes (an object array of Python ints)
    out = initspec.Constant(2**64)((2,), "bfloat16")
    assert out.astype(np.float64).tolist() == [2.0**64, 2.0**64]
    big = {"class_name": "__numpy__", "config": {"value": [2**64 - 1, 0], "dtype": "uint64"}}
    assert initspec.Constant(big)((2,), "bfloat16").astype(np.float64).tolist() == [2.0**64, 0]
    assert error_types(lambda: initspec.Constant(2**64)((2,), "float16")) == ["value_does_not_fit"]
    assert error_types(lambda: initspec.Constant(2**64)((2,), "uint64")) == ["value_does_not_fit"]


# --- zero-size tensors -------------------------------------------------------------------------

OUT_OF_RANGE = {
    "Constant": (lambda: initspec.Constant(1e40), "float16"),
    "Constant-int": (lambda: initspec.Constant(300), "int8"),
    "Constant-fraction": (lambda: initspec.Constant([1.5, 2.0]), "int32"),
    "array identifier": (lambda: initspec.get(np.full((0, 2), np.nan)), "int8"),
    "Identity": (lambda: initspec.Identity(gain=1e40), "float32"),
    "Orthogonal": (lambda: initspec.Orthogonal(gain=1e300, seed=1), "float16"),
    "RandomUniform": (lambda: initspec.RandomUniform(-1e40, 1e40, seed=1), "float32"),
    "RandomUniform-int": (lambda: initspec.RandomUniform(0, 1000, seed=1), "int8"),
    "RandomNormal": (lambda: initspec.RandomNormal(stddev=1e300, seed=1), "float32"),
    "TruncatedNormal": (lambda: initspec.TruncatedNormal(mean=1e39, seed=1), "float32"),
    "VarianceScaling": (lambda: initspec.VarianceScaling(scale=1e300, seed=1), "float16"),
}


@pytest.mark.parametrize("name", sorted(OUT_OF_RANGE))
def test_zero_size_tensors_are_empty_without_value_range_refusals(name: str) -> None:
    make, dtype = OUT_OF_RANGE[name]
    init = make()
    shape = (0, 2)
    assert error_types(lambda: init((3, 2), dtype)) == ["value_does_not_fit"] or name.startswith(
        "array"
    )  # the same parameters refused for a tensor with elements
    out = init(shape, dtype)
    assert out.shape == shape
    assert out.dtype == np_dtype(dtype)
    if not name.startswith("array"):  # an empty partition of a tensor with elements
        part = init((3, 2), dtype, partition_shape=(0, 2), partition_offset=(1, 0))
        assert part.shape == (0, 2)
        buf = np.empty((0, 2), np_dtype(dtype))
        assert init(shape, dtype, out=buf) is buf


def test_zero_size_tensors_still_check_shapes_and_dtype_kinds() -> None:
    # only value ranges are skipped: what no tensor of that shape or dtype could be, still is
    assert error_types(lambda: initspec.Constant([1, 2, 3])((0,))) == ["shape_mismatch"]
    assert error_types(lambda: initspec.Identity()((0, 0, 0))) == ["invalid_shape"]
    assert error_types(lambda: initspec.RandomNormal(seed=1)((0,), "int8")) == ["unsupported_dtype"]
    assert error_types(lambda: initspec.RandomUniform(seed=1)((0,), "int8")) == [
        "unsupported_dtype"
    ]


# --- dtype spellings ----------------------------------------------------------------------------


@pytest.mark.parametrize(("alias", "name"), sorted(_dtypes.DTYPE_ALIASES.items()))
def test_numpy_dtype_aliases_resolve_as_numpy_reads_them(alias: str, name: str) -> None:
    assert np.dtype(alias).name == name  # numpy is the oracle
    assert initspec.Zeros()((2,), alias).dtype == np.dtype(name)
    assert initspec.Zeros()((2,), np.dtype(alias)).dtype == np.dtype(name)  # native order


def test_the_dtype_code_is_a_leaf_and_base_and_types_do_not_import_each_other() -> None:
    # _dtypes imports no other module of initializers; _types (the field types) and _dtypes
    # import nothing of base (once base and _types imported each other, one of them locally)
    import ast
    import inspect

    from initspec.initializers import _types, base

    def imported(module: Any) -> set[str]:
        names = set()
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names |= {node.module} if node.module else {a.name for a in node.names}
        return names

    assert imported(_dtypes) == set()
    assert "base" not in imported(_types)
    assert "_dtypes" in imported(_types)
    assert "_dtypes" in imported(base)


@pytest.mark.parametrize("spelling", sorted(_dtypes.AMBIGUOUS_DTYPES))
def test_ambiguous_dtype_spellings_are_refused(spelling: str) -> None:
    with pytest.raises(InitializerError) as info:
        initspec.Zeros()((2,), spelling)
    [record] = info.value.errors
    assert record.type == "invalid_dtype"
    assert "ambiguous" in record.msg
    assert "did you mean" in record.msg


class FakeTfDType:
    """A stand-in for ``tf.DType`` (TensorFlow is not installed in the test environment): what
    initspec reads is its ``name`` attribute, as Keras does."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"tf.{self.name}"


class Misbehaving:
    """A dtype-like object whose attributes raise: an unknown dtype, not a crash."""

    @property
    def name(self) -> str:
        raise RuntimeError("no name")

    def __str__(self) -> str:
        raise RuntimeError("no str")


@pytest.mark.parametrize(("name"), ["float16", "float64", "int32", "bool", "complex64"])
def test_tf_dtype_objects_are_read_by_name(name: str) -> None:
    assert initspec.Zeros()((2,), FakeTfDType(name)).dtype == np.dtype(name)
    assert error_types(lambda: initspec.Zeros()((2,), FakeTfDType("string"))) == ["invalid_dtype"]
    assert error_types(lambda: initspec.Zeros()((2,), Misbehaving())) == ["invalid_dtype"]


def test_jax_dtypes_are_read_by_name() -> None:
    jnp = pytest.importorskip("jax.numpy", reason="jax is not installed")
    for dtype, name in [(jnp.float32, "float32"), (jnp.float16, "float16"), (jnp.int8, "int8")]:
        assert initspec.RandomUniform(0, 2, seed=1)((3,), dtype).dtype == np.dtype(name)
    assert initspec.Zeros()((2,), jnp.dtype("float64")).dtype == np.float64
    if ml_dtypes is not None:
        assert initspec.HeNormal(seed=1)((2, 2), jnp.bfloat16).dtype.name == "bfloat16"


class FakeTorchDType:
    """A stand-in for ``torch.dtype`` where torch is not installed (it is not in the test
    extra): no ``name`` attribute, and ``str`` is ``torch.<name>``, as torch's own."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __str__(self) -> str:
        return f"torch.{self._name}"


@pytest.mark.parametrize(("name"), ["float16", "float64", "int64", "bool", "complex128"])
def test_torch_like_dtype_objects_are_read_by_their_str(name: str) -> None:
    assert initspec.Zeros()((2,), FakeTorchDType(name)).dtype == np.dtype(name)
    assert error_types(lambda: initspec.Zeros()((2,), FakeTorchDType("qint8"))) == ["invalid_dtype"]


def test_torch_dtypes_are_read_by_name() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed")
    cases = [(torch.float64, "float64"), (torch.half, "float16"), (torch.int64, "int64")]
    cases += [(torch.bool, "bool"), (torch.uint8, "uint8"), (torch.complex64, "complex64")]
    for dtype, name in cases:
        assert initspec.Zeros()((2,), dtype).dtype == np.dtype(name)
    assert error_types(lambda: initspec.Zeros()((2,), torch.qint8)) == ["invalid_dtype"]


def test_a_complex_window_is_used_by_its_real_part_without_warnings() -> None:
    # a __numpy__ window of a complex dtype (JSON values are real): no ComplexWarning
    spec = {"class_name": "__numpy__", "config": {"value": [1.0, 2.0, 1.0], "dtype": "complex64"}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = initspec.STFT(window=spec)((3, 1, 3))
    np.testing.assert_array_equal(got, initspec.STFT(window=[1.0, 2.0, 1.0])((3, 1, 3)))


# --- constructors agree with their config models (issue 10) -----------------------------------

#: A valid value other than the default for every constructor argument of a built-in.
OTHER_VALUES: dict[str, Any] = {
    "value": 2.5,
    "mean": 0.5,
    "stddev": 0.25,
    "seed": 7,
    "minval": -1.0,
    "maxval": 1.0,
    "scale": 2.0,
    "mode": "fan_out",
    "distribution": "uniform",
    "input_axes": [0],
    "output_axes": [1],
    "gain": 3.0,
    "side": "imag",
    "window": "hamming",
    "scaling": "spectrum",
    "periodic": True,
}


def _constructor(cls: type) -> list[inspect.Parameter]:
    return [p for name, p in inspect.signature(cls.__init__).parameters.items() if name != "self"]


@pytest.mark.parametrize("cls", BUILTINS, ids=lambda cls: cls.__name__)
def test_every_constructor_agrees_with_its_config_model(cls: type) -> None:
    """The arguments of ``__init__`` are the config's fields (``dtype``, accepted and dropped
    from TF1-era files, excepted), with the same defaults, and each lands in its own field."""
    params = _constructor(cls)
    fields = {n: f for n, f in cls.config_model.model_fields.items() if not f.exclude}
    assert sorted(p.name for p in params) == sorted(fields), cls.__name__
    for p in params:
        assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, (cls.__name__, p.name)
        default = fields[p.name].get_default(call_default_factory=True)
        assert (type(p.default), p.default) == (type(default), default), (cls.__name__, p.name)
    assert cls().get_config() == cls.config_model().model_dump(mode="python")
    values = [OTHER_VALUES[p.name] for p in params]
    assert all(v != p.default for v, p in zip(values, params, strict=True))
    by_position = cls(*values).get_config()
    assert {p.name: by_position[p.name] for p in params} == dict(
        zip([p.name for p in params], values, strict=True)
    )
    assert (
        cls(**{p.name: v for p, v in zip(params, values, strict=True)}).get_config() == by_position
    )


@pytest.mark.parametrize("cls", BUILTINS, ids=lambda cls: cls.__name__)
def test_every_constructor_takes_positional_arguments_in_keras_order(cls: type) -> None:
    """Keras 3's constructor (the oracle) has the same arguments, in the same order, with the
    same defaults: a positional call means what it means in Keras."""
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    keras = pytest.importorskip("keras")
    theirs = getattr(keras.initializers, cls.__name__)
    keras_params = [
        p
        for name, p in inspect.signature(theirs.__init__).parameters.items()
        if name != "self" and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    ours = [(p.name, p.default) for p in _constructor(cls)]
    assert ours == [(p.name, p.default) for p in keras_params]
