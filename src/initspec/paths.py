"""Which files ``initspec validate`` checks: the directory walk and its glob filters.

Globs follow ``.gitignore`` rules, as ruff and pre-commit users expect, matched against the
path relative to the directory given on the command line (``/`` separated):

- a glob without a ``/`` (``*.json``, ``drafts``) matches a name at any depth;
- a glob with a ``/`` (``models/*.json``, ``/top.json``) matches from the directory given;
- ``*`` and ``?`` never match a ``/``; ``**`` matches any number of folders, none included
  (``**/*.json`` matches ``a.json`` too); ``[abc]`` and ``[!abc]`` match one character;
- a glob that matches a folder matches everything under it (``--exclude drafts``); a glob
  ending in ``/`` matches folders only.

>>> rules = PathFilter(include=["**/*.json"], exclude=["drafts"])
>>> [rules.wanted(p) for p in ("a.json", "x/b.json", "drafts/c.json", "x/drafts/d.json", "e.yaml")]
[True, True, False, False, False]
>>> rules.unmatched()
[]
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Entry", "Glob", "PathFilter", "walk"]


def _known_suffixes() -> tuple[str, ...]:
    from .files import FORMATS  # what a directory walk checks when no include is given

    return tuple(FORMATS)


class Glob:
    """One gitignore-like glob (see the module documentation)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        text = pattern.replace("\\", "/") if os.sep == "\\" else pattern
        while text.startswith("./"):
            text = text[2:]
        self.directories_only = text.endswith("/")
        text = text.rstrip("/")
        anchored = "/" in text
        text = text.lstrip("/")
        if not anchored and not text.startswith("**"):
            text = "**/" + text
        self._regex = re.compile(_translate(text), re.DOTALL)

    def matches(self, rel: str, is_dir: bool = False) -> bool:
        """Whether the relative path ``rel`` (a file, or a folder when ``is_dir``) matches."""
        if self.directories_only and not is_dir:
            return False
        return self._regex.fullmatch(rel) is not None

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r})"


def _translate(glob: str) -> str:
    parts = glob.split("/")
    out: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]*/)*")
            continue
        out.append(_translate_part(part) + ("" if last else "/"))
    return "".join(out)


