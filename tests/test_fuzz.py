"""Fuzzing: whatever the input, the outcome is a value, a report or an ``InitializerError``
(exit status 0, 1 or 2 for the command) - never another exception, a hang or a crash.

* arbitrary JSON-like values into ``get`` and ``deserialize``, and as documents into ``scan``;
* the initializer configs Keras 3 and tf-keras wrote (``tests/fixtures/*/initializers.json``),
  mutated;
* model files (the fixtures' ``.json`` and ``.keras``, small YAML and TOML documents) with
  random byte flips, truncations, insertions and deletions, into ``scan`` and ``cli.main``;
* ``.h5`` files, mutated the same way, in a worker subprocess: they are parsed by libhdf5 (C),
  and a crash there must be reported (with the input saved) rather than kill the test run.

Example counts scale with ``INITSPEC_FUZZ_EXAMPLES`` (default 200 per unit of share);
``INITSPEC_FUZZ_RANDOM=1`` draws new examples on every run.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import select
import shutil
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import initspec
from helpers import CLASS_WITH_FIELD, FIXTURES, fixture_path, outcome
from initspec import cli
from initspec.errors import ERROR_TYPES
from strategies import _mutate, fuzz_settings, json_values, to_json_document

FLAVOURS = ("keras3", "tf_keras")


# --- checking outcomes -------------------------------------------------------------------------


def check_records(records: list[initspec.ErrorRecord]) -> None:
    """Well-formed records: a known type, a str/int location, JSON-serializable."""
    for record in records:
        assert record.type in ERROR_TYPES, record
        assert isinstance(record.loc, tuple), record
        assert all(type(p) in (str, int) for p in record.loc), record
        assert isinstance(record.msg, str), record
        assert record.msg.strip(), record
        assert record.line is None or (isinstance(record.line, int) and record.line >= 1)
        assert record.column is None or (isinstance(record.column, int) and record.column >= 1)
        json.dumps(record.to_dict())


def scan_outcome(source: Any, fmt: str | None) -> initspec.ScanReport | None:
    """``scan(source)``: a report, or None after checking the InitializerError it raised."""
    try:
        report = initspec.scan(source, format=fmt)  # type: ignore[arg-type]
    except initspec.InitializerError as exc:
        error = exc
    else:
        error = None
    if error is not None:
        assert {r.type for r in error.errors} <= {"unreadable_file", "invalid_argument"}, error
        check_records(error.errors)
        return None
    check_records(report.errors)
    json.dumps(report.to_dict())
    for finding in report.findings:
        assert finding.ok == (finding.initializer is not None or finding.config is None)
    return report


def run_cli(argv: list[str]) -> tuple[int, str]:
    """``cli.main(argv)`` in-process: (status, stdout). SystemExit is only for usage errors."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(argv)
        except SystemExit as exc:  # argparse: a usage error
            status = -1 if exc.code != 2 else 2
    assert status != -1, err.getvalue()
    assert "Traceback" not in err.getvalue()
    return status, out.getvalue()


# --- identifiers -------------------------------------------------------------------------------


@example({"class_name": "Zeros", "config": {}, "registered_name": "Zeros\n"})
@example({"class_name": "Constant", "config": {"value": [[1.0], [1.0, 2.0]]}})
@example({"module": "keras.initializers\n", "class_name": "Zeros", "config": {}})
@example({"class_name": "RandomNormal", "config": {"seed": {"class_name": "SeedGenerator"}}})
@fuzz_settings(0.75)
@given(json_values(surrogates=True, max_leaves=20))
def test_arbitrary_values_into_get_and_deserialize(value: Any) -> None:
    outcome(initspec.get, value)
    outcome(initspec.deserialize, value)
    is_json, document = to_json_document({"kernel_initializer": value})
    if is_json:
        text = json.dumps(document)
        report = scan_outcome(text, "json")
        assert report is not None
        assert len(report.findings) == 1


def fixture_configs() -> list[Any]:
    found = []
    for flavour in FLAVOURS:
        data = json.loads((FIXTURES / flavour / "initializers.json").read_text(encoding="utf-8"))
        found += [case["serialized"] for case in data["cases"]]
        found += [case["serialized"] for case in data["names"] if "serialized" in case]
    return found


