"""Hostile input, as a threat model: each threat, the bound that meets it, and where it is tested.

Nothing a config or file names is imported, executed or opened, a built initializer holds only
plain data, and every input limit holds. The hostile inputs are built in ``tests/corpus.py``;
programs that must run in a fresh interpreter are in ``tests/programs/``. Each section below
tests one threat; each input limit is tested in one section.

* **Code execution, import or open** (the payloads of CVE-2024-3660, CVE-2025-1550,
  CVE-2025-8747, CVE-2025-9905, CVE-2025-9906: modules and functions to import or call, Lambda
  layers with marshalled code, ``registered_name`` tricks, ``.h5`` files, YAML tags that construct
  objects, zips with unsafe member paths) -- section *no execution, import or open*:
  ``programs/audit_run.py`` warms initspec up, installs a ``sys.addaudithook`` (which cannot be
  removed, hence the subprocess) and runs the corpus through ``get``, ``deserialize``, ``scan``
  and the command line; the test fails on any import of a new module, ``exec``/``compile``,
  ``open`` of anything but the file being read, process, socket, ``ctypes``,
  ``pickle``/``marshal`` event, and on any outcome but a report or an ``InitializerError``.
* **Keeping attacker-controlled objects** -- *nothing arbitrary is kept*: every attribute of a
  built initializer, recursively, is plain data or initspec's own model, and none of it is a
  container of the input.
* **Zip bombs and hostile archives** (lying sizes, compression bombs of every method, member
  counts, unsafe paths, damage, encryption, duplicate members, extraction) -- *.keras zips*
  (``max_config_bytes``, ``max_zip_members``).
* **Huge or endless files** (200 GiB sparse files, named pipes, a tight address space) --
  *any file* (``max_file_bytes``).
* **JSON** (depth, size, locating errors in memory, duplicate keys, byte order marks, invalid
  UTF-8, lone surrogates, NaN/Infinity, long integers) -- *JSON* (``max_depth``).
* **YAML** (depth, alias bombs, recursive aliases, aliases multiplying findings, merge keys,
  tags, values that are not JSON, duplicate keys) -- *YAML* (``max_yaml_nodes``).
* **Shapes** (too large, near 2**63, zero-size, partitions of huge tensors) -- *shapes*
  (``max_tensor_bytes``, ``INITSPEC_MAX_BYTES``).
* **libhdf5 hanging or crashing on a damaged .h5** -- *.h5 files*: read in a process of
  initspec's own with a time and memory bound (``max_h5_seconds``, ``max_h5_memory_bytes``;
  misbehaving stand-ins in ``programs/h5_*.py``).

Measurements that could take the machine down run ``programs/measure.py`` in a subprocess with
an address-space limit, so a failure is a ``MemoryError`` in the result, not the OOM killer.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import marshal
import math
import os
import pickle
import resource
import struct
import subprocess
import sys
import time
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pydantic
import pytest
from hypothesis import given

import initspec
import initspec.files
from corpus import (
    BOM,
    YAML_TAGS,
    Reduce,
    function_object,
    hostile_identifiers,
    lambda_code,
    write_corpus,
    write_warmup,
)
from helpers import (
    CLASS_WITH_FIELD,
    DENSE_MODEL,
    FIXTURES,
    config,
    fixture_path,
    numpy_value,
    unreadable,
    write_h5,
    write_keras,
)
from initspec import Limits
from initspec.initializers import BUILTINS
from initspec.initializers.base import Filler, Initializer
from strategies import fuzz_settings, valid_configs

yaml = pytest.importorskip("yaml")
h5py = pytest.importorskip("h5py")

LINUX = sys.platform.startswith("linux")
needs_linux = pytest.mark.skipif(not LINUX, reason="measures memory through /proc and rlimits")
MiB = 1 << 20
PROGRAMS = Path(__file__).parent / "programs"
GiB = 1 << 30


# --- helpers ------------------------------------------------------------------------------------


def clear(func: Any, *args: Any, **kwargs: Any) -> Any:
    """``func(...)``, or the InitializerError it raised; any other exception fails the test."""
    try:
        return func(*args, **kwargs)
    except initspec.InitializerError as exc:
        return exc


# --- running Python in a subprocess ----------------------------------------------------------


def run_program(program: Path, *args: str, timeout: float = 120, env: dict[str, str] | None = None):
    """Run ``program`` with this interpreter; its last stdout line is a JSON result. Past
    ``timeout`` seconds it is killed and the result says so (outcome "hang")."""
    environ = {**os.environ, **(env or {})}
    try:
        proc = subprocess.run(
            [sys.executable, str(program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environ,
        )
    except subprocess.TimeoutExpired:
        return {"outcome": "hang", "seconds": timeout, "growth": 0}
    lines = proc.stdout.strip().splitlines()
    failure = (
        f"the subprocess failed (exit {proc.returncode}; a negative status is a signal, e.g. "
        f"-11 a segfault)\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    )
    assert proc.returncode == 0, failure
    assert lines, failure
    return json.loads(lines[-1])


def measure(spec: dict[str, Any], env: dict[str, str] | None = None, timeout: float = 300):
    """Run one action in a fresh, address-space-capped interpreter (see ``programs/measure.py``)."""
    return run_program(PROGRAMS / "measure.py", json.dumps(spec), env=env, timeout=timeout)


@contextlib.contextmanager
def capped_address_space(budget: int = 2 * GiB) -> Iterator[None]:
    """Within the block, this process may map at most ``budget`` more bytes (Linux; soft
    limit, restored after), so a runaway allocation is a MemoryError, not the OOM killer."""
    if not LINUX:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as handle:
        mapped = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = mapped + budget
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def mib(n: float) -> str:
    return f"{n / MiB:,.0f} MiB"


def is_clear_answer(result: dict[str, Any]) -> bool:
    """A report, a value, or an InitializerError: never another exception."""
    return result["outcome"] in ("report", "built", "array", "InitializerError")


# --- no execution, import or open: the audited hostile corpus -------------------------------------


# programs/audit_run.py runs in a subprocess: warm up, install the audit hook, process the corpus.
@needs_linux
def test_hostile_configs_and_files_import_execute_and_open_nothing(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    marker = tmp_path / "PWNED"
    corpus = write_corpus(root, marker)
    manifest = {
        **corpus,
        "warmup": write_warmup(tmp_path / "warm"),
        "root": str(root),
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            str(PROGRAMS / "audit_run.py"),
            str(tmp_path / "manifest.json"),
            str(tmp_path / "out.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    result = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert not marker.exists(), "a payload ran"

    corpus_files = {os.path.realpath(p) for p, _ in corpus["files"]}
    reader = os.path.realpath(Path(initspec.files.__file__).with_name("_h5reader.py"))

    def reads_h5(event: dict[str, Any]) -> bool:
        """initspec's own .h5 reader process: a fixed program of initspec's, isolated (-I),
        given numbers, this interpreter's search path and the file being read; nothing else."""
        if event["event"] != "subprocess.Popen":
            return False
        argv = event["detail"][1]
        fixed = argv[:4] == [sys.executable, "-I", reader, str(Limits().max_h5_memory_bytes)]
        search_path = json.loads(argv[4]) if len(argv) == 5 else None
        return (
            fixed
            and isinstance(search_path, list)
            and all(isinstance(p, str) for p in search_path)
            and event["item"].startswith(("scan", "cli", "python"))
        )

    readers = {e["item"] for e in result["events"] if reads_h5(e)}
    assert readers  # started under the hook (stopped after the warm-up), maybe restarted
    seen = {(e["event"], e["detail"][0]) for e in result["events"] if e["item"] == "canary"}
    assert seen >= {("open", os.devnull), ("import", "colorsys"), ("compile", "b'1'")}, seen
    assert ("exec", "<canary>") in seen, seen
    bad_events = []
    for event in result["events"]:
        if event["item"] == "canary":
            continue
        if event["event"] == "open":
            opened = os.path.realpath(event["detail"][0])
            mode = event["detail"][1]
            read_only = not any(c in mode for c in "wax+")
            reading = event["item"].startswith(("scan ", "cli", "python -m"))
            if opened in corpus_files and read_only and reading and "bytes of" not in event["item"]:
                continue  # the file being read, read-only
        if reads_h5(event):
            continue
        if (
            event["event"] == "open"
            and event["detail"][0].isdigit()  # a file descriptor: the reader's pipes
            and event["item"] in readers
        ):
            continue
        if event["event"] == "exec" and event["item"].startswith("python -m initspec"):
            filename = event["detail"][0]
            if Path(filename).name == "__main__.py" and Path(filename).parent.name == "initspec":
                continue  # runpy running initspec's own __main__
        bad_events.append(event)
    assert not bad_events, "forbidden audit events:\n" + "\n".join(map(str, bad_events[:30]))
    new_modules = set(result["new_modules"]) - {"colorsys"}
    assert not new_modules, f"modules imported under the hook: {sorted(new_modules)}"

    expect = dict(corpus["files"])
    problems = []
    for item in result["outcomes"]:
        label, outcome, detail = item["item"], item["outcome"], item["detail"]
        if label == "canary":
            continue
        if label.startswith(("get #", "deserialize #")):
            if outcome != "InitializerError":
                problems.append(f"{label}: {outcome} {detail}")
        elif label.startswith("scan "):
            path = label.removeprefix("scan bytes of ").removeprefix("scan ")
            if expect[path] == "unreadable":
                if outcome != "InitializerError" or set(detail) != {"unreadable_file"}:
                    problems.append(f"{label}: expected unreadable_file, got {outcome} {detail}")
            elif outcome != "ok" or not detail["findings"] or any(detail["ok"]):
                problems.append(f"{label}: expected only invalid findings, got {outcome} {detail}")
        elif label.startswith(("cli /", "cli " + str(root))):
            path = label.removeprefix("cli ")
            wanted = 2 if expect.get(path) == "unreadable" else 1
            if outcome != "ok" or detail != wanted:
                problems.append(f"{label}: exit {outcome} {detail}, expected {wanted}")
        elif outcome not in ("ok", "exit") or detail != 2:
            problems.append(f"{label}: {outcome} {detail}, expected exit status 2")
    assert not problems, "\n".join(problems)
    n_ids, n_files = len(corpus["identifiers"]), len(corpus["files"])
    assert len(result["outcomes"]) == 1 + 2 * n_ids + 2 * n_files + 8 + n_files + 1


