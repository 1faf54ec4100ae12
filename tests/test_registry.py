"""User initializers: ``register``, ``unregister``, ``custom_object_scope``, ``custom_objects=``.

Serialized forms follow the project reference: Keras 3 writes a custom object as
``{"module": <its module>, "class_name": <its class name>, "config": ..., "registered_name":
"package>Name"}``; Keras 2 writes ``{"class_name": "package>Name", "config": ...}``.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

import initspec
from initspec import InitializerError

PKG = "test_registry_pkg"


class Scaled(initspec.Initializer):
    """factor + offset everywhere."""

    class config_model(initspec.InitializerConfig):
        factor: float = 1.0
        offset: int = 0

    def generate(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
        return np.full(shape, self.factor + self.offset, dtype)


class Sevens(initspec.Initializer):
    class config_model(initspec.InitializerConfig):
        k: int = 7

    def generate(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
        return np.full(shape, self.k, dtype)


class GlorotUniform(initspec.Initializer):
    """A user class that has a built-in's name (and a config the built-in would refuse)."""

    class config_model(initspec.InitializerConfig):
        whatever: int = 0

    def generate(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
        return np.full(shape, -1.0, dtype)


def _make_dup(fill: float) -> type[initspec.Initializer[Any]]:
    class Dup(initspec.Initializer):
        class config_model(initspec.InitializerConfig):
            pass

        def generate(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
            return np.full(shape, fill, dtype)

    return Dup


DupA = _make_dup(1.0)
DupB = _make_dup(2.0)


@contextlib.contextmanager
def registered(cls: Any, package: str = PKG, name: str | None = None) -> Iterator[Any]:
    initspec.register(package=package, name=name)(cls)
    try:
        yield cls
    finally:
        with contextlib.suppress(InitializerError):
            initspec.unregister(f"{package}>{name or cls.__name__}")


@pytest.fixture
def scaled() -> Iterator[type[Scaled]]:
    with registered(Scaled) as cls:
        yield cls


def get_error(identifier: Any, **kwargs: Any) -> InitializerError:
    with pytest.raises(InitializerError) as info:
        initspec.get(identifier, **kwargs)
    return info.value


def only(err: InitializerError) -> Any:
    assert len(err.errors) == 1, str(err)
    return err.errors[0]


def registration_error(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with pytest.raises(InitializerError) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    rec = only(info.value)
    assert rec.type == "invalid_registration"
    return rec


def keras3_form(cls: type, config: dict[str, Any], registered_name: str | None) -> dict[str, Any]:
    return {
        "module": cls.__module__,
        "class_name": cls.__name__,
        "config": config,
        "registered_name": registered_name,
    }


# --- resolving a registered class ----------------------------------------------------------


@pytest.mark.parametrize("name", [f"{PKG}>Scaled", "Scaled"])
def test_registered_class_resolves_by_full_and_short_name(scaled: type, name: str) -> None:
    init = initspec.get(name)
    assert type(init) is Scaled
    assert init == Scaled()
    np.testing.assert_array_equal(init((2, 3)), np.ones((2, 3), np.float32))
    assert type(initspec.deserialize(name)) is Scaled


def test_names_of_registered_classes_are_case_sensitive(scaled: type) -> None:
    rec = only(get_error("scaled"))
    assert rec.type == "unknown_name"
    assert "'Scaled'" in rec.msg


@pytest.mark.parametrize(
    "identifier",
    [
        keras3_form(Scaled, {"factor": 2.5, "offset": 1}, f"{PKG}>Scaled"),
        {**keras3_form(Scaled, {"factor": 2.5, "offset": 1}, None)},
        {"class_name": f"{PKG}>Scaled", "config": {"factor": 2.5, "offset": 1}},
        {"class_name": "Scaled", "config": {"factor": 2.5, "offset": 1}},
        {
            "module": None,
            "class_name": f"{PKG}>Scaled",
            "config": {"factor": 2.5, "offset": 1},
            "registered_name": f"{PKG}>Scaled",
        },
    ],
    ids=["keras3", "keras3-no-registered-name", "keras2-full", "keras2-short", "keras3-full"],
)
def test_registered_class_loads_from_both_serialized_forms(
    scaled: type, identifier: dict[str, Any]
) -> None:
    init = initspec.get(identifier)
    assert type(init) is Scaled
    assert init.get_config() == {"factor": 2.5, "offset": 1}
    np.testing.assert_array_equal(init((3,), "float64"), np.full(3, 3.5))


def test_register_returns_the_class_and_defaults_to_the_custom_package() -> None:
    class Plain(initspec.Initializer):
        def generate(self, shape: Any, dtype: Any) -> Any:
            return np.zeros(shape, dtype)

    assert initspec.register(Plain) is Plain
    try:
        assert type(initspec.get("Custom>Plain")) is Plain
        assert type(initspec.get("Plain")) is Plain
    finally:
        initspec.unregister(Plain)


def test_register_with_an_explicit_name() -> None:
    with registered(Sevens, name="Lucky"):
        assert type(initspec.get(f"{PKG}>Lucky")) is Sevens
        written = initspec.serialize(Sevens(k=3))
        assert written["registered_name"] == f"{PKG}>Lucky"
        assert initspec.get(written) == Sevens(k=3)


# --- strict validation, exactly like a built-in --------------------------------------------


@pytest.mark.parametrize(
    ("config", "type_", "loc"),
    [
        ({"factr": 2.0}, "unknown_key", ("config", "factr")),
        ({"factor": "2"}, "not_a_number", ("config", "factor")),
        ({"factor": True}, "not_a_number", ("config", "factor")),
        ({"factor": None}, "not_a_number", ("config", "factor")),
        ({"factor": float("nan")}, "not_finite", ("config", "factor")),
        ({"factor": float("inf")}, "not_finite", ("config", "factor")),
        ({"offset": 1.5}, "not_an_integer", ("config", "offset")),
        ({"offset": True}, "not_an_integer", ("config", "offset")),
        ({"offset": "1"}, "not_an_integer", ("config", "offset")),
    ],
    ids=repr,
)
@pytest.mark.parametrize("form", ["keras2", "keras3"])
def test_registered_config_is_validated_strictly(
    scaled: type, config: dict[str, Any], type_: str, loc: tuple[str, ...], form: str
) -> None:
    identifier: dict[str, Any] = {"class_name": f"{PKG}>Scaled", "config": config}
    if form == "keras3":
        identifier = keras3_form(Scaled, config, f"{PKG}>Scaled")
    rec = only(get_error(identifier))
    assert (rec.type, rec.loc) == (type_, loc)
    assert rec.pointer == "/" + "/".join(loc)
    value = config[loc[-1]]
    assert rec.input == value or (value != value and rec.input != rec.input)  # NaN


@pytest.mark.parametrize(
    ("builtin", "custom", "type_"),
    [
        (("Orthogonal", "gain", "2"), ("factor", "2"), "not_a_number"),
        (("Orthogonal", "gain", True), ("factor", True), "not_a_number"),
        (("Identity", "gain", float("nan")), ("factor", float("nan")), "not_finite"),
        (("RandomNormal", "seed", 1.5), ("offset", 1.5), "not_an_integer"),
        (("Orthogonal", "gian", 1.0), ("factr", 1.0), "unknown_key"),
    ],
)
def test_registered_errors_have_the_same_types_as_builtin_errors(
    scaled: type, builtin: tuple[str, str, Any], custom: tuple[str, Any], type_: str
) -> None:
    cls_name, key, value = builtin
    ours = only(get_error({"class_name": cls_name, "config": {key: value}}))
    theirs = only(get_error({"class_name": "Scaled", "config": {custom[0]: custom[1]}}))
    assert ours.type == theirs.type == type_


def test_registered_config_reports_every_problem_with_suggestions(scaled: type) -> None:
    err = get_error({"class_name": "Scaled", "config": {"factr": 1, "offset": 1.5, "x": 0}})
    by_pointer = {r.pointer: r for r in err.errors}
    assert set(by_pointer) == {"/config/factr", "/config/offset", "/config/x"}
    assert "did you mean 'factor'" in by_pointer["/config/factr"].msg
    assert "factor" in by_pointer["/config/x"].msg  # allowed keys listed
    assert "offset" in by_pointer["/config/x"].msg


def test_registered_constructor_validates() -> None:
    with pytest.raises(InitializerError) as info:
        Scaled(factr=2.0)
    rec = only(info.value)
    assert (rec.type, rec.loc) == ("unknown_key", ("factr",))
    assert "did you mean 'factor'" in rec.msg


# --- built-ins cannot be shadowed ----------------------------------------------------------


def test_registering_a_builtin_name_under_a_package_does_not_shadow_it() -> None:
    with registered(GlorotUniform, package="evil"):
        assert type(initspec.get("GlorotUniform")) is initspec.GlorotUniform
        assert type(initspec.get("glorot_uniform")) is initspec.GlorotUniform
        assert type(initspec.get({"class_name": "GlorotUniform", "config": {}})) is (
            initspec.GlorotUniform
        )
        builtin_keras3 = {
            "module": "keras.initializers",
            "class_name": "GlorotUniform",
            "config": {"seed": None, "input_axes": None, "output_axes": None},
            "registered_name": None,
        }
        assert type(initspec.get(builtin_keras3)) is initspec.GlorotUniform
        # The built-in's validation is unchanged: the user's "whatever" key is still unknown.
        rec = only(get_error({"class_name": "GlorotUniform", "config": {"whatever": 1}}))
        assert rec.type == "unknown_key"
        # The user's class is reachable under its full name only.
        assert type(initspec.get("evil>GlorotUniform")) is GlorotUniform
    assert type(initspec.get("GlorotUniform")) is initspec.GlorotUniform


def test_user_class_named_like_a_builtin_loads_from_its_keras3_form() -> None:
    """Keras 3 writes class_name = the class's own name, registered_name = "package>Name"."""
    with registered(GlorotUniform, package="evil"):
        identifier = keras3_form(GlorotUniform, {"whatever": 3}, "evil>GlorotUniform")
        init = initspec.get(identifier)
        assert type(init) is GlorotUniform
        assert init.get_config() == {"whatever": 3}


def test_user_class_named_like_a_builtin_round_trips_through_serialize() -> None:
    with registered(GlorotUniform, package="evil"):
        init = GlorotUniform(whatever=2)
        for fmt in ("keras3", "keras2"):
            written = json.loads(json.dumps(initspec.serialize(init, format=fmt)))
            assert initspec.get(written) == init, fmt


@pytest.mark.parametrize(
    "objects",
    [{"GlorotUniform": Sevens}, {"zeros": Sevens}, {"OrthogonalInitializer": Sevens}],
    ids=repr,
)
def test_scopes_and_custom_objects_cannot_take_builtin_names(objects: dict[str, Any]) -> None:
    rec = registration_error(initspec.get, "Sevens", custom_objects=objects)
    assert "built-in" in rec.msg

    def enter() -> None:
        with initspec.custom_object_scope(objects):
            pass

    assert "built-in" in registration_error(enter).msg
    [name] = objects
    assert type(initspec.get(name)).__module__.startswith("initspec.")


def test_a_scope_with_a_builtin_class_name_is_refused() -> None:
    def enter() -> None:
        with initspec.custom_object_scope(GlorotUniform):  # known by its class name
            pass

    registration_error(enter)
    assert type(initspec.get("GlorotUniform")) is initspec.GlorotUniform


# --- bad and conflicting registrations -----------------------------------------------------


def test_conflicting_registration_is_refused_and_changes_nothing(scaled: type) -> None:
    rec = registration_error(initspec.register(package=PKG, name="Scaled"), Sevens)
    assert "already registered" in rec.msg
    assert rec.input == f"{PKG}>Scaled"
    assert type(initspec.get(f"{PKG}>Scaled")) is Scaled
    assert type(initspec.get("Scaled")) is Scaled


def test_registering_the_same_class_again_is_harmless(scaled: type) -> None:
    assert initspec.register(package=PKG)(Scaled) is Scaled
    assert type(initspec.get(f"{PKG}>Scaled")) is Scaled


class _BadModelDict(initspec.Initializer):
    config_model = dict  # type: ignore[assignment]


class _BadModelPydantic(initspec.Initializer):
    class config_model(BaseModel):  # not an InitializerConfig: not strict, extras allowed
        factor: float = 1.0


@pytest.mark.parametrize(
    ("target", "hint"),
    [
        (int, "subclass of initspec.Initializer"),
        (dict, "subclass of initspec.Initializer"),
        (BaseModel, "subclass of initspec.Initializer"),
        (_BadModelDict, "InitializerConfig"),
        (_BadModelPydantic, "InitializerConfig"),
        (lambda shape, dtype=None: None, "class"),
        (Scaled(), "class"),
        ("Scaled", "class"),
    ],
    ids=[
        "int",
        "dict",
        "pydantic-model",
        "config-dict",
        "config-basemodel",
        "function",
        "instance",
        "str",
    ],
)
def test_bad_registration(target: Any, hint: str) -> None:
    rec = registration_error(initspec.register(package="bad_pkg"), target)
    assert hint in rec.msg
    with pytest.raises(InitializerError):
        initspec.get("bad_pkg>Scaled")


@pytest.mark.parametrize("package", ["a>b", ">", "", 3, None], ids=repr)
def test_bad_package(package: Any) -> None:
    rec = registration_error(initspec.register(package=package), Sevens)
    assert "package" in rec.msg
    assert "'>'" in rec.msg
    assert only(get_error("Sevens")).type == "unknown_name"


@pytest.mark.parametrize("name", [" Sevens", "Sevens ", "a>b", ">"], ids=repr)
def test_bad_registered_name(name: str) -> None:
    try:
        rec = registration_error(initspec.register(package="name_pkg", name=name), Sevens)
    finally:
        with contextlib.suppress(InitializerError):
            initspec.unregister(Sevens)
    assert rec.type == "invalid_registration"


# --- unregister --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["class", "full-name"])
def test_unregister(key: str) -> None:
    initspec.register(package=PKG)(Sevens)
    assert type(initspec.get("Sevens")) is Sevens
    initspec.unregister(Sevens if key == "class" else f"{PKG}>Sevens")
    for name in ("Sevens", f"{PKG}>Sevens"):
        assert only(get_error(name)).type == "unknown_name"
    rec = registration_error(initspec.unregister, Sevens if key == "class" else f"{PKG}>Sevens")
    assert "not registered" in rec.msg


def test_unregister_a_short_name_is_refused(scaled: type) -> None:
    registration_error(initspec.unregister, "Scaled")
    assert type(initspec.get("Scaled")) is Scaled


# --- the same short name in two packages -----------------------------------------------------


@pytest.fixture
def dups() -> Iterator[None]:
    with registered(DupA, package="pkg_a"), registered(DupB, package="pkg_b"):
        yield


@pytest.mark.parametrize(
    ("identifier", "type_"),
    [("Dup", "unknown_name"), ({"class_name": "Dup", "config": {}}, "unknown_class_name")],
    ids=["string", "keras2"],
)
def test_shared_short_name_is_ambiguous(dups: None, identifier: Any, type_: str) -> None:
    rec = only(get_error(identifier))
    assert rec.type == type_
    assert rec.input == "Dup"
    assert "ambiguous" in rec.msg
    assert "'pkg_a>Dup'" in rec.msg
    assert "'pkg_b>Dup'" in rec.msg
    assert "full name" in rec.msg


def test_full_names_still_work_when_the_short_name_is_ambiguous(dups: None) -> None:
    for name, cls, fill in (("pkg_a>Dup", DupA, 1.0), ("pkg_b>Dup", DupB, 2.0)):
        for identifier in (name, {"class_name": name, "config": {}}):
            init = initspec.get(identifier)
            assert type(init) is cls
            np.testing.assert_array_equal(init((2,)), np.full(2, fill, np.float32))


@pytest.mark.parametrize(("package", "cls"), [("pkg_a", DupA), ("pkg_b", DupB)])
def test_keras3_form_of_an_ambiguous_short_name_uses_registered_name(
    dups: None, package: str, cls: type
) -> None:
    """Keras 3 writes class_name "Dup" with registered_name "pkg_b>Dup": that is unambiguous."""
    init = initspec.get(keras3_form(cls, {}, f"{package}>Dup"))
    assert type(init) is cls


@pytest.mark.parametrize("cls", [DupA, DupB])
def test_ambiguous_short_name_round_trips_through_serialize(dups: None, cls: type) -> None:
    for fmt in ("keras3", "keras2"):
        written = initspec.serialize(cls(), format=fmt)
        assert type(initspec.get(written)) is cls, (fmt, written)


def test_short_name_resolves_again_after_unregistering_the_other(dups: None) -> None:
    initspec.unregister("pkg_b>Dup")
    assert type(initspec.get("Dup")) is DupA


# --- custom_object_scope -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("objects", "name"),
    [((Sevens,), "Sevens"), (({"Sev": Sevens},), "Sev"), (({"Sev": Sevens}, Scaled), "Sev")],
    ids=["class", "dict", "dict-and-class"],
)
def test_custom_object_scope_only_inside_the_with(objects: tuple[Any, ...], name: str) -> None:
    assert only(get_error(name)).type == "unknown_name"
    with initspec.custom_object_scope(*objects):
        assert type(initspec.get(name)) is Sevens
        init = initspec.get({"class_name": name, "config": {"k": 3}})
        assert type(init) is Sevens
        np.testing.assert_array_equal(init((2,), "int32"), [3, 3])
        assert type(initspec.get(keras3_form(Sevens, {"k": 1}, None))) is Sevens
    assert only(get_error(name)).type == "unknown_name"
    assert only(get_error({"class_name": name, "config": {}})).type == "unknown_class_name"


def test_custom_object_scope_is_reset_after_an_exception() -> None:
    def fail_inside() -> None:
        with initspec.custom_object_scope(Sevens):
            assert type(initspec.get("Sevens")) is Sevens
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_inside()
    assert only(get_error("Sevens")).type == "unknown_name"


def test_custom_object_scopes_nest() -> None:
    with initspec.custom_object_scope(Sevens):
        with initspec.custom_object_scope({"S": Scaled}):
            assert type(initspec.get("Sevens")) is Sevens
            assert type(initspec.get("S")) is Scaled
        assert only(get_error("S")).type == "unknown_name"
        assert type(initspec.get("Sevens")) is Sevens


def test_custom_object_scope_is_per_thread() -> None:
    results: dict[str, Any] = {}
    started_inside = threading.Event()

    def probe(key: str) -> None:
        try:
            results[key] = type(initspec.get("Sevens"))
        except InitializerError as err:
            results[key] = err.errors[0].type

    with initspec.custom_object_scope(Sevens):
        results["main"] = type(initspec.get("Sevens"))
        thread = threading.Thread(target=lambda: (probe("thread"), started_inside.set()))
        thread.start()
        thread.join(timeout=30)
        with ThreadPoolExecutor(2) as pool:
            pool.submit(probe, "pool").result(timeout=30)
    assert started_inside.is_set()
    assert results == {"main": Sevens, "thread": "unknown_name", "pool": "unknown_name"}


def test_a_scope_in_another_thread_does_not_leak_here() -> None:
    inside = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with initspec.custom_object_scope(Sevens):
            inside.set()
            leave.wait(timeout=30)

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert inside.wait(timeout=30)
        assert only(get_error("Sevens")).type == "unknown_name"
    finally:
        leave.set()
        thread.join(timeout=30)


@pytest.mark.parametrize(
    "objects", [{"Sev": 3}, {"Sev": int}, {"Sev": Sevens()}, [Sevens], "Sevens"], ids=repr
)
def test_bad_scope_arguments(objects: Any) -> None:
    def enter() -> None:
        with initspec.custom_object_scope(objects):
            pass

    registration_error(enter)


# --- custom_objects= -------------------------------------------------------------------------


def test_custom_objects_argument() -> None:
    objects = {"Sev": Sevens}
    assert type(initspec.get("Sev", custom_objects=objects)) is Sevens
    assert type(initspec.get("Sevens", custom_objects=objects)) is Sevens  # by class name too
    init = initspec.get({"class_name": "Sev", "config": {"k": 2}}, custom_objects=objects)
    assert init == Sevens(k=2)
    assert initspec.deserialize("Sev", custom_objects=objects) == Sevens()
    assert initspec.deserialize({"class_name": "Sev", "config": {}}, objects) == Sevens()
    # only for that call
    assert only(get_error("Sev")).type == "unknown_name"


def test_custom_objects_config_is_validated(scaled: type) -> None:
    err = get_error({"class_name": "Sev", "config": {"kk": 1}}, custom_objects={"Sev": Sevens})
    rec = only(err)
    assert (rec.type, rec.loc) == ("unknown_key", ("config", "kk"))
    assert "did you mean 'k'" in rec.msg


@pytest.mark.parametrize(
    "objects", [[Sevens], {"Sev": int}, {"Sev": 3}, {"Sev": Sevens()}, "Sevens"], ids=repr
)
def test_bad_custom_objects(objects: Any) -> None:
    registration_error(initspec.get, "Sev", custom_objects=objects)


# --- module --------------------------------------------------------------------------------


def test_the_module_of_a_registered_class_is_accepted_and_others_are_not(scaled: type) -> None:
    assert type(initspec.get(keras3_form(Scaled, {}, f"{PKG}>Scaled"))) is Scaled
    for module in ("os", "builtins", "other.module", Scaled.__module__ + "x", "__main__"):
        if module == Scaled.__module__:
            continue
        identifier = {**keras3_form(Scaled, {}, f"{PKG}>Scaled"), "module": module}
        rec = only(get_error(identifier))
        assert (rec.type, rec.loc, rec.input) == ("forbidden_module", ("module",), module)
        assert Scaled.__module__ in rec.msg  # says which module would be accepted
    # keras.* stays accepted for user classes too (a config written by Keras for it).
    identifier = {**keras3_form(Scaled, {}, f"{PKG}>Scaled"), "module": "keras.src"}
    assert type(initspec.get(identifier)) is Scaled


def test_a_registered_module_is_not_accepted_for_builtins(scaled: type) -> None:
    identifier = {"module": Scaled.__module__, "class_name": "Zeros", "config": {}}
    rec = only(get_error(identifier))
    assert (rec.type, rec.loc) == ("forbidden_module", ("module",))


def test_the_module_of_a_scoped_class_is_accepted_only_in_the_scope() -> None:
    identifier = keras3_form(Sevens, {"k": 4}, None)
    with initspec.custom_object_scope(Sevens):
        assert initspec.get(identifier) == Sevens(k=4)
    err = get_error(identifier)
    assert "unknown_class_name" in {r.type for r in err.errors}


@pytest.mark.parametrize("registered_name", ["Other", "pkg>Other", 3, ""], ids=repr)
def test_registered_name_must_match_the_class(scaled: type, registered_name: Any) -> None:
    rec = only(get_error(keras3_form(Scaled, {}, registered_name)))
    assert (rec.type, rec.loc) == ("registered_name_mismatch", ("registered_name",))
    assert rec.input == registered_name


# --- serialize -----------------------------------------------------------------------------


def test_serialize_a_registered_instance(scaled: type) -> None:
    init = Scaled(factor=2.0, offset=3)
    assert initspec.serialize(init) == {
        "module": Scaled.__module__,
        "class_name": "Scaled",
        "config": {"factor": 2.0, "offset": 3},
        "registered_name": f"{PKG}>Scaled",
    }
    assert initspec.serialize(init, format="keras2") == {
        "class_name": f"{PKG}>Scaled",
        "config": {"factor": 2.0, "offset": 3},
    }
    for fmt in ("keras3", "keras2"):
        written = json.loads(json.dumps(initspec.serialize(init, format=fmt)))
        back = initspec.get(written)
        assert back == init
        assert type(back) is Scaled
        np.testing.assert_array_equal(back((2, 2)), init((2, 2)))


def test_serialize_a_scoped_instance_round_trips_inside_the_scope() -> None:
    with initspec.custom_object_scope({"Sev": Sevens}):
        for fmt in ("keras3", "keras2"):
            written = json.loads(json.dumps(initspec.serialize(Sevens(k=5), format=fmt)))
            assert initspec.get(written) == Sevens(k=5), fmt


def test_registered_instances_behave_like_builtins(scaled: type) -> None:
    init = initspec.get({"class_name": "Scaled", "config": {"factor": 0.5}})
    assert init.factor == 0.5
    assert init.clone() == init
    assert Scaled.from_config(init.get_config()) == init
    assert hash(init) == hash(Scaled(factor=0.5))
    assert repr(init).startswith("Scaled(")
    part = init((4, 4), partition_shape=(2, 2), partition_offset=(1, 1))
    np.testing.assert_array_equal(part, np.full((2, 2), 0.5, np.float32))
