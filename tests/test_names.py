"""Names and aliases resolve exactly as Keras resolves them, and Keras-written configs load.

Sources of truth (never initspec's own output):

- the name/alias table of the project reference "Keras initializers: the behaviour initspec must
  know" (``keras-initializers.md``, section "Names that resolve"), copied below as data because CI
  has no access to the shared reference folder;
- the Keras-written fixtures ``tests/fixtures/{keras3,tf_keras}/initializers.json``: ``names`` is
  Keras's own lookup table with the class each name resolved to, ``cases`` are configs Keras
  serialized together with what Keras's ``get_config()`` returned.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
import pytest

import initspec
from helpers import FIXTURES, VARIANCE_SCALING_FAMILY
from initspec import InitializerError

FLAVORS = ("keras3", "tf_keras")

# --- the reference table -------------------------------------------------------------------

#: keras-initializers.md, "Names that resolve (case-sensitive, no whitespace stripping)":
#: canonical class name -> the other names some Keras version accepts for it.
REFERENCE_NAMES: dict[str, tuple[str, ...]] = {
    "Zeros": ("zeros", "zero", "ZerosV2"),
    "Ones": ("ones", "one", "OnesV2"),
    "Constant": ("constant", "ConstantV2"),
    "RandomNormal": ("random_normal", "normal", "RandomNormalV2"),
    "RandomUniform": ("random_uniform", "uniform", "RandomUniformV2"),
    "TruncatedNormal": ("truncated_normal", "TruncatedNormalV2"),
    "VarianceScaling": ("variance_scaling", "VarianceScalingV2"),
    "GlorotNormal": ("glorot_normal", "GlorotNormalV2", "glorot_normalV2"),
    "GlorotUniform": ("glorot_uniform", "GlorotUniformV2", "glorot_uniformV2"),
    "HeNormal": ("he_normal", "HeNormalV2", "he_normalV2"),
    "HeUniform": ("he_uniform", "HeUniformV2", "he_uniformV2"),
    "LecunNormal": ("lecun_normal", "LecunNormalV2", "lecun_normalV2"),
    "LecunUniform": ("lecun_uniform", "LecunUniformV2", "lecun_uniformV2"),
    "Orthogonal": ("orthogonal", "OrthogonalV2", "OrthogonalInitializer"),
    "Identity": ("identity", "IdentityV2", "IdentityInitializer"),
    "STFT": ("stft", "STFTInitializer"),
}

#: every accepted name -> its canonical class name
NAME_TO_CLASS: dict[str, str] = {
    name: canonical
    for canonical, aliases in REFERENCE_NAMES.items()
    for name in (canonical, *aliases)
}

_VS_FAMILY_DEFAULT = {"seed": None, "input_axes": None, "output_axes": None}

#: Default configs, from the reference's "Constructor arguments" section, with keys in the order
#: Keras 3.15's get_config writes them (see the keras3 fixture's ``names`` records). Identity is
#: the documented exception: Keras 3 writes ``{}`` (it loses ``gain``); initspec keeps ``gain``.
#: Constant's default is 0 in the reference; initspec writes it as the float 0.0 (Keras 3's
#: Constant(value=0.0) default), which is what the brief asks for.
DEFAULT_CONFIGS: dict[str, dict[str, Any]] = {
    "Zeros": {},
    "Ones": {},
    "Constant": {"value": 0.0},
    "RandomNormal": {"seed": None, "mean": 0.0, "stddev": 0.05},
    "RandomUniform": {"seed": None, "minval": -0.05, "maxval": 0.05},
    "TruncatedNormal": {"seed": None, "mean": 0.0, "stddev": 0.05},
    "VarianceScaling": {
        "seed": None,
        "scale": 1.0,
        "mode": "fan_in",
        "distribution": "truncated_normal",
        "input_axes": None,
        "output_axes": None,
    },
    "GlorotNormal": _VS_FAMILY_DEFAULT,
    "GlorotUniform": _VS_FAMILY_DEFAULT,
    "HeNormal": _VS_FAMILY_DEFAULT,
    "HeUniform": _VS_FAMILY_DEFAULT,
    "LecunNormal": _VS_FAMILY_DEFAULT,
    "LecunUniform": _VS_FAMILY_DEFAULT,
    "Orthogonal": {"seed": None, "gain": 1.0},
    "Identity": {"gain": 1.0},
    "STFT": {"side": "real", "window": "hann", "periodic": False, "scaling": "density"},
}

#: Keras's table holds the abstract base class; initspec rejects it (documented exception).
ABSTRACT = {"Initializer", "initializer"}
#: The classes of the VarianceScaling family: tf-keras has no input_axes/output_axes for them.
VS_FAMILY = set(VARIANCE_SCALING_FAMILY)


def _load(flavor: str) -> dict[str, Any]:
    with (FIXTURES / flavor / "initializers.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


FIXTURE_DATA = {flavor: _load(flavor) for flavor in FLAVORS}


def _error(identifier: Any) -> InitializerError:
    with pytest.raises(InitializerError) as info:
        initspec.get(identifier)
    return info.value


def _only(err: InitializerError) -> Any:
    assert len(err.errors) == 1, str(err)
    return err.errors[0]


def _suggestions(msg: str) -> list[str]:
    """The names a "did you mean 'a' or 'b'?" message suggests, in order."""
    assert "did you mean" in msg, msg
    tail = msg.split("did you mean", 1)[1].split("?", 1)[0]
    return re.findall(r"'([^']*)'", tail)


# --- every name of the reference table ------------------------------------------------------


@pytest.mark.parametrize(("name", "canonical"), sorted(NAME_TO_CLASS.items()))
def test_reference_name_resolves_to_its_class_with_default_config(
    name: str, canonical: str
) -> None:
    init = initspec.get(name)
    assert type(init) is getattr(initspec, canonical)
    assert type(init).__name__ == canonical
    config = init.get_config()
    assert config == DEFAULT_CONFIGS[canonical]
    assert list(config) == list(DEFAULT_CONFIGS[canonical])  # Keras 3.15's key order


@pytest.mark.parametrize(("name", "canonical"), sorted(NAME_TO_CLASS.items()))
def test_reference_name_works_in_deserialize_and_as_class_name(name: str, canonical: str) -> None:
    cls = getattr(initspec, canonical)
    assert type(initspec.deserialize(name)) is cls
    # Keras looks class_name up in the same table, so aliases work in both serialized forms.
    assert type(initspec.get({"class_name": name, "config": {}})) is cls
    keras3_form = {
        "module": "keras.initializers",
        "class_name": name,
        "config": {},
        "registered_name": None,
    }
    assert type(initspec.get(keras3_form)) is cls


def test_each_get_by_name_builds_a_new_instance() -> None:
    first, second = initspec.get("he_normal"), initspec.get("he_normal")
    assert first is not second
    assert first == second


def test_initspec_accepts_exactly_the_reference_names() -> None:
    """No name beyond the reference table resolves (the published schema lists them all)."""
    schema = initspec.json_schema()
    enums = [branch["enum"] for branch in schema["anyOf"] if "enum" in branch]
    assert len(enums) == 1
    assert sorted(enums[0]) == sorted(NAME_TO_CLASS)


def test_every_reference_class_is_exported() -> None:
    for canonical in REFERENCE_NAMES:
        cls = getattr(initspec, canonical)
        assert issubclass(cls, initspec.Initializer)
        assert canonical in initspec.__all__


# --- Keras's own name tables (fixtures) ------------------------------------------------------


def _name_records() -> list[Any]:
    params = []
    for flavor in FLAVORS:
        for record in FIXTURE_DATA[flavor]["names"]:
            params.append(pytest.param(flavor, record, id=f"{flavor}-{record['name']}"))
    return params


def test_fixture_name_tables_are_covered_by_the_reference() -> None:
    """Keras's tables hold only reference names (plus the abstract base class)."""
    for flavor in FLAVORS:
        names = {record["name"] for record in FIXTURE_DATA[flavor]["names"]}
        assert names - set(NAME_TO_CLASS) == ABSTRACT, flavor
    keras3 = {record["name"] for record in FIXTURE_DATA["keras3"]["names"]}
    assert {"OrthogonalInitializer", "IdentityInitializer", "STFT", "stft"} <= keras3
    tf_keras = {record["name"] for record in FIXTURE_DATA["tf_keras"]["names"]}
    assert {"ZerosV2", "glorot_uniformV2", "IdentityV2"} <= tf_keras


