"""Initializers as ``dask.array`` arrays: each chunk is made on its own, from its own blocks.

Every chunk is the partition of the full tensor it covers, so computing the array gives exactly
the in-memory result, whatever the chunking and wherever the chunks are computed (threads,
processes, or the workers of a ``dask.distributed`` cluster). Needs the ``dask`` extra.

>>> import initspec, initspec.dask
>>> lazy = initspec.dask.array(initspec.HeNormal(seed=0), (1000, 300), chunks=(256, 300))
>>> bool((lazy.compute() == initspec.HeNormal(seed=0)((1000, 300))).all())
True

A tensor larger than memory goes to disk chunk by chunk, e.g. into zarr or a numpy memmap::

    init = initspec.GlorotUniform(seed=1)
    lazy = initspec.dask.array(init, (200_000, 50_000), chunks=(4096, 50_000))
    lazy.to_zarr("weights.zarr")  # or: dask.array.store(lazy, numpy.memmap(...))
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .initializers._calls import check_shape, resolve_dtype
from .initializers.base import Filler, Initializer

__all__ = ["array"]


def array(
    initializer: Initializer[Any] | Callable[..., Any],
    shape: Sequence[int],
    dtype: Any = None,
    chunks: Any = "auto",
) -> Any:
    """A lazy ``dask.array.Array`` of ``initializer(shape, dtype)``, chunked as ``chunks``.

    ``chunks`` is anything ``dask.array`` accepts ("auto", a chunk shape, explicit sizes).
    Each chunk runs on one thread (``threads=1``); dask provides the parallelism.
    """
    import dask.array as da

    dask_array: Any = da  # dask ships no type information

    if not isinstance(initializer, Filler):
        from .serialization import get

        built = get(initializer)
        if not isinstance(built, Filler):
            raise TypeError("initspec.dask.array needs an initspec initializer or identifier")
        initializer = built
    full = check_shape(shape)
    dt = resolve_dtype(dtype)
    normalized = dask_array.core.normalize_chunks(chunks, full, dtype=dt)
    make = _ChunkMaker(initializer, full, dt)
    return dask_array.map_blocks(
        make, chunks=normalized, dtype=dt, meta=np.empty((0,) * len(full), dt), name=make.name
    )


class _ChunkMaker:
    """Builds one chunk: the partition of the full tensor at the chunk's location (picklable)."""

    def __init__(self, initializer: Filler, shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
        self.initializer = initializer
        self.shape = shape
        self.dtype = dtype
        if isinstance(initializer, Initializer):
            what = repr(initializer.get_config())
        else:  # an array identifier has no config: its values tell it apart
            value = np.asarray(getattr(initializer, "value", None))
            what = hashlib.sha1(value.tobytes(), usedforsecurity=False).hexdigest()
            what += value.dtype.str + repr(value.shape)
        key = (
            type(initializer).__name__,
            what,
            getattr(initializer, "effective_seed", None),
            shape,
            dtype.str,
        )
        digest = hashlib.sha1(repr(key).encode(), usedforsecurity=False).hexdigest()[:16]
        self.name = f"initspec-{type(initializer).__name__}-{digest}"

    def __call__(self, block_info: dict[Any, Any] | None = None) -> np.ndarray[Any, Any]:
        assert block_info is not None
        location = block_info[None]["array-location"]
        offset = tuple(start for start, _ in location)
        part = tuple(stop - start for start, stop in location)
        return self.initializer(
            self.shape, self.dtype, partition_shape=part, partition_offset=offset, threads=1
        )
