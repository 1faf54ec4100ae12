"""Tests of ``initspec.scan`` (``src/initspec/files.py``): sources, Keras structures, errors.

Expected values are computed independently of initspec: initializer sites by a walker of our
own over the fixture's own JSON, owning layers by navigating the document along the pointer,
and lines/columns by finding the offending token in the text ourselves.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import initspec
from helpers import (
    DENSE_MODEL,
    TOML_DENSE,
    YAML_DENSE,
    at,
    fixture_doc,
    fixture_path,
    pointer_of,
    position,
    strip_shared_ids,
    unreadable,
    write_h5,
    write_keras,
)
from initspec import files as files_module

FLAVOURS = ("keras3", "tf_keras")
MODELS = ("sequential", "functional", "nested", "rnn", "wrappers", "shared", "all_initializers")
FORMATS = ("json", "keras", "h5")
MEMBER = {"json": None, "keras": "config.json", "h5": "model_config"}


# --- independent helpers ----------------------------------------------------------------------


def initializer_locs(node: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Locations of every value of a key ending in 'initializer', in document order."""
    found: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("initializer"):
                found.append((*loc, key))
            else:
                found += initializer_locs(value, (*loc, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += initializer_locs(value, (*loc, i))
    return found


def owning_layers(doc: Any, loc: tuple[Any, ...]) -> list[tuple[str | None, str]]:
    """(name, class_name) of every serialized layer/model on the way to ``loc``, outermost first.

    A node is a layer when it has a string ``class_name`` and a ``config`` (object, or the list
    of the Keras 2.0 Sequential form); the name is ``config.name`` (else the node's ``name``).
    """
    layers = []
    for depth in range(len(loc)):  # every proper ancestor, the root included
        node = at(doc, loc[:depth])
        if (
            isinstance(node, dict)
            and isinstance(node.get("class_name"), str)
            and isinstance(node.get("config"), (dict, list))
        ):
            config = node["config"]
            name = config.get("name") if isinstance(config, dict) else None
            layers.append((name if name is not None else node.get("name"), node["class_name"]))
    return layers


def errors_by_pointer(report: initspec.ScanReport) -> dict[str, initspec.ErrorRecord]:
    out = {}
    for error in report.errors:
        assert error.pointer not in out, f"two errors at {error.pointer}"
        out[error.pointer] = error
    return out


DENSE_POINTERS = [
    "/config/layers/0/config/kernel_initializer",
    "/config/layers/0/config/bias_initializer",
    "/config/layers/1/config/kernel_initializer",
    "/config/layers/1/config/bias_initializer",
]


def check_dense_model(report: initspec.ScanReport) -> None:
    assert [f.pointer for f in report.findings] == DENSE_POINTERS
    assert [f.layer for f in report.findings] == ["d1", "d1", "d2", "d2"]
    assert [f.ok for f in report.findings] == [True, True, False, False]
    assert not report.ok
    assert {(e.pointer, e.type) for e in report.errors} == {
        ("/config/layers/1/config/kernel_initializer/config/stdev", "unknown_key"),
        ("/config/layers/1/config/bias_initializer", "unknown_name"),
    }
    assert isinstance(report.findings[0].initializer, initspec.GlorotUniform)
    assert report.findings[0].initializer.get_config()["seed"] == 3
    assert isinstance(report.findings[1].initializer, initspec.Zeros)


# --- every kind of source ---------------------------------------------------------------------


def test_yaml_and_toml_documents_above_are_the_json_model() -> None:
    yaml = pytest.importorskip("yaml")
    import tomllib

    def normal(doc: Any) -> Any:  # key order differs in TOML; compare as data
        return json.loads(json.dumps(doc, sort_keys=True))

    assert normal(yaml.safe_load(YAML_DENSE)) == normal(DENSE_MODEL)
    assert normal(tomllib.loads(TOML_DENSE)) == normal(DENSE_MODEL)


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".json", json.dumps(DENSE_MODEL, indent=2)),
        (".yaml", YAML_DENSE),
        (".yml", YAML_DENSE),
        (".toml", TOML_DENSE),
    ],
)
@pytest.mark.parametrize("as_str", [False, True])
def test_path_sources(tmp_path: Path, suffix: str, text: str, as_str: bool) -> None:
    if suffix != ".toml":
        pytest.importorskip("yaml")
    path = tmp_path / f"model{suffix}"
    path.write_text(text, encoding="utf-8")
    report = initspec.scan(str(path) if as_str else path)
    assert report.source == str(path)
    assert report.format == {".yml": "yaml"}.get(suffix, suffix[1:])
    assert report.member is None
    if suffix == ".toml":  # TOML tables reorder keys: compare as a set
        assert {f.pointer for f in report.findings} == set(DENSE_POINTERS)
        assert {(e.pointer, e.type, e.line) for e in report.errors} == {
            ("/config/layers/1/config/kernel_initializer/config/stdev", "unknown_key", 20),
            ("/config/layers/1/config/bias_initializer", "unknown_name", 17),
        }  # TOML errors carry their line too (issue 9)
    else:
        check_dense_model(report)


def test_text_and_bytes_sources() -> None:
    pytest.importorskip("yaml")
    compact = json.dumps(DENSE_MODEL)  # one line, starts with '{': text, not a path
    for source in (compact, json.dumps(DENSE_MODEL, indent=1), compact.encode()):
        report = initspec.scan(source)
        assert report.format == "json"
        assert report.source == ("<bytes>" if isinstance(source, bytes) else "<text>")
        check_dense_model(report)
    for source in (YAML_DENSE, YAML_DENSE.encode()):  # a str with a newline is text
        report = initspec.scan(source)
        assert report.format == "yaml"
        check_dense_model(report)
    for source in (TOML_DENSE, TOML_DENSE.encode()):
        report = initspec.scan(source, format="toml")
        assert report.format == "toml"
        assert {f.pointer for f in report.findings} == set(DENSE_POINTERS)


