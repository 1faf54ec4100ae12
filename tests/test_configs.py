"""Config forms that load, what ``get_config``/``serialize`` write, and the object protocol.

Expectations come from the Keras-written fixtures (``tests/fixtures``), from the project
reference's serialized forms and equivalences (e.g. GlorotUniform = VarianceScaling(1, fan_avg,
uniform)), or are computed independently with numpy/scipy; never from initspec's own output.
"""

from __future__ import annotations

import copy
import json
import math
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import initspec
from helpers import FIXTURES, VARIANCE_SCALING_FAMILY
from initspec import InitializerError

KERAS3_CASES: list[dict[str, Any]] = json.loads(
    (FIXTURES / "keras3" / "initializers.json").read_text(encoding="utf-8")
)["cases"]


def seed_generator(seed: int | None, **extra: Any) -> dict[str, Any]:
    """A Keras 3 SeedGenerator as Keras 3.15 writes it (reference, "Keras 3 seeds")."""
    return {
        "module": "keras.random",
        "class_name": "SeedGenerator",
        "config": {"seed": seed, "name": "seed_generator"},
        "registered_name": None,
        **extra,
    }


def keras2(class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    return {"class_name": class_name, "config": config}


def keras3(class_name: str, config: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "module": "keras.initializers",
        "class_name": class_name,
        "config": config,
        "registered_name": None,
        **extra,
    }


def same_bits(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def via_json(value: Any) -> Any:
    return json.loads(json.dumps(value, allow_nan=False))


# Non-default configs of every built-in, as Keras 3.15 spells them.
CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("Zeros", {}),
    ("Ones", {}),
    ("Constant", {"value": 2.5}),
    ("Constant", {"value": 3}),
    ("Constant", {"value": [[1.0, 2.0], [3.0, 4.0]]}),
    ("RandomNormal", {"seed": 7, "mean": 1.5, "stddev": 0.2}),
    ("RandomUniform", {"seed": 3, "minval": -1, "maxval": 2}),
    ("RandomUniform", {"seed": 4, "minval": -0.25, "maxval": 0.75}),
    ("TruncatedNormal", {"seed": 13, "mean": 0.5, "stddev": 0.1}),
    (
        "VarianceScaling",
        {
            "seed": 100,
            "scale": 2.5,
            "mode": "fan_out",
            "distribution": "uniform",
            "input_axes": None,
            "output_axes": None,
        },
    ),
    (
        "VarianceScaling",
        {
            "seed": 21,
            "scale": 2.5,
            "mode": "fan_in",
            "distribution": "untruncated_normal",
            "input_axes": [0, 1],
            "output_axes": [2],
        },
    ),
    ("GlorotNormal", {"seed": 1, "input_axes": None, "output_axes": None}),
    ("GlorotUniform", {"seed": 22, "input_axes": [0], "output_axes": [1, 2]}),
    ("HeNormal", {"seed": 23, "input_axes": [1], "output_axes": [0]}),
    ("HeUniform", {"seed": 4, "input_axes": None, "output_axes": None}),
    ("LecunNormal", {"seed": 5, "input_axes": None, "output_axes": None}),
    ("LecunUniform", {"seed": None, "input_axes": [0], "output_axes": [1]}),
    ("Orthogonal", {"seed": 5, "gain": 2.0}),
    ("Identity", {"gain": 3.0}),
    ("STFT", {"side": "imag", "window": "hamming", "periodic": True, "scaling": "spectrum"}),
    ("STFT", {"side": "real", "window": [0.25, 0.5, 1.0, 0.5], "periodic": False, "scaling": None}),
    ("STFT", {"side": "real", "window": None, "periodic": False, "scaling": "density"}),
]
CLASS_NAMES = sorted({name for name, _ in CONFIGS})


def _config_id(param: Any) -> str:
    return json.dumps(param)[:60] if isinstance(param, dict) else str(param)


# --- both forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(("class_name", "config"), CONFIGS, ids=_config_id)
def test_keras2_and_keras3_forms_load_to_the_same_initializer(
    class_name: str, config: dict[str, Any]
) -> None:
    cls = getattr(initspec, class_name)
    from_keras2 = initspec.get(keras2(class_name, copy.deepcopy(config)))
    from_keras3 = initspec.get(keras3(class_name, copy.deepcopy(config)))
    direct = cls(**copy.deepcopy(config))
    assert type(from_keras2) is cls
    assert type(from_keras3) is cls
    assert from_keras2 == from_keras3 == direct
    assert from_keras3.get_config() == config  # exactly what was written, nothing lost


@pytest.mark.parametrize("shared_object_id", [0, 5, 139655047659600])
def test_shared_object_id_is_accepted(shared_object_id: int) -> None:
    init = initspec.get(
        keras3("GlorotUniform", {"seed": 3}, shared_object_id=shared_object_id),
    )
    assert init == initspec.GlorotUniform(seed=3)
    assert "shared_object_id" not in init.get_config()


def test_shared_object_id_on_a_seed_generator_is_accepted() -> None:
    # Keras 3.15 writes it on the second use of one SeedGenerator (tests/fixtures/keras3/
    # shared.keras holds exactly this).
    spec = seed_generator(52, shared_object_id=139655047659600)
    init = initspec.get(keras3("RandomUniform", {"seed": spec, "minval": -0.01, "maxval": 0.01}))
    assert init.effective_seed == 52
    assert same_bits(init((6, 5)), initspec.RandomUniform(-0.01, 0.01, seed=52)((6, 5)))


# --- initializer configs inside Keras-written model files ------------------------------------


def _initializer_dicts(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every value of a ``*_initializer`` key (reference: "Where initializer configs sit")."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}/{key}"
            if isinstance(key, str) and key.endswith("_initializer") and value is not None:
                yield here, value
            else:
                yield from _initializer_dicts(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _initializer_dicts(value, f"{path}/{i}")


def _model_files() -> list[Any]:
    files = []
    for flavor in ("keras3", "tf_keras"):
        for path in sorted((FIXTURES / flavor).iterdir()):
            if path.suffix in (".keras", ".h5") or (
                path.suffix == ".json" and path.stem not in ("initializers", "samples")
            ):
                files.append(pytest.param(path, id=f"{flavor}/{path.name}"))
    return files


def _model_config(path: Path) -> Any:
    if path.suffix == ".keras":
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("config.json"))
    if path.suffix == ".h5":
        h5py = pytest.importorskip("h5py")
        with h5py.File(path, "r") as fh:
            raw = fh.attrs["model_config"]
        return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", _model_files())
def test_every_initializer_in_a_keras_written_model_file_loads(path: Path) -> None:
    found = list(_initializer_dicts(_model_config(path)))
    assert found, "the walk found no initializer"
    failures = {}
    for where, identifier in found:
        try:
            init = initspec.get(identifier)
        except InitializerError as err:
            failures[where] = str(err)
            continue
        assert callable(init)
    assert not failures, failures


# --- legacy and Keras 2.0 forms ------------------------------------------------------------


@pytest.mark.parametrize(("class_name", "config"), CONFIGS, ids=_config_id)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", None])
def test_tf1_dtype_key_is_accepted_and_dropped(
    class_name: str, config: dict[str, Any], dtype: str | None
) -> None:
    legacy = initspec.get(keras2(class_name, {**copy.deepcopy(config), "dtype": dtype}))
    plain = initspec.get(keras2(class_name, copy.deepcopy(config)))
    assert legacy == plain
    assert "dtype" not in legacy.get_config()
    assert "dtype" not in initspec.serialize(legacy)["config"]


def test_dropped_dtype_does_not_change_the_call_dtype() -> None:
    # Keras 2 pops `dtype` in from_config: the dtype of the call decides.
    init = initspec.get(keras2("RandomNormal", {"dtype": "float64", "seed": 1}))
    assert init((3,)).dtype == np.float32
    assert init((3,), "float64").dtype == np.float64


# reference, "Keras 2.0-2.2 files write Glorot as VarianceScaling"; the equivalences are from
# "Constructor arguments and validation" (e.g. GlorotUniform = VS(1, fan_avg, uniform)).
KERAS20_EQUIVALENTS = [
    ("GlorotUniform", 1.0, "fan_avg", "uniform"),
    ("GlorotNormal", 1.0, "fan_avg", "normal"),
    ("GlorotNormal", 1.0, "fan_avg", "truncated_normal"),
    ("HeUniform", 2.0, "fan_in", "uniform"),
    ("HeNormal", 2.0, "fan_in", "normal"),
    ("LecunUniform", 1.0, "fan_in", "uniform"),
    ("LecunNormal", 1.0, "fan_in", "normal"),
]


@pytest.mark.parametrize(("cls_name", "scale", "mode", "distribution"), KERAS20_EQUIVALENTS)
@pytest.mark.parametrize("shape", [(30, 20), (3, 3, 8, 16), (50,)])
def test_keras20_variance_scaling_equals_the_named_initializer(
    cls_name: str, scale: float, mode: str, distribution: str, shape: tuple[int, ...]
) -> None:
    config = {"scale": scale, "mode": mode, "distribution": distribution, "seed": 5}
    old = initspec.get(keras2("VarianceScaling", config))
    new = getattr(initspec, cls_name)(seed=5)
    assert same_bits(old(shape), new(shape))
    assert (old.scale, old.mode) == (new.scale, new.mode)
    assert old.distribution == new.distribution


def test_distribution_normal_means_truncated_normal() -> None:
    loaded = initspec.get(keras2("VarianceScaling", {"distribution": "normal", "seed": 9}))
    assert loaded.get_config()["distribution"] == "truncated_normal"
    values = loaded((200, 100))
    # truncated at 2 stddev, stddev = sqrt(1 / fan_in) / 0.8796... (reference, "Numbers")
    bound = 2 * math.sqrt(1.0 / 200) / 0.87962566103423978
    assert np.abs(values).max() <= bound * (1 + 1e-6)
    assert same_bits(values, initspec.VarianceScaling(seed=9)((200, 100)))


# --- seeds ----------------------------------------------------------------------------------

SEEDED = [
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    *VARIANCE_SCALING_FAMILY,
    "Orthogonal",
]


@pytest.mark.parametrize("class_name", SEEDED)
@pytest.mark.parametrize("seed", [0, 11, 2**63 + 5])
def test_seed_generator_seed_is_the_integer_seed(class_name: str, seed: int) -> None:
    generated = initspec.get(keras3(class_name, {"seed": seed_generator(seed)}))
    plain = initspec.get(keras3(class_name, {"seed": seed}))
    assert generated.effective_seed == seed
    assert same_bits(generated((12, 10)), plain((12, 10)))
    assert same_bits(generated((12, 10), "float64"), plain((12, 10), "float64"))


def test_seed_generator_without_a_seed_is_unseeded_but_repeatable() -> None:
    init = initspec.get(keras3("RandomNormal", {"seed": seed_generator(None)}))
    assert isinstance(init.effective_seed, int)
    assert same_bits(init((5, 5)), init((5, 5)))  # the seed is drawn once


def test_keras3_fixture_seed_generator_case_keeps_its_config() -> None:
    [case] = [c for c in KERAS3_CASES if str(c["name"]).startswith("RandomNormal(seed=keras")]
    init = initspec.get(case["serialized"])
    assert init.get_config() == case["get_config"]
    assert init.effective_seed == 11


@pytest.mark.parametrize(
    "identifier",
    [
        keras3("RandomNormal", {"seed": seed_generator(11)}),
        keras3(
            "Constant",
            {
                "value": {
                    "class_name": "__numpy__",
                    "config": {"value": [1.0, 2.0], "dtype": "float32"},
                }
            },
        ),
        keras3(
            "Constant",
            {"value": {"class_name": "__tensor__", "config": {"value": 2.0, "dtype": "float32"}}},
        ),
        keras3(
            "STFT",
            {
                "window": {
                    "class_name": "__tensor__",
                    "config": {"value": [0.5, 1.0], "dtype": "float32"},
                }
            },
        ),
    ],
    ids=["seed-generator", "numpy", "tensor", "stft-window"],
)
def test_nested_objects_serialize_without_warnings(identifier: dict[str, Any]) -> None:
    init = initspec.get(identifier)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = init.get_config()
        repr(init)
        hash(init)
        written = initspec.serialize(init)
        if not isinstance(init, initspec.STFT):  # Keras 2 has no STFT
            initspec.serialize(init, format="keras2")
    # The nested object is written back exactly as it was read (what Keras 3.15 writes).
    for key, value in identifier["config"].items():
        assert json.dumps(config[key]) == json.dumps(value)
    assert written["config"] == config


# --- array values ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["__numpy__", "__tensor__"])
@pytest.mark.parametrize(
    ("value", "dtype", "shape", "call_dtype"),
    [
        ([[1.0, 2.0], [3.0, 4.0]], "float32", (2, 2), "float32"),
        ([[1.0, 2.0], [3.0, 4.0]], "float32", (3, 2, 2), "float64"),
        ([1, 2, 3], "int64", (2, 3), "int32"),
        ([1, 2, 3], "int64", (2, 3), "float32"),
        (2.0, "float32", (2, 3), "float32"),
        (0.5, "float32", (), "float16"),
        ([True, False], "bool", (3, 2), "float32"),
        ([True, False], "bool", (3, 2), "bool"),
        ([[7]], "uint8", (2, 2), "uint8"),
    ],
    ids=repr,
)
def test_array_constant_values_broadcast_and_cast(
    kind: str, value: Any, dtype: str, shape: tuple[int, ...], call_dtype: str
) -> None:
    spec = {"class_name": kind, "config": {"value": value, "dtype": dtype}}
    init = initspec.get(keras3("Constant", {"value": spec}))
    assert init.get_config() == {"value": spec}
    assert list(init.get_config()["value"]) == ["class_name", "config"]
    expected = np.broadcast_to(np.asarray(value, dtype=dtype), shape).astype(call_dtype)
    got = init(shape, call_dtype)
    assert got.dtype == np.dtype(call_dtype)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("value", "shape"),
    [([1.0, 2.0], (3, 2)), ([[1.0], [2.0]], (2, 4)), (3, (2,)), ([[1, 2], [3, 4]], (2, 2))],
)
def test_plain_list_and_number_constants(value: Any, shape: tuple[int, ...]) -> None:
    init = initspec.get(keras2("Constant", {"value": value}))
    np.testing.assert_array_equal(
        init(shape), np.broadcast_to(np.asarray(value, np.float32), shape)
    )


def test_keras3_fixture_array_constants_load_with_their_values() -> None:
    arrays = [c for c in KERAS3_CASES if str(c["name"]).startswith("Constant(np.")]
    assert len(arrays) == 3
    for case in arrays:
        init = initspec.get(case["serialized"])
        spec = case["serialized"]["config"]["value"]
        assert init.get_config() == case["get_config"]
        shape = np.shape(spec["config"]["value"])
        expected = np.asarray(spec["config"]["value"], dtype=spec["config"]["dtype"])
        np.testing.assert_array_equal(init(shape, "float64"), expected.astype("float64"))


# --- STFT windows -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman", "bartlett", "boxcar"])
@pytest.mark.parametrize("periodic", [False, True])
@pytest.mark.parametrize("side", ["real", "imag"])
def test_stft_window_by_name_list_or_tensor_are_the_same(
    name: str, periodic: bool, side: str
) -> None:
    signal = pytest.importorskip("scipy.signal")
    frames = 16
    window = signal.get_window(name, frames, fftbins=periodic).astype(np.float64).tolist()
    common = {"side": side, "periodic": periodic, "scaling": "density"}
    by_name = initspec.get(keras3("STFT", {**common, "window": name}))
    by_list = initspec.get(keras3("STFT", {**common, "window": window}))
    tensor = {"class_name": "__tensor__", "config": {"value": window, "dtype": "float64"}}
    by_tensor = initspec.get(keras3("STFT", {**common, "window": tensor}))
    shape = (frames, 2, 9)
    expected = by_list(shape, "float64")
    np.testing.assert_allclose(by_name(shape, "float64"), expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(by_tensor(shape, "float64"), expected)


def test_stft_list_window_values_follow_the_dft() -> None:
    """An independent DFT kernel: window * cos/sin(2 pi t f / (2 (bins - 1))) / ||window||."""
    window = np.array([0.25, 0.5, 1.0, 0.5])
    bins = 3
    t = np.arange(4)[:, None]
    f = np.arange(bins)[None, :]
    phase = 2 * np.pi * t * f / (2 * (bins - 1))
    norm = np.sqrt(np.sum(window**2))
    for side, wave in (("real", np.cos(phase)), ("imag", -np.sin(phase))):
        init = initspec.get(keras3("STFT", {"side": side, "window": window.tolist()}))
        got = init((4, 2, bins), "float64")
        expected = window[:, None] * wave / norm
        np.testing.assert_allclose(got[:, 0, :], expected, atol=1e-12)
        np.testing.assert_allclose(got[:, 1, :], expected, atol=1e-12)


# --- input_axes / output_axes --------------------------------------------------------------


@pytest.mark.parametrize("distribution", ["uniform", "untruncated_normal", "truncated_normal"])
def test_fan_axes_change_the_scale(distribution: str) -> None:
    shape = (400, 8, 20)
    with_axes = initspec.get(
        keras3(
            "VarianceScaling",
            {
                "scale": 1.0,
                "mode": "fan_in",
                "distribution": distribution,
                "seed": 3,
                "input_axes": [0],
                "output_axes": [1, 2],
            },
        )
    )
    without = initspec.VarianceScaling(distribution=distribution, seed=3)
    # reference, "Fans": with both axes lists, fan_in = 400; otherwise 8 * 400 = 3200.
    std_axes = float(with_axes(shape, "float64").std())
    std_default = float(without(shape, "float64").std())
    assert std_axes == pytest.approx(math.sqrt(1 / 400), rel=0.03)
    assert std_default == pytest.approx(math.sqrt(1 / 3200), rel=0.03)


def test_fan_axes_apply_only_when_both_are_given() -> None:
    shape = (30, 4, 5)
    plain = initspec.HeUniform(seed=2)(shape)
    only_input = initspec.get(keras3("HeUniform", {"seed": 2, "input_axes": [0]}))
    only_output = initspec.get(keras3("HeUniform", {"seed": 2, "output_axes": [0]}))
    assert same_bits(only_input(shape), plain)
    assert same_bits(only_output(shape), plain)
    both = initspec.get(keras3("HeUniform", {"seed": 2, "input_axes": [0], "output_axes": [1]}))
    limit = math.sqrt(6.0 / 30)  # He uniform, fan_in = shape[0] = 30
    assert np.abs(both(shape)).max() <= limit
    assert np.abs(both(shape)).max() > math.sqrt(6.0 / (4 * 30))  # the default fan_in is 120


def test_fan_axes_accept_tuples_and_negative_axes() -> None:
    init = initspec.GlorotUniform(seed=1, input_axes=(0,), output_axes=(-2, -1))
    assert init.get_config()["input_axes"] == [0]
    assert init.get_config()["output_axes"] == [-2, -1]
    json.dumps(init.get_config())
    same = initspec.GlorotUniform(seed=1, input_axes=[0], output_axes=[1, 2])
    assert same_bits(init((6, 4, 3)), same((6, 4, 3)))


# --- get_config and serialize as Keras 3.15 writes them ------------------------------------


def _keras3_params() -> list[Any]:
    return [
        pytest.param(case, id=f"{i}-{case['class_name']}")
        for i, case in enumerate(KERAS3_CASES)
        if case["class_name"] not in ("Initializer", "Identity")
    ]


@pytest.mark.parametrize("case", _keras3_params())
def test_serialize_writes_exactly_what_keras3_wrote(case: dict[str, Any]) -> None:
    init = initspec.get(case["serialized"])
    # json text equality: same keys, same key order, ints stay ints.
    assert json.dumps(initspec.serialize(init)) == json.dumps(case["serialized"])
    assert json.dumps(init.get_config()) == json.dumps(case["get_config"])


def _default_cases() -> list[Any]:
    return [
        pytest.param(case, id=case["class_name"])
        for case in KERAS3_CASES
        if isinstance(case["name"], str)
        and case["name"].endswith("()")
        and case["class_name"] not in ("Initializer", "Identity")
    ]


@pytest.mark.parametrize("case", _default_cases())
def test_default_constructor_config_keys_and_order_match_keras3(case: dict[str, Any]) -> None:
    ours = getattr(initspec, case["class_name"])()
    assert list(ours.get_config()) == list(case["get_config"])
    assert ours.get_config() == case["get_config"]


def test_identity_keeps_gain_where_keras3_loses_it() -> None:
    [case] = [c for c in KERAS3_CASES if c["name"] == "Identity(gain=3.0)"]
    assert case["get_config"] == {}  # Keras 3.15 drops gain (reference, "Serialized forms")
    ours = initspec.Identity(gain=3.0)
    assert ours.get_config() == {"gain": 3.0}
    assert initspec.get(initspec.serialize(ours)).gain == 3.0


# --- serialize round trips -----------------------------------------------------------------

INSTANCES: dict[str, Callable[[], Any]] = {
    **{f"{name}()": (lambda n=name: getattr(initspec, n)()) for name in CLASS_NAMES},
    **{
        f"{name}-{i}": (lambda n=name, c=config: getattr(initspec, n)(**copy.deepcopy(c)))
        for i, (name, config) in enumerate(CONFIGS)
    },
    "RandomNormal-seed-generator": lambda: initspec.RandomNormal(seed=seed_generator(11)),
    "Orthogonal-seed-generator": lambda: initspec.Orthogonal(0.5, seed_generator(12)),
    "Constant-numpy": lambda: initspec.Constant(
        {"class_name": "__numpy__", "config": {"value": [[1.0, 2.0]], "dtype": "float32"}}
    ),
    "Constant-tensor-int": lambda: initspec.Constant(
        {"class_name": "__tensor__", "config": {"value": [1, 2, 3], "dtype": "int64"}}
    ),
    "Constant-negative-zero": lambda: initspec.Constant(-0.0),
    "VS-normal": lambda: initspec.VarianceScaling(0.5, "fan_avg", "normal", 42),
}


def _has_keras3_only_parts(init: Any) -> bool:
    config = init.get_config()
    return isinstance(init, initspec.STFT) or any(
        config.get(k) is not None for k in ("input_axes", "output_axes")
    )


def _shape_for(init: Any) -> tuple[int, ...]:
    if isinstance(init, initspec.STFT):
        return (4, 1, 3)
    if isinstance(init, initspec.Constant):
        value = init.get_config()["value"]
        if isinstance(value, dict):
            value = value["config"]["value"]
        return (3, *np.shape(value))
    if isinstance(init, initspec.Identity):
        return (3, 3)
    return (3, 4, 5)


def _unseeded(init: Any) -> bool:
    config = init.get_config()
    return "seed" in config and config["seed"] is None


@pytest.mark.parametrize("make", INSTANCES.values(), ids=INSTANCES.keys())
def test_serialize_keras3_round_trip(make: Callable[[], Any]) -> None:
    init = make()
    written = via_json(initspec.serialize(init))
    assert list(written) == ["module", "class_name", "config", "registered_name"]
    assert written["module"] == "keras.initializers"
    assert written["class_name"] == type(init).__name__
    assert written["registered_name"] is None
    assert written["config"] == init.get_config()
    back = initspec.get(written)
    assert type(back) is type(init)
    assert back == init
    if not _unseeded(init):
        shape = _shape_for(init)
        assert same_bits(back(shape), init(shape))


#: Keras 2 cannot express STFT or fan axes: test_keras2_refuses_what_keras2_cannot_express.
KERAS2_INSTANCES = {k: v for k, v in INSTANCES.items() if not _has_keras3_only_parts(v())}


@pytest.mark.parametrize("make", KERAS2_INSTANCES.values(), ids=KERAS2_INSTANCES.keys())
def test_serialize_keras2_round_trip(make: Callable[[], Any]) -> None:
    init = make()
    written = via_json(initspec.serialize(init, format="keras2"))
    assert list(written) == ["class_name", "config"]
    assert written["class_name"] == type(init).__name__
    # Keras 2 has no axes; a SeedGenerator becomes its int seed; an array a plain list.
    expected = init.get_config()
    expected.pop("input_axes", None)
    expected.pop("output_axes", None)
    nested = False
    if isinstance(expected.get("seed"), dict):
        expected["seed"] = expected["seed"]["config"]["seed"]
        nested = True
    if isinstance(expected.get("value"), dict):
        expected["value"] = expected["value"]["config"]["value"]
        nested = True
    assert written["config"] == expected
    back = initspec.get(written)
    assert type(back) is type(init)
    if not nested:
        assert back == init
    if not _unseeded(init):
        shape = _shape_for(init)
        np.testing.assert_array_equal(back(shape, "float64"), init(shape, "float64"))


def test_keras2_bool_array_constant_round_trips() -> None:
    init = initspec.Constant(
        {"class_name": "__numpy__", "config": {"value": [True, False], "dtype": "bool"}}
    )
    written = via_json(initspec.serialize(init, format="keras2"))
    back = initspec.get(written)
    np.testing.assert_array_equal(back((2, 2), "float32"), init((2, 2), "float32"))


@pytest.mark.parametrize(
    ("make", "loc"),
    [
        (lambda: initspec.STFT(), ()),
        (lambda: initspec.STFT(window=[1.0, 2.0]), ()),
        (
            lambda: initspec.VarianceScaling(input_axes=[0], output_axes=[1]),
            ("config", "input_axes"),
        ),
        (lambda: initspec.GlorotUniform(input_axes=[0]), ("config", "input_axes")),
        (lambda: initspec.HeNormal(output_axes=[1]), ("config", "output_axes")),
    ],
    ids=["stft", "stft-list", "vs-axes", "glorot-input", "he-output"],
)
def test_keras2_refuses_what_keras2_cannot_express(
    make: Callable[[], Any], loc: tuple[str, ...]
) -> None:
    with pytest.raises(InitializerError) as info:
        initspec.serialize(make(), format="keras2")
    [rec] = info.value.errors
    assert rec.type == "not_serializable"
    assert rec.loc == loc
    assert "keras3" in rec.msg
    assert initspec.serialize(make())["config"]  # the Keras 3 form is fine


def test_serialize_writes_a_class_s_own_keras2_form() -> None:
    # each class owns its Keras 2 form (keras2_config), a user's class too: serialize()
    # writes what the hook returns and reports what it refuses
    class Halved(initspec.Initializer):  # type: ignore[type-arg]
        class config_model(initspec.InitializerConfig):
            factor: float = 1.0

        def generate(self, shape: Any, dtype: Any) -> Any:
            return np.full(shape, self.factor, dtype)

        def keras2_config(self) -> dict[str, Any]:
            return {"factor": self.factor / 2, "halved": True}

    init = Halved(factor=3.0)
    assert initspec.serialize(init, format="keras2") == {
        "class_name": "Halved",
        "config": {"factor": 1.5, "halved": True},
    }
    assert initspec.serialize(init)["config"] == {"factor": 3.0}  # Keras 3: get_config()
    for make in (initspec.HeNormal, initspec.Zeros, initspec.Orthogonal):
        built = make()
        assert built.keras2_config() == initspec.serialize(built, format="keras2")["config"]
    with pytest.raises(InitializerError) as info:
        initspec.STFT().keras2_config()
    assert [r.type for r in info.value.errors] == ["not_serializable"]


@pytest.mark.parametrize("fmt", ["keras4", "Keras3", "", None, 3])
def test_serialize_rejects_unknown_formats(fmt: Any) -> None:
    with pytest.raises(InitializerError) as info:
        initspec.serialize(initspec.Zeros(), format=fmt)
    [rec] = info.value.errors
    assert (rec.type, rec.loc) == ("invalid_argument", ("format",))
    assert "'keras3'" in rec.msg
    assert "'keras2'" in rec.msg


@pytest.mark.parametrize(
    "obj",
    [lambda shape, dtype=None: np.zeros(shape), np.zeros(3), "zeros", None, initspec.Zeros],
    ids=["function", "array", "string", "none", "class"],
)
def test_serialize_rejects_non_initializers(obj: Any) -> None:
    target = initspec.get(obj) if isinstance(obj, np.ndarray) else obj
    with pytest.raises(InitializerError) as info:
        initspec.serialize(target)
    assert info.value.errors[0].type == "not_serializable"


# --- from_config, clone, equality, repr, attributes ----------------------------------------


@pytest.mark.parametrize("make", INSTANCES.values(), ids=INSTANCES.keys())
def test_from_config_and_clone(make: Callable[[], Any]) -> None:
    init = make()
    cls = type(init)
    rebuilt = cls.from_config(init.get_config())
    assert rebuilt == init
    assert rebuilt is not init
    twin = init.clone()
    assert twin == init
    assert twin is not init
    assert type(twin) is cls


def test_clone_of_seeded_initializer_gives_the_same_values() -> None:
    init = initspec.TruncatedNormal(stddev=0.3, seed=8)
    assert same_bits(init.clone()((7, 7)), init((7, 7)))


def test_clone_of_unseeded_initializer_draws_a_new_seed() -> None:
    init = initspec.RandomNormal()
    twin = init.clone()
    assert twin == init  # equal configs (seed null) ...
    assert twin.effective_seed != init.effective_seed  # ... but a new seed (module docs)
    assert same_bits(init((4,)), init((4,)))  # each instance repeats itself


def test_from_config_validates() -> None:
    with pytest.raises(InitializerError) as info:
        initspec.RandomNormal.from_config({"stdev": 0.5})
    [rec] = info.value.errors
    assert (rec.type, rec.loc) == ("unknown_key", ("stdev",))


def test_equality_and_hash_follow_the_config() -> None:
    a = initspec.RandomNormal(mean=0.0, stddev=0.1, seed=3)
    b = initspec.get(keras2("RandomNormal", {"stddev": 0.1, "seed": 3}))
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert {a: "x"}[b] == "x"
    assert a != initspec.RandomNormal(stddev=0.1, seed=4)
    assert a != initspec.TruncatedNormal(stddev=0.1, seed=3)  # same config, other class
    assert a != "RandomNormal"
    assert a != a.get_config()
    assert initspec.GlorotUniform(seed=1) != initspec.VarianceScaling(1.0, "fan_avg", "uniform", 1)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (lambda: initspec.Constant(1), lambda: initspec.Constant(1.0)),
        (lambda: initspec.RandomUniform(-1, 2, 3), lambda: initspec.RandomUniform(-1.0, 2.0, 3)),
        (lambda: initspec.Constant([1, 2]), lambda: initspec.Constant([1.0, 2.0])),
    ],
    ids=["constant", "uniform", "list"],
)
def test_equal_initializers_have_equal_hashes(
    left: Callable[[], Any], right: Callable[[], Any]
) -> None:
    a, b = left(), right()
    if a == b:
        assert hash(a) == hash(b), "a == b but hash(a) != hash(b) breaks sets and dicts"
        assert len({a, b}) == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda: initspec.RandomNormal(seed=3, stddev=0.1),
        lambda: initspec.VarianceScaling(scale=2.0, mode="fan_out", seed=1),
        lambda: initspec.GlorotUniform(),
        lambda: initspec.Constant([1.0, 2.0]),
        lambda: initspec.STFT(window=None, scaling=None),
        lambda: initspec.Identity(gain=0.5),
        lambda: initspec.HeNormal(seed=2, input_axes=[0], output_axes=[1]),
    ],
    ids=["normal", "vs", "glorot", "constant", "stft", "identity", "he-axes"],
)
def test_repr_names_the_class_and_the_non_default_arguments(make: Callable[[], Any]) -> None:
    init = make()
    text = repr(init)
    assert text.startswith(type(init).__name__ + "(")
    defaults = type(init)().get_config()
    for key, value in init.get_config().items():
        assert (f"{key}=" in text) == (value != defaults[key]), (key, text)
    assert eval(text, {name: getattr(initspec, name) for name in initspec.__all__}) == init


