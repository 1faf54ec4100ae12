"""TOML positions and ``[tool.initspec]`` in ``pyproject.toml`` (issue 9)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import initspec
from helpers import TOML_DENSE, nodes, position
from initspec import cli, files
from initspec._tomlpos import positions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# --- TOML positions -----------------------------------------------------------------------------


def test_toml_errors_carry_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(TOML_DENSE, encoding="utf-8")
    report = initspec.scan(path)
    got = {(e.pointer, e.type, e.line, e.column) for e in report.errors}
    assert got == {
        (
            "/config/layers/1/config/kernel_initializer/config/stdev",
            "unknown_key",
            *position(TOML_DENSE, "stdev"),
        ),
        (
            "/config/layers/1/config/bias_initializer",
            "unknown_name",
            *position(TOML_DENSE, '"zeroz"'),
        ),
    }


TOML_FORMS = """\
# every way TOML can reach a value
title = "x"  # comment
[model]
name = 'm'
a.b.kernel_initializer = {class_name = "Zeros", config = {x = 1}}
arr = [
  1, # a comment, then a multi-line string with a quote run inside
  \"\"\"multi
\\\"\"\" line\"\"\",
  {kernel_initializer = "zz"},
]
'literal key' = 'C:\\no\\escapes'

[[model.layers]]
kernel_initializer = "zeroz"
[model.layers.sub]
q = 1
[[model.layers]]
"quoted.key" = 2
bias_initializer = {class_name = "RandomNormal", config = {stdev = 1}}
[[model.layers.inner]]
gamma_initializer = "onez"
"""


def test_toml_positions_follow_tables_arrays_inline_tables_and_strings() -> None:
    data = tomllib.loads(TOML_FORMS)
    values, keys = positions(TOML_FORMS)

    # every location of the parsed data has a value position, and it is the right one
    for loc, node in nodes(data):
        assert loc in values, loc
        if isinstance(node, str) and loc[-1] != "arr":
            line, column = values[loc]
            text_line = TOML_FORMS.splitlines()[line - 1]
            assert text_line[column - 1] in "\"'", (loc, text_line, column)
    assert values[("model", "layers", 1, "inner", 0, "gamma_initializer")] == position(
        TOML_FORMS, '"onez"'
    )
    assert keys[("model", "a", "b", "kernel_initializer", "config", "x")] == position(
        TOML_FORMS, "x = 1"
    )
    report = initspec.scan(TOML_FORMS, format="toml")
    got = {(e.pointer, e.line, e.column) for e in report.errors}
    assert got == {
        ("/model/a/b/kernel_initializer/config/x", *position(TOML_FORMS, "x = 1")),
        ("/model/arr/2/kernel_initializer", *position(TOML_FORMS, '"zz"')),
        ("/model/layers/0/kernel_initializer", *position(TOML_FORMS, '"zeroz"')),
        ("/model/layers/1/bias_initializer/config/stdev", *position(TOML_FORMS, "stdev")),
        ("/model/layers/1/inner/0/gamma_initializer", *position(TOML_FORMS, '"onez"')),
    }


def test_valid_toml_does_not_compute_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any) -> Any:
        raise AssertionError("positions computed for a valid file")

    monkeypatch.setattr(files, "_toml_positions", boom)
    assert initspec.scan(
        TOML_DENSE.replace("zeroz", "zeros").replace("stdev", "stddev"), format="toml"
    ).ok
    with pytest.raises(AssertionError):
        initspec.scan(TOML_DENSE, format="toml")


# --- [tool.initspec] ----------------------------------------------------------------------------

PYTORCH = "model:\n  initializer: xavier\n  layers: 3\n"
KERAS = '{"layers": [{"class_name": "Dense", "config": {"kernel_initializer": "he_normall"}}]}'


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with a PyTorch config, a Keras model and a draft, cwd in a subdirectory."""
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "torch.yaml").write_text(PYTORCH, encoding="utf-8")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "model.json").write_text(KERAS, encoding="utf-8")
    (tmp_path / "models" / "drafts").mkdir()
    (tmp_path / "models" / "drafts" / "wip.json").write_text(KERAS, encoding="utf-8")
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path / "src")
    return tmp_path


def write_config(repo: Path, body: str) -> None:
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.initspec]\n' + body, encoding="utf-8"
    )


