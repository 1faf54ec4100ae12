"""Every Keras file form (issue 9): Keras 1 keys, to_yaml() tuples, double-encoded JSON,
mislabelled files, SavedModel directories; each with a mutation (one typo, found and located).

Fixtures: ``tests/fixtures/legacy/`` (``scripts/make_legacy_fixtures.py``) and the tf-keras and
Keras 3 model files in ``tests/fixtures/``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import initspec
from helpers import (
    fixture_doc,
    fixture_path,
    position,
    strip_shared_ids,
    unreadable,
    write_h5,
    write_keras,
)
from initspec import _keras1, _savedmodel, cli

LEGACY = Path(__file__).parent / "fixtures" / "legacy"
yaml = pytest.importorskip("yaml")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    out = capsys.readouterr()
    return status, out.out, out.err


def json_run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    status, out, _ = run(["validate", "--isolated", "--format", "json", *argv], capsys)
    return status, json.loads(out)


def typo(text: str, old: str, new: str, nth: int = 0) -> str:
    """``text`` with the nth occurrence of ``old`` replaced by ``new``."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(old, index + 1)
    return text[:index] + new + text[index + len(old) :]


# --- Keras 1 ------------------------------------------------------------------------------------

KERAS1_SEQUENTIAL = [
    ("/config/0/config/init", "embeddings_initializer", "init", "embedding_1"),
    ("/config/1/config/init", "kernel_initializer", "init", "lstm_1"),
    ("/config/1/config/inner_init", "recurrent_initializer", "inner_init", "lstm_1"),
    ("/config/1/config/forget_bias_init", "unit_forget_bias", "forget_bias_init", "lstm_1"),
    ("/config/2/config/init", "kernel_initializer", "init", "gru_1"),
    ("/config/2/config/inner_init", "recurrent_initializer", "inner_init", "gru_1"),
    ("/config/3/config/init", "kernel_initializer", "init", "simplernn_1"),
    ("/config/3/config/inner_init", "recurrent_initializer", "inner_init", "simplernn_1"),
    ("/config/4/config/init", "kernel_initializer", "init", "dense_1"),
    ("/config/5/config/beta_init", "beta_initializer", "beta_init", "batchnormalization_1"),
    ("/config/5/config/gamma_init", "gamma_initializer", "gamma_init", "batchnormalization_1"),
    ("/config/6/config/init", "alpha_initializer", "init", "prelu_1"),
    ("/config/7/config/init", "kernel_initializer", "init", "dense_2"),
]


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".h5"])
def test_keras1_sequential_keys_are_found_with_their_keras2_names(suffix: str) -> None:
    if suffix == ".h5":
        pytest.importorskip("h5py")
    report = initspec.scan(LEGACY / f"keras1_sequential{suffix}")
    assert report.ok
    got = sorted((f.pointer, f.attribute, f.keras1_key, f.layer) for f in report.findings)
    assert got == sorted(KERAS1_SEQUENTIAL)
    classes = {f.layer: type(f.initializer).__name__ for f in report.findings}
    assert classes["embedding_1"] == "RandomUniform"  # Keras 1 "uniform"
    assert classes["prelu_1"] == "Zeros"  # Keras 1 "zero"
    assert classes["dense_2"] == "RandomNormal"  # Keras 1 "normal"
    by_pointer = {f.pointer: f for f in report.findings}
    assert type(by_pointer["/config/2/config/inner_init"].initializer).__name__ == "Identity"
    assert type(by_pointer["/config/1/config/forget_bias_init"].initializer).__name__ == "Ones"


