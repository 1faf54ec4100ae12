#!/usr/bin/env python3
"""Write the fixtures of the older Keras file forms (``tests/fixtures/legacy/``).

Two parts, each run from the repository root:

``--part keras1`` (any environment with PyYAML and h5py; no Keras 1 installs on a current
Python): Keras 1.2 model files written from Keras 1's documented layer configs, the way Keras 1
wrote them: ``model.to_json()`` (``{"class_name", "config", "keras_version": "1.2.2"}``, a
Sequential's config being the list of its layers), ``model.to_yaml()`` (``yaml.dump`` of the
same dict, shapes as Python tuples) and ``model.save()`` (``.h5``: the config without
``keras_version`` in the ``model_config`` attribute, the version in the ``keras_version``
attribute)::

    python scripts/make_legacy_fixtures.py --part keras1 --out tests/fixtures/legacy

``--part tf_keras`` (an environment with ``tensorflow-cpu==2.21.0 tf-keras==2.21.0 pyyaml``):
a Keras 2 ``model.to_yaml()`` file, made as Keras 2 made it (``yaml.dump`` of the model's
``_updated_config()``, with its tuples; tf-keras 2.21 no longer has ``to_yaml``), and a
SavedModel directory written by ``model.save(dir, save_format="tf")``, of which only
``keras_metadata.pb`` is kept (``saved_model.pb``, the TensorFlow graph, is 2 MB, and
``variables/`` holds weights: initspec reads neither)::

    python scripts/make_legacy_fixtures.py --part tf_keras --out tests/fixtures/legacy

Both parts are deterministic except what TensorFlow embeds in ``saved_model.pb``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

KERAS1_VERSION = "1.2.2"


def _dense(name: str, units: int, init: str, **extra: Any) -> dict[str, Any]:
    config = {
        "name": name,
        "trainable": True,
        "output_dim": units,
        "init": init,
        "activation": "linear",
        "W_regularizer": None,
        "b_regularizer": None,
        "activity_regularizer": None,
        "W_constraint": None,
        "b_constraint": None,
        "bias": True,
        "input_dim": None,
        **extra,
    }
    return {"class_name": "Dense", "config": config}


def _recurrent(kind: str, name: str, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": name,
        "trainable": True,
        "return_sequences": False,
        "go_backwards": False,
        "stateful": False,
        "unroll": False,
        "consume_less": "cpu",
        "output_dim": 8,
        "init": "glorot_uniform",
        "inner_init": "orthogonal",
        "activation": "tanh",
        "W_regularizer": None,
        "U_regularizer": None,
        "b_regularizer": None,
        "dropout_W": 0.0,
        "dropout_U": 0.0,
        **extra,
    }
    if kind in ("LSTM", "GRU"):
        config["inner_activation"] = "hard_sigmoid"
    if kind == "LSTM":
        config["forget_bias_init"] = "one"
    return {"class_name": kind, "config": config}


def keras1_sequential() -> dict[str, Any]:
    """A Keras 1.2 Sequential: Embedding, LSTM, GRU, SimpleRNN, Dense, BatchNormalization, PReLU."""
    layers = [
        {
            "class_name": "Embedding",
            "config": {
                "name": "embedding_1",
                "trainable": True,
                "batch_input_shape": (None, 20),
                "input_dtype": "int32",
                "input_dim": 100,
                "output_dim": 16,
                "init": "uniform",
                "input_length": 20,
                "mask_zero": False,
                "W_regularizer": None,
                "activity_regularizer": None,
                "W_constraint": None,
                "dropout": 0.0,
            },
        },
        _recurrent("LSTM", "lstm_1", return_sequences=True),
        _recurrent("GRU", "gru_1", return_sequences=True, inner_init="identity"),
        _recurrent("SimpleRNN", "simplernn_1"),
        _dense("dense_1", 8, "he_normal"),
        {
            "class_name": "BatchNormalization",
            "config": {
                "name": "batchnormalization_1",
                "trainable": True,
                "epsilon": 0.001,
                "mode": 0,
                "axis": -1,
                "momentum": 0.99,
                "beta_init": "zero",
                "gamma_init": "one",
                "gamma_regularizer": None,
                "beta_regularizer": None,
            },
        },
        {"class_name": "PReLU", "config": {"name": "prelu_1", "trainable": True, "init": "zero"}},
        _dense("dense_2", 1, "normal"),
    ]
    return {"class_name": "Sequential", "config": layers, "keras_version": KERAS1_VERSION}


def keras1_functional() -> dict[str, Any]:
    """A Keras 1.2 functional Model: Convolution2D, SeparableConvolution2D, Bidirectional(LSTM),
    TimeDistributed(Dense)."""

    def node(name: str, class_name: str, config: dict[str, Any], inbound: str | None) -> Any:
        return {
            "name": name,
            "class_name": class_name,
            "config": {"name": name, "trainable": True, **config},
            "inbound_nodes": [[[inbound, 0, 0]]] if inbound else [],
        }

    conv = {
        "nb_filter": 4,
        "nb_row": 3,
        "nb_col": 3,
        "init": "glorot_normal",
        "activation": "relu",
        "border_mode": "same",
        "subsample": (1, 1),
        "dim_ordering": "tf",
        "W_regularizer": None,
        "b_regularizer": None,
        "activity_regularizer": None,
        "W_constraint": None,
        "b_constraint": None,
        "bias": True,
    }
    separable = {**conv, "init": "lecun_uniform", "depth_multiplier": 1}
    lstm = _recurrent("LSTM", "lstm_fw", return_sequences=True)
    layers = [
        node(
            "input_1",
            "InputLayer",
            {"batch_input_shape": (None, 8, 8, 3), "input_dtype": "float32", "sparse": False},
            None,
        ),
        node("convolution2d_1", "Convolution2D", conv, "input_1"),
        node("separableconvolution2d_1", "SeparableConvolution2D", separable, "convolution2d_1"),
        node("reshape_1", "Reshape", {"target_shape": (64, 4)}, "separableconvolution2d_1"),
        node(
            "bidirectional_1", "Bidirectional", {"layer": lstm, "merge_mode": "concat"}, "reshape_1"
        ),
        node(
            "timedistributed_1",
            "TimeDistributed",
            {"layer": _dense("dense_td", 2, "he_uniform")},
            "bidirectional_1",
        ),
    ]
    config = {
        "name": "model_1",
        "layers": layers,
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["timedistributed_1", 0, 0]],
    }
    return {"class_name": "Model", "config": config, "keras_version": KERAS1_VERSION}


def write_keras1(out: Path) -> None:
    import h5py
    import yaml

    out.mkdir(parents=True, exist_ok=True)
    for name, model in (
        ("keras1_sequential", keras1_sequential()),
        ("keras1_functional", keras1_functional()),
    ):
        # to_json: json.dumps turns the tuples into lists, as it did in Keras 1
        (out / f"{name}.json").write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
        # to_yaml: yaml.dump, tuples kept (!!python/tuple)
        (out / f"{name}.yaml").write_text(yaml.dump(model), encoding="utf-8")
    # save(): model_config without keras_version; the version as a root attribute
    model = keras1_sequential()
    version = model.pop("keras_version")
    with h5py.File(out / "keras1_sequential.h5", "w", track_order=True) as handle:
        handle.attrs["keras_version"] = version
        handle.attrs["model_config"] = json.dumps(model).encode("utf-8")


def write_tf_keras(out: Path) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras as keras
    import yaml

    keras.utils.set_random_seed(1234)
    out.mkdir(parents=True, exist_ok=True)
    init = keras.initializers
    inner = keras.Sequential(
        [
            keras.layers.Dense(
                4, kernel_initializer=init.Orthogonal(gain=2.0, seed=3), name="inner_dense"
            )
        ],
        name="inner_sequential",
    )
    inputs = keras.Input((6, 5), name="x")
    h = keras.layers.Conv1D(
        4, 3, strides=1, kernel_initializer=init.HeNormal(seed=1), padding="same", name="conv"
    )(inputs)
    h = keras.layers.BatchNormalization(gamma_initializer="ones", name="bn")(h)
    h = keras.layers.Bidirectional(
        keras.layers.LSTM(3, recurrent_initializer=init.Orthogonal(seed=2), name="lstm"), name="bi"
    )(h)
    h = inner(h)
    outputs = keras.layers.Dense(
        2,
        kernel_initializer=init.VarianceScaling(scale=0.5, mode="fan_avg", seed=4),
        bias_initializer=init.Constant(0.1),
        name="head",
    )(h)
    model = keras.Model(inputs, outputs, name="legacy_tf")
    # Keras 2's to_yaml(): yaml.dump(self._updated_config()) — tuples and all
    text = yaml.dump(model._updated_config())
    assert "!!python/tuple" in text
    (out / "keras2_to_yaml.yaml").write_text(text, encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "sm", save_format="tf")
        target = out / "savedmodel"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir()
        shutil.copyfile(Path(tmp) / "sm" / "keras_metadata.pb", target / "keras_metadata.pb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("keras1", "tf_keras"), required=True)
    parser.add_argument("--out", type=Path, default=Path("tests/fixtures/legacy"))
    args = parser.parse_args()
    if args.part == "keras1":
        write_keras1(args.out)
    else:
        write_tf_keras(args.out)


if __name__ == "__main__":
    main()
