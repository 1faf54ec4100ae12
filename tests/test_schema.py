"""The published JSON Schema: checked in up to date, valid draft 2020-12, and in agreement
with initspec.

Agreement means a standard validator (``jsonschema.Draft202012Validator``) accepts every JSON
document ``initspec.get`` accepts and rejects every one it rejects, except where a constraint
cannot be written in JSON Schema. Those exceptions are listed in ``EXCEPTIONS``, each a
narrow predicate over one initspec error record; a disagreement none of them explains fails,
and each exception is shown to really occur (``EXCEPTION_CASES``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pydantic
import pytest
from hypothesis import assume, example, given
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

import initspec
from helpers import FIXTURES, config, load_module, numpy_value, readme_files
from initspec.errors import ErrorRecord
from initspec.initializers._schema_text import REST_MARKUP, plain_text
from initspec.initializers._types import SEED_MAX, SEED_MIN
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

SCHEMA = initspec.json_schema()
VALIDATOR = Draft202012Validator(SCHEMA)


def load_write_schema() -> ModuleType:
    return load_module("initspec_write_schema", WRITE_SCHEMA)


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
    assert enum == set(builtin_table().by_name) == set(KNOWN_NAMES)
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
    if record.type != "invalid_value" or not record.msg.endswith("(a ragged array)"):
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
    return record.type == "too_large" and "elements or 64 axes" in record.msg


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


# --- descriptions: what editors show ---------------------------------------------------------


def _objects_with_properties(node: Any, where: str = "#") -> list[tuple[str, dict[str, Any]]]:
    """Every subschema with ``properties`` (definitions, and then/else refinements; not the
    conditions of ``if``, which describe no field)."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            found.append((where, node))
        for key, value in node.items():
            if key != "if":
                found += _objects_with_properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _objects_with_properties(value, f"{where}/{i}")
    return found


def _is_plain_text(text: Any) -> bool:
    return isinstance(text, str) and bool(text.strip()) and not REST_MARKUP.search(text)


def test_every_field_has_a_plain_text_description() -> None:
    objects = _objects_with_properties(SCHEMA)
    assert len(objects) >= 30  # every config model and envelope, and their refinements
    missing = [
        f"{where}/properties/{name}: {prop.get('description')!r}"
        for where, obj in objects
        for name, prop in obj["properties"].items()
        if not _is_plain_text(prop.get("description"))
    ]
    assert not missing, "fields without a plain-text description:\n" + "\n".join(missing)


def test_every_definition_and_alternative_is_described() -> None:
    for name, definition in SCHEMA["$defs"].items():
        if "properties" in definition or name == "InitializerConfig":
            assert _is_plain_text(definition.get("title")), name
            assert _is_plain_text(definition.get("description")), name
    for alternative in SCHEMA["anyOf"]:
        if "$ref" not in alternative:
            assert _is_plain_text(alternative.get("description")), alternative


@pytest.mark.parametrize("entry", builtin_table().entries, ids=lambda e: e.tag)
def test_each_class_is_described_by_its_docstring(entry: Any) -> None:
    definition = SCHEMA["$defs"][f"{entry.tag}Identifier"]
    assert definition["title"] == entry.tag
    summary = plain_text(entry.cls.__doc__)
    assert _is_plain_text(summary)
    assert definition["description"].startswith(summary)
    assert _is_plain_text(definition["description"])


PAPERS = {
    "GlorotUniform": "Glorot & Bengio 2010",
    "GlorotNormal": "Glorot & Bengio 2010",
    "HeNormal": "He et al. 2015",
    "HeUniform": "He et al. 2015",
    "LecunNormal": "Klambauer et al. 2017",
    "LecunUniform": "LeCun et al. 1998",
    "Orthogonal": "Saxe et al. 2014",
}


@pytest.mark.parametrize(("tag", "paper"), PAPERS.items())
def test_initializers_from_papers_cite_them(tag: str, paper: str) -> None:
    assert paper in SCHEMA["$defs"][f"{tag}Identifier"]["description"]


def _property(model: type, field: str) -> dict[str, Any]:
    prop: dict[str, Any] = SCHEMA["$defs"][model.__name__]["properties"][field]
    return prop


def _config_fields() -> list[tuple[type, str]]:
    models = {entry.cls.config_model for entry in builtin_table().entries}
    return [(model, name) for model in models for name in model.model_fields]


@pytest.mark.parametrize(
    ("model", "field"), _config_fields(), ids=lambda v: getattr(v, "__name__", v)
)
def test_descriptions_state_the_declared_default(model: Any, field: str) -> None:
    default = model.model_fields[field].default  # plain JSON values for every built-in
    assert _property(model, field)["default"] == default
    assert f"Default: {json.dumps(default)}." in _property(model, field)["description"]