def test_hostile_corpus_is_what_it_claims(tmp_path: Path) -> None:
    """The corpus itself: payloads that would run if loaded unsafely (so the test above means
    something), and every identifier rejected in-process too."""
    marker = tmp_path / "PWNED"
    code = marshal.loads(base64.b64decode(lambda_code(marker)))
    assert code.co_filename == "<payload>"
    assert b"system" in pickle.dumps(Reduce("x"))
    for template in YAML_TAGS:
        with pytest.raises(yaml.YAMLError):
            yaml.safe_load(template.format(m=marker))
    for identifier in hostile_identifiers(marker):
        with pytest.raises(initspec.InitializerError):
            initspec.get(identifier)
    assert not marker.exists()


def test_cli_exit_status_on_hostile_files(tmp_path: Path) -> None:
    """The real ``python -m initspec validate`` process: 1 for invalid files, 2 for unreadable."""
    marker = tmp_path / "PWNED"
    corpus = write_corpus(tmp_path, marker)
    invalid = [p for p, e in corpus["files"] if e == "invalid"]
    unreadable_ = [p for p, e in corpus["files"] if e == "unreadable"]
    for paths, status in ((invalid, 1), (unreadable_, 2), (invalid + unreadable_, 2)):
        proc = subprocess.run(
            [sys.executable, "-m", "initspec", "validate", "--format", "json", *paths],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert proc.returncode == status, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
        document = json.loads(proc.stdout)
        assert len(document["files"]) == len(paths)
    assert not marker.exists()


# --- nothing arbitrary is kept ----------------------------------------------------------------

PLAIN = (type(None), bool, int, float, str)


def foreign_leaves(root: Any) -> Iterator[str]:
    """Paths to every value inside ``root`` that is not plain data or initspec's own object."""
    stack: list[tuple[str, Any]] = [("init", root)]
    seen: set[int] = set()
    while stack:
        path, obj = stack.pop()
        if isinstance(obj, PLAIN):
            continue
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (np.ndarray, np.generic)):
            if obj.dtype.kind not in "biufc":
                yield f"{path}: numpy dtype {obj.dtype}"
        elif isinstance(obj, (list, tuple)):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(obj))
        elif isinstance(obj, (set, frozenset)):
            stack.extend((f"{path}{{}}", v) for v in obj)
        elif isinstance(obj, dict):
            for key, value in obj.items():
                if not isinstance(key, str):
                    yield f"{path}: key {key!r}"
                stack.append((f"{path}[{key!r}]", value))
        elif isinstance(obj, (pydantic.BaseModel, Filler)):
            if not type(obj).__module__.startswith("initspec."):
                yield f"{path}: {type(obj).__module__}.{type(obj).__qualname__}"
                continue
            stack.extend((f"{path}.{k}", v) for k, v in vars(obj).items())
            if isinstance(obj, pydantic.BaseModel):
                stack.append((f"{path}.__pydantic_extra__", obj.__pydantic_extra__))
                stack.append((f"{path}.__pydantic_private__", obj.__pydantic_private__))
                stack.append((f"{path}.__pydantic_fields_set__", obj.__pydantic_fields_set__))
        else:
            yield f"{path}: {type(obj).__module__}.{type(obj).__qualname__}"


def containers(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, dict)):
            yield item
            stack.extend(item.values() if isinstance(item, dict) else item)


ABSTRACT = ("Initializer", "initializer")


def fixture_identifiers() -> list[Any]:
    found = []
    for flavour in ("keras3", "tf_keras"):
        data = json.loads((FIXTURES / flavour / "initializers.json").read_text(encoding="utf-8"))
        # Keras's table holds its abstract base class, which initspec rejects on purpose
        found += [c["serialized"] for c in data["cases"] if c["class_name"] not in ABSTRACT]
        found += [
            c["name"] for c in data["names"] if "error" not in c and c["name"] not in ABSTRACT
        ]
    return found


HOSTILE_BUT_VALID = [
    # module names matched as text, never imported: these are valid, and must stay plain data
    {"module": "keras.src.initializers", "class_name": "GlorotUniform", "config": {}},
    {"module": "tensorflow.python.ops.init_ops_v2", "class_name": "Zeros", "config": {}},
    {
        "class_name": "RandomNormal",
        "config": {
            "seed": {
                "module": "keras.random",
                "class_name": "SeedGenerator",
                "config": {"seed": 3, "name": "__import__('os')"},
                "registered_name": "SeedGenerator",
                "shared_object_id": 1,
            }
        },
    },
    {
        "class_name": "Constant",
        "config": {
            "value": {
                "class_name": "__numpy__",
                "config": {"value": [[True, False]], "dtype": "bool"},
            }
        },
    },
    {
        "class_name": "Constant",
        "config": {
            "value": {"class_name": "__tensor__", "config": {"value": [1, 2], "dtype": "uint64"}}
        },
    },
    {
        "class_name": "STFT",
        "config": {
            "window": {
                "class_name": "__numpy__",
                "config": {"value": [1.0, 0.5], "dtype": "float16"},
            }
        },
    },
    {"class_name": "Constant", "config": {"value": [[1.0, 2.0], [3.0, 4.0]], "dtype": "float32"}},
]


def test_fixture_and_hostile_but_valid_initializers_hold_only_plain_data() -> None:
    identifiers = fixture_identifiers() + HOSTILE_BUT_VALID
    assert len(identifiers) > 50
    for identifier in identifiers:
        built = initspec.get(identifier)
        assert built is not None
        leaves = list(foreign_leaves(built))
        assert not leaves, f"{identifier!r} keeps {leaves}"
    for array in (np.arange(3), np.ones((2, 2), np.float16), np.array(True), np.int8(3)):
        assert not list(foreign_leaves(initspec.get(array)))


@fuzz_settings(0.5)
@given(valid_configs())
def test_valid_configs_build_initializers_of_plain_data(cfg: dict[str, Any]) -> None:
    built = initspec.get(cfg)
    leaves = list(foreign_leaves(built))
    assert not leaves, f"{cfg!r} keeps {leaves}"


def test_built_initializers_share_no_container_with_their_input() -> None:
    """A built initializer is frozen and hashable: it must not keep (and so follow changes to)
    a list or dict of its input; if it did, a config could be changed after validation."""
    cases = [
        {"class_name": "Constant", "config": {"value": [1.0, 2.0]}},
        {"class_name": "Constant", "config": {"value": [[1, 2], [3, 4]]}},
        {
            "class_name": "Constant",
            "config": {
                "value": {
                    "class_name": "__numpy__",
                    "config": {"value": [1, 2], "dtype": "float32"},
                }
            },
        },
        {"class_name": "STFT", "config": {"window": [1.0, 2.0]}},
        {
            "class_name": "STFT",
            "config": {
                "window": {
                    "class_name": "__numpy__",
                    "config": {"value": [1.0, 2.0], "dtype": "float32"},
                }
            },
        },
        {"class_name": "VarianceScaling", "config": {"input_axes": [0], "output_axes": [1]}},
        {
            "class_name": "RandomNormal",
            "config": {"seed": {"class_name": "SeedGenerator", "config": {"seed": 1}}},
        },
    ]
    shared = []
    for cfg in cases:
        built = initspec.get(cfg)
        kept = {id(c) for c in containers(cfg)}
        inside = [
            p for p, v in _walk_with_paths(built) if isinstance(v, (list, dict)) and id(v) in kept
        ]
        before = (built.get_config(), hash(built))
        for container in containers(cfg):  # now change every list in the input
            if isinstance(container, list):
                container[:] = [float("nan")] * len(container)
        after = (built.get_config(), hash(built))
        if inside or before != after:
            shared.append(f"{cfg['class_name']}: shares {inside}; config {before} -> {after}")
    assert not shared, "\n".join(shared)


def _walk_with_paths(root: Any) -> Iterator[tuple[str, Any]]:
    stack: list[tuple[str, Any]] = [("init", root)]
    seen: set[int] = set()
    while stack:
        path, obj = stack.pop()
        if id(obj) in seen or isinstance(obj, PLAIN):
            continue
        seen.add(id(obj))
        yield path, obj
        if isinstance(obj, (list, tuple)):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(obj))
        elif isinstance(obj, dict):
            stack.extend((f"{path}[{k!r}]", v) for k, v in obj.items())
        elif isinstance(obj, (pydantic.BaseModel, Filler)):
            stack.extend((f"{path}.{k}", v) for k, v in vars(obj).items())


# --- .keras zips --------------------------------------------------------------------------------


def test_config_json_over_max_config_bytes(tmp_path: Path) -> None:
    path = write_keras(tmp_path / "m.keras", DENSE_MODEL)
    size = len(json.dumps(DENSE_MODEL).encode())
    assert initspec.scan(path, limits=Limits(max_config_bytes=size)).findings
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path, limits=Limits(max_config_bytes=size - 1))
    record = unreadable(excinfo)
    assert f"{size - 1:,}" in record.msg
    assert "config.json" in record.msg


def test_zip_member_limit(tmp_path: Path) -> None:
    extra = {f"assets/{i}.bin": b"x" for i in range(5)}
    path = write_keras(tmp_path / "m.keras", DENSE_MODEL, extra)  # 7 members
    assert initspec.scan(path, limits=Limits(max_zip_members=7)).findings
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path, limits=Limits(max_zip_members=6))
    assert "members" in unreadable(excinfo).msg


