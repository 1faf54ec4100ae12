"""Every error path: each record's ``type``, ``loc``, ``pointer``, ``msg`` and ``input``.

The pointer is checked against RFC 6901 independently: it is parsed and resolved in the
document that was passed in, and must lead to the offending value (or, for a missing key, to
the object that lacks it).
"""

from __future__ import annotations

import json
import math
import pickle
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pydantic
import pytest
from pydantic import ValidationError

import initspec
import initspec.project
from helpers import MISSING, pointer_of, resolve
from initspec import ErrorRecord, InitializerError
from initspec.initializers import _calls
from initspec.initializers._types import Seed
from initspec.limits import SEED_MAX, SEED_MIN

SEED_GENERATOR = {
    "module": "keras.random",
    "class_name": "SeedGenerator",
    "config": {"seed": 11, "name": "seed_generator"},
    "registered_name": None,
}


# --- helpers ---------------------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a is b or a == b)


def error_from(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> InitializerError:
    with pytest.raises(InitializerError) as info:
        fn(*args, **kwargs)
    err = info.value
    assert isinstance(err, ValueError)
    for rec in err.errors:
        assert isinstance(rec, ErrorRecord)
        assert isinstance(rec.loc, tuple)
        assert rec.pointer == pointer_of(rec.loc)
        assert rec.type in initspec.errors.ERROR_TYPES
        assert rec.msg
        assert str(rec) in str(err)
    return err


def get_error(identifier: Any, **kwargs: Any) -> InitializerError:
    return error_from(initspec.get, identifier, **kwargs)


def only(err: InitializerError) -> ErrorRecord:
    assert len(err.errors) == 1, str(err)
    return err.errors[0]


def check(
    rec: ErrorRecord,
    type_: str,
    loc: tuple[Any, ...],
    *msg_parts: str,
    input_: Any = MISSING,
) -> None:
    assert rec.type == type_, str(rec)
    assert rec.loc == loc, str(rec)
    assert rec.pointer == pointer_of(loc)
    for part in msg_parts:
        assert part in rec.msg, (part, rec.msg)
    if input_ is not MISSING:
        assert same(rec.input, input_), (rec.input, input_)


def check_config_error(
    identifier: Any, type_: str, loc: tuple[Any, ...], *msg_parts: str, input_at_loc: bool = True
) -> ErrorRecord:
    """One record located in ``identifier``; its pointer leads to its input there."""
    err = get_error(identifier)
    assert isinstance(err.__cause__, ValidationError)
    rec = only(err)
    check(rec, type_, loc, *msg_parts)
    if input_at_loc:
        found = resolve(identifier, rec.pointer)
        assert found is not MISSING, f"{rec.pointer} is not in the document"
        assert same(rec.input, found), (rec.input, found)
    return rec


def cfg(class_name: str, **config: Any) -> dict[str, Any]:
    return {"class_name": class_name, "config": config}


def allowed_keys(msg: str) -> set[str]:
    listed = msg.split("(allowed keys:", 1)[1].split(")", 1)[0]
    return {k.strip() for k in listed.split(",")}


# --- invalid identifiers ----------------------------------------------------------------------


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque thing>"


@pytest.mark.parametrize(
    ("identifier", "described"),
    [
        (1, "number 1"),
        (0, "number 0"),
        (-3, "number -3"),
        (1.5, "number 1.5"),
        (float("nan"), "number"),
        (True, "boolean true"),
        (False, "boolean false"),
        ([1], "array"),
        ([], "array"),
        (["zeros"], "array"),
        ((1, 2), "array"),
        (b"zeros", "bytes"),
        (bytearray(b"zeros"), "bytearray"),
        ({1, 2}, "set"),
        (frozenset(), "frozenset"),
        (1 + 2j, "complex"),
        (_Opaque(), "<opaque thing>"),
    ],
    ids=repr,
)
def test_invalid_identifier_type(identifier: Any, described: str) -> None:
    err = get_error(identifier)
    assert err.__cause__ is None
    rec = only(err)
    # The message says what an identifier may be, and what it got.
    check(rec, "invalid_identifier", (), "a name", "config dict", "None", described)
    assert rec.pointer == ""
    if isinstance(identifier, (int, float, list)):
        assert same(rec.input, identifier)
    else:
        assert rec.input == identifier or rec.input == repr(identifier)


@pytest.mark.parametrize("config", [3, [1], None, 2.5, b"x", ("class_name", "Zeros")], ids=repr)
def test_deserialize_needs_a_dict(config: Any) -> None:
    err = error_from(initspec.deserialize, config)
    rec = only(err)
    check(rec, "not_an_object", (), "class_name", "config")
    assert rec.input is config


# --- envelope: class_name, config, top-level keys --------------------------------------------


def test_missing_class_name() -> None:
    rec = check_config_error(
        {"config": {}}, "missing", ("class_name",), "'class_name'", "required", input_at_loc=False
    )
    assert rec.input is None


@pytest.mark.parametrize("value", [3, None, ["Zeros"], {"name": "Zeros"}, True, 1.5], ids=repr)
def test_class_name_not_a_string(value: Any) -> None:
    check_config_error(
        {"class_name": value, "config": {}}, "not_a_string", ("class_name",), "class_name", "string"
    )


@pytest.mark.parametrize(
    ("wrong", "meant"),
    [
        ("RandomNormall", "RandomNormal"),
        ("glorotuniform", "GlorotUniform"),
        ("HENormal", "HeNormal"),
        ("Orthogonl", "Orthogonal"),
        (" Zeros", "Zeros"),
    ],
)
def test_unknown_class_name_suggests(wrong: str, meant: str) -> None:
    rec = check_config_error(
        cfg(wrong), "unknown_class_name", ("class_name",), repr(wrong), "did you mean", repr(meant)
    )
    assert rec.input == wrong


@pytest.mark.parametrize(
    "identifier",
    [
        {"class_name": "RandomNormal"},
        {"class_name": "RandomNormal", "config": None},
        {"module": "keras.initializers", "class_name": "RandomNormal", "registered_name": None},
        {"module": "keras.initializers", "class_name": "RandomNormal", "config": None},
        {"class_name": "normal", "shared_object_id": 3},
    ],
    ids=repr,
)
def test_missing_or_null_config_means_the_defaults(identifier: dict[str, Any]) -> None:
    # Hand-written configs ({"class_name": "HeNormal"}): Keras 3 and tf-keras both build the
    # defaults (checked against real Keras in test_keras_conformance.py).
    before = repr(identifier)
    init = initspec.get(identifier)
    assert type(init) is initspec.RandomNormal
    assert init.get_config() | {"seed": None} == initspec.RandomNormal().get_config()
    assert initspec.deserialize(identifier).config == init.config
    assert repr(identifier) == before


def zeros_class(name: str, fields: dict[str, tuple[Any, Any]]) -> Any:
    """A user initializer class ``name`` (all zeros) whose config model has ``fields``, each
    an (annotation, default) pair."""
    config_model = type(
        f"{name}Config",
        (initspec.InitializerConfig,),
        {
            "__annotations__": {key: annotation for key, (annotation, _) in fields.items()},
            **{key: default for key, (_, default) in fields.items()},
        },
    )

    cls = type(name, (initspec.Initializer,), {"generate": _zeros})
    cls.config_model = config_model
    return cls


def _zeros(self: Any, shape: Any, dtype: Any) -> Any:
    return np.zeros(shape, dtype)


def test_a_user_class_with_required_arguments_still_needs_its_config() -> None:
    class Needs(initspec.Initializer):  # type: ignore[type-arg]
        class config_model(initspec.InitializerConfig):
            factor: float

        def generate(self, shape: Any, dtype: Any) -> Any:
            return np.full(shape, self.factor, dtype)

    for identifier, type_ in (
        ({"class_name": "Needs"}, "missing"),
        ({"class_name": "Needs", "config": None}, "not_an_object"),
    ):
        err = error_from(initspec.get, identifier, custom_objects={"Needs": Needs})
        check(only(err), type_, ("config",), "required arguments (factor)", input_=None)
    init = initspec.get(
        {"class_name": "Needs", "config": {"factor": 2.0}}, custom_objects={"Needs": Needs}
    )
    assert init((2,)).tolist() == [2.0, 2.0]


def test_unknown_class_name_without_config_reports_the_name_only() -> None:
    err = get_error({"class_name": "Nope"})
    assert {(r.type, r.pointer) for r in err.errors} == {("unknown_class_name", "/class_name")}


@pytest.mark.parametrize("config", [[], "defaults", 3, [["seed", 1]], False], ids=repr)
def test_config_not_an_object(config: Any) -> None:
    check_config_error(
        {"class_name": "RandomNormal", "config": config}, "not_an_object", ("config",), "object"
    )


ENVELOPE_KEYS = {"module", "class_name", "config", "registered_name", "shared_object_id"}


@pytest.mark.parametrize(
    ("key", "meant"),
    [("modul", "module"), ("registered", "registered_name"), ("shared_object", "shared_object_id")],
)
@pytest.mark.parametrize("class_name", ["Zeros", "NoSuchInitializer"])
def test_unknown_top_level_key(key: str, meant: str, class_name: str) -> None:
    identifier = {"class_name": class_name, "config": {}, key: "x"}
    err = get_error(identifier)
    [rec] = [r for r in err.errors if r.type == "unknown_key"]
    check(rec, "unknown_key", (key,), repr(key), f"did you mean {meant!r}", input_="x")
    assert allowed_keys(rec.msg) == ENVELOPE_KEYS
    if class_name != "Zeros":  # the unknown class_name is reported as well
        assert {r.type for r in err.errors} == {"unknown_key", "unknown_class_name"}


def test_misspelt_config_key_is_unknown() -> None:
    # Without "config" the defaults would be built; the misspelt key is still an error.
    err = get_error({"class_name": "Zeros", "configs": {}})
    check(only(err), "unknown_key", ("configs",), "did you mean 'config'", input_={})


@pytest.mark.parametrize(
    ("identifier", "loc", "pointer"),
    [
        ({"class_name": "Zeros", "config": {}, "a/b~c": 1}, ("a/b~c",), "/a~1b~0c"),
        ({"class_name": "Zeros", "config": {"m~n/o": 1}}, ("config", "m~n/o"), "/config/m~0n~1o"),
        ({"class_name": "Zeros", "config": {"~1": 1}}, ("config", "~1"), "/config/~01"),
        ({"class_name": "Zeros", "config": {"/": 1}}, ("config", "/"), "/config/~1"),
    ],
)
def test_pointer_escapes_tilde_and_slash(
    identifier: dict[str, Any], loc: tuple[str, ...], pointer: str
) -> None:
    rec = check_config_error(identifier, "unknown_key", loc)
    assert rec.pointer == pointer
    assert rec.input == 1


# --- unknown config keys ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("class_name", "key", "meant", "allowed"),
    [
        ("RandomNormal", "stdev", "stddev", {"mean", "stddev", "seed"}),
        ("TruncatedNormal", "mean_", "mean", {"mean", "stddev", "seed"}),
        ("RandomUniform", "min_val", "minval", {"minval", "maxval", "seed"}),
        (
            "VarianceScaling",
            "distrib",
            "distribution",
            {"scale", "mode", "distribution", "seed", "input_axes", "output_axes"},
        ),
        ("GlorotUniform", "sed", "seed", {"seed", "input_axes", "output_axes"}),
        ("HeNormal", "input_axis", "input_axes", {"seed", "input_axes", "output_axes"}),
        ("Orthogonal", "gian", "gain", {"gain", "seed"}),
        ("Identity", "gains", "gain", {"gain"}),
        ("Constant", "values", "value", {"value"}),
        ("STFT", "windw", "window", {"side", "window", "periodic", "scaling"}),
        ("STFT", "periodc", "periodic", {"side", "window", "periodic", "scaling"}),
    ],
)
def test_unknown_config_key_suggests_and_lists_allowed_keys(
    class_name: str, key: str, meant: str, allowed: set[str]
) -> None:
    rec = check_config_error(
        cfg(class_name, **{key: 1}), "unknown_key", ("config", key), f"did you mean {meant!r}"
    )
    assert allowed_keys(rec.msg) == allowed  # the legacy 'dtype' key is accepted but not listed