@pytest.mark.parametrize(("flavor", "record"), _name_records())
def test_fixture_name_resolves_to_the_class_keras_resolved(
    flavor: str, record: dict[str, Any]
) -> None:
    name = record["name"]
    if record.get("class_name_resolved") in ABSTRACT:
        # Documented exception: Keras's table holds its abstract base class.
        rec = _only(_error(name))
        assert rec.type == "unknown_name"
        assert "abstract" in rec.msg
        assert rec.input == name
        return
    init = initspec.get(name)
    if "error" in record:
        # Keras 3 crashes on get('constant') (KeyError: 'value'); initspec gives Constant(0.0).
        assert flavor == "keras3"
        assert "KeyError" in record["error"]
        assert type(init) is initspec.Constant
        assert init.get_config() == {"value": 0.0}
        return
    expected_class = record["class_name_resolved"]
    assert type(init).__name__ == expected_class
    assert type(init) is getattr(initspec, expected_class)
    keras_config = dict(record["serialized"]["config"])
    ours = init.get_config()
    if flavor == "keras3":
        if expected_class == "Identity":
            # Keras 3 loses gain in get_config; initspec keeps it (the default here).
            assert keras_config == {}
            keras_config = {"gain": 1.0}
        # Same keys, same order, same JSON (int vs float) as Keras 3.15 wrote.
        assert json.dumps(ours) == json.dumps(keras_config)
    else:
        # tf-keras: key order differs (seed last) and dicts compare regardless of order; the
        # Glorot/He/Lecun/VarianceScaling family has no input_axes/output_axes there, which
        # initspec fills with null; tf-keras's Constant default value is the int 0 (== 0.0).
        if expected_class in VS_FAMILY:
            keras_config.setdefault("input_axes", None)
            keras_config.setdefault("output_axes", None)
        assert ours == keras_config


