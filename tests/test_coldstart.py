"""A cold start builds what it uses: the envelope of the class a config names, not the union.

``Table.validate`` checks a config with the one envelope model its tag selects and falls back to
the discriminated union (which reports the errors). These tests hold the two to the same
answers: the same initializers for the configs they accept, the same error records for the
others, with built-in names, registrations and scopes (both kinds of discriminator), and from
many threads. What a first ``get()`` builds is counted in a fresh interpreter (not timed: the
times are in ``benchmarks/coldstart.py``).
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import json
import subprocess
import sys
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import PydanticSchemaGenerationError

import initspec
import initspec.limits
import initspec.sampling
from initspec import InitializerError
from initspec._lazy import _Lazy, lazy, loaded
from initspec.initializers import BUILTINS
from initspec.initializers.random import _CHECK_ONLY, check_only
from initspec.initializers.random import RandomInitializer as Seeded
from initspec.registry import Entry, Table, table
from strategies import fuzz_settings, json_values, mutated_configs, valid_configs


def _union_only(self: Table, data: dict[str, Any]) -> tuple[Entry, Any]:
    """What ``Table.validate`` did before it had a fast path: the union, always."""
    envelope = self.validator.validate_python(data)
    return self.entry_of(envelope), envelope


def _outcome(doc: Any) -> tuple[Any, ...]:
    """What ``get`` makes of ``doc``, as comparable data (the error records included)."""
    try:
        built = initspec.get(doc)
    except InitializerError as exc:
        return ("error", exc.errors)
    return ("ok", type(built), built.get_config() if isinstance(built, initspec.Initializer) else 0)


def _both(doc: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    fast = _outcome(doc)
    with mock.patch.object(Table, "validate", _union_only):
        union = _outcome(doc)
    return fast, union


# --- the fast path and the union agree ----------------------------------------------------


@fuzz_settings(share=1.0)
@given(valid_configs())
def test_the_fast_path_accepts_what_the_union_accepts_and_builds_the_same(doc: Any) -> None:
    fast, union = _both(doc)
    assert fast[0] == "ok", fast
    assert fast == union


@fuzz_settings(share=1.0)
@given(mutated_configs())
def test_the_fast_path_and_the_union_agree_on_mutated_configs(doc: Any) -> None:
    fast, union = _both(doc)
    assert fast == union


@fuzz_settings(share=0.5)
@given(
    st.fixed_dictionaries(
        {"class_name": st.sampled_from([b.__name__ for b in BUILTINS])},
        optional={
            "config": json_values(max_leaves=6),
            "module": json_values(max_leaves=1),
            "registered_name": json_values(max_leaves=1),
        },
    )
)
def test_the_fast_path_and_the_union_agree_on_arbitrary_values(doc: Any) -> None:
    fast, union = _both(doc)
    assert fast == union


class Twin(initspec.Initializer):
    """A user class registered under a package; another class of the same name is scoped."""

    class config_model(initspec.InitializerConfig):
        factor: float = 1.0

    def generate(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
        return np.full(shape, self.factor, dtype)


def _other_twin() -> type[initspec.Initializer[Any]]:
    class Twin(initspec.Initializer):  # same class name, another class
        class config_model(initspec.InitializerConfig):
            k: int = 7

        def generate(self, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
            return np.full(shape, self.k, dtype)

    return Twin


OTHER_TWIN = _other_twin()


@contextlib.contextmanager
def _registered(scoped: bool) -> Iterator[None]:
    initspec.register(package="coldstart_pkg")(Twin)
    try:
        if scoped:
            with initspec.custom_object_scope(OTHER_TWIN):
                yield
        else:
            yield
    finally:
        initspec.unregister(Twin)


_ABSENT = object()
#: Every combination of these values (absent included) is tried: 1,680 documents per table.
_CUSTOM_VALUES: dict[str, list[Any]] = {
    "class_name": ["Twin", "coldstart_pkg>Twin", "other_pkg>Twin", "HeNormal", "Zeros"],
    "config": [_ABSENT, {}, {"factor": 2.0}, {"factor": "x"}, {"k": 3}, {"seed": 1}, None],
    "module": [_ABSENT, None, "keras.initializers", __name__, "os", 3],
    "registered_name": [_ABSENT, None, "Twin", "coldstart_pkg>Twin", "other_pkg>Twin", "HeNormal"],
}


def _custom_docs() -> Iterator[dict[str, Any]]:
    keys = list(_CUSTOM_VALUES)
    for values in itertools.product(*_CUSTOM_VALUES.values()):
        yield {k: v for k, v in zip(keys, values, strict=True) if v is not _ABSENT}


@pytest.mark.parametrize("scoped", [False, True], ids=["registered", "registered+scope"])
def test_the_fast_path_and_the_union_agree_with_user_classes(scoped: bool) -> None:
    with _registered(scoped):
        native = not scoped  # names disjoint: the union is keyed natively on class_name
        names = [n for e in table().entries for n in e.class_name_values]
        assert (len(names) == len(set(names))) is native
        accepted = 0
        for doc in _custom_docs():
            fast, union = _both(doc)
            assert fast == union, doc
            accepted += fast[0] == "ok"
    assert accepted > 50  # the documents exercise acceptance, not only errors


def test_a_scoped_class_and_a_registered_one_each_get_their_own_config() -> None:
    with _registered(scoped=True):
        scoped = initspec.get({"class_name": "Twin", "config": {"k": 3}})
        registered = initspec.get(
            {
                "module": __name__,
                "class_name": "Twin",
                "config": {"factor": 2.0},
                "registered_name": "coldstart_pkg>Twin",
            }
        )
    assert type(scoped) is OTHER_TWIN
    assert scoped((1,)).tolist() == [3.0]
    assert type(registered) is Twin
    assert registered((1,)).tolist() == [2.0]


# --- what a first get() builds ------------------------------------------------------------


def _fresh(code: str) -> Any:
    """Run ``code`` in a fresh interpreter; it prints one JSON value."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