def test_text_starting_with_a_bracket_or_bom_is_text() -> None:
    report = initspec.scan('[{"kernel_initializer": "nope"}]')
    assert [e.pointer for e in report.errors] == ["/0/kernel_initializer"]
    report = initspec.scan('\ufeff  {"kernel_initializer": "ones"}')
    assert report.ok
    assert [f.pointer for f in report.findings] == ["/kernel_initializer"]
    bom_bytes = b'\xef\xbb\xbf{"kernel_initializer": "nope"}'
    report = initspec.scan(bom_bytes)
    assert report.format == "json"
    # the column does not count the BOM (it is not a character of the text)
    assert (report.errors[0].line, report.errors[0].column) == (1, 24)


def test_keras_zip_source_path_and_bytes(tmp_path: Path) -> None:
    path = write_keras(tmp_path / "model.keras", DENSE_MODEL, {"model.weights.h5": b"\0" * 64})
    for source in (path, str(path), path.read_bytes()):
        report = initspec.scan(source)
        assert report.format == "keras"
        assert report.member == "config.json"
        check_dense_model(report)
        assert {e.line for e in report.errors} == {None}  # no text positions inside a zip


def test_h5_sources_model_config_as_str_and_as_bytes(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    text = json.dumps(DENSE_MODEL)
    as_str = write_h5(tmp_path / "str.h5", text, keras_version="2.15.0", backend="tensorflow")
    as_bytes = write_h5(tmp_path / "bytes.hdf5", np.bytes_(text.encode("utf-8")))
    h5py = pytest.importorskip("h5py")
    with h5py.File(as_str, "r") as handle:
        assert isinstance(handle.attrs["model_config"], str)
    with h5py.File(as_bytes, "r") as handle:
        assert isinstance(handle.attrs["model_config"], bytes)
    for path in (as_str, as_bytes):
        for source in (path, str(path), path.read_bytes()):
            report = initspec.scan(source)
            assert report.format == "h5"
            assert report.member == "model_config"
            check_dense_model(report)
            assert {e.line for e in report.errors} == {None}


def test_h5_bytes_model_config_with_non_ascii_text(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    model = json.loads(json.dumps(DENSE_MODEL))
    model["config"]["layers"][0]["config"]["name"] = "d\u00e9nse_\u4e2d"
    path = write_h5(tmp_path / "u.h5", np.bytes_(json.dumps(model, ensure_ascii=False).encode()))
    report = initspec.scan(path)
    assert report.findings[0].layer == "d\u00e9nse_\u4e2d"


def test_format_override_and_sniffing(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    odd = tmp_path / "model.txt"
    odd.write_text(json.dumps(DENSE_MODEL), encoding="utf-8")
    report = initspec.scan(odd)  # unknown extension: sniffed as JSON
    assert report.format == "json"
    check_dense_model(report)
    yaml_in_json = tmp_path / "really_yaml.json"
    yaml_in_json.write_text(YAML_DENSE, encoding="utf-8")
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(yaml_in_json)  # the extension says JSON
    assert "not valid JSON" in unreadable(excinfo).msg
    report = initspec.scan(yaml_in_json, format="yaml")
    assert report.format == "yaml"
    check_dense_model(report)
    toml = tmp_path / "cfg.cfg"
    toml.write_text(TOML_DENSE, encoding="utf-8")
    assert initspec.scan(toml, format="toml").format == "toml"
    # zip and HDF5 content under a neutral name is recognised by its magic bytes
    zipped = write_keras(tmp_path / "model.bin", DENSE_MODEL)
    assert initspec.scan(zipped).format == "keras"
    h5 = write_h5(tmp_path / "model.dat", json.dumps(DENSE_MODEL))
    assert initspec.scan(h5).format == "h5"
    assert initspec.scan(h5.read_bytes()).format == "h5"
    # a .keras file named .h5 is not silently accepted
    misnamed = tmp_path / "model.h5"
    misnamed.write_bytes(zipped.read_bytes())
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(misnamed)
    assert "not an HDF5 file" in unreadable(excinfo).msg
    check_dense_model(initspec.scan(misnamed, format="keras"))


@pytest.mark.parametrize("fmt", ["json", "yaml", "toml"])
def test_binary_container_declared_as_text_is_unreadable(tmp_path: Path, fmt: str) -> None:
    zipped = write_keras(tmp_path / "m.keras", DENSE_MODEL).read_bytes()
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(zipped, format=fmt)
    assert "zip" in unreadable(excinfo).msg


def test_a_non_document_source_is_rejected() -> None:
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(42)  # type: ignore[arg-type]
    assert excinfo.value.errors[0].type == "invalid_argument"


def test_custom_objects_are_used() -> None:
    import numpy as np

    class Twos(initspec.Initializer):
        class config_model(initspec.InitializerConfig):
            pass

        def generate(self, shape: Any, dtype: Any) -> Any:
            return np.full(shape, 2, dtype)

    text = '{"kernel_initializer": {"class_name": "Twos", "config": {}}}'
    assert not initspec.scan(text).ok
    report = initspec.scan(text, custom_objects={"Twos": Twos})
    assert report.ok
    assert isinstance(report.findings[0].initializer, Twos)


# --- every Keras structure, in real fixtures ---------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_fixture_findings_match_an_independent_walk(flavour: str, model: str, fmt: str) -> None:
    path = fixture_path(flavour, model, fmt)
    doc = fixture_doc(flavour, model, fmt)
    expected = initializer_locs(doc)
    assert expected, "the fixture holds initializer configs"
    report = initspec.scan(path)
    assert report.format == fmt
    assert report.member == MEMBER[fmt]
    assert report.ok, [str(e) for e in report.errors]
    assert len(report.findings) == len(expected)
    assert [f.pointer for f in report.findings] == [pointer_of(loc) for loc in expected]
    for finding, loc in zip(report.findings, expected, strict=True):
        assert finding.loc == loc
        assert finding.attribute == loc[-1]
        assert finding.config == at(doc, loc)
        layers = owning_layers(doc, loc)
        assert layers, f"{finding.pointer} is inside a layer"
        assert (finding.layer, finding.layer_class) == layers[-1]
        assert finding.layer_path == tuple(name or cls for name, cls in layers)
        assert isinstance(finding.initializer, initspec.Initializer)
        assert finding.errors == []
        assert finding.to_dict()["ok"] is True


def seeded(config: Any) -> bool:
    """Whether a config fixes the seed (unseeded initializers draw a new one when built)."""
    if not isinstance(config, dict):
        return False
    seed = (config.get("config") or {}).get("seed", "no seed")
    return seed is not None


def sample(init: Any) -> Any:
    """The values an initializer makes (a behavioural fingerprint, comparable across files)."""
    for shape in ((4, 4), (4, 1, 4)):
        try:
            return init(shape).tolist()
        except initspec.InitializerError:
            continue
    raise AssertionError(f"{init!r} builds no test shape")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_same_model_same_findings_in_json_keras_and_h5(flavour: str, model: str) -> None:
    reports = {fmt: initspec.scan(fixture_path(flavour, model, fmt)) for fmt in FORMATS}

    def summary(report: initspec.ScanReport, strip: bool) -> list[Any]:
        return [
            (
                f.pointer,
                f.attribute,
                f.layer,
                f.layer_class,
                f.layer_path,
                strip_shared_ids(f.config) if strip else f.config,
                type(f.initializer),
                sample(f.initializer) if seeded(f.config) else None,
            )
            for f in report.findings
        ]

    # .h5 holds the same model_config text as .json: identical findings
    assert summary(reports["h5"], False) == summary(reports["json"], False)
    # .keras adds shared_object_id where an object is serialized twice; the rest agrees
    assert summary(reports["keras"], True) == summary(reports["json"], True)


def findings_by_pointer(report: initspec.ScanReport) -> dict[str, initspec.Finding]:
    return {f.pointer: f for f in report.findings}


def layer_index(doc: Any, name: str) -> int:
    names = [layer["config"]["name"] for layer in doc["config"]["layers"]]
    return names.index(name)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_sequential_and_batch_normalization(flavour: str, fmt: str) -> None:
    doc = fixture_doc(flavour, "sequential", fmt)
    assert doc["class_name"] == "Sequential"
    found = findings_by_pointer(initspec.scan(fixture_path(flavour, "sequential", fmt)))
    bn = next(
        i
        for i, lay in enumerate(doc["config"]["layers"])
        if lay["class_name"] == "BatchNormalization"
    )
    for attribute in (
        "beta_initializer",
        "gamma_initializer",
        "moving_mean_initializer",
        "moving_variance_initializer",
    ):
        finding = found[f"/config/layers/{bn}/config/{attribute}"]
        assert finding.layer == doc["config"]["layers"][bn]["config"]["name"]
        assert finding.layer_class == "BatchNormalization"
        assert finding.layer_path == (doc["config"]["name"], finding.layer)
    dense = layer_index(doc, "dense_he_normal_str")
    assert isinstance(
        found[f"/config/layers/{dense}/config/kernel_initializer"].initializer, initspec.HeNormal
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_functional_conv_prelu_depthwise_separable(flavour: str, fmt: str) -> None:
    doc = fixture_doc(flavour, "functional", fmt)
    assert doc["class_name"] == "Functional"
    report = initspec.scan(fixture_path(flavour, "functional", fmt))
    attrs_by_class: dict[str, set[str]] = {}
    for f in report.findings:
        attrs_by_class.setdefault(f.layer_class, set()).add(f.attribute)
        assert f.layer_path[0] == doc["config"]["name"]
    assert attrs_by_class["PReLU"] == {"alpha_initializer"}
    assert "depthwise_initializer" in attrs_by_class["DepthwiseConv2D"]
    assert {"depthwise_initializer", "pointwise_initializer"} <= attrs_by_class["SeparableConv2D"]
    assert {"kernel_initializer", "bias_initializer"} <= attrs_by_class["Conv2D"]
    head = layer_index(doc, "head")
    finding = findings_by_pointer(report)[f"/config/layers/{head}/config/kernel_initializer"]
    assert isinstance(finding.initializer, initspec.VarianceScaling)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_nested_models_layer_path(flavour: str, fmt: str) -> None:
    doc = fixture_doc(flavour, "nested", fmt)
    found = findings_by_pointer(initspec.scan(fixture_path(flavour, "nested", fmt)))
    outer = doc["config"]["name"]
    i_func = layer_index(doc, "inner_functional")
    inner_func = doc["config"]["layers"][i_func]
    i_deep = layer_index(inner_func, "deepest_sequential")
    deepest = inner_func["config"]["layers"][i_deep]
    assert deepest["class_name"] == "Sequential"
    i_dense = next(
        i for i, lay in enumerate(deepest["config"]["layers"]) if lay["class_name"] == "Dense"
    )
    dense_name = deepest["config"]["layers"][i_dense]["config"]["name"]
    pointer = (
        f"/config/layers/{i_func}/config/layers/{i_deep}/config/layers/{i_dense}"
        "/config/kernel_initializer"
    )
    finding = found[pointer]
    assert finding.layer == dense_name
    assert finding.layer_class == "Dense"
    assert finding.layer_path == (outer, "inner_functional", "deepest_sequential", dense_name)
    i_seq = layer_index(doc, "inner_sequential")
    inner_seq = [
        f for p, f in found.items() if p.startswith(f"/config/layers/{i_seq}/config/layers/")
    ]
    assert len(inner_seq) == len(initializer_locs(doc["config"]["layers"][i_seq]))
    assert {f.layer_path[:2] for f in inner_seq} == {(outer, "inner_sequential")}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_bidirectional_and_time_distributed(flavour: str, fmt: str) -> None:
    doc = fixture_doc(flavour, "wrappers", fmt)
    report = initspec.scan(fixture_path(flavour, "wrappers", fmt))
    found = findings_by_pointer(report)
    layers = doc["config"]["layers"]
    bi = next(i for i, lay in enumerate(layers) if lay["class_name"] == "Bidirectional")
    td = next(i for i, lay in enumerate(layers) if lay["class_name"] == "TimeDistributed")
    bi_config = layers[bi]["config"]
    for key in ("layer", "backward_layer"):
        inner = bi_config[key]
        for attribute in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
            finding = found[f"/config/layers/{bi}/config/{key}/config/{attribute}"]
            assert finding.layer == inner["config"]["name"]
            assert finding.layer_class == inner["class_name"] == "LSTM"
            assert finding.layer_path == (
                doc["config"]["name"],
                bi_config["name"],
                inner["config"]["name"],
            )
            assert finding.config == inner["config"][attribute]
    forward = found[f"/config/layers/{bi}/config/layer/config/kernel_initializer"]
    backward = found[f"/config/layers/{bi}/config/backward_layer/config/kernel_initializer"]
    assert type(forward.initializer) is not type(backward.initializer)  # differently initialized
    inner = layers[td]["config"]["layer"]
    finding = found[f"/config/layers/{td}/config/layer/config/kernel_initializer"]
    assert (finding.layer, finding.layer_class) == (inner["config"]["name"], inner["class_name"])
    assert finding.layer_path[1] == layers[td]["config"]["name"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_rnn_cell_stacked_cells_and_embedding(flavour: str, fmt: str) -> None:
    doc = fixture_doc(flavour, "rnn", fmt)
    found = findings_by_pointer(initspec.scan(fixture_path(flavour, "rnn", fmt)))
    layers = doc["config"]["layers"]
    emb = next(i for i, lay in enumerate(layers) if lay["class_name"] == "Embedding")
    assert found[f"/config/layers/{emb}/config/embeddings_initializer"].layer_class == "Embedding"
    rnns = [i for i, lay in enumerate(layers) if lay["class_name"] == "RNN"]
    single = next(i for i in rnns if layers[i]["config"]["cell"]["class_name"] != "StackedRNNCells")
    stacked = next(
        i for i in rnns if layers[i]["config"]["cell"]["class_name"] == "StackedRNNCells"
    )
    cell = layers[single]["config"]["cell"]
    finding = found[f"/config/layers/{single}/config/cell/config/recurrent_initializer"]
    assert (finding.layer, finding.layer_class) == (cell["config"]["name"], "SimpleRNNCell")
    assert finding.layer_path == (
        doc["config"]["name"],
        layers[single]["config"]["name"],
        cell["config"]["name"],
    )
    stack = layers[stacked]["config"]["cell"]
    cells = stack["config"]["cells"]
    assert len(cells) == 2
    for j, sub in enumerate(cells):
        base = f"/config/layers/{stacked}/config/cell/config/cells/{j}/config"
        for attribute in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
            finding = found[f"{base}/{attribute}"]
            assert (finding.layer, finding.layer_class) == (
                sub["config"]["name"],
                sub["class_name"],
            )
            assert finding.layer_path == (
                doc["config"]["name"],
                layers[stacked]["config"]["name"],
                stack["config"]["name"],
                sub["config"]["name"],
            )
    orthogonal = [f for f in found.values() if f.attribute == "recurrent_initializer"]
    assert orthogonal
    assert all(isinstance(f.initializer, initspec.Orthogonal) for f in orthogonal)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_shared_objects_in_keras_files(flavour: str) -> None:
    doc = fixture_doc(flavour, "shared", "keras")
    report = initspec.scan(fixture_path(flavour, "shared", "keras"))
    assert report.ok
    with_id = [f for f in report.findings if "shared_object_id" in f.config]
    assert with_id, "the .keras fixture carries shared_object_id"
    kernels = [f for f in report.findings if f.attribute == "kernel_initializer"]
    glorot = [f for f in kernels if strip_shared_ids(f.config)["class_name"] == "GlorotUniform"]
    assert len(glorot) == 3  # one object, three layers: each use is its own finding
    assert len({f.layer for f in glorot}) == 3
    ids = {f.config.get("shared_object_id") for f in glorot}
    assert len(ids - {None}) == 1  # the repeats carry the same id
    assert all(f.initializer == glorot[0].initializer for f in glorot)
    for finding in report.findings:  # configs exactly as stored, id included
        assert finding.config == at(doc, finding.loc)
    # and the same configs without the ids validate too (as in the .json file)
    assert initspec.scan(fixture_path(flavour, "shared", "json")).ok


def test_keras2_sequential_list_form() -> None:
    model = {
        "class_name": "Sequential",
        "config": [
            {
                "class_name": "Dense",
                "config": {
                    "name": "dense_1",
                    "units": 4,
                    "kernel_initializer": {
                        "class_name": "VarianceScaling",
                        "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"},
                    },
                    "bias_initializer": {"class_name": "Zeros", "config": {}},
                },
            },
            {
                "class_name": "Dense",
                "config": {
                    "name": "dense_2",
                    "units": 1,
                    "kernel_initializer": {"class_name": "RandomNormal", "config": {"sed": 1}},
                    "bias_initializer": "zeros",
                },
            },
        ],
        "keras_version": "2.0.8",
        "backend": "tensorflow",
    }
    report = initspec.scan(json.dumps(model))
    assert [f.pointer for f in report.findings] == [
        "/config/0/config/kernel_initializer",
        "/config/0/config/bias_initializer",
        "/config/1/config/kernel_initializer",
        "/config/1/config/bias_initializer",
    ]
    assert [f.layer for f in report.findings] == ["dense_1", "dense_1", "dense_2", "dense_2"]
    assert {f.layer_class for f in report.findings} == {"Dense"}
    for finding in report.findings:
        assert len(finding.layer_path) == 2  # the (unnamed) Sequential, then the Dense
        assert finding.layer_path[-1] == finding.layer
    assert [(e.pointer, e.type) for e in report.errors] == [
        ("/config/1/config/kernel_initializer/config/sed", "unknown_key")
    ]


def test_experiment_configs_any_depth_and_plain_strings() -> None:
    doc = {
        "runs": [
            {"name": "a", "init": {"kernel_initializer": "glorot_uniform"}},
            {"name": "b", "initializer": {"class_name": "Ones", "config": {}}},
        ],
        "x_initializer": None,
        "not_an_initializer_key": "nope",
        "my_initializer_settings": {"kernel_initializer": "he_uniform"},
    }
    report = initspec.scan(json.dumps(doc))
    expected = {pointer_of(loc) for loc in initializer_locs(doc)}
    assert {f.pointer for f in report.findings} == expected
    assert len(report.findings) == len(expected) == 4
    assert report.ok
    none = next(f for f in report.findings if f.attribute == "x_initializer")
    assert none.initializer is None
    assert none.ok
    assert all(f.layer is None and f.layer_path == () for f in report.findings)


def test_keys_with_slash_and_tilde_are_escaped_in_pointers() -> None:
    doc = {"a/b": {"m~n": {"kernel_initializer": "nope"}}}
    report = initspec.scan(json.dumps(doc))
    assert report.findings[0].pointer == "/a~1b/m~0n/kernel_initializer"
    assert report.findings[0].loc == ("a/b", "m~n", "kernel_initializer")
    assert report.errors[0].loc == ("a/b", "m~n", "kernel_initializer")


# --- errors: all of them, located -------------------------------------------------------------


def test_every_error_in_a_file_is_reported_with_absolute_locations() -> None:
    doc = {
        "encoder": {
            "kernel_initializer": {
                "class_name": "RandomNormal",
                "config": {"mean": "0", "stdev": 1, "seed": True},
            },
            "bias_initializer": "zeroz",
        },
        "decoder": [
            {"kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": 1.0}}},
            {"kernel_initializer": {"class_name": "Nope", "config": {}}},
            {"kernel_initializer": {"class_name": "Ones", "config": {}}},
        ],
    }
    report = initspec.scan(json.dumps(doc, indent=2))
    assert len(report.findings) == 5
    assert [f.ok for f in report.findings].count(False) == 4
    got = {(e.pointer, e.type) for e in report.errors}
    assert got == {
        ("/encoder/kernel_initializer/config/mean", "not_a_number"),
        ("/encoder/kernel_initializer/config/stdev", "unknown_key"),
        ("/encoder/kernel_initializer/config/seed", "not_an_integer"),
        ("/encoder/bias_initializer", "unknown_name"),
        ("/decoder/0/kernel_initializer/config/seed", "not_an_integer"),
        ("/decoder/1/kernel_initializer/class_name", "unknown_class_name"),
    }
    for error in report.errors:
        assert error.pointer == pointer_of(error.loc)
        assert error.line is not None
        assert error.column is not None
    for finding in report.findings:
        for error in finding.errors:
            assert error.loc[: len(finding.loc)] == finding.loc
    stdev = next(e for e in report.errors if e.type == "unknown_key")
    assert "stddev" in stdev.msg
    assert stdev.input == 1
    assert json.loads(json.dumps(report.to_dict()))["invalid"] == 4


@pytest.mark.parametrize(
    ("config", "range_error"),
    [
        ({"class_name": "VarianceScaling", "config": {"scale": -1.0}}, "/scale"),
        ({"class_name": "RandomNormal", "config": {"stddev": -1.0}}, "/stddev"),
        ({"class_name": "RandomUniform", "config": {"minval": 1.0, "maxval": -1.0}}, "/minval"),
    ],
    ids=["VarianceScaling-scale", "RandomNormal-stddev", "RandomUniform-minval"],
)
def test_range_errors_are_reported_beside_other_errors(
    config: dict[str, Any], range_error: str
) -> None:
    """Every problem of one config, not only those found before a cross-field check."""
    alone = initspec.scan(json.dumps({"kernel_initializer": config}))
    range_pointer = "/kernel_initializer/config" + range_error
    assert [e.pointer for e in alone.errors] == [range_pointer]
    both = {"class_name": config["class_name"], "config": {**config["config"], "seed": True}}
    report = initspec.scan(json.dumps({"kernel_initializer": both}))
    assert {e.pointer for e in report.errors} == {
        range_pointer,
        "/kernel_initializer/config/seed",
    }


def assert_located(report: initspec.ScanReport, text: str, expected: dict[str, Any]) -> None:
    """``expected``: pointer -> (type, needle[, nth]) located independently in ``text``."""
    errors = errors_by_pointer(report)
    assert set(errors) == set(expected)
    for pointer, spec in expected.items():
        type_, needle, *nth = spec
        error = errors[pointer]
        assert error.type == type_, pointer
        assert (error.line, error.column) == position(text, needle, *nth), pointer


JSON_CASES = {
    "tabs_and_crlf": (
        '{\r\n\t"layers":\t[\r\n\t\t{"kernel_initializer":\t"zeroz"},\r\n'
        '\t\t{"bias_initializer"\r\n\t\t\t:\r\n\t\t\t"onez"}\r\n\t]\r\n}\r\n',
        {
            "/layers/0/kernel_initializer": ("unknown_name", '"zeroz"'),
            "/layers/1/bias_initializer": ("unknown_name", '"onez"'),
        },
    ),
    "values_on_the_next_line": (
        '{\n  "model": {\n    "dense": {\n      "kernel_initializer":\n        {\n'
        '          "class_name":\n            "RandomNormal",\n          "config":\n'
        '            {"seed":\n               true,\n             "stdev"\n'
        "               : 2}\n        }\n    }\n  }\n}\n",
        {
            "/model/dense/kernel_initializer/config/seed": ("not_an_integer", "true"),
            "/model/dense/kernel_initializer/config/stdev": ("unknown_key", '"stdev"'),
        },
    ),
    "minified_one_line": (
        '{"a":{"kernel_initializer":{"class_name":"RandomNormal","config":{"stdev":1,'
        '"seed":true}}},"b":[1,2,{"c_initializer":"x"}],"d":{"e":{"f_initializer":{'
        '"class_name":"Constant","config":{"value":[[1,2],[3,"4"]]}}}}}',
        {
            "/a/kernel_initializer/config/stdev": ("unknown_key", '"stdev"'),
            "/a/kernel_initializer/config/seed": ("not_an_integer", "true"),
            "/b/2/c_initializer": ("unknown_name", '"x"'),
            "/d/e/f_initializer/config/value/1/1": ("not_a_number", '"4"'),
        },
    ),
    "escaped_quotes_and_solidus_in_keys": (
        '{"we\\"ird\\/key": {"note": "a \\\\\\" {[,:]} \\\\", '
        '"k\\u00e9y_initializer": {"class_name": "RandomNormal", '
        '"config": {"se\\"ed": 1, "seed": "\\/", "mean": 0}}}}',
        {
            '/we"ird~1key/k\u00e9y_initializer/config/se"ed': ("unknown_key", '"se\\"ed"'),
            '/we"ird~1key/k\u00e9y_initializer/config/seed': ("not_an_integer", '"\\/"'),
        },
    ),
    "unicode_before_the_error": (
        '{"name": "caf\u00e9 \U0001f600 e\u0301 \u4e2d", "kernel_initializer": "nope",\n'
        ' "x": "\U0001f600\U0001f600", "bias_initializer": {"class_name": "Zeros", '
        '"config": {"\u00e9": 1}}}',
        {
            "/kernel_initializer": ("unknown_name", '"nope"'),
            "/bias_initializer/config/\u00e9": ("unknown_key", '"\u00e9"'),
        },
    ),
    "escaped_unicode_counts_as_written": (
        '{"name": "\\ud83d\\ude00\\u00e9", "kernel_initializer": "nope"}',
        {"/kernel_initializer": ("unknown_name", '"nope"')},
    ),
    "missing_keys_point_at_the_enclosing_object": (
        '{"layer": {\n  "kernel_initializer":   {"config": {}},\n'
        '  "bias_initializer":\n    {"class_name": "RandomNormal", "config": {"seed":\n'
        '      {"class_name": "SeedGenerator"}}}}}',
        {
            "/layer/kernel_initializer/class_name": ("missing", '{"config"'),
            # (an initializer without config means its defaults; a SeedGenerator needs one)
            "/layer/bias_initializer/config/seed/config": ("missing", '{"class_name": "Seed'),
        },
    ),
    "deep_inside_a_config": (
        '{"kernel_initializer": {"class_name": "RandomNormal", "config": {"seed": '
        '{"module": "keras.random", "class_name": "SeedGenerator",\n'
        '  "config": {"seed": "s", "name": "g"}, "registered_name": null}}},\n'
        ' "other_initializer": {"class_name": "VarianceScaling", "config": {"mode": "fan_in",\n'
        '  "input_axes": [0, "a"], "output_axes": [1]}}}',
        {
            "/kernel_initializer/config/seed/config/seed": ("not_an_integer", '"s"'),
            "/other_initializer/config/input_axes/1": ("not_an_integer", '"a"'),
        },
    ),
    "duplicate_key_last_wins": (
        '{"kernel_initializer": "nope1",\n "kernel_initializer": "nope2"}',
        {"/kernel_initializer": ("unknown_name", '"nope2"')},
    ),
}


@pytest.mark.parametrize("case", sorted(JSON_CASES))
@pytest.mark.parametrize("via", ["text", "file"])
def test_json_line_and_column(tmp_path: Path, case: str, via: str) -> None:
    text, expected = JSON_CASES[case]
    json.loads(text)  # the case is valid JSON
    if via == "file":
        path = tmp_path / "case.json"
        path.write_bytes(text.encode("utf-8"))  # CRLF kept as written
        report = initspec.scan(path)
    else:
        report = initspec.scan(text)
    assert_located(report, text, expected)


def test_errors_inside_numpy_array_values_are_located() -> None:
    text = (
        '{"bias_initializer": {"class_name": "Constant", "config": {"value": {\n'
        '  "class_name": "__numpy__", "config": {"value": [[1, 2], [3, true]],'
        ' "dtype": "float32"}}}}}'
    )
    report = initspec.scan(text)
    assert_located(
        report,
        text,
        {"/bias_initializer/config/value/config/value/1/1": ("not_a_number", "true")},
    )


def test_findings_and_errors_are_in_document_order() -> None:
    text = (
        '{"outer": {"kernel_initializer": "bad1", "inner": {"kernel_initializer": "bad2"}},\n'
        ' "bias_initializer": "bad3",\n'
        ' "list": [{"a_initializer": "bad4"}, {"b": {"c_initializer": "bad5"}}],\n'
        ' "last_initializer": "bad6"}'
    )
    report = initspec.scan(text)
    expected = [
        "/outer/kernel_initializer",
        "/outer/inner/kernel_initializer",
        "/bias_initializer",
        "/list/0/a_initializer",
        "/list/1/b/c_initializer",
        "/last_initializer",
    ]
    assert [pointer_of(loc) for loc in initializer_locs(json.loads(text))] == expected
    assert [f.pointer for f in report.findings] == expected
    assert [e.pointer for e in report.errors] == expected
    lines = [(e.line, e.column) for e in report.errors]
    assert lines == sorted(lines)


YAML_CASES = {
    "block": (
        "# a comment\nmodel:\n  dense:\n    kernel_initializer:\n      class_name: RandomNormal\n"
        "      config:\n        mean: '0'\n        stdev: 1\n        seed: true\n"
        "    bias_initializer: zeroz\n    other_initializer:\n      config: {}\n",
        {
            "/model/dense/kernel_initializer/config/mean": ("not_a_number", "'0'"),
            "/model/dense/kernel_initializer/config/stdev": ("unknown_key", "stdev"),
            "/model/dense/kernel_initializer/config/seed": ("not_an_integer", "true"),
            "/model/dense/bias_initializer": ("unknown_name", "zeroz"),
            # a missing key: the enclosing (block) mapping, which starts at its first key
            "/model/dense/other_initializer/class_name": ("missing", "config", 1),
        },
    ),
    "flow": (
        "{model: {kernel_initializer: {class_name: RandomNormal, config: {stdev: 1, seed: true}}"
        ", x_initializer: {config: {}}, y_initializer: [1, 2]}}\n",
        {
            "/model/kernel_initializer/config/stdev": ("unknown_key", "stdev"),
            "/model/kernel_initializer/config/seed": ("not_an_integer", "true"),
            "/model/x_initializer/class_name": ("missing", "{config"),
            "/model/y_initializer": ("invalid_identifier", "[1, 2]"),
        },
    ),
    "values_on_the_next_line": (
        "kernel_initializer:\n  class_name:\n    RandomNormal\n  config:\n    seed:\n"
        "      1.5\n    stdev:\n      2\n",
        {
            "/kernel_initializer/config/seed": ("not_an_integer", "1.5"),
            "/kernel_initializer/config/stdev": ("unknown_key", "stdev"),
        },
    ),
    "unicode_before_the_error": (
        'name: "caf\u00e9 \U0001f600 e\u0301"\n'
        'x: {n: "\U0001f600e\u0301\u4e2d", kernel_initializer: nope}\n'
        "layers:\n  - {\u00e9: \U0001f600, bias_initializer: {class_name: Zeros, "
        "config: {k: 1}}}\n",
        {
            "/x/kernel_initializer": ("unknown_name", "nope"),
            "/layers/0/bias_initializer/config/k": ("unknown_key", "k: 1"),
        },
    ),
    "crlf_and_tabs": (
        "a:\r\n  kernel_initializer:\r\n    class_name: Zeros\r\n    config: {bad: 1}\r\n"
        'b: {n: "\t", c_initializer: nope}\r\n'
        'c: {n: "\t\t", d_initializer: {class_name: Ones, config: {bad2: 1}}}\r\n',
        {
            "/a/kernel_initializer/config/bad": ("unknown_key", "bad"),
            "/b/c_initializer": ("unknown_name", "nope"),
            "/c/d_initializer/config/bad2": ("unknown_key", "bad2"),
        },
    ),
    "quoted_keys": (
        '"we\\"ird/key":\n  "k\\u00e9y_initializer": {class_name: RandomNormal, '
        "config: {'se''ed': 1}}\n",
        {
            "/we\"ird~1key/k\u00e9y_initializer/config/se'ed": ("unknown_key", "'se''ed'"),
        },
    ),
}


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_yaml_line_and_column(tmp_path: Path, case: str) -> None:
    yaml = pytest.importorskip("yaml")
    text, expected = YAML_CASES[case]
    yaml.safe_load(text)  # the case is valid YAML
    path = tmp_path / "case.yaml"
    path.write_bytes(text.encode("utf-8"))
    assert_located(initspec.scan(path), text, expected)


def test_yaml_anchors_and_aliases() -> None:
    pytest.importorskip("yaml")
    text = (
        "layers:\n"
        "  - kernel_initializer: &k\n"
        "      class_name: RandomNormal\n"
        "      config:\n"
        "        mean: 0.0\n"
        "        seed: true\n"
        "  - kernel_initializer: *k\n"
        "  - bias_initializer: &b {class_name: Ones, config: {bad: 1}}\n"
        "  - bias_initializer: *b\n"
    )
    report = initspec.scan(text)
    errors = {e.pointer: (e.type, e.line, e.column) for e in report.errors}
    assert set(errors) == {
        "/layers/0/kernel_initializer/config/seed",
        "/layers/1/kernel_initializer/config/seed",
        "/layers/2/bias_initializer/config/bad",
        "/layers/3/bias_initializer/config/bad",
    }
    seed = position(text, "true")
    # where the anchor is defined, the error is exactly where the bad value is written
    assert errors["/layers/0/kernel_initializer/config/seed"] == ("not_an_integer", *seed)
    assert errors["/layers/2/bias_initializer/config/bad"] == (
        "unknown_key",
        *position(text, "bad"),
    )
    # through an alias: the bad value in the anchored text, or the alias itself
    assert errors["/layers/1/kernel_initializer/config/seed"][1:] in (seed, position(text, "*k"))
    assert errors["/layers/3/bias_initializer/config/bad"][1:] in (
        position(text, "bad"),
        position(text, "*b"),
    )


def test_yaml_alias_used_twice_gives_the_same_place_for_both() -> None:
    pytest.importorskip("yaml")
    text = (
        "base: &base\n"
        "  class_name: RandomNormal\n"
        "  config:\n"
        "    seed: true\n"
        "dense:\n"
        "  kernel_initializer: *base\n"
        "  bias_initializer: *base\n"
    )
    report = initspec.scan(text)
    places = {e.pointer: (e.line, e.column) for e in report.errors}
    kernel = places["/dense/kernel_initializer/config/seed"]
    bias = places["/dense/bias_initializer/config/seed"]
    assert kernel in (position(text, "true"), position(text, "*base", 0))
    assert bias in (position(text, "true"), position(text, "*base", 1))


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_errors_without_text_positions_carry_the_pointer(tmp_path: Path, fmt: str) -> None:
    if fmt == "keras":
        path = write_keras(tmp_path / "m.keras", DENSE_MODEL)
    else:
        path = write_h5(tmp_path / "m.h5", json.dumps(DENSE_MODEL))
    report = initspec.scan(path)
    assert {(e.pointer, e.line, e.column) for e in report.errors} == {
        ("/config/layers/1/config/kernel_initializer/config/stdev", None, None),
        ("/config/layers/1/config/bias_initializer", None, None),
    }


# --- files with nothing to check, and unreadable files ----------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.json", "{}"),
        ("list.json", '[1, 2, {"a": null}]'),
        ("scalar.json", "3"),
        ("plain.yaml", "a: 1\nb: [x, y]\n"),
        ("empty.yaml", ""),
        ("comment.yml", "# nothing here\n"),
        ("plain.toml", "a = 1\n[b]\nc = 'x'\n"),
    ],
)
def test_files_without_initializer_configs(tmp_path: Path, name: str, content: str) -> None:
    if name.endswith(("yaml", "yml")):
        pytest.importorskip("yaml")
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    report = initspec.scan(path)
    assert report.findings == []
    assert report.errors == []
    assert report.ok
    assert report.to_dict()["initializers"] == 0


