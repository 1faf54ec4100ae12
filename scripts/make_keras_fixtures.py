#!/usr/bin/env python3
"""Write real Keras-produced initializer fixtures for initspec's tests.

Every file this script writes is produced by a real Keras installation:
initializer configs come from ``keras.initializers.serialize`` and
``Initializer.get_config``, sample arrays from calling the initializers, and the
model files from ``model.to_json()`` / ``model.save(...)``.  initspec itself does
not depend on Keras; only this generator does.

How to regenerate (from the repository root)
--------------------------------------------
Keras 3 (``tests/fixtures/keras3/``), in an environment with
``keras==3.15.1``, ``jax``, ``scipy`` and ``h5py`` (the numpy backend is forced
by this script; in Keras 3.15 it imports jax)::

    KERAS_BACKEND=numpy python scripts/make_keras_fixtures.py \
        --flavor keras3 --out tests/fixtures

tf-keras, the Keras 2 line (``tests/fixtures/tf_keras/``), in an environment
made with ``python3 -m venv venv-tf && venv-tf/bin/pip install
tensorflow-cpu==2.21.0 tf-keras==2.21.0 h5py``::

    python scripts/make_keras_fixtures.py --flavor tf_keras --out tests/fixtures

The script only writes into ``<out>/<flavor>/`` (it overwrites files of the
same names and deletes nothing).  Keras itself may create its usual
``~/.keras/keras.json`` on import; that is Keras's doing, not this script's.

Determinism
-----------
All seeds are fixed (``keras.utils.set_random_seed`` plus an explicit seed on
every initializer that takes one, and explicit layer/model names), and
``initializers.json``, ``samples.json``, ``samples.npz``, every
``<structure>.json`` and the ``README.md`` are byte-identical across runs with
the same library versions.  What Keras itself embeds and this script leaves
untouched, so that the files stay exactly as Keras wrote them:

* ``.keras`` archives: ``metadata.json`` holds ``date_saved``; the zip entry
  ``model.weights.h5`` carries the save time as its zip timestamp; and where
  an object is shared, ``config.json`` holds ``shared_object_id`` values that
  are CPython ``id()`` numbers (memory addresses), so they change every run.
* ``.h5`` files: ``keras_version``/``backend`` root attributes (stable for a
  given version).

Files
-----
``initializers.json``
    ``{"keras_version", "backend", "flavor", "versions", "name_table",
    "cases": [...], "names": [...]}``;
    ``cases`` holds one record per initializer made by a constructor call or by
    ``initializers.get(identifier)`` (``name``, ``via``, ``class_name``,
    ``serialized``, ``get_config``; tf-keras also ``serialized_legacy`` from
    ``serialize(obj, use_legacy_format=True)``); ``names`` holds one record per
    name in Keras's own lookup table (``name``, ``class_name_resolved``,
    ``serialized`` or ``error``).
``samples.npz`` / ``samples.json``
    float32 (64, 64) arrays drawn from seeded initializers, keyed by case key;
    the sidecar lists the serialized configs, shapes and summary statistics.
``<structure>.json`` / ``.keras`` / ``.h5``
    One small model per structure (see ``STRUCTURES``), as pretty-printed
    ``model.to_json()``, the zip-based ``.keras`` format and legacy HDF5.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FLAVORS = ("keras3", "tf_keras")
GLOBAL_SEED = 1234
SAMPLE_SHAPE = (64, 64)
STRUCTURES = (
    "sequential",
    "functional",
    "nested",
    "rnn",
    "wrappers",
    "shared",
    "all_initializers",
)
# Fixed zip timestamp for the .npz this script writes itself (not Keras).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

KerasModule = Any  # the imported ``keras`` or ``tf_keras`` package
Model = Any


# --------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Env:
    """The imported Keras flavour and facts about it."""

    flavor: str
    keras: KerasModule
    keras_version: str
    backend: str
    versions: dict[str, str]

    @property
    def is_keras3(self) -> bool:
        return self.flavor == "keras3"

    @property
    def init(self) -> Any:
        """The ``keras.initializers`` namespace."""
        return self.keras.initializers

    @property
    def layers(self) -> Any:
        return self.keras.layers


def import_flavor(flavor: str) -> Env:
    """Import Keras 3 (numpy backend) or tf-keras and seed everything."""
    if flavor == "keras3":
        os.environ["KERAS_BACKEND"] = "numpy"
        import keras

        keras.utils.set_random_seed(GLOBAL_SEED)
        versions = {"keras": keras.__version__, "numpy": np.__version__}
        for dist in ("jax", "scipy", "h5py"):
            versions[dist] = _dist_version(dist)
        return Env(
            flavor=flavor,
            keras=keras,
            keras_version=keras.__version__,
            backend=keras.backend.backend(),
            versions=versions,
        )
    if flavor == "tf_keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
        import tf_keras

        tf_keras.utils.set_random_seed(GLOBAL_SEED)
        tf.config.experimental.enable_op_determinism()
        versions = {
            "tf_keras": tf_keras.__version__,
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
            "h5py": _dist_version("h5py"),
        }
        return Env(
            flavor=flavor,
            keras=tf_keras,
            keras_version=tf_keras.__version__,
            backend=tf_keras.backend.backend(),
            versions=versions,
        )
    raise ValueError(f"unknown flavor {flavor!r}; expected one of {FLAVORS}")


def _dist_version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


# --------------------------------------------------------------------------
# JSON helpers
# --------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """Return ``value`` if it is plain JSON; otherwise describe why not.

    Keras's own ``serialize`` output is expected to be plain JSON.  If it ever
    is not, the record keeps a marker instead of silently converting.
    """
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        marker = {"__not_json__": f"{type(exc).__name__}: {exc}"}
        text = repr(value)
        if " at 0x" not in text:  # keep only address-free, stable reprs
            marker["python_repr"] = " ".join(text.split())
        return marker
    return value


def dump_json(path: Path, payload: Any) -> None:
    text = json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def short_error(exc: BaseException) -> str:
    """First line of the error, plus Keras's 'Exception encountered' line."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    head = lines[0] if lines else ""
    if " using config=" in head:
        head = head.split(" using config=")[0]
    cause = [
        ln.split(". Please")[0] + "." for ln in lines[1:] if ln.startswith("Exception encountered")
    ]
    return " ".join([f"{type(exc).__name__}: {head}", *cause[:1]])


