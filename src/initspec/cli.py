"""The ``initspec`` command: validate files in CI, print the schema, list names, show one.

Exit status of ``initspec validate``: 0 when every initializer config is valid (or there is
none), 1 when any is invalid, 2 for usage errors or unreadable files (the other files are still
checked, and 2 wins over 1).
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import stat
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from . import __version__

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
REPORT_VERSION = 1
#: GitHub shows at most 10 error annotations per step; the rest go in the text report.
GITHUB_MAX_ANNOTATIONS = 10

EPILOG = """\
examples:
  initspec validate examples/                      every JSON/YAML/TOML/.keras/.h5 file below
  initspec validate model.keras --format sarif -o initspec.sarif
  initspec validate configs/ --include '**/*.yaml' --exclude drafts --format github
  initspec schema --output schemas/initializer.schema.json
  initspec list
  initspec show he_normal --shape 3,3,16,32 --seed 1
  initspec show '{"class_name": "RandomUniform", "config": {"minval": -1}}' --shape 1000

exit status (validate): 0 all valid, 1 an invalid config, 2 usage error or unreadable file.
Colour is used only on a terminal, and never when NO_COLOR is set.
"""


# --- output helpers -------------------------------------------------------------------------


class _Style:
    def __init__(self, stream: IO[str], mode: str) -> None:
        wanted = mode == "always" or (mode == "auto" and stream.isatty())
        self.on = wanted and not os.environ.get("NO_COLOR")

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text


def _atomic_write(path: str, text: str) -> None:
    """Write ``text`` to ``path`` all at once: a partial file never appears."""
    import tempfile  # here: a cold start that writes no file does not import it

    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    except OSError as exc:
        raise OSError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # the mode any new file would get, not mkstemp's 0600
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_through(path: str, text: str) -> None:
    """Write ``text`` into what ``path`` names (a link, a pipe, a device), leaving it in place.

    A named pipe that no process opens for reading within ``PIPE_READER_SECONDS`` is refused
    (waiting for a reader could be forever)."""
    from .limits import PIPE_READER_SECONDS

    deadline = time.monotonic() + PIPE_READER_SECONDS
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o666)
            break
        except OSError as exc:
            if exc.errno == errno.ENXIO and time.monotonic() < deadline:
                time.sleep(0.05)  # a pipe whose reader is still starting
                continue
            reason = "no process reads the pipe" if exc.errno == errno.ENXIO else exc.strerror
            raise OSError(f"cannot write {path}: {reason or exc}") from None
    try:
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.ftruncate(fd, 0)  # a link to a regular file: its content is replaced
        with open(fd, "w", encoding="utf-8", closefd=True) as handle:
            handle.write(text)
    except OSError as exc:
        raise OSError(f"cannot write {path}: {exc.strerror or exc}") from None


_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _json_escape(text: str, ascii_only: bool) -> str:
    """JSON text whose strings hold lone surrogates (e.g. an undecodable file name) or, for
    a stream that cannot encode them, any non-ASCII character, with those escaped as ``\\uXXXX``
    (the same JSON value, now encodable)."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code < 0x10000:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return (_NON_ASCII if ascii_only else _SURROGATE).sub(escape, text)


def _emit(text: str, output: str | None, is_json: bool = False) -> None:
    """Write a report to ``output`` or stdout, whatever the characters in it: JSON stays valid
    JSON (escaped), text gets ``\\uXXXX``/``\\xNN`` for what the encoding cannot hold.

    A regular file (or a new one) is replaced atomically; anything else named by ``output``
    (a symbolic link, a pipe, a device such as ``/dev/stdout``) is written through, never
    replaced.
    """
    encoding = "utf-8" if output else (getattr(sys.stdout, "encoding", None) or "utf-8")
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        if is_json:
            text = _json_escape(text, ascii_only=False)
            try:
                text.encode(encoding)
            except UnicodeEncodeError:
                text = _json_escape(text, ascii_only=True)
        else:
            text = text.encode(encoding, "backslashreplace").decode(encoding)
    if not output:
        sys.stdout.write(text)
        return
    try:
        mode = os.lstat(output).st_mode
    except FileNotFoundError:
        mode = stat.S_IFREG
    except (OSError, ValueError) as exc:
        raise OSError(f"cannot write {output}: {getattr(exc, 'strerror', None) or exc}") from None
    if stat.S_ISREG(mode):
        _atomic_write(output, text)
    elif stat.S_ISDIR(mode):
        raise OSError(f"cannot write {output}: it is a directory")
    else:
        _write_through(output, text)