@pytest.mark.parametrize("name", ["Constant", "constant"])
def test_keras3_constant_name_crash_is_fixed(name: str) -> None:
    keras3 = {r["name"]: r for r in FIXTURE_DATA["keras3"]["names"]}
    assert keras3[name]["error"] == "KeyError: 'value'"  # what Keras 3.15 does
    init = initspec.get(name)
    assert type(init) is initspec.Constant
    value = init.get_config()["value"]
    assert value == 0.0
    assert isinstance(value, float)
    np.testing.assert_array_equal(init((2, 3)), np.zeros((2, 3), np.float32))


@pytest.mark.parametrize("name", sorted(ABSTRACT))
@pytest.mark.parametrize("form", ["string", "keras2", "keras3"])
def test_abstract_base_class_is_rejected_with_a_clear_message(name: str, form: str) -> None:
    identifier: Any = name
    if form == "keras2":
        identifier = {"class_name": name, "config": {}}
    elif form == "keras3":
        identifier = {"module": "keras", "class_name": name, "config": {}, "registered_name": None}
    rec = _only(_error(identifier))
    if form == "string":
        assert (rec.type, rec.loc, rec.pointer) == ("unknown_name", (), "")
    else:
        assert (rec.type, rec.loc, rec.pointer) == (
            "unknown_class_name",
            ("class_name",),
            "/class_name",
        )
    assert rec.input == name
    assert "abstract" in rec.msg
    assert "concrete initializer" in rec.msg


# --- wrong names -----------------------------------------------------------------------------


def _near_misses() -> list[Any]:
    params = []
    for name in sorted(NAME_TO_CLASS):
        variants = {
            name.upper(),
            name.lower(),
            name.swapcase(),
            name.capitalize(),
            " " + name,
            name + " ",
            "\t" + name + "\n",
        }
        for variant in sorted(variants - set(NAME_TO_CLASS)):
            params.append(pytest.param(variant, name, id=f"{name}-{variant!r}"))
    return params


@pytest.mark.parametrize(("wrong", "meant"), _near_misses())
def test_wrong_case_or_whitespace_is_unknown_with_a_suggestion(wrong: str, meant: str) -> None:
    err = _error(wrong)
    assert isinstance(err, ValueError)
    rec = _only(err)
    assert rec.type == "unknown_name"
    assert rec.loc == ()
    assert rec.pointer == ""
    assert rec.input == wrong
    assert repr(wrong) in rec.msg
    assert "case-sensitive" in rec.msg
    suggested = _suggestions(rec.msg)
    assert meant in suggested
    # The best suggestion names the class that was meant.
    assert NAME_TO_CLASS[suggested[0]] == NAME_TO_CLASS[meant]
    assert all(s in NAME_TO_CLASS for s in suggested)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("glorot_unifrom", "glorot_uniform"),
        ("he_norml", "he_normal"),
        ("Orthogonl", "Orthogonal"),
        ("RandomNormall", "RandomNormal"),
        ("truncated_norma", "truncated_normal"),
        ("VarianceScalling", "VarianceScaling"),
        ("lecun_uniforn", "lecun_uniform"),
        ("identiy", "identity"),
        ("zeroes", "zeros"),
    ],
)
def test_typo_suggests_the_right_name(typo: str, meant: str) -> None:
    rec = _only(_error(typo))
    assert rec.type == "unknown_name"
    assert rec.input == typo
    suggested = _suggestions(rec.msg)
    assert meant in suggested
    assert NAME_TO_CLASS[suggested[0]] == NAME_TO_CLASS[meant]


