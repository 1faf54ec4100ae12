"""``InitializerField``: an initializer identifier as a field of a pydantic v2 model.

The field accepts what :func:`initspec.get` accepts and holds the built initializer. Problems
become entries of the model's own ``ValidationError`` (``loc`` continues into the identifier,
``type`` is initspec's error code); dumps write the Keras 3 config (Keras 2 with the
serialization context ``{"initspec_format": "keras2"}``); the JSON Schema embeds
:func:`initspec.json_schema` once in ``$defs``.

>>> import pydantic
>>> import initspec
>>> class Experiment(pydantic.BaseModel):
...     kernel: initspec.InitializerField = "glorot_uniform"
>>> Experiment().kernel
GlorotUniform()
>>> Experiment(kernel={"class_name": "HeNormal", "config": {"seed": 1}}).model_dump()["kernel"]
{'module': 'keras.initializers', 'class_name': 'HeNormal', 'config': {'seed': 1, \
'input_axes': None, 'output_axes': None}, 'registered_name': None}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationError
from pydantic.json_schema import CoreRef, GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from .errors import InitializerError
from .initializers.base import Initializer
from .serialization import get, json_schema, serialize

__all__ = ["FORMAT_CONTEXT_KEY", "InitializerField"]

#: The serialization-context key that selects the dump format: ``"keras3"`` (default) or
#: ``"keras2"``, e.g. ``model.model_dump(mode="json", context={"initspec_format": "keras2"})``.
FORMAT_CONTEXT_KEY = "initspec_format"

#: Name of the identifier's schema in a model's ``$defs`` (pydantic may lengthen it on a clash).
_ROOT = "InitializerIdentifier"


def _validate(value: Any) -> Any:
    try:
        return get(value)
    except InitializerError as exc:
        raise ValidationError.from_exception_data(
            "InitializerField",
            [
                {
                    # no context: pydantic uses the message as it is (braces included)
                    "type": PydanticCustomError(record.type, record.msg),
                    "loc": record.loc,
                    "input": record.input,
                }
                for record in exc.errors
            ],
        ) from exc


def _serialize(value: Any, info: core_schema.SerializationInfo) -> Any:
    if not isinstance(value, Initializer):
        if value is None or isinstance(value, (str, Mapping)):
            return value  # an identifier as written (e.g. a default in the JSON Schema)
        raise InitializerError.single(
            (),
            "not_serializable",
            f"only initspec initializers can be dumped; this field holds {value!r}",
            repr(value),
            "the field",
        )
    context = info.context
    fmt: Any = (
        context.get(FORMAT_CONTEXT_KEY, "keras3") if isinstance(context, Mapping) else "keras3"
    )
    return serialize(value, format=fmt)  # an unknown format: serialize() says so


class _IdentifierSchema:
    """The pydantic hooks behind :data:`InitializerField`."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _serialize, info_arg=True, when_used="always"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        generator: GenerateJsonSchema | None = getattr(handler, "generate_json_schema", None)
        if generator is None:  # not pydantic's own generator: the schema inline, self-contained
            return json_schema()

        def ref(name: str) -> tuple[Any, JsonSchemaValue]:
            assert generator is not None
            return generator.get_cache_defs_ref_schema(CoreRef(f"initspec.{name}:initspec"))

        root_defs_ref, root_ref = ref(_ROOT)
        if root_defs_ref not in generator.definitions:
            whole = json_schema()
            inner = whole.pop("$defs")
            refs = {f"#/$defs/{name}": ref(name)[1]["$ref"] for name in inner}

            def relink(node: Any) -> Any:
                if isinstance(node, dict):
                    if isinstance(node.get("$ref"), str) and node["$ref"] in refs:
                        return {**node, "$ref": refs[node["$ref"]]}
                    return {k: relink(v) for k, v in node.items()}
                if isinstance(node, list):
                    return [relink(v) for v in node]
                return node

            for name, definition in inner.items():
                generator.definitions[ref(name)[0]] = relink(definition)
            body = {k: v for k, v in whole.items() if k not in ("$schema", "$id")}
            generator.definitions[root_defs_ref] = relink(body)
        return dict(root_ref)


if TYPE_CHECKING:
    # For type checkers the field is Any: inputs and defaults are names and dicts, the
    # attribute is what get() built (an initializer, a callable or None).
    InitializerField: TypeAlias = Any
else:
    #: A pydantic v2 field type: any identifier :func:`initspec.get` accepts, held as the
    #: built initializer (or ``None``). Defaults are validated too.
    InitializerField = Annotated[
        Initializer[Any] | Callable[..., Any] | None,
        Field(validate_default=True),
        _IdentifierSchema,
    ]