# --- validate -------------------------------------------------------------------------------


@dataclass
class FileResult:
    """What ``validate`` found in one file."""

    path: str
    format: str | None
    status: str  # ok | invalid | unreadable | no_initializers
    initializers: int
    errors: list[dict[str, Any]]


def _check(path: str, settings: Any = None) -> FileResult:
    from .errors import InitializerError
    from .files import format_of, scan

    forced = getattr(settings, "input_format", None)
    try:
        report = scan(Path(path), format=forced, keys=getattr(settings, "keys", None))
    except InitializerError as exc:
        errors = [_error_dict(r, None) for r in exc.errors]
        return FileResult(path, format_of(path, forced), "unreadable", 0, errors)
    errors = [_error_dict(e, f) for f in report.findings for e in f.errors]
    if settings is not None:
        errors = settings.keep(path, errors)
    status = "invalid" if errors else ("ok" if report.findings else "no_initializers")
    return FileResult(path, report.format, status, len(report.findings), errors)


def _error_dict(record: Any, finding: Any) -> dict[str, Any]:
    item: dict[str, Any] = record.to_dict()
    item.pop("loc")
    if finding is not None:
        item.update(
            attribute=finding.attribute, layer=finding.layer, layer_class=finding.layer_class
        )
        if finding.keras1_key is not None:
            item["keras1_key"] = finding.keras1_key
        if finding.uses > 1:  # a YAML alias: one config, used in several places
            item.update(uses=finding.uses, also_at=list(finding.also_at))
    return item


def _counts(results: Sequence[FileResult]) -> dict[str, int]:
    return {
        "files": len(results),
        "initializers": sum(r.initializers for r in results),
        "invalid_files": sum(r.status == "invalid" for r in results),
        "unreadable_files": sum(r.status == "unreadable" for r in results),
        "files_without_initializers": sum(r.status == "no_initializers" for r in results),
        "errors": sum(len(r.errors) for r in results),
    }


def _where(result: FileResult, error: dict[str, Any]) -> str:
    if error.get("line") is not None:
        return f"{result.path}:{error['line']}:{error['column']}"
    return result.path


def _also(error: dict[str, Any]) -> str:
    """Where else an aliased config is used (it is reported once)."""
    uses = error.get("uses", 1)
    if uses <= 1:
        return ""
    shown = error.get("also_at", [])
    more = ", ..." if uses - 1 > len(shown) else ""
    return f" (also used at {uses - 1:,} other place(s): {', '.join(shown)}{more})"


def render_text(results: Sequence[FileResult], style: _Style, verbose: bool = False) -> str:
    """``file:line:col: message`` lines, then a summary."""
    lines = []
    for result in results:
        if verbose and not result.errors:
            note = (
                "no initializer configs"
                if result.status == "no_initializers"
                else f"{result.initializers} initializer config(s) valid"
            )
            lines.append(f"{result.path}: {style('ok', '32')} ({note})")
        for error in result.errors:
            pointer = f" (at {error['pointer']})" if error.get("pointer") else ""
            layer = f" in layer {error['layer']!r}" if error.get("layer") else ""
            lines.append(
                f"{_where(result, error)}: {style('error', '31;1')} "
                f"[{error['type']}] {error['msg']}{layer}{pointer}{_also(error)}"
            )
    c = _counts(results)
    verdict = style("all valid", "32;1") if not c["errors"] else style("problems found", "31;1")
    lines.append(
        f"{verdict}: {c['files']} file(s), {c['initializers']} initializer config(s), "
        f"{c['errors']} error(s) in {c['invalid_files']} invalid and "
        f"{c['unreadable_files']} unreadable file(s); "
        f"{c['files_without_initializers']} file(s) had no initializer config"
    )
    return "\n".join(lines) + "\n"