def test_model_files_without_initializer_configs(tmp_path: Path) -> None:
    model = {
        "class_name": "Sequential",
        "config": {"name": "s", "layers": [{"class_name": "ReLU", "config": {"name": "r"}}]},
    }
    for report in (
        initspec.scan(write_keras(tmp_path / "m.keras", model)),
        initspec.scan(write_h5(tmp_path / "m.h5", json.dumps(model))),
        initspec.scan(write_h5(tmp_path / "weights_only.h5", None, layer_names=[b"dense"])),
    ):
        assert report.ok
        assert report.findings == []


def test_keras_file_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    path.write_text('{"kernel_initializer": "he_normal"}', encoding="utf-8")
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    record = unreadable(excinfo)
    assert "not a .keras file" in record.msg
    assert "zip" in record.msg
    assert str(path) in str(excinfo.value)


def test_damaged_zip(tmp_path: Path) -> None:
    data = write_keras(tmp_path / "ok.keras", DENSE_MODEL).read_bytes()
    path = tmp_path / "cut.keras"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    assert "zip" in unreadable(excinfo).msg


def test_keras_zip_without_config_json(tmp_path: Path) -> None:
    path = write_keras(tmp_path / "model.keras", None, {"model.weights.h5": b"x"})
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    assert "config.json" in unreadable(excinfo).msg


