"""Names -> initializer classes, and the one discriminated union that validates configs.

The name table is built from the classes themselves (each class's name and ``aliases``).
User classes join it through :func:`register` (global, thread-safe), :func:`custom_object_scope`
(per thread/context) or ``custom_objects=`` (per call). A user name never shadows a built-in
name: built-in names always mean built-ins, so registering never weakens their validation.

For each set of classes, one pydantic ``TypeAdapter`` over a union of per-class envelope
models (``{"module", "class_name", "config", "registered_name", "shared_object_id"}``),
discriminated by ``registered_name`` or ``class_name``, is the one definition of what a config
is: its JSON Schema is published and its errors are reported. Building it builds every class's
model (a fifth of a first ``get()`` in a fresh interpreter), so a config is first checked by
the envelope of the one class its tag names, which is exactly the union member the union would
pick: that envelope is built on first use, and the union only when it is needed (a config the
envelope rejects, whose errors the union reports; an unknown tag; ``json_schema()``).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar, overload

from pydantic import Discriminator, Field, Tag, TypeAdapter, ValidationError, create_model
from pydantic_core import CoreSchema, PydanticCustomError, SchemaValidator, core_schema

from ._pydantic_errors import records_from_pydantic
from .errors import ErrorRecord, InitializerError, describe
from .initializers import BUILTINS
from .initializers._schema_text import plain_text
from .initializers._types import (
    MODULE_TEXT,
    SHARED_OBJECT_ID_TEXT,
    KerasModule,
    ModuleName,
    SharedObjectId,
    StrictModel,
)
from .initializers.base import Initializer, InitializerConfig

__all__ = [
    "Entry",
    "Table",
    "builtin_table",
    "custom_object_scope",
    "register",
    "table",
    "unregister",
]

InitT = TypeVar("InitT", bound=type[Initializer[Any]])


@dataclass(frozen=True)
class Entry:
    """One initializer class as the name table knows it."""

    cls: type[Initializer[Any]]
    tag: str  #: canonical name: the class name for built-ins, ``"package>Name"`` otherwise
    lookup_names: tuple[str, ...]  #: names that resolve to this class (strings, ``class_name``)
    registered_names: tuple[str, ...]  #: accepted non-null ``registered_name`` values
    module: str | None = None  #: a module a config may name besides keras.* (the class's own)
    builtin: bool = False
    #: the values ``class_name`` may hold in this class's serialized form (given as ``()``:
    #: its ``lookup_names``)
    class_name_values: tuple[str, ...] = ()
    #: a scope/custom_objects entry also accepts ``registered_name`` "<any package>>Name"
    any_package: bool = False

    def __post_init__(self) -> None:
        if not self.class_name_values:
            object.__setattr__(self, "class_name_values", self.lookup_names)


@dataclass(frozen=True)
class _RegisteredName:
    """Annotation metadata: a custom class's registered_name (``Name`` or ``package>Name``)."""

    allowed: tuple[str, ...]
    short: str
    any_package: bool

    def _check(self, value: Any) -> str:
        if isinstance(value, str) and (
            value in self.allowed or (self.any_package and value.endswith(">" + self.short))
        ):
            return value
        raise PydanticCustomError(
            "registered_name_mismatch",
            "registered_name must be null or {names}; got {got}",
            {
                "names": " or ".join(map(repr, self.allowed))
                + (f" or '<package>>{self.short}'" if self.any_package else ""),
                "got": describe(value),
            },
        )

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(self._check)

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: Any) -> dict[str, Any]:
        if not self.any_package:
            return {"enum": list(self.allowed)}
        short = re.escape(self.short)
        return {
            "anyOf": [{"enum": list(self.allowed)}, {"type": "string", "pattern": f">{short}$"}]
        }


def _literal(values: tuple[str, ...]) -> Any:
    return Literal.__getitem__(values)