def render_json(results: Sequence[FileResult]) -> str:
    """One JSON document (see ``schemas/validate-report.schema.json``)."""
    document = {
        "version": REPORT_VERSION,
        "tool": {"name": "initspec", "version": __version__},
        "ok": not any(r.errors for r in results),
        "counts": _counts(results),
        "files": [
            {
                "path": r.path,
                "format": r.format,
                "status": r.status,
                "initializers": r.initializers,
                "errors": r.errors,
            }
            for r in results
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def render_github(results: Sequence[FileResult], style: _Style) -> str:
    """GitHub workflow annotations (at most 10 errors per step), then the full text report."""
    lines = []
    shown = 0
    total = sum(len(r.errors) for r in results)
    for result in results:
        for error in result.errors:
            if shown == GITHUB_MAX_ANNOTATIONS:
                break
            props = [f"file={_gh_escape(result.path, True)}"]
            if error.get("line") is not None:
                props += [f"line={error['line']}", f"col={error['column']}"]
            props.append(f"title={_gh_escape('initspec ' + error['type'], True)}")
            lines.append(f"::error {','.join(props)}::{_gh_escape(error['msg'])}")
            shown += 1
    if total > shown:
        lines.append(
            f"::notice title=initspec::{total - shown} more error(s) are listed in the "
            "report below (GitHub shows at most 10 annotations per step)"
        )
    return "\n".join([*lines, render_text(results, style)])


def _uri(path: str) -> str:
    """A path as a URI reference (RFC 3986): relative paths stay relative, absolute ones are
    ``file:`` URIs; spaces, ``#``, ``%`` and non-ASCII bytes are percent-encoded.

    >>> _uri("models/my model#2.json"), _uri("/srv/ünï.json")
    ('models/my%20model%232.json', 'file:///srv/%C3%BCn%C3%AF.json')
    """
    import urllib.parse  # here: only SARIF reports need it

    posix = Path(path).as_posix()
    raw = os.fsencode(posix) if os.name != "nt" else posix.encode("utf-8", "surrogatepass")
    quoted = urllib.parse.quote(raw, safe="/")
    if posix.startswith("/"):
        return "file://" + quoted
    if re.match(r"[A-Za-z]:/", posix):  # a Windows drive
        return "file:///" + quoted.replace("%3A", ":", 1)
    return quoted


def render_sarif(results: Sequence[FileResult]) -> str:
    """A SARIF 2.1.0 log with one run and a rule per error type."""
    from .errors import ERROR_TYPES

    rules = [
        {
            "id": code,
            "name": code,
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": "error"},
        }
        for code, text in ERROR_TYPES.items()
    ]
    index = {code: i for i, code in enumerate(ERROR_TYPES)}
    sarif_results = []
    for result in results:
        for error in result.errors:
            physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(result.path)}}
            if error.get("line") is not None:
                physical["region"] = {"startLine": error["line"], "startColumn": error["column"]}
            item: dict[str, Any] = {
                "ruleId": error["type"],
                "ruleIndex": index.get(error["type"], 0),
                "level": "error",
                "message": {"text": error["msg"]},
                "locations": [{"physicalLocation": physical}],
            }
            if error.get("pointer"):
                item["properties"] = {"jsonPointer": error["pointer"]}
                if error.get("uses", 1) > 1:
                    item["properties"].update(uses=error["uses"], alsoAt=error["also_at"])
            sarif_results.append(item)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "initspec",
                        "version": __version__,
                        "informationUri": "https://initspec.dev",
                        "rules": rules,
                    }
                },
                "results": sarif_results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _results(args: argparse.Namespace, settings: Any) -> tuple[list[FileResult], bool]:
    """What every file says, and whether the filters left nothing at all to check."""
    from .paths import PathFilter, _is_dir, walk

    rules = PathFilter(include=settings.include, exclude=settings.exclude)
    results = [
        _check(entry.path, settings) if entry.error is None else _unlisted(entry.path, entry.error)
        for entry in walk(args.paths, rules)
    ]
    walked = any(_is_dir(path) for path in args.paths)  # globs apply inside directories
    flags = {  # the option each glob was given with; others come from [tool.initspec]
        **dict.fromkeys(args.extend_exclude, "--extend-exclude"),
        **dict.fromkeys(args.exclude, "--exclude"),
        **dict.fromkeys(args.include, "--include"),
    }
    for pattern in rules.unmatched() if walked else ():
        option = flags.get(pattern, f"{settings.source}: [tool.initspec]")
        sys.stderr.write(f"initspec: warning: {option} {pattern!r} matched no file\n")
    filtered_out = not results and rules.active
    if filtered_out:
        sys.stderr.write("initspec: error: --include/--exclude left no file to check\n")
    return results, filtered_out