def test_keras1_functional_model_wrappers_and_separable_conv() -> None:
    report = initspec.scan(LEGACY / "keras1_functional.json")
    assert report.ok
    got = {(f.pointer, f.attribute) for f in report.findings}
    assert got == {
        ("/config/layers/1/config/init", "kernel_initializer"),
        ("/config/layers/2/config/init", "depthwise_initializer+pointwise_initializer"),
        ("/config/layers/4/config/layer/config/init", "kernel_initializer"),
        ("/config/layers/4/config/layer/config/inner_init", "recurrent_initializer"),
        ("/config/layers/4/config/layer/config/forget_bias_init", "unit_forget_bias"),
        ("/config/layers/5/config/layer/config/init", "kernel_initializer"),
    }
    lstm = [f for f in report.findings if f.layer == "lstm_fw"]
    assert {f.layer_path for f in lstm} == {("model_1", "bidirectional_1", "lstm_fw")}
    from_yaml = initspec.scan(LEGACY / "keras1_functional.yaml")
    assert from_yaml.ok
    assert {(f.pointer, f.attribute) for f in from_yaml.findings} == got


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_typo_in_inner_init_fails_with_its_line(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (LEGACY / f"keras1_sequential{suffix}").read_text(encoding="utf-8")
    # the GRU's inner_init ("identity") becomes "identty"
    bad = typo(text, "identity", "identty")
    path = tmp_path / f"model{suffix}"
    path.write_text(bad, encoding="utf-8")
    report = initspec.scan(path)
    [error] = report.errors
    assert error.type == "unknown_name"
    assert error.pointer == "/config/2/config/inner_init"
    assert "identity" in error.msg  # did you mean
    line, column = position(bad, "identty")
    assert error.line == line
    assert error.column in (column, column - 1)  # YAML may start at the quote, JSON does
    [finding] = [f for f in report.findings if not f.ok]
    assert (finding.attribute, finding.keras1_key, finding.layer) == (
        "recurrent_initializer",
        "inner_init",
        "gru_1",
    )
    status, out, _ = run(["validate", "--isolated", str(path)], capsys)
    assert status == 1
    assert f"{path}:{line}:" in out
    status, report_json = json_run([str(path)], capsys)
    [error_json] = report_json["files"][0]["errors"]
    assert error_json["keras1_key"] == "inner_init"
    assert error_json["attribute"] == "recurrent_initializer"


def test_keras1_h5_without_a_version_in_its_config_is_recognised_by_its_layers(
    tmp_path: Path,
) -> None:
    model = json.loads((LEGACY / "keras1_sequential.json").read_text(encoding="utf-8"))
    del model["keras_version"]  # as model.save() wrote model_config
    model["config"][1]["config"]["inner_init"] = "orthogonl"
    path = write_h5(tmp_path / "m.h5", json.dumps(model), keras_version="1.2.2")
    [error] = initspec.scan(path).errors
    assert (error.pointer, error.type) == ("/config/1/config/inner_init", "unknown_name")


def test_init_keys_are_not_keras1_keys_in_later_keras_files(tmp_path: Path) -> None:
    layer = {"class_name": "MyLayer", "config": {"name": "x", "init": "not an initializer"}}
    for version in ("2.15.0", "3.15.1"):
        doc = {"class_name": "Sequential", "config": [layer], "keras_version": version}
        assert initspec.scan(json.dumps(doc)).findings == []
    # a .keras zip (Keras 3) never holds Keras 1 layers; nor does a SavedModel (TF 2)
    keras = write_keras(tmp_path / "m.keras", {"class_name": "Sequential", "config": [layer]})
    assert initspec.scan(keras).findings == []
    # undeclared, a non-string init is no Keras 1 layer (Keras 1 wrote names)
    odd = {"class_name": "Block", "config": {"name": "b", "init": {"scale": 2}}}
    assert initspec.scan(json.dumps(odd)).findings == []
    # ... and keys outside a serialized layer are not layer attributes
    assert initspec.scan('{"init": "nope", "keras_version": "1.2.2"}').findings == []


def test_keras1_declared_documents_check_every_star_init_key() -> None:
    doc = {
        "keras_version": "1.1.0",
        "class_name": "Sequential",
        "config": [{"class_name": "Custom", "config": {"name": "c", "gate_init": "zeroo"}}],
    }
    [finding] = initspec.scan(json.dumps(doc)).findings
    assert (finding.attribute, finding.keras1_key, finding.ok) == (
        "gate_initializer",
        "gate_init",
        False,
    )


def test_keras1_mapping_table() -> None:
    assert _keras1.attributes("Embedding", {"init": "uniform"}, True) == [
        ("init", "embeddings_initializer")
    ]
    assert _keras1.attributes("Convolution2D", {"init": "he_normal"}, True) == [
        ("init", "kernel_initializer")
    ]
    assert _keras1.attributes(
        "BatchNormalization", {"beta_init": "zero", "gamma_init": "one"}, True
    ) == [("beta_init", "beta_initializer"), ("gamma_init", "gamma_initializer")]
    assert _keras1.declared_keras1({"keras_version": "1.2.2"}) is True
    assert _keras1.declared_keras1({"keras_version": "2.0.0"}) is False
    assert _keras1.declared_keras1({"keras_version": 1}) is None
    assert _keras1.declared_keras1([]) is None


# --- to_yaml() files ----------------------------------------------------------------------------


def test_keras2_to_yaml_is_read_with_its_tuples() -> None:
    path = LEGACY / "keras2_to_yaml.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("!!python/tuple") >= 5
    report = initspec.scan(path)
    assert report.ok
    assert len(report.findings) == 13
    assert {f.layer for f in report.findings} == {"conv", "bn", "lstm", "inner_dense", "head"}
    by_pointer = {f.pointer: f for f in report.findings}
    orthogonal = by_pointer["/config/layers/4/config/layers/1/config/kernel_initializer"]
    assert orthogonal.config["class_name"] == "Orthogonal"
    assert orthogonal.config["config"] == {"gain": 2.0, "seed": 3}


def test_a_typo_in_a_to_yaml_file_is_located(tmp_path: Path) -> None:
    text = (LEGACY / "keras2_to_yaml.yaml").read_text(encoding="utf-8")
    bad = typo(text, "class_name: HeNormal", "class_name: HeNormol")
    path = tmp_path / "m.yaml"
    path.write_text(bad, encoding="utf-8")
    [error] = initspec.scan(path).errors
    assert error.type == "unknown_class_name"
    assert error.pointer == "/config/layers/1/config/kernel_initializer/class_name"
    assert (error.line, error.column) == position(bad, "HeNormol")


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("k: !!python/object/apply:os.system [x]\n", "!!python/object/apply:os.system"),
        ("k: !!python/object/new:subprocess.Popen [x]\n", "!!python/object/new:subprocess.Popen"),
        ("k: !!python/name:os.system ''\n", "!!python/name:os.system"),
        ("k: !!python/module:os ''\n", "!!python/module:os"),
        ("a: !!python/tuple [1]\nk: !!python/object:os.system {}\n", "!!python/object:os.system"),
    ],
)
def test_code_running_tags_are_refused_by_name(tmp_path: Path, text: str, tag: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    record = unreadable(excinfo)
    assert record.msg == f"uses the tag {tag}, which initspec refuses: it would run code"
    assert "not valid YAML" not in record.msg
    assert (record.line, record.column) == position(text, "!!python/" + tag.split("/")[1])


def test_unknown_tags_and_misused_tuples_are_refused_by_name() -> None:
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan("k: !Evil {x: 1}\n", format="yaml")
    assert unreadable(excinfo).msg.startswith("uses the tag !Evil, which initspec does not read")
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan("k: !!python/tuple {a: 1}\n", format="yaml")
    assert "!!python/tuple" in unreadable(excinfo).msg
    # a tuple is a list, also when nested, aliased or empty
    report = initspec.scan(
        "s: &s !!python/tuple [1, !!python/tuple [2, 3]]\nt: *s\nu: !!python/tuple []\n"
        "kernel_initializer: {class_name: Zeros, config: {}}\n",
        format="yaml",
    )
    assert report.ok
    assert len(report.findings) == 1


def test_deeply_nested_tuples_meet_the_depth_bound_not_pythons_recursion_limit() -> None:
    def nested(depth: int) -> str:
        return "a: " + "!!python/tuple [" * depth + "]" * depth + "\n"

    assert initspec.scan(nested(900), format="yaml").findings == []  # as deep as lists go
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(nested(900), format="yaml", limits=initspec.Limits(max_depth=100))
    assert "nested deeper than 100 levels" in unreadable(excinfo).msg


# --- double-encoded JSON ------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["keras3", "tf_keras"])
def test_double_encoded_json_is_scanned_inside(tmp_path: Path, flavour: str) -> None:
    inner = fixture_path(flavour, "rnn", "json").read_text(encoding="utf-8")
    path = tmp_path / "model.json"
    with path.open("w", encoding="utf-8") as handle:
        json.dump(inner, handle)  # json.dump(model.to_json(), f)
    direct = initspec.scan(fixture_path(flavour, "rnn", "json"))
    report = initspec.scan(path)
    assert report.format == "json"
    assert report.member == "(the JSON string it holds)"
    assert [f.to_dict() for f in report.findings] == [f.to_dict() for f in direct.findings]
    assert report.findings  # the model has initializers


@pytest.mark.parametrize("indent", [None, 2])
def test_a_typo_inside_a_double_encoded_file_is_placed_in_the_outer_file(
    tmp_path: Path, indent: int | None
) -> None:
    model = fixture_doc("tf_keras", "rnn", "json")
    inner = json.dumps(model, indent=indent)
    inner = typo(inner, '"Orthogonal"', '"Orthogonol"')
    inner = typo(
        inner, '"class_name": "Zeros"', '"class_name": "Zeros", "note": "\u00e9\U0001f600"'
    )
    inner = typo(inner, '"Zeros"', '"Zeroz"', 1)
    outer = "\n  " + json.dumps(inner) + "\n"
    path = tmp_path / "model.json"
    path.write_text(outer, encoding="utf-8")
    report = initspec.scan(path)
    errors = report.errors
    assert [e.type for e in errors] == ["unknown_class_name", "unknown_key", "unknown_class_name"]
    direct = initspec.scan(inner)
    assert [e.pointer for e in errors] == [e.pointer for e in direct.errors]
    for error in errors:
        assert error.line == 2
        assert error.column is not None
    # each error points at the escaped text of the bad value in the outer file
    rest = [outer.splitlines()[1][e.column - 1 :] for e in errors]
    assert rest[0].startswith('\\"Orthogonol\\"'), rest[0][:20]
    assert rest[1].startswith('\\"note\\"'), rest[1][:20]
    assert rest[2].startswith('\\"Zeroz\\"'), rest[2][:20]
    # the unknown key sits after escapes (\\u00e9, a surrogate pair) on its line: still exact
    assert outer.splitlines()[1].count("\\u", 0, errors[2].column) == 3


def test_a_json_string_that_is_not_json_inside_is_unreadable_or_plain(tmp_path: Path) -> None:
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(json.dumps('{"kernel_initializer": "zeros",}'))
    assert "not valid JSON" in unreadable(excinfo).msg
    assert initspec.scan(json.dumps("just a string")).findings == []


# --- mislabelled files --------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["keras3", "tf_keras"])
def test_hdf5_named_keras_is_read_as_h5_and_a_typo_is_found(tmp_path: Path, flavour: str) -> None:
    pytest.importorskip("h5py")
    source = fixture_path(flavour, "sequential", "h5")
    path = tmp_path / "model.keras"
    shutil.copyfile(source, path)
    report = initspec.scan(path)
    assert report.format == "h5"
    assert [f.to_dict() for f in report.findings] == [
        f.to_dict() for f in initspec.scan(source).findings
    ]
    model = fixture_doc(flavour, "sequential", "h5")
    text = typo(json.dumps(model), '"HeNormal"', '"HeNormall"')
    write_h5(path, text)
    [error] = initspec.scan(path).errors
    assert error.type == "unknown_class_name"
    assert error.input == "HeNormall"


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("model.h5", "zip", "not an HDF5 file"),
        ("model.keras", "json", "not a .keras file"),
        ("model.json", "zip", "not JSON text"),
        ("model.yaml", "h5", "not YAML text"),
        ("model.h5", "json", "not an HDF5 file"),
    ],
)
def test_other_mislabelled_files_are_refused_naming_what_they_are(
    tmp_path: Path, name: str, content: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    model = fixture_doc("keras3", "sequential", "json")
    text = json.dumps(model, indent=1)
    bad_text = typo(text, '"Zeros"', '"Zeroes"')
    path = tmp_path / name
    if content == "zip":
        write_keras(path, bad_text.encode())
    elif content == "h5":
        write_h5(path, bad_text)
    else:
        path.write_text(bad_text, encoding="utf-8")
    is_what = {"zip": "a zip archive", "h5": "an HDF5 file", "json": "JSON text"}[content]
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    msg = unreadable(excinfo).msg
    assert says in msg
    assert f"it is {is_what}" in msg
    assert "--input-format" in msg
    real = {"zip": "keras", "h5": "h5", "json": "json"}[content]
    status, report = json_run([str(path)], capsys)
    assert status == 2
    assert report["files"][0]["format"] == real  # named even though unreadable
    # forcing the real format reads it, and finds the typo (with its line in JSON)
    status, report = json_run(["--input-format", real, str(path)], capsys)
    assert status == 1
    [error] = report["files"][0]["errors"]
    assert error["type"] == "unknown_class_name"
    if content == "json":
        assert (error["line"], error["column"]) == position(bad_text, '"Zeroes"')


# --- SavedModel directories ---------------------------------------------------------------------


def test_a_savedmodel_directory_written_by_tf_keras() -> None:
    report = initspec.scan(LEGACY / "savedmodel")
    assert report.format == "savedmodel"
    assert report.member == "keras_metadata.pb"
    assert report.ok

    # every initializer of the model's config (the same model as keras2_to_yaml.yaml) ...
    def plain(config: Any) -> str:  # the new (module, registered_name) and legacy forms
        drop = ("module", "registered_name")
        cleaned = {k: v for k, v in strip_shared_ids(config).items() if k not in drop}
        return json.dumps(cleaned, sort_keys=True)

    expected = {
        (f.layer, f.attribute, plain(f.config))
        for f in initspec.scan(LEGACY / "keras2_to_yaml.yaml").findings
    }
    got = [(f.layer, f.attribute, plain(f.config)) for f in report.findings]
    assert expected <= set(got)
    # ... reported once (the root node's config and model_config and each layer's node repeat
    # it); the layers Keras tracks besides (Bidirectional's copies, the LSTM cell) are extra
    assert len(got) == len(set(got))
    assert {f.layer for f in report.findings} - {e[0] for e in expected} == {
        "forward_lstm",
        "backward_lstm",
        "lstm_cell",
    }
    assert all(f.pointer.startswith("/nodes/") for f in report.findings)
    assert (
        initspec.scan(LEGACY / "savedmodel" / "keras_metadata.pb").to_dict()["findings"]
        == (report.to_dict()["findings"])
    )


def _rewrite(src: Path, dst: Path, edit: Any) -> None:
    document = _savedmodel.decode((src / "keras_metadata.pb").read_bytes())
    nodes = [edit(n) for n in document["nodes"]]
    dst.mkdir()
    (dst / "keras_metadata.pb").write_bytes(
        _savedmodel.encode_for_tests(
            [(n["node_id"], n["node_path"], n["identifier"], n["metadata"]) for n in nodes]
        )
    )


def test_a_typo_in_a_savedmodel_layer_node_is_found_at_its_node(tmp_path: Path) -> None:
    def edit(node: dict[str, Any]) -> dict[str, Any]:
        if node["node_path"] == "root.layer_with_weights-0":  # the Conv1D's own node
            node = {**node, "metadata": node["metadata"].replace('"HeNormal"', '"HeNormel"')}
        return node

    _rewrite(LEGACY / "savedmodel", tmp_path / "sm", edit)
    (tmp_path / "sm" / "saved_model.pb").write_bytes(b"")
    report = initspec.scan(tmp_path / "sm")
    [error] = report.errors
    assert error.type == "unknown_class_name"
    [bad] = [f for f in report.findings if not f.ok]
    assert bad.layer == "conv"
    assert bad.attribute == "kernel_initializer"
    document = _savedmodel.decode((tmp_path / "sm" / "keras_metadata.pb").read_bytes())
    index = int(bad.pointer.split("/")[2])
    assert document["nodes"][index]["node_path"] == "root.layer_with_weights-0"


def test_validate_finds_savedmodels_while_walking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(LEGACY / "savedmodel", tree / "exported" / "sm")
    variables = tree / "exported" / "sm" / "variables"
    variables.mkdir()
    (variables / "variables.index").write_bytes(b"\0\1binary")
    (variables / "config.json").write_text('{"kernel_initializer": "nope"}')  # never read
    (tree / "other.json").write_text('{"kernel_initializer": "zeros"}')
    status, report = json_run([str(tree)], capsys)
    assert status == 0, report
    files = {Path(f["path"]).relative_to(tree).as_posix(): f for f in report["files"]}
    assert set(files) == {"exported/sm", "other.json"}
    assert files["exported/sm"]["format"] == "savedmodel"
    assert files["exported/sm"]["initializers"] == 22
    for flags in (["--exclude", "sm"], ["--include", "*.json"]):
        status, report = json_run([*flags, str(tree)], capsys)
        assert [Path(f["path"]).name for f in report["files"]] == ["other.json"], flags
    status, report = json_run(["--include", "*/sm", str(tree)], capsys)
    assert [Path(f["path"]).name for f in report["files"]] == ["sm"]


def test_input_format_savedmodel_reads_a_metadata_file_under_any_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "exported.bin"
    shutil.copyfile(LEGACY / "savedmodel" / "keras_metadata.pb", path)
    with pytest.raises(initspec.InitializerError):
        initspec.scan(path)  # by its name and content: YAML text it is not
    assert len(initspec.scan(path, format="savedmodel").findings) == 22
    status, report = json_run(["--input-format", "savedmodel", str(path)], capsys)
    assert status == 0
    assert report["files"][0]["format"] == "savedmodel"


def test_a_savedmodel_without_keras_metadata_is_not_understood(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sm").mkdir()
    (tmp_path / "sm" / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(tmp_path / "sm")
    assert "without keras_metadata.pb" in unreadable(excinfo).msg
    status, report = json_run([str(tmp_path)], capsys)
    assert status == 2
    assert report["files"][0]["format"] == "savedmodel"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"\x0a\x05\x10", "past the end"),
        (b"\x0a" + b"\xff" * 11, "varint longer than 10 bytes"),
        (b"\x0b\x00", "wire type 3"),
        (b"\x10\x01", "holds no node"),
        (b"\x08\x01", "field 1 (nodes) has wire type 0"),
        (b"", "holds no node"),
        (b"\x0a\x03\x2a\x01\xff", "not UTF-8"),
        (b"\x0a\x04\x2a\x02{x", "not valid JSON"),
    ],
)
def test_malformed_keras_metadata_is_unreadable(tmp_path: Path, data: bytes, needle: str) -> None:
    (tmp_path / "sm").mkdir()
    (tmp_path / "sm" / "keras_metadata.pb").write_bytes(data)
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(tmp_path / "sm")
    assert needle in unreadable(excinfo).msg
    with pytest.raises(initspec.InitializerError):
        initspec.scan(data, format="savedmodel")