# --------------------------------------------------------------------------
# initializers.json
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    """One initializer made by a constructor call or ``initializers.get``."""

    name: Any  # expression text (constructor) or the identifier passed to get
    via: str  # "constructor" or "get"
    make: Callable[[], Any]


def ctor(env: Env, class_name: str, *args: Any, label: str | None = None, **kwargs: Any) -> Case:
    """A constructor case; ``label`` overrides the auto-generated text."""
    cls = getattr(env.init, class_name)
    if label is None:
        parts = [repr(a) for a in args]
        parts += [f"{k}={v!r}" for k, v in kwargs.items()]
        label = f"{class_name}({', '.join(parts)})"
    return Case(name=label, via="constructor", make=lambda: cls(*args, **kwargs))


def getter(env: Env, identifier: Any) -> Case:
    return Case(name=identifier, via="get", make=lambda: env.init.get(identifier))


def builtin_classes(env: Env) -> list[type]:
    """Every built-in initializer class of this Keras, sorted by name."""
    if env.is_keras3:
        from keras.src import initializers as src

        classes = set(src.ALL_OBJECTS)
    else:
        classes = set(name_table(env).values())
    return sorted(classes, key=lambda c: c.__name__)


NAME_TABLE_TEXT = {
    "keras3": "keras.src.initializers.ALL_OBJECTS_DICT",
    "tf_keras": "tf_keras.src.initializers.LOCAL.ALL_OBJECTS "
    "(after populate_deserializable_objects(), TF2 behaviour)",
}


def name_table(env: Env) -> dict[str, Any]:
    """Keras's own name -> class table used by ``initializers.get``."""
    if env.is_keras3:
        from keras.src import initializers as src

        return dict(src.ALL_OBJECTS_DICT)
    from tf_keras.src import initializers as src

    src.populate_deserializable_objects()
    return dict(src.LOCAL.ALL_OBJECTS)


