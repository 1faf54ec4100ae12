"""Measure one action in a fresh interpreter: ``python measure.py SPEC_JSON``.

Run by ``tests/test_security.py`` (``measure``). SPEC is a JSON object: ``action`` ("scan",
"get" or "call"), its input (``source``/``format``/``limits``, ``identifier``, or ``identifier``
with ``shape``/``dtype``/``kwargs``) and an optional ``budget`` in bytes. Every reader is warmed
up first (imports, first-use model building), then the address space is capped at what the
process uses plus ``budget``, so runaway allocation is a ``MemoryError`` in the result instead
of the OOM killer. The last stdout line is a JSON object: the outcome, ``seconds`` (wall time)
and ``growth`` (peak resident set size, VmHWM, over the RSS before the action). Linux only.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import warnings
from typing import Any

import numpy as np

import initspec
from initspec import Limits


def statm(field: int) -> int:
    """Field ``field`` of /proc/self/statm (0: address space, 1: resident), in bytes."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")


def peak() -> int:
    """The peak resident set size (VmHWM), in bytes."""
    with open("/proc/self/status") as handle:
        line = next(row for row in handle if row.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def warm_up() -> None:
    """Import and first-use everything the measured action may use, before measuring."""
    initspec.scan('{"kernel_initializer": "zeroz"}', format="json")
    initspec.scan("k: {a: 1}\n", format="yaml")
    initspec.scan("a = 1\n", format="toml")
    constant: Any = initspec.get({"class_name": "Constant", "config": {"value": [1.0, 2.0]}})
    constant((2,))
    initspec.RandomNormal(seed=1)((4, 4), threads=2)
    initspec.Orthogonal(seed=1)((3, 3))


def act(spec: dict[str, Any]) -> dict[str, Any]:
    """The outcome of the action ``spec`` names, as JSON data."""
    if spec["action"] == "scan":
        fmt: Any = spec.get("format")
        report = initspec.scan(spec["source"], format=fmt, limits=Limits(**spec.get("limits", {})))
        json.dumps(report.to_dict())
        return {
            "outcome": "report",
            "findings": len(report.findings),
            "types": [e.type for e in report.errors],
            "positions": [[e.line, e.column] for e in report.errors],
        }
    if spec["action"] == "get":
        built = initspec.get(spec["identifier"])
        return {"outcome": "built", "repr": repr(built)[:200]}
    init: Any = initspec.get(spec["identifier"])
    out = init(spec["shape"], spec.get("dtype"), **spec.get("kwargs", {}))
    flat = out.astype(np.float64).ravel()
    return {"outcome": "array", "shape": list(out.shape), "values": [float(v) for v in flat[:16]]}


def main(argv: list[str]) -> None:
    spec = json.loads(argv[1])
    warm_up()
    limit = statm(0) + spec.get("budget", 2 << 30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    before = statm(1)
    try:
        with open("/proc/self/clear_refs", "w") as handle:  # reset the peak (VmHWM) to the RSS
            handle.write("5")
    except OSError:  # not allowed here: the peak so far stands (it can only overstate growth)
        pass
    result: dict[str, Any]
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = act(spec)
    except initspec.InitializerError as exc:
        result = {
            "outcome": "InitializerError",
            "types": [r.type for r in exc.errors],
            "msg": str(exc)[:3000],
        }
    except MemoryError:
        result = {"outcome": "MemoryError"}
    except BaseException as exc:
        result = {"outcome": type(exc).__name__, "msg": str(exc)[:3000]}
    result["seconds"] = time.perf_counter() - start
    result["growth"] = peak() - before
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
