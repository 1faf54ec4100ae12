"""The README: its two commands, its Python examples run, and its tables match the code."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

import initspec
from initspec.errors import ERROR_TYPES
from initspec.registry import builtin_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_readme_starts_with_exactly_two_commands() -> None:
    first = re.search(r"```(\w*)\n(.*?)```", README, flags=re.DOTALL)
    assert first is not None
    assert first.start() < README.index("\n## ")  # before any section
    lines = [line for line in first.group(2).splitlines() if line.strip()]
    assert len(lines) == 2
    install_and_run, install_and_test = lines
    assert install_and_run.startswith("pip install ")
    assert "initspec validate" in install_and_run
    assert "examples/" in install_and_run
    assert install_and_test.startswith("pip install ")
    assert "[test]" in install_and_test
    assert install_and_test.rstrip().endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = _blocks("sh")[0].strip().splitlines()[1].strip()
    assert test_command in ci


@pytest.mark.parametrize("index", range(len(_blocks("python"))))
def test_python_examples_run(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code = _blocks("python")[index]
    namespace: dict[str, object] = {"__name__": "readme_example"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README.md[python block {index}]", "exec"), namespace)
    # every "# expected output" comment right after a print(...) line matches what it printed
    printed = out.getvalue().splitlines()
    expected = [
        m.group(1).strip()
        for m in re.finditer(r"^print\(.*\)\s*#\s*(.+)$", code, flags=re.MULTILINE)
    ]
    for value in expected:
        assert any(value == line.strip() for line in printed), (value, printed)


def test_names_table_matches_the_registry() -> None:
    section = README.split("## Names and aliases", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\w+) \| ([^|]+) \|$", section, flags=re.MULTILINE)
    documented = {cls: [a.strip() for a in aliases.split(",")] for cls, aliases in rows}
    documented.pop("class", None)
    actual = {e.tag: [n for n in e.lookup_names if n != e.tag] for e in builtin_table().entries}
    assert documented == actual


def test_error_table_lists_every_error_type() -> None:
    section = README.split("## Error records", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z_]+)`", section))
    assert set(ERROR_TYPES) <= documented


def test_public_api_table_names_every_export() -> None:
    section = README.split("The public API", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(\w+)", section))
    assert set(initspec.__all__) - {"__version__"} <= documented


def test_no_registry_host_names_in_docs() -> None:
    forbidden = ("pypi.org", "files.pythonhosted.org", "registry.npmjs.org")
    for path in [ROOT / "README.md", *ROOT.glob("*.md"), *(ROOT / "benchmarks").glob("*.md")]:
        text = path.read_text(encoding="utf-8")
        for host in forbidden:
            assert host not in text, (path, host)


def test_environment_variables_documented() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))
    variables = set(re.findall(r"\"(INITSPEC_[A-Z_]+)\"", source))
    for name in variables:
        assert name in README, f"{name} is read by initspec but not documented in README.md"
    assert os.environ.get("INITSPEC_NOT_A_VARIABLE") is None
