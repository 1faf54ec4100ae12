"""initspec: Keras weight-initializer identifiers, validated by a strict schema, built in numpy.

>>> import initspec
>>> init = initspec.get("he_normal")
>>> init((3, 3, 16, 32)).shape
(3, 3, 16, 32)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below are imported on first use (see __getattr__)
    from ._field import InitializerField
    from .errors import ErrorRecord, InitializerError
    from .files import Finding, ScanReport, scan
    from .initializers import (
        STFT,
        Constant,
        GlorotNormal,
        GlorotUniform,
        HeNormal,
        HeUniform,
        Identity,
        Initializer,
        InitializerConfig,
        LecunNormal,
        LecunUniform,
        Ones,
        Orthogonal,
        RandomNormal,
        RandomUniform,
        TruncatedNormal,
        VarianceScaling,
        Zeros,
    )
    from .limits import Limits
    from .registry import custom_object_scope, register, unregister
    from .serialization import deserialize, get, json_schema, serialize

__version__ = "0.1.0"

__all__ = [
    "STFT",
    "Constant",
    "ErrorRecord",
    "Finding",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "InitializerConfig",
    "InitializerError",
    "InitializerField",
    "LecunNormal",
    "LecunUniform",
    "Limits",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "ScanReport",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "__version__",
    "custom_object_scope",
    "deserialize",
    "get",
    "json_schema",
    "register",
    "scan",
    "serialize",
    "unregister",
]

_HOME = {
    "ErrorRecord": "errors",
    "InitializerError": "errors",
    "InitializerField": "_field",
    "custom_object_scope": "registry",
    "register": "registry",
    "unregister": "registry",
    "deserialize": "serialization",
    "get": "serialization",
    "json_schema": "serialization",
    "serialize": "serialization",
    "Finding": "files",
    "ScanReport": "files",
    "scan": "files",
    "Limits": "limits",
}


def __getattr__(name: str) -> Any:
    # Import on first use: `import initspec` stays cheap; pydantic models are built when needed.
    if name in __all__ and name != "__version__":
        module = importlib.import_module(f".{_HOME.get(name, 'initializers')}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'initspec' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
