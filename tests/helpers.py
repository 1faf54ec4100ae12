"""Independent oracles and builders shared by the test modules.

Everything here is written from its specification, never from initspec's code, so a test that
compares initspec with it compares two implementations:

* RFC 6901 JSON pointers: ``pointer_of`` (section 3, a location to its pointer), ``resolve``
  (section 4, a pointer in a document) and ``locate``/``at`` (a location in a document);
* error records: ``record_problems`` / ``outcome`` check that an ``InitializerError`` is well
  formed and points into the input it was raised for;
* configs: ``config`` and ``numpy_value`` build the Keras 3 serialized form;
* files: the Keras fixtures (``FIXTURES``, ``fixture_path``, ``fixture_doc``), writers of
  ``.keras`` zips and ``.h5`` files read by the standard library / h5py, the small Dense model
  in JSON, YAML and TOML, and ``position`` (1-based line and column of a token).

Test modules import it as ``from helpers import ...`` (pytest puts ``tests/`` on ``sys.path``);
no test module imports another test module.
"""

from __future__ import annotations

import importlib.util
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import initspec
from initspec.errors import ERROR_TYPES

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SUFFIX = {"json": ".json", "keras": ".keras", "h5": ".h5"}

#: What ``resolve`` returns for a pointer that is not in the document.
MISSING: Any = object()


# --- RFC 6901 --------------------------------------------------------------------------------


