"""Compare initspec's numpy window functions with ``scipy.signal.get_window``."""

from __future__ import annotations

import importlib
import importlib.util
import re
from types import ModuleType

import numpy as np
import pytest

from helpers import ROOT, load_module

signal = pytest.importorskip("scipy.signal")


def _load_windows_module() -> ModuleType:
    try:
        return importlib.import_module("initspec.initializers._windows")
    except ImportError:
        path = ROOT / "src" / "initspec" / "initializers" / "_windows.py"
        return load_module("_initspec_windows", path)


windows = _load_windows_module()

SUFFIXES = ("", "_periodic", "_symmetric")
LENGTHS = (*range(1, 71), 255, 256, 1024, 4097)
ATOL = 1e-12
ALIASES = sorted(windows.WINDOW_ALIASES)
CANONICAL = sorted(set(windows.WINDOW_ALIASES.values()))
PARAMETRIC = sorted(windows.PARAMETRIC_WINDOWS)


def _strip_suffix(name: str) -> str:
    for suffix in SUFFIXES[1:]:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _scipy_kind(name: str) -> str:
    """How scipy treats a bare window name: 'free', 'parametric' or 'unknown'."""
    try:
        signal.get_window(name, 8)
    except ValueError as exc:
        return "unknown" if "invalid window name" in str(exc).lower() else "parametric"
    return "free"


def _scipy_candidate_names() -> set[str]:
    """Every window name scipy might know, from scipy itself plus our tables."""
    bases: set[str] = set()
    try:  # private table of scipy >= 1.15: {name: (function, needs_params)}
        from scipy.signal.windows import _windows as scipy_impl

        bases.update(getattr(scipy_impl, "_WIN_FUNCS", {}))
    except ImportError:
        pass
    # Names quoted in get_window's public docstring, e.g. ``'hann'``.
    bases.update(re.findall(r"``'([A-Za-z_ ]+)'``", signal.get_window.__doc__ or ""))
    bases.update(_strip_suffix(n) for n in windows.WINDOW_ALIASES)
    bases.update(_strip_suffix(n) for n in windows.PARAMETRIC_WINDOWS)
    bases = {_strip_suffix(b) for b in bases} - {""}
    return {base + suffix for base in bases for suffix in SUFFIXES}


SCIPY_KINDS = {name: _scipy_kind(name) for name in _scipy_candidate_names()}


# --------------------------------------------------------------------------
# Numerical agreement with scipy.
# --------------------------------------------------------------------------
def _assert_matches_scipy(name: str, length: int, periodic: bool) -> None:
    expected = signal.get_window(name, length, periodic)
    actual = windows.get_window(name, length, periodic)
    assert isinstance(actual, np.ndarray)
    assert actual.dtype == np.float64
    assert actual.shape == (length,)
    np.testing.assert_allclose(
        actual,
        expected,
        rtol=0,
        atol=ATOL,
        err_msg=f"window={name!r} length={length} periodic={periodic}",
    )


@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("name", CANONICAL)
def test_canonical_window_matches_scipy(name: str, length: int, periodic: bool) -> None:
    _assert_matches_scipy(name, length, periodic)


@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("name", ALIASES)
def test_every_alias_matches_scipy(name: str, periodic: bool) -> None:
    for length in LENGTHS:
        _assert_matches_scipy(name, length, periodic)


# --------------------------------------------------------------------------
# Name tables versus what scipy accepts.
# --------------------------------------------------------------------------
def test_window_aliases_are_exactly_scipys_parameter_free_names() -> None:
    scipy_free = {name for name, kind in SCIPY_KINDS.items() if kind == "free"}
    assert set(windows.WINDOW_ALIASES) == scipy_free


def test_parametric_windows_are_exactly_scipys_parameter_requiring_names() -> None:
    scipy_parametric = {n for n, kind in SCIPY_KINDS.items() if kind == "parametric"}
    assert set(windows.PARAMETRIC_WINDOWS) == scipy_parametric


def test_scipy_private_table_agrees_when_available() -> None:
    scipy_impl = pytest.importorskip("scipy.signal.windows._windows")
    table = getattr(scipy_impl, "_WIN_FUNCS", None)
    if table is None:
        pytest.skip("scipy has no _WIN_FUNCS table")
    for base, (_, needs_params) in table.items():
        for suffix in SUFFIXES:
            if needs_params is True:
                assert base + suffix in windows.PARAMETRIC_WINDOWS
            else:
                assert base + suffix in windows.WINDOW_ALIASES