FIXTURE_CONFIGS = fixture_configs()


@st.composite
def mutated_fixture_configs(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(FIXTURE_CONFIGS)))
    for _ in range(draw(st.integers(1, 3))):
        doc = draw(_mutate(doc))
    return doc


def test_the_fixture_configs_are_many_and_valid() -> None:
    assert len(FIXTURE_CONFIGS) > 50
    valid = [c for c in FIXTURE_CONFIGS if c.get("class_name") not in ("Initializer",)]
    for config in valid:
        initspec.get(config)


@fuzz_settings(0.75)
@given(mutated_fixture_configs())
def test_mutated_keras_configs_into_get_deserialize_and_scan(doc: Any) -> None:
    outcome(initspec.get, doc)
    outcome(initspec.deserialize, doc)
    is_json, document = to_json_document({"layers": [{"config": {"kernel_initializer": doc}}]})
    if is_json:
        scan_outcome(json.dumps(document), "json")
        scan_outcome(yaml_text(document), "yaml")


def yaml_text(document: Any) -> str:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_dump(document, allow_unicode=True)


# --- byte-level mutation of model files -------------------------------------------------------


#: Snippets worth inserting: structure, escapes, YAML tags and aliases, numbers at the edges.
TOKENS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b"\\",
    b",",
    b":",
    b"\n",
    b"\n  ",
    b"- ",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\x00",
    b"NaN",
    b"-Infinity",
    b"1e999",
    b"-0",
    b"1.0e+309",
    b".nan",
    b"9" * 4400,
    b"9" * 300,
    b"0x" + b"f" * 40,
    b'"\\ud800"',
    b'"\\u0000"',
    b"\\ud800",
    b"&a",
    b"*a",
    b"&a [*a, *a]",
    b"<<: ",
    b"? ",
    b"!!binary AQID",
    b"!!set {a}",
    b"!!python/name:os.system",
    b"2001-01-01",
    b"~",
    b"null",
    b"true",
    b"yes",
    b'"kernel_initializer": ',
    b"kernel_initializer: ",
    b'{"class_name": "Constant", "config": ',
    b'"__numpy__"',
    b'"SeedGenerator"',
    b'"registered_name": ',
    b'"module": "os", ',
]


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes, focus: int | None = None) -> bytes:
    """``data`` with 1-4 random edits: bit flips, byte overwrites, truncation, insertion,
    deletion, duplication. ``focus``: positions are often drawn from the first ``focus``
    bytes (headers), not only uniformly."""
    buf = bytearray(data)

    def position(extra: int = 0) -> int:
        top = len(buf) + extra - 1
        if top < 0:
            return 0
        if focus is not None and draw(st.booleans()):
            return draw(st.integers(0, min(top, focus)))
        return draw(st.integers(0, top))

    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "duplicate"]))
        if op == "flip" and buf:
            i = position()
            buf[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and buf:
            i = position()
            buf[i] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80, 0x22, 0x5B, 0x7B, 0x5C]))
        elif op == "truncate":
            del buf[position(1) :]
        elif op == "insert":
            i = position(1)
            buf[i:i] = draw(st.binary(min_size=1, max_size=16) | st.sampled_from(TOKENS))
        elif op == "delete" and buf:
            i = position()
            del buf[i : i + draw(st.integers(1, 64))]
        elif op == "duplicate" and buf:
            i = position()
            buf[i:i] = buf[i : i + draw(st.integers(1, 256))]
    return bytes(buf)


def stored_keras(model: str, flavour: str) -> bytes:
    """A fixture .keras with config.json stored uncompressed: byte edits then reach the JSON."""
    source = fixture_path(flavour, model, "keras")
    out = io.BytesIO()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w") as target:
        for name in ("metadata.json", "config.json"):
            target.writestr(name, archive.read(name))
    return out.getvalue()


