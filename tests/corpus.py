"""The hostile corpus of ``tests/test_security.py``: identifiers and files that try to make a
loader import, call, unpickle or open something.

``hostile_identifiers`` carries the payloads of CVE-2024-3660, CVE-2025-1550, CVE-2025-8747,
CVE-2025-9905 and CVE-2025-9906 (modules and functions to import or call, Lambda layers with
marshalled code, ``registered_name`` tricks); ``write_corpus`` writes them as files of every
format (JSON, YAML with object-constructing tags, TOML, ``.keras`` zips with unsafe member paths,
``.h5`` files, the legacy forms and a SavedModel); ``write_warmup`` writes benign and plainly
broken input of every format, which ``programs/audit_run.py`` reads before installing its audit
hook. Any payload that ran would create the ``marker`` file.
"""

from __future__ import annotations

import base64
import codecs
import json
import marshal
import os
import pickle
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers import DENSE_MODEL, fixture_path, write_h5, write_keras

yaml = pytest.importorskip("yaml")
h5py = pytest.importorskip("h5py")


def function_object(name: str, module: str = "builtins") -> dict[str, Any]:
    """A Keras 3 serialized function (``keras.saving.serialize_keras_object(eval)``)."""
    return {"module": module, "class_name": "function", "config": name, "registered_name": name}


def lambda_code(marker: Path) -> str:
    """Base64 of a marshalled code object that would create ``marker`` (a Lambda payload)."""
    code = compile(f"open({str(marker)!r}, 'w').close()", "<payload>", "exec")
    return base64.b64encode(marshal.dumps(code)).decode("ascii")


