"""Which format a file really is: from its first bytes, not only from its name.

The rule (written out in the README): a file is read as what its content is when Keras itself
reads it that way, and refused with a message naming what it really is otherwise.

* zip or HDF5 content under a name initspec does not know (``model.bin``): read as ``.keras`` or
  ``.h5``;
* HDF5 content named ``.keras``: read as ``.h5`` (tf-keras and Keras 3 both load such a file);
* any other mismatch (a zip named ``.h5``, JSON named ``.keras``, a zip named ``.json``...):
  refused, naming what the file is; ``format=`` (``--input-format``) reads it as that format.

>>> what_it_is(b"PK\\x03\\x04...")
'a zip archive (a .keras model?)'
>>> choose("keras", b"\\x89HDF\\r\\n\\x1a\\n")
'h5'
>>> choose("json", b"PK\\x03\\x04") is None
True
"""

from __future__ import annotations

from typing import Literal

__all__ = ["HDF5_MAGIC", "ZIP_MAGIC", "choose", "content_format", "text_format", "what_it_is"]

Format = Literal["json", "yaml", "toml", "keras", "h5", "savedmodel"]

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_BINARY_NAMES: dict[Format, str] = {"keras": ".keras", "h5": ".h5"}


def content_format(head: bytes) -> Format | None:
    """``keras`` for a zip, ``h5`` for HDF5, ``None`` for anything else (text, or unknown)."""
    if head.startswith(ZIP_MAGIC):
        return "keras"
    if head.startswith(HDF5_MAGIC):
        return "h5"
    return None


def text_format(head: bytes) -> Format:
    """JSON when the text starts with ``{`` or ``[`` (or a JSON string), else YAML."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" if first in (b"{", b"[", b'"') else "yaml"


def what_it_is(head: bytes) -> str:
    """A few words naming what ``head`` starts, for messages."""
    kind = content_format(head)
    if kind == "keras":
        return "a zip archive (a .keras model?)"
    if kind == "h5":
        return "an HDF5 file (a legacy .h5 model?)"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "JSON text"
    if not head:
        return "an empty file"
    if b"\0" in head[:512]:
        return f"binary data starting with {head[:8]!r}"
    return f"text starting with {head[:16]!r}"


def choose(named: Format | None, head: bytes) -> Format | None:
    """The format to read a file as, given what its name says (``None``: refuse it)."""
    actual = content_format(head)
    if named is None:
        return actual or text_format(head)
    if named in _BINARY_NAMES:
        if actual == named:
            return named
        if named == "keras" and actual == "h5":
            return "h5"  # Keras loads an HDF5 model saved under a .keras name
        return None
    return named if actual is None else None
