"""``initspec.InitializerField`` inside real pydantic v2 models, dataclasses, TypeAdapters and
pydantic-settings: the same acceptance and errors as ``get()``, Keras dumps, one JSON Schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import numpy as np
import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

import initspec
from initspec import InitializerField
from initspec.initializers.base import Filler
from strategies import fuzz_settings, json_values, mutated_configs, valid_configs


class Experiment(BaseModel):
    kernel: InitializerField = "glorot_uniform"
    bias: InitializerField = "zeros"


class Scaled(initspec.Initializer):
    class config_model(initspec.InitializerConfig):
        factor: float = 1.0

    def generate(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
        return np.full(shape, self.factor, dtype)


GOOD: list[Any] = [
    None,
    "he_normal",
    "OrthogonalV2",
    {"class_name": "RandomNormal", "config": {"stddev": 0.5, "seed": 3}},
    {
        "module": "keras.initializers",
        "class_name": "VarianceScaling",
        "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": None},
        "registered_name": None,
    },
    {"class_name": "Constant", "config": {"value": [[1, 2], [3, 4]]}},
    initspec.HeUniform(seed=4),
    initspec.Ones,
    np.arange(4.0),
    {"class_name": "Zeros"},  # hand-written, without config: the defaults
]

BAD: list[Any] = [
    "glorot_unifrom",
    {"class_name": "RandomNormal", "config": {"stdev": 0.1, "seed": True}},
    {"class_name": "RandomUniform", "config": {"minval": 2.0, "maxval": 1.0}},
    {"module": "os", "class_name": "system", "config": {}},
    {"class_name": "VarianceScaling", "config": {"mode": "fan_middle", "scale": -1.0}},
    3.5,
    [1, 2],
    {"class_name": "Zeros", "config": [0]},
]


def _get_errors(identifier: Any) -> list[dict[str, Any]]:
    with pytest.raises(initspec.InitializerError) as info:
        initspec.get(identifier)
    return [
        {"type": r.type, "loc": r.loc, "msg": r.msg, "input": r.input} for r in info.value.errors
    ]


@pytest.mark.parametrize("identifier", GOOD, ids=repr)
def test_holds_what_get_builds(identifier: Any) -> None:
    expected = initspec.get(identifier)
    held = Experiment(kernel=identifier).kernel
    if isinstance(expected, Filler):  # an initializer, or an array identifier's
        assert type(held) is type(expected)
        assert held == expected
        if getattr(getattr(expected, "config", None), "seed", None) is not None:
            assert np.array_equal(held((5, 3)), expected((5, 3)))
    else:
        assert held is expected


def test_defaults_are_validated_and_built() -> None:
    exp = Experiment()
    assert isinstance(exp.kernel, initspec.GlorotUniform)
    assert isinstance(exp.bias, initspec.Zeros)

    class Broken(BaseModel):
        kernel: InitializerField = "glorot_unifrom"

    with pytest.raises(ValidationError) as info:
        Broken()
    (error,) = info.value.errors()
    assert error["type"] == "unknown_name"
    assert error["loc"] == ("kernel",)
    assert "glorot_uniform" in error["msg"]


@pytest.mark.parametrize("identifier", BAD, ids=repr)
def test_errors_are_the_models_own(identifier: Any) -> None:
    expected = _get_errors(identifier)
    with pytest.raises(ValidationError) as info:
        Experiment(kernel=identifier)
    got = [
        {"type": e["type"], "loc": e["loc"], "msg": e["msg"], "input": e["input"]}
        for e in info.value.errors()
    ]
    assert got == [{**e, "loc": ("kernel", *e["loc"])} for e in expected]


def test_every_problem_in_every_field_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        Experiment.model_validate(
            {
                "kernel": {"class_name": "RandomNormal", "config": {"stdev": 0.1, "seed": True}},
                "bias": "zeroes",
            }
        )
    errors = info.value.errors()
    assert [(e["loc"], e["type"]) for e in errors] == [
        (("kernel", "config", "seed"), "not_an_integer"),
        (("kernel", "config", "stdev"), "unknown_key"),
        (("bias",), "unknown_name"),
    ]
    assert errors[1]["input"] == 0.1
    assert "did you mean 'stddev'" in errors[1]["msg"]
    assert "3 validation errors for Experiment" in str(info.value)


def test_messages_with_braces_are_kept_verbatim() -> None:
    with pytest.raises(ValidationError) as info:
        Experiment(kernel="{seed}")
    assert info.value.errors()[0]["msg"] == _get_errors("{seed}")[0]["msg"]


def test_dump_writes_keras3_and_validates_back() -> None:
    exp = Experiment(
        kernel={"class_name": "TruncatedNormal", "config": {"stddev": 0.02, "seed": 1}}
    )
    dumped = exp.model_dump(mode="json")
    assert dumped["kernel"] == initspec.serialize(exp.kernel)
    assert dumped["kernel"]["module"] == "keras.initializers"
    assert dumped["bias"] == initspec.serialize(initspec.Zeros())
    assert Experiment.model_validate(dumped) == exp
    assert Experiment.model_validate_json(exp.model_dump_json()) == exp
    assert Experiment.model_validate(exp.model_dump()) == exp
    again = Experiment.model_validate_json(exp.model_dump_json())
    assert np.array_equal(again.kernel((4, 4)), exp.kernel((4, 4)))


def test_dump_keras2_by_context() -> None:
    exp = Experiment(kernel=initspec.HeNormal(seed=2))
    dumped = exp.model_dump(mode="json", context={"initspec_format": "keras2"})
    assert dumped["kernel"] == {"class_name": "HeNormal", "config": {"seed": 2}}
    assert dumped["bias"] == {"class_name": "Zeros", "config": {}}
    text = exp.model_dump_json(context={"initspec_format": "keras2"})
    assert Experiment.model_validate_json(text) == exp


def test_dump_of_a_plain_callable_is_an_error() -> None:
    exp = Experiment(kernel=lambda shape, dtype=None: np.zeros(shape))
    with pytest.raises(PydanticSerializationError, match="can be dumped"):
        exp.model_dump(mode="json")


def test_dump_of_an_array_identifier_is_an_error() -> None:
    # README: a field holding an array cannot be dumped (the array has no config to write)
    exp = Experiment(kernel=np.arange(4.0))
    for mode in ("json", "python"):
        with pytest.raises(PydanticSerializationError, match="can be dumped"):
            exp.model_dump(mode=mode)


def test_json_schema_embeds_initspec_once() -> None:
    class Inner(BaseModel):
        recurrent: InitializerField = "orthogonal"

    class Outer(BaseModel):
        kernel: InitializerField = "glorot_uniform"
        bias: InitializerField = None
        inner: Inner = Inner()

    schema = Outer.model_json_schema()
    text = json.dumps(schema)
    names = json.dumps(initspec.json_schema()["anyOf"][1]["description"])
    assert text.count(f'"description": {names}') == 1
    root = schema["properties"]["kernel"]["$ref"]
    assert root == schema["properties"]["bias"]["$ref"]
    assert root == schema["$defs"]["Inner"]["properties"]["recurrent"]["$ref"]
    assert root.startswith("#/$defs/")
    own = initspec.json_schema()
    embedded = schema["$defs"][root.rsplit("/", 1)[1]]
    assert embedded["anyOf"][1]["enum"] == own["anyOf"][1]["enum"]
    for name in own["$defs"]:  # every definition of initspec's schema is there
        assert name in schema["$defs"]
    jsonschema.Draft202012Validator.check_schema(schema)


def test_json_schema_names_do_not_clash_with_the_users() -> None:
    class NumberArray(BaseModel):  # a name initspec's schema also defines
        label: str

    class Mixed(BaseModel):
        data: NumberArray
        kernel: InitializerField = "glorot_uniform"

    schema = Mixed.model_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    ok = {"data": {"label": "x"}, "kernel": {"class_name": "Constant", "config": {"value": [1]}}}
    assert not list(validator.iter_errors(ok))
    assert list(validator.iter_errors({**ok, "data": [1.0]}))
    assert list(
        validator.iter_errors(
            {**ok, "kernel": {"class_name": "Constant", "config": {"value": [[1], "x"]}}}
        )
    )


JSON_DOCS: list[Any] = [
    *[g for g in GOOD if g is None or isinstance(g, (str, dict))],
    # minval > maxval is one of the checks JSON Schema cannot express (see the README)
    *[b for b in BAD if not isinstance(b, float) and "RandomUniform" not in repr(b)],
    {"class_name": "GlorotUniform", "config": {"seed": 1.5}},
    {"class_name": "Orthogonal", "config": {"gain": "1"}},
    {"class_name": "HeNormal", "config": {}, "registered_name": "HeUniform"},
    {"class_name": "RandomUniform", "config": {"minval": -1, "maxval": 1}},
    "GlorotUniformV2",
    "",
    {"class_name": "STFT", "config": {"side": "imag", "window": "hann"}},
]


@pytest.mark.parametrize("doc", JSON_DOCS, ids=repr)
def test_json_schema_agrees_with_validation(doc: Any) -> None:
    validator = jsonschema.Draft202012Validator(Experiment.model_json_schema())
    schema_ok = not list(validator.iter_errors({"kernel": doc}))
    try:
        Experiment.model_validate_json(json.dumps({"kernel": doc}))
        model_ok = True
    except ValidationError:
        model_ok = False
    assert schema_ok == model_ok


def test_type_adapter() -> None:
    adapter = TypeAdapter(InitializerField)
    assert adapter.validate_python("lecun_normal") == initspec.LecunNormal()
    with pytest.raises(ValidationError) as info:
        adapter.validate_python({"class_name": "Ones", "config": {"x": 1}})
    assert info.value.errors()[0]["loc"] == ("config", "x")
    assert adapter.dump_python(initspec.Ones(), mode="json")["class_name"] == "Ones"
    assert adapter.json_schema()["$defs"]  # self-contained


def test_pydantic_dataclass() -> None:
    @pydantic.dataclasses.dataclass
    class Layer:
        units: int
        kernel: InitializerField = "he_uniform"

    assert isinstance(Layer(3).kernel, initspec.HeUniform)
    with pytest.raises(ValidationError) as info:
        Layer(3, kernel={"class_name": "HeUniform", "config": {"sed": 1}})
    assert info.value.errors()[0]["loc"] == ("kernel", "config", "sed")
    assert info.value.errors()[0]["type"] == "unknown_key"


def test_pydantic_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    pydantic_settings = pytest.importorskip(
        "pydantic_settings", reason="pydantic-settings is not installed (the test extra has it)"
    )

    class Settings(pydantic_settings.BaseSettings):  # type: ignore[misc, name-defined]
        model_config = pydantic_settings.SettingsConfigDict(env_prefix="EXP_")
        kernel: InitializerField = "glorot_uniform"

    assert isinstance(Settings().kernel, initspec.GlorotUniform)
    monkeypatch.setenv("EXP_KERNEL", "lecun_uniform")
    assert isinstance(Settings().kernel, initspec.LecunUniform)
    monkeypatch.setenv("EXP_KERNEL", "lecun_unform")
    with pytest.raises(ValidationError) as info:
        Settings()
    assert info.value.errors()[0]["type"] == "unknown_name"
    assert Settings(kernel={"class_name": "HeNormal", "config": {"seed": 9}}).kernel == (
        initspec.HeNormal(seed=9)
    )


def test_registrations_and_scopes_apply() -> None:
    config = {"class_name": "Scaled", "config": {"factor": 2.0}}
    with pytest.raises(ValidationError) as info:
        Experiment(kernel=config)
    assert info.value.errors()[0]["type"] == "unknown_class_name"
    with initspec.custom_object_scope(Scaled):
        exp = Experiment(kernel=config)
        assert np.array_equal(exp.kernel((2,)), [2.0, 2.0])
        with pytest.raises(ValidationError) as info:
            Experiment(kernel={"class_name": "Scaled", "config": {"factr": 2.0}})
        assert info.value.errors()[0]["loc"] == ("kernel", "config", "factr")
    registered = initspec.register(package="test_field_pkg")(Scaled)
    try:
        exp = Experiment(kernel="test_field_pkg>Scaled")
        assert isinstance(exp.kernel, Scaled)
        assert Experiment.model_validate_json(exp.model_dump_json()) == exp
    finally:
        initspec.unregister(registered)


@fuzz_settings(0.5)
@given(st.one_of(mutated_configs(), valid_configs(), json_values()))
def test_field_and_get_agree_on_everything(identifier: Any) -> None:
    """The field accepts exactly what get() accepts, with the same records under the field."""
    try:
        expected = initspec.get(identifier)
    except initspec.InitializerError as err:
        records = err.errors
    else:
        held = Experiment(kernel=identifier).kernel
        assert held == expected
        return
    with pytest.raises(ValidationError) as info:
        Experiment(kernel=identifier)
    got = [(e["loc"], e["type"], e["msg"]) for e in info.value.errors()]
    assert got == [(("kernel", *r.loc), r.type, r.msg) for r in records]