_REPORT = """
import json
from initspec.initializers._types import StrictModel
from initspec.registry import table

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

built, union = table().built
complete = sorted({m.__name__ for m in subclasses(StrictModel) if m.__pydantic_complete__})
print(json.dumps({"envelopes": list(built), "union": union, "complete": complete}))
"""


def test_importing_initspec_builds_no_model() -> None:
    report = _fresh("import initspec, initspec.serialization, initspec.files" + _REPORT)
    # InitializerConfig, users' base class, is built where it is defined (it has no fields)
    assert report == {"envelopes": [], "union": False, "complete": ["InitializerConfig"]}


def test_a_first_get_of_a_config_builds_that_class_only() -> None:
    report = _fresh(
        "import initspec\n"
        "init = initspec.get({'class_name': 'HeNormal', 'config': {'seed': 1}})\n"
        "assert init((2, 2)).shape == (2, 2)" + _REPORT
    )
    assert report["envelopes"] == ["HeNormal"]
    assert report["union"] is False
    # the envelope's validator holds HeNormal's config: no config model is compiled on its own,
    # and no other class's is (15 classes untouched)
    assert report["complete"] == ["HeNormalIdentifier", "InitializerConfig"]


def test_a_first_get_of_a_name_builds_that_config_model_only() -> None:
    report = _fresh("import initspec\ninitspec.get('he_normal')((2, 2))" + _REPORT)
    config_model = initspec.HeNormal.config_model.__name__
    assert report == {
        "envelopes": [],
        "union": False,
        "complete": sorted([config_model, "InitializerConfig"]),
    }


def test_an_invalid_config_builds_the_union_that_reports_it() -> None:
    report = _fresh(
        "import initspec\n"
        "try:\n"
        "    initspec.get({'class_name': 'HeNormal', 'config': {'sed': 1}})\n"
        "except initspec.InitializerError as exc:\n"
        "    assert exc.errors[0].type == 'unknown_key', exc\n"
        "else:\n"
        "    raise AssertionError('accepted')" + _REPORT
    )
    assert report["envelopes"] == ["HeNormal"]
    assert report["union"] is True


def test_json_schema_uses_the_union_and_get_still_builds_one_class() -> None:
    report = _fresh(
        "import initspec\n"
        "assert initspec.json_schema()['$defs']\n"
        "initspec.get({'class_name': 'Zeros', 'config': {}})" + _REPORT
    )
    assert report["envelopes"] == ["Zeros"]


# --- threads --------------------------------------------------------------------------------


def _in_threads(work: Callable[[int], Any], threads: int = 16) -> list[Any]:
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(120)
    assert not any(t.is_alive() for t in pool), "a thread is stuck"
    assert not errors, errors
    return results


def _first_validations(fresh: Table) -> list[tuple[str, Any, Any]]:
    """Each of 32 threads validates a config of one of the 16 classes in a new table."""
    classes = [b.__name__ for b in BUILTINS]

    def work(i: int) -> tuple[str, Any, Any]:
        entry, envelope = fresh.validate({"class_name": classes[i % len(classes)], "config": {}})
        return entry.tag, type(envelope), fresh.envelope(entry)

    return _in_threads(work, threads=32)


def test_threads_building_envelopes_at_once_share_one_model_per_class() -> None:
    for _ in range(3):
        with _registered(scoped=False):  # a new table: nothing built yet
            fresh = table()
            assert fresh.built == ((), False)
            results = _first_validations(fresh)
            assert fresh.built[1] is False
            for tag, model, stored in results:
                assert model is stored  # the validated envelope's class is the one kept
                assert fresh.models[tag] is stored  # and the union is built from it
            assert {r[1] for r in results} == {fresh.models[b.__name__] for b in BUILTINS}