def test_attribute_access_reads_the_config() -> None:
    normal = initspec.RandomNormal(mean=0.5, stddev=0.2, seed=9)
    assert (normal.mean, normal.stddev, normal.seed) == (0.5, 0.2, 9)
    uniform = initspec.RandomUniform(-1, 2)
    assert (uniform.minval, uniform.maxval, uniform.seed) == (-1, 2, None)
    assert initspec.Orthogonal(gain=2.0).gain == 2.0
    assert initspec.Identity(gain=3.0).gain == 3.0
    assert initspec.Constant([1, 2]).value == [1, 2]
    stft = initspec.STFT(side="imag", window="hamming", scaling=None, periodic=True)
    assert (stft.side, stft.window, stft.scaling, stft.periodic) == ("imag", "hamming", None, True)
    vs = initspec.VarianceScaling(2.0, "fan_out", "NORMAL", 1, [0], [1])
    assert (vs.scale, vs.mode, vs.distribution) == (2.0, "fan_out", "truncated_normal")
    assert (vs.input_axes, vs.output_axes) == ([0], [1])


# reference: GlorotUniform = VS(1, fan_avg, uniform), ... HeUniform = VS(2, fan_in, uniform).
@pytest.mark.parametrize(
    ("cls_name", "params"),
    [
        ("GlorotUniform", (1.0, "fan_avg", "uniform")),
        ("GlorotNormal", (1.0, "fan_avg", "truncated_normal")),
        ("LecunNormal", (1.0, "fan_in", "truncated_normal")),
        ("LecunUniform", (1.0, "fan_in", "uniform")),
        ("HeNormal", (2.0, "fan_in", "truncated_normal")),
        ("HeUniform", (2.0, "fan_in", "uniform")),
    ],
)
def test_named_variance_scalings_expose_their_fixed_parameters(
    cls_name: str, params: tuple[float, str, str]
) -> None:
    init = getattr(initspec, cls_name)(seed=4)
    assert (init.scale, init.mode, init.distribution) == params
    assert init.seed == 4