def _unlisted(path: str, reason: str) -> FileResult:
    error = {"pointer": "", "type": "unreadable_file", "msg": reason, "input": None}
    return FileResult(path, None, "unreadable", 0, [{**error, "line": None, "column": None}])


def cmd_validate(args: argparse.Namespace) -> int:
    from .errors import InitializerError
    from .limits import Limits
    from .project import ProjectConfigError, settings_for

    style = _Style(sys.stdout, args.color if not args.output else "never")
    try:
        Limits()  # a malformed INITSPEC_MAX_* variable: one line, before any file is read
    except InitializerError as exc:
        sys.stderr.write(f"initspec: {_one_line(exc)}\n")
        return EXIT_USAGE
    try:
        settings = settings_for(args)
    except ProjectConfigError as exc:
        sys.stderr.write(f"initspec: {exc}\n")
        return EXIT_USAGE
    from .initializers.random import check_only

    with check_only():  # the initializers are checked, never called: no seed is drawn
        results, filtered_out = _results(args, settings)
    if args.format == "json":
        text = render_json(results)
    elif args.format == "sarif":
        text = render_sarif(results)
    elif args.format == "github":
        text = render_github(results, style)
    else:
        text = render_text(results, style, args.verbose)
    _emit(text, args.output, is_json=args.format in ("json", "sarif"))
    if filtered_out:  # a CI check that checked nothing must not pass
        return EXIT_USAGE
    if args.exit_zero:
        return EXIT_OK
    if any(r.status == "unreadable" for r in results):
        return EXIT_USAGE
    return EXIT_INVALID if any(r.errors for r in results) else EXIT_OK


# --- schema, list, show ------------------------------------------------------------------------