# --- users' config models ---------------------------------------------------------------------


class _NotAField:
    pass


def test_a_users_config_model_is_built_where_it_is_defined() -> None:
    class Fine(initspec.InitializerConfig):
        factor: float = 1.0

    assert Fine.__pydantic_complete__  # built now, not deferred as the built-ins are
    with pytest.raises(PydanticSchemaGenerationError):  # so its mistakes show here

        class Broken(initspec.InitializerConfig):
            x: _NotAField | None = None


_FIRST_USE_IN_THREADS = """
import json, threading
import initspec
from initspec.initializers import BUILTINS

barrier = threading.Barrier(32)
results, errors = [None] * 32, []

def work(i):
    cls = BUILTINS[i % len(BUILTINS)]
    try:
        barrier.wait(timeout=60)
        if i % 3 == 0:
            made = cls()  # the config model, built on first use
        elif i % 3 == 1:
            made = initspec.get({"class_name": cls.__name__, "config": {}})  # its envelope
        else:
            made = initspec.get(cls.__name__)
        results[i] = [type(made).__name__, made.get_config()]
    except BaseException as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=work, args=(i,)) for i in range(32)]
for t in threads:
    t.start()
for t in threads:
    t.join(120)
print(json.dumps({"errors": errors, "results": results}, default=str))
"""


def test_first_uses_from_many_threads_in_a_fresh_interpreter() -> None:
    expected = [
        [cls.__name__, cls().get_config()]
        for cls in (BUILTINS[i % len(BUILTINS)] for i in range(32))
    ]
    for _ in range(3):  # each run is a new interpreter: every model is built for the first time
        report = _fresh(_FIRST_USE_IN_THREADS)
        assert report["errors"] == []
        assert json.loads(json.dumps(expected, default=str)) == report["results"]


# --- the command line ---------------------------------------------------------------------------


def test_the_command_line_imports_numpy_and_pydantic_only_when_a_command_needs_them() -> None:
    loaded = _fresh(
        "import json, sys\n"
        "import initspec.cli\n"
        "parser = initspec.cli.build_parser()\n"
        "parser.parse_args(['validate', 'x.json'])\n"
        "print(json.dumps(sorted(m for m in ('numpy', 'pydantic', 'initspec.registry')"
        " if m in sys.modules)))"
    )
    assert loaded == []


_VALIDATE = """
import json, sys
import initspec.cli
status = initspec.cli.main(["validate", "--format", "json", sys.argv[1]])
lazy = ("numpy", "initspec.sampling", "subprocess")
imported = [m for m in lazy if m in sys.modules]
print(json.dumps({"status": status, "imported": imported}))
"""

_CALLED = """
import json
import initspec
from initspec.initializers import base, orthogonal, random, variance_scaling

def kinds():
    read = [base.np, orthogonal.np, random.sampling, variance_scaling.sampling, orthogonal.sampling]
    return [type(m).__name__ for m in read]

before = kinds()
values = [
    initspec.get({"class_name": name, "config": {"seed": 1}})((2, 3)).tolist()
    for name in ("HeNormal", "RandomNormal", "Orthogonal")
]
print(json.dumps({"before": before, "after": kinds(), "values": values}))
"""


def _every_builtin(seed: int | None) -> list[dict[str, Any]]:
    """A config of each built-in class, with ``seed`` where it has a seed."""
    return [
        {"class_name": cls.__name__, "config": {"seed": seed} if issubclass(cls, Seeded) else {}}
        for cls in BUILTINS
    ]


