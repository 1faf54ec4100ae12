"""``[tool.initspec]`` in ``pyproject.toml``: what ``initspec validate`` checks in a project.

The command reads the nearest ``pyproject.toml`` that has a ``[tool.initspec]`` table, from
the current directory up (as ruff and mypy find theirs; ``--config FILE`` names one,
``--isolated`` reads none). Command-line flags override it::

    [tool.initspec]
    include = ["*.json", "*.yaml", "*.keras"]        # replaced by --include
    exclude = ["drafts/*"]                           # replaced by --exclude
    extend-exclude = ["third_party/*"]               # --extend-exclude adds to it
    keys = ["*initializer", "init_*"]               # replaced by --keys
    per-file-ignores = { "legacy/*" = ["unknown_key"] }

An unknown key, a value of the wrong type, or an error type that does not exist is an error
(exit status 2) with a did-you-mean. ``unreadable_file`` cannot be ignored: a file initspec
did not understand is never reported as valid (``exclude`` it instead).

>>> settings = parse({"exclude": ["drafts/*"], "per-file-ignores": {"a/*": ["unknown_key"]}},
...                  "pyproject.toml")
>>> settings["exclude"], settings["per-file-ignores"]
(['drafts/*'], {'a/*': ['unknown_key']})
>>> try:
...     parse({"exlude": []}, "pyproject.toml")
... except ProjectConfigError as exc:
...     print(str(exc)[:80])
pyproject.toml: unknown key 'exlude' in [tool.initspec]; did you mean 'exclude'?
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ERROR_TYPES, closest, did_you_mean

__all__ = ["KEYS", "ProjectConfigError", "Settings", "find", "parse", "settings_for"]

#: Every key ``[tool.initspec]`` takes.
KEYS = ("exclude", "extend-exclude", "include", "keys", "per-file-ignores")
_LISTS = ("exclude", "extend-exclude", "include", "keys")


class ProjectConfigError(Exception):
    """A ``[tool.initspec]`` table initspec cannot use (the message is one line)."""


@dataclass
class Settings:
    """What ``initspec validate`` runs with: the project's config, overridden by flags."""

    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    keys: list[str] | None = None
    input_format: Any = None
    per_file_ignores: dict[str, frozenset[str]] = field(default_factory=dict)
    root: Path | None = None  #: the directory of the pyproject.toml read, if any
    source: str | None = None  #: its path

    def keep(self, path: str, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``errors`` less those ``per-file-ignores`` ignores for ``path``."""
        if not self.per_file_ignores:
            return errors
        ignored: set[str] = set()
        for pattern, types in self.per_file_ignores.items():
            if _matches(path, pattern, self.root):
                ignored |= types
        return [e for e in errors if e["type"] not in ignored]


def _matches(path: str, pattern: str, root: Path | None) -> bool:
    from .paths import PathFilter  # the one glob matcher --include/--exclude use

    target = Path(path)
    candidates = [target.as_posix()]
    if root is not None:
        with contextlib.suppress(ValueError, OSError):
            candidates.append(target.resolve().relative_to(root.resolve()).as_posix())
    rules = PathFilter(include=[pattern])
    return any(rules.wanted(rel.removeprefix("./")) for rel in candidates)


def _fail(source: str, msg: str) -> ProjectConfigError:
    return ProjectConfigError(f"{source}: {msg}")


def _strings(value: Any, key: str, source: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(source, f"[tool.initspec] {key} must be a list of strings (glob patterns)")
    return list(value)


def parse(table: Any, source: str) -> dict[str, Any]:
    """Check a ``[tool.initspec]`` table; return it with every value checked."""
    if not isinstance(table, dict):
        raise _fail(source, "[tool.initspec] must be a table")
    checked: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            hint = did_you_mean(closest(key, KEYS, n=1))
            raise _fail(
                source,
                f"unknown key {key!r} in [tool.initspec]{hint} (allowed: {', '.join(KEYS)})",
            )
        if key in _LISTS:
            checked[key] = _strings(value, key, source)
            continue
        if not isinstance(value, dict):
            raise _fail(
                source, "[tool.initspec] per-file-ignores must be a table of glob = [types]"
            )
        ignores: dict[str, list[str]] = {}
        for pattern, types in value.items():
            names = _strings(types, f"per-file-ignores.{pattern!r}", source)
            for name in names:
                if name == "unreadable_file":
                    raise _fail(
                        source,
                        "per-file-ignores cannot ignore unreadable_file (a file initspec did "
                        "not understand is never valid); exclude the file instead",
                    )
                if name not in ERROR_TYPES:
                    hint = did_you_mean(closest(name, ERROR_TYPES, n=1))
                    raise _fail(source, f"per-file-ignores: {name!r} is not an error type{hint}")
            ignores[pattern] = names
        checked[key] = ignores
    return checked


def find(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.initspec]`` table, from ``start`` up."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and "[tool.initspec" in _read(candidate):
            return candidate
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise _fail(str(path), f"cannot read it: {reason}") from None


def load(path: Path) -> dict[str, Any]:
    """The checked ``[tool.initspec]`` table of ``path`` (empty when it has none)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        document = tomllib.loads(_read(path))
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:
        raise _fail(str(path), f"not valid TOML: {' '.join(str(exc).split())}") from None
    tool = document.get("tool", {})
    table = tool.get("initspec", {}) if isinstance(tool, dict) else {}
    return parse(table, str(path))


def settings_for(args: argparse.Namespace) -> Settings:
    """The settings of one ``initspec validate`` run: its flags over the project's config."""
    path: Path | None = None
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise _fail(args.config, "no such file (--config)")
    elif not args.isolated:
        path = find(Path(os.getcwd()))
    config = load(path) if path is not None else {}
    return Settings(
        include=list(args.include) or config.get("include", []),
        exclude=[
            *(args.exclude or config.get("exclude", [])),
            *config.get("extend-exclude", []),
            *args.extend_exclude,
        ],
        keys=args.keys if args.keys is not None else config.get("keys"),
        input_format=args.input_format,
        per_file_ignores={k: frozenset(v) for k, v in config.get("per-file-ignores", {}).items()},
        root=path.parent if path is not None else None,
        source=str(path) if path is not None else None,
    )