def lying_zip(path: Path, method: int, real_size: int, declared: int) -> Path:
    """A .keras zip whose config.json unpacks to ``real_size`` bytes while both its local
    header and the central directory declare ``declared``."""
    info = zipfile.ZipInfo("config.json")
    info.compress_type = method
    chunk = b" " * (4 * MiB)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        with archive.open(info, "w") as member:
            for _ in range(real_size // len(chunk)):
                member.write(chunk)
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo("config.json").header_offset
        start = archive.start_dir  # type: ignore[attr-defined]
    with open(path, "r+b") as handle:
        handle.seek(start)
        central = handle.read()
        at = 0
        while True:
            at = central.index(b"PK\x01\x02", at)
            name_length = struct.unpack_from("<H", central, at + 28)[0]
            if central[at + 46 : at + 46 + name_length] == b"config.json":
                break
            at += 4
        for offset in (local + 22, start + at + 24):
            handle.seek(offset)
            handle.write(struct.pack("<I", declared))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("config.json").file_size == declared
    return path


ZIP_METHODS = {
    "stored": zipfile.ZIP_STORED,
    "deflated": zipfile.ZIP_DEFLATED,
    "bzip2": zipfile.ZIP_BZIP2,
    "lzma": zipfile.ZIP_LZMA,
}


@needs_linux
@pytest.mark.parametrize("method", list(ZIP_METHODS))
def test_compression_bomb_with_a_lying_header_stays_within_max_config_bytes(
    tmp_path: Path, method: str
) -> None:
    # config.json really unpacks to 128 MiB; the headers say 1,000 bytes; the limit is 1 MiB.
    # Reading at most limit + 1 bytes needs a few MiB; decompressing the member whole needs
    # 128 MiB or more. 64 MiB lies far from both.
    path = lying_zip(tmp_path / "bomb.keras", ZIP_METHODS[method], 128 * MiB, 1000)
    result = measure(
        {"action": "scan", "source": str(path), "limits": {"max_config_bytes": MiB}, "budget": GiB}
    )
    assert result["outcome"] == "InitializerError", result
    assert result["types"] == ["unreadable_file"]
    assert result["growth"] < 64 * MiB, f"{method}: grew by {mib(result['growth'])}"
    assert result["seconds"] < 10, result  # the limit is reached in well under a second


def many_member_zip(path: Path, members: int, declared_count: int) -> Path:
    """A zip with a config.json and ``members`` more central-directory entries (all pointing at
    one empty local entry), whose end record declares ``declared_count`` entries."""
    name, config = b"a", b"{}"

    def local(name: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(data)
        head = struct.pack(
            "<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0
        )
        return head + name + data

    def central(name: bytes, data: bytes, offset: int) -> bytes:
        crc, n = zlib.crc32(data), len(data)
        fields = (b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, n, n, len(name), 0, 0, 0, 0, 0, offset)
        return struct.pack("<4s6H3I5H2I", *fields) + name

    first, second = local(name, b""), local(b"config.json", config)
    directory = central(b"config.json", config, len(first)) + central(name, b"", 0) * members
    count = min(declared_count, 0xFFFF)
    end = struct.pack(
        "<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(first + second), 0
    )
    path.write_bytes(first + second + directory + end)
    return path


@needs_linux
def test_zip_member_limit_is_enforced_before_the_directory_is_parsed(tmp_path: Path) -> None:
    # 500,001 central-directory entries (a 23 MB file) against the default limit of 10,000,
    # with an end record claiming 1. Counting entries as they are read costs nothing; building
    # an object per entry first (what zipfile.ZipFile does) costs ~200 MB and seconds. 64 MiB is
    # far from both.
    path = many_member_zip(tmp_path / "many.keras", 500_000, 1)
    with zipfile.ZipFile(path) as archive:
        assert len(archive.infolist()) == 500_001  # what zipfile sees, whatever the count says
    result = measure({"action": "scan", "source": str(path)})
    assert result["outcome"] == "InitializerError", result
    assert "10,000" in result["msg"]
    assert result["growth"] < 64 * MiB, f"grew by {mib(result['growth'])} before refusing"
    assert result["seconds"] < 10, result


def keras_case(tmp_path: Path, case: str) -> tuple[Path, str]:
    """A broken .keras file, and a word its error message must contain."""
    path = tmp_path / f"{case}.keras"
    if case == "config_too_big":
        write_keras(path, {"a": "x" * 5000})
        return path, "5,"
    if case == "too_many_members":
        write_keras(path, DENSE_MODEL, {f"assets/{i}": b"" for i in range(20)})
        return path, "members"
    if case == "unsafe_member":
        write_keras(path, DENSE_MODEL, {"../../evil.py": b"import os"})
        return path, "../../evil.py"
    if case == "absolute_member":
        write_keras(path, DENSE_MODEL, {"/etc/passwd": b"root"})
        return path, "/etc/passwd"
    if case == "no_config":
        write_keras(path, None)
        return path, "config.json"
    if case == "not_a_zip":
        path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
        return path, "zip"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "config_too_big",
        "too_many_members",
        "unsafe_member",
        "absolute_member",
        "no_config",
        "not_a_zip",
    ],
)
def test_keras_refusals_say_what_is_wrong_once(tmp_path: Path, case: str) -> None:
    path, needle = keras_case(tmp_path, case)
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path, limits=Limits(max_config_bytes=1000, max_zip_members=10))
    record = unreadable(excinfo)
    assert needle in record.msg
    # one sentence about this file, not an error wrapped in another error's message
    assert "problem with" not in record.msg, record.msg
    if case != "not_a_zip":
        assert "damaged" not in record.msg, record.msg


def test_encrypted_config_json_is_unreadable(tmp_path: Path) -> None:
    path = write_keras(tmp_path / "locked.keras", DENSE_MODEL)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("config.json")
        start = archive.start_dir  # type: ignore[attr-defined]
    struct.pack_into("<H", data, info.header_offset + 6, 1)  # "encrypted" flag bit
    at = data.index(b"PK\x01\x02config.json"[:4], start)
    while data[at + 46 : at + 57] != b"config.json":
        at = data.index(b"PK\x01\x02", at + 4)
    struct.pack_into("<H", data, at + 8, 1)
    path.write_bytes(bytes(data))
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(path)
    assert "encrypt" in unreadable(excinfo).msg.lower()


def test_duplicate_config_json_cannot_hide_the_config_keras_loads(tmp_path: Path) -> None:
    """zipfile, and so Keras, read the *last* member of a name. A benign config.json followed by
    a hostile one must not pass as the benign one."""
    benign = {
        "layers": [{"class_name": "Dense", "config": {"name": "d", "kernel_initializer": "zeros"}}]
    }
    hostile = {
        "layers": [
            {
                "class_name": "Dense",
                "config": {"name": "d", "kernel_initializer": function_object("eval")},
            }
        ]
    }
    path = tmp_path / "twice.keras"
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        archive.writestr("config.json", json.dumps(benign))
        archive.writestr("config.json", json.dumps(hostile))
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["config.json", "config.json"]
        assert json.loads(archive.read("config.json")) == hostile  # what Keras would load
    outcome = clear(initspec.scan, path)
    if isinstance(outcome, initspec.InitializerError):
        assert {r.type for r in outcome.errors} == {"unreadable_file"}
    else:
        assert not outcome.ok, "the hostile config.json Keras would load passed as the benign one"


def damaged_zips(tmp_path: Path) -> Iterator[tuple[str, bytes]]:
    data = fixture_path("keras3", "rnn", "keras").read_bytes()
    for fraction in range(1, 16):
        cut = len(data) * fraction // 16
        yield f"truncated at {cut}", data[:cut]
    end = data.rindex(b"PK\x05\x06")
    start = data.index(b"PK\x01\x02")
    for where in (end + 10, end + 12, end + 16, start + 20, start + 28, start + 42, 18, 22, 26):
        for value in (b"\x00", b"\xff", b"\x7f"):
            yield f"byte {where} set to {value!r}", data[:where] + value + data[where + 1 :]
    yield "empty", b""
    yield "magic only", b"PK\x03\x04"
    yield "end record only", b"PK\x05\x06" + b"\0" * 18
    yield (
        "end record claiming a huge directory",
        b"PK\x05\x06" + struct.pack("<4H2IH", 0, 0, 1, 1, 2**31, 0, 0),
    )
    yield "zip64 locator to nowhere", b"PK\x06\x07" + b"\xff" * 16 + b"PK\x05\x06" + b"\xff" * 18


def test_damaged_zips_are_unreadable_or_read(tmp_path: Path) -> None:
    for label, data in damaged_zips(tmp_path):
        path = tmp_path / "damaged.keras"
        path.write_bytes(data)
        for source in (path, data):
            outcome = clear(initspec.scan, source, format="keras")
            if isinstance(outcome, initspec.InitializerError):
                assert {r.type for r in outcome.errors} == {"unreadable_file"}, label


def snapshot(*roots: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                full = Path(dirpath) / name
                stat = full.lstat()
                found[str(full)] = (stat.st_size, stat.st_mtime_ns)
    return found


def test_nothing_is_extracted_or_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    monkeypatch.chdir(work)
    evil = b"open('PWNED', 'w').close()"
    members = {
        "../../evil.py": evil,
        "../evil.py": evil,
        str(tmp_path / "absolute_evil.py"): evil,
        "/etc/initspec_evil": evil,
        "..\\..\\evil.py": evil,
        "assets/../../../evil.py": evil,
    }
    paths = [
        write_keras(inputs / f"m{i}.keras", DENSE_MODEL, {n: d})
        for i, (n, d) in enumerate(members.items())
    ]
    link = zipfile.ZipInfo("assets/link")
    link.external_attr = 0o120777 << 16  # a symlink member pointing out of the tree
    with zipfile.ZipFile(inputs / "link.keras", "w") as archive:
        archive.writestr("config.json", json.dumps(DENSE_MODEL))
        archive.writestr(link, "../../../../etc/passwd")
    paths.append(inputs / "link.keras")
    paths.append(lying_zip(inputs / "bomb.keras", zipfile.ZIP_DEFLATED, 8 * MiB, 100))
    paths.append(fixture_path("keras3", "rnn", "keras"))
    before = snapshot(tmp_path)
    for path in paths:
        for source in (path, str(path), path.read_bytes()):
            with contextlib.suppress(initspec.InitializerError):
                initspec.scan(source, format="keras")
    status = initspec_cli(["validate", "--format", "json", str(inputs)])
    assert status == 2
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "absolute_evil.py").exists()
    assert not Path("/etc/initspec_evil").exists()


