"""Stand-in for initspec's ``.h5`` reader process: crashes (SIGABRT) after reading the request.

Run by ``tests/test_security.py`` in place of ``_h5reader.py``.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    sys.stdin.buffer.readline()
    os.abort()