@pytest.mark.parametrize("name", ["nope", "_config_x", "__wrapped__", "get"])
def test_unknown_attributes_raise_attribute_error(name: str) -> None:
    with pytest.raises(AttributeError):
        getattr(initspec.RandomNormal(), name)


# --- get with classes, instances, callables, arrays ----------------------------------------


@pytest.mark.parametrize("cls_name", CLASS_NAMES)
def test_get_with_a_class_makes_a_new_default_instance(cls_name: str) -> None:
    cls = getattr(initspec, cls_name)
    first, second = initspec.get(cls), initspec.get(cls)
    assert type(first) is cls
    assert first is not second
    assert first == cls()


def test_get_with_an_instance_or_callable_returns_it() -> None:
    init = initspec.HeNormal(seed=2)
    assert initspec.get(init) is init

    def ones(shape: Any, dtype: Any = None) -> np.ndarray[Any, Any]:
        return np.ones(shape)

    assert initspec.get(ones) is ones
    lam = lambda shape, dtype=None: np.zeros(shape)  # noqa: E731
    assert initspec.get(lam) is lam
    assert initspec.get(None) is None


@pytest.mark.parametrize(
    "array",
    [
        np.arange(6, dtype=np.int64).reshape(2, 3),
        np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 1, 4),
        np.array([True, False, True]),
        np.float32(2.5),
        np.int16(-7),
        np.array(3.25),
    ],
    ids=["int-matrix", "float-3d", "bool", "f32-scalar", "i16-scalar", "0d"],
)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_get_with_an_array_returns_it_for_its_own_shape(array: Any, dtype: str) -> None:
    init = initspec.get(array)
    shape = np.shape(array)
    values = np.asarray(array)
    if dtype == "int32" and not np.array_equal(np.floor(values), values):
        # a fraction does not go into an int (Keras 3 truncates it): Constant's rule
        with pytest.raises(InitializerError) as info:
            init(shape, dtype)
        assert [r.type for r in info.value.errors] == ["value_does_not_fit"]
        return
    got = init(shape, dtype)
    assert got.shape == shape
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, values.astype(dtype))
    other = (*shape, 1)
    with pytest.raises(InitializerError) as info:
        init(other, dtype)
    assert info.value.errors[0].type == "shape_mismatch"


