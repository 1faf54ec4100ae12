"""`initspec validate` on a generated 5,000-layer model against check-jsonschema on its configs.

    python benchmarks/validate.py            # needs check-jsonschema on PATH for the comparison
    python benchmarks/validate.py --layers 5000 --rounds 5

Both tools run as fresh processes (start-up included), interleaved round after round. The model
is written as Keras 3 writes `model.to_json()`; check-jsonschema gets the same initializer
configs, once as one file per config with `--schemafile schemas/initializer.schema.json`, and
once as a single JSON array checked against a schema whose items are that schema. A
ResNet50-sized model (about 320 initializer configs) is timed against `import keras`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "initializer.schema.json"

KERNELS = ["glorot_uniform", "he_normal", "lecun_normal", "orthogonal"]


def _init(class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "module": "keras.initializers",
        "class_name": class_name,
        "config": config,
        "registered_name": None,
    }


def make_model(layers: int) -> dict[str, Any]:
    """A Functional model config with `layers` layers of a few kinds, as Keras 3 writes it."""
    items: list[dict[str, Any]] = []
    for i in range(layers):
        kind = i % 4
        if kind == 0:
            config = {
                "name": f"dense_{i}",
                "units": 64,
                "activation": "relu",
                "use_bias": True,
                "kernel_initializer": _init(
                    "GlorotUniform", {"seed": i, "input_axes": None, "output_axes": None}
                ),
                "bias_initializer": _init("Zeros", {}),
            }
            layer = {"module": "keras.layers", "class_name": "Dense", "config": config}
        elif kind == 1:
            config = {
                "name": f"conv_{i}",
                "filters": 32,
                "kernel_size": [3, 3],
                "kernel_initializer": _init(
                    "VarianceScaling",
                    {
                        "seed": None,
                        "scale": 2.0,
                        "mode": "fan_in",
                        "distribution": "truncated_normal",
                        "input_axes": None,
                        "output_axes": None,
                    },
                ),
                "bias_initializer": "zeros",
            }
            layer = {"module": "keras.layers", "class_name": "Conv2D", "config": config}
        elif kind == 2:
            config = {
                "name": f"bn_{i}",
                "axis": -1,
                "beta_initializer": _init("Zeros", {}),
                "gamma_initializer": _init("Ones", {}),
                "moving_mean_initializer": _init("Zeros", {}),
                "moving_variance_initializer": _init("Ones", {}),
            }
            layer = {"module": "keras.layers", "class_name": "BatchNormalization", "config": config}
        else:
            config = {
                "name": f"lstm_{i}",
                "units": 16,
                "kernel_initializer": _init(
                    "GlorotUniform", {"seed": None, "input_axes": None, "output_axes": None}
                ),
                "recurrent_initializer": _init("Orthogonal", {"seed": i, "gain": 1.0}),
                "bias_initializer": _init("Zeros", {}),
            }
            layer = {"module": "keras.layers", "class_name": "LSTM", "config": config}
        layer["inbound_nodes"] = [
            {
                "args": [
                    {
                        "class_name": "__keras_tensor__",
                        "config": {
                            "shape": [None, 64],
                            "dtype": "float32",
                            "keras_history": [f"l{i - 1}", 0, 0],
                        },
                    }
                ],
                "kwargs": {},
            }
        ]
        items.append(layer)
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {"name": "generated", "trainable": True, "layers": items},
        "registered_name": "Functional",
    }


def initializer_configs(model: dict[str, Any]) -> list[Any]:
    found = []
    for layer in model["config"]["layers"]:
        found += [v for k, v in layer["config"].items() if k.endswith("initializer")]
    return found


def measure(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of one run, measured by a parent process."""
    # RUSAGE_CHILDREN of a small probe process: the peak RSS of the command it waited for
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "command = json.load(open(sys.argv[1]))\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run(command, stdout=subprocess.DEVNULL).returncode\n"
        "t = time.perf_counter() - t\n"
        "print(t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, rc)"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(command, handle)
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe, handle.name], capture_output=True, text=True, check=True
        )
    finally:
        os.unlink(handle.name)
    wall, rss, rc = done.stdout.split()
    return float(wall), float(rss), int(rc)


