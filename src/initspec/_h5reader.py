"""Reads the ``model_config`` attribute of one ``.h5`` file in a process of its own.

libhdf5 is C code: a damaged file can make it loop forever (uninterruptible by signals) or
crash. :func:`initspec.files.scan` therefore never opens an ``.h5`` file in its own process;
it runs this file, a fixed module of initspec's, as
``python -I _h5reader.py MAX_CONFIG_BYTES MAX_MEMORY_BYTES SEARCH_PATH_JSON [PATH]`` and kills it
after a time bound. Nothing here takes a name, a module or a path from the file.

Before importing anything that parses the file, the process caps its own address space
(``RLIMIT_AS``), forbids itself to write any file (``RLIMIT_FSIZE`` 0) and to dump core; once
numpy and h5py are imported, and before the file is opened, it installs an audit hook that
stops it from starting processes, opening sockets, loading libraries, or opening any file for
writing. It then reads the file (``PATH``, or the bytes on stdin) and writes one
answer on stdout: ``none``, ``error MESSAGE`` or ``text N`` followed by N bytes. It imports
nothing of initspec's (so it runs the same whatever the caller's initspec is).
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


def main(argv: list[str]) -> int:
    """Run the reader (see the module documentation); the exit status is 0 when it answered."""
    max_config_bytes, max_memory = int(argv[0]), int(argv[1])
    sys.path[:] = [p for p in json.loads(argv[2]) if isinstance(p, str)]
    source: Any = argv[3] if len(argv) > 3 else None
    if source is None:
        import io

        source = io.BytesIO(sys.stdin.buffer.read())
    _confine(max_memory)
    try:
        import h5py  # noqa: F401  (numpy and h5py load their libraries here)
    except ModuleNotFoundError as exc:
        if exc.name != "h5py":
            raise
        _answer("error reading .h5 files needs h5py: pip install 'initspec[h5]'")
        return 0
    except (ImportError, MemoryError) as exc:  # e.g. numpy's libraries past the memory cap
        message = " ".join(str(exc).split())[:200] or type(exc).__name__
        _answer(
            f"error the .h5 reader could not load h5py in {max_memory:,} bytes of memory "
            f"(INITSPEC_MAX_H5_MEMORY_BYTES): {message}"
        )
        return 0
    sys.addaudithook(_guard)  # from here on, while the file is read
    try:
        kind, data = _read(source, max_config_bytes)
    except MemoryError:
        kind, data = f"error reading it needs more than {max_memory:,} bytes of memory", b""
    except Exception as exc:  # libhdf5 reports damage through many exception types
        message = " ".join(str(exc).split()) or type(exc).__name__
        kind, data = f"error a damaged HDF5 file: {message}", b""
    _answer(kind, data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