def initializer_cases(env: Env) -> list[Case]:
    """Default-args cases for every class, then non-default cases."""
    cases = [
        Case(name=f"{cls.__name__}()", via="constructor", make=cls) for cls in builtin_classes(env)
    ]

    def c(class_name: str, *args: Any, **kwargs: Any) -> None:
        cases.append(ctor(env, class_name, *args, **kwargs))

    c("RandomNormal", mean=1.5, stddev=0.2, seed=7)
    c("RandomUniform", -1, 2, seed=3)
    c("RandomUniform", minval=-0.25, maxval=0.75, seed=4)
    c("TruncatedNormal", mean=0.5, stddev=0.1, seed=13)
    c("GlorotNormal", seed=1)
    c("GlorotUniform", seed=2)
    c("HeNormal", seed=3)
    c("HeUniform", seed=4)
    c("LecunNormal", seed=5)
    c("LecunUniform", seed=6)
    seed = 100
    for mode in ("fan_in", "fan_out", "fan_avg"):
        for dist in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            c("VarianceScaling", scale=2.5, mode=mode, distribution=dist, seed=seed)
            seed += 1
    c("VarianceScaling", 0.5, "fan_avg", "uniform", 42)  # positional
    c("Constant", 2.5)
    c("Constant", 3)
    c("Constant", -0.0)
    c(
        "Constant",
        np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32),
        label="Constant(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))",
    )
    c(
        "Constant",
        np.array([1, 2, 3], dtype=np.int64),
        label="Constant(np.array([1, 2, 3], dtype=np.int64))",
    )
    c("Constant", np.float32(0.5), label="Constant(np.float32(0.5))")
    c("Constant", [0.1, 0.2])
    c("Orthogonal", gain=2.0, seed=5)
    c("Identity", gain=3.0)

    if env.is_keras3:
        keras = env.keras
        c(
            "RandomNormal",
            seed=keras.random.SeedGenerator(11),
            label="RandomNormal(seed=keras.random.SeedGenerator(11))",
        )
        c(
            "Orthogonal",
            gain=0.5,
            seed=keras.random.SeedGenerator(12),
            label="Orthogonal(gain=0.5, seed=keras.random.SeedGenerator(12))",
        )
        c(
            "VarianceScaling",
            scale=2.5,
            mode="fan_in",
            distribution="untruncated_normal",
            seed=21,
            input_axes=[0, 1],
            output_axes=[2],
        )
        c("GlorotUniform", seed=22, input_axes=[0], output_axes=[1, 2])
        c("HeNormal", seed=23, input_axes=[1], output_axes=[0])
        c("LecunUniform", input_axes=[0], output_axes=[1])
        c("STFT", side="imag", window="hamming", scaling="spectrum", periodic=True)
        c(
            "STFT",
            side="real",
            window=[0.25, 0.5, 1.0, 0.5],
            scaling="density",
            periodic=False,
        )
        c("STFT", window=None, scaling=None)
        c("STFT", "imag", "hann", "density", True)  # positional

    for ident in (
        "he_normal",
        "glorot_uniform",
        "zeros",
        "ones",
        "orthogonal",
        "identity",
        "uniform",
        "normal",
        "one",
        "zero",
    ):
        cases.append(getter(env, ident))
    cases.append(
        getter(
            env,
            {
                "class_name": "RandomNormal",
                "config": {"mean": 1.0, "stddev": 0.5, "seed": 9},
            },
        )
    )
    cases.append(
        getter(
            env,
            {
                "class_name": "VarianceScaling",
                "config": {
                    "scale": 2.0,
                    "mode": "fan_out",
                    "distribution": "uniform",
                    "seed": 10,
                },
            },
        )
    )
    cases.append(
        getter(
            env,
            {
                "module": "keras.initializers",
                "class_name": "Orthogonal",
                "config": {"gain": 1.5, "seed": 8},
                "registered_name": None,
            },
        )
    )
    return cases


def case_record(env: Env, case: Case) -> dict[str, Any]:
    record: dict[str, Any] = {"name": case.name, "via": case.via}
    try:
        obj = case.make()
    except Exception as exc:  # record what Keras said
        record["error"] = error_text(exc)
        return record
    record["class_name"] = type(obj).__name__
    try:
        record["serialized"] = jsonable(env.init.serialize(obj))
    except Exception as exc:
        record["serialized_error"] = error_text(exc)
    if not env.is_keras3:
        try:
            legacy = env.init.serialize(obj, use_legacy_format=True)
            record["serialized_legacy"] = jsonable(legacy)
        except Exception as exc:
            record["serialized_legacy_error"] = error_text(exc)
    try:
        record["get_config"] = jsonable(obj.get_config())
    except Exception as exc:
        record["get_config_error"] = error_text(exc)
    return record


def name_record(env: Env, name: str) -> dict[str, Any]:
    record: dict[str, Any] = {"name": name}
    try:
        obj = env.init.get(name)
        record["class_name_resolved"] = type(obj).__name__
        record["serialized"] = jsonable(env.init.serialize(obj))
    except Exception as exc:  # e.g. Keras 3 get("constant")
        record["error"] = error_text(exc)
    return record


def write_initializers(env: Env, out: Path) -> None:
    payload = {
        "keras_version": env.keras_version,
        "backend": env.backend,
        "flavor": env.flavor,
        "versions": env.versions,
        "name_table": NAME_TABLE_TEXT[env.flavor],
        "cases": [case_record(env, case) for case in initializer_cases(env)],
        "names": [name_record(env, n) for n in sorted(name_table(env))],
    }
    dump_json(out / "initializers.json", payload)


# --------------------------------------------------------------------------
# samples.npz / samples.json
# --------------------------------------------------------------------------