def validate(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    status = cli.main(["validate", "--format", "json", *argv])
    out = capsys.readouterr()
    return status, json.loads(out.out) if out.out else None, out.err


def paths(report: Any, repo: Path) -> dict[str, str]:
    return {
        Path(f["path"]).resolve().relative_to(repo).as_posix(): f["status"] for f in report["files"]
    }


def test_without_config_another_frameworks_initializer_key_is_checked(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, report, _ = validate([str(repo)], capsys)
    assert status == 1
    assert paths(report, repo)["configs/torch.yaml"] == "invalid"


def test_keys_exclude_and_extend_exclude_from_pyproject(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(repo, 'keys = ["*_initializer"]\nextend-exclude = ["models/drafts/*"]\n')
    status, report, _ = validate([str(repo)], capsys)
    assert paths(report, repo) == {
        "configs/torch.yaml": "no_initializers",  # `initializer` alone is no longer a key
        "models/model.json": "invalid",
        "pyproject.toml": "no_initializers",
    }
    assert status == 1
    # command-line flags override the file
    status, report, _ = validate(["--keys", "*initializer", str(repo)], capsys)
    assert paths(report, repo)["configs/torch.yaml"] == "invalid"
    status, report, _ = validate(["--extend-exclude", "models/*", str(repo)], capsys)
    assert paths(report, repo) == {
        "configs/torch.yaml": "no_initializers",
        "pyproject.toml": "no_initializers",
    }
    assert status == 0
    # --isolated ignores the file
    status, report, _ = validate(["--isolated", str(repo)], capsys)
    assert len(report["files"]) == 4


def test_include_and_exclude_from_pyproject_and_flags(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(repo, 'include = ["*.json"]\nexclude = ["model.json"]\n')
    _, report, _ = validate([str(repo)], capsys)
    assert paths(report, repo) == {"models/drafts/wip.json": "invalid"}
    _, report, _ = validate(["--exclude", "models/drafts/*", str(repo)], capsys)
    assert paths(report, repo) == {"models/model.json": "invalid"}
    _, report, _ = validate(["--include", "*.yaml", str(repo)], capsys)
    assert set(paths(report, repo)) == {"configs/torch.yaml"}


def test_per_file_ignores(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(repo, '[tool.initspec.per-file-ignores]\n"configs/*" = ["unknown_name"]\n')
    status, report, _ = validate([str(repo)], capsys)
    got = paths(report, repo)
    assert got["configs/torch.yaml"] == "ok"
    assert got["models/model.json"] == "invalid"
    assert status == 1


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('exlude = ["x"]\n', "unknown key 'exlude' in [tool.initspec]; did you mean 'exclude'?"),
        ('key = ["x"]\n', "did you mean 'keys'?"),
        ('include = "x"\n', "include must be a list of strings"),
        ('per-file-ignores = {"a" = ["unknown_nam"]}\n', "did you mean 'unknown_name'?"),
        ('per-file-ignores = {"a" = ["unreadable_file"]}\n', "cannot ignore unreadable_file"),
        ("per-file-ignores = 3\n", "must be a table"),
        ("include = [\n", "not valid TOML"),
    ],
)
def test_bad_project_config_is_a_one_line_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str], body: str, needle: str
) -> None:
    write_config(repo, body)
    status, report, err = validate([str(repo)], capsys)
    assert status == 2
    assert report is None
    assert needle in err
    assert err.count("\n") == 1
    assert str(repo / "pyproject.toml") in err


def test_nearest_pyproject_with_a_table_wins_and_config_names_one(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(repo, 'keys = ["*_initializer"]\n')
    # a nearer pyproject.toml without [tool.initspec] does not hide the project's
    (repo / "src" / "pyproject.toml").write_text('[project]\nname = "y"\n', encoding="utf-8")
    _, report, _ = validate([str(repo / "configs")], capsys)
    assert paths(report, repo) == {"configs/torch.yaml": "no_initializers"}
    other = repo / "other.toml"
    other.write_text('[tool.initspec]\nkeys = ["layers"]\n', encoding="utf-8")
    _, report, _ = validate(["--config", str(other), str(repo / "configs")], capsys)
    assert paths(report, repo) == {"configs/torch.yaml": "invalid"}  # layers: 3
    status, _, err = validate(["--config", str(repo / "missing.toml"), str(repo)], capsys)
    assert status == 2
    assert "no such file" in err


def test_key_patterns_and_keras1_keys_report_a_key_once() -> None:
    doc = {
        "keras_version": "1.2.2",
        "class_name": "Sequential",
        "config": [{"class_name": "LSTM", "config": {"init": "zeroz", "inner_init": "one"}}],
    }
    report = initspec.scan(json.dumps(doc), keys=["init"])
    assert sorted((f.pointer, f.attribute) for f in report.findings) == [
        ("/config/0/config/init", "init"),
        ("/config/0/config/inner_init", "recurrent_initializer"),
    ]


def test_scan_keys_parameter() -> None:
    doc = {"init_w": "zeroz", "kernel_initializer": "nope", "x": {"init_b": "zeros"}}
    report = initspec.scan(json.dumps(doc), keys=["init_*"])
    assert [(f.pointer, f.ok) for f in report.findings] == [("/init_w", False), ("/x/init_b", True)]