class Reduce:
    """Pickles to a call of os.system (never unpickled here: it is payload data)."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (self.command,))


def hostile_identifiers(marker: Path) -> list[Any]:
    """Identifiers that name code to import or run; every one must be rejected."""
    shell = f"touch {marker}"
    python = f"__import__('os').system({shell!r})"
    code = lambda_code(marker)
    lambda_object = {"class_name": "__lambda__", "config": {"code": code, "defaults": None}}
    pickled = base64.b64encode(pickle.dumps(Reduce(shell))).decode("ascii")
    dunder_config = {
        "__reduce__": python,
        "__class__": "os.system",
        "__init__": function_object("exec"),
        "__globals__": {"__builtins__": {"eval": python}},
        "__dict__": {"_config": python},
        "__getattr__": "eval",
        "__pydantic_extra__": {"x": python},
        "__pydantic_validator__": None,
        "model_config": {"extra": "allow"},
    }
    names = [
        "os.system",
        "builtins.eval",
        "eval",
        "exec",
        "__import__",
        "subprocess.Popen",
        "os>system",
        "builtins>eval",
        "__class__",
        "__init__",
        "__globals__",
        "__reduce__",
        "__builtins__",
        "__subclasses__",
        "Initializer",
        "config_model",
        "from_config",
        "_from_model",
        "keras.initializers.GlorotUniform",
        "keras.src.initializers.GlorotUniform",
        python,
        f"lambda shape, dtype=None: {python}",
        "<lambda>",
        "function",
        "__lambda__",
    ]
    configs: list[Any] = [
        # Keras 3 "function" objects (deserialize_keras_object imports module, getattr name)
        function_object("eval"),
        function_object("exec"),
        function_object("__import__"),
        function_object("system", "os"),
        function_object("Popen", "subprocess"),
        function_object("loads", "pickle"),
        function_object("loads", "marshal"),
        # module / class_name / registered_name naming callables
        {"module": "os", "class_name": "system", "config": {"command": shell}},
        {"module": "builtins", "class_name": "eval", "config": {"source": python}},
        {"module": "builtins", "class_name": "exec", "config": python, "registered_name": None},
        {"module": "builtins", "class_name": "__import__", "config": {"name": "os"}},
        {
            "module": "subprocess",
            "class_name": "Popen",
            "config": {"args": ["touch", str(marker)]},
            "registered_name": "subprocess>Popen",
        },
        {"module": "os", "class_name": "GlorotUniform", "config": {}, "registered_name": None},
        {"module": "builtins.eval", "class_name": "Zeros", "config": {}},
        {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "module ": "os"},
        {
            "module": "keras.initializers",
            "class_name": "GlorotUniform",
            "config": {},
            "registered_name": "os>system",
        },
        {"class_name": "GlorotUniform", "config": {}, "registered_name": "builtins.eval"},
        {"class_name": "GlorotUniform", "config": {}, "registered_name": "GlorotUniform\n"},
        {"class_name": "os.system", "config": {}, "registered_name": None},
        {"class_name": "Custom>system", "config": {}, "registered_name": "Custom>system"},
        {"class_name": "Zeros", "config": {}, "shared_object_id": python},
        {"class_name": "Zeros", "config": {}, "shared_object_id": function_object("eval")},
        # nested seeds and values
        {
            "class_name": "RandomNormal",
            "config": {"seed": {"module": "os", "class_name": "SeedGenerator", "config": {}}},
        },
        {
            "class_name": "RandomNormal",
            "config": {
                "seed": {
                    "module": "keras.random",
                    "class_name": "SeedGenerator",
                    "config": {"seed": 1},
                    "registered_name": "builtins>eval",
                }
            },
        },
        {"class_name": "RandomNormal", "config": {"seed": function_object("eval")}},
        {
            "class_name": "RandomUniform",
            "config": {
                "seed": {
                    "class_name": "SeedGenerator",
                    "config": {"seed": 1, "generator": function_object("exec")},
                }
            },
        },
        {"class_name": "TruncatedNormal", "config": {"seed": python}},
        {
            "class_name": "Constant",
            "config": {
                "value": {"class_name": "__numpy__", "config": {"value": [1.0], "dtype": "object"}}
            },
        },
        {
            "class_name": "Constant",
            "config": {
                "value": {
                    "class_name": "__numpy__",
                    "config": {"value": python, "dtype": "float32"},
                }
            },
        },
        {
            "class_name": "Constant",
            "config": {
                "value": {"class_name": "__numpy__", "config": {"value": pickled, "dtype": "O"}}
            },
        },
        {
            "class_name": "Constant",
            "config": {
                "value": {
                    "module": "builtins",
                    "class_name": "__numpy__",
                    "config": {"value": [1.0], "dtype": "float32"},
                }
            },
        },
        {
            "class_name": "Constant",
            "config": {
                "value": {
                    "class_name": "__numpy__",
                    "config": {"value": [1.0], "dtype": "float32", "__reduce__": python},
                }
            },
        },
        {"class_name": "Constant", "config": {"value": function_object("eval")}},
        {"class_name": "Constant", "config": {"value": lambda_object}},
        {
            "class_name": "Constant",
            "config": {"value": {"class_name": "__bytes__", "config": {"value": pickled}}},
        },
        {"class_name": "STFT", "config": {"window": function_object("eval")}},
        {"class_name": "STFT", "config": {"window": "__import__"}},
        {"class_name": "STFT", "config": {"window": lambda_object}},
        {"class_name": "VarianceScaling", "config": {"distribution": function_object("eval")}},
        {"class_name": "VarianceScaling", "config": {"mode": python}},
        # the identifier itself a Lambda or a layer
        lambda_object,
        {"module": "keras.layers", "class_name": "Lambda", "config": {"function": lambda_object}},
        {
            "class_name": "Lambda",
            "config": {"function": [code, None, None], "function_type": "lambda"},
        },
        # dunder and attribute-name keys
        {"class_name": "Zeros", "config": dunder_config},
        {"class_name": "Constant", "config": {"value": 1.0, **dunder_config}},
        {"__class__": "os.system", "__reduce__": [python], "class_name": "Zeros", "config": {}},
        {"__init__": function_object("exec"), "class_name": "Zeros", "config": {}},
        *({"class_name": name, "config": {}} for name in names),
        *({"class_name": "Zeros", "config": {}, "registered_name": name} for name in names),
    ]
    return names + configs


def hostile_model(identifiers: list[Any], marker: Path) -> dict[str, Any]:
    """A Keras 3 model whose Lambda layers carry code and whose initializers are hostile."""
    code = lambda_code(marker)
    layers: list[Any] = [
        {
            "module": "keras.layers",
            "class_name": "Lambda",
            "config": {
                "name": "lambda_k3",
                "function": {
                    "class_name": "__lambda__",
                    "config": {"code": code, "defaults": None, "closure": None},
                },
                "arguments": {},
            },
            "registered_name": None,
        },
        {
            "class_name": "Lambda",
            "config": {
                "name": "lambda_k2",
                "function": [code, None, None],
                "function_type": "lambda",
            },
        },
        {
            "module": "keras.layers",
            "class_name": "Lambda",
            "config": {"name": "lambda_fn", "function": function_object("exec")},
        },
        {"module": "os", "class_name": "system", "config": {"name": "evil", "command": "id"}},
    ]
    for i, identifier in enumerate(identifiers):
        layers.append(
            {
                "module": "keras.layers",
                "class_name": "Dense",
                "config": {
                    "name": f"dense_{i}",
                    "units": 1,
                    "activation": function_object("eval"),
                    "kernel_initializer": identifier,
                },
                "registered_name": None,
            }
        )
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "hostile", "layers": layers},
        "registered_name": None,
    }


YAML_TAGS = [
    "kernel_initializer: !!python/object/apply:os.system ['touch {m}']\n",
    "kernel_initializer: !!python/object/apply:subprocess.Popen [[touch, '{m}']]\n",
    "kernel_initializer: !!python/object/new:subprocess.Popen [[touch, '{m}']]\n",
    "kernel_initializer: !!python/name:os.system\n",
    "kernel_initializer: !!python/module:os\n",
    "kernel_initializer: !!python/object:os.system {{}}\n",
    "kernel_initializer: !<tag:yaml.org,2002:python/object/apply:os.system> ['touch {m}']\n",
    "%TAG !p! tag:yaml.org,2002:python/\n---\nkernel_initializer: !p!object/apply:os.system"
    " ['touch {m}']\n",
    "kernel_initializer: {{class_name: Constant, config: {{value: !!python/object/apply:eval"
    " [\"__import__('os').system('touch {m}')\"]}}}}\n",
    "kernel_initializer: {{class_name: RandomNormal, config: {{seed: !!python/object/apply:"
    "builtins.exec [\"open('{m}', 'w')\"]}}}}\n",
    "layers:\n- class_name: Dense\n  config:\n    kernel_initializer: !!python/object/apply:"
    "os.system ['touch {m}']\n",
    "kernel_initializer: !Evil {{x: 1}}\n",
    "? !!python/object/apply:os.system ['touch {m}']\n: kernel_initializer\n",
]


def hostile_keras(path: Path, model: Any, members: dict[str, bytes] | None = None) -> Path:
    return write_keras(path, model, members)


def write_corpus(root: Path, marker: Path) -> dict[str, Any]:
    """Write the hostile files; return them with what each must give ('invalid'/'unreadable')."""
    identifiers = hostile_identifiers(marker)
    model = hostile_model(identifiers, marker)
    text = json.dumps(model, indent=1)
    files: list[tuple[Path, str]] = []

    def add(name: str, expect: str, data: bytes | str) -> None:
        path = root / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        files.append((path, expect))

    add("model.json", "invalid", text)
    add("model.yaml", "invalid", yaml.safe_dump(model))
    add("experiment.toml", "invalid", hostile_toml(marker))
    for i, template in enumerate(YAML_TAGS):
        add(f"tag_{i}.yaml", "unreadable", template.format(m=marker))
    # the one Python tag Keras's to_yaml() writes is read as a plain list (here: invalid)
    add("tuple.yaml", "invalid", "kernel_initializer: !!python/tuple [1, 2]\n")
    files.extend(write_legacy_corpus(root, model, identifiers))
    files.append((hostile_keras(root / "model.keras", model), "invalid"))
    evil = b"open('%s', 'w').close()\n" % str(marker).encode()
    for i, name in enumerate(
        ["../../evil.py", "/etc/passwd", "a/../../evil.py", "..\\..\\evil.py"]
    ):
        files.append((hostile_keras(root / f"unsafe_{i}.keras", model, {name: evil}), "unreadable"))
    weights = {"model.weights.h5": b"\x89HDF\r\n\x1a\n" + b"\0" * 64, "assets/x.pkl": evil}
    files.append((hostile_keras(root / "with_assets.keras", model, weights), "invalid"))
    for name, value in [("model_str.h5", text), ("model_bytes.h5", text.encode())]:
        path = write_h5(root / name, value, training_config=json.dumps(function_object("eval")))
        with h5py.File(path, "a") as handle:
            handle.attrs["keras_version"] = "2.0.0"
            handle.create_dataset("payload", data=np.frombuffer(evil, np.uint8))
        files.append((path, "invalid"))
    return {"identifiers": identifiers, "files": [(str(p), e) for p, e in files]}


def write_legacy_corpus(root: Path, model: Any, identifiers: list[Any]) -> list[tuple[Path, str]]:
    """The older forms (issue 9), each carrying the hostile model: a to_yaml() document with
    tuples, a double-encoded JSON file, Keras 1 layers, an HDF5 file named .keras, and a
    SavedModel directory whose keras_metadata.pb holds the model (scanned as a directory by
    the command's walk, and as its keras_metadata.pb by path and bytes)."""
    from initspec._savedmodel import encode_for_tests

    out: list[tuple[Path, str]] = []
    to_yaml = yaml.dump({**model, "shape": (None, 3), "strides": (1, 1)})
    assert "!!python/tuple" in to_yaml
    (root / "to_yaml.yaml").write_text(to_yaml, encoding="utf-8")
    out.append((root / "to_yaml.yaml", "invalid"))
    (root / "double.json").write_text(json.dumps(json.dumps(model)), encoding="utf-8")
    out.append((root / "double.json", "invalid"))
    keras1 = {
        "class_name": "Sequential",
        "keras_version": "1.2.2",
        "config": [
            {"class_name": "LSTM", "config": {"name": f"l{i}", "inner_init": identifier}}
            for i, identifier in enumerate(identifiers)
        ],
    }
    (root / "keras1.json").write_text(json.dumps(keras1), encoding="utf-8")
    out.append((root / "keras1.json", "invalid"))
    out.append((write_h5(root / "hdf5_named.keras", json.dumps(model)), "invalid"))
    savedmodel = root / "savedmodel"
    (savedmodel / "variables").mkdir(parents=True)
    (savedmodel / "saved_model.pb").write_bytes(b"\x08\x01")  # never opened
    (savedmodel / "variables" / "variables.index").write_bytes(pickle.dumps(Reduce("x")))
    layer = model["config"]["layers"][-1]
    nodes = [
        (0, "root", "_tf_keras_sequential", json.dumps(model)),
        (1, "root.layer-0", "_tf_keras_layer", json.dumps(layer)),
    ]
    (savedmodel / "keras_metadata.pb").write_bytes(encode_for_tests(nodes))
    out.append((savedmodel / "keras_metadata.pb", "invalid"))
    return out


def hostile_toml(marker: Path) -> str:
    """TOML has no null, so the payloads are written without one."""
    return textwrap.dedent(
        f"""\
        [model]
        kernel_initializer = "os.system"

        [model.bias_initializer]
        module = "builtins"
        class_name = "function"
        config = "eval"
        registered_name = "eval"

        [model.dense.kernel_initializer]
        module = "os"
        class_name = "system"
        config = {{ command = "touch {marker}" }}

        [model.lambda.config.function]
        class_name = "__lambda__"
        config = {{ code = "{lambda_code(marker)}" }}

        [model.lambda.config.gamma_initializer]
        class_name = "RandomNormal"

        [model.lambda.config.gamma_initializer.config.seed]
        module = "os"
        class_name = "SeedGenerator"
        config = {{ seed = 1 }}
        """
    )


def write_warmup(root: Path) -> dict[str, Any]:
    """Benign (and plainly broken) input of every format, to import everything lazily imported."""
    root.mkdir()
    files = []
    for fmt in ("json", "keras", "h5"):
        files.append(str(fixture_path("keras3", "rnn", fmt)))
    bad = {"kernel_initializer": {"class_name": "RandomNormal", "config": {"stdev": 1}}}
    docs = {
        "good.json": json.dumps(DENSE_MODEL),
        "bad.json": json.dumps(bad),
        "good.yaml": "a:\n  kernel_initializer: {class_name: Zeros, config: {}}\n",
        "bad.yaml": "a:\n  kernel_initializer: {class_name: Zeros, config: {x: 1}}\n",
        "tagged.yaml": "a: !!str x\nb: !Local 1\n",
        "good.toml": '[a]\nkernel_initializer = "zeros"\n',
        "bad.toml": '[a]\nkernel_initializer = "zeroz"\n',
        "broken.json": "{",
        "broken.yaml": "a: [",
        "broken.toml": "a = ",
        "broken.keras": "not a zip",
        "broken.h5": "not hdf5",
    }
    for name, text in docs.items():
        (root / name).write_text(text, encoding="utf-8")
        files.append(str(root / name))
    for codec in (
        "utf-8-sig",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
    ):
        path = root / f"bom_{codec}.json"
        bom = b"" if codec in ("utf-8-sig", "utf-16", "utf-32") else BOM[codec]
        path.write_bytes(bom + json.dumps(bad).encode(codec))
        files.append(str(path))
    (root / "bad_utf8.json").write_bytes(b'{"a": "\xff"}')
    files.append(str(root / "bad_utf8.json"))
    files.append(str(write_keras(root / "bad.keras", bad)))
    files.append(str(write_keras(root / "unsafe.keras", bad, {"../x": b""})))
    files.append(str(write_keras(root / "noconfig.keras", None)))
    files.append(str(write_h5(root / "bad.h5", json.dumps(bad))))
    files.append(str(write_h5(root / "bytes.h5", json.dumps(bad).encode())))
    files.append(str(write_h5(root / "weights_only.h5")))
    identifiers = [
        "zeroz",
        {"class_name": "Nope", "config": {}, "extra": 1},
        {"module": "nope", "class_name": "Zeros", "config": {}},
        {"class_name": "Zeros", "config": {}, "registered_name": "x"},
        {
            "class_name": "RandomNormal",
            "config": {"seed": {"class_name": "SeedGenerator", "config": {"x": 1}}},
        },
        {
            "class_name": "Constant",
            "config": {
                "value": {
                    "class_name": "__numpy__",
                    "config": {"value": [[1], [1, 2]], "dtype": "x"},
                }
            },
        },
        {"class_name": "STFT", "config": {"window": "kaiser", "side": "x", "scaling": 1}},
        {"class_name": "VarianceScaling", "config": {"mode": "x", "distribution": 1, "scale": -1}},
        {"class_name": "RandomUniform", "config": {"minval": 2, "maxval": 1}},
        {"class_name": 1, "config": []},
        [],
        1.5,
    ]
    return {"files": files, "identifiers": identifiers}


BOM = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}