def test_unknown_config_key_of_a_config_free_class() -> None:
    rec = check_config_error(cfg("Zeros", value=1), "unknown_key", ("config", "value"))
    assert "allowed keys: none" in rec.msg


def test_keras_only_glorot_keys_are_unknown() -> None:
    rec = check_config_error(cfg("GlorotUniform", scale=1.0), "unknown_key", ("config", "scale"))
    assert allowed_keys(rec.msg) == {"seed", "input_axes", "output_axes"}


# --- wrong types ------------------------------------------------------------------------------

NUMBER_FIELDS = [
    ("RandomNormal", "mean"),
    ("RandomNormal", "stddev"),
    ("TruncatedNormal", "stddev"),
    ("RandomUniform", "minval"),
    ("RandomUniform", "maxval"),
    ("VarianceScaling", "scale"),
    ("Orthogonal", "gain"),
    ("Identity", "gain"),
    ("Constant", "value"),
]
SEEDED = [
    "RandomNormal",
    "TruncatedNormal",
    "RandomUniform",
    "VarianceScaling",
    "GlorotUniform",
    "HeNormal",
    "Orthogonal",
]


@pytest.mark.parametrize(("class_name", "field"), NUMBER_FIELDS)
@pytest.mark.parametrize(
    ("value", "described"),
    [
        (True, "boolean true"),
        (False, "boolean false"),
        (np.True_, "np.True_"),
        ("0.1", 'string "0.1"'),
        ("1", 'string "1"'),
        (None, "null"),
        (b"1", "bytes"),
    ],
    ids=repr,
)
def test_number_field_rejects_non_numbers(
    class_name: str, field: str, value: Any, described: str
) -> None:
    check_config_error(
        cfg(class_name, **{field: value}), "not_a_number", ("config", field), described
    )


@pytest.mark.parametrize("class_name", SEEDED)
@pytest.mark.parametrize(
    ("value", "described"),
    [
        (True, "boolean true"),
        (np.True_, "np.True_"),
        ("3", 'string "3"'),
        (1.0, "number 1.0"),
        (1.5, "number 1.5"),
        ([1], "array"),
    ],
    ids=repr,
)
def test_seed_rejects_non_integers(class_name: str, value: Any, described: str) -> None:
    check_config_error(
        cfg(class_name, seed=value), "not_an_integer", ("config", "seed"), "integer", described
    )


@pytest.mark.parametrize("class_name", [name for name, _ in NUMBER_FIELDS])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")], ids=repr)
def test_nan_and_inf_are_rejected(class_name: str, value: float) -> None:
    field = dict(NUMBER_FIELDS)[class_name]
    rec = check_config_error(
        cfg(class_name, **{field: value}), "not_finite", ("config", field), "finite"
    )
    assert same(rec.input, value)


@pytest.mark.parametrize("seed", [-(2**63) - 1, 2**64, 2**100, -(2**100)])
def test_seed_out_of_range(seed: int) -> None:
    check_config_error(
        cfg("RandomNormal", seed=seed), "out_of_range", ("config", "seed"), "2**63", "2**64"
    )