def _envelope(entry: Entry) -> type[StrictModel]:
    """The model of one class's serialized form, Keras 2 or Keras 3."""
    extra = (entry.module,) if entry.module else ()
    module: Any = Annotated[str, ModuleName(extra)] if extra else KerasModule
    registered: Any = _literal(entry.registered_names)
    if not entry.builtin:
        registered = Annotated[
            str,
            _RegisteredName(entry.registered_names, entry.cls.__name__, entry.any_package),
        ]
    name = entry.cls.__name__
    if entry.builtin:
        registered_text = "Keras 3's registered name: the class name (or an alias), or null."
    else:
        registered_text = "The name the class is registered under, or null."
    summary = plain_text(entry.cls.__doc__) or f"The {entry.tag} initializer."
    return _envelope_model(
        f"{name}Identifier",
        f"{summary} Written in Keras 2 or Keras 3 form.",
        entry.tag,
        module=(module, f" For this class also {entry.module}, its own module." if extra else ""),
        class_name=(
            _literal(entry.class_name_values),
            f"Which initializer: {name} or an alias of it.",
        ),
        config=(
            entry.cls.config_model,  # absent or null: the defaults
            f"The arguments of {name}: its constructor's keyword arguments (left out or null: "
            "every argument's default).",
        ),
        registered_name=(registered, registered_text),
    )


def _envelope_model(
    model_name: str,
    doc: str,
    title: str,
    *,
    module: tuple[Any, str],
    class_name: tuple[Any, str],
    config: tuple[Any, str],
    registered_name: tuple[Any, str],
) -> type[StrictModel]:
    """An envelope's model: its five keys, each a (type, description); all but ``class_name``
    may be absent or null."""
    return create_model(
        model_name,
        __base__=StrictModel,
        __doc__=doc,
        __cls_kwargs__={"title": title},
        module=(module[0] | None, Field(None, description=MODULE_TEXT + module[1])),
        class_name=(class_name[0], Field(description=class_name[1])),
        config=(config[0] | None, Field(None, description=config[1])),
        registered_name=(registered_name[0] | None, Field(None, description=registered_name[1])),
        shared_object_id=(SharedObjectId | None, Field(None, description=SHARED_OBJECT_ID_TEXT)),
    )


@functools.cache
def _any_envelope() -> type[StrictModel]:
    """The envelope of a class no table knows: every key checked but ``config``; what a
    config with an unknown ``class_name`` is checked against, for its other keys' problems."""
    model = _envelope_model(
        "AnyIdentifier",
        "A serialized initializer of any class.",
        "any initializer",
        module=(KerasModule, ""),
        class_name=(str, "The initializer's name."),
        config=(dict[str, Any], "The initializer's arguments."),
        registered_name=(str, "The class's registered name."),
    )
    model.model_rebuild()
    return model


#: Held while an envelope's validator is compiled (once per class and table: rarely).
_COMPILING = threading.Lock()