def pointer_of(loc: tuple[Any, ...]) -> str:
    """RFC 6901 section 3: each token prefixed by '/', '~' written '~0' and '/' written '~1'."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in loc)


def resolve(document: Any, pointer: str) -> Any:
    """RFC 6901 section 4: evaluate ``pointer`` in ``document`` (``MISSING`` if absent)."""
    if pointer == "":
        return document
    assert pointer.startswith("/"), pointer
    node = document
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            if token not in node:
                return MISSING
            node = node[token]
        elif isinstance(node, (list, tuple)):
            if not token.isdigit() or int(token) >= len(node):
                return MISSING
            node = node[int(token)]
        else:
            return MISSING
    return node


def nodes(document: Any, loc: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (location, node) of a JSON-like document, the document first, in document order."""
    yield loc, document
    if isinstance(document, dict):
        for key, value in document.items():
            yield from nodes(value, (*loc, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from nodes(value, (*loc, index))


def _step(node: Any, part: Any) -> tuple[bool, Any]:
    if isinstance(node, dict):
        return (part in node, node.get(part))
    if isinstance(node, list) and isinstance(part, int) and not isinstance(part, bool):
        return (0 <= part < len(node), node[part] if 0 <= part < len(node) else None)
    return False, None


def locate(doc: Any, loc: tuple[Any, ...]) -> tuple[bool, Any, int]:
    """(True, node, len(loc)) when every prefix of loc indexes into doc; else where it stops."""
    node = doc
    for i, part in enumerate(loc):
        ok, node = _step(node, part)
        if not ok:
            return False, None, i
    return True, node, len(loc)


def at(doc: Any, loc: tuple[Any, ...]) -> Any:
    """The node at ``loc``, which must be in ``doc``."""
    ok, node, stop = locate(doc, loc)
    assert ok, f"{loc!r} leaves the document at {loc[: stop + 1]!r}"
    return node


# --- error records ---------------------------------------------------------------------------


def record_problems(err: initspec.InitializerError, doc: Any) -> list[str]:
    """Everything wrong with the records of an InitializerError raised for ``doc``."""
    problems: list[str] = []
    if not err.errors:
        problems.append("InitializerError with no records")
    for r in err.errors:
        where = f"record {r.type!r} at {r.loc!r}"
        if r.type not in ERROR_TYPES:
            problems.append(f"{where}: type not in ERROR_TYPES")
        if not isinstance(r.loc, tuple) or not all(
            isinstance(p, (str, int)) and not isinstance(p, bool) for p in r.loc
        ):
            problems.append(f"{where}: loc is not a tuple of str/int")
            continue
        if r.pointer != pointer_of(r.loc):
            problems.append(f"{where}: pointer {r.pointer!r} != {pointer_of(r.loc)!r}")
        if not isinstance(r.msg, str) or not r.msg.strip():
            problems.append(f"{where}: empty msg")
        if r.type == "missing":
            # A missing key: its container resolves, the key itself is absent.
            ok, holder, _ = locate(doc, r.loc[:-1])
            if not r.loc or not ok or not isinstance(holder, dict) or r.loc[-1] in holder:
                problems.append(f"{where}: not a key missing from an object of the input")
            continue
        ok, node, stop = locate(doc, r.loc)
        if not ok:
            problems.append(
                f"{where}: pointer {r.pointer!r} leaves the input at {r.loc[: stop + 1]!r}"
            )
        elif not (node is r.input or repr(node) == repr(r.input)):
            # ``input`` is the offending value: the one the pointer designates.
            problems.append(f"{where}: input {r.input!r:.80} is not the value at the pointer")
        if r.type == "unknown_key":
            ok, holder, _ = locate(doc, r.loc[:-1])
            if not r.loc or not isinstance(holder, dict) or r.loc[-1] not in holder:
                problems.append(f"{where}: does not name a key of the input")
    return problems


def outcome(fn: Any, value: Any) -> Any:
    """``fn(value)``: a result, or None after checking the InitializerError it raised.

    Any other exception propagates (and fails the test). The input must not be modified.
    """
    before = repr(value)
    error: initspec.InitializerError | None = None
    result = None
    try:
        result = fn(value)
    except initspec.InitializerError as exc:
        error = exc
    if error is not None:
        problems = record_problems(error, value)
        assert not problems, "\n".join([str(error), *problems])
    assert repr(value) == before, "the input was modified"
    return result


def first_error(call: Any) -> tuple[str, tuple[Any, ...]]:
    """The type and loc of the first record of the InitializerError ``call()`` raises."""
    with pytest.raises(initspec.InitializerError) as info:
        call()
    return info.value.errors[0].type, info.value.errors[0].loc


#: A built-in class whose config has each field, for tests that put a value into a field.
CLASS_WITH_FIELD: dict[str, str] = {
    "seed": "RandomNormal",
    "mean": "RandomNormal",
    "stddev": "TruncatedNormal",
    "minval": "RandomUniform",
    "maxval": "RandomUniform",
    "scale": "VarianceScaling",
    "gain": "Orthogonal",
    "value": "Constant",
    "window": "STFT",
}

#: The classes of the VarianceScaling family, in Keras's order.
VARIANCE_SCALING_FAMILY = (
    "VarianceScaling",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
)


def load_module(name: str, path: Path) -> ModuleType:
    """The Python file ``path`` executed as a module named ``name`` (not added to sys.modules)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readme_files() -> dict[str, str]:
    """The example files of schemas/README.md, by the name each block is marked with."""
    text = (ROOT / "schemas" / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"<!-- file: (\S+) -->\n```\w+\n(.*?)```", text, flags=re.DOTALL)
    files = dict(found)
    assert len(files) == len(found), "two examples with one name"
    return files


# --- configs -------------------------------------------------------------------------------


def numpy_value(value: Any, dtype: str, class_name: str = "__numpy__") -> dict[str, Any]:
    return {"class_name": class_name, "config": {"value": value, "dtype": dtype}}


def config(class_name: str, **fields: Any) -> dict[str, Any]:
    return {"class_name": class_name, "config": fields}


#: A partition: (partition_shape, partition_offset), or None for the whole tensor.
Part = tuple[tuple[int, ...], tuple[int, ...]] | None


def make(
    name: str, config: dict[str, object], shape: tuple[int, ...], dtype: str, part: Part = None
) -> np.ndarray:
    """The array the built-in ``name`` with ``config`` makes (of ``part`` when given)."""
    init = initspec.get({"class_name": name, "config": config})
    assert isinstance(init, initspec.Initializer)
    if part is None:
        return init(shape, dtype)
    return init(shape, dtype, partition_shape=part[0], partition_offset=part[1])


# --- files ---------------------------------------------------------------------------------


def strip_shared_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_shared_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [strip_shared_ids(v) for v in value]
    return value


def position(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of ``needle``; the column counts characters
    (code points) from the last '\\n' (a '\\r' of a CRLF belongs to the line it ends)."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def fixture_path(flavour: str, model: str, fmt: str) -> Path:
    return FIXTURES / flavour / (model + SUFFIX[fmt])


def fixture_doc(flavour: str, model: str, fmt: str) -> Any:
    """The model config as stored in the fixture, read with the standard library / h5py."""
    path = fixture_path(flavour, model, fmt)
    if fmt == "json":
        return json.loads(path.read_text(encoding="utf-8"))
    if fmt == "keras":
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("config.json"))
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "r") as handle:
        raw = handle.attrs["model_config"]
    return json.loads(raw if isinstance(raw, str) else bytes(raw).decode("utf-8"))


def write_keras(
    path: Path, config: Any | bytes | None, extra: dict[str, bytes] | None = None
) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        if config is not None:
            data = config if isinstance(config, bytes) else json.dumps(config).encode()
            archive.writestr("config.json", data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def write_h5(path: Path, model_config: Any = None, **attrs: Any) -> Path:
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w") as handle:
        if model_config is not None:
            handle.attrs["model_config"] = model_config
        for key, value in attrs.items():
            handle.attrs[key] = value
    return path


def unreadable(excinfo: pytest.ExceptionInfo[initspec.InitializerError]) -> initspec.ErrorRecord:
    err = excinfo.value
    assert isinstance(err, ValueError)
    assert len(err.errors) == 1
    record = err.errors[0]
    assert record.type == "unreadable_file"
    assert record.pointer == ""
    return record


DENSE_MODEL = {
    "class_name": "Sequential",
    "config": {
        "name": "tiny",
        "layers": [
            {
                "class_name": "Dense",
                "config": {
                    "name": "d1",
                    "units": 2,
                    "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": 3}},
                    "bias_initializer": "zeros",
                },
            },
            {
                "class_name": "Dense",
                "config": {
                    "name": "d2",
                    "kernel_initializer": {"class_name": "RandomNormal", "config": {"stdev": 1}},
                    "bias_initializer": "zeroz",
                },
            },
        ],
    },
}

YAML_DENSE = """\
class_name: Sequential
config:
  name: tiny
  layers:
    - class_name: Dense
      config:
        name: d1
        units: 2
        kernel_initializer: {class_name: GlorotUniform, config: {seed: 3}}
        bias_initializer: zeros
    - class_name: Dense
      config:
        name: d2
        kernel_initializer:
          class_name: RandomNormal
          config:
            stdev: 1
        bias_initializer: zeroz
"""

TOML_DENSE = """\
class_name = "Sequential"
[config]
name = "tiny"
[[config.layers]]
class_name = "Dense"
[config.layers.config]
name = "d1"
units = 2
bias_initializer = "zeros"
[config.layers.config.kernel_initializer]
class_name = "GlorotUniform"
config = { seed = 3 }
[[config.layers]]
class_name = "Dense"
[config.layers.config]
name = "d2"
bias_initializer = "zeroz"
[config.layers.config.kernel_initializer]
class_name = "RandomNormal"
config = { stdev = 1 }
"""