def cmd_schema(args: argparse.Namespace) -> int:
    from .serialization import json_schema

    _emit(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n", args.output, is_json=True)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from .registry import table

    entries = table().entries
    if args.format == "json":
        rows = [
            {"class": e.tag, "names": list(e.lookup_names), "builtin": e.builtin} for e in entries
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    width = max(len(e.tag) for e in entries)
    for entry in entries:
        aliases = ", ".join(n for n in entry.lookup_names if n != entry.tag)
        sys.stdout.write(f"{entry.tag:<{width}}  {aliases}\n")
    return EXIT_OK


def _parse_shape(text: str) -> tuple[int, ...]:
    parts = [p for p in text.replace("x", ",").replace(" ", "").strip("()[]").split(",") if p]
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a shape is integers separated by commas, such as 3,3,16,32; got {text!r}"
        ) from None
    if any(d < 0 for d in dims):
        raise argparse.ArgumentTypeError(f"dimensions must be non-negative; got {text!r}")
    return dims


def _identifier(text: str) -> Any:
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            value: Any = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise _ShowError(f"the identifier is not valid JSON: {exc}", EXIT_INVALID) from None
    else:
        value = {"class_name": stripped, "config": {}}
    return value


def _with_seed(init: Any, seed: int | None) -> Any:
    """``init`` rebuilt with ``seed`` when it takes one (``--seed`` means nothing otherwise)."""
    from .initializers.base import Initializer

    if seed is None or not isinstance(init, Initializer):
        return init
    if "seed" not in type(init.config).model_fields:
        sys.stderr.write(f"initspec show: {type(init).__name__} takes no seed; --seed ignored\n")
        return init
    return type(init).from_config({**init.get_config(), "seed": seed})


def histogram(values: Any, bins: int, width: int = 40, ascii_only: bool = False) -> list[str]:
    """A horizontal terminal histogram of the finite ``values`` (NaN and infinities are
    counted on a line of their own)."""
    import numpy as np

    flat = np.asarray(values, dtype=np.float64).ravel()
    finite = flat[np.isfinite(flat)]
    other = [] if finite.size == flat.size else [_non_finite(flat)]
    if finite.size == 0:
        return [*other] if other else ["(no values)"]
    lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        return [f"{lo:>12.6g} | all {finite.size} values", *other]
    counts, edges = np.histogram(finite, bins=bins, range=(lo, hi))
    top = int(counts.max())
    bar = "#" if ascii_only else "█"
    return [
        f"{edges[i]:>12.6g} | {bar * max(0, round(width * int(c) / top)):<{width}} {int(c)}"
        for i, c in enumerate(counts)
    ] + other


def _non_finite(flat: Any) -> str:
    import numpy as np

    kinds = (("NaN", np.isnan(flat)), ("+inf", np.isposinf(flat)), ("-inf", np.isneginf(flat)))
    parts = [f"{int(mask.sum())} {name}" for name, mask in kinds if mask.any()]
    return f"{'not finite':>12} | {', '.join(parts)} (not drawn)"


def _bins(text: str) -> int:
    """``--bins``: a whole number of bins from 1 to ``SHOW_MAX_BINS`` (``1e3`` is fine)."""
    from .limits import SHOW_MAX_BINS

    try:
        number = float(text)
        bins = int(number) if number.is_integer() else None
    except (ValueError, OverflowError):
        bins = None
    if bins is None or not 1 <= bins <= SHOW_MAX_BINS:
        raise _ShowError(f"--bins must be a whole number from 1 to {SHOW_MAX_BINS:,}; got {text!r}")
    return bins


class _ShowError(Exception):
    """A problem with ``initspec show``'s arguments: one line on stderr, exit ``status``."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


def _one_line(exc: Any) -> str:
    """An :class:`InitializerError` as one line."""
    from .errors import json_pointer

    return "; ".join(
        f"[{r.type}] {r.msg}" + (f" (at {json_pointer(r.loc)})" if r.loc else "")
        for r in exc.errors
    )


def cmd_show(args: argparse.Namespace) -> int:
    import numpy as np

    from .errors import InitializerError
    from .initializers.base import Initializer
    from .initializers.variance_scaling import compute_fans
    from .serialization import get, serialize

    try:
        bins = _bins(args.bins)
        init = _with_seed(get(_identifier(args.identifier)), args.seed)
        if not isinstance(init, Initializer):
            raise _ShowError("the identifier did not resolve to an initializer", EXIT_INVALID)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN values are shown as such
            values = init(args.shape, args.dtype)
    except _ShowError as exc:
        sys.stderr.write(f"initspec show: {exc}\n")
        return exc.status
    except InitializerError as exc:
        sys.stderr.write(f"initspec show: {_one_line(exc)}\n")
        return EXIT_INVALID
    out = sys.stdout
    out.write("config:\n" + json.dumps(serialize(init), indent=2) + "\n")
    fan_in, fan_out = compute_fans(args.shape)
    if hasattr(init, "fans"):
        fan_in, fan_out = init.fans(args.shape)
    out.write(
        f"shape: {args.shape}  dtype: {values.dtype.name}  fan_in: {fan_in}  fan_out: {fan_out}\n"
    )
    theory = init.theoretical_stats(args.shape, values.dtype)
    sample = values.astype(np.float64)
    finite = sample[np.isfinite(sample)]
    measured = (
        {
            "mean": float(finite.mean()),
            "std": float(finite.std()),
            "min": float(finite.min()),
            "max": float(finite.max()),
        }
        if finite.size
        else None
    )
    out.write(f"{'':10}{'mean':>14}{'std':>14}{'min':>14}{'max':>14}\n")
    for label, stats in (("theory", theory), ("sampled", measured)):
        if stats is None:
            continue
        out.write(
            f"{label:10}"
            + "".join(f"{stats[k]:>14.6g}" for k in ("mean", "std", "min", "max"))
            + "\n"
        )
    if finite.size != sample.size:
        out.write(f"(sampled: over the {finite.size} finite values of {sample.size})\n")
    if theory is None:
        out.write("(deterministic initializer: the sampled values are exact)\n")
    encoding = (getattr(out, "encoding", None) or "ascii").lower()
    ascii_only = "utf" not in encoding
    out.write("\n".join(histogram(sample, bins, ascii_only=ascii_only)) + "\n")
    return EXIT_OK


# --- entry point ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="initspec",
        description="Validate, inspect and build Keras weight-initializer configs without "
        "TensorFlow.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"initspec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = sub.add_parser(
        "validate",
        help="check every initializer config in files and directories",
        description="Find every initializer config (keys ending in 'initializer') in JSON, YAML, "
        "TOML, .keras and .h5 files, and report each invalid one with its location.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    validate.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="report format (default: text)",
    )
    validate.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="in directories, check only files matching GLOB, a .gitignore-style glob "
        "(repeatable; default: *.json *.yaml *.yml *.toml *.keras *.h5 *.hdf5)",
    )
    validate.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="in directories, skip files and folders matching GLOB (repeatable)",
    )
    validate.add_argument(
        "--extend-exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="in directories, also skip files matching GLOB (added to the project's excludes)",
    )
    validate.add_argument(
        "--keys",
        action="append",
        default=None,
        metavar="GLOB",
        help="key names holding initializers (repeatable; default: *initializer, plus init, "
        "inner_init... in Keras 1 layers)",
    )
    validate.add_argument(
        "--input-format",
        choices=("json", "yaml", "toml", "keras", "h5", "savedmodel"),
        default=None,
        help="read every file given as this format (default: from each file's first bytes "
        "and name)",
    )
    validate.add_argument(
        "--config",
        metavar="PYPROJECT",
        default=None,
        help="read [tool.initspec] from this file (default: the nearest pyproject.toml "
        "with a [tool.initspec] table, from the current directory up)",
    )
    validate.add_argument(
        "--isolated",
        action="store_true",
        help="ignore every pyproject.toml",
    )
    validate.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the report to FILE (all at once) instead of stdout",
    )
    validate.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report (auto: only on a terminal; NO_COLOR always turns it off)",
    )
    validate.add_argument(
        "-v", "--verbose", action="store_true", help="also list the files that are valid"
    )
    validate.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when configs are invalid or files unreadable (the report still says so)",
    )
    validate.set_defaults(func=cmd_validate)

    schema = sub.add_parser("schema", help="print the JSON Schema of an initializer identifier")
    schema.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead")
    schema.set_defaults(func=cmd_schema)

    names = sub.add_parser("list", help="list every initializer name and alias")
    names.add_argument("--format", choices=("text", "json"), default="text")
    names.set_defaults(func=cmd_list)

    show = sub.add_parser(
        "show",
        help="build an initializer and describe its values",
        description="Build IDENTIFIER (a name, or a JSON config) for a shape, and print the "
        "config it resolved to, the fans, theoretical and sampled statistics and a histogram.",
    )
    show.add_argument("identifier", metavar="IDENTIFIER")
    show.add_argument("--shape", type=_parse_shape, required=True, help="e.g. 3,3,16,32")
    show.add_argument("--dtype", default="float32", help="default: float32")
    show.add_argument("--seed", type=int, default=None, help="seed (random initializers)")
    show.add_argument("--bins", default="20", help="histogram bins, 1 to 1,000 (default: 20)")
    show.set_defaults(func=cmd_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.func(args)
    except BrokenPipeError:  # e.g. `initspec list | head`
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # e.g. --output into a missing directory
        sys.stderr.write(f"initspec: {exc}\n")
        return EXIT_USAGE
    return status


def run() -> None:
    """Console-script entry point."""
    # The commands multiply no large matrices, and numpy's OpenBLAS starts a thread per CPU
    # when numpy is imported: one thread makes a cold start cheaper (30% of numpy's import on
    # the 2-CPU machine of benchmarks/coldstart.py). Set before numpy is imported; a user's
    # value wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    sys.exit(main())
