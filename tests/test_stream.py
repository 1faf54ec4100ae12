"""Golden values of stream version 1: any change to what the sampler makes must be deliberate.

Uniform and integer streams are made of exact operations (bit shifts, and correctly rounded
float arithmetic), so their hashes hold on every machine. The float32 normals use numpy's
float32 log/sin/cos, whose last bit may differ between numpy versions or CPU feature levels:
their hashes are checked where they were recorded (numpy 2.4, AVX-512), and elsewhere their
values are checked to within a few float32 ulps.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import initspec
from initspec import sampling

Case = tuple[str, dict[str, object], tuple[int, ...], str, str]

EXACT: list[Case] = [
    (
        "RandomUniform",
        {"minval": -1.0, "maxval": 2.0, "seed": 1},
        (300, 301),
        "float32",
        "ade835461fe3d4f96478df070eff884bd0e0f9f6cbca564dca1349a7ab0e5b56",
    ),
    (
        "RandomUniform",
        {"minval": -1.0, "maxval": 2.0, "seed": 1},
        (300, 301),
        "float64",
        "b5ceec7ec8d374a936ea2a9b6d1de3edc22ffaba2eb2a7f9e55bc9e08837e1ee",
    ),
    (
        "RandomUniform",
        {"minval": -3, "maxval": 7, "seed": 2},
        (1000,),
        "int32",
        "547c5f7adf16449f7874849df58b54926350ee7bc2bdad03d5c03061ead48126",
    ),
    (
        "GlorotUniform",
        {"seed": 5},
        (128, 64),
        "float32",
        "213cb224fe7776a9b7341c80f40d8ff6e01d583c97895239c828d734925c6a04",
    ),
    (
        "RandomNormal",
        {"seed": 3},
        (257, 3),
        "float64",
        "a2af213f3b3e3c1f0e88364a06b50af937ab16240b23ca576f7b0c35e6dd592b",
    ),
    (
        "TruncatedNormal",
        {"seed": 4},
        (3, 3, 64, 64),
        "float64",
        "41503c591231aff33fd9818ace712566149d44f061115d28305b01c3edaba8e8",
    ),
    # seeds are taken modulo 2**64: -1 and 2**64 - 1 are the same stream
    (
        "RandomUniform",
        {"seed": -1},
        (10,),
        "float32",
        "11b5261227a0e466ed5dbbfcdba8c1db7f16f7cf39c9e9722e5c2728046d175b",
    ),
    (
        "RandomUniform",
        {"seed": 2**64 - 1},
        (10,),
        "float32",
        "11b5261227a0e466ed5dbbfcdba8c1db7f16f7cf39c9e9722e5c2728046d175b",
    ),
]

# float32 normals: the hash where recorded, and sampled values (index, value) everywhere
NORMALS: list[tuple[str, dict[str, object], tuple[int, ...], str, list[tuple[int, float]]]] = [
    (
        "RandomNormal",
        {"mean": 0.5, "stddev": 2.0, "seed": 3},
        (70000, 3),
        "a00a006cdc82b84c19927cb1694bce40ed10fe60548dcdc26cef3f047b1efde7",
        [
            (0, -0.9703536033630371),
            (1, 2.8711600303649902),
            (2, 3.1080949306488037),
            (3, -0.9215675592422485),
            (105000, 0.6374022960662842),
            (105001, 3.537222385406494),
            (209998, 0.987420916557312),
            (209999, -1.642472505569458),
        ],
    ),
    (
        "TruncatedNormal",
        {"stddev": 0.02, "seed": 4},
        (512, 300),
        "0b7f796af2e1124d91f785457a4eb145b2e9da15f41a39d46f80ce2781c9c031",
        [
            (0, -0.006718365475535393),
            (1, 0.032126136124134064),
            (2, 0.025192558765411377),
            (3, -0.018123703077435493),
            (76800, 0.0285202544182539),
            (76801, -0.01887887343764305),
            (153598, 0.015270616859197617),
            (153599, -0.005468728486448526),
        ],
    ),
    (
        "HeNormal",
        {"seed": 6},
        (3, 3, 16, 32),
        "af2c6710b126da4a579753a47822202cffd85dca2c59158bc70fdf46ca60d900",
        [
            (0, -0.039315517991781235),
            (1, 0.00499015161767602),
            (2, 0.06284698843955994),
            (3, -0.12597443163394928),
            (2304, -0.0435585118830204),
            (2305, 0.09065382927656174),
            (4606, -0.08022774010896683),
            (4607, 0.04252805933356285),
        ],
    ),
]


def _make(name: str, config: dict[str, object], shape: tuple[int, ...], dtype: str) -> np.ndarray:
    init = initspec.get({"class_name": name, "config": config})
    assert isinstance(init, initspec.Initializer)
    return init(shape, dtype)


def _recorded_platform() -> bool:
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # pragma: no cover - numpy < 2
        return False
    return np.__version__.startswith("2.4.") and bool(features.get("AVX512F"))


def test_stream_version_is_one() -> None:
    assert sampling.STREAM_VERSION == 1
    assert sampling.BLOCK == 65_536


@pytest.mark.parametrize(("name", "config", "shape", "dtype", "digest"), EXACT)
def test_exact_streams_match_their_golden_hash(
    name: str, config: dict[str, object], shape: tuple[int, ...], dtype: str, digest: str
) -> None:
    values = _make(name, config, shape, dtype)
    assert hashlib.sha256(values.tobytes()).hexdigest() == digest, (
        "the sampler's output changed: if that is deliberate, bump STREAM_VERSION, document "
        "the new stream in sampling.py and record new golden hashes"
    )


@pytest.mark.parametrize(("name", "config", "shape", "digest", "samples"), NORMALS)
def test_float32_normals_match_their_golden_values(
    name: str,
    config: dict[str, object],
    shape: tuple[int, ...],
    digest: str,
    samples: list[tuple[int, float]],
) -> None:
    values = _make(name, config, shape, "float32").ravel()
    for index, expected in samples:
        spacing = abs(float(np.spacing(np.float32(expected))))
        assert abs(float(values[index]) - expected) <= 4 * spacing, (index, values[index])
    if _recorded_platform():
        assert hashlib.sha256(values.tobytes()).hexdigest() == digest


def test_different_seeds_and_blocks_differ() -> None:
    a = _make("RandomUniform", {"seed": 1}, (2 * sampling.BLOCK,), "float32")
    b = _make("RandomUniform", {"seed": 2}, (2 * sampling.BLOCK,), "float32")
    assert not np.array_equal(a, b)
    assert not np.array_equal(a[: sampling.BLOCK], a[sampling.BLOCK :])
