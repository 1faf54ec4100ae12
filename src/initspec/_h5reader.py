"""Reads the ``model_config`` attribute of ``.h5`` files in a process of its own.

libhdf5 is C code: a damaged file can make it loop forever (uninterruptible by signals) or
crash. :func:`initspec.files.scan` therefore never opens an ``.h5`` file in its own process;
it runs this file, a fixed module of initspec's, as
``python -I _h5reader.py MAX_MEMORY_BYTES SEARCH_PATH_JSON``, sends it one request per file,
and kills it when an answer takes longer than the time bound (a new one serves the next file).
Nothing here takes a name or a module from a file, and the command line holds no path.

Before importing anything that parses a file, the process caps its own address space
(``RLIMIT_AS``), forbids itself to write any file (``RLIMIT_FSIZE`` 0) and to dump core; once
numpy and h5py are imported, and before any file is opened, it installs an audit hook that
stops it from starting processes, opening sockets, loading libraries, or opening any file for
writing. Each request is one JSON line on stdin (``{"max": MAX_CONFIG_BYTES, "path": PATH}``,
or ``"size": N`` and then the N bytes of the file); each answer, on stdout, is one line
(``none``, ``error MESSAGE`` or ``text N``) followed by N bytes. It imports nothing of
initspec's (so it runs the same whatever the caller's initspec is).
"""

from __future__ import annotations

import json
import sys
from typing import Any

#: Audit events the reader may never cause (checked by prefix): processes, network, code.
_FORBIDDEN = (
    "subprocess.",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "pty.",
    "socket.",
    "ctypes.",
    "os.remove",
    "os.rename",
    "os.unlink",
    "os.truncate",
    "shutil.",
    "urllib.",
)


def _confine(max_memory: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX: only the time bound applies
        return
    for limit, value in (
        (resource.RLIMIT_AS, max_memory),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
    ):
        _, hard = resource.getrlimit(limit)
        soft = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (soft, soft))


def _guard(event: str, args: tuple[Any, ...]) -> None:
    if event.startswith(_FORBIDDEN):
        raise PermissionError(f"the .h5 reader may not {event}")
    mode = args[1] if event == "open" and len(args) > 1 else None
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        raise PermissionError("the .h5 reader may not write a file")


def _answer(kind: str, data: bytes = b"") -> None:
    out = sys.stdout.buffer
    out.write(kind.encode("utf-8", "backslashreplace") + b"\n" + data)
    out.flush()


def _read(source: Any, max_config_bytes: int) -> tuple[str, bytes]:
    import h5py

    with h5py.File(source, "r") as handle:
        if "model_config" not in handle.attrs:
            return "none", b""  # a weights-only file: no configs in it
        attribute = handle.attrs.get_id("model_config")
        kind = attribute.get_type()
        # Read only what a Keras file holds there (a string), and only so much of it
        if not isinstance(kind, h5py.h5t.TypeStringID):
            return (
                "error its model_config attribute is not text (HDF5 type class "
                f"{kind.get_class()}), so it is not a Keras model config",
                b"",
            )
        size = attribute.get_storage_size()  # fixed-length strings: the text itself
        if size > max_config_bytes:
            return _too_big(size, max_config_bytes), b""
        value = handle.attrs["model_config"]  # variable-length: bounded by the memory cap
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogateescape")
    elif isinstance(value, bytes):
        data = value
    else:
        return f"error its model_config attribute is a {type(value).__name__}, not text", b""
    if len(data) > max_config_bytes:
        return _too_big(len(data), max_config_bytes), b""
    return f"text {len(data)}", data


def _too_big(size: int, limit: int) -> str:
    return (
        f"error its model_config attribute takes {size:,} bytes, more than the limit of "
        f"{limit:,} (INITSPEC_MAX_CONFIG_BYTES)"
    )


def _read_safely(source: Any, max_config_bytes: int, max_memory: int) -> tuple[str, bytes]:
    try:
        return _read(source, max_config_bytes)
    except MemoryError:
        return f"error reading it needs more than {max_memory:,} bytes of memory", b""
    except Exception as exc:  # libhdf5 reports damage through many exception types
        message = " ".join(str(exc).split()) or type(exc).__name__
        return f"error a damaged HDF5 file: {message}", b""


def main(argv: list[str]) -> int:
    """Serve requests until stdin ends (see the module documentation)."""
    import io

    max_memory = int(argv[0])
    sys.path[:] = [p for p in json.loads(argv[1]) if isinstance(p, str)]
    _confine(max_memory)
    failure = None
    try:
        import h5py  # noqa: F401  (numpy and h5py load their libraries here)
    except ModuleNotFoundError as exc:
        if exc.name != "h5py":
            raise
        failure = "error reading .h5 files needs h5py: pip install 'initspec[h5]'"
    except (ImportError, MemoryError) as exc:  # e.g. numpy's libraries past the memory cap
        message = " ".join(str(exc).split())[:200] or type(exc).__name__
        failure = (
            f"error the .h5 reader could not load h5py in {max_memory:,} bytes of memory "
            f"(INITSPEC_MAX_H5_MEMORY_BYTES): {message}"
        )
    sys.addaudithook(_guard)  # from here on, while files are read
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline(1 << 16)
        if not line:
            return 0
        request = json.loads(line)
        source: Any = request.get("path")
        if source is None:
            source = io.BytesIO(stdin.read(int(request["size"])))
        if failure is not None:
            _answer(failure)
            continue
        kind, data = _read_safely(source, int(request["max"]), max_memory)
        _answer(kind, data)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
