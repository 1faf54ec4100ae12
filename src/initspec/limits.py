"""The bounds initspec puts on what it reads and allocates, in one place.

Files come from strangers; every bound below turns a hostile or broken input into a clear
``InitializerError`` instead of exhausting memory, time or the stack. Each can be changed for
one call (``scan(..., limits=Limits(...))``) or for the process (environment variables).

>>> from initspec.limits import Limits
>>> Limits().max_depth
1000
>>> Limits(max_file_bytes=1024).max_file_bytes
1024
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BEYOND_FLOAT",
    "FLOAT_MAX",
    "KERAS_PACKAGES",
    "MAX_ARRAY_ELEMENTS",
    "MAX_BYTES_ENV",
    "MAX_RANK",
    "MAX_THREADS",
    "PIPE_READER_SECONDS",
    "SEED_MAX",
    "SEED_MIN",
    "SHOW_MAX_BINS",
    "THREADS_ENV",
    "Limits",
    "env_int",
    "env_threads",
    "forbidden_module_message",
    "max_tensor_bytes",
]

MAX_BYTES_ENV = "INITSPEC_MAX_BYTES"
THREADS_ENV = "INITSPEC_NUM_THREADS"
#: Most axes a shape, or an array written in a config, may have (numpy's own limit).
MAX_RANK = 64
#: Most elements an array written in a config may have.
MAX_ARRAY_ELEMENTS = 10_000_000
#: The seeds a config may carry: Keras's 64-bit seeds, signed or not.
SEED_MIN, SEED_MAX = -(2**63), 2**64 - 1
#: Largest magnitude of a number in a config (float64's: every number is read as one).
FLOAT_MAX = sys.float_info.max
#: The packages a config's ``module`` may name (or their submodules); never imported.
KERAS_PACKAGES = ("keras", "tf_keras", "tensorflow")
#: Why an integer is refused where a float is read (after the value or the field's name).
BEYOND_FLOAT = f"is beyond the range of a float (about {FLOAT_MAX:.1e})".replace("e+", "e")
#: Most histogram bins ``initspec show --bins`` draws (one terminal line each).
SHOW_MAX_BINS = 1_000
#: Seconds ``-o PIPE`` waits for a process to open a named pipe for reading.
PIPE_READER_SECONDS = 5

#: Most threads one call of the sampler runs on (a larger ``threads=`` runs on this many); the
#: process keeps one pool of at most ``MAX_THREADS - 1`` threads, shared by every call.
MAX_THREADS = 64


def forbidden_module_message(value: Any, allowed: Sequence[str] = ()) -> str:
    """Why a config's ``module`` is refused; ``allowed`` names the registrations' modules."""
    packages = ", ".join(f"{name}.*" for name in KERAS_PACKAGES)
    also = (
        "".join(f", {m}" for m in allowed)
        if allowed
        else " or the module of a registered initializer"
    )
    return (
        f"module {value!r} is not allowed: initspec never imports what a config names, and "
        f"accepts only {packages}{also}"
    )


#: Longest value an ``INITSPEC_*`` variable may hold: 30 digits (10**30 - 1 bytes is no limit).
_MAX_DIGITS = 30


def env_int(name: str, minimum: int = 0) -> int | None:
    """The whole number the environment variable ``name`` holds (``None`` when it is unset or
    blank). Every ``INITSPEC_*`` number is read here, one way: ASCII digits only, at least
    ``minimum``; anything else (``abc``, ``1e9``, ``-1``, ``2.5``) is an ``InitializerError``
    naming the variable, never a bound silently left at its default.

    >>> import os
    >>> os.environ["EXAMPLE_DEPTH"] = "1000"
    >>> env_int("EXAMPLE_DEPTH")
    1000
    >>> os.environ["EXAMPLE_DEPTH"] = "1e9"
    >>> from initspec import InitializerError
    >>> try:
    ...     env_int("EXAMPLE_DEPTH")
    ... except InitializerError as exc:
    ...     print(exc.errors[0].msg)
    EXAMPLE_DEPTH must be a whole number (digits only, at least 0); got '1e9' (write 1000000000)
    >>> del os.environ["EXAMPLE_DEPTH"]
    """
    return _parse_env(name, os.environ.get(name), minimum)


def _parse_env(name: str, text: str | None, minimum: int) -> int | None:
    """:func:`env_int` of the value ``text`` read from ``name``."""
    text = text.strip() if text else None
    if not text:
        return None
    if text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS:
        value = int(text)
        if value >= minimum:
            return value
    raise _env_error(name, minimum, text)


def _env_error(name: str, minimum: int, text: str) -> Exception:
    from .errors import InitializerError

    shown = repr(text) if len(text) <= 40 else repr(text[:37] + "...")
    hint = ""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isfinite(number) and number.is_integer() and minimum <= number < 10**_MAX_DIGITS:
        hint = f" (write {int(number)})"
    return InitializerError.single(
        (name,),
        "invalid_argument",
        f"{name} must be a whole number (digits only, at least {minimum}); got {shown}{hint}",
        text,
        subject="the environment",
    )


def _env(name: str, default: int) -> Any:
    def read() -> int:
        value = env_int(name)
        return default if value is None else value

    return field(default_factory=read)


@dataclass(frozen=True)
class Limits:
    """Bounds on inputs. Defaults come from ``INITSPEC_*`` environment variables if set (a
    malformed one is an ``InitializerError``, see :func:`env_int`)."""

    #: Largest JSON, YAML or TOML document read: 512 MiB (.keras/.h5 files are not read whole).
    max_file_bytes: int = _env("INITSPEC_MAX_FILE_BYTES", 512 << 20)
    #: Largest uncompressed ``config.json`` inside a ``.keras`` zip: 64 MiB.
    max_config_bytes: int = _env("INITSPEC_MAX_CONFIG_BYTES", 64 << 20)
    #: Most members a ``.keras`` zip may list: 10,000.
    max_zip_members: int = _env("INITSPEC_MAX_ZIP_MEMBERS", 10_000)
    #: Deepest nesting of arrays/objects in a document: 1,000.
    max_depth: int = _env("INITSPEC_MAX_DEPTH", 1_000)
    #: Most nodes a document may expand to (YAML aliases counted each time): 1,000,000.
    max_yaml_nodes: int = _env("INITSPEC_MAX_YAML_NODES", 1_000_000)
    #: Seconds the process reading an ``.h5`` file (libhdf5) may take: 30.
    max_h5_seconds: int = _env("INITSPEC_MAX_H5_SECONDS", 30)
    #: Address space of the process reading an ``.h5`` file, libraries included: 1 GiB.
    max_h5_memory_bytes: int = _env("INITSPEC_MAX_H5_MEMORY_BYTES", 1 << 30)


def max_tensor_bytes() -> int:
    """The largest array an initializer call allocates: ``$INITSPEC_MAX_BYTES``, else RAM."""
    text = os.environ.get(MAX_BYTES_ENV)  # every allocating call asks: one lookup, no parsing
    value = _parse_env(MAX_BYTES_ENV, text, 0) if text else None
    return _ram() if value is None else value


def env_threads() -> int | None:
    """``$INITSPEC_NUM_THREADS`` (``None`` when unset), or an error if it is not a count."""
    text = os.environ.get(THREADS_ENV)  # every call of the sampler asks: one lookup
    return _parse_env(THREADS_ENV, text, 1) if text else None


@functools.cache
def _ram() -> int:
    """The machine's physical memory in bytes (read once: every initializer call asks)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return 2**40