YAML_DOC = """\
model:
  layers:
    - class_name: Dense
      config: &dense
        name: d1
        kernel_initializer: {class_name: RandomNormal, config: {stddev: 0.1, seed: 1}}
        bias_initializer: zeros
    - class_name: Dense
      config:
        <<: *dense
        name: d2
        kernel_initializer:
          class_name: Constant
          config: {value: [[1.0, 2.0], [3.0, 4.0]]}
"""
TOML_DOC = """\
[model.dense]
kernel_initializer = { class_name = "VarianceScaling", config = { scale = 2.0, mode = "fan_in" } }
bias_initializer = "zeros"

[model.conv.kernel_initializer]
class_name = "RandomUniform"
config = { minval = -1, maxval = 1, seed = 7 }
"""


def readable(docs: list[tuple[str, str, bytes]]) -> list[tuple[str, str, bytes]]:
    """``docs``, after checking that every starting point is readable."""
    for name, fmt, data in docs:
        assert scan_outcome(data, fmt) is not None, name
    return docs


def documents() -> list[tuple[str, str, bytes]]:
    """(name, format, bytes) of every document the file fuzzers start from."""
    docs = []
    for flavour in FLAVOURS:
        for model in ("rnn", "wrappers", "all_initializers"):
            docs.append(
                (
                    f"{flavour}/{model}.json",
                    "json",
                    fixture_path(flavour, model, "json").read_bytes(),
                )
            )
            docs.append(
                (
                    f"{flavour}/{model}.keras",
                    "keras",
                    fixture_path(flavour, model, "keras").read_bytes(),
                )
            )
            docs.append(
                (f"{flavour}/{model} (stored).keras", "keras", stored_keras(model, flavour))
            )
    docs.append(("doc.yaml", "yaml", YAML_DOC.encode()))
    docs.append(("doc.toml", "toml", TOML_DOC.encode()))
    return readable(docs)


DOCUMENTS = documents()


def scan_every_way(data: bytes, fmt: str, binary: str) -> None:
    """Scan ``data`` as ``fmt``; unless ``fmt`` is the ``binary`` format, also sniffed (another
    reader, still only a clear answer) and as text."""
    scan_outcome(data, fmt)
    if fmt != binary:
        scan_outcome(data, None)
        with contextlib.suppress(UnicodeDecodeError):
            scan_outcome(data.decode("utf-8"), fmt)


@st.composite
def mutated_from(
    draw: st.DrawFn, docs: list[tuple[str, str, bytes]], focus: dict[str, int]
) -> tuple[str, str, bytes]:
    """One of ``docs``, mutated (within its first ``focus[format]`` bytes, where given)."""
    name, fmt, data = draw(st.sampled_from(docs))
    return name, fmt, draw(mutated_bytes(data, focus.get(fmt)))


def mutated_documents() -> st.SearchStrategy[tuple[str, str, bytes]]:
    return mutated_from(DOCUMENTS, {"keras": 2048})


@example(("NUL in a short text", "json", b"\x00"))  # a str without a newline is a path
@example(("truncated zip", "keras", DOCUMENTS[1][2][:100]))
@example(("utf-16 bom", "json", b"\xff\xfe" + b"{\x00}\x00"))
@example(("lone surrogate", "json", b'{"kernel_initializer": "\\ud800"}'))
@example(("lone surrogate key", "json", b'{"\\udc00initializer": "zeros"}'))
@example(("yaml merge of a scalar", "yaml", b"a: &x 1\nb: {<<: *x}\n"))
@example(("yaml binary key", "yaml", b"kernel_initializer: {!!binary AQID: 1}\n"))
@example(("toml huge integer", "toml", b"n = " + b"9" * 5000 + b"\n"))
@fuzz_settings(1.0)
@given(mutated_documents())
def test_mutated_model_files_into_scan(case: tuple[str, str, bytes]) -> None:
    _name, fmt, data = case
    scan_every_way(data, fmt, binary="keras")