def _range_of(description: str) -> tuple[str, str] | None:
    """("<op>", "bound") or ("lo", "hi") parsed back from a description's "Range: ..." text."""
    found = re.search(r"Range: (.+?)\.(?: |$)", description)
    if found is None:
        return None
    text = found.group(1)
    if " to " in text:
        low, high = text.split(" to ")
        return low, high
    op, bound = text.split(" ", 1)
    return op, bound


def _power_number(text: str) -> int:
    """The numbers the ranges print: 5, -2^63, 2^64 - 1."""
    found = re.fullmatch(r"(-?)2\^(\d+)( - 1)?|(-?\d+)", text)
    assert found is not None, text
    if found.group(4) is not None:
        return int(found.group(4))
    value = 2 ** int(found.group(2)) - (1 if found.group(3) else 0)
    return -value if found.group(1) else value


def test_descriptions_state_the_declared_ranges() -> None:
    from initspec.initializers.orthogonal import OrthogonalConfig
    from initspec.initializers.random import NormalConfig
    from initspec.initializers.variance_scaling import VarianceScalingConfig

    seed = _range_of(_property(NormalConfig, "seed")["description"])
    assert seed is not None
    assert (_power_number(seed[0]), _power_number(seed[1])) == (SEED_MIN, SEED_MAX)
    assert _range_of(_property(NormalConfig, "stddev")["description"]) == (">=", "0")
    assert _range_of(_property(VarianceScalingConfig, "scale")["description"]) == (">", "0")
    # the float range itself only says "finite": no range is printed for it
    assert _range_of(_property(NormalConfig, "mean")["description"]) is None
    assert _range_of(_property(OrthogonalConfig, "gain")["description"]) is None
    shared = SCHEMA["$defs"]["ZerosIdentifier"]["properties"]["shared_object_id"]
    assert _range_of(shared["description"]) == (">=", "0")


def test_required_keys_are_said_to_be_required() -> None:
    envelope = SCHEMA["$defs"]["RandomNormalIdentifier"]
    for key in envelope["required"]:
        assert envelope["properties"][key]["description"].endswith("Required.")


def test_plain_text_removes_rest_markup() -> None:
    doc = """Values from ``minval`` to ``maxval``, see :class:`~initspec.RandomUniform`,
    :func:`initspec.get` and `the paper <https://example.org/p>`_; **strictly** `seed`.

    >>> ignored()
    """
    text = plain_text(doc)
    assert text == (
        "Values from minval to maxval, see initspec.RandomUniform, initspec.get and the "
        "paper; strictly seed."
    )
    assert _is_plain_text(text)
    assert plain_text(None) == plain_text("") == ""


def test_user_config_models_keep_their_own_descriptions() -> None:
    class Own(initspec.InitializerConfig):
        """Config of ``Own``.

        More text.
        """

        factor: float = pydantic.Field(2.0, description="How much.", ge=1)
        plain: int = 3

    schema = Own.model_json_schema()
    assert schema["description"] == "Config of Own."
    assert schema["properties"]["factor"]["description"] == "How much. Default: 2.0. Range: >= 1."
    assert "description" not in schema["properties"]["plain"]


def _config_errors(doc: Any) -> list[jsonschema.ValidationError]:
    union = Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": "#/$defs/InitializerConfig"})
    return list(union.iter_errors(doc))


def test_a_misspelt_class_name_is_one_error_naming_every_class() -> None:
    # Validators ignore OpenAPI's "discriminator": with a plain oneOf, a misspelt class_name
    # failed every member, and editors reported it against one arbitrary class.
    errors = _config_errors(config("GlorotUnifrom", seed=1))
    assert [(list(e.absolute_path), e.validator) for e in errors] == [(["class_name"], "enum")]
    assert set(errors[0].validator_value) == set(builtin_table().by_name)


def test_a_config_is_checked_against_its_own_class_only() -> None:
    errors = _config_errors(config("RandomNormal", stdev=0.1))
    # config may also be null (the defaults), so its one error is an anyOf whose non-null
    # branch names the misspelt key of this class, and nothing of another class
    assert [(list(e.absolute_path), e.validator) for e in errors] == [(["config"], "anyOf")]
    inner = [e for e in errors[0].context if e.validator != "type"]
    assert [(list(e.absolute_path), e.validator) for e in inner] == [
        (["config"], "additionalProperties")
    ]
    assert "'stdev'" in inner[0].message
    missing = _config_errors({"config": {}})
    assert [(list(e.absolute_path), e.validator) for e in missing] == [([], "required")]


# --- schemas/README.md: $schema, the modeline and $ref ---------------------------------------


def _team_validator(base: str) -> Draft202012Validator:
    """The README's experiment schema, at ``base``, beside a copy of the published schema."""
    from referencing import Registry, Resource

    team = json.loads(readme_files()["experiment.schema.json"])
    Draft202012Validator.check_schema(team)
    published = Resource.from_contents(SCHEMA)
    registry = Registry().with_resources(
        [(base + "initializer.schema.json", published), (SCHEMA["$id"], published)]
    )
    return Draft202012Validator({**team, "$id": base + "experiment.schema.json"}, registry=registry)