def _translate_part(part: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(part):
        char = part[i]
        i += 1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = part.find("]", i + 1 if part[i : i + 1] in ("!", "^") else i)
            if end < 0:
                out.append(re.escape(char))
                continue
            body = part[i:end]
            i = end + 1
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            body = body.replace("\\", "\\\\").replace("[", "\\[")
            out.append(f"[{'^/' if negate else ''}{body}]" if body else "(?!)")
        else:
            out.append(re.escape(char))
    return "".join(out)


@dataclass
class PathFilter:
    """``include`` and ``exclude`` globs; without includes, the formats initspec reads.

    A path is wanted when it, or a folder above it, matches an include (or, without includes,
    its extension is one initspec reads), and neither it nor a folder above it matches an
    exclude. :meth:`unmatched` names the globs that matched nothing seen so far.
    """

    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    suffixes: Sequence[str] = field(default_factory=_known_suffixes)
    _include: list[Glob] = field(init=False, repr=False)
    _exclude: list[Glob] = field(init=False, repr=False)
    _used: set[str] = field(init=False, repr=False, default_factory=set)

    def __post_init__(self) -> None:
        self._include = [Glob(p) for p in self.include]
        self._exclude = [Glob(p) for p in self.exclude]

    @property
    def active(self) -> bool:
        """Whether any glob was given."""
        return bool(self._include or self._exclude)

    def _hit(self, globs: Iterable[Glob], rel: str, is_dir: bool) -> bool:
        hit = False
        for glob in globs:
            if glob.matches(rel, is_dir):
                self._used.add(glob.pattern)
                hit = True
        return hit

    def excluded_dir(self, rel: str) -> bool:
        """Whether the folder ``rel`` (and so all under it) is excluded."""
        return self._hit(self._exclude, rel, True)

    def wanted(self, rel: str) -> bool:
        """Whether the file ``rel`` is checked (its folders are tested too)."""
        parts = rel.split("/")
        folders = ["/".join(parts[:k]) for k in range(1, len(parts))]
        if any(self._hit(self._exclude, d, True) for d in folders) or self._hit(
            self._exclude, rel, False
        ):
            return False
        if not self._include:
            return os.path.splitext(rel)[1].lower() in self.suffixes
        return self._hit(self._include, rel, False) or any(
            self._hit(self._include, d, True) for d in folders
        )

    def wanted_dir(self, rel: str) -> bool:
        """Whether the folder ``rel``, checked as one model (a SavedModel), is wanted: no
        exclude matches it or a folder above it, and an include (if any) matches one of them."""
        parts = rel.split("/")
        folders = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
        if any(self._hit(self._exclude, d, True) for d in folders):
            return False
        return not self._include or any(self._hit(self._include, d, True) for d in folders)

    def unmatched(self) -> list[str]:
        """The globs, ``--include`` ones first, that matched no path so far."""
        patterns = [*self.include, *self.exclude]
        return [p for p in dict.fromkeys(patterns) if p not in self._used]


@dataclass(frozen=True)
class Entry:
    """A path to check, or a folder that could not be listed (``error`` says why)."""

    path: str
    explicit: bool  #: named on the command line (checked whatever its name)
    error: str | None = None


def _file_id(path: str) -> tuple[int, int] | str:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return os.path.abspath(path)
    return (info.st_dev, info.st_ino)


def walk(paths: Sequence[str], rules: PathFilter) -> Iterator[Entry]:
    """Every file to check under ``paths``, each once, in a stable order.

    Files named explicitly are always checked (in the order given); directories are walked
    (hidden names skipped, symbolic links to folders followed once) and what they hold is
    filtered by ``rules``, sorted. A folder that cannot be listed, and an entry that is not a
    regular file (a broken link, a pipe, a device), is yielded too, never silently dropped:
    the caller reports it as unreadable.
    """
    seen: set[object] = set()
    for given in paths:
        if not _is_dir(given) or _is_model_dir(given):
            named: object = _file_id(given)
            if named not in seen:
                seen.add(named)
                yield Entry(given, True)
            continue
        found: list[Entry] = []
        for entry in _walk_dir(given, rules):
            listed: object = _file_id(entry.path) if entry.error is None else entry
            if listed in seen:
                continue
            seen.add(listed)
            found.append(entry)
        yield from sorted(found, key=lambda e: e.path)


def _is_model_dir(path: str) -> bool:
    """A SavedModel directory: one model, read (``keras_metadata.pb`` only), never walked."""
    from ._savedmodel import is_savedmodel

    return is_savedmodel(Path(path))


def _is_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _walk_dir(root: str, rules: PathFilter) -> Iterator[Entry]:
    stack: list[tuple[str, str]] = [(root, "")]
    visited: set[tuple[int, int]] = set()
    while stack:
        folder, rel = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in visited:
                continue  # a link back to a folder already walked
            visited.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                items = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield Entry(folder, False, f"cannot list the folder: {exc.strerror or exc}")
            continue
        folders: list[tuple[str, str]] = []
        for item in items:
            if item.name.startswith("."):
                continue
            child_rel = f"{rel}/{item.name}" if rel else item.name
            try:
                is_dir = item.is_dir()  # follows symbolic links
            except OSError:
                is_dir = False
            if is_dir and _is_model_dir(str(Path(folder, item.name))):
                if rules.wanted_dir(child_rel):
                    yield Entry(str(Path(folder, item.name)), False)
            elif is_dir:
                if not rules.excluded_dir(child_rel):
                    folders.append((str(Path(folder, item.name)), child_rel))
            elif rules.wanted(child_rel):
                yield Entry(str(Path(folder, item.name)), False)
        stack.extend(reversed(folders))