def initspec_cli(argv: list[str]) -> int:
    from initspec import cli

    out = io.StringIO()
    saved = sys.stdout
    sys.stdout = out
    try:
        return cli.main(argv)
    finally:
        sys.stdout = saved


# --- any file: size, address space, named pipes ---------------------------------------------------


def test_file_over_max_file_bytes(tmp_path: Path) -> None:
    text = json.dumps(DENSE_MODEL)
    size = len(text.encode())
    path = tmp_path / "m.json"
    path.write_text(text, encoding="utf-8")
    assert initspec.scan(path, limits=Limits(max_file_bytes=size)).findings
    for source in (path, text, text.encode()):
        with pytest.raises(initspec.InitializerError) as excinfo:
            initspec.scan(source, limits=Limits(max_file_bytes=size - 1))
        assert f"{size - 1:,}" in unreadable(excinfo).msg
    # a .keras zip is not read whole (its weights can be large): only config.json is read,
    # bounded by max_config_bytes
    keras = write_keras(tmp_path / "m.keras", DENSE_MODEL)
    assert initspec.scan(keras, limits=Limits(max_file_bytes=10)).findings
    with pytest.raises(initspec.InitializerError):
        initspec.scan(keras, limits=Limits(max_config_bytes=size - 1))


def test_max_file_bytes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(DENSE_MODEL), encoding="utf-8")
    monkeypatch.setenv("INITSPEC_MAX_FILE_BYTES", "10")
    with pytest.raises(initspec.InitializerError):
        initspec.scan(path)


def test_a_file_over_max_file_bytes_is_never_read(tmp_path: Path) -> None:
    # A sparse file: 200 GiB by its size, no disk used. Reading it would take minutes.
    for suffix in (".json", ".yaml", ".toml"):
        path = tmp_path / f"huge{suffix}"
        with open(path, "wb") as handle:
            handle.truncate(200 * GiB)
        start = time.perf_counter()
        with pytest.raises(initspec.InitializerError) as excinfo:
            initspec.scan(path)
        assert "536,870,912" in unreadable(excinfo).msg  # the default limit, 512 MiB
        with pytest.raises(initspec.InitializerError):
            initspec.scan(path, limits=Limits(max_file_bytes=10))
        assert initspec_cli(["validate", str(path)]) == 2
        assert time.perf_counter() - start < 1
        path.unlink()


@needs_linux
@pytest.mark.parametrize("suffix", [".json", ".yaml", ".toml"])
def test_a_small_file_is_read_under_a_tight_address_space_limit(
    tmp_path: Path, suffix: str
) -> None:
    # SECURITY.md advises running initspec in a sandbox; a common one is an address-space
    # limit (ulimit -v). A 40-byte document needs kilobytes: reading it must not reserve a
    # buffer of max_file_bytes (512 MiB) up front, which fails under a 256 MiB limit.
    path = tmp_path / f"small{suffix}"
    path.write_text(
        {
            ".json": '{"kernel_initializer": "zeros"}',
            ".yaml": "kernel_initializer: zeros\n",
            ".toml": 'kernel_initializer = "zeros"\n',
        }[suffix],
        encoding="utf-8",
    )
    result = measure({"action": "scan", "source": str(path), "budget": 256 * MiB})
    assert result["outcome"] == "report", result
    assert result["findings"] == 1
    assert result["types"] == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize("explicit", [False, True])
def test_validate_does_not_hang_on_a_named_pipe(tmp_path: Path, explicit: bool) -> None:
    """A named pipe called *.json (in an unpacked archive, say) has no end: reading it waits
    for a writer forever. The command must answer (the pipe unreadable or skipped)."""
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "model.json").write_text('{"kernel_initializer": "zeroz"}', encoding="utf-8")
    target = (
        [str(tmp_path / "pipe.json"), str(tmp_path / "model.json")] if explicit else [str(tmp_path)]
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "initspec", "validate", "--format", "json", *target],
            capture_output=True,
            text=True,
            timeout=5,  # it takes under a second; waiting on the pipe never ends
        )
    except subprocess.TimeoutExpired:
        pytest.fail("initspec validate is still waiting on the named pipe after 5 s")
    assert proc.returncode in (1, 2), proc.stderr
    report = json.loads(proc.stdout)
    assert any(f["path"].endswith("model.json") for f in report["files"])


# --- JSON ---------------------------------------------------------------------------------------

RAW = "\x00RAW\x00"  #: where raw_json puts raw JSON text (NaN, huge numbers), in order


def raw_json(document: Any, *raws: str) -> str:
    """``document`` as JSON text, each RAW in it replaced by the next of ``raws``, verbatim."""
    text = json.dumps(document)
    for raw in raws:
        text = text.replace(json.dumps(RAW), raw, 1)
    assert json.dumps(RAW) not in text
    return text


def raw_field(cls: str, field: str) -> dict[str, Any]:
    """A ``cls`` config whose ``field`` is the RAW placeholder."""
    return config(cls, **{field: RAW})


DEEP = 100_000


def deep_documents(n: int = DEEP) -> dict[str, str]:
    return {
        "arrays": "[" * n + "]" * n,
        "objects": '{"a": ' * n + "1" + "}" * n,
        "as an initializer": '{"kernel_initializer": ' + "[" * n + "]" * n + "}",
        "in a Constant value": '{"kernel_initializer": {"class_name": "Constant", "config": '
        '{"value": ' + "[" * n + "1" + "]" * n + "}}}",
        "in an unknown key": '{"kernel_initializer": {"class_name": "Zeros", "config": {"x": '
        + '{"a": ' * n
        + "1"
        + "}" * n
        + "}}}",
        "in a seed": '{"kernel_initializer": {"class_name": "RandomNormal", "config": {"seed": '
        + '{"class_name": "SeedGenerator", "config": ' * n
        + "{}"
        + "}" * n
        + "}}}",
    }


@pytest.mark.parametrize("shape", list(deep_documents(10)))
def test_json_nested_100_000_deep_is_a_clear_answer(tmp_path: Path, shape: str) -> None:
    text = deep_documents()[shape]
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    for source in (text, path, text.encode()):
        outcome = clear(initspec.scan, source, format="json")
        if isinstance(outcome, initspec.InitializerError):
            assert {r.type for r in outcome.errors} == {"unreadable_file"}
        else:
            assert not outcome.ok
            json.dumps(outcome.to_dict())
    assert initspec_cli(["validate", str(path)]) in (1, 2)
    assert time.perf_counter() - start < 10  # milliseconds each; a hang or a crawl is a bug


def nest(value: Any, depth: int, wrap: Any) -> Any:
    for _ in range(depth):
        value = wrap(value)
    return value


@pytest.mark.parametrize(
    "identifier",
    [
        pytest.param(lambda v: nest(v, DEEP, lambda x: [x]), id="list"),
        pytest.param(lambda v: nest(v, DEEP, lambda x: {"a": x}), id="dict"),
        pytest.param(
            lambda v: {"class_name": "Constant", "config": {"value": nest(v, DEEP, lambda x: [x])}},
            id="constant value",
        ),
        pytest.param(
            lambda v: {"class_name": "Zeros", "config": {"x": nest(v, DEEP, lambda x: {"a": x})}},
            id="unknown key",
        ),
        pytest.param(
            lambda v: {
                "class_name": "RandomNormal",
                "config": {
                    "seed": nest(v, DEEP, lambda x: {"class_name": "SeedGenerator", "config": x})
                },
            },
            id="seed",
        ),
        pytest.param(
            lambda v: {
                "class_name": "STFT",
                "config": {
                    "window": {
                        "class_name": "__numpy__",
                        "config": {"value": nest(v, DEEP, lambda x: [x]), "dtype": "float32"},
                    }
                },
            },
            id="numpy window",
        ),
        pytest.param(
            lambda v: nest(v, DEEP, lambda x: {"class_name": "Zeros", "config": x}), id="config"
        ),
    ],
)
def test_get_on_values_nested_100_000_deep_is_a_clear_answer(identifier: Any) -> None:
    value = identifier(1.0)
    start = time.perf_counter()
    for func in (initspec.get, initspec.deserialize):
        outcome = clear(func, value)
        assert isinstance(outcome, initspec.InitializerError)
        for record in outcome.errors:
            json.dumps(record.to_dict())
            assert len(record.msg) < 2000
            assert len(str(record)) < 4000
    assert time.perf_counter() - start < 10


@needs_linux
def test_a_200_mb_json_file_is_a_clear_answer_in_bounded_time_and_memory(tmp_path: Path) -> None:
    # 200 MiB: a model with one invalid initializer and one long string (weights written as
    # text, say). Reading it needs the bytes, the text and the parsed string: ~3x its size.
    # 2 GiB (10x) and 60 s (reading takes a few seconds) are far from that; a reader whose
    # memory grows with a multiple of the string's length per character is not.
    path = tmp_path / "big.json"
    head = json.dumps(DENSE_MODEL)[:-1] + ', "notes": "'
    chunk = "x" * (4 * MiB)
    with open(path, "w", encoding="ascii") as handle:
        handle.write(head)
        for _ in range(50):
            handle.write(chunk)
        handle.write('"}\n')
    try:
        size = path.stat().st_size
        assert size > 200 * MiB
        result = measure({"action": "scan", "source": str(path), "budget": 3 * GiB})
        assert is_clear_answer(result), result
        if result["outcome"] == "report":
            assert result["types"] == ["unknown_key", "unknown_name"]  # document order
            assert result["positions"][0][0] == 1
        assert result["growth"] < 2 * GiB, mib(result["growth"])
        assert result["seconds"] < 60, result
        # below its size, refused from the file's size alone: nothing is read
        refused = measure(
            {"action": "scan", "source": str(path), "limits": {"max_file_bytes": size - 1}}
        )
        assert refused["outcome"] == "InitializerError", refused
        assert f"{size - 1:,}" in refused["msg"]
        assert refused["growth"] < 16 * MiB, mib(refused["growth"])  # reading needs 200 MiB
        assert refused["seconds"] < 1, refused
    finally:
        path.unlink()