@dataclass(frozen=True)
class Table:
    """An immutable snapshot of the name table, with its validators built on first use."""

    entries: tuple[Entry, ...]
    by_name: Mapping[str, Entry]  #: every accepted name -> its entry
    ambiguous: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: tag -> envelope model, and tag -> its compiled validator, each made on first use
    _envelopes: dict[str, type[StrictModel]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _validators: dict[str, tuple[Entry, SchemaValidator]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def lookup(self, name: str) -> Entry | None:
        """The entry a string identifier or ``class_name`` means, if any."""
        return self.by_name.get(name)

    def tag_of(self, value: Any) -> str | None:
        """The union tag of a serialized identifier (registered_name first, then class_name)."""
        if not isinstance(value, dict):
            return None
        registered = value.get("registered_name")
        if isinstance(registered, str):
            entry = self.by_name.get(registered)
            if entry is not None and not entry.builtin and registered in entry.registered_names:
                return entry.tag
        name = value.get("class_name")
        if not isinstance(name, str):
            return None
        entry = self.by_name.get(name)
        return entry.tag if entry is not None else name

    @cached_property
    def _by_tag(self) -> dict[str, Entry]:
        return {e.tag: e for e in self.entries}

    def envelope(self, entry: Entry) -> type[StrictModel]:
        """The envelope model of one entry, made once per table (the union's member)."""
        model = self._envelopes.get(entry.tag)
        if model is None:  # threads racing here agree on the first model stored
            model = self._envelopes.setdefault(entry.tag, _envelope(entry))
        return model

    @cached_property
    def models(self) -> dict[str, type[StrictModel]]:
        """The envelope model of every entry, by tag."""
        return {entry.tag: self.envelope(entry) for entry in self.entries}

    def validate(self, data: dict[str, Any]) -> tuple[Entry, Any]:
        """Validate a serialized identifier: the entry it names and its validated envelope.

        The union decides, but a config is first checked by the envelope of the class its tag
        names, alone: a config that envelope accepts is one the union accepts the same way
        (a discriminated union validates a config with the member its tag selects, and that
        member is this envelope), so the union, and every other class's model, is built only
        for a config the envelope rejects; the union then raises, with its error records.

        >>> table = builtin_table()
        >>> entry, envelope = table.validate({"class_name": "Zeros", "config": {}})
        >>> entry.tag, type(envelope).__name__
        ('Zeros', 'ZerosIdentifier')
        """
        tag = self.tag_of(data) if type(data.get("class_name")) is str else None
        found = self._validators.get(tag) if tag is not None else None
        if found is None and tag in self._by_tag:
            found = self._compile(self._by_tag[tag])
        if found is not None:
            try:
                return found[0], found[1].validate_python(data)
            except ValidationError:
                pass  # the union validates it again, and reports what is wrong
        envelope = self.validator.validate_python(data)
        return self.entry_of(envelope), envelope

    def _compile(self, entry: Entry) -> tuple[Entry, SchemaValidator]:
        with _COMPILING:  # one thread compiles; the others then find its validator
            found = self._validators.get(entry.tag)
            if found is None:
                model = self.envelope(entry)
                model.model_rebuild()  # deferred (StrictModel's defer_build): compiled now
                validator: Any = model.__pydantic_validator__
                found = self._validators[entry.tag] = (entry, validator)
        return found

    @property
    def built(self) -> tuple[tuple[str, ...], bool]:
        """What has been built so far: the tags whose envelope is compiled, and the union.

        >>> from initspec.registry import Entry, _make_table
        >>> from initspec.initializers import HeNormal, Zeros
        >>> fresh = _make_table([Entry(c, c.__name__, (c.__name__,), (c.__name__,), builtin=True)
        ...                      for c in (Zeros, HeNormal)], [])
        >>> _ = fresh.validate({"class_name": "HeNormal", "config": {"seed": 1}})
        >>> fresh.built
        (('HeNormal',), False)
        """
        return tuple(self._validators), "adapter" in self.__dict__

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:
        """The discriminated union of every entry's envelope: one TypeAdapter, built once.

        Keyed natively on ``class_name`` when the names are disjoint (always, for built-ins and
        plain registrations); by a function reading ``registered_name`` first otherwise.
        """
        accepted = [n for e in self.entries for n in e.class_name_values]
        if len(accepted) == len(set(accepted)) and not any(e.any_package for e in self.entries):
            union: Any = Annotated[
                _union(tuple(self.models.values())), Field(discriminator="class_name")
            ]
        else:
            members = tuple(Annotated[model, Tag(tag)] for tag, model in self.models.items())
            union = Annotated[_union(members), Discriminator(self.tag_of)]
        return TypeAdapter(union)

    @cached_property
    def validator(self) -> SchemaValidator:
        """The adapter's compiled validator (called directly: no Python-level wrapper)."""
        return self.adapter.validator  # type: ignore[return-value]

    @cached_property
    def _by_model(self) -> dict[type[StrictModel], Entry]:
        return {model: self._by_tag[tag] for tag, model in self.models.items()}

    def entry_of(self, envelope: StrictModel) -> Entry:
        """The entry whose envelope model validated ``envelope``."""
        return self._by_model[type(envelope)]

    def envelope_problems(self, data: dict[str, Any]) -> list[ErrorRecord]:
        """The problems of a serialized identifier's keys other than ``class_name`` and
        ``config``, when its ``class_name`` names no class of this table (the union then
        reports only that): unknown keys, a module outside Keras. Only on the error path."""
        model = _any_envelope()
        try:
            model.model_validate(data)
        except ValidationError as exc:
            records = records_from_pydantic(exc, model, data=data)
            return [r for r in records if r.loc[:1] not in (("class_name",), ("config",))]
        return []

    @property
    def every_name(self) -> list[str]:
        """Every accepted name, for "did you mean" suggestions."""
        return list(self.by_name)


def _union(members: tuple[Any, ...]) -> Any:
    from typing import Union

    return Union.__getitem__(members)


# --- the registry -----------------------------------------------------------------------------


def _builtin_entries() -> list[Entry]:
    entries = []
    for cls in BUILTINS:
        names = (cls.__name__, *cls.aliases)
        entries.append(Entry(cls, cls.__name__, names, names, builtin=True))
    return entries


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._builtins = tuple(_builtin_entries())
        self._custom: dict[str, Entry] = {}
        self._generation = 0
        self._tables: dict[tuple[Any, ...], Table] = {}
        self._current: Table | None = None

    def register(self, cls: type[Initializer[Any]], registered_name: str) -> None:
        entry = _custom_entry(cls, registered_name, registered=True)
        with self._lock:
            existing = self._custom.get(registered_name)
            if existing is not None and existing.cls is not cls:
                raise _registration_error(
                    f"{registered_name!r} is already registered to "
                    f"{existing.cls.__module__}.{existing.cls.__qualname__}; "
                    "unregister it first",
                    registered_name,
                )
            self._custom[registered_name] = entry
            self._generation += 1
            self._tables.clear()
            self._current = None

    def unregister(self, key: str | type[Initializer[Any]]) -> None:
        with self._lock:
            names = [n for n, e in self._custom.items() if key == n or key is e.cls]
            if not names:
                raise _registration_error(f"{key!r} is not registered", str(key))
            for n in names:
                del self._custom[n]
            self._generation += 1
            self._tables.clear()
            self._current = None

    def table(self, extra: tuple[tuple[str, type[Initializer[Any]]], ...] = ()) -> Table:
        if not extra:
            current = self._current  # the common case: no lock, no key
            if current is not None:
                return current
        with self._lock:
            key = (self._generation, tuple((n, id(c)) for n, c in extra))
            found = self._tables.get(key)
            if found is not None:
                return found
            customs = list(self._custom.values())
        customs += [_custom_entry(cls, name, registered=False) for name, cls in extra]
        built = _make_table(list(self._builtins), customs)
        with self._lock:
            if len(self._tables) > 64:
                self._tables.clear()
            self._tables[key] = built
            if not extra and key[0] == self._generation:
                self._current = built
        return built


def _registration_error(msg: str, value: Any) -> InitializerError:
    return InitializerError.single(
        (), "invalid_registration", msg, value, subject="the registration"
    )


def _custom_entry(cls: Any, name: str, registered: bool) -> Entry:
    if not (isinstance(cls, type) and issubclass(cls, Initializer)):
        raise _registration_error(
            f"{name!r} must map to a subclass of initspec.Initializer; got {cls!r}", name
        )
    model = cls.config_model
    if not (isinstance(model, type) and issubclass(model, InitializerConfig)):
        raise _registration_error(
            f"{cls.__qualname__}.config_model must subclass "
            "initspec.InitializerConfig (strict, unknown keys rejected)",
            name,
        )
    if not isinstance(name, str) or not name or name.strip() != name:
        raise _registration_error(
            f"a registered name must be a non-empty string without outer spaces; got {name!r}", name
        )
    names = tuple(dict.fromkeys((name, cls.__name__)))
    return Entry(
        cls,
        name,
        names,
        names,
        module=cls.__module__,
        any_package=not registered and ">" not in name,
    )


def _make_table(builtins: list[Entry], customs: list[Entry]) -> Table:
    """Built-in names first and unshadowable; then full custom names; then unique short ones."""
    names: dict[str, Entry] = {n: e for e in builtins for n in e.lookup_names}
    for entry in customs:  # later ones (scopes, custom_objects) win over registrations
        if entry.tag in names and names[entry.tag].builtin:
            raise _registration_error(
                f"{entry.tag!r} is a built-in initializer name; register "
                f"the class under a package, e.g. 'my_pkg>{entry.tag}'",
                entry.tag,
            )
        names[entry.tag] = entry
    shorts: dict[str, set[str]] = {}
    for entry in customs:
        for short in entry.lookup_names[1:]:
            if short not in names:
                shorts.setdefault(short, set()).add(entry.tag)
    ambiguous: dict[str, tuple[str, ...]] = {}
    for short, tags in shorts.items():
        if len(tags) == 1:
            names[short] = names[next(iter(tags))]
        else:
            ambiguous[short] = tuple(sorted(tags))
    live = list(dict.fromkeys(names.values()))  # each entry once, built-ins first
    final = {
        e.tag: replace(e, lookup_names=tuple(n for n in e.lookup_names if names.get(n) is e))
        for e in live
    }
    return Table(tuple(final.values()), {n: final[e.tag] for n, e in names.items()}, ambiguous)


_REGISTRY = _Registry()
_BUILTIN_TABLE = _make_table(_builtin_entries(), [])
_SCOPE: contextvars.ContextVar[tuple[tuple[str, type[Initializer[Any]]], ...]] = (
    contextvars.ContextVar("initspec_custom_objects", default=())
)


def _pairs(objects: Mapping[str, Any] | None) -> tuple[tuple[str, type[Initializer[Any]]], ...]:
    if objects is None:
        return ()
    if not isinstance(objects, Mapping):
        raise _registration_error(
            "custom_objects must be a mapping of names to initializer "
            f"classes; got {type(objects).__name__}",
            None,
        )
    return tuple((name, cls) for name, cls in objects.items())


def builtin_table() -> Table:
    """The built-ins alone (what the published JSON Schema describes)."""
    return _BUILTIN_TABLE


def table(custom_objects: Mapping[str, Any] | None = None) -> Table:
    """The name table in effect: built-ins, registrations, scopes, then ``custom_objects``."""
    return _REGISTRY.table(_SCOPE.get() + _pairs(custom_objects))


@overload
def register(cls: InitT, /) -> InitT: ...
@overload
def register(*, package: str = "Custom", name: str | None = None) -> Callable[[InitT], InitT]: ...


def register(
    cls: InitT | None = None, /, *, package: str = "Custom", name: str | None = None
) -> InitT | Callable[[InitT], InitT]:
    """Register a user initializer class (a decorator), as ``"package>Name"`` and ``Name``.

    The class subclasses :class:`initspec.Initializer` and declares ``config_model``, a
    subclass of :class:`initspec.InitializerConfig`; its configs are then validated exactly
    as the built-ins' are. Its short name resolves only when no built-in or other registered
    class uses it.

    >>> import numpy as np
    >>> import initspec
    >>> @initspec.register(package="docs")
    ... class Halves(initspec.Initializer):
    ...     class config_model(initspec.InitializerConfig):
    ...         pass
    ...     def generate(self, shape, dtype):
    ...         return np.full(shape, 0.5, dtype)
    >>> initspec.get("docs>Halves")((2,)).tolist()
    [0.5, 0.5]
    >>> initspec.unregister(Halves)
    """

    def decorate(target: InitT) -> InitT:
        for what, value in (("package", package), ("name", name)):
            if value is None and what == "name":
                continue
            if not isinstance(value, str) or not value or ">" in value or value != value.strip():
                raise _registration_error(
                    f"{what} must be a non-empty string without '>' or outer spaces; got {value!r}",
                    value,
                )
        if not isinstance(target, type):
            raise _registration_error(f"register() takes a class; got {target!r}", None)
        _REGISTRY.register(target, f"{package}>{name or target.__name__}")
        return target

    return decorate if cls is None else decorate(cls)


def unregister(key: str | type[Initializer[Any]]) -> None:
    """Remove a registration, by class or by ``"package>Name"``."""
    _REGISTRY.unregister(key)


@contextlib.contextmanager
def custom_object_scope(*objects: Mapping[str, Any] | type[Initializer[Any]]) -> Iterator[None]:
    """Within the ``with`` block (in this thread or task only), these classes resolve by name.

    Arguments are mappings of names to classes, or classes (known by their class name).

    >>> import numpy as np
    >>> import initspec
    >>> class Sevens(initspec.Initializer):
    ...     class config_model(initspec.InitializerConfig):
    ...         pass
    ...     def generate(self, shape, dtype):
    ...         return np.full(shape, 7, dtype)
    >>> with initspec.custom_object_scope(Sevens):
    ...     initspec.get("Sevens")((1,)).tolist()
    [7.0]
    """
    pairs: list[tuple[str, type[Initializer[Any]]]] = []
    for obj in objects:
        if isinstance(obj, type):
            pairs.append((obj.__name__, obj))
        else:
            pairs.extend(_pairs(obj))
    _REGISTRY.table(_SCOPE.get() + tuple(pairs))  # validate now, not at first use
    token = _SCOPE.set(_SCOPE.get() + tuple(pairs))
    try:
        yield
    finally:
        _SCOPE.reset(token)
