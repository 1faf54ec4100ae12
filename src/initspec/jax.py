"""initspec for JAX and Flax: Keras initializers with the signature of ``jax.nn.initializers``.

Needs the ``jax`` extra (``pip install "initspec[jax]"``). ``initializer(identifier)`` returns
``init(key, shape, dtype=jnp.float32)``, usable wherever JAX code takes an initializer (Flax's
``kernel_init=``, for one). Its values are those of initspec's initializer seeded with
:func:`seed_of` ``(key)``: a deterministic function of the key's data, different for different
keys (a seed in the identifier's config is replaced by the key's). It works eagerly and under
``jax.jit`` / ``jax.vmap`` (through ``jax.pure_callback``: the values are made on the host, by
numpy). Shapes are Keras's, which Flax shares: a dense kernel is ``(in, out)``, a convolution
kernel ``(*window, in, out)``.

>>> import jax
>>> import initspec, initspec.jax
>>> init = initspec.jax.initializer("glorot_uniform")
>>> key = jax.random.key(0)
>>> kernel = init(key, (3, 4))
>>> kernel.shape, str(kernel.dtype)
((3, 4), 'float32')
>>> seeded = initspec.GlorotUniform(seed=initspec.jax.seed_of(key))((3, 4))
>>> bool((kernel == seeded).all())
True
>>> bool((jax.jit(init, static_argnums=1)(key, (3, 4)) == kernel).all())
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._adapters import initializer_of, require, reseeded
from .errors import InitializerError, describe
from .initializers.base import Filler
from .sampling import derive_seed

if TYPE_CHECKING:
    import jax
    import jax.numpy as jnp
else:
    jax = require("jax", "jax")
    jnp = require("jax.numpy", "jax")

__all__ = ["initializer", "seed_of"]

_LABEL = b"initspec.jax key "


def _key_bits(key: Any) -> Any:
    """The raw ``uint32`` data of a typed key (``jax.random.key``) or a legacy ``PRNGKey``."""
    if isinstance(key, (jax.Array, np.ndarray)) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return jax.random.key_data(key)
    if isinstance(key, (jax.Array, np.ndarray)) and key.dtype == np.uint32 and key.ndim >= 1:
        return key
    raise InitializerError.single(
        ("key",),
        "invalid_argument",
        "key must be a JAX random key (jax.random.key(...) or jax.random.PRNGKey(...)); got "
        f"{describe(key)}",
        repr(key)[:200],
        "the initializer call",
    )


def _seed_of_bits(bits: Any) -> int:
    data = np.ascontiguousarray(np.asarray(bits), dtype="<u4")
    return derive_seed(0, _LABEL + str(data.shape).encode() + data.tobytes())


def seed_of(key: Any) -> int:
    """The initspec seed a JAX key stands for: ``derive_seed`` of the key's data (as
    little-endian ``uint32`` words, with their shape).

    >>> import jax
    >>> seed_of(jax.random.key(1)) == seed_of(jax.random.key(1)) != seed_of(jax.random.key(2))
    True
    """
    return _seed_of_bits(np.asarray(_key_bits(key)))


def initializer(identifier: Any) -> Callable[..., Any]:
    """``init(key, shape, dtype=jnp.float32)`` for the initializer ``identifier`` means.

    The identifier is checked now (an :class:`~initspec.InitializerError` for a bad one);
    the shape and dtype when ``init`` is called, before anything is traced or computed.
    """
    built = initializer_of(identifier, "initspec.jax.initializer")
    if not isinstance(built, Filler):
        raise InitializerError.single(
            (),
            "invalid_identifier",
            "initspec.jax.initializer needs an initspec initializer (it seeds it from the key); "
            f"got {describe(built)}",
            repr(built)[:200],
        )
    base: Filler = built

    def init(key: Any, shape: Sequence[int], dtype: Any = jnp.float32) -> Any:
        requested = jax.dtypes.canonicalize_dtype(dtype)  # float64 -> float32 without x64
        full, np_dtype = base.check_call(shape, requested)
        bits = _key_bits(key)

        def host(data: Any) -> np.ndarray[Any, Any]:
            return reseeded(base, _seed_of_bits(data))(full, np_dtype)

        if isinstance(bits, jax.core.Tracer):
            result = jax.ShapeDtypeStruct(full, requested)  # type: ignore[no-untyped-call]
            return jax.pure_callback(host, result, bits, vmap_method="sequential")
        return jnp.asarray(host(np.asarray(bits)))

    init.__name__ = f"initspec_{type(base).__name__}"
    init.__qualname__ = init.__name__
    init.__doc__ = f"init(key, shape, dtype=jnp.float32): {base!r}, seeded from the key."
    return init