def test_keras_metadata_is_bounded(tmp_path: Path) -> None:
    (tmp_path / "sm").mkdir()
    data = (LEGACY / "savedmodel" / "keras_metadata.pb").read_bytes()
    (tmp_path / "sm" / "keras_metadata.pb").write_bytes(data)
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(tmp_path / "sm", limits=initspec.Limits(max_config_bytes=len(data) - 1))
    assert "more than the limit" in unreadable(excinfo).msg
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(tmp_path / "sm", limits=initspec.Limits(max_yaml_nodes=3))
    assert "nodes" in unreadable(excinfo).msg or "values" in unreadable(excinfo).msg
    deep = "[" * 5000 + "]" * 5000
    pb = _savedmodel.encode_for_tests([(0, "root", "_tf_keras_layer", deep)])
    with pytest.raises(initspec.InitializerError):
        initspec.scan(pb, format="savedmodel", limits=initspec.Limits(max_depth=100))


def test_no_position_work_for_valid_legacy_files(monkeypatch: pytest.MonkeyPatch) -> None:
    from initspec import _doubled, files

    def boom(*args: Any) -> Any:
        raise AssertionError("positions computed for a valid file")

    monkeypatch.setattr(files, "_json_positions", boom)
    monkeypatch.setattr(files, "_yaml_positions", boom)
    monkeypatch.setattr(_doubled, "outer_positions", boom)
    for path in sorted(p for p in LEGACY.iterdir() if p.suffix != ".md"):
        if path.suffix == ".h5" and "h5py" not in sys.modules:
            pytest.importorskip("h5py")
        assert initspec.scan(path).ok, path
    outer = json.dumps(fixture_path("keras3", "rnn", "json").read_text(encoding="utf-8"))
    assert initspec.scan(outer).ok
