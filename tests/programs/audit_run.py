"""Validate, build and scan a hostile corpus under an audit hook.

``python audit_run.py MANIFEST OUT``, run by ``tests/test_security.py``
(``test_hostile_configs_and_files_import_execute_and_open_nothing``) in a subprocess, because
``sys.addaudithook`` cannot be removed. MANIFEST is a JSON file: the warm-up files and
identifiers, the hostile ``identifiers``, the hostile ``files`` and the corpus ``root``. First
everything initspec (and numpy, pydantic, yaml, h5py, zipfile) imports lazily is warmed up on
benign input; then the hook is installed and every hostile item goes through ``get``,
``deserialize``, ``scan`` (by path and by bytes), ``cli.main`` and ``python -m initspec``. OUT
receives the watched events (with the item that caused each), the outcome of every item and the
modules imported under the hook; the test judges them.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.util
import io
import json
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

import initspec
from initspec import cli
from initspec.files import format_of

WATCHED = (
    "import", "exec", "compile", "open", "subprocess.Popen", "os.system", "os.exec",
    "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.startfile", "pty.spawn",
    "urllib.Request", "pickle.find_class", "marshal.loads", "marshal.load",
    "code.__new__", "function.__new__", "builtins.input", "os.remove", "os.rename",
    "os.mkdir", "os.rmdir", "os.symlink", "os.link", "os.truncate", "os.chmod",
    "shutil.copyfile", "shutil.rmtree", "shutil.move", "tempfile.mkstemp",
    "tempfile.mkdtemp", "zipimport.zipimporter",
)  # fmt: skip
PREFIXES = ("ctypes.", "socket.", "http.", "ftplib.", "smtplib.", "webbrowser.", "winreg.")
FORMATS = ("text", "json", "github", "sarif")

MAIN = importlib.util.find_spec("initspec.__main__")
assert MAIN is not None
assert MAIN.loader is not None
MAIN_CODE = MAIN.loader.get_code("initspec.__main__")  # type: ignore[attr-defined]


def quiet(func: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """``func(*args)`` with its output and warnings swallowed: ("ok", result), ("exit", code)
    or ("InitializerError", record types)."""
    out = io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(out),
        warnings.catch_warnings(record=True),
    ):
        warnings.simplefilter("always")
        try:
            return ("ok", func(*args))
        except SystemExit as exc:
            return ("exit", exc.code)
        except initspec.InitializerError as exc:
            return ("InitializerError", [r.type for r in exc.errors])


def run_module(argv: list[str]) -> None:
    """What ``python -m initspec ARGV`` runs (its code loaded before the hook)."""
    saved = sys.argv
    sys.argv = ["initspec", *argv]
    try:
        exec(  # initspec's own __main__, never anything named by the input
            MAIN_CODE,
            {
                "__name__": "__main__",
                "__package__": "initspec",
                "__spec__": MAIN,
                "__file__": MAIN.origin if MAIN else None,
                "__builtins__": builtins,
            },
        )
    finally:
        sys.argv = saved


def warm_up(warm: dict[str, Any]) -> None:
    """Everything initspec (and numpy, pydantic, yaml, h5py, zipfile) imports lazily."""
    for path in warm["files"]:
        with open(path, "rb") as handle:
            data = handle.read()
        for source in (path, data):
            quiet(lambda s: json.dumps(initspec.scan(s).to_dict()), source)
    for identifier in warm["identifiers"]:
        quiet(initspec.get, identifier)
        quiet(initspec.deserialize, identifier)
    for fmt in FORMATS:
        quiet(cli.main, ["validate", "--format", fmt, "-v", *warm["files"]])
        quiet(run_module, ["validate", "--format", fmt, *warm["files"]])
    quiet(initspec.get, "he_normal")


class Recorder:
    """The audit hook: records watched events while ``on``, tagged with the current item."""

    def __init__(self) -> None:
        self.on = False
        self.item: str | None = None
        self.events: list[dict[str, Any]] = []
        self.outcomes: list[dict[str, Any]] = []

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.on or not (event in WATCHED or event.startswith(PREFIXES)):
            return
        detail: list[Any]
        if event == "open":
            path = args[0]
            shown = os.fspath(path) if isinstance(path, (str, bytes, os.PathLike)) else repr(path)
            detail = [shown, str(args[1])]
        elif event == "import":
            detail = [str(args[0])]
        elif event == "subprocess.Popen":  # the whole command line, to check it
            detail = [os.fsdecode(args[0]), [os.fsdecode(a) for a in args[1]], str(args[2])]
        elif event == "exec":
            detail = [getattr(args[0], "co_filename", repr(args[0])[:200])]
        else:
            detail = [repr(a)[:200] for a in args]
        self.events.append({"item": self.item, "event": event, "detail": detail})

    def check(self, label: str, func: Callable[..., Any], *args: Any) -> None:
        """Run one item under the hook and keep its outcome."""
        self.item = label
        self.on = True
        try:
            outcome = quiet(func, *args)
        except BaseException as exc:
            outcome = ("error", type(exc).__name__ + ": " + str(exc)[:500])
        self.on = False
        self.outcomes.append({"item": label, "outcome": outcome[0], "detail": outcome[1]})


def canaries() -> None:
    """Things the hook must see, to show that it records."""
    open(os.devnull, "rb").close()
    __import__("colorsys")  # not imported by anything before
    exec(compile("1", "<canary>", "eval"))


def report(source: Any, fmt: Any = None) -> dict[str, Any]:
    rep = initspec.scan(source, format=fmt)
    json.dumps(rep.to_dict())
    return {"findings": len(rep.findings), "ok": [f.ok for f in rep.findings]}


def main(argv: list[str]) -> None:
    with open(argv[1], encoding="utf-8") as handle:
        manifest = json.load(handle)
    warm_up(manifest["warmup"])

    baseline = set(sys.modules)
    recorder = Recorder()
    from initspec import files

    files._stop_h5_reader()  # so the .h5 reader process is started again under the hook
    sys.addaudithook(recorder)
    check = recorder.check
    check("canary", canaries)
    for i, identifier in enumerate(manifest["identifiers"]):
        check(f"get #{i}", lambda x: repr(initspec.get(x)), identifier)
        check(f"deserialize #{i}", lambda x: repr(initspec.deserialize(x)), identifier)
    for path, _ in manifest["files"]:
        check(f"scan {path}", report, path)
    for path, _ in manifest["files"]:
        with open(path, "rb") as handle:  # the hook is off between items
            data = handle.read()
        check(f"scan bytes of {path}", report, data, format_of(path))  # what it is, not its name
    paths = [p for p, _ in manifest["files"]]
    for fmt in FORMATS:
        check(f"cli --format {fmt}", cli.main, ["validate", "--format", fmt, *paths])
        check(
            f"python -m initspec --format {fmt}", run_module, ["validate", "--format", fmt, *paths]
        )
    for path in paths:
        check(f"cli {path}", cli.main, ["validate", path])
    check("cli directory", cli.main, ["validate", manifest["root"]])
    with open(argv[2], "w", encoding="utf-8") as handle:
        new_modules = sorted(set(sys.modules) - baseline)
        json.dump(
            {"events": recorder.events, "outcomes": recorder.outcomes, "new_modules": new_modules},
            handle,
        )


if __name__ == "__main__":
    main(sys.argv)