YAML_SCALARS = [
    "zeros",
    "Zeros",
    "he_normal",
    "Constant",
    "RandomNormal",
    "SeedGenerator",
    "__numpy__",
    "float32",
    "bool",
    "fan_in",
    "hann",
    "1",
    "-1",
    "0.5",
    "1.0e+309",
    ".nan",
    "-.inf",
    "~",
    "null",
    "yes",
    "no",
    "true",
    "0o17",
    "0x1F",
    "1:30",
    "2001-12-14",
    "2001-12-14 21:59:43.10",
    "9" * 400,
    "'quoted'",
    '"\\u00e9"',
    '"\\ud800"',
    "!!binary AQID",
    "!!str 1",
    "!!int '7'",
    "!!float '1'",
    "!!null ''",
    "!!bool yes",
    "[]",
    "{}",
    "!!set {a}",
    "!!omap [a: 1]",
    "!!pairs [a: 1]",
    "!Local x",
    "!!python/name:os.system",
]
YAML_KEYS = [
    "class_name",
    "config",
    "module",
    "registered_name",
    "shared_object_id",
    "value",
    "seed",
    "dtype",
    "mean",
    "stddev",
    "window",
    "kernel_initializer",
    "name",
    "layers",
    "cell",
    "1",
    "1.5",
    "~",
    "yes",
    "2001-01-01",
    "!!binary AQID",
    "<<",
    "? [a]",
    "? {a: 1}",
]


@st.composite
def yaml_nodes(draw: st.DrawFn, depth: int = 0, anchors: list[str] | None = None) -> str:
    """A YAML flow node built from tokens: scalars, tags, anchors, aliases, odd keys."""
    anchors = [] if anchors is None else anchors
    kind = draw(
        st.sampled_from(["scalar", "scalar", "alias", "seq", "map"] if depth < 4 else ["scalar"])
    )
    if kind == "alias" and anchors:
        return "*" + draw(st.sampled_from(anchors))
    if kind == "seq":
        items = draw(st.lists(yaml_nodes(depth + 1, anchors), max_size=4))
        node = "[" + ", ".join(items) + "]"
    elif kind == "map":
        pairs = draw(
            st.lists(
                st.tuples(st.sampled_from(YAML_KEYS), yaml_nodes(depth + 1, anchors)), max_size=4
            )
        )
        node = "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    else:
        node = draw(st.sampled_from(YAML_SCALARS))
    if draw(st.integers(0, 4)) == 0:  # anchor it, for later aliases
        name = f"a{len(anchors)}"
        anchors.append(name)
        node = f"&{name} {node}"
    return node


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    anchors: list[str] = []
    identifier = draw(yaml_nodes(0, anchors))
    envelope = draw(
        st.sampled_from(
            [
                "kernel_initializer: {}\n",
                "kernel_initializer: {{class_name: {}, config: {{}}}}\n",
                "kernel_initializer: {{class_name: Constant, config: {{value: {}}}}}\n",
                "kernel_initializer: {{class_name: RandomNormal, config: {{seed: {}}}}}\n",
                "kernel_initializer: {{class_name: STFT, config: {{window: {}}}}}\n",
                "layers:\n- class_name: Dense\n  config: {{name: d, kernel_initializer: {}}}\n",
                "{}\n",
            ]
        )
    )
    return envelope.format(identifier)


@example("kernel_initializer: {!!binary AQID: 1}\n")
@example("kernel_initializer: {2001-01-01: 1, class_name: Nope, config: {}}\n")
@fuzz_settings(0.5)
@given(yaml_documents())
def test_generated_yaml_documents_into_scan(text: str) -> None:
    scan_outcome(text, "yaml")


SUFFIX = {"json": ".json", "yaml": ".yaml", "toml": ".toml", "keras": ".keras"}


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@example(case=("toml huge integer", "toml", b"n = " + b"9" * 5000 + b"\n"), output="json")
@fuzz_settings(0.25)
@given(case=mutated_documents(), output=st.sampled_from(["text", "json", "github", "sarif"]))
def test_mutated_model_files_into_the_cli(
    work_dir: Path, case: tuple[str, str, bytes], output: str
) -> None:
    _name, fmt, data = case
    path = work_dir / f"doc{SUFFIX[fmt]}"
    path.write_bytes(data)
    status, out = run_cli(["validate", "--format", output, str(path)])
    assert status in (0, 1, 2), status
    if output in ("json", "sarif"):
        json.loads(out)
    report = scan_outcome(path, None)
    expected = 2 if report is None else (1 if report.errors else 0)
    assert status == expected, (status, report)