@pytest.mark.parametrize(
    ("identifier", "loc"),
    [
        (cfg("RandomNormal", seed=2**64), ("config", "seed")),
        (
            cfg("HeNormal", seed={**SEED_GENERATOR, "config": {"seed": -(2**63) - 1}}),
            ("config", "seed", "config", "seed"),
        ),
    ],
)
def test_seed_range_is_written_once(identifier: dict[str, Any], loc: tuple[Any, ...]) -> None:
    """The range in the message is the validator's own bounds, spelt as powers of two."""
    rec = check_config_error(identifier, "out_of_range", loc)
    assert rec.msg.startswith("seed must be in [-2**63, 2**64 - 1]; got number "), rec.msg
    assert (SEED_MIN, SEED_MAX) == (-(2**63), 2**64 - 1)


@pytest.mark.parametrize(
    ("low", "high", "value", "written"),
    [
        (
            -(2**31),
            2**32 - 1,
            2**40,
            "count must be in [-2**31, 2**32 - 1]; got number 1099511627776",
        ),
        (1, 100, 0, "count must be in [1, 100]; got number 0"),
        (-(2**53) + 1, 2**53 + 1, 2**60, "count must be in [-2**53 + 1, 2**53 + 1]; got number"),
    ],
)
def test_a_user_fields_range_is_read_from_its_constraints(
    low: int, high: int, value: int, written: str
) -> None:
    """Both bounds of a ``Field(ge=..., le=...)`` are named, whichever one the value broke."""
    Ranged = zeros_class("Ranged", {"count": (int, pydantic.Field(low, ge=low, le=high))})
    rec = only(error_from(Ranged, count=value))
    check(rec, "out_of_range", ("count",), written, input_=value)


@pytest.mark.parametrize("seed", [-(2**63), 2**64 - 1, 0, -1])
def test_seed_range_bounds_are_accepted(seed: int) -> None:
    assert initspec.get(cfg("RandomNormal", seed=seed)).seed == seed


# --- value rules: sign, ordering --------------------------------------------------------------


@pytest.mark.parametrize("class_name", ["RandomNormal", "TruncatedNormal"])
@pytest.mark.parametrize("stddev", [-0.1, -1, -1e-300])
def test_negative_stddev(class_name: str, stddev: float) -> None:
    check_config_error(
        cfg(class_name, stddev=stddev),
        "out_of_range",
        ("config", "stddev"),
        "stddev",
        ">= 0",
        input_at_loc=False,  # see test_record_input_is_the_value_at_its_pointer
    )
    assert initspec.get(cfg(class_name, stddev=0.0)).stddev == 0.0


@pytest.mark.parametrize("scale", [0, 0.0, -1, -1e-300])
def test_scale_must_be_positive(scale: float) -> None:
    check_config_error(
        cfg("VarianceScaling", scale=scale),
        "out_of_range",
        ("config", "scale"),
        "scale",
        "> 0",
        input_at_loc=False,
    )
    assert initspec.get(cfg("VarianceScaling", scale=1e-300)).scale == 1e-300


@pytest.mark.parametrize(("minval", "maxval"), [(1, 0), (0.5, -0.5), (0.05, 0.049)])
def test_minval_above_maxval(minval: float, maxval: float) -> None:
    rec = check_config_error(
        cfg("RandomUniform", minval=minval, maxval=maxval),
        "minval_above_maxval",
        ("config", "minval"),
        "minval",
        "maxval",
        input_at_loc=False,
    )
    assert str(minval) in rec.msg
    assert str(maxval) in rec.msg
    assert initspec.get(cfg("RandomUniform", minval=maxval, maxval=maxval)).minval == maxval


# --- choices ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "hint"),
    [("FAN_IN", "fan_in"), ("Fan_Out", "fan_out"), ("fanavg", "fan_avg"), ("fan-in", "fan_in")],
)
def test_mode_is_case_sensitive(mode: str, hint: str) -> None:
    rec = check_config_error(
        cfg("VarianceScaling", mode=mode),
        "invalid_choice",
        ("config", "mode"),
        "'fan_in'",
        "'fan_out'",
        "'fan_avg'",
        f"did you mean {hint!r}",
    )
    assert rec.input == mode


@pytest.mark.parametrize("mode", ["", 3, None, True])
def test_mode_wrong_type_or_empty(mode: Any) -> None:
    check_config_error(
        cfg("VarianceScaling", mode=mode), "invalid_choice", ("config", "mode"), "'fan_in'"
    )


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("NORMAL", "truncated_normal"),
        ("Normal", "truncated_normal"),
        ("normal", "truncated_normal"),
        ("UNIFORM", "uniform"),
        ("Truncated_Normal", "truncated_normal"),
        ("UNTRUNCATED_NORMAL", "untruncated_normal"),
    ],
)
def test_distribution_is_lower_cased_and_normal_means_truncated(
    given: str, normalised: str
) -> None:
    init = initspec.get(cfg("VarianceScaling", distribution=given, seed=1))
    assert init.get_config()["distribution"] == normalised
    reference = initspec.VarianceScaling(distribution=normalised, seed=1)
    np.testing.assert_array_equal(init((20, 30)), reference((20, 30)))


@pytest.mark.parametrize("given", ["gaussian", "truncated normal", "normal ", "", 3, None, True])
def test_distribution_rejected(given: Any) -> None:
    check_config_error(
        cfg("VarianceScaling", distribution=given),
        "invalid_choice",
        ("config", "distribution"),
        "'uniform'",
        "'truncated_normal'",
        "'untruncated_normal'",
    )


def test_distribution_near_miss_suggests() -> None:
    rec = check_config_error(
        cfg("VarianceScaling", distribution="truncated normal"),
        "invalid_choice",
        ("config", "distribution"),
    )
    assert "did you mean 'truncated_normal'" in rec.msg


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [("side", "Real", "real"), ("side", "imaginary", "imag"), ("scaling", "dens", "density")],
)
def test_stft_choices(field: str, value: str, hint: str) -> None:
    check_config_error(
        cfg("STFT", **{field: value}),
        "invalid_choice",
        ("config", field),
        f"did you mean {hint!r}",
    )


# --- axes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("class_name", ["VarianceScaling", "GlorotUniform", "HeNormal"])
@pytest.mark.parametrize("field", ["input_axes", "output_axes"])
@pytest.mark.parametrize(
    ("value", "index"),
    [([0.0], 0), ([True], 0), ([0, 1.5], 1), ([0, False], 1), ([[0]], 0), (["0"], 0)],
    ids=repr,
)
def test_axes_items_must_be_integers(
    class_name: str, field: str, value: list[Any], index: int
) -> None:
    check_config_error(
        cfg(class_name, **{field: value}), "not_an_integer", ("config", field, index), "integer"
    )


@pytest.mark.parametrize("value", [0, "0", {"0": 1}, 1.5], ids=repr)
def test_axes_must_be_a_list(value: Any) -> None:
    check_config_error(
        cfg("VarianceScaling", input_axes=value), "not_a_list", ("config", "input_axes")
    )


# --- arrays: Constant values, __numpy__ / __tensor__ ---------------------------------------


@pytest.mark.parametrize(
    ("value", "loc", "type_"),
    [
        ([[1, 2], [3]], (1,), "invalid_value"),
        ([[1, 2], 3], (1,), "invalid_value"),
        ([1, [2]], (0,), "invalid_value"),
        ([[[1], [2]], [[3], [4, 5]]], (1, 1), "invalid_value"),
        ([[1, "x"]], (0, 1), "not_a_number"),
        ([[1, None]], (0, 1), "not_a_number"),
        ([[1, True]], (0, 1), "not_a_number"),
        ([1.0, float("nan")], (1,), "not_finite"),
        ([[1.0], [float("inf")]], (1, 0), "not_finite"),
    ],
    ids=repr,
)
def test_bad_constant_array_is_located_at_the_offending_item(
    value: list[Any], loc: tuple[int, ...], type_: str
) -> None:
    rec = check_config_error(
        cfg("Constant", value=value), type_, ("config", "value", *loc), input_at_loc=False
    )
    where = "value" + "".join(f"[{i}]" for i in loc)
    assert rec.msg.startswith(where + " ")  # "value[1] has 1 items where its siblings have 2 ..."


