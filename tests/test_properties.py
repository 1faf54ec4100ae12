"""Property-based tests of get / deserialize / serialize and of calling built initializers.

* every valid config is accepted, and ``get(serialize(x)) == x`` (Keras 3 and Keras 2 form);
* arbitrary JSON and mutated configs only ever succeed or raise ``InitializerError``, whose
  records are well formed and point into the input;
* initializers built from valid configs make arrays of the requested shape, in float32.

Example counts scale with ``INITSPEC_FUZZ_EXAMPLES``; ``INITSPEC_FUZZ_RANDOM=1`` randomizes.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import signal
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import initspec
from helpers import config, numpy_value, outcome
from initspec.initializers._calls import resolve_dtype
from initspec.registry import builtin_table
from strategies import (
    RARE_DTYPES,
    fits_dtype,
    fuzz_settings,
    json_values,
    model_dicts,
    mutated_configs,
    nested_shape_of,
    valid_configs,
)

SEED_GENERATOR = {
    "module": "keras.random",
    "class_name": "SeedGenerator",
    "config": {"seed": 11, "name": "seed_generator"},
    "registered_name": None,
}


# --- checking error records ----------------------------------------------------------------


def _floats(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return [value] if isinstance(value, float) else []


def invariant_problems(x: Any) -> list[str]:
    """What is wrong with an initializer built from an accepted config (Keras's rules)."""
    if not isinstance(x, initspec.Initializer):
        return [] if x is None else [f"get() returned {x!r}"]
    cfg = x.get_config()
    problems = [f"non-finite number {f!r}" for f in _floats(cfg) if not math.isfinite(f)]
    if isinstance(x, initspec.RandomUniform) and not cfg["minval"] <= cfg["maxval"]:
        problems.append(f"minval {cfg['minval']!r} > maxval {cfg['maxval']!r}")
    if isinstance(x, (initspec.RandomNormal, initspec.TruncatedNormal)) and cfg["stddev"] < 0:
        problems.append(f"stddev {cfg['stddev']!r} < 0")
    for name in ("value", "window"):  # __numpy__ / __tensor__ values fit their dtype
        spec = cfg.get(name)
        if isinstance(spec, dict) and not fits_dtype(
            spec["config"]["value"], spec["config"]["dtype"]
        ):
            problems.append(f"{name} {spec!r:.80} does not fit its dtype")
    if isinstance(x, initspec.VarianceScaling):
        if not x.scale > 0:
            problems.append(f"scale {x.scale!r} <= 0")
        if x.mode not in ("fan_in", "fan_out", "fan_avg"):
            problems.append(f"mode {x.mode!r}")
        if x.distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            problems.append(f"distribution {x.distribution!r}")
    return problems


# --- valid configs: accepted, and round-trip ----------------------------------------------


def test_strategies_know_every_config_field() -> None:
    # Raises UnknownFieldType for a field, validator or envelope key strategies.py cannot
    # generate (so a new one is noticed here, not silently left out of the fuzzing).
    for entry in builtin_table().entries:
        model_dicts(entry.cls.config_model)
        model_dicts(builtin_table().models[entry.tag])


def _keras2_view(cfg: dict[str, Any], array: bool) -> dict[str, Any]:
    """What a Keras 2 config can carry: a SeedGenerator as its int seed (Keras 2 has no
    SeedGenerator; serialize() writes the seed); an array constant (``array``) is compared
    by _same_array_values instead."""
    out = dict(cfg)
    if isinstance(out.get("seed"), dict):
        out["seed"] = out["seed"]["config"].get("seed")
    if array:
        out["value"] = "<array>"
    return out


def _same_array_values(x: dict[str, Any], y: dict[str, Any]) -> None:
    """A __numpy__/__tensor__ constant written in Keras 2 form (a plain list or number, as
    Keras 2 writes arrays) must hold the same values in the array's own dtype."""
    spec = x.get("value")
    if not isinstance(spec, dict):
        return
    dtype = resolve_dtype(spec["config"]["dtype"])
    # Python integers go into a floating dtype through float64 (ml_dtypes' bfloat16 takes no
    # integer beyond int64 directly), as they do in a JSON reader
    via = np.float64 if dtype.kind not in "biuc" else dtype
    want = np.array(spec["config"]["value"], dtype=via).astype(dtype)
    got = np.array(y["value"], dtype=via).astype(dtype)
    assert got.shape == want.shape
    assert np.array_equal(got, want), (got, want)


def _keras2_possible(x: initspec.Initializer) -> bool:
    cfg = x.get_config()
    has_axes = cfg.get("input_axes") is not None or cfg.get("output_axes") is not None
    value = cfg.get("value")
    dtype = value.get("config", {}).get("dtype", "") if isinstance(value, dict) else ""
    complex_value = str(dtype).startswith("complex")  # Keras 2's JSON lists hold no complex
    return not isinstance(x, initspec.STFT) and not has_axes and not complex_value


# Pinned inputs (regressions and bugs found by these tests; see each comment):
# Keras 2 form of __numpy__ bool / complex constants (JSON-serializable, and accepted back);
@example(config("Constant", value=numpy_value([True, False], "bool")))
@example(config("Constant", value=numpy_value(True, "bool", "__tensor__")))
@example(config("Constant", value=numpy_value(0.0, "complex64")))
# uint64 values near 2**64 mixed with small ones (numpy would coerce the list to float64).
@example(config("Constant", value=numpy_value([0, 2**64 - 1], "uint64")))
# an integer beyond int64 in a bfloat16 array (ml_dtypes takes it only through float64).
@example(config("Constant", value=numpy_value(2**63, "bfloat16")))
@fuzz_settings()
@given(valid_configs())
def test_valid_configs_are_accepted_and_round_trip(cfg: dict[str, Any]) -> None:
    x = outcome(initspec.get, cfg)
    assert isinstance(x, initspec.Initializer), f"a valid config was rejected: {cfg!r}"
    assert initspec.deserialize(copy.deepcopy(cfg)) == x

    keras3 = initspec.serialize(x)
    text = json.dumps(keras3, allow_nan=False)
    assert initspec.get(keras3) == x
    assert initspec.get(json.loads(text)) == x

    if not _keras2_possible(x):
        with pytest.raises(initspec.InitializerError) as info:
            initspec.serialize(x, format="keras2")
        assert {r.type for r in info.value.errors} == {"not_serializable"}
        return
    keras2 = initspec.serialize(x, format="keras2")
    assert set(keras2) == {"class_name", "config"}
    text = json.dumps(keras2, allow_nan=False)
    y = initspec.get(json.loads(text))
    if keras2 == initspec.serialize(y, format="keras2") and y == x:
        return
    # Only a SeedGenerator seed or a __numpy__/__tensor__ value may differ, as Keras 2 has
    # no such objects; everything else must be equal.
    assert type(y) is type(x)
    array = isinstance(x.get_config().get("value"), dict)
    assert _keras2_view(y.get_config(), array) == _keras2_view(x.get_config(), array)
    _same_array_values(x.get_config(), y.get_config())


# Model-valued union members (pydantic serializer warnings).
@example(config("RandomNormal", seed=SEED_GENERATOR))
@example(config("Constant", value=numpy_value([1.0, 2.0], "float32")))
@example(config("STFT", window=numpy_value([1.0, 2.0], "float32")))
@fuzz_settings(0.25)
@given(valid_configs())
def test_get_config_and_serialize_emit_no_warnings(cfg: dict[str, Any]) -> None:
    x = initspec.get(cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.get_config()
        repr(x)
        initspec.serialize(x)


# --- arbitrary input: only InitializerError, with well-formed records -----------------------


# Pinned inputs:
# minval absent, maxval below its default: where does the minval > maxval record point?
@example(config("RandomUniform", maxval=-1))
# minval alone, above the default maxval: must be rejected.
@example(config("RandomUniform", minval=1))
# errors inside a __numpy__ value must point into its "value".
@example(config("Constant", value=numpy_value([[1, 2], [3]], "float32")))
@example(config("Constant", value=numpy_value([True], "float32")))
# keys spelled like the tags initspec's unions insert into pydantic locations.
@example(config("Zeros", **{"#int": 1}))
@example(config("RandomNormal", seed={"class_name": "SeedGenerator", "config": {"#list": 0}}))
# integers beyond the float / int64 range in a __numpy__ value (OverflowError, TypeError).
@example(config("Constant", value=numpy_value([10**400], "float32")))
@example(config("Constant", value=numpy_value(10**400, "complex64")))
@example(config("Constant", value=numpy_value([2**64], "bfloat16")))
# a complex64 value beyond float32 (it would become inf).
@example(config("Constant", value=numpy_value([1e300], "complex64")))
@fuzz_settings(2.0)
@given(mutated_configs())
def test_mutated_configs_raise_only_initializer_error(doc: Any) -> None:
    built = outcome(initspec.get, doc)
    problems = invariant_problems(built)
    assert not problems, f"accepted, but: {problems}"
    outcome(initspec.deserialize, doc)


@fuzz_settings(1.5)
@given(json_values(surrogates=True))
@example({"class_name": "Zeros", "\ud800": None})  # a key pydantic cannot read (found at 20000)
def test_json_values_raise_only_initializer_error(value: Any) -> None:
    built = outcome(initspec.get, value)
    problems = invariant_problems(built)
    assert not problems, f"accepted, but: {problems}"
    outcome(initspec.deserialize, value)


@pytest.mark.parametrize(
    "value",
    [
        None,
        0,
        1.5,
        math.nan,
        True,
        [],
        ["zeros"],
        {},
        "",
        "Initializer",
        {"class_name": None, "config": {}},
        {"class_name": ["Zeros"], "config": {}},
        {"class_name": "Zeros"},
        {"config": {}},
        {"class_name": "Nope", "config": {}, "extra": 1},
        config("RandomNormal", mean=math.nan, stddev=math.inf),
        config("Constant", value=[1.0, -math.inf]),
        config("STFT", window=[math.nan]),
        config("Constant", value=numpy_value([math.nan], "float32")),
    ],
    ids=repr,
)
def test_hand_picked_values_raise_only_initializer_error(value: Any) -> None:
    outcome(initspec.get, value)
    outcome(initspec.deserialize, value)


# --- calling built initializers -------------------------------------------------------------


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


class Picks:
    """Small choices drawn up front (so @example can pin them): ``pick(lo, hi)``."""

    def __init__(self, numbers: list[int]) -> None:
        self.numbers = list(numbers)
        self.i = 0

    def pick(self, low: int, high: int) -> int:
        n = self.numbers[self.i % len(self.numbers)] if self.numbers else 0
        self.i += 1
        return low + n % (high - low + 1)

    def dims(self, rank: int, low: int = 0, high: int = 4) -> tuple[int, ...]:
        return tuple(self.pick(low, high) for _ in range(rank))


PICKS = st.lists(st.integers(0, 2**16), min_size=1, max_size=8)


def call_plan(x: initspec.Initializer, p: Picks) -> tuple[tuple[int, ...], str | None]:
    """A shape this initializer can fill (rank rules), and the error type expected, if any."""
    cfg = x.get_config()
    if isinstance(x, initspec.Orthogonal):
        return p.dims(p.pick(2, 4)), None
    if isinstance(x, initspec.Identity):
        return p.dims(2), None
    if isinstance(x, initspec.STFT):
        window = cfg["window"]
        if isinstance(window, dict):
            window = window["config"]["value"]
        frames = len(window) if isinstance(window, list) else p.pick(0, 6)
        return (frames, p.pick(0, 3), p.pick(2, 5)), None
    if isinstance(x, initspec.Constant):
        value = cfg["value"]
        if isinstance(value, dict):
            value = value["config"]["value"]
        shape = nested_shape_of(value)
        assert shape is not None
        full = p.dims(p.pick(0, 2), 1, 3) + shape  # leading axes: the value broadcasts
        too_big = not fits_dtype(value, "float32")  # rounds to infinity in float32
        return full, "value_does_not_fit" if too_big else None
    if isinstance(x, initspec.VarianceScaling):
        axes_in, axes_out = cfg.get("input_axes"), cfg.get("output_axes")
        if axes_in is not None and axes_out is not None:
            need = max([a + 1 if a >= 0 else -a for a in axes_in + axes_out], default=0)
            if need <= 5:
                return p.dims(p.pick(need, max(need, 4)), 0, 3), None
            return p.dims(p.pick(0, 4)), "invalid_shape"
    return p.dims(p.pick(0, 4)), None


CALL_SECONDS = 5.0  #: a call on these tiny shapes takes milliseconds; more is a hang


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail (TimeoutError) instead of hanging, where SIGALRM exists (POSIX, main thread)."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the call did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


FINITE_LIMIT = 1e37  #: well inside float32 (3.4e38), with room for a 10-sigma draw


def finite_expected(x: initspec.Initializer) -> bool:
    """Whether every value of a float32 result is representable (so must be finite)."""
    cfg = x.get_config()
    if isinstance(x, (initspec.RandomNormal, initspec.TruncatedNormal)):
        return abs(cfg["mean"]) + 10 * cfg["stddev"] < FINITE_LIMIT
    if isinstance(x, initspec.RandomUniform):
        return max(abs(cfg["minval"]), abs(cfg["maxval"])) < FINITE_LIMIT
    if isinstance(x, initspec.VarianceScaling):  # stddev <= sqrt(scale) / 0.8796 (fan >= 1)
        return 10 * math.sqrt(3 * x.scale) / 0.8796 < FINITE_LIMIT
    if isinstance(x, (initspec.Orthogonal, initspec.Identity)):  # |entries| <= |gain|
        return abs(cfg["gain"]) < FINITE_LIMIT
    # STFT: an all-zero window makes 0/0 (NaN), as scipy/Keras do.
    return not isinstance(x, initspec.STFT)


@pytest.mark.parametrize(
    "cfg",
    [
        config("Constant", value=10**400),
        config("Constant", value=[1, -(10**400)]),
        config("RandomUniform", minval=10**400, maxval=10**401),
        config("STFT", window=[0.0, 10**400]),
    ],
)
def test_integers_beyond_the_float_range_are_rejected(cfg: dict[str, Any]) -> None:
    # They once passed validation and raised OverflowError when called.
    with pytest.raises(initspec.InitializerError) as info:
        initspec.get(cfg)
    assert {r.type for r in info.value.errors} == {"out_of_range"}


# Pinned inputs:
# float32 normals with stddev above ~1.8e19 (inf/NaN; TruncatedNormal looping for ever).
@example(config("RandomNormal", stddev=1e20, seed=1), [1])
@example(config("TruncatedNormal", stddev=1e20, seed=1), [1])
@example(config("VarianceScaling", scale=1e39, seed=1), [1])
# a complex constant (no imaginary part: JSON has none) in the default float32.
@example(config("Constant", value=numpy_value(0.0, "complex64")), [0])
# float32's largest as it prints, beyond FLT_MAX but rounding to it.
@example(config("Constant", value=3.4028235e38), [0])
@example(config("Identity", gain=-3.4028235e38), [2])
@example(config("RandomUniform", minval=-3.4028235e38, maxval=3.4028235e38, seed=1), [3])
@fuzz_settings(0.75)
@given(valid_configs(), PICKS)
def test_built_initializers_can_be_called(cfg: dict[str, Any], picks: list[int]) -> None:
    x = initspec.get(cfg)
    shape, expected = call_plan(x, Picks(picks))
    error: initspec.InitializerError | None = None
    with warnings.catch_warnings(), np.errstate(all="ignore"), time_limit(CALL_SECONDS):
        # huge gains overflow float32 (inf, as in Keras); complex arrays lose their
        # imaginary part (there is none) when cast to float32.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        try:
            out = x(shape)
            again = x(shape)
        except initspec.InitializerError as exc:
            error = exc
    if expected is not None:
        assert error is not None, f"expected {expected}"
        assert {r.type for r in error.errors} == {expected}, str(error)
        return
    if error is not None:
        # Parameters beyond float32 (|mean| + 2 stddev > 3.4e38...): refusing is fine.
        assert not finite_expected(x), str(error)
        assert {r.type for r in error.errors} == {"value_does_not_fit"}, str(error)
        return
    assert isinstance(out, np.ndarray)
    assert out.shape == shape
    assert out.dtype == np.float32
    np.testing.assert_array_equal(again, out)  # seeded or not, an instance repeats itself
    if finite_expected(x):
        assert np.isfinite(out).all(), f"non-finite values: {out!r}"


#: Every dtype a built initializer may be asked for.
CALL_DTYPES = (
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "int8",
    "int32",
    "int64",
    "uint8",
    "uint64",
    "bool",
    "complex64",
    "complex128",
)


def _same_values(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> bool:
    """Equal element by element, NaN equal to NaN (an all-zero STFT window gives NaN)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.name == "bfloat16":  # compared exactly as float32
        a, b = a.astype(np.float32), b.astype(np.float32)
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


# Pinned inputs (found by this test):
# a constant beyond float64's integers into bfloat16 (a TypeError from ml_dtypes once).
@example(config("Constant", value=2**64), [0], "bfloat16")
@example(config("Constant", value=numpy_value([2**64 - 1, 0], "uint64")), [0], "bfloat16")
# float16's limit is where rounding overflows: 65519 fits, 65520 does not.
@example(config("Constant", value=65519.0), [1], "float16")
@example(config("Constant", value=[65520, 1]), [1], "float16")
@example(config("RandomUniform", minval=-65519.0, maxval=65519.0, seed=3), [2], "float16")
# empty tensors: no value-range refusal.
@example(config("Constant", value=1e300), [0], "float16")
# a __numpy__ value holds what its dtype holds: 1.2e-45 in float16 is 0.0, which fits int8.
@example(config("Constant", value=numpy_value(1.2028833094944864e-45, "float16")), [0], "int8")
@fuzz_settings(0.75)
@given(valid_configs(), PICKS, st.sampled_from(CALL_DTYPES) | st.sampled_from(RARE_DTYPES))
def test_built_initializers_called_with_any_dtype(
    cfg: dict[str, Any], picks: list[int], dtype: str
) -> None:
    # Only InitializerError escapes, of the types a dtype can cause; a result has the shape
    # and dtype asked for, repeats itself, and an empty one is never refused for its values.
    x = initspec.get(cfg)
    shape, expected = call_plan(x, Picks(picks))
    with warnings.catch_warnings(), np.errstate(all="ignore"), time_limit(CALL_SECONDS):
        warnings.simplefilter("ignore", RuntimeWarning)  # inf from huge normals, as in Keras
        error: initspec.InitializerError | None = None
        try:
            out = x(shape, dtype)
            again = x(shape, dtype)
        except initspec.InitializerError as exc:
            error = exc
    if error is not None:
        types = {r.type for r in error.errors}
        assert types <= {"value_does_not_fit", "unsupported_dtype", expected}, str(error)
        if "value_does_not_fit" in types:
            assert math.prod(shape) > 0, f"an empty tensor was refused: {error}"
        return
    assert expected is None or expected == "value_does_not_fit", f"expected {expected}"
    assert out.shape == shape
    assert out.dtype == resolve_dtype(dtype)
    assert _same_values(again, out)
    if isinstance(x, initspec.Constant) and out.size:
        value = _held_values(x.get_config()["value"])
        assert fits_dtype(value, dtype), f"{value!r:.80} was accepted for {dtype}"


def _held_values(value: Any) -> Any:
    """The numbers a Constant's value holds: a __numpy__/__tensor__ array holds its values in
    its own dtype (1e-45 in float16 is 0.0, which fits int8); JSON has no imaginary parts."""
    if not isinstance(value, dict):
        return value
    spec = resolve_dtype(value["config"]["dtype"])
    via = np.float64 if spec.kind not in "biuc" else spec  # bfloat16 takes big ints via float64
    held = np.array(value["config"]["value"], dtype=via).astype(spec)
    if spec.kind == "c":
        held = held.real
    return held.astype(np.float64).tolist() if spec.kind not in "biu" else held.tolist()


# --- one cast rule for array identifiers and __numpy__ constants -----------------------------

ARRAY_SOURCES = ("float64", "float32", "float16", "int64", "uint64", "int8", "bool", "complex128")


def _array_elements(src: str) -> st.SearchStrategy[Any]:
    """Values of a source dtype, biased to what a cast can change: fractions, NaN,
    infinities, values beyond a narrower dtype's range, imaginary parts."""
    kind = np.dtype(src).kind
    if kind == "b":
        return st.booleans()
    if kind in "iu":
        info = np.iinfo(src)
        edges = [info.min, info.max, 0, 1, 127, 128, 255, 256, -1, 65504, 65520, 2**31, 2**53 + 1]
        edges = [e for e in edges if info.min <= e <= info.max]
        return st.integers(int(info.min), int(info.max)) | st.sampled_from(edges)
    top = float(np.finfo(np.dtype(src).type(0).real.dtype).max)
    special = [math.nan, math.inf, -math.inf, 0.5, -1.5, 255.0, 256.0, 65519.0, 65520.0]
    special += [3.4028235e38, 3.4e38, 2.0**63, 2.0**64, -(2.0**63), top]
    reals = st.floats(-top, top, width=min(64, 8 * np.dtype(src).itemsize)) | st.sampled_from(
        special
    )
    if kind == "c":
        return st.builds(complex, reals, st.sampled_from([0.0, 0.0, 1.0, math.nan]) | reals)
    return reals


def _changed_by_cast(values: np.ndarray[Any, Any], dtype: np.dtype[Any]) -> bool:
    """The oracle, from numpy alone: whether casting ``values`` to ``dtype`` changes one of
    them beyond rounding (an imaginary part dropped, a finite value made infinite, a number
    an integer or bool dtype does not hold exactly)."""
    if values.size == 0:
        return False
    if values.dtype.kind == "c" and dtype_kind_of(dtype) != "c":
        if np.any(values.imag != 0):
            return True
        values = values.real
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cast = values.astype(dtype)
        if dtype_kind_of(dtype) in "fc":
            wide = cast.astype(np.complex128 if dtype.kind == "c" else np.float64)
            parts = (
                [(values.real, wide.real), (values.imag, wide.imag)]
                if values.dtype.kind == "c"
                else [(values, wide)]
            )
            return any(bool(np.any(np.isfinite(v) & ~np.isfinite(c))) for v, c in parts)
        if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
            return True
        back = cast.astype(values.dtype)  # exact for what fits: integers and 0/1 come back
        if values.dtype.kind in "iu" and dtype.kind in "iu":
            return bool(np.any(back != values)) or bool(np.any((values < 0) != (cast < 0)))
        return bool(np.any(back != values))


def dtype_kind_of(dtype: np.dtype[Any]) -> str:
    return "f" if dtype.name == "bfloat16" else dtype.kind


@fuzz_settings(1.0)
@given(
    st.sampled_from(ARRAY_SOURCES).flatmap(
        lambda src: st.tuples(st.just(src), st.lists(_array_elements(src), min_size=0, max_size=6))
    ),
    st.sampled_from(CALL_DTYPES),
)
def test_array_identifiers_and_numpy_constants_follow_one_rule(
    source: tuple[str, list[Any]], dtype: str
) -> None:
    src, items = source
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = np.array(items, dtype=src)
    target = resolve_dtype(dtype)
    changed = _changed_by_cast(values, target)
    results = []
    finite = values.dtype.kind != "c" and bool(np.all(np.isfinite(values.astype(np.float64))))
    makers = [initspec.get(values)]
    if finite and values.size:  # what a config can hold: a __numpy__ value of the same numbers
        makers.append(initspec.Constant(numpy_value(values.tolist(), src)))
    for init in makers:
        error: initspec.InitializerError | None = None
        try:
            results.append(init(values.shape, dtype))
        except initspec.InitializerError as exc:
            error = exc
            results.append(None)
        if error is not None:
            assert [r.type for r in error.errors] == ["value_does_not_fit"], str(error)
    for got in results:
        assert (got is None) == changed, f"{values!r} -> {dtype}: refused={got is None}"
        if got is not None:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = (
                    values.real if values.dtype.kind == "c" and target.kind != "c" else values
                ).astype(target)
            assert _same_values(got, want)


# --- writing into strided views --------------------------------------------------------------


@st.composite
def _views_and_runs(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...], int, int]:
    """A shape, a permutation of its axes, and a run (start, count) of its C-order elements."""
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=4)))
    order = tuple(draw(st.permutations(range(len(shape)))))
    size = math.prod(shape)
    start = draw(st.integers(0, size - 1))
    count = draw(st.integers(1, size - start))
    return shape, order, start, count