def sample_cases(env: Env) -> list[tuple[str, Case]]:
    return [
        ("random_uniform", ctor(env, "RandomUniform", minval=-1.0, maxval=2.0, seed=3)),
        ("random_normal", ctor(env, "RandomNormal", mean=1.5, stddev=0.2, seed=7)),
        (
            "truncated_normal",
            ctor(env, "TruncatedNormal", mean=0.0, stddev=1.0, seed=13),
        ),
        ("glorot_uniform", ctor(env, "GlorotUniform", seed=21)),
        ("he_normal", ctor(env, "HeNormal", seed=22)),
        (
            "variance_scaling_untruncated_normal",
            ctor(
                env,
                "VarianceScaling",
                scale=2.5,
                mode="fan_avg",
                distribution="untruncated_normal",
                seed=23,
            ),
        ),
        ("orthogonal", ctor(env, "Orthogonal", gain=2.0, seed=5)),
    ]


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but with fixed zip timestamps."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def write_samples(env: Env, out: Path) -> None:
    arrays: dict[str, np.ndarray] = {}
    entries = []
    for key, case in sample_cases(env):
        obj = case.make()
        values = np.asarray(obj(shape=SAMPLE_SHAPE, dtype="float32"))
        assert values.dtype == np.float32, (key, values.dtype)
        assert values.shape == SAMPLE_SHAPE, (key, values.shape)
        arrays[key] = values
        entries.append(
            {
                "key": key,
                "name": case.name,
                "serialized": jsonable(env.init.serialize(obj)),
                "shape": list(values.shape),
                "dtype": str(values.dtype),
                "stats": {
                    "mean": round(float(values.mean(dtype=np.float64)), 6),
                    "std": round(float(values.std(dtype=np.float64)), 6),
                    "min": round(float(values.min()), 6),
                    "max": round(float(values.max()), 6),
                },
            }
        )
    write_npz(out / "samples.npz", arrays)
    dump_json(
        out / "samples.json",
        {
            "keras_version": env.keras_version,
            "backend": env.backend,
            "flavor": env.flavor,
            "call": "initializer(shape=(64, 64), dtype='float32')",
            "samples": entries,
        },
    )


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------


def build_sequential(env: Env) -> Model:
    K, L, init = env.keras, env.layers, env.init
    return K.Sequential(
        [
            K.Input(shape=(4,), name="seq_input"),
            L.Dense(
                4,
                kernel_initializer="he_normal",
                bias_initializer="zeros",
                name="dense_he_normal_str",
            ),
            L.Dense(
                3,
                kernel_initializer=init.RandomNormal(mean=0.0, stddev=0.2, seed=7),
                bias_initializer=init.Constant(0.1),
                name="dense_random_normal",
            ),
            L.BatchNormalization(
                gamma_initializer=init.RandomUniform(minval=0.9, maxval=1.1, seed=8),
                beta_initializer="zeros",
                moving_mean_initializer=init.Constant(0.5),
                moving_variance_initializer="ones",
                name="batch_norm",
            ),
            L.Dense(
                2,
                kernel_initializer=init.GlorotUniform(seed=11),
                bias_initializer="zeros",
                activation="softmax",
                name="dense_glorot_uniform",
            ),
        ],
        name="sequential_fixture",
    )


def build_functional(env: Env) -> Model:
    K, L, init = env.keras, env.layers, env.init
    inp = K.Input(shape=(8, 8, 2), name="image")
    x = L.Conv2D(
        3,
        3,
        padding="same",
        kernel_initializer=init.HeUniform(seed=1),
        bias_initializer=init.Constant(0.01),
        name="conv",
    )(inp)
    x = L.PReLU(alpha_initializer=init.Constant(0.25), shared_axes=[1, 2], name="prelu")(x)
    x = L.DepthwiseConv2D(
        3,
        padding="same",
        depthwise_initializer=init.TruncatedNormal(stddev=0.1, seed=2),
        bias_initializer="zeros",
        name="depthwise",
    )(x)
    x = L.SeparableConv2D(
        4,
        3,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer=init.LecunNormal(seed=4),
        bias_initializer=init.Constant(0.0),
        name="separable",
    )(x)
    x = L.GlobalAveragePooling2D(name="pool")(x)
    out = L.Dense(
        2,
        kernel_initializer=init.VarianceScaling(
            scale=2.0, mode="fan_out", distribution="uniform", seed=5
        ),
        name="head",
    )(x)
    return K.Model(inp, out, name="functional_fixture")


def build_nested(env: Env) -> Model:
    K, L, init = env.keras, env.layers, env.init
    inner_seq = K.Sequential(
        [
            K.Input(shape=(4,), name="inner_seq_input"),
            L.Dense(
                3,
                kernel_initializer=init.Orthogonal(gain=1.0, seed=8),
                name="inner_seq_dense_orthogonal",
            ),
            L.Dense(
                3,
                kernel_initializer="lecun_uniform",
                bias_initializer=init.Constant(0.2),
                name="inner_seq_dense_lecun_uniform",
            ),
        ],
        name="inner_sequential",
    )

    # A functional submodel that itself contains a Sequential (depth 2).
    deep_seq = K.Sequential(
        [
            K.Input(shape=(3,), name="deep_seq_input"),
            L.Dense(
                3,
                kernel_initializer=init.RandomUniform(-0.3, 0.3, seed=12),
                name="deep_seq_dense",
            ),
        ],
        name="deepest_sequential",
    )
    f_in = K.Input(shape=(3,), name="inner_func_input")
    f_x = L.Dense(
        3,
        kernel_initializer=init.Identity(gain=2.0),
        bias_initializer="ones",
        name="inner_func_dense_identity",
    )(f_in)
    f_x = deep_seq(f_x)
    inner_func = K.Model(f_in, f_x, name="inner_functional")

    inp = K.Input(shape=(4,), name="outer_input")
    x = L.Dense(4, kernel_initializer=init.GlorotNormal(seed=9), name="outer_dense")(inp)
    x = inner_seq(x)
    x = inner_func(x)
    out = L.Dense(1, kernel_initializer="zeros", name="outer_head")(x)
    return K.Model(inp, out, name="nested_fixture")