def _array(class_name: str, value: Any, dtype: Any = "float32") -> dict[str, Any]:
    return {"class_name": class_name, "config": {"value": value, "dtype": dtype}}


@pytest.mark.parametrize("kind", ["__numpy__", "__tensor__"])
@pytest.mark.parametrize(
    ("value", "dtype", "msg_part"),
    [
        ([300], "int8", "int8"),
        (300, "int8", "int8"),
        ([-1], "uint8", "uint8"),
        ([1.5], "int32", "1.5"),
        ([1e40], "float32", "float32"),
        ([70000.0], "float16", "float16"),
        ([2], "bool", "bool"),
        ([2**64], "uint64", "uint64"),
    ],
    ids=repr,
)
def test_array_value_that_does_not_fit_its_dtype(
    kind: str, value: Any, dtype: str, msg_part: str
) -> None:
    check_config_error(
        cfg("Constant", value=_array(kind, value, dtype)),
        "value_does_not_fit",
        ("config", "value", "config", "value"),
        msg_part,
        input_at_loc=False,
    )


@pytest.mark.parametrize(
    ("value", "loc", "type_"),
    [
        ([[1], [2, 3]], (1,), "invalid_value"),
        ([1, "x"], (1,), "not_a_number"),
        ("x", (), "not_a_number"),
    ],
    ids=repr,
)
def test_bad_array_value_inside_numpy_object_is_located_under_its_value_key(
    value: Any, loc: tuple[int, ...], type_: str
) -> None:
    check_config_error(
        cfg("Constant", value=_array("__numpy__", value)),
        type_,
        ("config", "value", "config", "value", *loc),
        input_at_loc=False,
    )


@pytest.mark.parametrize(
    ("spec", "type_", "loc", "hint"),
    [
        (_array("__numpy__", [1], "float"), "invalid_choice", ("config", "dtype"), "float64"),
        (_array("__numpy__", [1], "flaot32"), "invalid_choice", ("config", "dtype"), "float32"),
        (_array("__ndarray__", [1]), "invalid_choice", ("class_name",), "__numpy__"),
        ({"class_name": "__numpy__", "config": {"value": [1]}}, "missing", ("config", "dtype"), ""),
        (
            {**_array("__numpy__", [1]), "extra": 1},
            "unknown_key",
            ("extra",),
            "class_name",
        ),
    ],
    ids=["dtype-float", "dtype-typo", "class-name", "missing-dtype", "extra-key"],
)
def test_malformed_array_object(
    spec: dict[str, Any], type_: str, loc: tuple[str, ...], hint: str
) -> None:
    check_config_error(
        cfg("Constant", value=spec),
        type_,
        ("config", "value", *loc),
        hint,
        input_at_loc=type_ != "missing",
    )


