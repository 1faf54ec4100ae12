"""A cold start: `initspec validate` on one small file against check-jsonschema, and a first get().

    python benchmarks/coldstart.py                  # needs check-jsonschema (or --checker PATH)
    python benchmarks/coldstart.py --rounds 21 --write

Every command runs as a fresh process, interleaved round after round (after one warm-up round
that is not counted), and is timed by this script (wall time, start-up included); medians are
reported with the ratio initspec / check-jsonschema. Both tools read the same file, a Keras
Dense layer config with a kernel and a bias initializer: initspec finds and checks both configs,
check-jsonschema checks them against initspec's published schema (a wrapper schema points the
layer's two keys at it). The floor row is what a tool made of numpy and pydantic pays before its
own work: Python, `import numpy` and one pydantic model built and used. numpy starts with one
OpenBLAS thread, as the `initspec` command starts it; a row shows `import numpy` with OpenBLAS's
default threads (one per CPU), and the baseline runs as it did. Another row validates the layer
with `"seed": null` in its kernel initializer, as Keras writes an unseeded one (a library `get()`
draws its seed when it is built, with the sampler and so numpy; the command, which never calls
what it builds, does not).

Python runs with bytecode caching on (in a temporary PYTHONPYCACHEPREFIX), as for an installed
package, whatever PYTHONDONTWRITEBYTECODE says in this environment.

In a fresh interpreter, the script also times `import initspec`, the first `get()` of a config,
and building the discriminated union that a first `get()` no longer builds, and counts what one
`get()` built (envelopes compiled, the union, config models compiled on their own).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCHEMA = ROOT / "schemas" / "initializer.schema.json"
RESULTS = HERE / "RESULTS-validate.md"
SECTION = "## Cold start"

LAYER = {
    "module": "keras.layers",
    "class_name": "Dense",
    "config": {
        "name": "dense",
        "units": 64,
        "activation": "relu",
        "use_bias": True,
        "kernel_initializer": {
            "module": "keras.initializers",
            "class_name": "GlorotUniform",
            "config": {"seed": 7, "input_axes": None, "output_axes": None},
            "registered_name": None,
        },
        "bias_initializer": {
            "module": "keras.initializers",
            "class_name": "Zeros",
            "config": {},
            "registered_name": None,
        },
    },
    "registered_name": None,
}

FLOOR = "import numpy\nfrom pydantic import BaseModel\nclass M(BaseModel):\n    x: int\nM(x=1)\n"

#: Run in a fresh interpreter: phase times (s) and what was built, as JSON.
FIRST_GET = """
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import initspec
t1, c1 = time.perf_counter(), time.process_time()
config = json.loads(sys.argv[1])
init = initspec.get(config)
t2, c2 = time.perf_counter(), time.process_time()
from initspec.initializers._types import StrictModel
from initspec.registry import table

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

envelopes, union = getattr(table(), "built", (["(all: no per-class envelopes)"], True))
complete = sorted({m.__name__ for m in subclasses(StrictModel) if m.__pydantic_complete__})
t3, c3 = time.perf_counter(), time.process_time()
table().adapter  # what the first get() used to build: the union of all sixteen classes
t4, c4 = time.perf_counter(), time.process_time()
print(json.dumps({"import": t1 - t0, "get": t2 - t1, "union": t4 - t3,
                  "import_cpu": c1 - c0, "get_cpu": c2 - c1, "union_cpu": c4 - c3,
                  "envelopes": list(envelopes), "union_built": union, "complete": complete}))
