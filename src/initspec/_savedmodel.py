"""tf.keras SavedModel directories: the layer configs in ``keras_metadata.pb``.

``model.save("dir")`` (the TF 2.x default) writes ``saved_model.pb``, ``variables/`` and, since
TF 2.5, ``keras_metadata.pb``: a protobuf message ``SavedMetadata`` holding one ``SavedObject``
per tracked object (``node_id`` = field 2, ``node_path`` = 3, ``identifier`` = 4, ``metadata`` =
5, a JSON string with the layer's ``class_name`` and ``config``). Only that file is read, by the
small reader of the protobuf wire format below: no protobuf library, no TensorFlow, nothing
else in the directory opened (``saved_model.pb`` is only checked to exist). The reader is
bounded: the file is refused past ``Limits.max_config_bytes`` before it is read, varints longer
than 10 bytes, lengths past the end, groups (wire types 3/4) and more nodes than
``Limits.max_yaml_nodes`` are refused, and nothing recurses (two message levels, fixed).

The document initspec scans is ``{"nodes": [{"node_id", "node_path", "identifier",
"metadata"}, ...]}``, with ``metadata`` parsed from JSON; pointers point into it
(``/nodes/3/metadata/config/kernel_initializer``).

>>> doc = decode(encode_for_tests([(0, "root", "_tf_keras_model", '{"class_name": "M"}')]))
>>> doc["nodes"][0]["node_path"], doc["nodes"][0]["metadata"]
('root', '{"class_name": "M"}')
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ErrorRecord, InitializerError

if TYPE_CHECKING:
    from .limits import Limits

__all__ = ["METADATA", "SAVED_MODEL", "decode", "encode_for_tests", "is_savedmodel", "read"]

METADATA = "keras_metadata.pb"
SAVED_MODEL = "saved_model.pb"
_MAX_VARINT_BYTES = 10


def _unreadable(label: str, msg: str) -> InitializerError:
    record = ErrorRecord((), "unreadable_file", msg)
    return InitializerError([record], subject=f"the file {label}")


def is_savedmodel(path: Path | None) -> bool:
    """Whether ``path`` is a SavedModel directory (or its ``keras_metadata.pb``)."""
    if path is None:
        return False
    try:
        if path.name == METADATA and path.is_file():
            return True
        return path.is_dir() and ((path / SAVED_MODEL).is_file() or (path / METADATA).is_file())
    except (OSError, ValueError):
        return False


class _Malformed(Exception):
    pass


def _varint(buf: bytes, at: int, end: int) -> tuple[int, int]:
    value = shift = 0
    for i in range(_MAX_VARINT_BYTES):
        if at + i >= end:
            raise _Malformed(f"a varint runs past the end of its message (byte {at})")
        byte = buf[at + i]
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at + i + 1
    raise _Malformed(f"a varint longer than {_MAX_VARINT_BYTES} bytes (byte {at})")


def _fields(buf: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or start, end) for each field of one message."""
    at = start
    while at < end:
        key, at = _varint(buf, at, end)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(buf, at, end)
            yield number, wire, value, at
        elif wire == 2:
            size, at = _varint(buf, at, end)
            if size > end - at:
                raise _Malformed(f"field {number} says {size} bytes, past the end (byte {at})")
            yield number, wire, at, at + size
            at += size
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if width > end - at:
                raise _Malformed(f"field {number} runs past the end (byte {at})")
            at += width
        else:
            raise _Malformed(f"wire type {wire} (field {number}, byte {at}) is not in this format")


def _text(buf: bytes, start: int, end: int, what: str) -> str:
    try:
        return buf[start:end].decode("utf-8")
    except UnicodeDecodeError:
        raise _Malformed(f"the {what} at byte {start} is not UTF-8 text") from None