def test_a_dtype_problem_inside_a_config_is_a_config_error_at_its_dtype(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # bfloat16 without ml_dtypes: once an "initializer call" error wrapped in value_error at
    # the array object; a config error at the array's own dtype key, with the install hint
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # import ml_dtypes fails
    # and no dtype resolved by an earlier test is remembered (the cache outlives sys.modules)
    monkeypatch.setattr(_calls, "_RESOLVED", {})
    identifier = cfg("Constant", value=_array("__numpy__", [1.0], "bfloat16"))
    rec = check_config_error(
        identifier, "invalid_dtype", ("config", "value", "config", "dtype"), "ml_dtypes"
    )
    assert rec.msg.startswith("bfloat16 needs the ml_dtypes package")
    assert "initializer call" not in rec.msg
    assert "Value error" not in rec.msg
    with pytest.raises(InitializerError) as info:  # a call: the call's dtype argument
        initspec.Zeros()((2,), "bfloat16")
    assert [(r.type, r.loc) for r in info.value.errors] == [("invalid_dtype", ("dtype",))]


# --- STFT window and periodic -----------------------------------------------------------------


@pytest.mark.parametrize(("window", "hint"), [("hanning", "hann"), ("Hann", "hann")])
def test_unknown_window_name_suggests(window: str, hint: str) -> None:
    check_config_error(
        cfg("STFT", window=window),
        "invalid_choice",
        ("config", "window"),
        "window",
        f"did you mean {hint!r}",
    )


@pytest.mark.parametrize(
    "window", ["kaiser", "gaussian", "chebwin", "dpss", "kaiser_periodic", "general_hamming"]
)
def test_parametric_window_is_rejected_with_advice(window: str) -> None:
    check_config_error(
        cfg("STFT", window=window),
        "invalid_choice",
        ("config", "window"),
        repr(window),
        "parameter",
        "list",
    )


@pytest.mark.parametrize("window", [3, True, 1.5], ids=repr)
def test_window_of_the_wrong_type(window: Any) -> None:
    check_config_error(cfg("STFT", window=window), "invalid_choice", ("config", "window"), "list")


def test_window_list_items_must_be_numbers() -> None:
    check_config_error(
        cfg("STFT", window=[1.0, "a"]),
        "not_a_number",
        ("config", "window", 1),
        input_at_loc=False,
    )


@pytest.mark.parametrize("periodic", [1, 0, "true", None, np.True_], ids=repr)
def test_periodic_must_be_a_bool(periodic: Any) -> None:
    check_config_error(
        cfg("STFT", periodic=periodic), "not_a_boolean", ("config", "periodic"), "true or false"
    )


# --- modules ----------------------------------------------------------------------------------

FORBIDDEN_MODULES = [
    "os",
    "builtins",
    "subprocess",
    "__main__",
    "keras_evil",
    "kerasx",
    "tensorflowx",
    "tf_kerasx.initializers",
    "keras.",
    "keras..initializers",
    ".keras",
    "keras/initializers",
    "keras.initializers;os",
    " keras",
    "keras ",
    "",
    "initspec_probe_never_imported",
    "keras\n",  # `$` in re.match also matches before a final "\n"
    "keras.initializers\n",
    "tensorflow.keras\n",
]


def _imported_since(before: set[str], module: str) -> list[str]:
    """Modules imported since ``before`` that ``module`` (or its top package) could mean."""
    top = module.split(".")[0]
    return [
        m
        for m in set(sys.modules) - before
        if top and (m == module or m.split(".")[0] in {top, "keras", "tf_keras", "tensorflow"})
    ]


@pytest.mark.parametrize("module", FORBIDDEN_MODULES)
def test_forbidden_module(module: str) -> None:
    identifier = {"module": module, "class_name": "Zeros", "config": {}, "registered_name": None}
    initspec.get({**identifier, "module": None})  # warm up initspec's own lazy imports
    before = set(sys.modules)
    rec = check_config_error(identifier, "forbidden_module", ("module",), repr(module), "import")
    assert "keras" in rec.msg  # says what is accepted
    assert not _imported_since(before, module.strip())


@pytest.mark.parametrize(
    "module",
    [
        "keras",
        "keras.initializers",
        "keras.src.initializers.random_initializers",
        "tf_keras.initializers",
        "tensorflow.keras.initializers",
        "keras.initspec_probe_not_a_real_module",
        None,
    ],
)
def test_keras_modules_are_accepted_but_never_imported(module: str | None) -> None:
    identifier = {"module": module, "class_name": "Zeros", "config": {}, "registered_name": None}
    initspec.get({**identifier, "module": None})  # warm up initspec's own lazy imports
    before = set(sys.modules)
    assert type(initspec.get(identifier)) is initspec.Zeros
    assert not _imported_since(before, module or "keras")  # matched, never imported


@pytest.mark.parametrize("module", [3, ["keras"], True], ids=repr)
def test_module_must_be_a_string(module: Any) -> None:
    check_config_error(
        {"module": module, "class_name": "Zeros", "config": {}}, "not_a_string", ("module",)
    )


def test_forbidden_module_of_a_seed_generator() -> None:
    seed = {**SEED_GENERATOR, "module": "os"}
    check_config_error(
        cfg("RandomNormal", seed=seed), "forbidden_module", ("config", "seed", "module"), "'os'"
    )


# --- registered_name and shared_object_id ----------------------------------------------------


@pytest.mark.parametrize("registered", ["Ones", "my_pkg>Zeros", "", 5, "zeroes"], ids=repr)
def test_registered_name_mismatch(registered: Any) -> None:
    identifier = {
        "module": "keras.initializers",
        "class_name": "Zeros",
        "config": {},
        "registered_name": registered,
    }
    check_config_error(
        identifier, "registered_name_mismatch", ("registered_name",), "'Zeros'", "null"
    )


@pytest.mark.parametrize(
    ("value", "type_"),
    [
        (-1, "out_of_range"),
        ("1", "not_an_integer"),
        (True, "not_an_integer"),
        (1.0, "not_an_integer"),
    ],
    ids=repr,
)
def test_bad_shared_object_id(value: Any, type_: str) -> None:
    identifier = {"class_name": "Zeros", "config": {}, "shared_object_id": value}
    check_config_error(identifier, type_, ("shared_object_id",), "shared_object_id")


# --- SeedGenerator seeds ----------------------------------------------------------------------


def _seed_generator(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(json.dumps(SEED_GENERATOR))
    for key, value in changes.items():
        if key.startswith("config."):
            spec["config"][key[7:]] = value
        elif value is MISSING:
            del spec[key]
        else:
            spec[key] = value
    return spec


@pytest.mark.parametrize(
    ("seed", "type_", "loc", "hint"),
    [
        (_seed_generator(**{"config.seed": "x"}), "not_an_integer", ("config", "seed"), "integer"),
        (_seed_generator(**{"config.seed": True}), "not_an_integer", ("config", "seed"), ""),
        (_seed_generator(**{"config.seed": 2**64}), "out_of_range", ("config", "seed"), "2**64"),
        (
            _seed_generator(**{"config.nme": "s"}),
            "unknown_key",
            ("config", "nme"),
            "did you mean 'name'",
        ),
        (_seed_generator(**{"config.name": 3}), "not_a_string", ("config", "name"), "string"),
        (_seed_generator(class_name="SeedGen"), "invalid_choice", ("class_name",), "SeedGenerator"),
        (_seed_generator(config=MISSING), "missing", ("config",), "'config'"),
        (
            _seed_generator(registered_name="x"),
            "registered_name_mismatch",
            ("registered_name",),
            "",
        ),
        (_seed_generator(extra=1), "unknown_key", ("extra",), ""),
    ],
    ids=[
        "seed-str",
        "seed-bool",
        "seed-range",
        "unknown-key",
        "name-int",
        "class-name",
        "no-config",
        "registered-name",
        "extra-key",
    ],
)
def test_bad_seed_generator(
    seed: dict[str, Any], type_: str, loc: tuple[str, ...], hint: str
) -> None:
    check_config_error(
        cfg("RandomNormal", seed=seed),
        type_,
        ("config", "seed", *loc),
        hint,
        input_at_loc=type_ != "missing",
    )


# --- several problems at once -----------------------------------------------------------------


def test_every_problem_of_one_identifier_is_reported_together() -> None:
    identifier = {
        "module": "os",
        "class_name": "RandomNormal",
        "config": {"stdev": 1, "mean": "x", "seed": 2**65},
        "registered_name": "X",
        "shared_object_id": -3,
        "modul": 1,
    }
    err = get_error(identifier)
    assert isinstance(err.__cause__, ValidationError)
    found = {(r.type, r.pointer) for r in err.errors}
    assert found == {
        ("forbidden_module", "/module"),
        ("unknown_key", "/config/stdev"),
        ("not_a_number", "/config/mean"),
        ("out_of_range", "/config/seed"),
        ("registered_name_mismatch", "/registered_name"),
        ("out_of_range", "/shared_object_id"),
        ("unknown_key", "/modul"),
    }
    text = str(err)
    assert text.splitlines()[0] == "7 problems with the initializer identifier:"
    for rec in err.errors:
        assert str(rec) in text
        assert rec.pointer in text
        assert same(rec.input, resolve(identifier, rec.pointer))


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            cfg("RandomNormal", stddev=-1, mean="x"),
            {("out_of_range", "/config/stddev"), ("not_a_number", "/config/mean")},
        ),
        (
            cfg("VarianceScaling", scale=-1, mode="x"),
            {("out_of_range", "/config/scale"), ("invalid_choice", "/config/mode")},
        ),
        (
            cfg("TruncatedNormal", stddev=-1, seed="s"),
            {("out_of_range", "/config/stddev"), ("not_an_integer", "/config/seed")},
        ),
    ],
)
def test_range_problems_are_reported_with_type_problems(
    config: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    """A negative stddev is a problem of its own: another bad field must not hide it."""
    err = get_error(config)
    assert {(r.type, r.pointer) for r in err.errors} == expected


# --- input is the offending value -------------------------------------------------------------

BAD_VALUES_IN_DOCUMENTS = [
    cfg("RandomNormal", stddev=-1),
    cfg("TruncatedNormal", stddev=-0.5),
    cfg("VarianceScaling", scale=0),
    cfg("RandomUniform", minval=1, maxval=0),
    cfg("Constant", value=[[1, 2], [3]]),
    cfg("Constant", value=[[1, 2], 3]),
    cfg("Constant", value=[[1, "x"]]),
    cfg("Constant", value=[1.0, float("nan")]),
    cfg("STFT", window=[1.0, "a"]),
    cfg("Constant", value=_array("__numpy__", [300], "int8")),
    cfg("Constant", value=_array("__tensor__", 2.5, "int32")),
    cfg("Constant", value=_array("__numpy__", [[1], [2, 3]])),
]


@pytest.mark.parametrize("identifier", BAD_VALUES_IN_DOCUMENTS, ids=lambda d: json.dumps(d)[:70])
def test_record_input_is_the_value_at_its_pointer(identifier: dict[str, Any]) -> None:
    """``input`` is the offending value, i.e. what ``pointer`` designates in the document."""
    rec = only(get_error(identifier))
    found = resolve(identifier, rec.pointer)
    assert found is not MISSING, f"{rec.pointer} does not exist in the document"
    assert same(rec.input, found), (rec.pointer, rec.input, found)


# --- union tags never reach a pointer ---------------------------------------------------------

#: (field, annotation, bad value, how many records): a user config model's field, whatever its
#: name, and whatever tag-like keys its data holds. pydantic puts a union member's tag ("#int",
#: "int", "SeedGeneratorSpec"...) into its error locations; user data may hold such keys too.
USER_FIELDS: list[tuple[str, Any, Any, int]] = [
    ("other_seed", int | None, 1.5, 1),
    ("other_seed", Seed, 1.5, 1),
    ("other_seed", Seed, "x", 1),
    ("other_seed", Seed, {"class_name": "SeedGenerator", "config": {"seed": 1.5}}, 1),
    ("other_seed", Seed, {"class_name": "SeedGenerator", "config": {}, "#int": 1}, 1),
    ("other_seed", int | str, [], 2),
    ("other_seed", list[int | dict[str, int]], [{"a": "b"}], 2),
    ("seed", dict[str, int], {"#int": "a"}, 1),
    ("value", list[dict[str, int]], [{"#list": "a"}], 1),
    ("window", dict[str, int], {"#name": 1.5}, 1),
]


@pytest.mark.parametrize(
    ("field", "annotation", "bad", "count"),
    USER_FIELDS,
    ids=[f"{f}-{i}" for i, (f, *_) in enumerate(USER_FIELDS)],
)
def test_no_union_tag_in_a_user_models_pointers(
    field: str, annotation: Any, bad: Any, count: int
) -> None:
    """Every record of a registered class's bad config points at a value of the document."""
    Tagged = zeros_class("Tagged", {field: (annotation, None)})
    initspec.register(package="errors")(Tagged)
    try:
        identifier = {"class_name": "errors>Tagged", "config": {field: bad}}
        err = get_error(identifier)
        checked = error_from(Tagged.from_config, {field: bad})
    finally:
        initspec.unregister(Tagged)
    assert len(err.errors) == count, str(err)
    for rec, prefix in [(r, ("config",)) for r in err.errors] + [(r, ()) for r in checked.errors]:
        assert rec.loc[: len(prefix) + 1] == (*prefix, field), str(rec)
        found = resolve(identifier["config"], pointer_of(rec.loc[len(prefix) :]))
        assert found is not MISSING, f"{rec.pointer} does not exist in the document"
        assert same(rec.input, found), (rec.pointer, rec.input, found)
        assert "#" not in rec.msg.split(";")[0] or "#" in json.dumps(bad), rec.msg
        if rec.type == "unknown_key":  # the keys of the union member the value is
            assert allowed_keys(rec.msg) == {*SEED_GENERATOR, "shared_object_id"}, rec.msg


# --- one wording for every "did you mean" -----------------------------------------------------


def _message_of(action: Callable[[], Any]) -> str:
    """The one message ``action`` fails with (an initializer error's only record, or the text)."""
    with pytest.raises((ValueError, initspec.project.ProjectConfigError)) as info:
        action()
    if isinstance(info.value, InitializerError):
        return only(info.value).msg
    return str(info.value)


#: (what is misspelt, the call, the names its hint must suggest, in order)
MISSPELLINGS: list[tuple[str, Callable[[], Any], list[str]]] = [
    ("config key", lambda: initspec.get(cfg("RandomNormal", stdev=1)), ["stddev"]),
    (
        "string name",
        lambda: initspec.get("glorot_unifrom"),
        ["glorot_uniform", "glorot_uniformV2", "glorot_normal"],
    ),
    (
        "class_name",
        lambda: initspec.get(cfg("Orthgonal")),
        ["Orthogonal", "OrthogonalV2", "orthogonal"],
    ),
    ("envelope key", lambda: initspec.get({"class_name": "Zeros", "modul": "keras"}), ["module"]),
    ("literal", lambda: initspec.get(cfg("STFT", side="rael")), ["real"]),
    ("choice", lambda: initspec.get(cfg("VarianceScaling", distribution="unifrom")), ["uniform"]),
    ("window", lambda: initspec.get(cfg("STFT", window="blackmann")), ["blackman"]),
    ("dtype", lambda: initspec.Zeros()((2,), "flaot32"), ["float32"]),
    ("ambiguous dtype", lambda: initspec.Zeros()((2,), "long"), ["int64", "int32"]),
    ("project key", lambda: initspec.project.parse({"exlude": []}, "p"), ["exclude"]),
    (
        "error type",
        lambda: initspec.project.parse({"per-file-ignores": {"a": ["unknown_nam"]}}, "p"),
        ["unknown_name"],
    ),
]


@pytest.mark.parametrize(
    ("what", "action", "suggested"), MISSPELLINGS, ids=[m[0] for m in MISSPELLINGS]
)
def test_every_hint_is_worded_alike(
    what: str, action: Callable[[], Any], suggested: list[str]
) -> None:
    """Each misspelling ends its clause with "; did you mean 'a'?" ("'a', 'b' or 'c'?")."""
    msg = _message_of(action)
    quoted = [f"'{name}'" for name in suggested]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    assert f"; did you mean {listed}?" in msg, msg
    assert msg.count("did you mean") == 1, msg


@pytest.mark.parametrize(
    ("suggestions", "hint"),
    [
        ([], ""),
        (["x"], "; did you mean 'x'?"),
        (["x", "y"], "; did you mean 'x' or 'y'?"),
        (["x", "y", "z"], "; did you mean 'x', 'y' or 'z'?"),
        (["it's"], '; did you mean "it\'s"?'),
    ],
)
def test_did_you_mean(suggestions: list[str], hint: str) -> None:
    assert initspec.errors.did_you_mean(suggestions) == hint


# --- error object behaviour -------------------------------------------------------------------


def test_error_is_a_value_error_caused_by_pydantic_for_config_problems() -> None:
    err = get_error(cfg("RandomNormal", stddev="x"))
    assert isinstance(err, ValueError)
    assert isinstance(err.__cause__, ValidationError)


@pytest.mark.parametrize("identifier", ["nope", 3, b"zeros"], ids=repr)
def test_errors_found_without_pydantic_have_no_cause(identifier: Any) -> None:
    assert get_error(identifier).__cause__ is None


def test_constructor_errors_are_located_in_the_config() -> None:
    err = error_from(initspec.RandomNormal, stddev="x")
    assert isinstance(err.__cause__, ValidationError)
    check(only(err), "not_a_number", ("stddev",), input_="x")
    err = error_from(initspec.RandomNormal.from_config, {"stdev": 1})
    check(only(err), "unknown_key", ("stdev",), "did you mean 'stddev'", input_=1)


class _Unprintable:
    def __repr__(self) -> str:
        return "<unprintable>"


@pytest.mark.parametrize(
    "value",
    [
        object(),
        _Unprintable(),
        float("nan"),
        float("inf"),
        b"\xff\x00",
        {1: 2},
        {1, 2},
        2**70,
        np.float32(1.5),
        np.arange(3),
        [float("inf")],
        {"a": float("nan")},
        list(range(1000)),
        print,
        (1, 2),
    ],
    ids=lambda v: type(v).__name__,
)
def test_record_to_dict_is_json_even_for_non_json_inputs(value: Any) -> None:
    rec = ErrorRecord(("config", "a/b", 0), "invalid_value", "a message", value)
    data = rec.to_dict()
    text = json.dumps(data, allow_nan=False)  # strict JSON: no NaN/Infinity tokens
    back = json.loads(text)
    assert back["loc"] == ["config", "a/b", 0]
    assert back["pointer"] == "/config/a~1b/0"
    assert back["type"] == "invalid_value"
    assert back["msg"] == "a message"
    assert "input" in back


def test_real_error_records_to_dict_are_json() -> None:
    errors = [
        get_error(cfg("RandomNormal", mean=float("nan"), stdev=1)),
        get_error(object()),
        get_error({"class_name": "Zeros", "config": {}, "modul": b"raw"}),
        error_from(initspec.RandomNormal(seed=1), (2, -1)),
        error_from(initspec.RandomNormal(seed=1), (2,), np.dtype("U3")),
    ]
    for err in errors:
        for rec in err.errors:
            data = json.loads(json.dumps(rec.to_dict(), allow_nan=False))
            assert data["loc"] == list(rec.loc)
            assert data["pointer"] == rec.pointer
            assert data["type"] == rec.type
            assert data["msg"] == rec.msg


class _NotRegistered(initspec.Initializer):
    def generate(self, shape: Any, dtype: Any) -> Any:
        return np.zeros(shape, dtype)


@pytest.mark.parametrize(
    "make",
    [
        lambda: initspec.get(cfg("RandomNormal", stdev=1, mean="x", seed=2**65)),
        lambda: initspec.get("glorot_unifrom"),
        lambda: initspec.get(b"zeros"),
        lambda: initspec.RandomNormal(seed=1)((2, -1)),
        lambda: initspec.RandomNormal(seed=1)((2,), "int32"),
        lambda: initspec.register(package="a>b")(_NotRegistered),
    ],
    ids=["config", "name", "identifier", "shape", "dtype", "registration"],
)
def test_errors_pickle_round_trip(make: Callable[[], Any]) -> None:
    with pytest.raises(InitializerError) as info:
        make()
    err = info.value
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is InitializerError
    assert isinstance(back, ValueError)
    assert back.errors == err.errors
    assert back.subject == err.subject
    assert str(back) == str(err)
    assert [r.pointer for r in back.errors] == [r.pointer for r in err.errors]


# --- call-time errors -------------------------------------------------------------------------


def call_error(init: Any, *args: Any, **kwargs: Any) -> ErrorRecord:
    err = error_from(init, *args, **kwargs)
    assert err.__cause__ is None
    return only(err)


RN = initspec.RandomNormal(seed=1)


@pytest.mark.parametrize(
    ("shape", "loc", "input_"),
    [
        ((-1, 2), ("shape", 0), -1),
        ((2, -5), ("shape", 1), -5),
        ((True, 2), ("shape", 0), True),
        ((2, np.True_), ("shape", 1), np.True_),
        ((2.0, 2), ("shape", 0), 2.0),
        ((2, 2.5), ("shape", 1), 2.5),
        ((None, 2), ("shape", 0), None),
        ((2, "3"), ("shape", 1), "3"),
        ("3,3", ("shape",), "3,3"),
        (b"\x02\x03", ("shape",), b"\x02\x03"),
        (3, ("shape",), 3),
        (3.0, ("shape",), 3.0),
        (None, ("shape",), None),
        ({2: 3}, ("shape",), {2: 3}),
        ({2, 3}, ("shape",), {2, 3}),
    ],
    ids=repr,
)
def test_bad_shape(shape: Any, loc: tuple[Any, ...], input_: Any) -> None:
    rec = call_error(RN, shape)
    check(rec, "invalid_shape", loc, input_=input_)
    assert "non-negative" in rec.msg


def test_too_many_dimensions() -> None:
    check(call_error(RN, (1,) * 65), "invalid_shape", ("shape",), "64")


@pytest.mark.parametrize(
    ("dtype", "hint"),
    [
        ("float", "did you mean 'float64'"),
        ("flaot32", "did you mean 'float32'"),
        ("float64 ", "did you mean 'float64'"),
        ("Float32", "did you mean 'float32'"),
        (3, "float32"),
        (object, "float32"),
        (np.dtype("U3"), "float32"),
    ],
    ids=repr,
)
def test_unknown_dtype(dtype: Any, hint: str) -> None:
    rec = call_error(RN, (2,), dtype)
    check(rec, "invalid_dtype", ("dtype",), hint, input_=dtype)


@pytest.mark.parametrize("dtype", [float, int, bool, complex])
def test_python_type_as_dtype_is_ambiguous(dtype: type) -> None:
    rec = call_error(RN, (2,), dtype)
    check(rec, "invalid_dtype", ("dtype",), "ambiguous", f"Python's {dtype.__name__}")
    assert rec.input is dtype


@pytest.mark.parametrize(
    ("init", "dtype"),
    [
        (initspec.RandomNormal(seed=1), "int32"),
        (initspec.RandomNormal(seed=1), "bool"),
        (initspec.RandomNormal(seed=1), "complex64"),
        (initspec.TruncatedNormal(seed=1), "uint8"),
        (initspec.GlorotUniform(seed=1), "int8"),
        (initspec.VarianceScaling(seed=1), "int64"),
        (initspec.Orthogonal(seed=1), "int32"),
        (initspec.Identity(), "int32"),
        (initspec.STFT(), "int16"),
        (initspec.RandomUniform(seed=1), "bool"),
        (initspec.RandomUniform(seed=1), "complex128"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_unsupported_dtype_kind(init: Any, dtype: str) -> None:
    shape = (4, 1, 3) if isinstance(init, initspec.STFT) else (3, 3)
    rec = call_error(init, shape, dtype)
    check(rec, "unsupported_dtype", ("dtype",), type(init).__name__, dtype, input_=dtype)
    assert "floating" in rec.msg  # says what it can make


def test_random_uniform_integer_dtype_needs_integer_bounds() -> None:
    rec = call_error(initspec.RandomUniform(-0.5, 0.5, seed=1), (3,), "int32")
    check(rec, "unsupported_dtype", ("dtype",), "integer", "minval", input_="int32")
    rec = call_error(initspec.RandomUniform(0, 1000, seed=1), (3,), "int8")
    check(rec, "value_does_not_fit", ("dtype",), "int8", input_="int8")


@pytest.mark.parametrize(
    ("value", "dtype"),
    [(300, "int8"), (-1, "uint8"), (1.5, "int32"), (2, "bool"), (1e39, "float32")],
)
def test_constant_must_fit_the_dtype(value: float, dtype: str) -> None:
    rec = call_error(initspec.Constant(value), (2,), dtype)
    check(rec, "value_does_not_fit", ("dtype",), dtype, input_=dtype)


@pytest.mark.parametrize(
    ("init", "shape", "type_", "loc"),
    [
        (initspec.Identity(), (2, 2, 2), "invalid_shape", ("shape",)),
        (initspec.Identity(), (4,), "invalid_shape", ("shape",)),
        (initspec.Orthogonal(seed=1), (4,), "invalid_shape", ("shape",)),
        (initspec.Orthogonal(seed=1), (), "invalid_shape", ("shape",)),
        (initspec.STFT(), (4, 1, 1), "invalid_shape", ("shape",)),
        (initspec.STFT(), (4, 3), "invalid_shape", ("shape",)),
        (initspec.Constant([1.0, 2.0, 3.0]), (2, 2), "shape_mismatch", ("shape",)),
        (initspec.STFT(window=[1.0, 2.0]), (4, 1, 3), "shape_mismatch", ("window",)),
        (
            initspec.VarianceScaling(input_axes=[5], output_axes=[0], seed=1),
            (2, 3),
            "invalid_shape",
            ("input_axes", 0),
        ),
        (
            initspec.HeNormal(input_axes=[0], output_axes=[1, -3], seed=1),
            (2, 3),
            "invalid_shape",
            ("output_axes", 1),
        ),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_shape_the_initializer_cannot_fill(
    init: Any, shape: tuple[int, ...], type_: str, loc: tuple[Any, ...]
) -> None:
    check(call_error(init, shape), type_, loc, str(shape) if type_ == "invalid_shape" else "")


def test_array_identifier_rejects_other_shapes() -> None:
    init = initspec.get(np.zeros((2, 3)))
    for shape in [(3, 2), (6,), (2, 3, 1), ()]:
        rec = call_error(init, shape)
        check(rec, "shape_mismatch", ("shape",), "(2, 3)", input_=list(shape))


@pytest.mark.parametrize(
    ("kwargs", "type_", "loc", "hint"),
    [
        ({"partition_shape": (2, 4)}, "invalid_partition", ("partition_offset",), "both"),
        ({"partition_offset": (2, 0)}, "invalid_partition", ("partition_shape",), "both"),
        (
            {"partition_shape": (2, 4), "partition_offset": (3, 0)},
            "invalid_partition",
            ("partition_offset", 0),
            "[3, 5)",
        ),
        (
            {"partition_shape": (2, 4), "partition_offset": (0, 1)},
            "invalid_partition",
            ("partition_offset", 1),
            "[1, 5)",
        ),
        (
            {"partition_shape": (2, 4), "partition_offset": (0,)},
            "invalid_partition",
            ("partition_offset",),
            "rank",
        ),
        (
            {"partition_shape": (2,), "partition_offset": (0, 0)},
            "invalid_partition",
            ("partition_shape",),
            "rank",
        ),
        (
            {"partition_shape": (2, 4, 1), "partition_offset": (0, 0, 0)},
            "invalid_partition",
            ("partition_shape",),
            "rank",
        ),
        (
            {"partition_shape": (2, -1), "partition_offset": (0, 0)},
            "invalid_shape",
            ("partition_shape", 1),
            "non-negative",
        ),
        (
            {"partition_shape": (2, 2), "partition_offset": (0, 1.0)},
            "invalid_shape",
            ("partition_offset", 1),
            "integer",
        ),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_bad_partition(kwargs: dict[str, Any], type_: str, loc: tuple[Any, ...], hint: str) -> None:
    check(call_error(RN, (4, 4), **kwargs), type_, loc, hint)


def _read_only() -> np.ndarray[Any, Any]:
    out = np.zeros((2, 2), np.float32)
    out.flags.writeable = False
    return out


def _self_overlapping() -> np.ndarray[Any, Any]:
    """A writeable view whose two rows are one row of memory."""
    row = np.zeros(2, np.float32)
    return np.lib.stride_tricks.as_strided(row, shape=(2, 2), strides=(0, 4))


@pytest.mark.parametrize(
    ("out", "dtype", "hint"),
    [
        (np.zeros((3, 2), np.float32), None, "shape (3, 2)"),
        (np.zeros((2, 2), np.float64), "float32", "dtype float64"),
        (_self_overlapping(), None, "share memory"),
        (_read_only(), None, "read-only"),
        ([[0.0, 0.0], [0.0, 0.0]], None, "numpy array"),
    ],
    ids=["shape", "dtype", "overlapping", "read-only", "list"],
)
def test_bad_out(out: Any, dtype: str | None, hint: str) -> None:
    rec = call_error(RN, (2, 2), dtype, out=out)
    check(rec, "invalid_argument", ("out",), hint)


@pytest.mark.parametrize("threads", [0, -1, True, False, 1.5, "2", [2]], ids=repr)
def test_bad_threads(threads: Any) -> None:
    rec = call_error(RN, (2, 2), threads=threads)
    check(rec, "invalid_argument", ("threads",), "positive integer", input_=threads)


def test_too_large_allocation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INITSPEC_MAX_BYTES", "100")
    assert RN((5, 5)).nbytes == 100  # exactly the limit is fine
    rec = call_error(RN, (5, 6))  # 120 bytes of float32
    check(rec, "too_large", ("shape",), "120", "100", "INITSPEC_MAX_BYTES", input_=[5, 6])
    check(call_error(RN, (4, 4), "float64"), "too_large", ("shape",), "128")
    # the limit applies to what is allocated: a small partition, or the caller's own out=, pass
    assert RN((100, 100), partition_shape=(5, 5), partition_offset=(0, 0)).shape == (5, 5)
    out = np.empty((10, 10), np.float32)
    assert RN((10, 10), out=out) is out


def test_too_large_without_a_limit_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INITSPEC_MAX_BYTES", raising=False)
    rec = call_error(RN, (2**40, 2**40))
    check(rec, "too_large", ("shape",), "bytes")


def test_call_errors_are_not_written_as_config_errors() -> None:
    err = error_from(RN, (2, -1))
    assert "call" in err.subject
    assert str(err).startswith("1 problem with the initializer call")


# --- casting arrays: only InitializerError, naming the first offending value (issue 8) --------


@pytest.mark.parametrize(
    ("array", "dtype", "shown"),
    [
        (np.array([1.0, np.nan]), "int32", "nan (at index [1])"),  # once a plain ValueError
        (np.array([[1.0, 2.0], [np.inf, 0.0]]), "int32", "inf (at index [1, 0])"),  # OverflowError
        (np.array([-np.inf]), "uint8", "-inf (at index [0])"),
        (np.array([0.0, 1.5, 2.5]), "int8", "1.5 (at index [1])"),  # Keras 3 truncates it
        (np.array([np.nan]), "bool", "nan (at index [0])"),
        (np.array([1.0, 1.0 + 2.0j]), "float32", "(1+2j) (at index [1])"),
        (np.array(np.nan), "int64", "nan"),
        (np.array([300, 1]), "int8", "300 (at index [0])"),
        (np.array([-1], dtype=np.int8), "uint64", "-1 (at index [0])"),
        (np.array([2**64 - 1], dtype=np.uint64), "int64", "18446744073709551615"),
        (np.array([1e300]), "float32", "1e+300 (at index [0])"),
    ],
    ids=repr,
)
def test_array_identifier_values_that_a_cast_would_change(
    array: np.ndarray, dtype: str, shown: str
) -> None:
    init = initspec.get(array)
    rec = only(error_from(init, array.shape, dtype))
    check(rec, "value_does_not_fit", ("dtype",), shown, dtype, input_=dtype)


def test_constant_and_array_identifier_refuse_alike() -> None:
    # the same rule for a __numpy__ constant and an array identifier (the message names the
    # first offending value in both)
    spec = {"class_name": "__numpy__", "config": {"value": [1.0, 2.5], "dtype": "float64"}}
    from_config = only(error_from(initspec.Constant(spec), (2,), "int32"))
    from_array = only(error_from(initspec.get(np.array([1.0, 2.5])), (2,), "int32"))
    assert from_config.msg == from_array.msg
    check(from_config, "value_does_not_fit", ("dtype",), "2.5 (at index [1])", "int32")


#: numpy scalar types a Python caller may put into a config, and what each must give
NUMPY_SCALARS = [
    (np.longdouble(1.5), 1.5),  # once a RecursionError
    (np.float16(0.5), 0.5),
    (np.int8(3), 3),
    (np.clongdouble(1.5), "not_a_number"),
    (np.complex64(1.5), "not_a_number"),
    (np.datetime64("2020-01-01"), "not_a_number"),
    (np.timedelta64(3), "not_a_number"),  # a numpy integer type, but a duration
    (np.str_("1.5"), "not_a_number"),
    (np.bool_(True), "not_a_number"),
    (np.bytes_(b"1"), "not_a_number"),
    (np.void(b"\x01"), "not_a_number"),
]


@pytest.mark.parametrize(("scalar", "expected"), NUMPY_SCALARS, ids=lambda v: repr(v)[:30])
def test_numpy_scalar_types_in_configs(scalar: Any, expected: Any) -> None:
    identifier = cfg("RandomNormal", stddev=scalar, mean=scalar)
    if isinstance(expected, str):
        err = get_error(identifier)
        assert {r.type for r in err.errors} == {expected}, str(err)
        assert {r.loc for r in err.errors} == {("config", "stddev"), ("config", "mean")}
    else:
        init = initspec.get(identifier)
        assert init.get_config()["stddev"] == expected
        assert type(init.get_config()["stddev"]) is float
    # anywhere else in a config: a value, a class_name, a module, a seed, an array element
    for where in (
        cfg("Constant", value=[scalar, 1.0]),
        cfg("RandomUniform", seed=scalar),
        {"class_name": scalar, "config": {}},
        {"module": scalar, "class_name": "Zeros", "config": {}},
        cfg("VarianceScaling", mode=scalar),
    ):
        records: list[ErrorRecord] | None = None
        try:
            initspec.get(where)
        except InitializerError as exc:  # nothing else may escape
            records = list(exc.errors)
        assert records is None or records


@pytest.mark.parametrize(
    ("identifier", "loc", "value"),
    [
        ({"class_name": "Zeros", "\ud800": None}, ("\ud800",), None),
        ({"class_name": "RandomNormal", "config": {"\udc00": 1}}, ("config", "\udc00"), 1),
    ],
)
def test_a_lone_surrogate_key_is_an_unknown_key_where_it_stands(
    identifier: dict[str, Any], loc: tuple[str, ...], value: Any
) -> None:
    """pydantic cannot read such a key and names the mapping instead: the record names the key."""
    with pytest.raises(initspec.InitializerError) as info:
        initspec.get(identifier)
    assert [(r.loc, r.type, r.input) for r in info.value.errors] == [(loc, "unknown_key", value)]
