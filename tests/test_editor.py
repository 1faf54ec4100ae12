"""End to end: the published schema in the YAML language server editors use.

The real ``yaml-language-server`` (from npm; ``.ci/run`` installs the pinned version into
``.node/``) runs as a subprocess, driven over LSP on stdio: JSON-RPC messages framed with
``Content-Length`` headers, written and read here, every wait bounded. It is given the schema
the way editors give it: a ``# yaml-language-server: $schema=...`` modeline (a ``file://`` URI,
or a path relative to the file), or the ``yaml.schemas`` setting. Where node or the server is
missing, the tests skip and say why; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import initspec
from helpers import readme_files
from initspec.registry import builtin_table

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "schemas" / "initializer.schema.json"
LOCAL_SERVER = (
    ROOT / ".node" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
)
TIMEOUT = 30.0  # seconds, for any one answer (the server starts in about a second)
SETTINGS: dict[str, Any] = {
    "validate": True,
    "hover": True,
    "completion": True,
    "schemaStore": {"enable": False},  # no network: only the schemas given here
}


def server_command() -> list[str]:
    """How to start the server on stdio; skips (fails with CI=true) when it cannot be found."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not on PATH (the yaml-language-server needs Node.js)")
    if LOCAL_SERVER.is_file():
        return [node, str(LOCAL_SERVER), "--stdio"]
    on_path = shutil.which("yaml-language-server")
    if on_path is None:
        unavailable(
            f"yaml-language-server is neither in {LOCAL_SERVER.parent.parent} nor on PATH; "
            "install it as .ci/run does (npm install --prefix .node yaml-language-server@...)"
        )
    return [on_path, "--stdio"]


def unavailable(reason: str) -> Any:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the editor test must run)", pytrace=False)
    pytest.skip(reason)


