"""initspec against its peers, measured side by side and interleaved in one run.

    python benchmarks/run.py                 # print the table
    python benchmarks/run.py --write         # also write benchmarks/RESULTS.md
    python benchmarks/run.py --quick         # fewer repeats (a smoke run)

Peers, each when installed: Keras 3 (KERAS_BACKEND=numpy) with the same config, torch.nn.init,
and the physical limit (filling the same array with a constant). For every row the tools are
timed in turn, round after round, and the median of each is reported with the ratio
initspec/peer, so machine noise hits all of them alike. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "numpy")

import numpy as np

import initspec
from initspec import sampling
from initspec.initializers.variance_scaling import compute_fans

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _optional(name: str) -> Any:
    try:
        return __import__(name)
    except Exception:
        return None


torch = _optional("torch")
keras = _optional("keras")


@dataclass
class Row:
    """One benchmark row: initspec's median and each peer's."""

    name: str
    shape: str
    timings: dict[str, list[float]] = field(default_factory=dict)

    def median(self, tool: str) -> float | None:
        values = self.timings.get(tool)
        return statistics.median(values) if values else None


def interleaved(
    tools: dict[str, Callable[[], Any]], rounds: int, batch: int = 1
) -> dict[str, list[float]]:
    """Time each tool once per round, in turn (after one warm-up call each); a round times
    ``batch`` calls in a row and records the time per call (for calls of a few microseconds)."""
    for fn in tools.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(rounds):
        for name, fn in tools.items():
            start = time.perf_counter()
            for _ in range(batch):
                fn()
            times[name].append((time.perf_counter() - start) / batch)
    return times


def spread(a: list[float], b: list[float]) -> tuple[float, float, float] | None:
    """The quartiles of the per-round ratios a/b (measured next to each other, so a slow
    moment of the machine hits both): their median, and how much the noise moved them."""
    if not a or not b:
        return None
    q = statistics.quantiles([x / y for x, y in zip(a, b, strict=True)], n=4)
    return q[0], q[1], q[2]


# --- initializer rows -------------------------------------------------------------------------


def _torch_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The torch weight with the same fans: (out, in, *kernel) for Keras's (*kernel, in, out)."""
    if len(shape) <= 2:
        return shape[::-1]
    return (shape[-1], shape[-2], *shape[:-2])


def _torch_peer(name: str, shape: tuple[int, ...]) -> Callable[[], Any] | None:
    if torch is None:
        return None
    init = torch.nn.init
    weight = torch.empty(_torch_shape(shape))
    fan_in, fan_out = compute_fans(shape)

    def trunc(std: float) -> Callable[[], Any]:
        return lambda: init.trunc_normal_(weight, 0.0, std, -2 * std, 2 * std)

    he = math.sqrt(2.0 / fan_in) / 0.87962566103423978
    glorot = math.sqrt(2.0 / (fan_in + fan_out)) / 0.87962566103423978
    lecun = math.sqrt(1.0 / fan_in) / 0.87962566103423978
    peers: dict[str, Callable[[], Any]] = {
        "RandomUniform": lambda: init.uniform_(weight, -0.05, 0.05),
        "GlorotUniform": lambda: init.xavier_uniform_(weight),
        "HeUniform": lambda: init.kaiming_uniform_(weight, nonlinearity="relu"),
        "LecunUniform": lambda: init.kaiming_uniform_(weight, nonlinearity="linear"),
        "RandomNormal": lambda: init.normal_(weight, 0.0, 0.05),
        "VarianceScaling(untruncated_normal)": lambda: init.kaiming_normal_(
            weight, nonlinearity="linear"
        ),
        "TruncatedNormal": trunc(0.05),
        "HeNormal": trunc(he),
        "GlorotNormal": trunc(glorot),
        "LecunNormal": trunc(lecun),
        "VarianceScaling()": trunc(lecun),
        "Orthogonal": lambda: init.orthogonal_(weight),
        "Identity": lambda: init.eye_(weight),
    }
    return peers.get(name)