def numbers_document(n: int, initializer: str) -> str:
    weights = ", ".join(["0.123456789"] * n)
    return raw_json({"kernel_initializer": initializer, "weights": RAW}, f"[{weights}]")


@needs_linux
def test_locating_an_error_costs_no_more_memory_than_reading_the_document(tmp_path: Path) -> None:
    # 2,500,000 numbers (~33 MB) beside one initializer, valid or not. Line and column are
    # computed only when there is an error; doing so must not cost more than reading the
    # document (2x + 64 MiB of slack), e.g. by indexing every value of it.
    n = 2_500_000
    growth = {}
    for name in ("he_normal", "he_nromal"):
        path = tmp_path / f"{name}.json"
        path.write_text(numbers_document(n, name), encoding="ascii")
        result = measure({"action": "scan", "source": str(path), "budget": 3 * GiB})
        assert result["outcome"] == "report", result
        assert result["types"] == ([] if name == "he_normal" else ["unknown_name"])
        assert result["seconds"] < 60, result
        growth[name] = result["growth"]
    assert growth["he_nromal"] < 2 * growth["he_normal"] + 64 * MiB, {
        k: mib(v) for k, v in growth.items()
    }


@needs_linux
@pytest.mark.parametrize("escape", ["\\n", "\\u00e9", '\\"', "\\\\"])
def test_locating_an_error_among_escaped_strings_costs_memory_linear_in_the_file(
    tmp_path: Path, escape: str
) -> None:
    # One string of 3,000,000 escapes (6-18 MB) beside one initializer: a regular expression
    # for whole strings kept a backtracking frame per escape (~65 bytes per byte of the file)
    n = 3_000_000
    growth = {}
    for name in ("he_normal", "he_nromal"):
        path = tmp_path / f"{name}.json"
        text = '{"notes": "' + escape * n + '",\n "kernel_initializer": "' + name + '"}'
        path.write_text(text, encoding="ascii")
        result = measure({"action": "scan", "source": str(path), "budget": 3 * GiB})
        assert result["outcome"] == "report", result
        assert result["types"] == ([] if name == "he_normal" else ["unknown_name"])
        growth[name] = result["growth"]
    assert growth["he_nromal"] < 2 * growth["he_normal"] + 64 * MiB, {
        k: mib(v) for k, v in growth.items()
    }
    small = '{"a": "' + escape * 3 + '", "kernel_initializer": "he_nromal"}'
    report = initspec.scan(small, format="json")
    assert (report.errors[0].line, report.errors[0].column) == (1, small.index('"he_') + 1)


@pytest.mark.parametrize(
    ("text", "pointer", "bad"),
    [
        ('{"k": "nope",\n "k": "he_normal"}', None, None),
        ('{"k": "he_normal",\n "k": "nope"}', "/k", '"nope"'),
        (
            '{"k": {"class_name": "RandomNormal", "config": {"stddev": -1,\n "stddev": 1}}}',
            None,
            None,
        ),
        (
            '{"k": {"class_name": "RandomNormal", "config": {"stddev": 1,\n "stddev": -1}}}',
            "/k/config/stddev",
            "-1}",
        ),
        ('{"k": {"class_name": "os.system", "class_name": "Zeros", "config": {}}}', None, None),
        (
            '{"k": {"class_name": "Zeros", "class_name": "os.system", "config": {}}}',
            "/k/class_name",
            '"os.system"',
        ),
        ('{"k": {"class_name": "Zeros", "config": {"x": 1}, "config": {}}}', None, None),
    ],
)
def test_json_duplicate_keys_last_wins_as_in_json_loads(
    text: str, pointer: str | None, bad: str | None
) -> None:
    text = text.replace('"k"', '"kernel_initializer"')
    report = initspec.scan(text)
    expected = json.loads(text)["kernel_initializer"]
    assert [f.config for f in report.findings] == [
        expected
    ]  # the value json.loads (and Keras) keep
    if pointer is None:
        assert report.ok
        return
    (error,) = report.errors
    assert error.pointer == pointer.replace("/k", "/kernel_initializer", 1)
    line_of_last = text.count("\n", 0, text.rindex(bad)) + 1
    assert error.line == line_of_last, (error, text)


BAD_DOC = '{\n  "layer": {\n    "kernel_initializer": "zeroz"\n  }\n}\n'
BAD_YAML = "layer:\n  # a comment\n  kernel_initializer: zeroz\n"


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize(("text", "suffix"), [(BAD_DOC, ".json"), (BAD_YAML, ".yaml")])
def test_byte_order_marks(tmp_path: Path, codec: str, text: str, suffix: str) -> None:
    bom = BOM.get(codec, b"")
    data = bom + text.encode(codec)
    path = tmp_path / f"doc{suffix}"
    path.write_bytes(data)
    plain = initspec.scan(text, format=suffix[1:]).errors
    for source in (path, data):
        report = initspec.scan(source, format=suffix[1:])
        assert [(e.pointer, e.type, e.line, e.column) for e in report.errors] == [
            (e.pointer, e.type, e.line, e.column) for e in plain
        ]
        assert plain[0].line == 3
    if codec != "utf-8-sig":  # the same bytes without their mark are not UTF-8
        path.write_bytes(text.encode(codec))
        with pytest.raises(initspec.InitializerError) as excinfo:
            initspec.scan(path)
        unreadable(excinfo)


@pytest.mark.parametrize(
    "bad",
    [
        b"\xff",
        b"\xc0\xaf",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\x80",
        b"\xe2\x82",
        b"\xf0\x9f\x98",
    ],
)
@pytest.mark.parametrize("suffix", [".json", ".yaml", ".toml"])
def test_invalid_utf8_is_unreadable_and_located(tmp_path: Path, bad: bytes, suffix: str) -> None:
    data = {
        ".json": b'{"a": 1,\n "b": "x%sy"}',
        ".yaml": b"a: 1\nb: x%sy\n",
        ".toml": b'a = 1\nb = "x%sy"\n',
    }
    raw = data[suffix] % bad
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(raw)
    for source in (path, raw):
        with pytest.raises(initspec.InitializerError) as excinfo:
            initspec.scan(source, format=suffix[1:])
        record = unreadable(excinfo)
        assert "UTF-8" in record.msg
        assert record.line == 2


LONE_SURROGATE = "\udf86"  # valid JSON ("\udf86"), but no encoding holds it


def _surrogate_identifiers() -> Iterator[Any]:
    yield LONE_SURROGATE
    yield "he_normal" + LONE_SURROGATE
    for cls in BUILTINS:
        name = cls.__name__
        yield {"class_name": name, "config": LONE_SURROGATE}
        yield {"class_name": name, "config": {}, "module": LONE_SURROGATE}
        yield {"class_name": name, "config": {LONE_SURROGATE: 1}}
        for key in type(instance(cls).config).model_fields:
            yield {"class_name": name, "config": {key: LONE_SURROGATE}}
            yield {"class_name": name, "config": {key: [LONE_SURROGATE]}}


def test_lone_surrogates_anywhere_are_initializer_errors() -> None:
    """Messages quote the bad value; one holding a lone surrogate must still be a message
    (pydantic renders messages in Rust, whose strings cannot hold one)."""
    for identifier in _surrogate_identifiers():
        with pytest.raises(initspec.InitializerError) as info:
            initspec.get(identifier)
        text = str(info.value)
        text.encode("utf-8")  # strict: the message is encodable
        json.dumps([e.to_dict() for e in info.value.errors])
        report = initspec.scan(json.dumps({"kernel_initializer": identifier}))
        assert report.findings
        assert not report.ok


NUMBER_FIELDS = [  # (class, field, raw JSON of the value with @ for the token)
    ("RandomNormal", "mean", "@"),
    ("RandomNormal", "stddev", "@"),
    ("RandomUniform", "minval", "@"),
    ("RandomUniform", "maxval", "@"),
    ("VarianceScaling", "scale", "@"),
    ("Orthogonal", "gain", "@"),
    ("Identity", "gain", "@"),
    ("Constant", "value", "@"),
    ("Constant", "value", "[1.0, @]"),
    ("Constant", "value", raw_json(numpy_value(RAW, "float32"), "[[@]]")),
    ("STFT", "window", "[0.5, @]"),
]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e309", "-1e309", "1E+999"])
@pytest.mark.parametrize(("cls", "field", "template"), NUMBER_FIELDS)
def test_nan_and_infinity_in_configs_are_not_finite(
    token: str, cls: str, field: str, template: str
) -> None:
    value = template.replace("@", token)
    text = raw_json({"top": RAW, "kernel_initializer": raw_field(cls, field)}, token, value)
    report = initspec.scan(text)  # json.loads reads all of these (1e309 as inf)
    assert len(report.findings) == 1
    types = {e.type for e in report.errors}
    assert types == {"not_finite"}, (text, report.errors)
    assert all(e.pointer.startswith(f"/kernel_initializer/config/{field}") for e in report.errors)
    # the same in YAML (a flow mapping is JSON-like; YAML 1.1 floats need a dot)
    doc = text.replace(token, YAML_TOKENS[token])
    yaml_report = initspec.scan(doc, format="yaml")
    assert {e.type for e in yaml_report.errors} == {"not_finite"}, doc


YAML_TOKENS = {
    "NaN": ".nan",
    "Infinity": ".inf",
    "-Infinity": "-.inf",
    "1e309": "1.0e+309",
    "-1e309": "-1.0e+309",
    "1E+999": "1.0E+999",
}


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_nan_or_infinity_as_a_seed_is_rejected(token: str) -> None:
    text = raw_json({"kernel_initializer": raw_field("RandomNormal", "seed")}, token)
    (error,) = initspec.scan(text).errors
    assert error.pointer == "/kernel_initializer/config/seed"


