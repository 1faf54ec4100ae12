"""initspec: Keras weight-initializer identifiers, validated by a strict schema, built in numpy.

>>> import initspec
>>> init = initspec.get("he_normal")
>>> init((3, 3, 16, 32)).shape
(3, 3, 16, 32)
"""

from __future__ import annotations

from .errors import ErrorRecord, InitializerError
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
from .registry import custom_object_scope, register, unregister
from .serialization import deserialize, get, json_schema, serialize

__version__ = "0.1.0"

__all__ = [
    "STFT",
    "Constant",
    "ErrorRecord",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "InitializerConfig",
    "InitializerError",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "__version__",
    "custom_object_scope",
    "deserialize",
    "get",
    "json_schema",
    "register",
    "serialize",
    "unregister",
]