def build_rnn(env: Env) -> Model:
    K, L, init = env.keras, env.layers, env.init
    inp = K.Input(shape=(5,), dtype="int32", name="tokens")
    x = L.Embedding(
        10,
        3,
        embeddings_initializer=init.RandomUniform(-0.1, 0.1, seed=21),
        name="embedding",
    )(inp)
    x = L.LSTM(
        4,
        return_sequences=True,
        kernel_initializer=init.GlorotUniform(seed=22),
        recurrent_initializer=init.Orthogonal(gain=1.0, seed=23),
        bias_initializer="zeros",
        unit_forget_bias=True,
        name="lstm",
    )(x)
    x = L.GRU(
        3,
        return_sequences=True,
        kernel_initializer=init.LecunUniform(seed=24),
        recurrent_initializer=init.Orthogonal(gain=0.5, seed=25),
        bias_initializer=init.Constant(0.1),
        name="gru",
    )(x)
    simple_cell = L.SimpleRNNCell(
        3,
        kernel_initializer=init.HeNormal(seed=26),
        recurrent_initializer=init.Orthogonal(seed=27),
        bias_initializer=init.Constant(-0.05),
        name="simple_cell",
    )
    x = L.RNN(simple_cell, return_sequences=True, name="rnn_single_cell")(x)
    stacked = L.StackedRNNCells(
        [
            L.LSTMCell(
                2,
                kernel_initializer=init.RandomNormal(stddev=0.1, seed=28),
                recurrent_initializer=init.Orthogonal(gain=1.5, seed=29),
                name="stacked_lstm_cell",
            ),
            L.GRUCell(
                2,
                kernel_initializer=init.TruncatedNormal(stddev=0.2, seed=30),
                recurrent_initializer="orthogonal",
                bias_initializer="zeros",
                name="stacked_gru_cell",
            ),
        ],
        name="stacked_cells",
    )
    out = L.RNN(stacked, name="rnn_stacked_cells")(x)
    return K.Model(inp, out, name="rnn_fixture")


def build_wrappers(env: Env) -> Model:
    K, L, init = env.keras, env.layers, env.init
    inp = K.Input(shape=(5, 3), name="sequence")
    forward = L.LSTM(
        2,
        return_sequences=True,
        kernel_initializer=init.GlorotUniform(seed=41),
        recurrent_initializer=init.Orthogonal(seed=42),
        name="forward_lstm",
    )
    backward = L.LSTM(
        2,
        return_sequences=True,
        go_backwards=True,
        kernel_initializer=init.RandomNormal(stddev=0.3, seed=43),
        recurrent_initializer=init.Orthogonal(gain=0.5, seed=44),
        bias_initializer=init.Constant(0.2),
        name="backward_lstm",
    )
    x = L.Bidirectional(
        forward, backward_layer=backward, merge_mode="concat", name="bidirectional"
    )(inp)
    x = L.TimeDistributed(
        L.Dense(
            2,
            kernel_initializer=init.HeNormal(seed=45),
            bias_initializer=init.Constant(-0.1),
            name="td_dense",
        ),
        name="time_distributed",
    )(x)
    return K.Model(inp, x, name="wrappers_fixture")


def build_shared(env: Env) -> Model:
    """One initializer object (and, in Keras 3, one SeedGenerator) reused."""
    K, L, init = env.keras, env.layers, env.init
    shared_kernel = init.GlorotUniform(seed=51)
    if env.is_keras3:
        shared_seed = env.keras.random.SeedGenerator(52)
        bias_a = init.RandomNormal(stddev=0.01, seed=shared_seed)
        bias_b = init.RandomUniform(-0.01, 0.01, seed=shared_seed)
    else:
        bias_a = init.RandomNormal(stddev=0.01, seed=52)
        bias_b = init.RandomUniform(-0.01, 0.01, seed=52)
    shared_bias = init.Constant(0.3)
    inp = K.Input(shape=(4,), name="shared_input")
    x = L.Dense(4, kernel_initializer=shared_kernel, bias_initializer=bias_a, name="dense_a")(inp)
    x = L.Dense(4, kernel_initializer=shared_kernel, bias_initializer=bias_b, name="dense_b")(x)
    x = L.Dense(
        4,
        kernel_initializer=shared_kernel,
        bias_initializer=shared_bias,
        name="dense_c",
    )(x)
    out = L.Dense(
        2,
        kernel_initializer="he_uniform",
        bias_initializer=shared_bias,
        name="dense_d",
    )(x)
    return K.Model(inp, out, name="shared_fixture")


