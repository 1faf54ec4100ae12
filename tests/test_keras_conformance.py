"""Conformance against real Keras 3 (``KERAS_BACKEND=numpy``), used as an oracle.

- every name in Keras's own table resolves to the same class with the same config;
- configs Keras serializes load in initspec with the same config, and configs initspec
  serializes load in Keras with the same config;
- for the same config and shape, samples from both pass a two-sample KS test, and the
  deterministic initializers agree value for value.

Documented differences (initspec does better; each is asserted, so it cannot drift):
- Keras 3 raises KeyError on ``get("constant")``/``get("Constant")``; initspec gives Constant(0.0).
- Keras 3 Identity loses ``gain`` in ``get_config()``; initspec keeps it.
- Keras's table holds the abstract ``Initializer``; initspec rejects it with a clear message.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")
keras = pytest.importorskip("keras")
stats = pytest.importorskip("scipy.stats")

import initspec  # noqa: E402

pytestmark = pytest.mark.keras

if keras.backend.backend() != "numpy":  # pragma: no cover - another backend was preselected
    pytest.skip("these tests need KERAS_BACKEND=numpy", allow_module_level=True)

from keras.src.initializers import ALL_OBJECTS_DICT  # noqa: E402

ABSTRACT = {"Initializer", "initializer"}
KERAS_CRASHES = {"constant", "Constant"}  # Keras 3 reads config["value"] from an empty config


def _keras_config(obj: object) -> dict[str, object]:
    return dict(keras.initializers.serialize(obj)["config"])


@pytest.mark.parametrize("name", sorted(ALL_OBJECTS_DICT))
def test_every_keras_name_resolves_like_keras(name: str) -> None:
    if name in ABSTRACT:
        with pytest.raises(initspec.InitializerError, match="abstract base class"):
            initspec.get(name)
        return
    ours = initspec.get(name)
    assert isinstance(ours, initspec.Initializer)
    theirs_cls = ALL_OBJECTS_DICT[name]
    assert type(ours).__name__ == theirs_cls.__name__
    if name in KERAS_CRASHES:
        with pytest.raises(KeyError):
            keras.initializers.get(name)
        assert ours.get_config() == {"value": 0.0} == theirs_cls().get_config()
        return
    theirs = keras.initializers.get(name)
    expected = _keras_config(theirs)
    if theirs_cls.__name__ == "Identity":
        assert expected == {}  # Keras drops gain ...
        expected = {"gain": 1.0}  # ... initspec keeps it
    assert ours.get_config() == expected


def test_initspec_covers_keras_table_exactly() -> None:
    """Every class Keras names is a built-in of initspec, and every built-in is in Keras."""
    keras_classes = {c.__name__ for c in ALL_OBJECTS_DICT.values()} - ABSTRACT
    ours = {type(initspec.get(n)).__name__ for n in ALL_OBJECTS_DICT if n not in ABSTRACT}
    assert ours == keras_classes


# Keras objects with non-default arguments, and the same objects as initspec builds them.
CASES = [
    ("RandomNormal", {"mean": 1.5, "stddev": 0.2, "seed": 7}),
    ("RandomUniform", {"minval": -1.0, "maxval": 2.0, "seed": 3}),
    ("TruncatedNormal", {"mean": -0.5, "stddev": 2.0, "seed": 1}),
    ("VarianceScaling", {"scale": 2.5, "mode": "fan_out", "distribution": "uniform", "seed": 4}),
    ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg", "distribution": "normal", "seed": 4}),
    ("VarianceScaling", {"mode": "fan_in", "distribution": "untruncated_normal", "seed": 9}),
    ("VarianceScaling", {"seed": 2, "input_axes": [0], "output_axes": [1, 2]}),
    ("GlorotUniform", {"seed": 1}),
    ("GlorotNormal", {"seed": 2}),
    ("HeUniform", {"seed": 3}),
    ("HeNormal", {"seed": 4, "input_axes": [0, 1], "output_axes": [2]}),
    ("LecunUniform", {"seed": 5}),
    ("LecunNormal", {"seed": 6}),
    ("Orthogonal", {"gain": 2.0, "seed": 5}),
    ("Constant", {"value": 3.5}),
    ("Constant", {"value": 2}),
    ("Zeros", {}),
    ("Ones", {}),
    ("STFT", {"side": "imag", "window": "hamming", "scaling": "spectrum", "periodic": True}),
    ("STFT", {"side": "real", "window": [0.5, 1.0, 1.0, 0.5], "scaling": None}),
    ("STFT", {"window": None}),
]


def _keras_object(name: str, args: dict[str, object]) -> object:
    return getattr(keras.initializers, name)(**args)


@pytest.mark.parametrize(("name", "args"), CASES)
def test_keras_serialized_configs_load_in_initspec(name: str, args: dict[str, object]) -> None:
    theirs = _keras_object(name, args)
    ours = initspec.get(keras.initializers.serialize(theirs))
    assert type(ours).__name__ == name
    assert ours.get_config() == _keras_config(theirs)


@pytest.mark.parametrize(("name", "args"), CASES)
def test_initspec_serialized_configs_load_in_keras(name: str, args: dict[str, object]) -> None:
    ours = getattr(initspec, name)(**args)
    theirs = keras.initializers.deserialize(initspec.serialize(ours))
    assert type(theirs).__name__ == name
    assert _keras_config(theirs) == ours.get_config()


def test_keras_seed_generator_and_array_values_load() -> None:
    seeded = keras.initializers.RandomNormal(seed=keras.random.SeedGenerator(11))
    ours = initspec.get(keras.initializers.serialize(seeded))
    assert (
        ours(  # a SeedGenerator seed is read as its integer seed
            (8, 8)
        ).tobytes()
        == initspec.RandomNormal(seed=11)((8, 8)).tobytes()
    )
    const = keras.initializers.Constant(np.array([1.0, 2.0], dtype="float32"))
    ours_const = initspec.get(keras.initializers.serialize(const))
    np.testing.assert_array_equal(ours_const((3, 2)), const((3, 2)))


def test_identity_keeps_gain_where_keras_loses_it() -> None:
    ours = initspec.Identity(gain=3.0)
    reloaded_in_keras = keras.initializers.deserialize(initspec.serialize(ours))
    np.testing.assert_array_equal(reloaded_in_keras((3, 3)), ours((3, 3)))
    lost = keras.initializers.deserialize(keras.initializers.serialize(reloaded_in_keras))
    assert lost((2, 2))[0, 0] == 1.0  # Keras's own round trip drops the gain
    assert initspec.get(initspec.serialize(ours))((2, 2))[0, 0] == 3.0


# --- values ---------------------------------------------------------------------------------

RANDOM_CASES = [c for c in CASES if c[0] not in {"Constant", "Zeros", "Ones", "STFT"}]
SHAPES = {"Orthogonal": (64, 48)}


@pytest.mark.parametrize(("name", "args"), RANDOM_CASES)
def test_samples_have_the_same_distribution_as_keras(name: str, args: dict[str, object]) -> None:
    shape = SHAPES.get(name, (60, 70, 12))
    theirs = np.asarray(_keras_object(name, args)(shape), dtype=np.float64).ravel()
    ours = getattr(initspec, name)(**args)(shape).astype(np.float64).ravel()
    assert ours.shape == theirs.shape
    result = stats.ks_2samp(ours, theirs)
    assert result.pvalue > 1e-4, (name, args, result)


@pytest.mark.parametrize(
    ("name", "args"), [c for c in CASES if c[0] in {"Constant", "Zeros", "Ones", "STFT"}]
)
def test_deterministic_values_equal_keras(name: str, args: dict[str, object]) -> None:
    shape = (4, 1, 7) if name == "STFT" else (3, 4)
    theirs = np.asarray(_keras_object(name, args)(shape))
    ours = getattr(initspec, name)(**args)(shape)
    # Keras builds STFT kernels in float32 arithmetic (arguments up to ~2 pi * frames), initspec in
    # float64 then rounds: the two differ by a few float32 ulps of those arguments.
    np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_dtypes_follow_keras(dtype: str) -> None:
    theirs = keras.initializers.GlorotUniform(seed=1)((8, 8), dtype=dtype)
    ours = initspec.GlorotUniform(seed=1)((8, 8), dtype)
    assert np.asarray(theirs).dtype == ours.dtype


# --- numerics and hand-written identifiers (issue 8) ----------------------------------------


@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (3.4028235e38, "float32"),
        (-3.4028235e38, "float32"),
        (65519.0, "float16"),
        (65504, "float16"),
    ],
)
def test_constants_that_round_to_finite_values_are_accepted_as_in_keras(
    value: float, dtype: str
) -> None:
    # Overflow is where rounding overflows (3.4028235e38 is how float32's largest prints).
    theirs = np.asarray(keras.initializers.Constant(value)((2,), dtype))
    assert np.isfinite(theirs).all()
    np.testing.assert_array_equal(initspec.Constant(value)((2,), dtype), theirs)


@pytest.mark.parametrize(("value", "dtype"), [(65520.0, "float16"), (3.4028236e38, "float32")])
def test_constants_that_round_to_infinity_are_refused_where_keras_gives_inf(
    value: float, dtype: str
) -> None:
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs = np.asarray(keras.initializers.Constant(value)((2,), dtype))
    assert np.isinf(theirs).all()  # Keras: infinities; initspec: a clear error instead
    with pytest.raises(initspec.InitializerError) as info:
        initspec.Constant(value)((2,), dtype)
    assert [r.type for r in info.value.errors] == ["value_does_not_fit"]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("Identity", {"gain": 65519.0}),
        ("RandomUniform", {"minval": -65519.0, "maxval": 65519.0, "seed": 1}),
    ],
)
def test_gains_and_bounds_that_round_to_finite_values_are_accepted_as_in_keras(
    name: str, args: dict[str, object]
) -> None:
    theirs = np.asarray(_keras_object(name, args)((4, 4), "float16"))
    ours = getattr(initspec, name)(**args)((4, 4), "float16")
    assert np.isfinite(theirs).all()
    assert np.isfinite(ours).all()
    if name == "Identity":
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("Constant", {"value": 1e40}),
        ("Identity", {"gain": 1e40}),
        ("RandomUniform", {"minval": -1e40, "maxval": 1e40, "seed": 1}),
        ("RandomNormal", {"stddev": 1e40, "seed": 1}),
        ("Orthogonal", {"gain": 1e40, "seed": 1}),
    ],
)
def test_zero_size_tensors_are_empty_as_in_keras(name: str, args: dict[str, object]) -> None:
    shape = (0, 3)
    with np.errstate(all="ignore"):
        theirs = np.asarray(_keras_object(name, args)(shape, "float32"))
    ours = getattr(initspec, name)(**args)(shape, "float32")
    assert ours.shape == theirs.shape == shape
    assert ours.dtype == np.float32


def test_hand_written_configs_without_config_mean_the_defaults_as_in_keras() -> None:
    for identifier in (
        {"class_name": "HeNormal"},
        {"class_name": "HeNormal", "config": None},
        {"module": "keras.initializers", "class_name": "RandomUniform", "registered_name": None},
        {"class_name": "VarianceScaling", "config": None},
    ):
        theirs = keras.initializers.get(dict(identifier))
        ours = initspec.get(identifier)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.get_config() == _keras_config(theirs)


def test_framework_and_numpy_dtype_spellings_resolve_as_in_keras() -> None:
    jnp = pytest.importorskip("jax.numpy", reason="jax provides jnp.float32 and jnp.bfloat16")
    # Keras reads a framework's dtype object by its name; these are what its initializers made
    for dtype, name in (
        (jnp.float32, "float32"),
        (jnp.float16, "float16"),
        (jnp.bfloat16, "bfloat16"),
    ):
        theirs = np.asarray(keras.initializers.Zeros()((2,), dtype))
        assert theirs.dtype.name == name
        assert initspec.Zeros()((2,), dtype).dtype == theirs.dtype
    # numpy's aliases: Keras 3's random initializers hand the dtype to numpy, which reads them
    for alias in ("double", "half", "single", "f8", "longlong", "intc"):
        theirs = np.asarray(keras.initializers.RandomUniform(seed=1)((2,), alias))
        assert initspec.Zeros()((2,), alias).dtype == theirs.dtype