def run(commands: dict[str, list[str]], rounds: int) -> dict[str, tuple[float, float, int]]:
    samples: dict[str, list[tuple[float, float, int]]] = {k: [] for k in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            samples[name].append(measure(command))
    return {
        name: (
            statistics.median(s[0] for s in runs),
            statistics.median(s[1] for s in runs),
            runs[-1][2],
        )
        for name, runs in samples.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--layers", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS-validate.md")
    args = parser.parse_args(argv)
    initspec_cmd = [sys.executable, "-m", "initspec", "validate"]
    checker = shutil.which("check-jsonschema") or str(
        Path(sys.executable).with_name("check-jsonschema")
    )
    have_checker = os.path.exists(checker)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = make_model(args.layers)
        (work / "model.json").write_text(json.dumps(model, indent=2))
        configs = initializer_configs(model)
        each = work / "configs"
        each.mkdir()
        for i, config in enumerate(configs):
            (each / f"{i:06d}.json").write_text(json.dumps(config))
        (work / "all.json").write_text(json.dumps(configs))
        schema = json.loads(SCHEMA.read_text())
        wrapper = {
            "$schema": schema["$schema"],
            "type": "array",
            "items": {"anyOf": schema["anyOf"]},
            "$defs": schema["$defs"],
        }
        (work / "array.schema.json").write_text(json.dumps(wrapper))
        resnet = make_model(160)  # ~ ResNet50: about 320 initializer configs
        (work / "resnet.json").write_text(json.dumps(resnet, indent=2))

        commands = {
            f"initspec validate model.json ({len(configs)} configs)": [
                *initspec_cmd,
                str(work / "model.json"),
            ]
        }
        if have_checker:
            files = sorted(str(p) for p in each.iterdir())
            commands[
                "check-jsonschema --schemafile initializer.schema.json, one file per config"
            ] = [checker, "--schemafile", str(SCHEMA), *files]
            commands["check-jsonschema, the configs as one array"] = [
                checker,
                "--schemafile",
                str(work / "array.schema.json"),
                str(work / "all.json"),
            ]
        results = run(commands, args.rounds)
        resnet_configs = len(initializer_configs(resnet))
        small = run(
            {
                f"initspec validate resnet-size model ({resnet_configs} configs)": [
                    *initspec_cmd,
                    str(work / "resnet.json"),
                ],
                "python -c 'import keras' (numpy backend)": [
                    sys.executable,
                    "-c",
                    "import os; os.environ['KERAS_BACKEND']='numpy'; import keras",
                ],
            },
            args.rounds,
        )

    lines = [
        "# `initspec validate` benchmark results",
        "",
        f"Medians of {args.rounds} interleaved runs, each a fresh process (start-up included).",
        "",
        "| command | wall (s) | peak RSS (MB) | exit |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {wall:.3f} | {rss:.0f} | {rc} |"
        for name, (wall, rss, rc) in {**results, **small}.items()
    ]
    ours = next(iter(results.values()))[0]
    lines += [""] + [
        f"- initspec / ({name}): {ours / wall:.3f}"
        for name, (wall, _, _) in list(results.items())[1:]
    ]
    if not have_checker:
        lines.append("\ncheck-jsonschema is not installed: pip install check-jsonschema")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        results = Path(__file__).resolve().parent / "RESULTS-validate.md"
        old = results.read_text(encoding="utf-8") if results.exists() else ""
        cold = old[old.find("## Cold start") :] if "## Cold start" in old else ""
        # the cold-start section is benchmarks/coldstart.py's: kept as it is
        results.write_text(text + ("\n" + cold if cold else ""), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
