"""initspec.dask: each chunk made on its own equals its part of the in-memory tensor."""

from __future__ import annotations

import numpy as np
import pytest

import initspec

da = pytest.importorskip("dask.array")
initspec_dask = pytest.importorskip("initspec.dask")

CASES = [
    ("HeNormal", {"seed": 3}, (1000, 300), "float32"),
    ("GlorotUniform", {"seed": 4}, (3, 3, 64, 70), "float32"),
    ("TruncatedNormal", {"stddev": 2.0, "seed": 5}, (70_000, 3), "float64"),
    ("RandomUniform", {"minval": 0, "maxval": 10, "seed": 6}, (300, 301), "int32"),
    ("RandomNormal", {"seed": 7}, (130_000,), "float16"),
    ("Orthogonal", {"seed": 8}, (200, 150), "float32"),
    ("Identity", {"gain": 2.0}, (90, 120), "float64"),
    ("Constant", {"value": [1.0, 2.0, 3.0]}, (40, 3), "float32"),
]
CHUNKINGS = ["auto", 1, 7, 64, 65_536, 100_000]
MAX_CHUNKS = 400  # keep the graphs small enough to schedule quickly
# Orthogonal's Q is not separable: every chunk computes the whole QR, so give it few chunks.
MAX_CHUNKS_FOR = {"Orthogonal": 12}


def _chunks(spec: object, shape: tuple[int, ...]) -> object:
    if spec == "auto":
        return "auto"
    assert isinstance(spec, int)
    return tuple(min(spec, d) if d else 1 for d in shape)


@pytest.mark.parametrize(("name", "config", "shape", "dtype"), CASES)
@pytest.mark.parametrize("chunking", CHUNKINGS)
def test_any_chunking_computes_the_in_memory_tensor(
    name: str, config: dict[str, object], shape: tuple[int, ...], dtype: str, chunking: object
) -> None:
    init = initspec.get({"class_name": name, "config": config})
    assert isinstance(init, initspec.Initializer)
    lazy = initspec_dask.array(init, shape, dtype, chunks=_chunks(chunking, shape))
    limit = MAX_CHUNKS_FOR.get(name, MAX_CHUNKS)
    if lazy.npartitions > limit:
        # coarsen the leading axis until the graph is small, keeping the small trailing chunks
        trailing = int(np.prod(lazy.numblocks[1:]))
        lead = max(1, -(-shape[0] * trailing // limit))
        lazy = initspec_dask.array(init, shape, dtype, chunks=(lead, *lazy.chunksize[1:]))
        if lazy.npartitions > limit:
            lazy = initspec_dask.array(init, shape, dtype, chunks=(lead, *shape[1:]))
    assert lazy.shape == shape
    assert lazy.dtype == np.dtype(dtype)
    expected = init(shape, dtype)
    assert lazy.compute(scheduler="threads").tobytes() == expected.tobytes()


def test_uneven_and_explicit_chunks() -> None:
    init = initspec.LecunNormal(seed=1)
    lazy = initspec_dask.array(init, (100, 50), chunks=((10, 40, 50), (7, 43)))
    assert lazy.numblocks == (3, 2)
    assert lazy.compute().tobytes() == init((100, 50)).tobytes()


def test_array_identifiers_are_chunked_apart() -> None:
    # an array identifier has no config: its chunks are told apart by its values
    first, second = np.arange(36.0).reshape(6, 6), -np.arange(36.0).reshape(6, 6)
    lazy = [initspec_dask.array(a, (6, 6), "float64", chunks=(4, 4)) for a in (first, second)]
    assert lazy[0].name != lazy[1].name
    assert np.array_equal((lazy[0] + 2 * lazy[1]).compute(), first + 2 * second)
    built = initspec.get(second)
    assert np.array_equal(initspec_dask.array(built, (6, 6), "float64", chunks=3).compute(), second)


def test_an_identifier_is_accepted_and_unseeded_initializers_stay_consistent() -> None:
    lazy = initspec_dask.array({"class_name": "HeUniform", "config": {"seed": 2}}, (64, 64))
    assert lazy.compute().tobytes() == initspec.HeUniform(seed=2)((64, 64)).tobytes()
    unseeded = initspec.RandomNormal()
    lazy = initspec_dask.array(unseeded, (300, 300), chunks=(100, 100))
    assert lazy.compute().tobytes() == unseeded((300, 300)).tobytes()


def test_store_into_a_memmap_chunk_by_chunk(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    shape = (2048, 1000)
    init = initspec.GlorotNormal(seed=9)
    target = np.memmap(tmp_path / "weights.f32", dtype=np.float32, mode="w+", shape=shape)
    da.store(initspec_dask.array(init, shape, chunks=(256, 1000)), target)
    target.flush()
    reread = np.memmap(tmp_path / "weights.f32", dtype=np.float32, mode="r", shape=shape)
    assert np.array_equal(reread, init(shape))


def test_local_cluster_of_worker_processes() -> None:
    distributed = pytest.importorskip("distributed")
    cases = [c for c in CASES if c[0] in {"HeNormal", "TruncatedNormal", "Orthogonal", "Constant"}]
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        for name, config, shape, dtype in cases:
            init = initspec.get({"class_name": name, "config": config})
            assert isinstance(init, initspec.Initializer)
            lazy = initspec_dask.array(
                init, shape, dtype, chunks=tuple(max(1, d // 3) for d in shape)
            )
            computed = client.compute(lazy).result()
            assert computed.tobytes() == init(shape, dtype).tobytes(), name
            # the chunks really ran on more than one worker process
            where = client.run(lambda: __import__("os").getpid())
            assert len(set(where.values())) == 2
