"""What the framework adapters (``initspec.torch``, ``initspec.jax``) share."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, TypeVar

from .errors import InitializerError, describe
from .initializers.base import Filler, Initializer
from .serialization import get

__all__ = ["initializer_of", "require", "reseeded"]

F = TypeVar("F", bound=Filler)


def require(package: str, extra: str) -> ModuleType:
    """Import an optional package, or say which extra installs it."""
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise ImportError(
            f'initspec.{extra} needs {package}: pip install "initspec[{extra}]"'
        ) from exc


def initializer_of(identifier: Any, caller: str) -> Any:
    """``get(identifier)``, refusing ``None`` (there is nothing to fill with)."""
    built = get(identifier)
    if built is None:
        raise InitializerError.single(
            (),
            "invalid_identifier",
            f"{caller} needs an initializer; got {describe(identifier)}",
            None,
        )
    return built


def reseeded(initializer: F, seed: int) -> F:
    """The same initializer with ``seed`` (itself when it takes no seed, or has no config: it
    is not random)."""
    if not isinstance(initializer, Initializer):
        return initializer
    if "seed" not in type(initializer.config).model_fields:
        return initializer
    return type(initializer).from_config({**initializer.get_config(), "seed": seed})
