"""What reading `.h5` files out of process costs: per file, and once per process.

    python benchmarks/h5.py                # 200 files, 5 rounds

initspec reads each `.h5` file's `model_config` in a separate reader process (libhdf5 can hang
or crash on a damaged file). This measures, interleaved round after round, in one process:

- `in-process`: h5py opening the file and reading the attribute here (what reading in
  process would cost; initspec no longer does it), then the same scan of the config text;
- `initspec.scan`: the same file through the reader process, once it runs;

and, in fresh interpreters, the first `.h5` file of a process (the reader's start-up: Python,
numpy and h5py imported once) against a first `.json` file of the same config.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "tests" / "fixtures" / "keras3" / "functional.h5"


def in_process(path: Path) -> int:
    import h5py

    import initspec

    with h5py.File(path, "r") as handle:
        text = handle.attrs["model_config"]
    return len(initspec.scan(text if isinstance(text, str) else text.decode()).findings)


def through_reader(path: Path) -> int:
    import initspec

    return len(initspec.scan(path).findings)


def first_file(path: Path) -> float:
    code = "import initspec, sys; initspec.scan(sys.argv[1])"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    assert in_process(MODEL) == through_reader(MODEL)  # the same findings; both warm
    per_file: dict[str, list[float]] = {"in-process": [], "initspec.scan": []}
    cold: dict[str, list[float]] = {".h5": [], ".json": []}
    with tempfile.TemporaryDirectory() as tmp:
        import h5py

        with h5py.File(MODEL, "r") as handle:
            text = handle.attrs["model_config"]
        as_json = Path(tmp) / "model.json"
        as_json.write_text(text if isinstance(text, str) else text.decode(), encoding="utf-8")
        for _ in range(args.rounds):
            for name, func in (("in-process", in_process), ("initspec.scan", through_reader)):
                start = time.perf_counter()
                for _ in range(args.files):
                    func(MODEL)
                per_file[name].append((time.perf_counter() - start) / args.files)
            cold[".h5"].append(first_file(MODEL))
            cold[".json"].append(first_file(as_json))
    print(f"per .h5 file ({args.files} files x {args.rounds} rounds, median of rounds):")
    for name, values in per_file.items():
        print(f"  {name:15} {statistics.median(values) * 1e3:8.2f} ms")
    overhead = statistics.median(per_file["initspec.scan"]) - statistics.median(
        per_file["in-process"]
    )
    print(f"  overhead        {overhead * 1e3:8.2f} ms per file")
    print("first file of a fresh process (median):")
    for name, values in cold.items():
        print(f"  {name:15} {statistics.median(values) * 1e3:8.1f} ms")
    print(json.dumps({"per_file": per_file, "cold": cold}))


if __name__ == "__main__":
    main()