def build_all_initializers(env: Env) -> Model:
    """Layers that together use every built-in class with non-default args.

    ``Initializer`` (the abstract base) cannot initialize a weight and is only
    covered in initializers.json; ``Ones``/``Zeros`` take no arguments.
    """
    K, L, init = env.keras, env.layers, env.init
    # (suffix, kernel_initializer, bias_initializer): kernel and bias each
    # use a different class so the model stays small.  VarianceScaling on a
    # 1-D bias is legal (fan_in == fan_out == units).
    dense_specs: list[tuple[str, Any, Any]] = [
        ("identity_constant", init.Identity(gain=3.0), init.Constant(0.5)),
        ("orthogonal_ones", init.Orthogonal(gain=2.0, seed=5), init.Ones()),
        (
            "random_normal_random_uniform",
            init.RandomNormal(mean=1.5, stddev=0.2, seed=7),
            init.RandomUniform(-1, 2, seed=3),
        ),
        (
            "truncated_normal_zeros",
            init.TruncatedNormal(mean=0.1, stddev=0.3, seed=9),
            init.Zeros(),
        ),
        (
            "glorot_normal_constant_array",
            init.GlorotNormal(seed=10),
            init.Constant(np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)),
        ),
        ("glorot_uniform_constant_int", init.GlorotUniform(seed=11), init.Constant(1)),
        ("he_normal_lecun_uniform", init.HeNormal(seed=12), init.LecunUniform(seed=15)),
        ("he_uniform_lecun_normal", init.HeUniform(seed=13), init.LecunNormal(seed=14)),
        (
            "vs_fan_in_truncated_vs_fan_out_untruncated",
            init.VarianceScaling(
                scale=2.5, mode="fan_in", distribution="truncated_normal", seed=16
            ),
            init.VarianceScaling(
                scale=0.5, mode="fan_out", distribution="untruncated_normal", seed=17
            ),
        ),
        (
            "vs_fan_avg_uniform_vs_normal_alias",
            init.VarianceScaling(scale=1.5, mode="fan_avg", distribution="uniform", seed=18),
            init.VarianceScaling(scale=2.0, mode="fan_in", distribution="normal", seed=19),
        ),
    ]
    if env.is_keras3:
        dense_specs.append(
            (
                "vs_axes_seed_generator",
                init.VarianceScaling(
                    scale=2.5,
                    mode="fan_avg",
                    distribution="untruncated_normal",
                    seed=20,
                    input_axes=[0],
                    output_axes=[1],
                ),
                init.RandomNormal(mean=0.0, stddev=0.1, seed=env.keras.random.SeedGenerator(11)),
            )
        )

    inp = K.Input(shape=(4,), name="features")
    x = inp
    for suffix, kernel_init, bias_init in dense_specs:
        x = L.Dense(
            4,
            kernel_initializer=kernel_init,
            bias_initializer=bias_init,
            name=f"dense_{suffix}",
        )(x)
    outputs = [x]
    inputs = [inp]

    if env.is_keras3:
        # EinsumDense keeps explicit axes on its kernel initializer.
        ein = L.EinsumDense(
            "ab,bcd->acd",
            output_shape=(2, 2),
            kernel_initializer=init.HeNormal(seed=61, input_axes=[0], output_axes=[1, 2]),
            bias_axes="d",
            bias_initializer=init.Constant(0.05),
            name="einsum_dense_axes",
        )(inp)
        outputs.append(ein)

        audio = K.Input(shape=(32, 1), name="audio")
        inputs.append(audio)
        # STFT as a layer-config initializer: Conv1D kernel (T, 1, F//2+1).
        stft_conv = L.Conv1D(
            5,
            8,
            strides=4,
            use_bias=False,
            kernel_initializer=init.STFT(
                side="imag", window="hamming", scaling="spectrum", periodic=True
            ),
            name="conv1d_stft_imag",
        )(audio)
        stft_conv_list = L.Conv1D(
            5,
            4,
            strides=4,
            use_bias=False,
            kernel_initializer=init.STFT(
                side="real",
                window=[0.25, 0.5, 1.0, 0.5],
                scaling="density",
                periodic=False,
            ),
            name="conv1d_stft_window_list",
        )(audio)
        # STFTSpectrogram builds STFT kernels internally; its config has
        # window/scaling/periodic, not initializer dicts.
        spec = L.STFTSpectrogram(
            mode="magnitude",
            frame_length=8,
            frame_step=4,
            fft_length=8,
            window="hann",
            periodic=True,
            scaling="density",
            name="stft_spectrogram",
        )(audio)
        outputs += [stft_conv, stft_conv_list, spec]

    return K.Model(inputs, outputs, name="all_initializers_fixture")


BUILDERS: dict[str, Callable[[Env], Model]] = {
    "sequential": build_sequential,
    "functional": build_functional,
    "nested": build_nested,
    "rnn": build_rnn,
    "wrappers": build_wrappers,
    "shared": build_shared,
    "all_initializers": build_all_initializers,
}


@dataclasses.dataclass
class ModelResult:
    structure: str
    written: list[str]
    notes: list[str]


