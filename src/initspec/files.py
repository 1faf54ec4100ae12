"""Reading model files and experiment configs, and finding every initializer config in them.

:func:`scan` reads JSON (``model.to_json()`` output or any config), YAML, TOML, a ``.keras``
zip (its ``config.json``), a legacy ``.h5`` file (its ``model_config`` attribute) or a SavedModel
directory (its ``keras_metadata.pb``), decides the format from a file's first bytes as well as its
name, unwraps double-encoded JSON, finds the value of every key ending in ``initializer`` at any
depth (and the Keras 1 keys such as ``init`` in Keras 1 layers), and validates and builds each.
Problems carry a JSON Pointer and, for JSON, YAML and TOML text, the line and column; positions are
only computed when there is a problem to report, so valid files take the fast path.

>>> import initspec
>>> report = initspec.scan('{"layers": [{"class_name": "Dense", "config": {"name": "d1",'
...                        ' "kernel_initializer": "he_normal", "bias_initializer": "zeroz"}}]}')
>>> [(f.attribute, f.layer, f.ok) for f in report.findings]
[('kernel_initializer', 'd1', True), ('bias_initializer', 'd1', False)]
>>> error = report.errors[0]
>>> error.pointer, error.line, error.column, error.type
('/layers/0/config/bias_initializer', 1, 117, 'unknown_name')
"""

from __future__ import annotations

import atexit
import codecs
import contextlib
import fnmatch
import io
import json
import os
import re
import stat
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import _doubled, _keras1, _savedmodel
from . import _sniff as sniffing
from ._lazy import lazy
from .errors import ErrorRecord, InitializerError, Loc, json_pointer
from .limits import Limits
from .serialization import Built, get

if TYPE_CHECKING:
    import subprocess
else:
    subprocess = lazy("subprocess", globals(), "subprocess")  # for .h5 files only

__all__ = ["FORMATS", "Finding", "ScanReport", "detect_format", "format_of", "scan"]

Format = Literal["json", "yaml", "toml", "keras", "h5", "savedmodel"]
FORMATS: dict[str, Format] = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".keras": "keras",
    ".h5": "h5",
    ".hdf5": "h5",
}
#: How many other places of an aliased initializer config a finding names.
ALSO_AT_SHOWN = 10


@dataclass
class Finding:
    """One initializer config found in a document, and what became of it."""

    pointer: str  #: JSON Pointer of the value in the document
    loc: Loc
    attribute: str  #: the key, e.g. ``kernel_initializer``
    config: Any  #: the value as found
    layer: str | None = None  #: name of the innermost enclosing layer, if any
    layer_class: str | None = None  #: its class_name
    layer_path: tuple[str, ...] = ()  #: enclosing layer names, outermost first
    keras1_key: str | None = None  #: the Keras 1 key (``init``...) ``attribute`` was mapped from
    initializer: Built | None = None  #: the built initializer when the config is valid
    errors: list[ErrorRecord] = field(default_factory=list)  #: located in the whole document
    #: how many places use this very config (YAML aliases: one node, validated once)
    uses: int = 1
    #: pointers of the first other places that use it (at most ``ALSO_AT_SHOWN``)
    also_at: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the config is valid."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable summary."""
        return {
            "pointer": self.pointer,
            "attribute": self.attribute,
            "layer": self.layer,
            "layer_class": self.layer_class,
            "layer_path": list(self.layer_path),
            "keras1_key": self.keras1_key,
            "ok": self.ok,
            "initializer": type(self.initializer).__name__ if self.initializer else None,
            "errors": [e.to_dict() for e in self.errors],
            "uses": self.uses,
            "also_at": list(self.also_at),
        }


@dataclass
class ScanReport:
    """Everything :func:`scan` found in one source."""

    source: str  #: the path, or ``<text>``/``<bytes>``
    format: Format
    findings: list[Finding]
    member: str | None = None  #: the member read inside a container (``config.json``)

    @property
    def errors(self) -> list[ErrorRecord]:
        """Every problem, in document order."""
        return [e for f in self.findings for e in f.errors]

    @property
    def ok(self) -> bool:
        """Whether every initializer config is valid (true when there is none)."""
        return all(f.ok for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable summary."""
        return {
            "source": self.source,
            "format": self.format,
            "member": self.member,
            "ok": self.ok,
            "initializers": len(self.findings),
            "invalid": sum(not f.ok for f in self.findings),
            "findings": [f.to_dict() for f in self.findings],
        }


def _unreadable(
    label: str, msg: str, line: int | None = None, column: int | None = None, input_: Any = None
) -> InitializerError:
    record = ErrorRecord((), "unreadable_file", msg, input_, line, column)
    return InitializerError([record], subject=f"the file {label}")


# --- reading ------------------------------------------------------------------------------


def detect_format(path: str | os.PathLike[str]) -> Format | None:
    """The format a file name implies (``None`` when its extension is not one initspec reads)."""
    if Path(path).name == _savedmodel.METADATA:
        return "savedmodel"
    return FORMATS.get(Path(path).suffix.lower())


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes, label: str) -> str:
    """UTF-8 text (a UTF-8 byte order mark is dropped; UTF-16/32 with a mark are accepted)."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8-sig")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        name = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
        raise _unreadable(label, f"not valid {name} (byte {exc.start})", line, column) from None


