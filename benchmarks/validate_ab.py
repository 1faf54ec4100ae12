"""`initspec validate` on the 5,000-layer model: two source trees side by side (A/B).

    git archive <base-commit> src | tar -x -C /tmp/base
    python benchmarks/validate_ab.py /tmp/base/src src --rounds 15

Each round runs both trees as fresh processes, interleaved, and records the CPU time of the
whole command (start-up included) and, in-process, the best of 8 `scan()` calls. CPU time, not
wall time, because a shared machine's load swings wall time by more than the difference being
measured. Prints the medians and the ratio B/A.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate import make_model

SCAN = r"""
import sys, time, initspec
from pathlib import Path
path = Path(sys.argv[1])
initspec.scan(path)
best = min(
    (lambda t: (initspec.scan(path), time.process_time() - t)[1])(time.process_time())
    for _ in range(8)
)
print(best)
"""


def cli_cpu(src: str, path: Path) -> float:
    """CPU seconds of one ``initspec validate`` process (run where no pyproject.toml is)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-m", "initspec", "validate", str(path)],
        env={**os.environ, "PYTHONPATH": src},
        capture_output=True,
        cwd=path.parent,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr[-500:]
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def scan_cpu(src: str, path: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", SCAN, str(path)],
        env={**os.environ, "PYTHONPATH": src},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", help="the src/ directory of tree A (before)")
    parser.add_argument("b", help="the src/ directory of tree B (after)")
    parser.add_argument("--layers", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.json"
        path.write_text(json.dumps(make_model(args.layers)), encoding="utf-8")
        results: dict[str, dict[str, list[float]]] = {
            "cli": {"a": [], "b": []},
            "scan": {"a": [], "b": []},
        }
        for _ in range(args.rounds):
            for key, src in (("a", os.path.abspath(args.a)), ("b", os.path.abspath(args.b))):
                results["cli"][key].append(cli_cpu(src, path))
                results["scan"][key].append(scan_cpu(src, path))
    for what, runs in results.items():
        a, b = statistics.median(runs["a"]), statistics.median(runs["b"])
        print(f"{what}: A {a:.3f} s  B {b:.3f} s  B/A {b / a:.3f}  (CPU, medians of {args.rounds})")


if __name__ == "__main__":
    main()