LONG = "9" * 4000  # under Python's 4,300-digit limit on int/str conversion


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seed", LONG),
        ("seed", "-" + LONG),
        ("mean", LONG),
        ("stddev", LONG),
        ("minval", "-" + LONG),
        ("value", LONG),
        ("value", f"[1, -{LONG}]"),
        ("gain", LONG),
        ("scale", LONG),
        ("window", f"[0, {LONG}]"),
        (
            "value",
            raw_json(numpy_value(RAW, "int64"), f"[{LONG}]"),
        ),
        (
            "value",
            raw_json(numpy_value(RAW, "float32"), f"[{LONG}]"),
        ),
        (
            "value",
            raw_json(numpy_value(RAW, "complex64"), f"[{LONG}]"),
        ),
        (
            "value",
            raw_json(numpy_value(RAW, "bfloat16"), f"[{LONG}]"),
        ),
    ],
)
def test_integers_with_thousands_of_digits(field: str, value: str) -> None:
    cls = CLASS_WITH_FIELD[field]
    text = raw_json({"n": RAW, "kernel_initializer": raw_field(cls, field)}, LONG, value)
    report = initspec.scan(text)
    (finding,) = report.findings
    assert not finding.ok, "a number beyond every dtype and float was accepted"
    assert {e.type for e in finding.errors} <= {"out_of_range", "value_does_not_fit"}, (
        finding.errors
    )
    json.dumps(report.to_dict())
    assert initspec.scan(text.replace(LONG, "1")).ok or field == "stddev"


def test_integers_over_pythons_digit_limit_are_unreadable() -> None:
    for text, fmt in [
        ('{"n": %s}' % ("9" * 5000), "json"),
        (
            '{"kernel_initializer": {"class_name": "RandomNormal", "config": {"seed": %s}}}'
            % ("9" * 5000),
            "json",
        ),
        ("n: %s\n" % ("9" * 5000), "yaml"),
        ("n = %s\n" % ("9" * 5000), "toml"),
    ]:
        with pytest.raises(initspec.InitializerError) as excinfo:
            initspec.scan(text, format=fmt)
        unreadable(excinfo)
    assert initspec.scan(raw_json({"n": RAW}, LONG)).ok  # under the limit, outside a config


def test_depth_limit() -> None:
    deep = {"kernel_initializer": "zeros"}
    for _ in range(30):
        deep = {"a": deep}
    text = json.dumps(deep)
    assert initspec.scan(text, limits=Limits(max_depth=40)).ok
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(text, limits=Limits(max_depth=10))
    assert "nested deeper" in unreadable(excinfo).msg
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan("[" * 100_000 + "]" * 100_000)
    unreadable(excinfo)


def test_integer_digit_limit() -> None:
    # Python's own limit on int <-> str conversion (4,300 digits by default) bounds integers.
    text = '{"kernel_initializer": {"class_name": "RandomNormal", "config": {"seed": 123456789}}}'
    assert initspec.scan(text).ok
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan('{"a": ' + "9" * 5000 + "}")
    unreadable(excinfo)
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan("a: " + "9" * 5000 + "\n", format="yaml")
    unreadable(excinfo)