# --- .h5 files, in a worker subprocess ---------------------------------------------------------

#: Reads length-prefixed files on stdin; for each, scans it (as a path and as bytes) and runs
#: ``cli.main`` on it, and answers one JSON line. A crash in libhdf5 ends the process.
H5_WORKER = r"""
import contextlib, io, json, os, signal, struct, sys, time
import initspec
from initspec import cli
path = sys.argv[1]
stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
while True:
    head = stdin.read(4)
    if len(head) < 4:
        break
    data = stdin.read(struct.unpack("<I", head)[0])
    if data == b"test: crash":  # (to test the harness) die as a segfault would
        os.kill(os.getpid(), signal.SIGSEGV)
    if data == b"test: hang":
        time.sleep(3600)
    with open(path, "wb") as handle:
        handle.write(data)
    answers = []
    for source in (path, data):
        try:
            report = initspec.scan(source, format="h5")
            json.dumps(report.to_dict())
            answers.append("report")
        except initspec.InitializerError as exc:
            answers.append("InitializerError:" + ",".join(sorted({r.type for r in exc.errors})))
        except BaseException as exc:
            answers.append("ERROR " + type(exc).__name__ + ": " + str(exc)[:300])
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            answers.append("exit %s" % cli.main(["validate", "--format", "json", path]))
    except BaseException as exc:
        answers.append("ERROR cli " + type(exc).__name__ + ": " + str(exc)[:300])
    stdout.write((json.dumps(answers) + "\n").encode())
    stdout.flush()
"""

H5_SECONDS = 30  #: one file takes milliseconds; far more is a hang in libhdf5