def test_get_with_an_array_supports_partitions() -> None:
    array = np.arange(12.0).reshape(3, 4)
    init = initspec.get(array)
    part = init((3, 4), "float64", partition_shape=(2, 2), partition_offset=(1, 1))
    np.testing.assert_array_equal(part, array[1:3, 1:3])


def test_array_values_that_do_not_fit_the_dtype_are_refused() -> None:
    # Constant refuses 300 for int8 (value_does_not_fit); an array identifier must not wrap it.
    with pytest.raises(InitializerError) as info:
        initspec.get(np.array([300.0, 1.0]))((2,), "int8")
    assert info.value.errors[0].type == "value_does_not_fit"


def test_non_numeric_arrays_are_refused_with_an_initializer_error() -> None:
    with pytest.raises(InitializerError):
        initspec.get(np.array(["a", "b"]))((2,))


def test_an_array_identifier_is_not_a_configurable_initializer() -> None:
    # it has no config: it offers none to read, clone or rebuild from (once get_config()
    # gave {} and clone()/from_config() raised a bare TypeError), and serialize() refuses it
    init = initspec.get(np.arange(4.0))
    assert not isinstance(init, initspec.Initializer)
    for name in ("get_config", "clone", "from_config", "config"):
        assert not hasattr(init, name), name
    with pytest.raises(InitializerError) as info:
        initspec.serialize(init)  # type: ignore[arg-type]
    assert [r.type for r in info.value.errors] == ["not_serializable"]
    assert np.array_equal(init((4,), "float64"), np.arange(4.0))


