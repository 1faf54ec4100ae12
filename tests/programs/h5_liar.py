"""Stand-in for initspec's ``.h5`` reader process: answers a header promising 99 bytes, sends
2 and exits 0. Run by ``tests/test_security.py`` in place of ``_h5reader.py``.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    sys.stdin.buffer.readline()
    sys.stdout.buffer.write(b"text 99\n{}")
