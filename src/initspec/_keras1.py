"""Keras 1 layer attributes that hold initializers, and the Keras 2 attribute each became.

Keras 1 layers took ``init``, ``inner_init``, ``forget_bias_init``, ``beta_init`` and
``gamma_init`` (names such as ``"glorot_uniform"``, ``"orthogonal"``, ``"zero"``). Keras 2 renamed
them when it loaded a Keras 1 config; the table below follows those conversions, per layer class
where they differ (``PReLU``'s ``init`` became ``alpha_initializer``, ``Embedding``'s
``embeddings_initializer``, ``SeparableConvolution2D``'s both ``depthwise_initializer`` and
``pointwise_initializer``). ``forget_bias_init`` had no initializer in Keras 2: ``"one"`` became
``unit_forget_bias=True``, ``"zero"`` ``False``, and other values were dropped with a warning;
initspec still checks the value as the initializer name Keras 1 read it as.

A serialized layer (``class_name`` + ``config``) is a Keras 1 layer when the document says
``"keras_version": "1..."`` at its top, or, in a document that declares no version (and is not a
``.keras`` zip or a SavedModel, which Keras 1 never wrote), when its config has one of the five
keys above holding a string. Any ``*_init`` key is checked in a document that declares Keras 1.

>>> attributes("LSTM", {"init": "glorot_uniform", "inner_init": "orthogonal"}, None)
[('init', 'kernel_initializer'), ('inner_init', 'recurrent_initializer')]
>>> attributes("PReLU", {"init": "zero"}, None)
[('init', 'alpha_initializer')]
>>> attributes("Dense", {"init": "zero"}, False)
[]
"""

from __future__ import annotations

from typing import Any

__all__ = ["KERAS2_NAMES", "attributes", "declared_keras1"]

#: Keras 1 key -> the Keras 2 attribute it became (``init``: unless the class says otherwise).
KERAS2_NAMES: dict[str, str] = {
    "init": "kernel_initializer",
    "inner_init": "recurrent_initializer",
    "forget_bias_init": "unit_forget_bias",
    "beta_init": "beta_initializer",
    "gamma_init": "gamma_initializer",
}
#: Layer classes whose ``init`` became something other than ``kernel_initializer``.
INIT_BY_CLASS: dict[str, str] = {
    "PReLU": "alpha_initializer",
    "Embedding": "embeddings_initializer",
    "SeparableConvolution2D": "depthwise_initializer+pointwise_initializer",
    "SeparableConv2D": "depthwise_initializer+pointwise_initializer",
}


def declared_keras1(data: Any) -> bool | None:
    """True when the document declares Keras 1.x, False for a later version, None if silent."""
    version = data.get("keras_version") if isinstance(data, dict) else None
    if not isinstance(version, str):
        return None
    return version.strip().startswith("1.")


def attributes(
    class_name: str, config: dict[Any, Any], keras1: bool | None
) -> list[tuple[str, str]]:
    """(Keras 1 key, Keras 2 attribute) for each initializer key of one layer's config.

    ``keras1`` is what the document declares (:func:`declared_keras1`); False: none.
    """
    if keras1 is False:
        return []
    if keras1 is None:  # the common case, every layer of every undeclared file: one call
        if config.keys().isdisjoint(KERAS2_NAMES):
            return []
        config = {k: v for k, v in config.items() if k in KERAS2_NAMES and isinstance(v, str)}
    found = []
    for key, value in config.items():
        if not isinstance(key, str):
            continue
        if key in KERAS2_NAMES:
            if keras1 is None and not isinstance(value, str):
                continue  # undeclared: only what Keras 1 wrote (a name) makes it a Keras 1 layer
        elif not (keras1 and key.endswith("_init")):
            continue
        if key == "init":
            found.append((key, INIT_BY_CLASS.get(class_name, KERAS2_NAMES[key])))
        else:
            found.append((key, KERAS2_NAMES.get(key, key.removesuffix("_init") + "_initializer")))
    return found