def test_an_array_identifier_and_constant_share_the_memory_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the array exists already: a call needs only its output, as Constant's of the same array
    array = np.arange(1000.0)
    output = array.nbytes
    monkeypatch.setenv("INITSPEC_MAX_BYTES", str(output + output // 2))
    constant = initspec.Constant(array.tolist())
    from_array = initspec.get(array)
    assert np.array_equal(constant((1000,), "float64"), array)
    assert np.array_equal(from_array((1000,), "float64"), array)
    monkeypatch.setenv("INITSPEC_MAX_BYTES", str(output - 1))
    for init in (constant, from_array):
        with pytest.raises(InitializerError) as info:
            init((1000,), "float64")
        assert [r.type for r in info.value.errors] == ["too_large"]


def test_get_copies_the_array() -> None:
    array = np.zeros(3)
    init = initspec.get(array)
    array[:] = 5.0
    np.testing.assert_array_equal(init((3,), "float64"), np.zeros(3))


# --- deserialize ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["he_normal", "Zeros", "OrthogonalInitializer", "constant"])
def test_deserialize_accepts_a_name(name: str) -> None:
    assert initspec.deserialize(name) == initspec.get(name)


def test_deserialize_a_config() -> None:
    config = keras3("RandomNormal", {"seed": 7, "mean": 1.5, "stddev": 0.2})
    assert initspec.deserialize(config) == initspec.RandomNormal(1.5, 0.2, 7)
    assert config == keras3("RandomNormal", {"seed": 7, "mean": 1.5, "stddev": 0.2})  # untouched


def test_numpy_scalars_in_configs_become_python_numbers() -> None:
    init = initspec.get(keras2("RandomNormal", {"seed": np.int64(3), "stddev": np.float32(0.5)}))
    config = init.get_config()
    assert type(config["seed"]) is int
    assert type(config["stddev"]) is float
    json.dumps(config)
    assert init == initspec.RandomNormal(stddev=0.5, seed=3)


def test_scan_reads_hand_written_configs_without_config_as_the_defaults() -> None:
    text = (
        '{"layers": [{"kernel_initializer": {"class_name": "HeNormal"},\n'
        '  "bias_initializer": {"class_name": "Zeros", "config": null},\n'
        '  "gamma_initializer": {"class_name": "Nope"}}]}'
    )
    report = initspec.scan(text)
    by_pointer = {f.pointer: f for f in report.findings}
    assert by_pointer["/layers/0/kernel_initializer"].ok
    assert by_pointer["/layers/0/bias_initializer"].ok
    assert [(e.pointer, e.type) for e in report.errors] == [
        ("/layers/0/gamma_initializer/class_name", "unknown_class_name")
    ]