"""


def _env(cache: str, src: str = str(ROOT / "src")) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("OPENBLAS_NUM_THREADS", None)
    env["PYTHONPYCACHEPREFIX"] = cache
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def wall(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system, every thread) of one run of ``command``."""
    cpu = _cpu()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr.decode()}")
    return seconds, _cpu() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--checker", help="the check-jsonschema executable")
    parser.add_argument(
        "--baseline",
        metavar="SRC",
        help="also time the initspec in this src directory (e.g. `git archive <commit> src`)",
    )
    parser.add_argument("--write", action="store_true", help=f"update {RESULTS.name}")
    args = parser.parse_args(argv)
    checker = (
        args.checker
        or shutil.which("check-jsonschema")
        or str(Path(sys.executable).with_name("check-jsonschema"))
    )
    if not os.path.exists(checker):
        raise SystemExit("check-jsonschema is not installed: pip install check-jsonschema")

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = _env(str(work / "pycache"))
        layer = work / "layer.json"
        layer.write_text(json.dumps(LAYER, indent=2))
        # Keras writes "seed": null for an unseeded initializer: its seed is drawn when it is built
        unseeded = work / "layer-unseeded.json"
        unseeded_layer: Any = json.loads(json.dumps(LAYER))
        unseeded_layer["config"]["kernel_initializer"]["config"]["seed"] = None
        unseeded.write_text(json.dumps(unseeded_layer, indent=2))
        identifier = json.loads(SCHEMA.read_text())
        wrapper = {
            "$schema": identifier["$schema"],
            "type": "object",
            "properties": {
                "config": {
                    "type": "object",
                    "properties": {
                        key: {"$ref": "#/$defs/Identifier"}
                        for key in ("kernel_initializer", "bias_initializer")
                    },
                }
            },
            "$defs": {**identifier["$defs"], "Identifier": {"anyOf": identifier["anyOf"]}},
        }
        wrapped = work / "layer.schema.json"
        wrapped.write_text(json.dumps(wrapper))
        commands = {
            "initspec validate layer.json": [
                sys.executable,
                "-m",
                "initspec",
                "validate",
                str(layer),
            ],
            "check-jsonschema --schemafile (initspec's schema) layer.json": [
                checker,
                "--schemafile",
                str(wrapped),
                str(layer),
            ],
            "floor: python, import numpy, one pydantic model": [sys.executable, "-c", FLOOR],
            "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
            "python -c 'import numpy', OpenBLAS's default threads": [
                sys.executable,
                "-c",
                "import numpy",
            ],
            "python -c pass": [sys.executable, "-c", "pass"],
            'initspec validate layer.json, with "seed": null': [
                sys.executable,
                "-m",
                "initspec",
                "validate",
                str(unseeded),
            ],
        }
        # numpy starts as the initspec command starts it (one OpenBLAS thread), but in the row
        # that shows what that saves and in the baseline (which did not do it)
        one_thread = {**env, "OPENBLAS_NUM_THREADS": "1"}
        envs = dict.fromkeys(commands, one_thread)
        envs["python -c 'import numpy', OpenBLAS's default threads"] = env
        if args.baseline:
            name = f"initspec validate layer.json, baseline {args.baseline}"
            commands[name] = commands["initspec validate layer.json"]
            envs[name] = _env(str(work / "pycache"), str(Path(args.baseline).resolve()))
        samples: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(args.rounds + 1):
            for name, command in commands.items():
                seconds = wall(command, envs[name])
                if round_:  # round 0 writes the bytecode caches
                    samples[name].append(seconds[0])
                    cpu[name].append(seconds[1])

        config = json.dumps(LAYER["config"]["kernel_initializer"])
        runs = {"": env}
        if args.baseline:
            runs["baseline"] = envs[f"initspec validate layer.json, baseline {args.baseline}"]
        phase_runs: dict[str, list[dict[str, Any]]] = {k: [] for k in runs}
        for _ in range(args.rounds):
            for key, run_env in runs.items():
                done = subprocess.run(
                    [sys.executable, "-c", FIRST_GET, config],
                    env=run_env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                phase_runs[key].append(json.loads(done.stdout))

    medians = {name: statistics.median(s) for name, s in samples.items()}
    ours, theirs, floor, numpy_alone, numpy_default = list(medians.values())[:5]
    lines = [
        SECTION,
        "",
        f"`python benchmarks/coldstart.py --rounds {args.rounds}`: medians of {args.rounds} "
        "interleaved rounds, each command a fresh process (start-up included); load average "
        f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
        f"({os.cpu_count()} CPUs).",
        "",
        "| command | median wall (s) | fastest (s) | median CPU (s) |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {medians[name]:.3f} | {min(s):.3f} | {statistics.median(cpu[name]):.3f} |"
        for name, s in samples.items()
    ]
    cpu_ratio = statistics.median(cpu[next(iter(cpu))]) / statistics.median(list(cpu.values())[1])
    null = 'initspec validate layer.json, with "seed": null'
    null_cpu = statistics.median(cpu[null]) / statistics.median(list(cpu.values())[1])
    lines += [
        "",
        f"- initspec validate / check-jsonschema on one small file: {ours / theirs:.2f} "
        f"(CPU time: {cpu_ratio:.2f}); with an unseeded kernel initializer: "
        f"{medians[null] / theirs:.2f} (CPU time: {null_cpu:.2f})",
        f"- the floor / check-jsonschema: {floor / theirs:.2f}",
        f"- import numpy / check-jsonschema: {numpy_alone / theirs:.2f} (with OpenBLAS's "
        f"default threads: {numpy_default / theirs:.2f})",
    ]
    if args.baseline:
        base = medians[f"initspec validate layer.json, baseline {args.baseline}"]
        lines.append(f"- initspec validate / the baseline: {ours / base:.2f}")
    for key, phases in phase_runs.items():
        built = phases[-1]
        lines += [
            "",
            f"A first `get()` in a fresh interpreter{', baseline' if key else ''} "
            f"(medians of {len(phases)}):",
            "",
            "| step | wall ms | CPU ms |",
            "|---|---:|---:|",
        ]
        steps = {
            "import": "`import initspec`",
            "get": "first `get()` of a GlorotUniform config (imports the package and validates)",
            "union": "then building the union of all 16 classes (if not built yet)",
        }
        lines += [
            f"| {label} | {statistics.median(p[step] for p in phases) * 1e3:.1f} "
            f"| {statistics.median(p[step + '_cpu'] for p in phases) * 1e3:.1f} |"
            for step, label in steps.items()
        ]
        lines += [
            "",
            f"Built by that first `get()`: envelopes compiled: {built['envelopes']}; "
            f"union built: {built['union_built']}; pydantic models compiled on their own: "
            f"{len(built['complete'])} {built['complete'] if len(built['complete']) < 4 else ''}",
        ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        kept = old.split(SECTION)[0].rstrip("\n")
        RESULTS.write_text((kept + "\n\n" if kept else "") + text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