@pytest.mark.parametrize("name", ["", "foo", "xavier_everything"])
def test_unknown_name_without_close_match(name: str) -> None:
    rec = _only(_error(name))
    assert (rec.type, rec.loc, rec.input) == ("unknown_name", (), name)
    assert repr(name) in rec.msg
    assert "did you mean" not in rec.msg


def test_unknown_class_name_in_a_config_suggests_too() -> None:
    rec = _only(_error({"class_name": "he_Normal", "config": {}}))
    assert (rec.type, rec.loc, rec.pointer) == (
        "unknown_class_name",
        ("class_name",),
        "/class_name",
    )
    assert rec.input == "he_Normal"
    suggested = _suggestions(rec.msg)
    assert NAME_TO_CLASS[suggested[0]] == "HeNormal"


# --- Keras-serialized configs (fixture cases) --------------------------------------------


def _is_json(value: Any) -> bool:
    return not (isinstance(value, dict) and "__not_json__" in value)


def _case_params() -> list[Any]:
    params = []
    for flavor in FLAVORS:
        for i, case in enumerate(FIXTURE_DATA[flavor]["cases"]):
            for key in ("serialized", "serialized_legacy"):
                if key in case and _is_json(case[key]):
                    label = re.sub(r"\W+", "_", str(case["name"]))[:50]
                    params.append(pytest.param(flavor, key, case, id=f"{flavor}-{key}-{i}-{label}"))
    return params


def _assert_same_json(ours: Any, theirs: Any) -> None:
    """Equal as JSON text: same keys in the same order, ints stay ints, -0.0 stays -0.0."""
    assert json.dumps(ours) == json.dumps(theirs)


@pytest.mark.parametrize(("flavor", "key", "case"), _case_params())
def test_keras_serialized_case_loads_with_keras_get_config(
    flavor: str, key: str, case: dict[str, Any]
) -> None:
    serialized = case[key]
    if case["class_name"] in ABSTRACT:
        # Documented exception: Keras serializes its abstract base; initspec rejects it.
        rec = _only(_error(serialized))
        assert rec.type == "unknown_class_name"
        assert "abstract" in rec.msg
        return
    init = initspec.get(serialized)
    assert type(init).__name__ == case["class_name"]
    ours = init.get_config()
    keras_config = case["get_config"]

    if flavor == "keras3":
        if case["class_name"] == "Identity":
            # Keras 3.15's Identity has no get_config: it writes {} and loses gain (even for
            # Identity(gain=3.0)); initspec keeps gain, which can then only be the default.
            assert keras_config == {}
            keras_config = {"gain": 1.0}
        # Everything else: exactly what Keras 3.15 returned, key order included.
        _assert_same_json(ours, keras_config)
        return

    # tf-keras.
    if not _is_json(keras_config):
        # get_config held a numpy array/scalar (not JSON); Keras serialized that same object
        # as the `serialized` config, which is then the expectation.
        assert "array(" in keras_config["python_repr"] or "np.float" in keras_config["python_repr"]
        keras_config = case["serialized"]["config"]
    else:
        keras_config = dict(keras_config)
    if case["class_name"] in VS_FAMILY:
        # tf-keras has no input_axes/output_axes; initspec fills them with null.
        keras_config.setdefault("input_axes", None)
        keras_config.setdefault("output_axes", None)
    # tf-keras writes seed last (Keras 3 first): compare as dicts, where order does not matter.
    assert ours == keras_config
    # ... but values keep their JSON type (an int minval stays an int).
    for name, value in keras_config.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert type(ours[name]) is type(value), name
            if isinstance(value, float):
                assert math.copysign(1.0, ours[name]) == math.copysign(1.0, value)


def test_every_fixture_case_class_is_covered() -> None:
    """The fixture cases exercise every reference class (so the test above means something)."""
    for flavor in FLAVORS:
        classes = {case["class_name"] for case in FIXTURE_DATA[flavor]["cases"]}
        expected = set(REFERENCE_NAMES) if flavor == "keras3" else set(REFERENCE_NAMES) - {"STFT"}
        assert expected | ABSTRACT >= classes
        assert expected <= classes
