"""Make arrays in a fresh interpreter: ``python make_arrays.py OUT.npz CASES_JSON``.

CASES is a JSON list of ``[class_name, config, shape, dtype, partition]`` (partition null or
``[partition_shape, partition_offset]``); OUT receives the arrays as ``arr_0``, ``arr_1``...
``tests/test_stream.py`` runs it under different numpy CPU feature levels
(``NPY_DISABLE_CPU_FEATURES``), which take effect only when numpy starts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for helpers

from helpers import make


def main(target: str, cases: str) -> None:
    arrays = [
        make(
            name,
            config,
            tuple(shape),
            dtype,
            None if part is None else (tuple(part[0]), tuple(part[1])),
        )
        for name, config, shape, dtype, part in json.loads(cases)
    ]
    np.savez(target, *arrays)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