# --- YAML ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * DEEP + "]" * DEEP, id="flow sequences"),
        pytest.param("{a: " * DEEP + "1" + "}" * DEEP, id="flow mappings"),
        pytest.param("- " * DEEP + "x\n", id="block sequences"),
        pytest.param(
            "kernel_initializer: {class_name: Constant, config: {value: "
            + "[" * DEEP
            + "1"
            + "]" * DEEP
            + "}}\n",
            id="in a Constant value",
        ),
        pytest.param(
            "kernel_initializer:\n  class_name: Zeros\n  config:\n    x: "
            + "[" * DEEP
            + "]" * DEEP
            + "\n",
            id="in an unknown key",
        ),
    ],
)
def test_yaml_nested_100_000_deep_is_a_clear_answer(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    for source in (text, path):
        outcome = clear(initspec.scan, source, format="yaml")
        if isinstance(outcome, initspec.InitializerError):
            assert {r.type for r in outcome.errors} == {"unreadable_file"}
        else:
            assert not outcome.ok
    assert initspec_cli(["validate", str(path)]) in (1, 2)
    assert time.perf_counter() - start < 10  # milliseconds; a crawl or a hang is a bug


def laughs(levels: int = 9, width: int = 10, indent: str = "") -> list[str]:
    """Anchors a0..a<levels>: a<i> lists ``width`` aliases of a<i-1> (10**levels strings)."""
    lol = ", ".join(['"lol"'] * width)
    lines = [f"{indent}a0: &a0 [{lol}]"]
    for i in range(1, levels + 1):
        lines.append(f"{indent}a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return lines


def laughs_inline(levels: int = 8, width: int = 10) -> str:
    """The same anchors as one flow sequence (to define them inside a value)."""
    lol = ", ".join(['"lol"'] * width)
    items = [f"&a0 [{lol}]"]
    items += [f"&a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "[" + ", ".join(items) + "]"


BOMBS = {
    # anchors outside any initializer: the walk over the document meets the expansion
    "outside": "\n".join(laughs()) + "\n",
    "outside, used as a Constant value": "\n".join(laughs())
    + "\nkernel_initializer: {class_name: Constant, config: {value: *a9}}\n",
    "outside, used as an unknown key": "\n".join(laughs())
    + "\nkernel_initializer: {class_name: Zeros, config: {junk: *a9}}\n",
    "outside, used as the initializer": "\n".join(laughs()) + "\nkernel_initializer: *a9\n",
    # anchors inside the initializer: only validation meets the expansion
    "inside, as a Constant value": "kernel_initializer:\n  class_name: Constant\n  config:\n"
    f"    value: {laughs_inline()}\n",
    "inside, defined in an unknown key, used as the value": "kernel_initializer:\n"
    f"  class_name: Constant\n  config:\n    junk: {laughs_inline()}\n"
    f"    value: [{', '.join(['*a8'] * 10)}]\n",
    "inside, as an unknown key": "kernel_initializer:\n  class_name: Zeros\n  config:\n"
    f"    junk: {laughs_inline()}\n",
    "inside, as a STFT window": "kernel_initializer:\n  class_name: STFT\n  config:\n"
    f"    window: {laughs_inline()}\n",
    "inside, as a seed": "kernel_initializer:\n  class_name: RandomNormal\n  config:\n"
    f"    seed: {laughs_inline()}\n",
    "inside, as a numpy value": "kernel_initializer:\n  class_name: Constant\n  config:\n"
    f"    value: {{class_name: __numpy__, config: {{dtype: float32, value: {laughs_inline()}}}}}\n",
    # recursive aliases (PyYAML's safe loader builds cyclic lists and dicts)
    "recursive document": "&a [*a]\n",
    "recursive mapping": "&a {a: *a, kernel_initializer: zeros}\n",
    "recursive initializer": "kernel_initializer: &a [*a]\n",
    "recursive config": "kernel_initializer: {class_name: Constant, config: &c {value: *c}}\n",
    "recursive identifier": "kernel_initializer: &i {class_name: Constant, config: *i}\n",
    "recursive value": "kernel_initializer: {class_name: Constant, config: {value: &a [*a, *a]}}\n",
    "recursive window": "kernel_initializer: {class_name: STFT, config: {window: &w [*w, *w]}}\n",
    "recursive seed": "kernel_initializer: {class_name: RandomNormal, config: {seed: &s "
    "{class_name: SeedGenerator, config: *s}}}\n",
}


@needs_linux
@pytest.mark.parametrize("case", list(BOMBS))
def test_yaml_alias_bombs_and_recursive_aliases_are_bounded(tmp_path: Path, case: str) -> None:
    # Each document is under 1 KB and expands to up to 10**10 values (or infinitely many).
    # Limits(max_yaml_nodes=100,000): answering costs milliseconds and a few MiB; expanding
    # the values, or materializing millions of them, takes many seconds and GBs.
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMBS[case], encoding="utf-8")
    assert path.stat().st_size < 1500
    result = measure(
        {
            "action": "scan",
            "source": str(path),
            "limits": {"max_yaml_nodes": 100_000},
            "budget": GiB,  # reading reserves max_file_bytes (512 MiB) of address space
        },
        timeout=11,  # the bound below is 10 s: waiting longer tells nothing more
    )
    assert is_clear_answer(result), result
    if result["outcome"] == "report":
        assert result["types"], "an initializer built from an alias bomb"
    else:
        assert result["types"] == ["unreadable_file"]
    assert result["seconds"] < 10, result
    assert result["growth"] < 256 * MiB, mib(result["growth"])


@needs_linux
def test_yaml_alias_bomb_with_the_default_limits(tmp_path: Path) -> None:
    # The default bound is 1,000,000 values: walking that many shared references takes ~2 us
    # each (about 2 s here) and no memory. Expanding 10**9 values would take hours and GBs.
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMBS["outside"], encoding="utf-8")
    result = measure({"action": "scan", "source": str(path)})
    assert result["outcome"] == "InitializerError", result
    assert "1,000,000" in result["msg"]
    assert result["seconds"] < 60, result
    assert result["growth"] < 256 * MiB, mib(result["growth"])


ODD_YAML = {
    "binary seed": "kernel_initializer: {class_name: RandomNormal, config: {seed: !!binary AQ}}\n",
    "set value": "kernel_initializer: {class_name: Constant, config: {value: !!set {1, 2}}}\n",
    "timestamp value": "kernel_initializer: {class_name: Constant, config: {value: 2001-12-14}}\n",
    "timestamp initializer": "kernel_initializer: 2001-12-14t21:59:43.10-05:00\n",
    "omap config": "kernel_initializer: {class_name: Zeros, config: !!omap [a: 1, b: 2]}\n",
    "pairs": "kernel_initializer: !!pairs [class_name: Zeros, config: {}]\n",
    "date key in config": "kernel_initializer: {class_name: Zeros, config: {2001-01-01: 1}}\n",
    "date key in identifier": "kernel_initializer: {2001-01-01: 1, class_name: Zeros, config: {}}"
    "\n",
    "date key, no class_name": "kernel_initializer: {2001-01-01: 1}\n",
    "date key, unknown class": "kernel_initializer: {2001-01-01: 1, class_name: Nope, config: {}}"
    "\n",
    "binary key, no class_name": "kernel_initializer: {!!binary AQID: 1}\n",
    "float and null keys, no class_name": "kernel_initializer: {1.5: 1, ~: 2}\n",
    "binary key in identifier": "kernel_initializer: {!!binary AQ: 1, class_name: Zeros, "
    "config: {}}\n",
    "int key": "kernel_initializer: {1: 1, class_name: Zeros, config: {}}\n",
    "float key": "kernel_initializer: {1.5: 1, class_name: Zeros, config: {2.5: 0}}\n",
    "null key": "kernel_initializer: {~: 1, class_name: Zeros, config: {~: 0}}\n",
    "bool key": "kernel_initializer: {yes: 1, class_name: Zeros, config: {no: 0}}\n",
    "set key": "kernel_initializer: {? !!set {a} : 1}\n",
    "list key": "kernel_initializer: {? [a] : 1}\n",
    "date key in document": "2001-01-01: {kernel_initializer: zeroz}\n",
    "merge key": "base: &b {class_name: Zeros, config: {x: 1}}\nkernel_initializer: {<<: *b}\n",
    "octal and sexagesimal": "kernel_initializer: {class_name: RandomNormal, config: "
    "{seed: 0o17, mean: 1:30}}\n",
    "null class_name": "kernel_initializer: {class_name: ~, config: {}}\n",
    "multi-document": "kernel_initializer: zeros\n---\nkernel_initializer: zeroz\n",
}


@pytest.mark.parametrize("case", list(ODD_YAML))
def test_yaml_values_that_are_not_json_give_json_reports(case: str) -> None:
    """The safe loader still makes bytes, sets, dates and non-string keys; none of them may
    become an initializer, and every report stays JSON (as the CLI and README promise)."""
    outcome = clear(initspec.scan, ODD_YAML[case], format="yaml")
    if isinstance(outcome, initspec.InitializerError):
        assert {r.type for r in outcome.errors} == {"unreadable_file"}
        json.dumps([r.to_dict() for r in outcome.errors])
        return
    if case != "octal and sexagesimal":
        assert not outcome.ok, outcome
    json.dumps(outcome.to_dict())  # README: record.to_dict() is JSON-serializable
    for error in outcome.errors:
        assert isinstance(error.pointer, str)
        assert all(isinstance(part, (str, int)) for part in error.loc), error.loc


@pytest.mark.parametrize(
    ("text", "bad_line"),
    [
        ("kernel_initializer: zeroz\nkernel_initializer: zeros\n", None),
        ("kernel_initializer: zeros\nkernel_initializer: zeroz\n", 2),
        (
            "k:\n  kernel_initializer: {class_name: RandomNormal, config: {stddev: 1}}\n"
            "  kernel_initializer: {class_name: RandomNormal, config: {stddev: -1}}\n",
            3,
        ),
        ("kernel_initializer:\n  class_name: Zeros\n  class_name: os.system\n  config: {}\n", 3),
        (
            "kernel_initializer:\n  class_name: RandomNormal\n  config: {seed: 1}\n"
            "  config: {seed: x}\n",
            4,
        ),
    ],
)
def test_yaml_duplicate_keys_last_wins_and_errors_point_at_it(
    text: str, bad_line: int | None
) -> None:
    report = initspec.scan(text, format="yaml")
    expected = yaml.safe_load(text)
    expected = expected.get("kernel_initializer", expected.get("k", {}).get("kernel_initializer"))
    assert [f.config for f in report.findings] == [expected]  # PyYAML keeps the last one
    if bad_line is None:
        assert report.ok
    else:
        assert report.errors
        assert [e.line for e in report.errors] == [bad_line] * len(report.errors), report.errors


def aliased_sites(levels: int, width: int) -> str:
    """One mapping of two initializer configs (one invalid), reached through ``width**levels``
    aliases: 10**5 places in a few hundred bytes."""
    lines = ["s0: &s0 {kernel_initializer: zeroz, bias_initializer: he_normal}"]
    for i in range(1, levels + 1):
        lines.append(f"s{i}: &s{i} [{', '.join([f'*s{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_yaml_aliases_do_not_multiply_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = aliased_sites(5, 10)
    assert len(text) < 400
    start = time.perf_counter()
    report = initspec.scan(text, format="yaml")
    assert [(f.pointer, f.ok, f.uses) for f in report.findings] == [
        ("/s0/kernel_initializer", False, 111_111),
        ("/s0/bias_initializer", True, 111_111),
    ]
    kernel = report.findings[0]
    assert kernel.also_at[:3] == tuple(f"/s1/{i}/kernel_initializer" for i in range(3))
    assert len(kernel.also_at) == initspec.files.ALSO_AT_SHOWN
    assert [(e.type, e.line, e.column) for e in report.errors] == [("unknown_name", 1, 30)]
    path = tmp_path / "aliases.yaml"
    path.write_text(text, encoding="utf-8")
    from initspec import cli

    assert cli.main(["validate", "--format", "json", str(path)]) == 1
    out = capsys.readouterr().out
    assert len(out) < 10_000  # one error, not 111,111
    (error,) = json.loads(out)["files"][0]["errors"]
    assert (error["uses"], len(error["also_at"])) == (111_111, 10)
    assert cli.main(["validate", str(path)]) == 1
    assert "also used at 111,110 other place(s): /s1/0/kernel_initializer," in (
        capsys.readouterr().out
    )
    assert time.perf_counter() - start < 30  # seconds; it took minutes


def test_a_merge_key_copies_and_each_copy_is_its_own_finding() -> None:
    text = (
        "base: &base {kernel_initializer: zeroz}\n"
        "layers:\n  - {name: a, <<: *base}\n  - {name: b, <<: *base}\n"
    )
    report = initspec.scan(text, format="yaml")
    assert [(f.pointer, f.uses) for f in report.findings] == [
        ("/base/kernel_initializer", 1),
        ("/layers/0/kernel_initializer", 1),
        ("/layers/1/kernel_initializer", 1),
    ]


def test_yaml_alias_bomb_is_bounded() -> None:
    pytest.importorskip("yaml")
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    text = "\n".join(lines) + "\n"
    with pytest.raises(initspec.InitializerError) as excinfo:
        initspec.scan(text, limits=Limits(max_yaml_nodes=100_000))
    assert "alias" in unreadable(excinfo).msg


# --- shapes ---------------------------------------------------------------------------------------


def accepts_rank(cls: type, rank: int) -> bool:
    if cls is initspec.Identity:
        return rank == 2
    if cls is initspec.Orthogonal:
        return rank >= 2
    if cls is initspec.STFT:
        return rank == 3
    return True


def instance(cls: type) -> Initializer[Any]:
    return cls(0.5) if cls is initspec.Constant else cls()


@pytest.mark.parametrize("cls", BUILTINS, ids=lambda c: c.__name__)
def test_too_large_fails_before_allocating(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INITSPEC_MAX_BYTES", str(MiB))
    shape = {2: (1024, 1024), 3: (64, 128, 128)}[3 if cls is initspec.STFT else 2]
    nbytes = math.prod(shape) * 4  # 4 MiB of float32, over the 1 MiB limit
    init = instance(cls)
    tracemalloc.start()
    try:
        start = time.perf_counter()
        with pytest.raises(initspec.InitializerError) as excinfo:
            init(shape)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (record,) = excinfo.value.errors
    assert record.type == "too_large"
    assert f"{nbytes:,}" in record.msg  # the size, in bytes
    assert peak < 256 * 1024, f"{peak:,} bytes allocated before refusing"  # the array: 4 MiB
    assert seconds < 1


HUGE_SHAPES = [
    (2**63 - 1,),
    (2**63,),
    (2**64,),
    (2**100,),
    (2**63 - 1, 2),
    (2**32, 2**32),
    (2**62, 2**62),
    (2**21, 2**21, 2**21),
    (2**40, 1, 2**40),
    (3, 2**62, 5),
]


@pytest.mark.parametrize("cls", BUILTINS, ids=lambda c: c.__name__)
def test_shapes_near_and_beyond_2_63_are_refused_by_size(cls: type) -> None:
    init = instance(cls)
    for shape in HUGE_SHAPES:
        if not accepts_rank(cls, len(shape)):
            continue
        start = time.perf_counter()
        with pytest.raises(initspec.InitializerError) as excinfo:
            init(shape)
        (record,) = excinfo.value.errors
        assert record.type in ("too_large", "invalid_shape"), (shape, record)
        if record.type == "too_large":
            assert f"{math.prod(shape) * 4:,}" in record.msg
        assert time.perf_counter() - start < 1


ZERO_SHAPES = [
    (0,),
    (0, 3),
    (3, 0),
    (0, 0),
    (0, 3, 4),
    (3, 0, 4),
    (3, 4, 0),
    (0, 1, 2),
    (2, 0, 2),
    (0, 2, 2, 3),
    (2, 3, 0, 4),
    (0,) * 8,
]


@pytest.mark.parametrize("cls", BUILTINS, ids=lambda c: c.__name__)
def test_zero_size_shapes_work_as_numpy_does(cls: type) -> None:
    init = instance(cls)
    tried = 0
    for shape in ZERO_SHAPES:
        if not accepts_rank(cls, len(shape)) or (cls is initspec.STFT and shape[2] < 2):
            continue  # STFT needs bins >= 2 (documented); other ranks are invalid_shape
        expected = np.zeros(shape, np.float32)
        with warnings.catch_warnings():
            # no values, no warnings (numpy gives none); except STFT, whose symmetric Hann
            # window of length 2 is all zeros: 0/0, documented, even with no channels
            warnings.simplefilter("ignore" if cls is initspec.STFT else "error")
            for threads in (1, 2):
                value = init(shape, threads=threads)
                assert value.shape == expected.shape
                assert value.dtype == expected.dtype
                out = np.empty(shape, np.float32)
                assert init(shape, out=out, threads=threads) is out
                part = init(shape, partition_shape=shape, partition_offset=(0,) * len(shape))
                assert part.shape == shape
        tried += 1
    assert tried >= 1


ZERO_HUGE = [
    (0, 2**62),
    (2**62, 0),
    (0, 2**63 - 1),
    (0, 2**63),
    (0, 2**64),
    (2**31, 0, 2**31, 2**31),
    (0, 2**40, 2**40),
]


def test_zero_size_shapes_with_huge_dimensions() -> None:
    """numpy itself cannot make (0, 2**62) (the product of the other dimensions overflows);
    initspec must say so as an InitializerError, or return the empty array."""
    problems = []
    for cls in BUILTINS:
        init = instance(cls)
        for shape in ZERO_HUGE:  # (the non-zero dimensions' product is far beyond any RAM)
            if not accepts_rank(cls, len(shape)):
                continue
            try:
                with capped_address_space():
                    outcome = clear(init, shape)
            except Exception as exc:
                problems.append(f"{cls.__name__}{shape}: {type(exc).__name__}: {exc}")
                continue
            if isinstance(outcome, np.ndarray):
                assert outcome.shape == shape
                assert outcome.size == 0
            elif not {r.type for r in outcome.errors} <= {"too_large", "invalid_shape"}:
                problems.append(f"{cls.__name__}{shape}: {outcome.errors}")
    assert not problems, "\n".join(problems)


BOUNDED = {  # |value| bound of each built-in with its default config (Constant: 0.5)
    "Zeros": 0.0,
    "Ones": 1.0,
    "Constant": 0.5,
    "RandomNormal": 0.5,
    "RandomUniform": 0.05,
    "TruncatedNormal": 0.1,
    "VarianceScaling": 1.0,
    "GlorotNormal": 1.0,
    "GlorotUniform": 1.0,
    "HeNormal": 1.0,
    "HeUniform": 1.0,
    "LecunNormal": 1.0,
    "LecunUniform": 1.0,
    "Orthogonal": 1.0,
    "Identity": 1.0,
    "STFT": 1.0,
}


def test_a_small_partition_of_a_huge_tensor() -> None:
    """A partition is exactly its slice of the full tensor, whatever the full size: it is
    refused (too large to address or compute), or its values are plausible, finite and the
    same on every call, never uninitialized memory or an overflow. (Sizes are far beyond RAM,
    so an attempt to allocate the full tensor fails at once, here, without risk.)"""
    problems = []
    with capped_address_space():
        for cls in BUILTINS:
            problems += _partition_problems(cls)
    assert not problems, "\n".join(problems)


def _partition_problems(cls: type) -> list[str]:
    problems = []
    seeded = "seed" in cls.config_model.model_fields
    init = cls(0.5) if cls is initspec.Constant else (cls(seed=1) if seeded else cls())
    fulls = [(2**32, 2**31), (2**31, 2**31), (2**62, 2**62), (10**6, 10**6)]
    if cls is initspec.STFT:
        fulls = [(2**40, 1, 2**40), (2**31, 1, 2**33), (10**6, 1, 10**6)]
    for full in fulls:
        if not accepts_rank(cls, len(full)):
            continue
        part = (1,) * (len(full) - 1) + (4,)
        offset = tuple(f - p for f, p in zip(full, part, strict=True))
        label = f"{cls.__name__} {full} at {offset}"
        outcomes = []
        for threads in (1, 2):
            try:
                outcome = clear(
                    init, full, partition_shape=part, partition_offset=offset, threads=threads
                )
            except Exception as exc:
                problems.append(f"{label}: {type(exc).__name__}: {exc}")
                break
            outcomes.append(outcome)
            if isinstance(outcome, initspec.InitializerError):
                if not {r.type for r in outcome.errors} <= {"too_large", "invalid_shape"}:
                    problems.append(f"{label}: {outcome.errors[0].type}: {outcome.errors[0].msg}")
            elif not (
                outcome.shape == part
                and np.all(np.isfinite(outcome))
                and np.all(np.abs(outcome) <= BOUNDED[cls.__name__])
            ):
                problems.append(f"{label}: values {outcome.ravel().tolist()}")
        arrays = [o for o in outcomes if isinstance(o, np.ndarray)]
        if len(arrays) == 2 and not np.array_equal(*arrays):
            problems.append(
                f"{label}: differs between calls {[a.ravel().tolist() for a in arrays]}"
            )
    return problems


@pytest.mark.parametrize("cls", [initspec.Orthogonal, initspec.STFT], ids=lambda c: c.__name__)
def test_a_partition_does_not_allocate_the_full_tensor_past_the_limit(
    cls: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """INITSPEC_MAX_BYTES bounds what a call allocates. Orthogonal and STFT compute the full
    tensor to cut a partition from it: past the limit that must be refused, not allocated."""
    monkeypatch.setenv("INITSPEC_MAX_BYTES", str(256 * 1024))
    full = (1024, 1, 1024) if cls is initspec.STFT else (1024, 1024)  # 4 MiB of float32
    part = (1,) * len(full)
    tracemalloc.start()
    try:
        with capped_address_space():
            outcome = clear(cls(), full, partition_shape=part, partition_offset=(0,) * len(full))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if isinstance(outcome, initspec.InitializerError):
        assert {r.type for r in outcome.errors} == {"too_large"}
    else:
        assert peak <= 512 * 1024, f"a 1-element partition allocated {peak:,} bytes (limit 256 KiB)"


@needs_linux
@pytest.mark.parametrize(
    ("identifier", "full"),
    [
        ("orthogonal", [200_000, 200_000]),
        ("stft", [200_000, 1, 200_000]),
        ("orthogonal", [2**62, 2**62]),
    ],
)
def test_a_partition_of_a_huge_orthogonal_or_stft_is_refused(
    identifier: str, full: list[int]
) -> None:
    result = measure(
        {
            "action": "call",
            "identifier": identifier,
            "shape": full,
            "kwargs": {"partition_shape": [1] * len(full), "partition_offset": [0] * len(full)},
            "budget": GiB,
        }
    )
    assert is_clear_answer(result), result
    assert result["growth"] < 256 * MiB


# --- .h5 files are read in a process of initspec's own, with a time and memory bound ----------


@needs_linux
@pytest.mark.parametrize(
    ("program", "said"),
    [
        ("h5_hang.py", "did not finish reading it in 1 s"),
        ("h5_crash.py", "libhdf5 failed reading it (signal 6"),
        ("h5_liar.py", "libhdf5 failed reading it (exit status 0"),
    ],
)
def test_a_hang_or_crash_reading_an_h5_file_is_unreadable_and_the_run_goes_on(
    tmp_path: Path,
    dense_h5: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    program: str,
    said: str,
) -> None:
    """A damaged .h5 can make libhdf5 loop forever, uninterruptibly, or crash: in the reader
    process (here a stand-in that does so), it costs that file, never the caller."""
    from initspec import cli, files

    monkeypatch.setattr(files, "_H5_READER", PROGRAMS / program)
    monkeypatch.setenv("INITSPEC_MAX_H5_SECONDS", "1")
    started = time.monotonic()
    with pytest.raises(initspec.InitializerError) as info:
        initspec.scan(dense_h5)
    assert said in unreadable(info).msg
    with pytest.raises(initspec.InitializerError) as info:
        initspec.scan(dense_h5.read_bytes(), format="h5")
    assert said in unreadable(info).msg
    (tmp_path / "bad.json").write_text('{"kernel_initializer": "zeroz"}', encoding="utf-8")
    assert cli.main(["validate", "--format", "json", str(dense_h5), str(tmp_path / "bad.json")])
    report = json.loads(capsys.readouterr().out)
    assert [f["status"] for f in report["files"]] == ["unreadable", "invalid"]
    assert time.monotonic() - started < 30


def test_the_h5_reader_process_reads_real_files(dense_h5: Path) -> None:
    expected = [(f.pointer, f.ok) for f in initspec.scan(json.dumps(DENSE_MODEL)).findings]
    for source in (dense_h5, dense_h5.read_bytes()):
        report = initspec.scan(source, format="h5")
        assert [(f.pointer, f.ok) for f in report.findings] == expected
        assert len(expected) >= 2
    weights_only = write_h5(dense_h5.with_name("weights.h5"), None, backend="numpy")
    assert initspec.scan(weights_only).findings == []


@needs_linux
def test_variable_length_model_config_is_bounded(tmp_path: Path) -> None:
    """``get_storage_size`` of a variable-length string is the size of a pointer: the bound
    on model_config must hold on what is read (an 80 MB config was read under a 1 MB limit)."""
    padding = {"notes": "x" * 2_000_000, **DENSE_MODEL}
    path = write_h5(tmp_path / "vlen.h5", json.dumps(padding))  # a str: variable length
    limits = Limits(max_config_bytes=1 << 20)
    for source in (path, path.read_bytes()):
        with pytest.raises(initspec.InitializerError) as info:
            initspec.scan(source, format="h5", limits=limits)
        assert "more than the limit of 1,048,576" in unreadable(info).msg
        assert initspec.scan(source, format="h5").findings  # under the default limit


@needs_linux
def test_the_h5_reader_memory_cap(dense_h5: Path) -> None:
    with pytest.raises(initspec.InitializerError) as info:
        initspec.scan(dense_h5, limits=Limits(max_h5_memory_bytes=32 << 20))
    assert "INITSPEC_MAX_H5_MEMORY_BYTES" in unreadable(info).msg


def test_the_h5_reader_guards_itself() -> None:
    """What the reader process may do once numpy and h5py are loaded: read, and answer on
    stdout. Its audit hook refuses processes, sockets, libraries and writing files."""
    from initspec import _h5reader

    for event, args in [
        ("subprocess.Popen", ("sh", ["sh"], None, None)),
        ("os.system", (b"sh",)),
        ("os.posix_spawn", ("sh", ["sh"], {})),
        ("socket.connect", (None, ("example.invalid", 80))),
        ("ctypes.dlopen", ("libc.so.6",)),
        ("open", ("/tmp/x", "w", 0)),
        ("open", ("/tmp/x", "ab", 0)),
        ("os.remove", ("/tmp/x", None)),
    ]:
        with pytest.raises(PermissionError):
            _h5reader._guard(event, args)
    _h5reader._guard("open", ("/tmp/model.h5", "r", 0))  # reading is what it is for
    _h5reader._guard("import", ("json", None, [], [], []))
