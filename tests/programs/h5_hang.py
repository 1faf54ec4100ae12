"""Stand-in for initspec's ``.h5`` reader process: hangs as a loop inside libhdf5 does.

It reads the request line, then loops forever, ignoring SIGTERM and SIGINT (signals do nothing
to a loop inside libhdf5). Run by ``tests/test_security.py`` in place of ``_h5reader.py``.
"""

from __future__ import annotations

import signal
import sys

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdin.buffer.readline()
    while True:
        pass