@dataclass
class _Source:
    """Where a document comes from: a file on disk (read lazily) or bytes in memory."""

    label: str
    path: Path | None = None
    raw: bytes | None = None

    def head(self, size: int = 4096) -> bytes:
        if self.raw is not None:
            return self.raw[:size]
        self._check_regular()
        assert self.path is not None
        try:
            with self.path.open("rb") as handle:
                return handle.read(size)
        except OSError as exc:
            raise _unreadable(self.label, f"cannot read it: {exc.strerror or exc}") from None

    def _check_regular(self) -> None:
        """Only regular files: a named pipe or a device would block or never end."""
        assert self.path is not None
        try:
            mode = self.path.stat().st_mode
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            if isinstance(exc, FileNotFoundError) and self.path.is_symlink():
                reason = f"a broken symbolic link (to {os.readlink(self.path)!r})"
            raise _unreadable(self.label, f"cannot read it: {reason}") from None
        if not stat.S_ISREG(mode):
            raise _unreadable(self.label, "not a regular file (a directory, pipe or device)")

    def whole(self, limits: Limits) -> bytes:
        """All the bytes, for text formats: refused past ``limits.max_file_bytes``."""
        too_big = _unreadable(
            self.label,
            f"the document has more than {limits.max_file_bytes:,} bytes, the limit (set "
            "INITSPEC_MAX_FILE_BYTES or Limits(max_file_bytes=...))",
        )
        if self.raw is not None:
            if len(self.raw) > limits.max_file_bytes:
                raise too_big
            return self.raw
        self._check_regular()
        assert self.path is not None
        try:
            size = self.path.stat().st_size
            if size > limits.max_file_bytes:
                raise too_big
            with self.path.open("rb") as handle:  # read what is there (+1 to see growth)
                data = handle.read(min(size, limits.max_file_bytes) + 1)
        except OSError as exc:
            raise _unreadable(self.label, f"cannot read it: {exc.strerror or exc}") from None
        if len(data) > limits.max_file_bytes:  # it grew while we read it
            raise too_big
        return data

    def opened(self) -> Any:
        """What zipfile/h5py open: the path itself (nothing read up front), or the bytes."""
        return self.path if self.raw is None else io.BytesIO(self.raw)