CONFIGS: dict[str, dict[str, Any]] = {
    "RandomUniform": {"class_name": "RandomUniform", "config": {"seed": 1}},
    "GlorotUniform": {"class_name": "GlorotUniform", "config": {"seed": 1}},
    "HeUniform": {"class_name": "HeUniform", "config": {"seed": 1}},
    "LecunUniform": {"class_name": "LecunUniform", "config": {"seed": 1}},
    "RandomNormal": {"class_name": "RandomNormal", "config": {"seed": 1}},
    "VarianceScaling(untruncated_normal)": {
        "class_name": "VarianceScaling",
        "config": {"distribution": "untruncated_normal", "seed": 1},
    },
    "TruncatedNormal": {"class_name": "TruncatedNormal", "config": {"seed": 1}},
    "HeNormal": {"class_name": "HeNormal", "config": {"seed": 1}},
    "GlorotNormal": {"class_name": "GlorotNormal", "config": {"seed": 1}},
    "LecunNormal": {"class_name": "LecunNormal", "config": {"seed": 1}},
    "VarianceScaling()": {"class_name": "VarianceScaling", "config": {"seed": 1}},
    "Orthogonal": {"class_name": "Orthogonal", "config": {"seed": 1}},
    "Identity": {"class_name": "Identity", "config": {}},
}


def initializer_row(name: str, shape: tuple[int, ...], rounds: int, batch: int = 1) -> Row:
    ours = initspec.get(CONFIGS[name])
    assert isinstance(ours, initspec.Initializer)
    out = np.empty(shape, np.float32)
    tools: dict[str, Callable[[], Any]] = {
        "initspec": lambda: ours(shape),
        "initspec out=": lambda: ours(shape, out=out),
        "fill (np.full)": lambda: np.full(shape, 0.5, np.float32),
        "fill (in place)": lambda: out.fill(0.5),
    }
    peer = _torch_peer(name, shape)
    if peer is not None:
        tools["torch"] = peer
    if keras is not None:
        theirs = keras.initializers.deserialize(initspec.serialize(ours))
        tools["keras"] = lambda: theirs(shape)
    return Row(name, "x".join(map(str, shape)), interleaved(tools, rounds, batch))


#: The Keras 3 config the get(dict) rows validate (benchmarks/integrations.py uses it too).
GET_DICT_CONFIG: dict[str, Any] = {
    "module": "keras.initializers",
    "class_name": "VarianceScaling",
    "config": {
        "scale": 2.0,
        "mode": "fan_in",
        "distribution": "truncated_normal",
        "seed": 3,
        "input_axes": None,
        "output_axes": None,
    },
    "registered_name": None,
}


def get_dict_row(rounds: int) -> Row:
    config = GET_DICT_CONFIG
    batch = 200

    def ours() -> None:
        for _ in range(batch):
            initspec.get(config)

    tools: dict[str, Callable[[], Any]] = {"initspec": ours}
    if keras is not None:

        def theirs() -> None:
            for _ in range(batch):
                keras.initializers.get(config)

        tools["keras"] = theirs
    times = interleaved(tools, rounds)
    return Row(
        "get(dict) VarianceScaling",
        f"per call (x{batch})",
        {k: [v / batch for v in vs] for k, vs in times.items()},
    )


# --- whole-process measurements -----------------------------------------------------------------


def _child(code: str, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of ``python -c code`` in a fresh process."""
    # VmHWM (the peak resident set of this process image): ru_maxrss would carry the
    # launching process's peak across exec on Linux.
    script = (
        "import time; t = time.perf_counter()\n"
        f"{code}\n"
        "t = time.perf_counter() - t\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(t, int(peak.split()[1]) / 1024)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    wall, rss = done.stdout.split()
    return float(wall), float(rss)


def import_rows(rounds: int) -> list[tuple[str, float, float]]:
    """(what, median seconds, median peak MB) for imports, in interleaved fresh processes."""
    codes = {
        "import numpy, pydantic": "import numpy, pydantic",
        "import initspec": "import initspec",
        "import initspec; get('he_normal')((3,3,16,32))": (
            "import initspec; initspec.get('he_normal')((3, 3, 16, 32))"
        ),
    }
    if keras is not None:
        codes["import keras (numpy backend)"] = "import keras"
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in codes}
    for _ in range(rounds):
        for what, code in codes.items():
            samples[what].append(_child(code, {"KERAS_BACKEND": "numpy"}))
    return [
        (what, statistics.median(s[0] for s in runs), statistics.median(s[1] for s in runs))
        for what, runs in samples.items()
    ]


def memory_ratio(shape: tuple[int, ...]) -> list[tuple[str, float]]:
    """Peak memory traced during one allocating call, as a multiple of the output's size."""
    ratios = []
    for name in ("RandomUniform", "RandomNormal", "TruncatedNormal", "HeNormal"):
        init = initspec.get(CONFIGS[name])
        assert isinstance(init, initspec.Initializer)
        init(shape)
        tracemalloc.start()
        values = init(shape)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        ratios.append((name, peak / values.nbytes))
    return ratios


# --- report -------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1e3:.2f}" if value >= 1e-3 else f"{value * 1e3:.4f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def machine() -> str:
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(
            f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)"
            for i in threadpool_info()
        )
    except ImportError:
        blas = "unknown (threadpoolctl not installed)"
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "\n".join(
        [
            f"- machine: {platform.machine()}, {os.cpu_count()} cores ({model}), "
            f"{platform.system()} {platform.release()}",
            f"- python {platform.python_version()}, numpy {np.__version__}, BLAS: {blas}",
            f"- initspec {initspec.__version__} (sampling stream v{sampling.STREAM_VERSION}, "
            f"{sampling.resolve_threads(None)} threads), torch "
            f"{getattr(torch, '__version__', 'absent')} ({torch.get_num_threads() if torch else 0} "
            f"threads), keras {getattr(keras, '__version__', 'absent')}",
        ]
    )