def _initializers(experiment: dict[str, Any]) -> list[Any]:
    return [v for layer in experiment["layers"] for k, v in layer.items() if k.endswith("izer")]


def test_schemas_readme_examples_validate_with_jsonschema_and_initspec() -> None:
    yaml = pytest.importorskip("yaml")
    files = readme_files()
    assert set(files) == {
        "initializer.yaml",
        "experiment.schema.json",
        "experiment.json",
        "experiment.yaml",
    }
    bare = yaml.safe_load(files["initializer.yaml"])
    assert files["initializer.yaml"].startswith(
        "# yaml-language-server: $schema=./initializer.schema.json\n"
    )
    assert VALIDATOR.is_valid(bare)
    assert initspec_error(bare) is None
    validator = _team_validator("file:///project/schemas/")
    experiment_json = json.loads(files["experiment.json"])
    experiment_yaml = yaml.safe_load(files["experiment.yaml"])
    assert experiment_json["$schema"] == "./experiment.schema.json"
    assert files["experiment.yaml"].startswith(
        "# yaml-language-server: $schema=./experiment.schema.json\n"
    )
    for experiment in (experiment_json, experiment_yaml):
        assert validator.is_valid(experiment), best_match(validator.iter_errors(experiment))
        initializers = _initializers(experiment)
        assert len(initializers) >= 3
        for identifier in initializers:
            assert initspec_error(identifier) is None


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (
            lambda e: e["layers"][1]["kernel_initializer"]["config"].update(sed=42),
            ["layers", 1, "kernel_initializer", "config"],
        ),
        (
            lambda e: e["layers"][1]["kernel_initializer"].update(class_name="GlorotUnifrom"),
            ["layers", 1, "kernel_initializer", "class_name"],
        ),
        (
            lambda e: e["layers"][0].update(kernel_initializer="he_normall"),
            ["layers", 0, "kernel_initializer"],
        ),
        (
            lambda e: e["layers"][1]["bias_initializer"].update(module="os"),
            ["layers", 1, "bias_initializer", "module"],
        ),
    ],
    ids=["key", "class_name", "name", "module"],
)
def test_schemas_readme_ref_rejects_what_initspec_rejects(change: Any, where: list[Any]) -> None:
    validator = _team_validator("file:///project/schemas/")
    experiment = json.loads(readme_files()["experiment.json"])
    change(experiment)
    found = best_match(validator.iter_errors(experiment))
    assert found is not None
    assert list(found.absolute_path) == where
    rejected = [i for i in _initializers(experiment) if initspec_error(i) is not None]
    assert len(rejected) == 1


def test_a_bare_identifier_cannot_carry_dollar_schema() -> None:
    # what schemas/README.md says: map such files in the editor's settings instead
    doc = {"$schema": "./initializer.schema.json", **config("HeNormal", seed=42)}
    error = initspec_error(doc)
    assert error is not None
    assert [r.type for r in error.errors] == ["unknown_key"]
    assert not VALIDATOR.is_valid(doc)


def test_variance_scaling_descriptions_agree_with_the_named_variants() -> None:
    # The scale and mode descriptions cite what the named classes fix: keep them in step.
    from initspec.initializers.variance_scaling import VarianceScalingConfig

    scale_text = _property(VarianceScalingConfig, "scale")["description"]
    mode_text = _property(VarianceScalingConfig, "mode")["description"]
    stated = {
        name: float(value)
        for first, second, value in re.findall(r"(\w+) and (\w+) (?:use )?(\d+) \(", scale_text)
        for name in (first, second)
    }
    papers = {
        "Glorot": "Glorot & Bengio 2010",
        "Lecun": "LeCun et al. 1998",
        "He": "He et al. 2015",
    }
    fixed = [initspec.GlorotNormal, initspec.GlorotUniform, initspec.HeNormal]
    fixed += [initspec.HeUniform, initspec.LecunNormal, initspec.LecunUniform]
    assert set(stated) == {cls.__name__ for cls in fixed}
    for cls in fixed:
        scale, mode, _ = cls._fixed
        paper = next(v for k, v in papers.items() if cls.__name__.startswith(k))
        assert stated[cls.__name__] == scale, cls
        assert re.search(rf"{cls.__name__}[^.]* \({re.escape(paper)}\)", scale_text), cls
        clause = next(c for c in mode_text.split(";") if mode in c)
        assert paper in clause, (cls, mode)


def test_every_example_is_valid_for_its_field() -> None:
    checked = 0
    for where, obj in _objects_with_properties(SCHEMA):
        for name, prop in obj["properties"].items():
            for value in prop.get("examples", []):
                field = Draft202012Validator({"$defs": SCHEMA["$defs"], **prop})
                assert field.is_valid(value), (where, name, value)
                checked += 1
    assert checked >= 8


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
