"""Thread safety: ``get``, ``register``/``unregister``, ``custom_object_scope``, initializer
calls and ``scan`` from 16 threads at once give what one thread gives.

Every test starts its threads together on a ``threading.Barrier`` and repeats for several
rounds; a thread that does not finish within ``JOIN_SECONDS`` is a deadlock and fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import initspec
from helpers import FIXTURES, fixture_path
from initspec import InitializerError

THREADS = 16
ROUNDS = 4
JOIN_SECONDS = 120  #: every test here takes seconds; a thread still running then is stuck


def in_threads(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    """``work(i)`` for i in range(threads), all started together; results in order. Any
    exception in a thread fails the test (with that thread's exception)."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads
    errors: list[BaseException | None] = [None] * threads

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=JOIN_SECONDS)
            results[i] = work(i)
        except BaseException as exc:
            errors[i] = exc

    pool = [threading.Thread(target=run, args=(i,), name=f"worker-{i}") for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(JOIN_SECONDS)
    stuck = [t.name for t in pool if t.is_alive()]
    assert not stuck, f"threads still running after {JOIN_SECONDS} s (deadlock?): {stuck}"
    for i, error in enumerate(errors):
        if error is not None:
            raise AssertionError(f"thread {i} failed: {error!r}") from error
    return results


def each_in_its_own_order(items: list[Any], func: Callable[[Any], Any]) -> list[list[Any]]:
    """In each of the threads, ``func`` of every item, in an order of that thread's own (a
    shuffle seeded by its index); per thread, the results in the order of ``items``."""

    def work(i: int) -> list[Any]:
        order = list(range(len(items)))
        random.Random(i).shuffle(order)
        got: list[Any] = [None] * len(order)
        for k in order:
            got[k] = func(items[k])
        return got

    return in_threads(work)


def attempt(func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)``, or the InitializerError it raised."""
    try:
        return func(*args)
    except InitializerError as exc:
        return exc


def built_or_error(identifier: Any) -> tuple[Any, ...]:
    """What ``get`` makes of ``identifier``, as comparable data."""
    try:
        built = initspec.get(identifier)
    except InitializerError as exc:
        return ("error", tuple((r.loc, r.type, r.msg) for r in exc.errors))
    if built is None:
        return ("none",)
    return ("ok", type(built).__name__, json.dumps(initspec.serialize(built), sort_keys=True))


def fixture_identifiers() -> list[Any]:
    found: list[Any] = []
    for flavour in ("keras3", "tf_keras"):
        data = json.loads((FIXTURES / flavour / "initializers.json").read_text(encoding="utf-8"))
        found += [case["serialized"] for case in data["cases"]]
        found += [case["name"] for case in data["names"]]
    return found


IDENTIFIERS = [
    *fixture_identifiers(),
    None,
    "zeroz",
    "Initializer",
    {"class_name": "RandomNormal", "config": {"stdev": 1, "seed": True}},
    {"module": "os", "class_name": "system", "config": {}},
    {"class_name": "Constant", "config": {"value": [[1, 2], [3]]}},
    {"class_name": "VarianceScaling", "config": {"mode": "FAN_IN", "scale": -1}},
    {"class_name": "Zeros", "config": {}, "registered_name": "x"},
    [],
    1.5,
]


def test_get_from_16_threads_gives_what_one_thread_gives() -> None:
    expected = [built_or_error(x) for x in IDENTIFIERS]
    assert len(expected) > 100
    assert {e[0] for e in expected} == {"ok", "error", "none"}

    for _ in range(ROUNDS):
        for result in each_in_its_own_order(IDENTIFIERS, built_or_error):
            assert result == expected


def seeded_calls() -> list[tuple[Any, tuple[int, ...], str]]:
    """(initializer, shape, dtype): every built-in, seeded, on shapes spanning several blocks
    of the random stream (65,536 elements) so that two threads share the work."""
    rng = random.Random(0)
    calls: list[tuple[Any, tuple[int, ...], str]] = []
    builders = [
        lambda: initspec.RandomNormal(mean=0.5, stddev=2.0, seed=1),
        lambda: initspec.TruncatedNormal(stddev=0.3, seed=2),
        lambda: initspec.RandomUniform(-3, 5, seed=3),
        lambda: initspec.VarianceScaling(2.0, "fan_avg", "uniform", seed=4),
        lambda: initspec.VarianceScaling(0.5, "fan_out", "untruncated_normal", seed=5),
        lambda: initspec.GlorotNormal(seed=6),
        lambda: initspec.HeUniform(seed=7),
        lambda: initspec.LecunNormal(seed=8),
        lambda: initspec.Orthogonal(gain=1.5, seed=9),
        lambda: initspec.Constant([1.0, 2.0, 3.0]),
        lambda: initspec.Identity(gain=2.0),
        lambda: initspec.STFT(window="hamming"),
        lambda: initspec.Zeros(),
        lambda: initspec.Ones(),
    ]
    for build in builders:
        init = build()
        for dtype in ("float32", "float64"):
            if isinstance(init, initspec.STFT):
                shape: tuple[int, ...] = (rng.randint(2, 40), 1, rng.randint(2, 40))
            elif isinstance(init, initspec.Constant):
                shape = (rng.randint(1, 300), 3)
            elif isinstance(init, initspec.Orthogonal):
                shape = (rng.randint(1, 64), rng.randint(1, 64))  # a QR: keep it small
            elif isinstance(init, initspec.Identity):
                shape = (rng.randint(1, 200), rng.randint(1, 200))
            else:
                shape = (rng.randint(200, 400), rng.randint(300, 500))  # ~2-3 blocks
            calls.append((init, shape, dtype))
    calls.append((initspec.RandomUniform(0, 1000, seed=10), (333, 444), "int32"))
    return calls


def test_initializer_calls_from_16_threads_give_what_one_thread_gives() -> None:
    calls = seeded_calls()
    expected = [init(shape, dtype, threads=1) for init, shape, dtype in calls]
    for (init, shape, dtype), value in zip(calls, expected, strict=True):
        assert np.array_equal(init(shape, dtype, threads=2), value, equal_nan=True)

    def work(i: int) -> int:
        rng = random.Random(i)
        order = list(range(len(calls)))
        rng.shuffle(order)
        for k in order:
            init, shape, dtype = calls[k]
            threads = rng.choice([1, 2])
            if rng.random() < 0.5:
                got = init(shape, dtype, threads=threads)
            else:
                out = np.full(shape, 99, dtype)
                got = init(shape, dtype, out=out, threads=threads)
                assert got is out
            assert np.array_equal(got, expected[k], equal_nan=True), (i, type(init).__name__)
            rows = shape[0] // 2  # a partition: its slice of the same full tensor
            part = init(
                shape,
                dtype,
                partition_shape=(shape[0] - rows, *shape[1:]),
                partition_offset=(rows, *([0] * (len(shape) - 1))),
                threads=threads,
            )
            assert np.array_equal(part, expected[k][rows:], equal_nan=True)
        return len(order)

    for _ in range(ROUNDS):
        assert in_threads(work) == [len(calls)] * THREADS


def test_unseeded_initializers_from_threads_draw_distinct_seeds() -> None:
    def work(i: int) -> list[int]:
        return [initspec.get("glorot_uniform").effective_seed for _ in range(50)]

    seeds = [s for result in in_threads(work) for s in result]
    assert len(set(seeds)) == len(seeds)  # 800 draws of 64 bits: a repeat means shared state


def make_class(name: str, fill: float) -> type[initspec.Initializer[Any]]:
    class Custom(initspec.Initializer[Any]):
        class config_model(initspec.InitializerConfig):
            factor: float = 1.0

        def generate(self, shape: tuple[int, ...], dtype: Any) -> Any:
            return np.full(shape, fill * self.factor, dtype)

    Custom.__name__ = Custom.__qualname__ = name
    return Custom


def test_a_scope_entered_in_one_thread_is_invisible_in_the_others() -> None:
    classes = [make_class("Scoped", float(i)) for i in range(THREADS)]
    inside = threading.Barrier(THREADS)

    def work(i: int) -> list[Any]:
        seen = []
        if i % 2 == 0:  # even threads: each its own class under the same name
            with initspec.custom_object_scope(classes[i]):
                inside.wait(timeout=JOIN_SECONDS)  # every thread is now in or out of a scope
                for _ in range(50):
                    built = initspec.get({"class_name": "Scoped", "config": {"factor": 2.0}})
                    assert type(built) is classes[i], (i, type(built))
                    seen.append(float(built((1,))[0]))
                    assert type(initspec.get("Scoped")) is classes[i]
                inside.wait(timeout=JOIN_SECONDS)
        else:
            inside.wait(timeout=JOIN_SECONDS)
            for _ in range(50):
                with pytest.raises(InitializerError) as excinfo:
                    initspec.get("Scoped")
                assert excinfo.value.errors[0].type == "unknown_name"
                seen.append(None)
            inside.wait(timeout=JOIN_SECONDS)
        with pytest.raises(InitializerError):  # and nothing is left behind
            initspec.get("Scoped")
        return seen

    for _ in range(ROUNDS):
        results = in_threads(work)
        for i, seen in enumerate(results):
            assert seen == ([2.0 * i] * 50 if i % 2 == 0 else [None] * 50)


def test_a_scope_is_per_asyncio_task() -> None:
    classes = [make_class("TaskScoped", float(i)) for i in range(8)]

    async def task(i: int, started: asyncio.Barrier) -> list[bool]:
        seen = []
        with initspec.custom_object_scope(classes[i]):
            await started.wait()
            for _ in range(20):
                seen.append(type(initspec.get("TaskScoped")) is classes[i])
                await asyncio.sleep(0)
        return seen

    async def main() -> list[list[bool]]:
        started = asyncio.Barrier(len(classes))
        return await asyncio.gather(*(task(i, started) for i in range(len(classes))))

    if not hasattr(asyncio, "Barrier"):  # Python 3.10
        pytest.skip("asyncio.Barrier needs Python 3.11")
    assert all(all(seen) for seen in asyncio.run(main()))
    with pytest.raises(InitializerError):
        initspec.get("TaskScoped")


def test_concurrent_registrations_of_distinct_classes_all_land_atomically() -> None:
    per_thread = 4  # 64 classes; every registration rebuilds the validator of the union
    classes = {
        (t, k): make_class(f"Reg{t}x{k}", float(t * 100 + k))
        for t in range(THREADS)
        for k in range(per_thread)
    }
    names = {key: f"conc{key[0]}>Reg{key[0]}x{key[1]}" for key in classes}

    def lookups(rng: random.Random) -> None:
        """Any registered name: unknown, or exactly its class; never anything else."""
        key = rng.choice(list(classes))
        built = attempt(initspec.get, names[key])
        if isinstance(built, InitializerError):
            assert [r.type for r in built.errors] == ["unknown_name"], built
            return
        assert type(built) is classes[key]
        assert float(built((1,))[0]) == key[0] * 100 + key[1]
        if rng.random() < 0.25:  # a config too (it goes through the union's validator)
            config = {
                "class_name": names[key],
                "config": {"factor": 1.0},
                "registered_name": names[key],
            }
            built = attempt(initspec.get, config)
            if isinstance(built, InitializerError):  # unregistered in between
                types = {r.type for r in built.errors}
                assert types <= {"unknown_class_name", "registered_name_mismatch"}, built
            else:
                assert type(built) is classes[key]

    def register_all(t: int) -> None:
        rng = random.Random(t)
        for k in range(per_thread):
            initspec.register(package=f"conc{t}")(classes[(t, k)])
            for _ in range(5):
                lookups(rng)
        assert initspec.get("he_normal") == initspec.HeNormal()  # built-ins untouched

    def unregister_all(t: int) -> None:
        rng = random.Random(-t)
        for k in range(per_thread):
            initspec.unregister(classes[(t, k)])
            for _ in range(5):
                lookups(rng)

    try:
        for _ in range(2):
            in_threads(register_all)
            for key, cls in classes.items():  # every registration landed
                assert type(initspec.get(names[key])) is cls
                assert type(initspec.get(cls.__name__)) is cls  # the short name is unique
            in_threads(unregister_all)
            for key in classes:
                with pytest.raises(InitializerError):
                    initspec.get(names[key])
    finally:
        for cls in classes.values():
            with contextlib.suppress(InitializerError):
                initspec.unregister(cls)


def test_racing_registrations_of_one_name_have_one_winner() -> None:
    contenders = [make_class("Contested", float(i)) for i in range(THREADS)]

    def work(i: int) -> str:
        outcome = attempt(initspec.register(package="race"), contenders[i])
        if isinstance(outcome, InitializerError):
            assert [r.type for r in outcome.errors] == ["invalid_registration"]
            return "lost"
        return "won"

    try:
        for _ in range(ROUNDS):
            outcomes = in_threads(work)
            assert outcomes.count("won") == 1, outcomes
            winner = contenders[outcomes.index("won")]
            assert type(initspec.get("race>Contested")) is winner
            initspec.unregister("race>Contested")
    finally:
        with contextlib.suppress(InitializerError):
            initspec.unregister("race>Contested")


def scan_sources(tmp_path: Path) -> list[Path]:
    sources = [
        fixture_path(f, m, fmt)
        for f in ("keras3", "tf_keras")
        for m in ("rnn", "wrappers")
        for fmt in ("json", "keras", "h5")
    ]
    yaml_doc = tmp_path / "exp.yaml"
    yaml_doc.write_text(
        "a: &r {class_name: RandomNormal, config: {stdev: 1}}\nlayers:\n"
        "  - kernel_initializer: *r\n  - bias_initializer: zeroz\n",
        encoding="utf-8",
    )
    toml_doc = tmp_path / "exp.toml"
    toml_doc.write_text('[a]\nkernel_initializer = "nope"\n', encoding="utf-8")
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"PK\x03\x04 not really")
    return [*sources, yaml_doc, toml_doc, broken]


def scan_result(path: Path) -> Any:
    try:
        return initspec.scan(path).to_dict()
    except InitializerError as exc:
        return [r.to_dict() for r in exc.errors]


def test_concurrent_scans_of_the_same_files_give_identical_reports(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    pytest.importorskip("h5py")
    sources = scan_sources(tmp_path)
    expected = [scan_result(p) for p in sources]

    for _ in range(ROUNDS):
        for result in each_in_its_own_order(sources, scan_result):
            assert result == expected
