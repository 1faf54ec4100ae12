"""The published JSON Schema: checked in up to date, valid draft 2020-12, and in agreement
with initspec.

Agreement means a standard validator (``jsonschema.Draft202012Validator``) accepts every JSON
document ``initspec.get`` accepts and rejects every one it rejects, except where a constraint
cannot be written in JSON Schema. Those exceptions are listed in ``EXCEPTIONS``, each a
narrow predicate over one initspec error record; a disagreement none of them explains fails,
and each exception is shown to really occur (``EXCEPTION_CASES``).
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
from hypothesis import assume, example, given
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

import initspec
from initspec.errors import ErrorRecord
from initspec.initializers.random import UniformConfig
from initspec.registry import builtin_table
from strategies import (
    KNOWN_NAMES,
    fits_dtype,
    fuzz_settings,
    is_rectangular,
    json_values,
    mutated_configs,
    to_json_document,
    valid_configs,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "schemas" / "initializer.schema.json"
WRITE_SCHEMA = ROOT / "scripts" / "write_schema.py"
FIXTURES = ROOT / "tests" / "fixtures"

SCHEMA = initspec.json_schema()
VALIDATOR = Draft202012Validator(SCHEMA)


def load_write_schema() -> ModuleType:
    spec = importlib.util.spec_from_file_location("initspec_write_schema", WRITE_SCHEMA)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def config(class_name: str, **fields: Any) -> dict[str, Any]:
    return {"class_name": class_name, "config": fields}


def numpy_value(value: Any, dtype: str, class_name: str = "__numpy__") -> dict[str, Any]:
    return {"class_name": class_name, "config": {"value": value, "dtype": dtype}}


def seed_generator(**fields: Any) -> dict[str, Any]:
    return {"class_name": "SeedGenerator", "config": {"seed": 1}, **fields}


def nested(depth: int) -> Any:
    value: Any = [1.0]
    for _ in range(depth - 1):
        value = [value]
    return value


# --- the checked-in file ------------------------------------------------------------------


def test_checked_in_schema_is_current() -> None:
    expected = load_write_schema().render()
    actual = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    assert actual == expected, (
        "schemas/initializer.schema.json is stale (it differs from what the config models "
        "produce): run `python scripts/write_schema.py` and commit the result"
    )


def test_checked_in_schema_is_the_published_one() -> None:
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == SCHEMA


def test_schema_is_valid_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert jsonschema.validators.validator_for(SCHEMA) is Draft202012Validator
    Draft202012Validator.check_schema(SCHEMA)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_schema_refs_resolve() -> None:
    defs = SCHEMA["$defs"]
    refs = _refs(SCHEMA)
    assert refs
    for ref in refs:
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/") in defs, f"dangling {ref}"


# --- names ----------------------------------------------------------------------------------


def _name_enum() -> set[str]:
    enums = [b["enum"] for b in SCHEMA["anyOf"] if "enum" in b]
    assert len(enums) == 1
    return set(enums[0])


def _keras_names() -> set[str]:
    names: set[str] = set()
    for flavor in ("keras3", "tf_keras"):
        data = json.loads((FIXTURES / flavor / "initializers.json").read_text(encoding="utf-8"))
        names |= {record["name"] for record in data["names"]}
    return names


def _name_variants(name: str) -> set[str]:
    snake = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    camel = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
    return {
        name.lower(),
        name.upper(),
        name.swapcase(),
        snake,
        camel,
        name + "V2",
        name + "V3",
        name.removesuffix("V2"),
        " " + name,
        name + " ",
        name + "\n",
        name.replace("_", ""),
        name + "Initializer",
    }


def _get_accepts(name: str) -> bool:
    try:
        built = initspec.get(name)
    except initspec.InitializerError:
        return False
    assert isinstance(built, initspec.Initializer)
    return True


def test_every_name_get_accepts_is_in_the_schema_enum_and_vice_versa() -> None:
    enum = _name_enum()
    assert enum == set(builtin_table().names) == set(KNOWN_NAMES)
    candidates = set(enum) | _keras_names()
    for name in list(candidates):
        candidates |= _name_variants(name)
    accepted = {name for name in candidates if _get_accepts(name)}
    assert accepted == enum
    for name in candidates:
        assert VALIDATOR.is_valid(name) == (name in enum), name


def test_schema_names_are_the_names_keras_resolves() -> None:
    # Keras's own tables (fixtures written by Keras 3.15 and tf-keras 2.21), less its
    # abstract base class, which initspec rejects on purpose.
    assert _keras_names() - {"Initializer", "initializer"} == _name_enum()


# --- agreement ---------------------------------------------------------------------------


def _resolve(doc: Any, loc: tuple[Any, ...]) -> tuple[bool, Any]:
    node = doc
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            return False, None
    return True, node


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _resolved_class(doc: Any) -> type | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("class_name"), str):
        return None
    entry = builtin_table().lookup(doc["class_name"])
    return entry.cls if entry else None


def minval_above_maxval(doc: Any, record: ErrorRecord) -> bool:
    """RandomUniform's ``minval <= maxval``: JSON Schema has no keyword that compares two
    values of one instance."""
    if record.type != "minval_above_maxval" or _resolved_class(doc) is not initspec.RandomUniform:
        return False
    cfg = doc.get("config")
    fields = UniformConfig.model_fields
    low = cfg.get("minval", fields["minval"].default)
    high = cfg.get("maxval", fields["maxval"].default)
    return _is_number(low) and _is_number(high) and low > high


def ragged_array(doc: Any, record: ErrorRecord) -> bool:
    """Nested arrays must be rectangular: JSON Schema constrains each item of an array, but
    cannot make sibling arrays equally long or equally deep."""
    if record.type != "invalid_value" or not record.msg.startswith("ragged array"):
        return False
    ok, field = _resolve(doc, record.loc[:2])  # ("config", "value" | "window")
    if not ok:
        return False
    if isinstance(field, dict):  # a __numpy__ / __tensor__ object: its config's value
        args = field.get("config")
        field = args.get("value") if isinstance(args, dict) else None
    return isinstance(field, list) and not is_rectangular(field)


def value_does_not_fit(doc: Any, record: ErrorRecord) -> bool:
    """A ``__numpy__`` / ``__tensor__`` value must fit the dtype a sibling key names (range,
    integrality, 0/1 for bool): the schema describes the values and the dtype separately."""
    if record.type != "value_does_not_fit" or not record.loc or record.loc[-1] != "value":
        return False
    ok, args = _resolve(doc, record.loc[:-1])
    if not ok or not isinstance(args, dict) or not isinstance(args.get("dtype"), str):
        return False
    return is_rectangular(args["value"]) and not fits_dtype(args["value"], args["dtype"])


def integral_float(doc: Any, record: ErrorRecord) -> bool:
    """Integers written as ``1.0``: JSON Schema's "integer" is any number with a zero
    fractional part (1.0 is one); initspec's integers are strict, as Keras's are."""
    if record.type != "not_an_integer":
        return False
    ok, value = _resolve(doc, record.loc)
    return ok and isinstance(value, float) and math.isfinite(value) and value.is_integer()


def array_too_large(doc: Any, record: ErrorRecord) -> bool:
    """A resource bound, not a type: arrays in configs may have at most 64 axes and 10 million
    elements (numpy's own axis limit; a bound against hostile documents)."""
    return record.type == "too_large" and "array has more than" in record.msg


#: Every accepted reason for "initspec rejects, the schema accepts". Nothing else may differ.
EXCEPTIONS: dict[str, Callable[[Any, ErrorRecord], bool]] = {
    "minval_above_maxval": minval_above_maxval,
    "ragged_array": ragged_array,
    "value_does_not_fit": value_does_not_fit,
    "integral_float": integral_float,
    "array_too_large": array_too_large,
}

#: One document per exception, showing that it really occurs.
EXCEPTION_CASES: dict[str, Any] = {
    "minval_above_maxval": config("RandomUniform", minval=1, maxval=0),
    "ragged_array": config("Constant", value=[[1.0, 2.0], [3.0]]),
    "value_does_not_fit": config("Constant", value=numpy_value([1, 300], "int8")),
    "integral_float": config("RandomNormal", seed=1.0),
    "array_too_large": config("Constant", value=nested(70)),
}


def initspec_error(doc: Any) -> initspec.InitializerError | None:
    """None if initspec.get accepts ``doc``; its InitializerError if it rejects it. Any other
    exception propagates: that is a bug in itself."""
    try:
        initspec.get(doc)
    except initspec.InitializerError as err:
        return err
    return None


def disagreement(doc: Any) -> str | None:
    """Why initspec and the schema disagree on ``doc`` (outside EXCEPTIONS), or None."""
    error = initspec_error(doc)
    schema_ok = VALIDATOR.is_valid(doc)
    if (error is None) == schema_ok:
        return None
    if error is None:
        found = best_match(VALIDATOR.iter_errors(doc))
        where = "/" + "/".join(map(str, found.absolute_path)) if found else "?"
        return f"initspec accepts but the schema rejects (at {where}): {found and found.message}"
    unexplained = [r for r in error.errors if not any(p(doc, r) for p in EXCEPTIONS.values())]
    if not unexplained:
        return None
    return "the schema accepts but initspec rejects: " + "; ".join(map(str, unexplained))


def json_document(value: Any) -> Any:
    ok, doc = to_json_document(value)
    assume(ok)  # NaN, infinities, lone surrogates: not JSON (see test_non_json_numbers...)
    return doc


@fuzz_settings()
@given(valid_configs())
def test_schema_accepts_valid_configs(cfg: Any) -> None:
    doc = json_document(cfg)
    assert initspec_error(doc) is None
    found = best_match(VALIDATOR.iter_errors(doc))
    assert found is None, f"schema rejects a valid config at {list(found.absolute_path)}: {found}"


@example(config("Constant", value=numpy_value(0.0, "complex64")))
@fuzz_settings(0.5)
@given(valid_configs())
def test_schema_accepts_what_serialize_writes(cfg: Any) -> None:
    x = initspec.get(cfg)
    written = [initspec.serialize(x)]
    cfg_out = x.get_config()
    has_axes = cfg_out.get("input_axes") is not None or cfg_out.get("output_axes") is not None
    value = cfg_out.get("value")
    dtype = value.get("config", {}).get("dtype", "") if isinstance(value, dict) else ""
    complex_value = str(dtype).startswith("complex")  # Keras 2 (JSON lists) has no complex
    if not isinstance(x, initspec.STFT) and not has_axes and not complex_value:
        written.append(initspec.serialize(x, format="keras2"))
    for out in written:
        doc = json.loads(json.dumps(out, allow_nan=False))
        assert VALIDATOR.is_valid(doc), best_match(VALIDATOR.iter_errors(doc))


# Pinned inputs: stddev < 0 and scale <= 0 (the schema states "minimum" / "exclusiveMinimum");
@example(config("VarianceScaling", scale=0))
@example(config("TruncatedNormal", stddev=-1))
# integers beyond the float range where a number goes (initspec: out_of_range).
@example(config("Identity", gain=10**400))
@fuzz_settings(2.0)
@given(mutated_configs())
def test_schema_agrees_with_initspec_on_mutated_configs(value: Any) -> None:
    doc = json_document(value)
    assert disagreement(doc) is None, disagreement(doc)


@fuzz_settings(1.5)
@given(json_values())
def test_schema_agrees_with_initspec_on_json_values(value: Any) -> None:
    doc = json_document(value)
    assert disagreement(doc) is None, disagreement(doc)


def _bools_where_numbers_go() -> list[Any]:
    return [
        config("RandomNormal", mean=True),
        config("TruncatedNormal", stddev=False),
        config("RandomUniform", minval=False, maxval=True),
        config("VarianceScaling", scale=True),
        config("Orthogonal", gain=True),
        config("Identity", gain=False),
        config("Constant", value=True),
        config("Constant", value=[True, 1.0]),
        config("STFT", window=[True, False]),
        config("GlorotUniform", seed=True),
        config("HeNormal", seed=seed_generator(config={"seed": False})),
        config("HeNormal", input_axes=[True], output_axes=[0]),
        {**config("Zeros"), "shared_object_id": True},
        config("STFT", periodic=1),
        config("STFT", periodic="true"),
    ]


def _integers() -> list[Any]:
    return [
        config("RandomNormal", seed=1.0),
        config("RandomNormal", seed=0.0),
        config("RandomNormal", seed=-1.0),
        config("RandomNormal", seed=1e19),  # a float within the seed range
        config("RandomNormal", seed=1e30),  # beyond it
        config("RandomNormal", seed=2**64 - 1),
        config("RandomNormal", seed=2**64),
        config("RandomNormal", seed=-(2**63)),
        config("RandomNormal", seed=-(2**63) - 1),
        config("RandomNormal", seed="1"),
        config("RandomNormal", seed=seed_generator(config={"seed": 2.0})),
        config("RandomNormal", seed=seed_generator(config={"seed": None, "name": None})),
        config("LecunNormal", input_axes=[1.0], output_axes=[0]),
        config("LecunNormal", input_axes=[10**30], output_axes=[-(10**30)]),
        {**config("Zeros"), "shared_object_id": 1.0},
        {**config("Zeros"), "shared_object_id": -1},
        {**config("Zeros"), "shared_object_id": 0},
        {**config("Zeros"), "shared_object_id": 10**30},
    ]


def _unknown_keys() -> list[Any]:
    return [
        {**config("Zeros"), "extra": 1},
        {**config("Nope"), "extra": 1},
        config("RandomNormal", stdev=1.0),
        config("RandomNormal", seed=seed_generator(extra=1)),
        config("RandomNormal", seed=seed_generator(config={"seed": 1, "extra": 1})),
        config("Constant", value={**numpy_value([1.0], "float32"), "extra": 1}),
        config(
            "Constant",
            value=numpy_value([1.0], "float32")
            | {"config": {"value": 1, "dtype": "float32", "x": 1}},
        ),
        {"class_name": "Zeros", "config": {}, "Module": "keras"},
    ]


_FORBIDDEN_MODULES = [
    "os",
    "builtins",
    "__main__",
    "keras_evil",
    "keras.",
    "kerasx.initializers",
    "keras..initializers",
    "keras.1x",
    "KERAS",
    " keras",
    "keras ",
    "keras.initializers/x",
    "",
]


def _modules() -> list[Any]:
    docs: list[Any] = []
    for module in [*_FORBIDDEN_MODULES, "keras", "tf_keras.initializers", "tensorflow.x_1", None]:
        docs.append({**config("Zeros"), "module": module})
        docs.append(config("RandomNormal", seed=seed_generator(module=module)))
    return docs


def _strings() -> list[Any]:
    distributions = [
        "UNIFORM",
        "Normal",
        "NORMAL",
        "TRUNCATED_NORMAL",
        "Untruncated_Normal",
        "uniform ",
        " uniform",
        "unif",
        "\uff35NIFORM",  # fullwidth U
        "UN\u0130FORM",  # Turkish dotted capital I
        "truncatednormal",
        "",
        1,
        None,
    ]
    modes = ["fan_in", "FAN_IN", "Fan_In", "fan_in ", "fanin", "fan_avg", None]
    return [
        *(config("VarianceScaling", distribution=d) for d in distributions),
        *(config("VarianceScaling", mode=m) for m in modes),
        config("STFT", side="REAL"),
        config("STFT", side="imag"),
        config("STFT", scaling="Density"),
        config("STFT", scaling=None),
        config("STFT", window="Hann"),
        config("STFT", window="kaiser"),
        config("STFT", window="hann_periodic"),
        config("STFT", window=None),
        config("STFT", window=[]),
        config("STFT", window=numpy_value([1, 0], "bool")),
        config("Zeros", dtype="float32"),
        config("Zeros", dtype="Float32"),
        config("Zeros", dtype="float128"),
        {**config("Zeros"), "registered_name": "zeros"},
        {**config("Zeros"), "registered_name": "Ones"},
        {**config("Zeros"), "registered_name": "my_pkg>Zeros"},
        {**config("zeros"), "registered_name": None, "module": None},
    ]


def _arrays() -> list[Any]:
    return [
        config("Constant", value=[]),
        config("Constant", value=[[], []]),
        config("Constant", value=[[1, 2], [3]]),
        config("Constant", value=[1, [2]]),
        config("Constant", value=[[1], [[2]]]),
        config("Constant", value=nested(64)),
        config("Constant", value=numpy_value([[1, 2], [3]], "float32")),
        config("Constant", value=numpy_value(True, "bool", "__tensor__")),
        config("Constant", value=numpy_value([0, 1, True], "bool")),
        config("Constant", value=numpy_value([2], "bool")),
        config("Constant", value=numpy_value([-1], "uint8")),
        config("Constant", value=numpy_value([1e5], "float16")),
        config("Constant", value=numpy_value([1.5], "int32")),
        config("Constant", value=numpy_value([2.0], "int32")),
        config("Constant", value=numpy_value([1e300], "complex64")),
        config("Constant", value=numpy_value([1], "float128")),
        config("Constant", value=numpy_value([1], "float32", "__numpy_")),
        config("Constant", value=numpy_value(None, "float32")),
        config("Constant", value=numpy_value("1", "float32")),
        config("Constant", value={"class_name": "__numpy__", "config": {"value": [1]}}),
    ]


def _identifiers() -> list[Any]:
    return [None, "", "Initializer", "initializer", "GLOROT_UNIFORM", " zeros", "zeros\n"]


def _top_level() -> list[Any]:
    return [0, 1.5, True, [], ["zeros"], {}, {"class_name": "Zeros"}, {"config": {}}]


def _ranges() -> list[Any]:
    return [
        config("VarianceScaling", scale=1e-300),
        config("VarianceScaling", scale=-1),
        config("RandomNormal", stddev=0),
        config("RandomNormal", stddev=-1e-300),
        config("RandomUniform", minval=0, maxval=0),
        config("RandomUniform", maxval=-1),
        config("RandomUniform", minval=10**400, maxval=10**401),
    ]


def _known_bugs() -> dict[str, Any]:
    """Disagreements found while writing these tests, kept as regression cases (scale-zero
    and stddev-negative were fixed meanwhile; the others fail until fixed)."""
    return {
        "scale-zero": config("VarianceScaling", scale=0),
        "stddev-negative": config("TruncatedNormal", stddev=-1),
        "int-beyond-float-range": config("RandomNormal", mean=10**400),
        "bool-in-float-array": config("Constant", value=numpy_value([True], "float32")),
        "distribution-trailing-newline": config("VarianceScaling", distribution="uniform\n"),
        "seedgenerator-module-trailing-newline": config(
            "RandomNormal", seed=seed_generator(module="keras\n")
        ),
        "module-trailing-newline": {**config("Zeros"), "module": "keras.initializers\n"},
        "array-deeper-than-64": config("Constant", value=nested(70)),
        "numpy-int-beyond-float-range": config("Constant", value=numpy_value([10**400], "int64")),
        "bfloat16-int-beyond-int64": config("Constant", value=numpy_value([2**64], "bfloat16")),
    }


def _keras_written() -> list[Any]:
    docs: list[Any] = []
    for flavor in ("keras3", "tf_keras"):
        data = json.loads((FIXTURES / flavor / "initializers.json").read_text(encoding="utf-8"))
        for case in data["cases"]:
            for key in ("serialized", "serialized_legacy"):
                if key in case and "__not_json__" not in json.dumps(case[key]):
                    docs.append(case[key])
        for record in data["names"]:
            if "serialized" in record:
                docs.append(record["serialized"])
    return docs


HAND_PICKED: list[Any] = [
    *_identifiers(),
    *_top_level(),
    *[json.loads(json.dumps(name)) for name in KNOWN_NAMES],
    *_bools_where_numbers_go(),
    *_integers(),
    *_unknown_keys(),
    *_modules(),
    *_strings(),
    *_arrays(),
    *_ranges(),
    *EXCEPTION_CASES.values(),
]


def _id(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 90 else text[:87] + "..."


@pytest.mark.parametrize("doc", HAND_PICKED, ids=_id)
def test_schema_agrees_with_initspec_on_hand_picked_cases(doc: Any) -> None:
    assert to_json_document(doc)[0], "hand-picked cases must be JSON"
    assert disagreement(doc) is None, disagreement(doc)


@pytest.mark.parametrize("doc", list(_known_bugs().values()), ids=list(_known_bugs()))
def test_schema_agrees_with_initspec_on_known_bug_cases(doc: Any) -> None:
    assert disagreement(doc) is None, disagreement(doc)


@pytest.mark.parametrize("doc", _keras_written(), ids=_id)
def test_configs_keras_writes_are_accepted_by_both(doc: Any) -> None:
    if _resolved_class(doc) is None:  # Keras's abstract Initializer: rejected by both
        assert initspec_error(doc) is not None
        assert not VALIDATOR.is_valid(doc)
        return
    assert initspec_error(doc) is None
    assert VALIDATOR.is_valid(doc), best_match(VALIDATOR.iter_errors(doc))


@pytest.mark.parametrize("name", list(EXCEPTIONS))
def test_each_documented_exception_occurs(name: str) -> None:
    doc = EXCEPTION_CASES[name]
    error = initspec_error(doc)
    assert error is not None, "initspec accepts it"
    assert VALIDATOR.is_valid(doc), "the schema rejects it"
    assert all(EXCEPTIONS[name](doc, r) for r in error.errors), str(error)
    others = [
        n for n, p in EXCEPTIONS.items() if n != name and any(p(doc, r) for r in error.errors)
    ]
    assert not others, f"also explained by {others}: the predicates overlap"


@pytest.mark.parametrize(
    ("doc", "loc"),
    [
        (config("RandomNormal", mean=math.nan), ("config", "mean")),
        (config("RandomNormal", stddev=math.inf), ("config", "stddev")),
        (config("VarianceScaling", scale=-math.inf), ("config", "scale")),
        (config("Orthogonal", gain=math.nan), ("config", "gain")),
        (config("RandomUniform", minval=math.nan), ("config", "minval")),
        (config("Constant", value=math.inf), ("config", "value")),
        (config("Constant", value=[1.0, -math.inf]), ("config", "value", 1)),
        (config("STFT", window=[math.nan]), ("config", "window", 0)),
    ],
    ids=repr,
)
def test_non_json_numbers_are_rejected_by_initspec(doc: Any, loc: tuple[Any, ...]) -> None:
    # Not JSON, so not a question for the schema (jsonschema would take NaN as a number).
    assert not to_json_document(doc)[0]
    error = initspec_error(doc)
    assert error is not None
    assert [(r.type, r.loc) for r in error.errors] == [("not_finite", loc)]


@pytest.mark.parametrize(
    "doc",
    [
        {"class_name": "HeNormal"},
        {"class_name": "HeNormal", "config": None},
        {"module": "keras.initializers", "class_name": "Constant", "registered_name": None},
        {"class_name": "orthogonal", "config": None, "shared_object_id": 1},
    ],
    ids=_id,
)
def test_hand_written_configs_without_config_are_valid_in_both(doc: Any) -> None:
    # Keras 3 and tf-keras build the defaults when "config" is absent or null
    assert initspec_error(doc) is None
    assert VALIDATOR.is_valid(doc), best_match(VALIDATOR.iter_errors(doc))
    assert not VALIDATOR.is_valid({**doc, "class_name": "Nope"})
