"""``initspec.jax``: ``init(key, shape, dtype)`` against real jax, eagerly and under jit/vmap."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

jax = pytest.importorskip("jax", reason="jax is not installed (the test extra has it)")
jnp = jax.numpy

import initspec  # noqa: E402
import initspec.jax as ijax  # noqa: E402
from helpers import first_error  # noqa: E402

IDENTIFIERS: list[Any] = [
    "glorot_uniform",
    "he_normal",
    {"class_name": "TruncatedNormal", "config": {"stddev": 0.02}},
    {"class_name": "Orthogonal", "config": {"gain": 2.0}},
    {"class_name": "VarianceScaling", "config": {"mode": "fan_out", "distribution": "uniform"}},
]


@pytest.mark.parametrize("identifier", IDENTIFIERS, ids=repr)
def test_values_are_initspecs_seeded_from_the_key(identifier: Any) -> None:
    init = ijax.initializer(identifier)
    key = jax.random.key(42)
    values = init(key, (3, 3, 4, 8))
    assert isinstance(values, jax.Array)
    assert values.shape == (3, 3, 4, 8)
    assert values.dtype == jnp.float32
    built = initspec.get(identifier)
    expected = type(built).from_config({**built.get_config(), "seed": ijax.seed_of(key)})
    assert np.array_equal(np.asarray(values), expected((3, 3, 4, 8)))
    assert np.array_equal(np.asarray(init(jax.random.key(42), (3, 3, 4, 8))), np.asarray(values))
    other = init(jax.random.key(43), (3, 3, 4, 8))
    assert not np.array_equal(np.asarray(other), np.asarray(values))


def test_the_key_replaces_a_seed_in_the_config() -> None:
    key = jax.random.key(7)
    a = ijax.initializer({"class_name": "HeNormal", "config": {"seed": 1}})(key, (4, 4))
    b = ijax.initializer({"class_name": "HeNormal", "config": {"seed": 2}})(key, (4, 4))
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert np.array_equal(np.asarray(a), initspec.HeNormal(seed=ijax.seed_of(key))((4, 4)))


def test_legacy_and_typed_keys_and_split_keys() -> None:
    init = ijax.initializer("lecun_normal")
    legacy = jax.random.PRNGKey(0)
    typed = jax.random.key(0)
    assert ijax.seed_of(legacy) == ijax.seed_of(typed)  # the same key data
    assert np.array_equal(np.asarray(init(legacy, (5, 2))), np.asarray(init(typed, (5, 2))))
    k1, k2 = jax.random.split(typed)
    seeds = {ijax.seed_of(k) for k in (typed, k1, k2)}
    assert len(seeds) == 3


def test_under_jit_and_vmap() -> None:
    init = ijax.initializer("glorot_uniform")
    key = jax.random.key(3)
    eager = np.asarray(init(key, (6, 5)))
    jitted = jax.jit(init, static_argnums=(1, 2))
    assert np.array_equal(np.asarray(jitted(key, (6, 5), jnp.float32)), eager)
    keys = jax.random.split(key, 4)
    batched = jax.vmap(lambda k: init(k, (6, 5)))(keys)
    assert batched.shape == (4, 6, 5)
    for i in range(4):
        assert np.array_equal(np.asarray(batched[i]), np.asarray(init(keys[i], (6, 5))))


def test_as_a_flax_style_kernel_init_inside_jit() -> None:
    kernel_init = ijax.initializer("he_uniform")
    bias_init = ijax.initializer("zeros")

    def init_params(key: Any) -> dict[str, Any]:  # what a Flax Dense(8) does for input (.., 3)
        k1, k2 = jax.random.split(key)
        return {
            "kernel": kernel_init(k1, (3, 8), jnp.float32),
            "bias": bias_init(k2, (8,), jnp.float32),
        }

    params = jax.jit(init_params)(jax.random.key(0))
    k1, _ = jax.random.split(jax.random.key(0))
    assert np.array_equal(
        np.asarray(params["kernel"]), initspec.HeUniform(seed=ijax.seed_of(k1))((3, 8))
    )
    assert not np.asarray(params["bias"]).any()
    limit = np.sqrt(6 / 3)  # Keras's fan_in of a dense kernel (in, out) is `in`
    assert np.abs(np.asarray(params["kernel"])).max() <= limit


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_dtypes(dtype: str) -> None:
    key = jax.random.key(5)
    values = ijax.initializer("he_normal")(key, (4, 6), getattr(jnp, dtype))
    assert values.dtype == getattr(jnp, dtype)
    expected = initspec.HeNormal(seed=ijax.seed_of(key))((4, 6), np.dtype(getattr(jnp, dtype)))
    assert np.array_equal(np.asarray(values).astype(np.float32), expected.astype(np.float32))


def test_float64_follows_jax_x64_setting() -> None:
    values = ijax.initializer("ones")(jax.random.key(0), (2,), jnp.float64)
    assert values.dtype == jax.dtypes.canonicalize_dtype(jnp.float64)


@pytest.mark.parametrize(
    ("call", "code", "loc"),
    [
        (lambda: ijax.initializer("glorot_unifrom"), "unknown_name", ()),
        (lambda: ijax.initializer(None), "invalid_identifier", ()),
        (lambda: ijax.initializer(lambda shape, dtype=None: 0), "invalid_identifier", ()),
        (
            lambda: ijax.initializer("orthogonal")(jax.random.key(0), (4,)),
            "invalid_shape",
            ("shape",),
        ),
        (
            lambda: ijax.initializer("he_normal")(jax.random.key(0), (2, 2), jnp.int32),
            "unsupported_dtype",
            ("dtype",),
        ),
        (
            lambda: ijax.initializer("he_normal")(jax.random.key(0), (2, -1)),
            "invalid_shape",
            ("shape", 1),
        ),
        (lambda: ijax.initializer("he_normal")(0, (2, 2)), "invalid_argument", ("key",)),
        (
            lambda: jax.jit(ijax.initializer("orthogonal"), static_argnums=1)(
                jax.random.key(0), (3,)
            ),
            "invalid_shape",
            ("shape",),
        ),
    ],
)
def test_errors_are_initializer_errors(call: Any, code: str, loc: tuple[Any, ...]) -> None:
    assert first_error(call) == (code, loc)