def decode(buf: bytes, max_nodes: int = 1_000_000) -> dict[str, Any]:
    """The ``SavedMetadata`` in ``buf`` as ``{"nodes": [...]}`` (metadata still JSON text).

    Raises ``ValueError`` (with a message) for anything that is not such a message.
    """
    nodes: list[dict[str, Any]] = []
    try:
        for number, wire, start, end in _fields(buf, 0, len(buf)):
            if number != 1:
                continue  # fields a later version may add
            if wire != 2:
                raise _Malformed(f"field 1 (nodes) has wire type {wire}, not a message")
            if len(nodes) >= max_nodes:
                raise _Malformed(f"more than {max_nodes:,} nodes, the limit")
            node: dict[str, Any] = {
                "node_id": 0,  # proto3 leaves a zero out
                "node_path": None,
                "identifier": None,
                "metadata": None,
            }
            for inner, inner_wire, value, inner_end in _fields(buf, start, end):
                if inner == 2 and inner_wire == 0:
                    node["node_id"] = value
                elif inner in (3, 4, 5) and inner_wire == 2:
                    name = ("node_path", "identifier", "metadata")[inner - 3]
                    node[name] = _text(buf, value, inner_end, name)
            nodes.append(node)
    except _Malformed as exc:
        raise ValueError(str(exc)) from None
    return {"nodes": nodes}


def read(path: Path, label: str, limits: Limits) -> dict[str, Any]:
    """Read and decode the ``keras_metadata.pb`` of the SavedModel directory at ``path``, or
    the file ``path`` itself (bounded)."""
    is_dir = path.is_dir()
    metadata = path / METADATA if is_dir else path  # a directory, or the file itself
    if is_dir and not metadata.exists():
        raise _unreadable(
            label,
            f"a SavedModel directory without {METADATA}: initspec reads the Keras layer configs "
            f"only from {METADATA} (written by tf.keras since TF 2.5), so it cannot check this "
            "model; re-save it with a current tf-keras, or as a .keras file",
        )
    try:
        info = metadata.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _unreadable(label, f"{METADATA} is not a regular file")
        if info.st_size > limits.max_config_bytes:
            raise _unreadable(
                label,
                f"{METADATA} has {info.st_size:,} bytes, more than the limit of "
                f"{limits.max_config_bytes:,} (INITSPEC_MAX_CONFIG_BYTES)",
            )
        with metadata.open("rb") as handle:
            buf = handle.read(limits.max_config_bytes + 1)
    except OSError as exc:
        raise _unreadable(label, f"cannot read {METADATA}: {exc.strerror or exc}") from None
    if len(buf) > limits.max_config_bytes:
        raise _unreadable(label, f"{METADATA} grew past the limit while it was read")
    return from_bytes(buf, label, limits)


def from_bytes(buf: bytes, label: str, limits: Limits) -> dict[str, Any]:
    """Decode the bytes of a ``keras_metadata.pb`` (bounded like a file)."""
    if len(buf) > limits.max_config_bytes:
        raise _unreadable(
            label,
            f"{METADATA} has {len(buf):,} bytes, more than the limit of "
            f"{limits.max_config_bytes:,} (INITSPEC_MAX_CONFIG_BYTES)",
        )
    try:
        document = decode(buf, limits.max_yaml_nodes)
    except ValueError as exc:
        raise _unreadable(label, f"{METADATA} is not a Keras metadata protobuf: {exc}") from None
    if not document["nodes"]:
        raise _unreadable(label, f"{METADATA} holds no node, so it is not Keras metadata")
    return document


def parse_metadata(
    document: dict[str, Any], label: str, parse_json: Any, limits: Limits
) -> dict[str, Any]:
    """Parse every node's metadata JSON (an empty string stays ``None``)."""
    for i, node in enumerate(document["nodes"]):
        text = node["metadata"]
        if text:
            node["metadata"] = parse_json(text, f"{label}[{METADATA} node {i}]", limits)
        else:
            node["metadata"] = None
    return document


def dedupe_key(layer: str | None, layer_class: str | None, attribute: str, config: Any) -> str:
    """Findings with the same key are one initializer seen twice (in the model's config and
    in the layer's own node): it is reported once, where it is first met."""
    if isinstance(config, dict) and "shared_object_id" in config:  # differs between copies
        config = {k: v for k, v in config.items() if k != "shared_object_id"}
    return json.dumps([layer, layer_class, attribute, config], sort_keys=True, default=repr)


def _varint_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_for_tests(nodes: Sequence[tuple[int, str, str, str]]) -> bytes:
    """A ``SavedMetadata`` message (for tests and examples; real files come from tf-keras)."""

    def field(number: int, payload: bytes) -> bytes:
        return _varint_bytes(number << 3 | 2) + _varint_bytes(len(payload)) + payload

    out = b""
    for node_id, node_path, identifier, metadata in nodes:
        body = _varint_bytes(2 << 3) + _varint_bytes(node_id)
        body += field(3, node_path.encode()) + field(4, identifier.encode())
        body += field(5, metadata.encode())
        out += field(1, body)
    return out
