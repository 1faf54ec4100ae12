"""Doctests of the optional adapters run only where their framework is installed."""

from __future__ import annotations

import importlib.util

collect_ignore = [
    f"src/initspec/{name}.py" for name in ("torch", "jax") if importlib.util.find_spec(name) is None
]