def render(
    rows: list[Row],
    imports: list[tuple[str, float, float]],
    memory: list[tuple[str, float]],
    rounds: int,
) -> str:
    lines = [
        "# initspec benchmark results",
        "",
        f"Medians of {rounds} interleaved rounds ({30 * rounds} rounds of 20 calls for the "
        "3x3x16x32 rows, timed per call), in milliseconds; ratios are initspec / peer "
        "(below 1 means initspec is faster). `initspec` allocates a new array like Keras; "
        "`initspec out=` fills an existing one like `torch.nn.init`; the fill columns are the "
        "memory-bandwidth limit for the same array (allocating, and in place). `out= / torch` "
        "is the median of the per-round ratios (the two are timed next to each other), and its "
        "quartiles show how much the machine's noise moved it.",
        "",
        machine(),
        "",
        "| initializer | shape | initspec | initspec out= | torch | keras | fill (np.full) "
        "| fill (in place) | out= / torch | (per-round quartiles) | initspec / keras "
        "| initspec / np.full |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ours, ours_out = r.median("initspec"), r.median("initspec out=")
        q = spread(r.timings.get("initspec out=", []), r.timings.get("torch", []))
        per_round = "-" if q is None else f"{q[1]:.2f}"
        quartiles = "-" if q is None else f"{q[0]:.2f}-{q[2]:.2f}"
        lines.append(
            f"| {r.name} | {r.shape} | {_ms(ours)} | {_ms(ours_out)} | {_ms(r.median('torch'))} "
            f"| {_ms(r.median('keras'))} | {_ms(r.median('fill (np.full)'))} "
            f"| {_ms(r.median('fill (in place)'))} | {per_round} "
            f"| {quartiles} | {_ratio(ours, r.median('keras'))} "
            f"| {_ratio(ours, r.median('fill (np.full)'))} |"
        )
    lines += ["", "| import | wall (ms) | peak RSS (MB) |", "|---|---:|---:|"]
    lines += [f"| `{what}` | {sec * 1e3:.0f} | {mb:.1f} |" for what, sec, mb in imports]
    lines += [
        "",
        "| peak traced memory of one allocating call, 4096x4096 float32 | x output |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {ratio:.3f} |" for name, ratio in memory]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="3 rounds, fewer rows")
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    big, conv, small = (4096, 4096), (3, 3, 512, 512), (3, 3, 16, 32)
    names = list(CONFIGS)
    rows = []
    for name in names:
        if name in {"Orthogonal", "Identity"}:
            continue
        for shape in (big, conv):
            rows.append(initializer_row(name, shape, rounds))
            print(f"... {name} {shape}", file=sys.stderr)
    for name in names:  # small calls: the fixed cost of a call, in many short rounds
        if name not in {"Orthogonal", "Identity"}:
            rows.append(initializer_row(name, small, 30 * rounds, batch=20))
            print(f"... {name} {small}", file=sys.stderr)
    rows.append(initializer_row("Orthogonal", (1024, 1024), rounds))
    rows.append(initializer_row("Identity", big, rounds))
    rows.append(get_dict_row(rounds))
    imports = import_rows(max(3, rounds // 2))
    memory = memory_ratio(big)
    text = render(rows, imports, memory, rounds)
    print(text)
    if args.write:
        (HERE / "RESULTS.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