def test_tables_are_disjoint_and_canonical_names_map_to_themselves() -> None:
    assert not set(windows.WINDOW_ALIASES) & windows.PARAMETRIC_WINDOWS
    for canonical in CANONICAL:
        assert windows.WINDOW_ALIASES[canonical] == canonical


@pytest.mark.parametrize("name", ALIASES)
def test_alias_equals_its_canonical_window(name: str) -> None:
    canonical = windows.WINDOW_ALIASES[name]
    for length in (1, 2, 7, 16):
        for periodic in (True, False):
            _, effective = windows.resolve_window(name, periodic)
            np.testing.assert_array_equal(
                windows.get_window(name, length, periodic),
                windows.get_window(canonical, length, effective),
            )


@pytest.mark.parametrize("name", PARAMETRIC)
def test_parametric_names_are_rejected(name: str) -> None:
    with pytest.raises(KeyError):
        windows.get_window(name, 16, True)
    with pytest.raises(ValueError):
        signal.get_window(name, 16, True)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "_periodic",
        "hanning",
        "Hann",
        "HANN",
        " hann",
        "hann_periodic_symmetric",
        "hann_symmetric_periodic",
        "hann-periodic",
        "kaiser_bessel",
    ],
)
def test_unknown_names_raise_key_error(name: str) -> None:
    with pytest.raises(KeyError):
        windows.get_window(name, 16, True)
    with pytest.raises(ValueError):
        signal.get_window(name, 16, True)


# --------------------------------------------------------------------------
# Structural properties.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", CANONICAL)
def test_suffix_overrides_periodic_flag(name: str) -> None:
    assert windows.resolve_window(name + "_periodic", False) == (name, True)
    assert windows.resolve_window(name + "_symmetric", True) == (name, False)
    assert windows.resolve_window(name, True) == (name, True)
    assert windows.resolve_window(name, False) == (name, False)
    for length in (2, 5, 8):
        for flag in (True, False):
            np.testing.assert_array_equal(
                windows.get_window(name + "_periodic", length, flag),
                windows.get_window(name, length, True),
            )
            np.testing.assert_array_equal(
                windows.get_window(name + "_symmetric", length, flag),
                windows.get_window(name, length, False),
            )


@pytest.mark.parametrize("name", CANONICAL)
def test_periodic_is_symmetric_of_one_more_sample_truncated(name: str) -> None:
    for length in (2, 3, 10, 33):
        np.testing.assert_array_equal(
            windows.get_window(name, length, True),
            windows.get_window(name, length + 1, False)[:-1],
        )


@pytest.mark.parametrize("name", CANONICAL)
def test_symmetric_windows_are_symmetric_and_length_one_is_one(name: str) -> None:
    for length in (2, 3, 64, 65):
        w = windows.get_window(name, length, False)
        np.testing.assert_allclose(w, w[::-1], rtol=0, atol=ATOL)
    for periodic in (True, False):
        np.testing.assert_array_equal(windows.get_window(name, 1, periodic), [1.0])


# --------------------------------------------------------------------------
# Argument validation.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("length", [0, -1, -16])
def test_non_positive_length_raises_value_error(length: int) -> None:
    with pytest.raises(ValueError):
        windows.get_window("hann", length, True)
    with pytest.raises(ValueError):  # scipy rejects these lengths too
        signal.get_window("hann", length, True)


@pytest.mark.parametrize("length", [2.0, 2.5, "4", None, True])
def test_non_integer_length_raises_type_error(length: object) -> None:
    with pytest.raises(TypeError):
        windows.get_window("hann", length, True)


def test_numpy_integer_length_is_accepted() -> None:
    np.testing.assert_array_equal(
        windows.get_window("hann", np.int64(16), True),
        windows.get_window("hann", 16, True),
    )


@pytest.mark.parametrize("periodic", [1, 0, None, "yes", np.bool_(True)])
def test_non_bool_periodic_raises_type_error(periodic: object) -> None:
    with pytest.raises(TypeError):
        windows.get_window("hann", 16, periodic)
    with pytest.raises(ValueError):  # scipy also refuses non-bool ``fftbins``
        signal.get_window("hann", 16, periodic)


def test_window_aliases_is_read_only() -> None:
    with pytest.raises(TypeError):
        windows.WINDOW_ALIASES["hann"] = "hamming"