def test_validating_small_files_imports_neither_numpy_nor_the_sampler(tmp_path: Any) -> None:
    """numpy is imported when an initializer is called, not to check configs (a cold start:
    it costs about as much as the rest of `initspec validate`)."""
    layer = tmp_path / "layer.json"
    layer.write_text(
        json.dumps({"kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": 7}}})
    )
    unseeded = tmp_path / "unseeded.json"  # as Keras writes an unseeded initializer
    unseeded.write_text(
        json.dumps(
            {"kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}}
        )
    )
    every, every_unseeded = tmp_path / "every.json", tmp_path / "every_unseeded.json"
    for path, seed in ((every, 5), (every_unseeded, None)):
        path.write_text(
            json.dumps({f"{c['class_name']}_initializer": c for c in _every_builtin(seed)})
        )
    for path in (layer, unseeded, every, every_unseeded):
        done = subprocess.run(
            [sys.executable, "-c", _VALIDATE, str(path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        *lines, last = done.stdout.splitlines()
        assert json.loads(last) == {"status": 0, "imported": []}, path.name
        counts = json.loads("\n".join(lines))["counts"]
        assert counts["initializers"] == (len(BUILTINS) if "every" in path.name else 1)
        assert counts["errors"] == 0


def test_modules_imported_on_first_use_take_their_place_then() -> None:
    """The first call imports numpy and the sampler and puts them in place of the stand-ins,
    so later calls read them as plainly imported modules (no per-call indirection)."""
    report = _fresh(_CALLED)
    assert report["before"] == ["_Lazy"] * 5
    assert report["after"] == ["module"] * 5
    expected = [
        initspec.get({"class_name": name, "config": {"seed": 1}})((2, 3)).tolist()
        for name in ("HeNormal", "RandomNormal", "Orthogonal")
    ]
    assert report["values"] == expected


def test_check_only_builds_unseeded_initializers_that_draw_their_seed_when_used() -> None:
    draws: list[int] = []
    real = initspec.sampling.fresh_seed

    def counted() -> int:
        draws.append(1)
        return real()

    with mock.patch.object(initspec.sampling, "fresh_seed", counted):
        initspec.get("glorot_uniform")
        assert len(draws) == 1  # drawn when built, as always
        with check_only():
            lazy_init = initspec.get({"class_name": "RandomNormal", "config": {"seed": None}})
            seeded = initspec.get({"class_name": "RandomNormal", "config": {"seed": 3}})
        assert len(draws) == 1  # built to be checked: nothing drawn
        initspec.get("he_normal")
        assert len(draws) == 2  # the block is over: drawn when built again
        assert seeded.effective_seed == 3
        values = _in_threads(lambda i: lazy_init((4, 5)))  # first used from 16 threads at once
        assert len(draws) == 3  # one draw, whichever thread came first
    seed = lazy_init.effective_seed
    for got in values:
        np.testing.assert_array_equal(got, values[0])
    np.testing.assert_array_equal(lazy_init((4, 5)), values[0])
    expected = initspec.get({"class_name": "RandomNormal", "config": {"seed": seed}})((4, 5))
    np.testing.assert_array_equal(values[0], expected)  # as if built with that seed
    assert lazy_init.get_config()["seed"] is None  # the config says what it said


def test_check_only_is_left_on_error_and_holds_in_its_own_context_only() -> None:
    with pytest.raises(InitializerError), check_only():
        initspec.get({"class_name": "Nope"})
    seen = _in_threads(lambda i: _CHECK_ONLY.get(), threads=2)
    with check_only():
        assert _CHECK_ONLY.get() is True
        assert _in_threads(lambda i: _CHECK_ONLY.get(), threads=2) == [False, False]
    assert seen == [False, False]
    assert _CHECK_ONLY.get() is False


def test_a_stand_in_reads_its_module() -> None:
    namespace: dict[str, Any] = {}
    namespace["mod"] = standin = _Lazy("initspec.limits", namespace, "mod")
    assert "imported on first use" in repr(standin)
    assert standin.MAX_THREADS == initspec.limits.MAX_THREADS
    assert namespace["mod"] is initspec.limits
    with pytest.raises(AttributeError):
        _ = standin.no_such_name
    assert lazy("initspec.limits", {}, "x") is initspec.limits  # imported already: itself


def test_loaded_waits_for_an_import_another_thread_has_begun(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a thread imports numpy, ``sys.modules`` holds it half made (no ``numpy.integer``
    yet): ``loaded`` must hand out the finished module, not that one."""
    gate = types.ModuleType("coldstart_gate")
    gate.started, gate.go = threading.Event(), threading.Event()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "coldstart_gate", gate)
    (tmp_path / "coldstart_slow.py").write_text(
        "import coldstart_gate\n"
        "coldstart_gate.started.set()\n"
        "coldstart_gate.go.wait(30)\n"
        "LAST = 'defined at the end'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importer = threading.Thread(target=importlib.import_module, args=("coldstart_slow",))
    importer.start()
    try:
        assert gate.started.wait(30)  # type: ignore[attr-defined]
        seen: list[Any] = []
        # what the reader finds in the module at once (the module object is finished later)
        reader = threading.Thread(
            target=lambda: seen.append(getattr(loaded("coldstart_slow"), "LAST", None))
        )
        reader.start()
        reader.join(0.2)  # it waits for the import (or, wrongly, has the half-made module)
    finally:
        gate.go.set()  # type: ignore[attr-defined]
        importer.join(30)
    reader.join(30)
    assert seen == ["defined at the end"]
    sys.modules.pop("coldstart_slow", None)


_RUN = """
import json, os
import initspec.cli
initspec.cli.main = lambda argv=None: 0
try:
    initspec.cli.run()
except SystemExit:
    print(json.dumps(os.environ.get("OPENBLAS_NUM_THREADS")))
"""


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("4", "4")])
def test_the_command_starts_numpy_with_one_blas_thread_unless_told(
    given: str | None, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if given is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", given)
    assert _fresh(_RUN) == expected