def _parse_json(text: str, label: str, limits: Limits) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _unreadable(label, f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise _unreadable(label, "the JSON is nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise _unreadable(label, f"not valid JSON: {exc}") from None


def _parse_yaml(text: str, label: str, limits: Limits) -> Any:
    try:
        import yaml
    except ImportError:
        raise _unreadable(
            label, "reading YAML needs PyYAML: pip install 'initspec[yaml]'"
        ) from None
    from ._yamltags import RefusedTag, loader_class

    try:
        return yaml.load(text, Loader=loader_class())  # plain data (+ tuples as lists) only
    except RefusedTag as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise _unreadable(label, str(exc.problem), line, column) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise _unreadable(label, f"not valid YAML: {problem}", line, column) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        # ValueError: e.g. an integer with more digits than Python converts
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        message = " ".join(str(exc).split())
        raise _unreadable(label, f"not valid YAML: {message}", line, column) from None


def _parse_toml(text: str, label: str) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:
        # ValueError: e.g. an integer with more digits than Python converts
        message = " ".join(str(exc).split())
        where = re.search(r" \(at line (\d+), column (\d+)\)$", message)
        if where is None:
            raise _unreadable(label, f"not valid TOML: {message}") from None
        line, column = int(where.group(1)), int(where.group(2))
        raise _unreadable(label, f"not valid TOML: {message}", line, column) from None


_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"


#: A central-directory entry of a saved model: 46 bytes, a short name, a little extra data.
_ENTRY_BYTES = 300


def _zip_entry_count(handle: Any) -> int | None:
    """How many entries the zip's end-of-central-directory record says the directory holds
    (its count, or its size in bytes over a generous entry size, whichever is larger): read
    before zipfile parses the directory, so a hostile archive is refused first."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    tail_size = min(size, 22 + 65_535)  # the record, plus the longest zip comment
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) < at + 22:
        return None
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory = int.from_bytes(tail[at + 12 : at + 16], "little")
    if count == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == _ZIP64_LOCATOR:
        return 1 << 32  # a ZIP64 archive: more entries than any saved model has
    return max(count, directory // _ENTRY_BYTES)


def _keras_config(source: _Source, limits: Limits) -> str:
    label = source.label
    head = source.head(8)
    if not head.startswith(sniffing.ZIP_MAGIC):
        raise _unreadable(
            label,
            "not a .keras file: a .keras file is a zip archive holding "
            f"config.json, and this one starts with {head!r}",
        )
    try:
        opened = source.opened()
        with opened if isinstance(opened, io.BytesIO) else open(opened, "rb") as handle:
            declared = _zip_entry_count(handle)
            if declared is not None and declared > limits.max_zip_members:
                raise _unreadable(
                    label,
                    f"the archive lists {declared:,} members, more than the limit of "
                    f"{limits.max_zip_members:,}",
                )
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                raw = _config_member(archive, label, limits)
    except InitializerError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,  # e.g. an encrypted member
        EOFError,
        zlib.error,
        OSError,
        ValueError,
    ) as exc:
        raise _unreadable(label, f"a damaged zip archive: {exc}") from None
    return _decode(raw, f"{label}[config.json]")


def _config_member(archive: zipfile.ZipFile, label: str, limits: Limits) -> bytes:
    """The bytes of ``config.json``, refusing anything a saved Keras model would not hold."""
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise _unreadable(
            label,
            f"the archive lists {len(members):,} members, more than the limit of "
            f"{limits.max_zip_members:,}",
        )
    seen: set[str] = set()
    for entry in members:
        parts = entry.filename.replace("\\", "/").split("/")
        if entry.filename.startswith(("/", "\\")) or ".." in parts:
            raise _unreadable(
                label,
                f"the archive has a member with an unsafe path {entry.filename!r} "
                "(nothing is extracted, but no saved Keras model has one)",
            )
        if entry.filename in seen:
            raise _unreadable(
                label,
                f"the archive holds {entry.filename!r} twice (tools disagree on which one "
                "counts, so neither is trusted)",
            )
        seen.add(entry.filename)
    info = next((m for m in members if m.filename == "config.json"), None)
    if info is None:
        raise _unreadable(label, "the archive has no config.json, so it is not a saved Keras model")
    if info.flag_bits & 0x1:
        raise _unreadable(label, "config.json is encrypted; a saved Keras model never is")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _unreadable(
            label,
            f"config.json is compressed with method {info.compress_type}; Keras writes stored "
            "or deflated members, and initspec reads only those (their size can be bounded)",
        )
    if info.file_size > limits.max_config_bytes:
        raise _unreadable(
            label,
            f"config.json would unpack to {info.file_size:,} bytes, more than the limit of "
            f"{limits.max_config_bytes:,}",
        )
    with archive.open(info) as member:
        raw = member.read(limits.max_config_bytes + 1)
    if len(raw) > limits.max_config_bytes:
        raise _unreadable(
            label,
            f"config.json unpacks to more than the limit of {limits.max_config_bytes:,} bytes "
            "(its header understates its size)",
        )
    return raw


def _h5_config(source: _Source, limits: Limits) -> str | None:
    """The ``model_config`` text of a legacy ``.h5`` file, read in a separate process.

    libhdf5 can hang forever (uninterruptible) or crash on a damaged file, so it never runs in
    this process: :mod:`initspec._h5reader` does, with ``limits.max_h5_seconds`` to finish and
    ``limits.max_h5_memory_bytes`` of address space. A hang, a crash or the memory cap makes
    the file ``unreadable_file``; the caller goes on with the next one.
    """
    label = source.label
    head = source.head(8)
    if not head.startswith(sniffing.HDF5_MAGIC):
        raise _unreadable(
            label,
            "not an HDF5 file: a legacy Keras .h5 file starts with the HDF5 "
            f"signature, and this one starts with {head!r}",
        )
    kind, data = _run_h5_reader(source, limits)
    if kind == "none":
        return None
    if kind.startswith("error "):
        raise _unreadable(label, kind.removeprefix("error "))
    return _decode(data, f"{label}[model_config]")


def _run_h5_reader(source: _Source, limits: Limits) -> tuple[str, bytes]:
    """Ask the reader process about ``source``: its answer line and the bytes after it."""
    request: dict[str, Any] = {"max": limits.max_config_bytes}
    if source.path is not None:
        request["path"] = str(source.path.resolve())
    else:
        request["size"] = len(source.raw or b"")
    line = json.dumps(request).encode("utf-8", "surrogateescape")
    message = line + b"\n" + (source.raw or b"")
    seconds = limits.max_h5_seconds
    with _H5_LOCK:  # one file at a time through the one process
        try:
            process = _h5_process(limits)
        except OSError as exc:
            raise _unreadable(
                source.label, f"cannot start the .h5 reader process: {exc.strerror or exc}"
            ) from None
        try:
            return _exchange(process, message, time.monotonic() + seconds, limits)
        except TimeoutError:
            _stop_h5_reader(kill=True)
            raise _unreadable(
                source.label,
                f"libhdf5 did not finish reading it in {seconds:,} s (a damaged file can "
                "make it loop forever; INITSPEC_MAX_H5_SECONDS sets the bound)",
            ) from None
        except (OSError, ValueError, EOFError):
            status, said = _stop_h5_reader(kill=True)
    why = f"signal {-status}" if status is not None and status < 0 else f"exit status {status}"
    return (
        f"error libhdf5 failed reading it ({why}{said}): a damaged file, or one that needs "
        f"more than {limits.max_h5_memory_bytes:,} bytes of memory "
        "(INITSPEC_MAX_H5_MEMORY_BYTES)",
        b"",
    )


#: The program that reads .h5 files, in a process of its own (a fixed file of initspec's).
_H5_READER = Path(__file__).with_name("_h5reader.py")
#: Environment variables the .h5 reader process keeps (where the system's libraries are).
_H5_READER_ENV = ("PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "SYSTEMROOT", "TMPDIR", "LANG")
_H5_LOCK = threading.Lock()
#: The running reader: the process, what it was started with, and by which process.
_H5_STATE: dict[str, Any] = {}
_ANSWER_LINE = 4096


def _h5_process(limits: Limits) -> subprocess.Popen[bytes]:
    """The reader process for ``limits`` (started on first use, then reused)."""
    key = (str(_H5_READER), limits.max_h5_memory_bytes, tuple(sys.path))
    process = _H5_STATE.get("process")
    if process is not None and _H5_STATE["pid"] != os.getpid():  # inherited through fork
        _H5_STATE.clear()
        process = None
    if process is not None and (_H5_STATE["key"] != key or process.poll() is not None):
        _stop_h5_reader(kill=True)
        process = None
    if process is None:
        argv = [
            sys.executable,
            "-I",  # no PYTHON* variables, no user site, not the working directory
            str(_H5_READER),
            str(limits.max_h5_memory_bytes),
            # this process's own search path, for numpy and h5py; not its working folder ('')
            json.dumps([os.path.abspath(p) for p in sys.path if p]),
        ]
        env = {k: v for k, v in os.environ.items() if k in _H5_READER_ENV}
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,  # pipes only: nothing is opened by name
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=os.path.dirname(sys.executable) or None,
        )
        if os.name != "nt":
            assert process.stdin is not None
            os.set_blocking(process.stdin.fileno(), False)
        _H5_STATE.update(process=process, key=key, pid=os.getpid())
    return process


def _stop_h5_reader(kill: bool = False) -> tuple[int | None, str]:
    """Stop the reader process (if this process started one): its exit status and last words."""
    process = _H5_STATE.get("process")
    mine = _H5_STATE.get("pid") == os.getpid()
    _H5_STATE.clear()
    if process is None or not mine:
        return None, ""
    if kill:
        process.kill()
    else:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        _, err = process.communicate(timeout=None if kill else 5)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        process.kill()
        err = b""
        process.wait()
    last = err.decode("utf-8", "replace").strip().splitlines()[-1:] if err else []
    said = f"; it said: {' '.join(last[0].split())[:200]}" if last else ""
    return process.returncode, said


atexit.register(_stop_h5_reader)


def _exchange(
    process: subprocess.Popen[bytes], message: bytes, deadline: float, limits: Limits
) -> tuple[str, bytes]:
    """Send one request and read its answer by ``deadline`` (``TimeoutError`` after it;
    ``EOFError``/``OSError`` when the process died; ``ValueError`` for an answer that is not
    one)."""
    assert process.stdin is not None
    assert process.stdout is not None
    if os.name == "nt":  # pragma: no cover - no select() on pipes: one process per file
        try:
            out, _ = process.communicate(message, timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            raise TimeoutError from None
        return _parse_answer(bytearray(out), limits, final=True) or ("", b"")
    import select

    out_fd, in_fd = process.stdout.fileno(), process.stdin.fileno()
    view = memoryview(message)
    while view:
        if not select.select([], [in_fd], [], max(deadline - time.monotonic(), 0))[1]:
            raise TimeoutError
        with contextlib.suppress(BlockingIOError):
            view = view[os.write(in_fd, view[: 1 << 16]) :]
    buffer = bytearray()
    while True:
        answer = _parse_answer(buffer, limits, final=False)
        if answer is not None:
            return answer
        if not select.select([out_fd], [], [], max(deadline - time.monotonic(), 0))[0]:
            raise TimeoutError
        chunk = os.read(out_fd, 1 << 20)
        if not chunk:
            raise EOFError("the .h5 reader ended")
        buffer += chunk


def _parse_answer(buffer: bytearray, limits: Limits, final: bool) -> tuple[str, bytes] | None:
    """The answer in ``buffer`` once it is whole (``None`` before it is; ``ValueError`` when
    it is not an answer)."""
    end = buffer.find(b"\n", 0, _ANSWER_LINE)
    if end < 0:
        if len(buffer) >= _ANSWER_LINE or final:
            raise ValueError("not an answer")
        return None
    kind = buffer[:end].decode("utf-8", "replace")
    if kind == "none" or kind.startswith("error "):
        return kind, b""
    size = int(kind[5:]) if kind.startswith("text ") and kind[5:].isdigit() else -1
    if not 0 <= size <= limits.max_config_bytes:
        raise ValueError("not an answer")
    if len(buffer) < end + 1 + size:
        if final:
            raise ValueError("not an answer")
        return None
    return "text", bytes(buffer[end + 1 : end + 1 + size])


@dataclass
class _Document:
    label: str
    format: Format
    data: Any
    text: str | None  #: the JSON/YAML text positions refer to (None: no positions)
    member: str | None = None


def _load(
    source: str | bytes | os.PathLike[str], format: Format | None, limits: Limits
) -> _Document:
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and not _looks_like_text(source)
    ):
        where = _Source(str(source), path=Path(source))
        if format in (None, "savedmodel") and _savedmodel.is_savedmodel(where.path):
            return _load_savedmodel(where, limits)
        fmt = format or _content_format(where)
    elif isinstance(source, (str, bytes)):
        raw = source.encode("utf-8") if isinstance(source, str) else source
        where = _Source("<text>" if isinstance(source, str) else "<bytes>", raw=raw)
        fmt = format or sniffing.choose(None, raw) or "json"
    else:
        raise InitializerError.single(
            (),
            "invalid_argument",
            f"scan() takes a path, or the text or bytes of a document; got {type(source).__name__}",
            None,
            subject="scan()",
        )
    label = where.label
    if fmt == "savedmodel":
        return _load_savedmodel(where, limits)
    if fmt == "keras":
        text = _keras_config(where, limits)
        return _Document(
            label, fmt, _parse_json(text, f"{label}[config.json]", limits), None, "config.json"
        )
    if fmt == "h5":
        config = _h5_config(where, limits)
        data = None if config is None else _parse_json(config, f"{label}[model_config]", limits)
        return _Document(label, fmt, data, None, "model_config")
    raw = where.whole(limits)
    if sniffing.content_format(raw) is not None:
        raise _unreadable(label, f"this is {sniffing.what_it_is(raw)}, not {fmt.upper()} text")
    text = _decode(raw, label)
    if fmt == "json":
        return _Document(label, fmt, _parse_json(text, label, limits), text)
    if fmt == "yaml":
        return _Document(label, fmt, _parse_yaml(text, label, limits), text)
    return _Document(label, fmt, _parse_toml(text, label), text)


def _load_savedmodel(where: _Source, limits: Limits) -> _Document:
    if where.raw is not None:  # the bytes of a keras_metadata.pb
        document = _savedmodel.from_bytes(where.raw, where.label, limits)
    else:
        assert where.path is not None
        document = _savedmodel.read(where.path, where.label, limits)
    data = _savedmodel.parse_metadata(document, where.label, _parse_json, limits)
    return _Document(where.label, "savedmodel", data, None, _savedmodel.METADATA)


def format_of(path: str | os.PathLike[str], format: Format | None = None) -> Format | None:
    """What a file really is, for reports (also of unreadable files): ``format`` when given,
    else from its first bytes and its name (``None``: neither tells)."""
    if format is not None:
        return format
    where = _Source(str(path), path=Path(path))
    if _savedmodel.is_savedmodel(where.path):
        return "savedmodel"
    named = detect_format(Path(path))
    try:
        head = where.head(64)
    except InitializerError:
        return named
    actual = sniffing.content_format(head)
    if actual is not None:
        return actual
    if named in ("keras", "h5"):  # text under a binary name: JSON if it looks like JSON
        return "json" if sniffing.what_it_is(head) == "JSON text" else None
    return named or sniffing.text_format(head)


def _content_format(where: _Source) -> Format:
    """The format of a file on disk: by its name, checked against its first bytes."""
    assert where.path is not None
    named = detect_format(where.path)
    head = where.head()
    fmt = sniffing.choose(named, head)
    if fmt is None:
        expected = {
            "keras": "a .keras file (a zip archive holding config.json)",
            "h5": "an HDF5 file (what a legacy Keras .h5 model is)",
        }.get(str(named), f"{str(named).upper()} text")
        raise _unreadable(
            where.label,
            f"not {expected}: it is {sniffing.what_it_is(head)}; to read it as what it is, "
            "name the format (--input-format, or scan(format=...))",
        )
    return fmt


def _looks_like_text(value: str) -> bool:
    stripped = value.lstrip("\ufeff \t\r\n")
    return "\n" in value or stripped[:1] in ("{", "[", '"')


# --- finding initializer configs -------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    loc: Loc
    attribute: str
    value: Any
    layers: tuple[tuple[str | None, str], ...]  # (name, class_name), outermost first
    keras1_key: str | None = None  # the Keras 1 key (``init``...) when ``attribute`` maps it
    holder: int = 0  #: id() of the mapping holding the key: the same for every alias of it


def _layer_of(node: dict[str, Any]) -> tuple[str | None, str] | None:
    """(name, class_name) when ``node`` is a serialized Keras layer or model."""
    class_name = node.get("class_name")
    config = node.get("config")
    if not isinstance(class_name, str) or not isinstance(config, (dict, list)):
        return None
    name = config.get("name") if isinstance(config, dict) else None
    if name is None:
        name = node.get("name")
    return (name if isinstance(name, str) else None, class_name)


def _sites(
    data: Any,
    label: str,
    limits: Limits,
    keras1: bool | None = False,
    keys: Callable[[str], bool] | None = None,
) -> Iterator[_Site]:
    """Every value of a key ending in ``initializer``, in document order (iteratively).

    The stack holds containers to enter and initializer sites to report, in key order, so a
    site is yielded after everything under the keys before it. ``keras1`` is what the document
    declares (see ``_keras1``); ``keys`` replaces the test for a key naming an initializer.
    """
    stack: list[tuple[Loc, Any, tuple[tuple[str | None, str], ...]] | _Site] = [((), data, ())]
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, _Site):
            yield item
            continue
        loc, node, layers = item
        visited += 1
        if visited > limits.max_yaml_nodes:
            raise _unreadable(
                label,
                f"the document expands to more than {limits.max_yaml_nodes:,} "
                "values (a YAML alias bomb?)",
            )
        if len(loc) > limits.max_depth:
            raise _unreadable(
                label, f"the document is nested deeper than {limits.max_depth} levels"
            )
        children: list[tuple[Loc, Any, tuple[tuple[str | None, str], ...]] | _Site] = []
        if isinstance(node, dict):
            layer = _layer_of(node)
            inner = (*layers, layer) if layer else layers
            if layer and keras1 is not False and isinstance(node["config"], dict):
                config = node["config"]
                for old, new in _keras1.attributes(layer[1], config, keras1):
                    if keys is None or not keys(old):  # else the key patterns find it
                        site = _Site(
                            (*loc, "config", old), new, config[old], inner, old, id(config)
                        )
                        children.append(site)
            for key, value in node.items():
                if isinstance(key, str) and (
                    key.endswith("initializer") if keys is None else keys(key)
                ):
                    children.append(_Site((*loc, key), key, value, inner, holder=id(node)))
                elif isinstance(value, (dict, list)):
                    children.append(((*loc, str(key)), value, inner))
        elif isinstance(node, list):
            children = [
                ((*loc, i), v, layers) for i, v in enumerate(node) if isinstance(v, (dict, list))
            ]
        stack.extend(reversed(children))


def scan(
    source: str | bytes | os.PathLike[str],
    *,
    format: Format | None = None,
    limits: Limits | None = None,
    custom_objects: Mapping[str, Any] | None = None,
    keys: Sequence[str] | None = None,
) -> ScanReport:
    """Find, validate and build every initializer config in a model file or config document.

    ``source`` is a path (``pathlib.Path``, or a ``str`` without a newline that does not start
    with ``{``/``[``; a SavedModel directory too), or the text or bytes of a document. ``format``
    overrides what the file's name and first bytes say. ``keys`` are glob patterns for the key
    names that hold initializers (default: ``*initializer``; Keras 1 layer keys such as
    ``init`` are found in Keras 1 layers either way). An unreadable source raises
    :class:`InitializerError` (type ``unreadable_file``); invalid initializer configs do not
    raise: they are in the report.
    """
    limits = limits or Limits()
    doc = _load(source, format, limits)
    outer_text = _unwrap_doubled(doc, limits)
    keras1 = False if doc.format in ("keras", "savedmodel") else _keras1.declared_keras1(doc.data)
    match = None if keys is None else _key_matcher(keys)
    findings = []
    seen_keys: set[str] = set()
    # A YAML alias makes one mapping reachable from many places: its initializer configs are
    # validated and reported once, with the number and first pointers of the other places (a
    # few hundred bytes of aliases must not make a million findings)
    # (only YAML has aliases: other formats skip the bookkeeping)
    seen: dict[tuple[int, str], Finding] | None = {} if doc.format == "yaml" else None
    for site in _sites(doc.data, doc.label, limits, keras1, match):
        if doc.format == "savedmodel":
            key = _savedmodel.dedupe_key(
                site.layers[-1][0] if site.layers else None,
                site.layers[-1][1] if site.layers else None,
                site.attribute,
                site.value,
            )
            if key in seen_keys:
                continue
            seen_keys.add(key)
        first = seen.get((site.holder, site.attribute)) if seen is not None else None
        if first is not None:
            first.uses += 1
            if len(first.also_at) < ALSO_AT_SHOWN:
                first.also_at += (json_pointer(site.loc),)
            continue
        finding = _finding(site, custom_objects)
        findings.append(finding)
        if seen is not None:
            seen[(site.holder, site.attribute)] = finding
    if doc.text is not None and any(f.errors for f in findings):
        _locate_errors(doc, findings, outer_text, limits)
    return ScanReport(doc.label, doc.format, findings, doc.member)


def _unwrap_doubled(doc: _Document, limits: Limits) -> str | None:
    """A document that is one JSON string holding a model (``json.dump(model.to_json(), f)``)
    becomes the model inside; returns the outer text (for positions), if it is JSON text."""
    if not _doubled.looks_like_json(doc.data):
        return None
    inner = doc.data
    doc.data = _parse_json(inner, f"{doc.label} (the JSON text inside its string)", limits)
    outer_text, doc.text = (doc.text, inner) if doc.format == "json" else (None, None)
    doc.member = "(the JSON string it holds)"
    return outer_text


def _finding(site: _Site, custom_objects: Mapping[str, Any] | None) -> Finding:
    """The finding of one initializer site: its config validated and built, or its errors."""
    finding = Finding(
        pointer=json_pointer(site.loc),
        loc=site.loc,
        attribute=site.attribute,
        config=site.value,
        layer=site.layers[-1][0] if site.layers else None,
        layer_class=site.layers[-1][1] if site.layers else None,
        layer_path=tuple(name or cls for name, cls in site.layers),
        keras1_key=site.keras1_key,
    )
    try:
        finding.initializer = get(site.value, custom_objects=custom_objects)
    except InitializerError as exc:
        finding.errors = exc.with_prefix(site.loc).errors
    return finding


def _locate_errors(
    doc: _Document, findings: list[Finding], outer_text: str | None, limits: Limits
) -> None:
    """Give every error its line and column in the document's text (the outer text's, for a
    doubled JSON document), and sort each finding's errors by them."""
    assert doc.text is not None
    wanted = {r.loc[:k] for f in findings for r in f.errors for k in range(len(r.loc) + 1)}
    if doc.format == "json":
        index = _json_positions(doc.text, wanted)
    elif doc.format == "toml":
        index = _toml_positions(doc.text, wanted)
    else:
        index = _yaml_positions(doc.text, limits)
    for finding in findings:
        located = [_locate(r, index) for r in finding.errors]
        if outer_text is not None:
            located = _to_outer(outer_text, doc.text, located)
        finding.errors = sorted(located, key=lambda r: (r.line or 0, r.column or 0))


def _toml_positions(text: str, wanted: set[Loc]) -> _Positions:
    """Line and column of the ``wanted`` values and keys of a TOML text (see ``_tomlpos``)."""
    from ._tomlpos import positions

    values, keys = positions(text)
    return _Positions(
        {loc: p for loc, p in values.items() if loc in wanted},
        {loc: p for loc, p in keys.items() if loc in wanted},
    )


def _key_matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    compiled = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))
    return lambda key: compiled.match(key) is not None


def _to_outer(outer: str, inner: str, records: list[ErrorRecord]) -> list[ErrorRecord]:
    """Positions in the inner document of a double-encoded file, placed in the outer file."""
    places = [(r.line, r.column) for r in records if r.line is not None and r.column is not None]
    mapped = dict(zip(places, _doubled.outer_positions(outer, inner, places), strict=True))
    return [
        r
        if r.line is None or r.column is None
        else ErrorRecord(r.loc, r.type, r.msg, r.input, *mapped[(r.line, r.column)])
        for r in records
    ]


# --- positions (only computed when there is an error to place) -------------------------------

Position = tuple[int, int]


@dataclass
class _Positions:
    values: dict[Loc, Position] = field(default_factory=dict)
    keys: dict[Loc, Position] = field(default_factory=dict)


def _locate(record: ErrorRecord, index: _Positions) -> ErrorRecord:
    loc = record.loc
    position = index.keys.get(loc) if record.type == "unknown_key" else None
    while position is None:
        position = index.values.get(loc)
        if position is None:
            if not loc:
                break
            loc = loc[:-1]
    line, column = position if position else (None, None)
    return ErrorRecord(record.loc, record.type, record.msg, record.input, line, column)


_JSON_TOKEN = re.compile(
    # a string is found by its opening quote and read by json's own scanner (C, memory linear
    # in the string): a regular expression for whole strings keeps a backtracking frame per
    # escape, about 65 bytes of memory per byte of a string of escapes
    r'"|[{}\[\]:,]|-?(?:\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity'
)


def _json_positions(text: str, wanted: set[Loc]) -> _Positions:
    """Line and column of the values (and object keys) at the ``wanted`` locations.

    A regular expression finds the tokens (so this runs at C speed between them); a stack of
    open containers tracks the location. For a duplicated key the last one wins, as in
    ``json.loads``. Only wanted positions are kept, so memory stays small on big documents.
    """
    index = _Positions()
    line, line_start, cursor = 1, 0, 0
    stack: list[_Open] = []
    at = 0
    while (match := _JSON_TOKEN.search(text, at)) is not None:
        start = match.start()
        token = match.group()
        at = match.end()
        key: Any = None
        if token == '"':
            key, at = _scan_string(text, at)
        newlines = text.count("\n", cursor, start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", cursor, start) + 1
        cursor = start
        position = (line, start - line_start + 1)
        top = stack[-1] if stack else None
        if token == ":":
            continue
        if token == ",":
            if top is not None and top.is_object:
                top.expect_key = True
            continue
        if token in "}]":
            stack.pop()
            continue
        if top is not None and top.is_object and top.expect_key:
            top.key = key
            top.expect_key = False
            key_loc = (*top.loc, top.key)
            if key_loc in wanted:
                index.keys[key_loc] = position
            continue
        if top is None:
            loc: Loc = ()
        elif top.is_object:
            loc = (*top.loc, top.key)
        else:
            loc = (*top.loc, top.count)
            top.count += 1
        if loc in wanted:
            index.values[loc] = position
        if token in "{[":
            stack.append(_Open(loc, token == "{"))
    return index


def _scan_string(text: str, after_quote: int) -> tuple[str, int]:
    """The decoded JSON string whose opening quote is just before ``after_quote``, and the
    index after its closing quote (the text was already parsed, so the string is valid)."""
    value, end = json.decoder.scanstring(text, after_quote, False)  # type: ignore[attr-defined]
    return value, end


@dataclass
class _Open:
    """A container the JSON position scanner is inside."""

    loc: Loc
    is_object: bool
    expect_key: bool = True
    key: Any = None
    count: int = 0


def _yaml_positions(text: str, limits: Limits) -> _Positions:
    """Line and column of every value and key of a YAML text, by location.

    Walks in document order; a node reached through an alias is indexed under every location
    that reaches it, with the position where it is written (its anchor's definition).
    """
    import yaml

    index = _Positions()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(text, Loader=loader)
    stack: list[tuple[Loc, Any, frozenset[int]]] = [((), root, frozenset())] if root else []
    visited = 0
    while stack:
        loc, node, path = stack.pop()
        visited += 1
        if visited > limits.max_yaml_nodes or id(node) in path:  # too big, or a cycle
            continue
        index.values[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)  # last wins
        inner = path | {id(node)}
        children: list[tuple[Loc, Any, frozenset[int]]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key_loc = (*loc, _yaml_key(key_node))
                mark = key_node.start_mark
                index.keys[key_loc] = (mark.line + 1, mark.column + 1)
                children.append((key_loc, value_node, inner))
        elif isinstance(node, yaml.SequenceNode):
            children = [((*loc, i), child, inner) for i, child in enumerate(node.value)]
        stack.extend(reversed(children))
    return index


def _yaml_key(node: Any) -> str:
    value = node.value
    return value if isinstance(value, str) else str(value)
