"""The environment: every ``INITSPEC_*`` number is read by ``limits.env_int``, one way.

A malformed value is an ``InitializerError`` naming the variable (in the library) or one line
on stderr (in the command), never a bound silently left at its default and never a bare
``ValueError``. The expectations are written out here, not derived from initspec.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import initspec
from initspec import cli
from initspec.errors import InitializerError
from initspec.limits import MAX_RANK, Limits, max_tensor_bytes

SRC = Path(initspec.__file__).parent

#: Each bound of ``Limits`` and the variable that sets it (as the README's table lists them).
LIMIT_VARIABLES = {
    "max_file_bytes": "INITSPEC_MAX_FILE_BYTES",
    "max_config_bytes": "INITSPEC_MAX_CONFIG_BYTES",
    "max_zip_members": "INITSPEC_MAX_ZIP_MEMBERS",
    "max_depth": "INITSPEC_MAX_DEPTH",
    "max_yaml_nodes": "INITSPEC_MAX_YAML_NODES",
    "max_h5_seconds": "INITSPEC_MAX_H5_SECONDS",
    "max_h5_memory_bytes": "INITSPEC_MAX_H5_MEMORY_BYTES",
}
#: Values that are not a whole number of digits: exponent, sign, fraction, word, hex, a
#: non-ASCII digit (``str.isdigit`` is true for it, ``int`` refuses it), and more digits than
#: ``int`` reads from a string.
MALFORMED = ["abc", "1e9", "-1", "+5", "2.5", "0x10", "1_000", "\u00b2", "12 34", "9" * 5000]


def _env_error(call: Any, variable: str) -> InitializerError:
    with pytest.raises(InitializerError) as info:
        call()
    error = info.value
    assert type(error) is InitializerError
    assert [r.type for r in error.errors] == ["invalid_argument"]
    assert error.errors[0].loc == (variable,)
    assert variable in error.errors[0].msg
    assert "whole number" in error.errors[0].msg
    return error


def test_the_limit_variables_are_the_fields_of_limits() -> None:
    assert [f.name for f in dataclasses.fields(Limits)] == list(LIMIT_VARIABLES)


@pytest.mark.parametrize("field", list(LIMIT_VARIABLES))
def test_a_limit_variable_sets_its_bound(field: str, monkeypatch: pytest.MonkeyPatch) -> None:
    default = getattr(Limits(), field)
    monkeypatch.setenv(LIMIT_VARIABLES[field], " 1234 ")  # surrounding blanks are ignored
    assert getattr(Limits(), field) == 1234
    monkeypatch.setenv(LIMIT_VARIABLES[field], "0")
    assert getattr(Limits(), field) == 0
    monkeypatch.setenv(LIMIT_VARIABLES[field], "")  # blank: as if unset
    assert getattr(Limits(), field) == default


@pytest.mark.parametrize("value", MALFORMED)
@pytest.mark.parametrize("field", list(LIMIT_VARIABLES))
def test_a_malformed_limit_variable_is_an_error_naming_it(
    field: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = LIMIT_VARIABLES[field]
    monkeypatch.setenv(variable, value)
    error = _env_error(Limits, variable)
    assert len(str(error)) < 300  # a 5,000-digit value is not echoed whole
    # scan() reads its limits from the environment: the same error, before any file is read
    _env_error(lambda: initspec.scan(Path(__file__)), variable)


def test_an_exponent_gets_the_digits_to_write(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INITSPEC_MAX_DEPTH", "1e9")
    assert "(write 1000000000)" in _env_error(Limits, "INITSPEC_MAX_DEPTH").errors[0].msg
    monkeypatch.setenv("INITSPEC_MAX_DEPTH", "abc")
    assert "(write" not in _env_error(Limits, "INITSPEC_MAX_DEPTH").errors[0].msg


@pytest.mark.parametrize("value", MALFORMED)
def test_a_malformed_max_bytes_is_an_error_of_the_call(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INITSPEC_MAX_BYTES", value)
    _env_error(max_tensor_bytes, "INITSPEC_MAX_BYTES")
    for init in (initspec.Zeros(), initspec.RandomNormal(seed=1), initspec.Orthogonal(seed=1)):
        _env_error(lambda init=init: init((4, 4)), "INITSPEC_MAX_BYTES")
    # out= allocates nothing and computes in place: nothing is bounded, nothing is read
    out = np.empty((4, 4), np.float32)
    assert initspec.Zeros()((4, 4), out=out) is out


def test_max_bytes_is_read_as_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INITSPEC_MAX_BYTES", " 64 ")
    assert max_tensor_bytes() == 64
    assert initspec.Zeros()((4, 4)).nbytes == 64
    with pytest.raises(InitializerError, match="INITSPEC_MAX_BYTES"):
        initspec.Zeros()((4, 5))


@pytest.mark.parametrize("value", [*MALFORMED, "0"])
def test_a_malformed_thread_count_is_an_error_naming_it(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INITSPEC_NUM_THREADS", value)
    error = _env_error(lambda: initspec.RandomNormal(seed=1)((4,)), "INITSPEC_NUM_THREADS")
    assert "at least 1" in error.errors[0].msg
    # an explicit threads= wins over the environment
    assert initspec.RandomNormal(seed=1)((4,), threads=1).shape == (4,)


def test_every_initspec_variable_is_read_in_limits() -> None:
    """No module but limits.py reads the environment for an ``INITSPEC_*`` setting."""
    read = re.compile(r"environ\.get\(|environ\[|getenv\(")
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "limits.py":
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if read.search(line):
                assert "INITSPEC" not in line, f"{path}:{number}: {line}"
                assert "_ENV" not in line, f"{path}:{number}: {line}"


# --- the command --------------------------------------------------------------------------


def _run(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as exc:  # pragma: no cover - argparse; not expected here
        return exc.code if isinstance(exc.code, int) else 2


@pytest.mark.parametrize("value", ["abc", "1e9", "-1"])
@pytest.mark.parametrize("variable", list(LIMIT_VARIABLES.values()))
def test_validate_with_a_malformed_limit_is_one_line_and_exit_2(
    variable: str,
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "model.json"
    config.write_text('{"kernel_initializer": "glorot_uniform"}')
    report = tmp_path / "report.json"
    monkeypatch.setenv(variable, value)
    assert _run(["validate", str(config), "--format", "json", "-o", str(report)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("initspec: ")
    assert variable in captured.err
    assert repr(value) in captured.err
    assert not report.exists()
    monkeypatch.delenv(variable)
    assert _run(["validate", str(config)]) == 0


@pytest.mark.parametrize("variable", ["INITSPEC_MAX_BYTES", "INITSPEC_NUM_THREADS"])
def test_show_with_a_malformed_call_variable_is_one_line(
    variable: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``show`` reports it as it reports a bad INITSPEC_NUM_THREADS: one line, exit 1."""
    monkeypatch.setenv(variable, "1e9")
    assert _run(["show", "he_normal", "--shape", "3,3"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert variable in captured.err
    assert "(write 1000000000)" in captured.err


# --- the rank bound -------------------------------------------------------------------------


def test_the_rank_bound_is_one_constant_for_shapes_and_config_arrays() -> None:
    assert MAX_RANK == 64  # numpy's own limit
    assert initspec.Zeros()((1,) * MAX_RANK).ndim == MAX_RANK
    with pytest.raises(InitializerError, match=f"at most {MAX_RANK} dimensions"):
        initspec.Zeros()((1,) * (MAX_RANK + 1))
    with pytest.raises(InitializerError, match=f"at most {MAX_RANK} dimensions"):
        initspec.Zeros().check_call([1] * (MAX_RANK + 1))

    def nested(depth: int) -> Any:
        value: Any = 1.0
        for _ in range(depth):
            value = [value]
        return value

    assert initspec.Constant(nested(MAX_RANK))((1,) * MAX_RANK).ndim == MAX_RANK
    with pytest.raises(InitializerError, match=f"{MAX_RANK} axes"):
        initspec.Constant(nested(MAX_RANK + 1))