def save_model_files(env: Env, structure: str, out: Path) -> ModelResult:
    model = BUILDERS[structure](env)
    result = ModelResult(structure=structure, written=[], notes=[])

    config = json.loads(model.to_json())
    dump_json(out / f"{structure}.json", config)
    result.written.append(f"{structure}.json")

    for ext in ("keras", "h5"):
        path = out / f"{structure}.{ext}"
        try:
            model.save(str(path))
        except Exception as exc:  # report, don't hide
            result.notes.append(f"{path.name}: save failed: {error_text(exc)}")
            if path.exists():
                path.unlink()
            continue
        result.written.append(path.name)

    verify_model_files(env, model, out, result)
    return result


def verify_model_files(env: Env, model: Model, out: Path, result: ModelResult) -> None:
    """Load every written file back with the same Keras and compare weights.

    A failure is a fact about Keras worth shipping in the README, so it is
    recorded as a note instead of aborting the run.
    """
    ref = [np.asarray(w) for w in model.get_weights()]
    ok = []
    for name in result.written:
        try:
            _verify_one(env, model, ref, out / name)
        except Exception as exc:
            result.notes.append(
                f"{name}: loading back with the same Keras failed: {short_error(exc)}"
            )
        else:
            ok.append(name)
    result.notes.append("loaded back OK: " + ", ".join(ok))


def _verify_one(env: Env, model: Model, ref: list[np.ndarray], path: Path) -> None:
    import h5py

    K = env.keras
    if path.suffix == ".json":
        rebuilt = K.models.model_from_json(path.read_text("utf-8"))
        assert len(rebuilt.weights) == len(model.weights), path.name
        return
    if path.suffix == ".keras":
        with zipfile.ZipFile(path) as zf:
            members = set(zf.namelist())
        assert {"config.json", "metadata.json"} <= members, members
    else:
        with h5py.File(path, "r") as f:
            assert "model_config" in f.attrs, path.name
    loaded = K.models.load_model(str(path), compile=False)
    _assert_same_weights(ref, loaded.get_weights(), path.name)


def _assert_same_weights(ref: list[np.ndarray], got: list[Any], label: str) -> None:
    assert len(ref) == len(got), (label, len(ref), len(got))
    for a, b in zip(ref, got, strict=True):
        np.testing.assert_array_equal(a, np.asarray(b), err_msg=label)


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------

STRUCTURE_TEXT = {
    "sequential": (
        "a Sequential model: Dense layers with a string initializer "
        "('he_normal'), seeded objects (RandomNormal, GlorotUniform), "
        "Constant and 'zeros' biases, and a BatchNormalization with gamma/beta/"
        "moving_mean/moving_variance initializers"
    ),
    "functional": (
        "a Functional model: Conv2D (kernel/bias), PReLU (alpha_initializer), "
        "DepthwiseConv2D (depthwise_initializer), SeparableConv2D "
        "(depthwise_/pointwise_initializer) and a VarianceScaling Dense head"
    ),
    "nested": (
        "a Functional model whose layers include a nested Sequential "
        "('inner_sequential') and a nested Functional ('inner_functional') "
        "that itself contains a Sequential ('deepest_sequential')"
    ),
    "rnn": (
        "a Functional model with an Embedding (embeddings_initializer), LSTM "
        "and GRU (kernel/recurrent/bias initializers, Orthogonal recurrent), "
        "an RNN wrapping one SimpleRNNCell, and an RNN wrapping "
        "StackedRNNCells of an LSTMCell and a GRUCell"
    ),
    "wrappers": (
        "a Functional model with Bidirectional(LSTM) given an explicit, "
        "differently initialized backward_layer, then TimeDistributed(Dense)"
    ),
    "shared": (
        "a Functional model where one GlorotUniform object is the "
        "kernel_initializer of three Dense layers and one Constant object the "
        "bias_initializer of two (Keras 3: one SeedGenerator is also the seed "
        "of two initializers)"
    ),
    "all_initializers": (
        "a Functional chain of 4-unit Dense layers whose kernel and bias "
        "initializers together use every built-in initializer class, with "
        "non-default arguments where the class has any (Identity on the "
        "square kernel, Orthogonal, Constant float/int/numpy array, Ones, "
        "Zeros, every VarianceScaling mode and distribution incl. the "
        "'normal' alias); the abstract base `Initializer` is only in "
        "initializers.json"
    ),
}
KERAS3_EXTRA = (
    "; Keras 3 extras: a Dense with VarianceScaling input_axes/output_axes, a "
    "SeedGenerator seed, an EinsumDense with HeNormal input_axes/output_axes, "
    "two Conv1D layers with STFT kernel initializers (one with a list window) "
    "and an STFTSpectrogram layer (whose config holds window/scaling/"
    "periodic, not initializer dicts)"
)
FORMAT_TEXT = {
    "json": "`model.to_json()`, re-indented with indent=2 (key order kept)",
    "keras": (
        "`model.save(path)`, zip-based `.keras` format (members `metadata.json`, "
        "`config.json` = the model config, `model.weights.h5`)"
    ),
    "h5": (
        "`model.save(path)`, legacy HDF5 (model config = JSON string in the root "
        "attribute `model_config`, beside `keras_version` and `backend`)"
    ),
}


