"""The integrations against initspec's own calls, measured side by side and interleaved.

    python benchmarks/integrations.py            # print the table
    python benchmarks/integrations.py --write    # also write benchmarks/RESULTS-integrations.md

- ``initspec.torch.init_`` on a float32 4096x4096 CPU tensor against initspec's own
  ``init(shape, out=...)`` into the same memory: with ``layout="keras"`` (the tensor is the
  Keras tensor) against ``out=buf``, and with ``layout="torch"`` (a ``Linear`` weight
  ``(out, in)``: the Keras kernel ``(in, out)`` transposed) against ``out=weight.numpy().T``
  (the same transposed view). What the transposed layout itself costs is the row of that
  ``out=`` fill against the contiguous one; ``torch.nn.init`` is there for reference. The
  peak of what numpy allocates during ``init_`` of the ``Linear`` weight (``tracemalloc``) is
  printed under the table.
- ``InitializerField``: validating a pydantic model with one such field against ``get(dict)``
  of the same Keras 3 config, per call.

Needs torch (``pip install torch==2.13.0``); the rounds alternate between the tools, and the
medians and their ratios are reported. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pydantic
import torch

# this folder is on sys.path when a script runs from it
from run import GET_DICT_CONFIG
from run import interleaved as run_interleaved

import initspec
import initspec.torch

HERE = Path(__file__).resolve().parent

CONFIG = GET_DICT_CONFIG  # the config run.py's get(dict) rows validate


class Experiment(pydantic.BaseModel):
    kernel: initspec.InitializerField = None


def interleaved(tools: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Median seconds of each tool, timed once per round in turn (run.py's interleaving)."""
    times = run_interleaved(tools, rounds)
    return {name: statistics.median(values) for name, values in times.items()}


def fill_rows(name: str, rounds: int) -> list[tuple[str, str, float, float]]:
    init = initspec.get(name)
    init = type(init).from_config({**init.get_config(), "seed": 1})
    shape = (4096, 4096)
    tensor = torch.empty(shape)
    weight = torch.nn.Linear(4096, 4096).weight
    buffer = np.empty(shape, np.float32)
    transposed = np.empty(shape, np.float32).T  # the layout of a Linear weight's Keras kernel
    peer = {
        "glorot_uniform": torch.nn.init.xavier_uniform_,
        "he_normal": torch.nn.init.kaiming_normal_,
    }
    tools: dict[str, Callable[[], Any]] = {
        "out=": lambda: init(shape, out=buffer),
        "out=.T": lambda: init(shape, out=transposed),
        "keras": lambda: initspec.torch.init_(tensor, init, layout="keras"),
        "torch": lambda: initspec.torch.init_(weight, init),
        "torch.nn.init": lambda: peer[name](tensor),
    }
    t = interleaved(tools, rounds)
    base, base_t = t["out="], t["out=.T"]
    return [
        (f"{name}: init_(tensor, layout='keras')", "init(shape, out=buf)", t["keras"], base),
        (
            f"{name}: init_(Linear weight), layout='torch'",
            "init(shape, out=buf.T)",
            t["torch"],
            base_t,
        ),
        (f"{name}: init(shape, out=buf.T)", "init(shape, out=buf)", base_t, base),
        (
            f"{name}: init(shape, out=buf)",
            f"torch.nn.init.{peer[name].__name__}",
            base,
            t["torch.nn.init"],
        ),
    ]


def peak_bytes(name: str) -> int:
    """The most numpy holds at once (beyond what it held before) while ``init_`` fills a
    4096x4096 ``Linear`` weight, once the workers' scratch space exists."""
    init = initspec.get(name)
    weight = torch.nn.Linear(4096, 4096).weight
    initspec.torch.init_(weight, init)
    tracemalloc.start()
    try:
        initspec.torch.init_(weight, init)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def field_rows(rounds: int) -> list[tuple[str, str, float, float]]:
    batch = 500
    adapter = pydantic.TypeAdapter(initspec.InitializerField)
    data = {"kernel": CONFIG}

    def get() -> None:
        for _ in range(batch):
            initspec.get(CONFIG)

    def model() -> None:
        for _ in range(batch):
            Experiment.model_validate(data)

    def typeadapter() -> None:
        for _ in range(batch):
            adapter.validate_python(CONFIG)

    t = interleaved({"get": get, "model": model, "adapter": typeadapter}, rounds)
    return [
        ("BaseModel with an InitializerField", "get(dict)", t["model"] / batch, t["get"] / batch),
        ("TypeAdapter(InitializerField)", "get(dict)", t["adapter"] / batch, t["get"] / batch),
    ]


def render(rows: list[tuple[str, str, float, float]], rounds: int, peaks: dict[str, int]) -> str:
    lines = [
        "# Integration benchmark results",
        "",
        f"Medians of {rounds} interleaved rounds ({platform.machine()}, "
        f"{torch.get_num_threads()} torch threads, numpy {np.__version__}, torch "
        f"{torch.__version__}, pydantic {pydantic.VERSION}). Times in milliseconds (the field "
        "rows: microseconds per call).",
        "",
        "| measured | against | time | peer's time | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for what, against, ours, theirs in rows:
        scale, unit = (1e6, "us") if ours < 1e-3 else (1e3, "ms")
        lines.append(
            f"| {what} | {against} | {ours * scale:.1f} {unit} | {theirs * scale:.1f} {unit} | "
            f"{ours / theirs:.2f} |"
        )
    lines.append("")
    lines.append(
        "Peak numpy allocation during init_ of the 4096x4096 Linear weight (64 MiB): "
        + ", ".join(f"{name} {peak / 2**20:.2f} MiB" for name, peak in peaks.items())
        + "."
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rows = fill_rows("glorot_uniform", args.rounds) + fill_rows("he_normal", args.rounds)
    rows += field_rows(args.rounds)
    peaks = {name: peak_bytes(name) for name in ("glorot_uniform", "he_normal")}
    text = render(rows, args.rounds, peaks)
    print(text)
    if args.write:
        (HERE / "RESULTS-integrations.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
