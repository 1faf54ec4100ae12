"""The built-in initializers, one module per family (numpy implementations)."""

from __future__ import annotations

from typing import Any

from .base import Initializer, InitializerConfig
from .constant import STFT, Constant, Identity, Ones, Zeros
from .orthogonal import Orthogonal
from .random import RandomNormal, RandomUniform, TruncatedNormal
from .variance_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
)

__all__ = [
    "BUILTINS",
    "STFT",
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "InitializerConfig",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
]

#: The built-in classes, in the order Keras documents them; the name table is built from them.
BUILTINS: tuple[type[Initializer[Any]], ...] = (
    Zeros,
    Ones,
    Constant,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    Identity,
    STFT,
)