def write_readme(env: Env, out: Path, results: list[ModelResult]) -> None:
    if env.is_keras3:
        who = f"Keras {env.keras_version}, {env.backend} backend"
        detail = (
            f"jax {env.versions['jax']}, scipy {env.versions['scipy']}, "
            f"h5py {env.versions['h5py']}, numpy {env.versions['numpy']}"
        )
        cmd = (
            "KERAS_BACKEND=numpy python scripts/make_keras_fixtures.py "
            "--flavor keras3 --out tests/fixtures"
        )
        env_text = "an environment with keras==3.15.1, jax, scipy and h5py"
        table = "`keras.src.initializers.ALL_OBJECTS_DICT`"
        legacy = ""
    else:
        who = f"tf-keras {env.keras_version} on TensorFlow {env.versions['tensorflow']}"
        detail = f"h5py {env.versions['h5py']}, numpy {env.versions['numpy']}"
        cmd = "python scripts/make_keras_fixtures.py --flavor tf_keras --out tests/fixtures"
        env_text = "an environment with tensorflow-cpu==2.21.0, tf-keras==2.21.0 and h5py"
        table = (
            "`tf_keras.src.initializers.LOCAL.ALL_OBJECTS` (filled by "
            "`populate_deserializable_objects()`)"
        )
        legacy = ", `serialized_legacy` (`serialize(obj, use_legacy_format=True)`)"
    paras = [
        f"# `{env.flavor}` fixtures",
        f"Every file in this folder was written by {who} ({detail}) through "
        "`scripts/make_keras_fixtures.py`. Every file is regenerated by this exact "
        f"command, run from the repository root in {env_text}:",
        f"```\n{cmd}\n```",
        f"`initializers.json` ({who}): a JSON object `{{keras_version, backend, "
        "flavor, versions, name_table, cases, names}`. `cases`: one record per "
        'initializer built by a constructor call (`via: "constructor"`, `name` = '
        'the call as text) or by `initializers.get(identifier)` (`via: "get"`, '
        f"`name` = the identifier), with `class_name`, `serialized` "
        f"(`keras.initializers.serialize(obj)`){legacy} and `get_config`; every "
        "built-in class appears with default and with non-default arguments. "
        f"`names`: one record per name in Keras's own lookup table {table}, with "
        "`class_name_resolved` and `serialized` of `initializers.get(name)`, or "
        "`error` where Keras itself fails. A value Keras returned that is not plain "
        'JSON is replaced by `{"__not_json__": ..., "python_repr": ...}`.',
        f"`samples.npz` ({who}): float32 arrays of shape (64, 64), one per key, "
        "from seeded initializers called as `initializer(shape=(64, 64), "
        "dtype='float32')`; zip written with fixed timestamps.",
        f"`samples.json` ({who}): sidecar of `samples.npz`: per key the "
        "constructor text, serialized config, shape, dtype and mean/std/min/max.",
    ]
    for res in results:
        what = STRUCTURE_TEXT[res.structure]
        if res.structure == "all_initializers" and env.is_keras3:
            what += KERAS3_EXTRA
        paras.append(f"## `{res.structure}`")
        paras.append(f"{what[0].upper() + what[1:]}.")
        for name in res.written:
            ext = name.rsplit(".", 1)[1]
            text = f"`{name}` ({who}): the `{res.structure}` model, {FORMAT_TEXT[ext]}."
            notes = [n for n in res.notes if n.startswith(name + ":") and "failed" in n]
            if notes:
                text += " Note: " + " ".join(notes)
            paras.append(text)
        paras += [f"Not written: {n}" for n in res.notes if "save failed" in n]
    paras.append(
        "Everything here is byte-identical across runs except what Keras embeds in "
        "`.keras` files: `date_saved` in `metadata.json`, the zip timestamp of the "
        "`model.weights.h5` member, and the `shared_object_id` numbers (Python "
        "`id()` values) that `config.json` carries wherever Keras serializes one "
        "object more than once while saving (an initializer passed to several "
        "layers; in Keras 3 also the shared DTypePolicy; and initializers that "
        "some layers, e.g. LSTM/GRU, serialize twice internally)."
    )
    (out / "README.md").write_text("\n\n".join(paras) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavor", choices=FLAVORS, required=True)
    parser.add_argument(
        "--out", type=Path, required=True, help="fixtures root; files go to OUT/FLAVOR/"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = import_flavor(args.flavor)
    out = args.out / args.flavor
    out.mkdir(parents=True, exist_ok=True)

    write_initializers(env, out)
    write_samples(env, out)
    results = [save_model_files(env, s, out) for s in STRUCTURES]
    write_readme(env, out, results)

    print(f"{env.flavor}: Keras {env.keras_version}, backend {env.backend}")
    for path in sorted(out.iterdir()):
        print(f"  {path.name:28s} {path.stat().st_size:>8d} bytes")
    for res in results:
        for note in res.notes:
            print(f"  [{res.structure}] {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