@fuzz_settings(0.25)
@given(_views_and_runs(), st.booleans())
def test_write_run_writes_exactly_its_run(
    case: tuple[tuple[int, ...], tuple[int, ...], int, int], reverse: bool
) -> None:
    """``sampling._write_run`` on a permuted (and maybe reversed) view writes the run's
    elements in the view's C order and nothing else."""
    from initspec.sampling import _write_run

    shape, order, start, count = case
    memory = np.full([shape[i] for i in np.argsort(order)], -1.0)
    view = memory.transpose(order)
    if reverse:
        view = view[::-1]
    assert view.shape == shape
    expected = np.full(shape, -1.0)
    values = np.arange(count, dtype=np.float64)
    expected.reshape(-1)[start : start + count] = values
    _write_run(view, start, values)
    assert np.array_equal(view, expected)


@fuzz_settings(0.25)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.data())
def test_views_of_own_memory_never_share_it(shape: list[int], data: st.DataObject) -> None:
    """Slicing with steps and transposing a C array never yields a layout that
    ``shares_memory_within`` calls overlapping; a zero stride on an axis longer than 1 always
    does."""
    from initspec.initializers._calls import shares_memory_within

    base = np.zeros([2 * d for d in shape], np.float32)
    steps = tuple(slice(None, None, data.draw(st.sampled_from([1, 2, -1]))) for _ in shape)
    view = base[steps].transpose(data.draw(st.permutations(range(len(shape)))))
    assert not shares_memory_within(view.shape, view.strides, view.itemsize)
    longer = [i for i, n in enumerate(view.shape) if n > 1]
    if not longer:  # one element: no layout can share
        return
    axis = data.draw(st.sampled_from(longer))
    strides = list(view.strides)
    strides[axis] = 0
    assert shares_memory_within(view.shape, strides, view.itemsize)