class LanguageServer:
    """A minimal LSP client: requests, notifications, and the server's own requests answered."""

    def __init__(self, command: list[str], root: Path, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=root,
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stderr: list[bytes] = []
        self.diagnostics: dict[str, list[list[dict[str, Any]]]] = {}
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        capabilities = {
            "workspace": {"configuration": True, "didChangeConfiguration": {}},
            "textDocument": {
                "completion": {"completionItem": {"snippetSupport": False}},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "publishDiagnostics": {},
            },
        }
        try:
            self.request(
                "initialize",
                {
                    "processId": os.getpid(),
                    "rootUri": root.as_uri(),
                    "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                    "capabilities": capabilities,
                },
            )
            self.notify("initialized", {})
            self.notify("workspace/didChangeConfiguration", {"settings": {"yaml": settings}})
        except BaseException:
            self.process.kill()
            self.process.wait(timeout=5)
            raise

    # --- framing ---------------------------------------------------------------------------

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            assert length is not None, "a message without Content-Length"
            self.messages.put(json.loads(stream.read(length).decode("utf-8")))

    def _drain_stderr(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        for line in stream:
            self.stderr.append(line)

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    # --- messages --------------------------------------------------------------------------

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self._send({"id": wanted, "method": method, "params": params})
        answer = self._wait(lambda m: "method" not in m and m.get("id") == wanted, method)
        assert "error" not in answer, answer["error"]
        return answer.get("result")

    def wait_for_diagnostics(self, uri: str) -> list[dict[str, Any]]:
        """The next diagnostics the server publishes for ``uri``."""
        seen = len(self.diagnostics.get(uri, []))
        self._wait(lambda m: len(self.diagnostics.get(uri, [])) > seen, f"diagnostics of {uri}")
        return self.diagnostics[uri][seen]

    def _wait(self, done: Any, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            left = deadline - time.monotonic()
            try:
                message = self.messages.get(timeout=max(left, 0.0))
            except queue.Empty:
                raise AssertionError(
                    f"no answer to {what} within {TIMEOUT} s{self._log()}"
                ) from None
            if message is None:
                raise AssertionError(f"the server exited while waiting for {what}{self._log()}")
            self._handle(message)
            if done(message):
                return message

    def _handle(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method == "textDocument/publishDiagnostics":
            params = message["params"]
            self.diagnostics.setdefault(params["uri"], []).append(params["diagnostics"])
        elif method is not None and "id" in message:  # a request from the server
            result: Any = None
            if method == "workspace/configuration":
                items = message["params"]["items"]
                result = [self.settings if i.get("section") == "yaml" else None for i in items]
            self._send({"id": message["id"], "result": result})

    def _log(self) -> str:
        text = b"".join(self.stderr[-20:]).decode("utf-8", "replace").strip()
        return f"; its stderr:\n{text}" if text else ""

    # --- documents -------------------------------------------------------------------------

    def open(self, path: Path, text: str) -> list[dict[str, Any]]:
        """Open ``text`` as the document ``path``; the diagnostics the server publishes."""
        uri = path.as_uri()
        document = {"uri": uri, "languageId": "yaml", "version": 1, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": document})
        return self.wait_for_diagnostics(uri)

    def completion(self, path: Path, line: int, character: int) -> list[str]:
        position = {"line": line, "character": character}
        result = self.request(
            "textDocument/completion",
            {"textDocument": {"uri": path.as_uri()}, "position": position},
        )
        items = result["items"] if isinstance(result, dict) else result
        return [item["label"] for item in items or []]

    def hover(self, path: Path, line: int, character: int) -> str:
        position = {"line": line, "character": character}
        result = self.request(
            "textDocument/hover", {"textDocument": {"uri": path.as_uri()}, "position": position}
        )
        contents = (result or {}).get("contents", "")
        return contents["value"] if isinstance(contents, dict) else str(contents)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.request("shutdown", None)
            self.notify("exit", None)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LanguageServer]:
    command = server_command()
    client = LanguageServer(command, tmp_path, dict(SETTINGS))
    try:
        yield client
    finally:
        client.close()


def modeline(schema: str) -> str:
    return f"# yaml-language-server: $schema={schema}\n"


def only(diagnostics: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(diagnostics) == 1, json.dumps(diagnostics, indent=1)
    return diagnostics[0]


def span(diagnostic: dict[str, Any]) -> tuple[int, int, int, int]:
    r = diagnostic["range"]
    return r["start"]["line"], r["start"]["character"], r["end"]["line"], r["end"]["character"]


# --- the published schema, by a file:// modeline ----------------------------------------------


def test_a_correct_config_has_no_diagnostics(server: LanguageServer, tmp_path: Path) -> None:
    text = (
        modeline(SCHEMA_FILE.as_uri())
        + "class_name: VarianceScaling\nconfig:\n  scale: 2.0\n  mode: fan_out\n"
        "  distribution: Uniform\n  seed: 7\n"
    )
    assert initspec.get(yaml.safe_load(text)) is not None
    assert server.open(tmp_path / "good.yaml", text) == []


def test_a_misspelt_key_is_reported_at_its_line(server: LanguageServer, tmp_path: Path) -> None:
    text = modeline(SCHEMA_FILE.as_uri()) + (
        "class_name: RandomNormal\n"
        "config:\n"
        "  mean: 0.0\n"
        "  stdev: 0.1\n"  # line 4 (0-based), the typo at columns 2-7
        "  seed: 1\n"
    )
    problem = only(server.open(tmp_path / "typo.yaml", text))
    assert span(problem) == (4, 2, 4, 7)
    assert "stdev" in problem["message"]
    assert problem["severity"] == 1  # an error
    with pytest.raises(initspec.InitializerError, match="did you mean 'stddev'"):
        initspec.get(yaml.safe_load(text))


def test_a_misspelt_class_name_lists_every_name(server: LanguageServer, tmp_path: Path) -> None:
    text = modeline(SCHEMA_FILE.as_uri()) + "class_name: GlorotUnifrom\nconfig:\n  seed: 1\n"
    problem = only(server.open(tmp_path / "name.yaml", text))
    assert span(problem) == (1, 12, 1, 25)
    for name in builtin_table().by_name:
        assert f'"{name}"' in problem["message"]


def test_a_bad_value_is_reported_at_its_line(server: LanguageServer, tmp_path: Path) -> None:
    text = modeline(SCHEMA_FILE.as_uri()) + (
        "class_name: VarianceScaling\nconfig:\n  scale: 1.0\n  mode: fan_sideways\n"
    )
    problem = only(server.open(tmp_path / "mode.yaml", text))
    assert span(problem)[:2] == (4, 8)
    assert "fan_avg" in problem["message"]


def test_completion_offers_the_initializer_names(server: LanguageServer, tmp_path: Path) -> None:
    path = tmp_path / "complete.yaml"
    server.open(path, modeline(SCHEMA_FILE.as_uri()) + "class_name: \nconfig: {}\n")
    offered = server.completion(path, 1, 12)
    assert set(offered) == set(builtin_table().by_name)


def test_hover_shows_the_field_description(server: LanguageServer, tmp_path: Path) -> None:
    path = tmp_path / "hover.yaml"
    text = modeline(SCHEMA_FILE.as_uri()) + "class_name: TruncatedNormal\nconfig:\n  stddev: 0.02\n"
    assert server.open(path, text) == []
    shown = server.hover(path, 3, 4)
    assert "Standard deviation" in shown
    assert "Default: 0.05." in shown
    assert "Range: >= 0." in shown


# --- a team's experiment schema ($ref), from schemas/README.md --------------------------------


def readme_project(directory: Path) -> dict[str, str]:
    """schemas/README.md's example files, written beside a copy of the published schema."""
    files = readme_files()
    shutil.copyfile(SCHEMA_FILE, directory / "initializer.schema.json")
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return files


def test_readme_examples_have_no_diagnostics(server: LanguageServer, tmp_path: Path) -> None:
    files = readme_project(tmp_path)
    for name in ("initializer.yaml", "experiment.yaml"):
        assert server.open(tmp_path / name, files[name]) == [], name


def test_readme_ref_reports_a_typo_inside_a_layer(server: LanguageServer, tmp_path: Path) -> None:
    files = readme_project(tmp_path)
    lines = files["experiment.yaml"].splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == "seed: 42")
    lines[at] = lines[at].replace("seed:", "sed:")
    path = tmp_path / "typo.experiment.yaml"
    problem = only(server.open(path, "".join(lines)))
    column = lines[at].index("sed")
    assert span(problem) == (at, column, at, column + 3)
    assert "sed" in problem["message"]


def test_readme_ref_completes_initializer_names(server: LanguageServer, tmp_path: Path) -> None:
    files = readme_project(tmp_path)
    text = files["experiment.yaml"] + "  - units: 1\n    kernel_initializer: \n"
    path = tmp_path / "complete.experiment.yaml"
    server.open(path, text)
    line = text.count("\n") - 1
    offered = server.completion(path, line, len("    kernel_initializer: "))
    assert set(builtin_table().by_name) <= set(offered)


def test_schema_given_by_the_yaml_schemas_setting(tmp_path: Path) -> None:
    command = server_command()
    readme_project(tmp_path)
    team = (tmp_path / "experiment.schema.json").as_uri()
    settings = {**SETTINGS, "schemas": {team: "*.experiment.yaml"}}
    client = LanguageServer(command, tmp_path, settings)
    try:
        text = "layers:\n  - units: 3\n    kernel_initializer: he_nromal\n"
        problem = only(client.open(tmp_path / "run.experiment.yaml", text))
        assert span(problem)[:2] == (2, 24)
        assert client.open(tmp_path / "other.yaml", text) == []  # not mapped: not checked
    finally:
        client.close()


def test_the_pinned_server_is_the_one_documented_and_installed() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    pins = re.findall(r"yaml-language-server@(\d+\.\d+\.\d+)", ci)
    assert len(pins) == 1, "pin one yaml-language-server version in .ci/run"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"yaml-language-server@{pins[0]}" in readme
    installed = LOCAL_SERVER.parent.parent / "package.json"
    if installed.is_file():
        version = json.loads(installed.read_text(encoding="utf-8"))["version"]
        assert version == pins[0], f"{installed} is {version}; .ci/run pins {pins[0]}"