def test_keras_config_json_that_is_not_json(tmp_path: Path) -> None:
    text = '{"kernel_initializer":\n  "he_normal",, }'
    path = write_keras(tmp_path / "model.keras", text.encode())
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    record = unreadable(excinfo)
    assert "not valid JSON" in record.msg
    assert (record.line, record.column) == position(text, ",", 1)
    assert "config.json" in str(excinfo.value)


def test_h5_file_that_is_not_hdf5(tmp_path: Path) -> None:
    path = tmp_path / "model.h5"
    path.write_bytes(b"GIF89a not an hdf5 file")
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    assert "not an HDF5 file" in unreadable(excinfo).msg


def test_h5_model_config_that_is_not_text_or_not_utf8(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(write_h5(tmp_path / "int.h5", np.int64(5)))
    assert "model_config" in unreadable(excinfo).msg
    bad = np.bytes_(b'{"name": "\xff", "kernel_initializer": "zeros"}')
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(write_h5(tmp_path / "bad.h5", bad))
    assert "UTF-8" in unreadable(excinfo).msg
    assert "model_config" in str(excinfo.value)
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(write_h5(tmp_path / "nojson.h5", "{not json"))
    assert "not valid JSON" in unreadable(excinfo).msg


@pytest.mark.parametrize(
    ("text", "needle", "shift"),
    [
        ('{"kernel_initializer": "he_normal",, }', ",,", 1),
        ('{\n  "a": 1,\n  "b": tru\n}', "tru", 0),
        ('{"a": [1, 2}', "}", 0),
        ('{"a": 1}\r\n{"b": 2}', '{"b"', 0),
        ('{\t"a":\t\u00e9\u00e9}', "\u00e9", 0),
        ('{"\U0001f600": 1 "b": 2}', '"b"', 0),
    ],
)
def test_json_that_is_not_json(tmp_path: Path, text: str, needle: str, shift: int) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    record = unreadable(excinfo)
    assert record.msg.startswith("not valid JSON")
    line, column = position(text, needle)
    assert (record.line, record.column) == (line, column + shift)


def test_invalid_utf8(tmp_path: Path) -> None:
    data = '{"name": "caf\u00e9 \U0001f600",\n "x": "\u00e9\U0001f600'.encode() + b"\xff" + b'"}'
    path = tmp_path / "x.json"
    path.write_bytes(data)
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    record = unreadable(excinfo)
    assert "UTF-8" in record.msg
    # line 2; the column counts characters: ' "x": "' and two more characters (of 2 and 4
    # bytes) are 9 characters, so the bad byte is the 10th character (but the 14th byte)
    assert (record.line, record.column) == (2, 10)
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(b"a: 1\nb: '\xc3\xa9\xe2\x82\xac\xfe'\n")
    assert (unreadable(excinfo).line, excinfo.value.errors[0].column) == (2, 7)


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('a = 1\nb = [1, 2\nc = "x"\n', encoding="utf-8")
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    record = unreadable(excinfo)
    assert record.msg.startswith("not valid TOML")
    assert "line" in record.msg
    assert (record.line, record.column) == (3, 1)  # where tomllib stopped


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    text = "a:\n  b: [1, 2\n  c: 3\n"
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(text)
    record = unreadable(excinfo)
    assert record.msg.startswith("not valid YAML")
    assert record.line == 3


def test_yaml_python_object_tag_is_refused_and_not_run(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    marker = tmp_path / "pwned"
    text = f"kernel_initializer: !!python/object/apply:os.system ['touch {marker}']\n"
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    record = unreadable(excinfo)
    assert "python/object/apply:os.system" in record.msg
    assert record.line == 1
    assert record.column == position(text, "!!python")[1]
    assert not marker.exists()


def test_nonexistent_path_and_directory(tmp_path: Path) -> None:
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(tmp_path / "missing.json")
    assert "cannot read" in unreadable(excinfo).msg
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(str(tmp_path / "missing.yaml"))
    unreadable(excinfo)
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(tmp_path, format="json")
    unreadable(excinfo)


# --- the valid path never computes positions --------------------------------------------------


def test_valid_files_do_not_compute_positions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("yaml")

    class PositionsComputed(Exception):
        pass

    def boom(*args: Any) -> Any:
        raise PositionsComputed

    monkeypatch.setattr(files_module, "_json_positions", boom)
    monkeypatch.setattr(files_module, "_yaml_positions", boom)
    valid_json = fixture_path("keras3", "rnn", "json")
    assert initspec.scan(valid_json).ok
    assert initspec.scan(valid_json.read_text(encoding="utf-8")).ok
    valid_yaml = tmp_path / "v.yaml"
    valid_yaml.write_text(YAML_DENSE.replace("zeroz", "zeros").replace("stdev", "stddev"))
    assert initspec.scan(valid_yaml).ok
    assert initspec.scan("{}").ok
    # ... and an invalid one does need them (so the patch is in the right place)
    with pytest.raises(PositionsComputed):
        initspec.scan('{"kernel_initializer": "nope"}')
    with pytest.raises(PositionsComputed):
        initspec.scan(YAML_DENSE)


def test_reports_are_json_serializable() -> None:
    text = '{"kernel_initializer": {"class_name": "Constant", "config": {"value": [[1, 2], [3]]}}}'
    report = initspec.scan(text)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["source"] == "<text>"
    assert data["format"] == "json"
    assert data["ok"] is False
    assert data["initializers"] == 1
    assert data["invalid"] == 1
    error = data["findings"][0]["errors"][0]
    assert error["pointer"] == "/kernel_initializer/config/value/1"
    assert (error["line"], error["column"]) == position(text, "[3]")
    assert error["type"] == "invalid_value"


def test_bytes_io_is_not_a_source() -> None:
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(io.BytesIO(b"{}"))  # type: ignore[arg-type]
    assert excinfo.value.errors[0].type == "invalid_argument"
    assert "BytesIO" in excinfo.value.errors[0].msg