class H5Worker:
    """A subprocess that scans .h5 bytes; a crash or a hang is a test failure, with the input
    saved under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.crashes = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", H5_WORKER, str(self.root / "worker.h5")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        return self.proc

    def scan(self, data: bytes, seconds: float = H5_SECONDS) -> list[str]:
        proc = self.start()
        assert proc.stdin is not None
        assert proc.stdout is not None
        current = self.root / "current.h5"
        current.write_bytes(data)
        try:
            proc.stdin.write(struct.pack("<I", len(data)) + data)
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        ready, _, _ = select.select([proc.stdout], [], [], seconds)
        line = proc.stdout.readline() if ready else b""
        if line:
            return list(json.loads(line))
        self.crashes += 1
        saved = self.root / f"h5_failure_{self.crashes}.h5"
        shutil.copy(current, saved)
        if ready:  # end of output: the worker died
            proc.wait(timeout=10)
            stderr = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            what = f"the worker died with status {proc.returncode} (a negative status is a signal)"
        else:
            proc.kill()
            proc.wait(timeout=10)
            stderr, what = "", f"no answer within {seconds} s (a hang)"
        self.proc = None
        raise AssertionError(f"h5 input saved to {saved}: {what}\n{stderr}")

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def h5_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[H5Worker]:
    pytest.importorskip("h5py")
    worker = H5Worker(tmp_path_factory.mktemp("h5fuzz"))
    yield worker
    worker.close()


def small_h5(model_config: Any) -> bytes:
    """A minimal legacy Keras .h5: just the attributes (headers are most of its bytes)."""
    h5py = pytest.importorskip("h5py")
    buf = io.BytesIO()
    with h5py.File(buf, "w") as handle:
        handle.attrs["model_config"] = model_config
        handle.attrs["keras_version"] = "2.0.0"
        handle.attrs["backend"] = "tensorflow"
    return buf.getvalue()


def h5_documents() -> list[tuple[str, bytes]]:
    pytest.importorskip("h5py")
    text = fixture_path("keras3", "rnn", "json").read_text(encoding="utf-8")
    docs = [(f"{f}/rnn.h5", fixture_path(f, "rnn", "h5").read_bytes()) for f in FLAVOURS]
    docs.append(("small, str", small_h5(text)))
    docs.append(("small, bytes", small_h5(text.encode())))
    docs.append(("small, short", small_h5('{"kernel_initializer": "zeros"}')))
    return docs


H5_DOCUMENTS: list[tuple[str, bytes]] = []


def h5_with_bad_vlen_type() -> bytes:
    """Found by this fuzzer: one byte of ``small_h5`` changed, the model_config attribute's
    variable-length datatype now of type 3 (neither sequence nor string). Reading the
    attribute with h5py 3.16 / its libhdf5 kills the process with SIGSEGV."""
    try:
        data = bytearray(small_h5(fixture_path("keras3", "rnn", "json").read_text("utf-8")))
    except pytest.skip.Exception:  # no h5py: nothing to pin
        return b""
    at = data.index(b"\x19\x01\x01\x00", data.index(b"model_config\x00"))
    data[at + 1] = 3
    return bytes(data)


@st.composite
def mutated_h5(draw: st.DrawFn) -> tuple[str, bytes]:
    if not H5_DOCUMENTS:
        H5_DOCUMENTS.extend(h5_documents())
    name, data = draw(st.sampled_from(H5_DOCUMENTS))
    return name, draw(mutated_bytes(data, focus=4096))


def check_h5_answers(answers: list[str]) -> None:
    *scans, cli_status = answers
    for answer in scans:
        assert answer == "report" or answer == "InitializerError:unreadable_file", answers
    assert cli_status in ("exit 0", "exit 1", "exit 2"), answers


def test_the_h5_worker_answers_and_reports_crashes(h5_worker: H5Worker) -> None:
    good = fixture_path("keras3", "rnn", "h5").read_bytes()
    assert h5_worker.scan(good) == ["report", "report", "exit 0"]
    assert h5_worker.scan(b"not hdf5") == ["InitializerError:unreadable_file"] * 2 + ["exit 2"]
    # a crash and a hang are failures that name the saved input; a new worker takes over
    with pytest.raises(AssertionError, match=r"h5 input saved to .*status -11"):
        h5_worker.scan(b"test: crash")
    with pytest.raises(AssertionError, match=r"h5 input saved to .*a hang"):
        h5_worker.scan(b"test: hang", seconds=2)
    saved = sorted(h5_worker.root.glob("h5_failure_*.h5"))
    assert [p.read_bytes() for p in saved[-2:]] == [b"test: crash", b"test: hang"]
    assert h5_worker.scan(good)[0] == "report"


@example(("small, str, vlen type 3", h5_with_bad_vlen_type()))
@fuzz_settings(0.5)
@given(mutated_h5())
def test_mutated_h5_files(h5_worker: H5Worker, case: tuple[str, bytes]) -> None:
    check_h5_answers(h5_worker.scan(case[1]))


@fuzz_settings(0.25)
@given(json_values(max_leaves=20))
def test_arbitrary_model_config_attributes_in_h5(h5_worker: H5Worker, value: Any) -> None:
    is_json, document = to_json_document({"config": {"layers": [{"kernel_initializer": value}]}})
    if not is_json:
        return
    answers = h5_worker.scan(small_h5(json.dumps(document)))
    assert answers[:2] == ["report", "report"], answers
    assert answers[2] in ("exit 0", "exit 1"), answers


# --- numbers at the edges, through the whole pipeline ------------------------------------------


@fuzz_settings(0.25)
@given(
    st.sampled_from(["mean", "stddev", "minval", "maxval", "scale", "gain", "value", "seed"]),
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(),
        st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**308, 10**309, 2**1023, 2**1024]),
    ),
)
def test_numbers_at_the_edges_in_documents(field: str, number: float) -> None:
    cls = CLASS_WITH_FIELD[field]
    token = json.dumps(number)  # NaN, Infinity, -Infinity as Python's json writes them
    document = {"kernel_initializer": {"class_name": cls, "config": {field: 0}}}
    text = json.dumps(document).replace(": 0}", f": {token}}}", 1)
    report = scan_outcome(text, "json")
    assert report is not None
    (finding,) = report.findings
    if isinstance(number, float) and not math.isfinite(number):
        assert not finding.ok
    if finding.ok:
        built = finding.initializer
        assert isinstance(built, initspec.Initializer)
        try:
            built((2, 3))
        except initspec.InitializerError as exc:
            check_records(exc.errors)


# --- the older forms (issue 9): Keras 1, to_yaml(), double-encoded JSON, SavedModel ---------------

LEGACY = FIXTURES / "legacy"


def legacy_documents() -> list[tuple[str, str, bytes]]:
    """(name, format, bytes) of the legacy fixtures the mutation fuzzer starts from."""
    docs = [
        ("keras1_sequential.json", "json", (LEGACY / "keras1_sequential.json").read_bytes()),
        ("keras1_functional.yaml", "yaml", (LEGACY / "keras1_functional.yaml").read_bytes()),
        ("keras2_to_yaml.yaml", "yaml", (LEGACY / "keras2_to_yaml.yaml").read_bytes()),
        (
            "keras_metadata.pb",
            "savedmodel",
            (LEGACY / "savedmodel" / "keras_metadata.pb").read_bytes(),
        ),
        (
            "double-encoded rnn.json",
            "json",
            json.dumps(fixture_path("tf_keras", "rnn", "json").read_text("utf-8")).encode(),
        ),
    ]
    return readable(docs)


LEGACY_DOCUMENTS = legacy_documents()


def mutated_legacy_documents() -> st.SearchStrategy[tuple[str, str, bytes]]:
    return mutated_from(LEGACY_DOCUMENTS, {"savedmodel": 4096})


@example(("varint run", "savedmodel", b"\x0a" + b"\x80" * 64))
@example(("group", "savedmodel", b"\x0b\x0c"))
@example(("huge length", "savedmodel", b"\x0a\xff\xff\xff\xff\x0f"))
@example(("tuple on a scalar", "yaml", b"a: !!python/tuple 3\n"))
@example(("recursive tuple", "yaml", b"a: &t !!python/tuple [*t]\n"))
@example(("escaped json string", "json", b'"{\\"kernel_initializer\\": \\"\\\\ud800\\"}"'))
@fuzz_settings(1.0)
@given(mutated_legacy_documents())
def test_mutated_legacy_files_into_scan(case: tuple[str, str, bytes]) -> None:
    _name, fmt, data = case
    scan_every_way(data, fmt, binary="savedmodel")


@fuzz_settings(0.5)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2**40),
            st.text(max_size=20),
            st.sampled_from(["_tf_keras_layer", "_tf_keras_model", ""]),
            json_values(max_leaves=15).map(lambda v: json.dumps({"config": v}, default=str)),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_generated_keras_metadata_into_scan(nodes: list[tuple[int, str, str, str]]) -> None:
    from initspec._savedmodel import encode_for_tests

    with contextlib.suppress(UnicodeEncodeError):  # lone surrogates cannot be written
        data = encode_for_tests(nodes)
        report = scan_outcome(data, "savedmodel")
        assert report is None or report.format == "savedmodel"


@fuzz_settings(0.5)
@given(
    json_values(max_leaves=20),
    st.sampled_from([None, 0, 2]),
    st.sampled_from([True, False]),
)
def test_double_encoded_documents_place_errors_in_the_outer_text(
    value: Any, indent: int | None, ascii_only: bool
) -> None:
    is_json, document = to_json_document({"kernel_initializer": value, "x": [value]})
    if not is_json:
        return
    inner = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    outer = json.dumps(inner, ensure_ascii=ascii_only)
    direct, doubled = scan_outcome(inner, "json"), scan_outcome(outer, "json")
    assert (direct is None) == (doubled is None)
    if direct is None or doubled is None:
        return
    assert [e.pointer for e in doubled.errors] == [e.pointer for e in direct.errors]
    for error in doubled.errors:  # a place on the only line, inside the string literal
        assert error.line == 1
        assert error.column is not None
        assert 1 < error.column < len(outer)
