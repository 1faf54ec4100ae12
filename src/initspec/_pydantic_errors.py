"""Translating pydantic's ``ValidationError`` into initspec's :class:`~initspec.errors.ErrorRecord`.

Private: :mod:`initspec.errors` declares the records and their types; this module is the one
place that knows pydantic's vocabulary. A record keeps the ``type`` and message of an error
raised by initspec's own validators (already in :data:`~initspec.errors.ERROR_TYPES`); every
other pydantic error type is mapped to one of initspec's types and worded by its builder in
:data:`_BUILDERS`, one small function per kind of problem, so each message names its field and
spells values with :func:`~initspec.errors.describe`.

>>> from pydantic import BaseModel, ConfigDict, ValidationError
>>> class Example(BaseModel):
...     model_config = ConfigDict(extra="forbid", strict=True)
...     seed: int = 0
>>> try:
...     Example.model_validate({"sed": 1})
... except ValidationError as exc:
...     [str(record) for record in records_from_pydantic(exc, Example, prefix=("config",))]
["at /config/sed [unknown_key]: unknown key 'sed'; did you mean 'seed'? (allowed keys: seed)"]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .errors import ERROR_TYPES, ErrorRecord, Loc, closest, describe, did_you_mean
from .limits import BEYOND_FLOAT, forbidden_module_message

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter, ValidationError

__all__ = ["records_from_pydantic", "spell_bound"]

_PYDANTIC_TYPES = {
    "model_type": "not_an_object",
    "model_attributes_type": "not_an_object",
    "dict_type": "not_an_object",
    "list_type": "not_a_list",
    "tuple_type": "not_a_list",
    "string_type": "not_a_string",
    "bool_type": "not_a_boolean",
    "int_type": "not_an_integer",
    "float_type": "not_a_number",
    "finite_number": "not_finite",
    "literal_error": "invalid_choice",
    "enum": "invalid_choice",
    "greater_than": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "string_pattern_mismatch": "invalid_value",
    "missing": "missing",
    "extra_forbidden": "unknown_key",
    "union_tag_not_found": "missing",
    "union_tag_invalid": "unknown_class_name",
}

_BOUNDS = (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))

_EXPECTED = {
    "not_an_object": "a JSON object",
    "not_a_list": "an array",
    "not_a_string": "a string",
    "not_a_boolean": "true or false",
    "not_an_integer": "an integer",
    "not_a_number": "a number",
    "not_finite": "a finite number",
}

# --- where a pydantic location points ------------------------------------------------------

#: Schemas that wrap one inner schema without adding a level to a location, and its key.
_INNER = {
    "nullable": "schema",
    "default": "schema",
    "function-before": "schema",
    "function-after": "schema",
    "function-wrap": "schema",
    "custom-error": "schema",
    "dataclass": "schema",
    "json-or-python": "python_schema",
    "lax-or-strict": "strict_schema",
}
#: Schemas whose validator reports its own locations below its own: nothing to follow.
_OPAQUE = frozenset({"any", "function-plain", "call", "arguments"})
#: Schemas holding items by position, and the key of their items' schema.
_SEQUENCES = frozenset({"list", "set", "frozenset", "generator"})


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a pydantic location points in the data, found by following the validated schema."""

    loc: Loc  #: the location without the union tags pydantic inserts
    holder: type[BaseModel] | None  #: the model the last key of ``loc`` is looked up in
    whole: bool  #: every part of the location was found in the schema
    #: the schema of the value at ``loc`` (its native constraints: ``ge``, ``le``...)
    schema: Mapping[str, Any] | None = None


def _place(schema: Any, parts: Sequence[Any], defs: dict[Any, Any]) -> _Place:
    """Follow ``parts`` (a pydantic location) through a core schema.

    A union's members add a tag to the locations of their errors (a tagged union its choice's
    key, e.g. ``#int``; a plain union its member's label, e.g. ``int``): they are where the
    location passes through a union, whatever the field is called, and never elsewhere, so a
    key of the user's data that looks like a tag stays.
    """
    out: list[Any] = []
    model: Any = None  # the model whose fields come next
    holder: Any = None  # the model the last part was looked up in
    i = 0
    while isinstance(schema, Mapping):
        kind = schema.get("type")
        if kind == "definitions":
            if id(schema) not in defs:  # once per error, not once per record
                defs[id(schema)] = schema
                defs.update((d["ref"], d) for d in schema["definitions"] if "ref" in d)
            schema = schema["schema"]
        elif kind == "definition-ref":
            schema = defs.get(schema["schema_ref"])
        elif kind in _INNER:
            schema = schema.get(_INNER[kind])
        elif kind == "model":
            model = schema["cls"]
            schema = schema["schema"]
        elif i == len(parts):
            return _Place(tuple(out), holder, True, schema)
        elif kind in ("model-fields", "typed-dict", "dataclass-args"):
            field = _field_at(schema["fields"], parts[i])
            out.append(parts[i])
            i += 1
            holder, model = model, None
            if field is None:  # a key the model does not have: nothing is below it
                return _Place((*out, *parts[i:]), holder, i == len(parts))
            schema = field["schema"]
        elif kind == "tagged-union":
            choices = schema["choices"]
            if parts[i] not in choices:
                break
            schema = choices[parts[i]]
            i += 1
        elif kind == "union":
            return _through_union(schema, parts, i, out, defs)
        elif kind in _SEQUENCES or kind == "tuple":
            if not isinstance(parts[i], int):
                break
            items_schema: Any = schema.get("items_schema")
            if kind == "tuple":
                variadic = schema.get("variadic_item_index")
                at = parts[i] if variadic is None else min(parts[i], variadic)
                items_schema = items_schema[at] if at < len(items_schema or ()) else None
            out.append(parts[i])
            i += 1
            holder, model, schema = None, None, items_schema
        elif kind == "dict":
            out.append(parts[i])
            i += 1
            if i < len(parts) and parts[i] == "[key]":  # the key itself is wrong
                return _Place((*out, *parts[i + 1 :]), None, i + 1 == len(parts))
            holder, model, schema = None, None, schema.get("values_schema")
        else:
            return _Place((*out, *parts[i:]), holder, kind in _OPAQUE)
    return _Place((*out, *parts[i:]), holder, i == len(parts) or schema is None)


def _field_at(fields: Any, key: Any) -> Any:
    """The field schema a location's ``key`` names (its alias when it has one), if any."""
    field = fields.get(key) if isinstance(fields, Mapping) else None
    if field is not None and not isinstance(field.get("validation_alias"), str):
        return field
    items = fields.items() if isinstance(fields, Mapping) else [(f["name"], f) for f in fields]
    for name, found in items:
        alias = found.get("validation_alias")
        if (alias if isinstance(alias, str) else name) == key:
            return found
    return None


def _through_union(
    schema: Mapping[str, Any], parts: Sequence[Any], i: int, out: list[Any], defs: dict[Any, Any]
) -> _Place:
    """The place below a plain union: its next part is a member's label, then that member's."""
    label, rest = parts[i], parts[i + 1 :]
    members = [c for c in schema["choices"] if not isinstance(c, tuple)]
    labelled = [c[0] for c in schema["choices"] if isinstance(c, tuple) and c[1] == label]
    first: _Place | None = None
    for member in labelled or members:
        found = _place(member, rest, defs)
        if found.whole:
            return _Place((*out, *found.loc), found.holder, True)
        first = first or found
    below = first.loc if first else tuple(rest)
    return _Place((*out, *below), first.holder if first else None, False)


def _core_schema(validated: Any) -> Any:
    """The core schema of a model class or a ``TypeAdapter`` (``None`` for anything else)."""
    if isinstance(validated, type):
        schema = getattr(validated, "__pydantic_core_schema__", None)
    else:
        schema = getattr(validated, "core_schema", None)
    return schema if isinstance(schema, Mapping) else None


#: A schema's definitions by ref (and the schema, kept so that its id stays its own), by id.
_DEFINITIONS: dict[int, tuple[Any, dict[Any, Any]]] = {}


def _definitions(schema: Any) -> dict[Any, Any]:
    """A copy of the definitions gathered at the top of ``schema`` (once per schema)."""
    found = _DEFINITIONS.get(id(schema))
    if found is None or found[0] is not schema:
        defs: dict[Any, Any] = {}
        if isinstance(schema, Mapping) and schema.get("type") == "definitions":
            _place(schema, (), defs)
        if len(_DEFINITIONS) >= 64:  # schemas of tables long gone
            _DEFINITIONS.clear()
        found = _DEFINITIONS[id(schema)] = (schema, defs)
    return dict(found[1])


def _plain_part(part: Any) -> str | int:
    if isinstance(part, (str, int)) and not isinstance(part, bool):
        return part
    return str(part)  # a YAML key that is a date, a float, null...


# --- one message builder per kind of problem ------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Problem:
    """One pydantic error, located in the user's data: what a message builder reads."""

    type: str  #: pydantic's error type
    loc: Loc  #: where it is (union tags dropped, the validator's sub-location added)
    field: str  #: the last key of the location (``identifier`` for the document itself)
    value: Any  #: the value at ``loc``
    ctx: dict[str, Any]  #: pydantic's context (bounds, expected values, tag...)
    place: _Place  #: where pydantic's own location led in the schema
    msg: str  #: pydantic's own message
    #: the record of a ``class_name`` the union cannot dispatch on, from its caller (which
    #: knows the names: did you mean, ambiguous, abstract), at the ``class_name`` key
    tag_problem: Callable[[Any], ErrorRecord] | None

    def record(self, code: str, msg: str) -> ErrorRecord:
        return ErrorRecord(self.loc, code, msg, self.value)


def _unknown_key(p: _Problem) -> ErrorRecord:
    holder = p.place.holder
    allowed = sorted(holder.model_fields) if holder else []
    public = [a for a in allowed if holder and not holder.model_fields[a].exclude]
    hint = did_you_mean(closest(p.field, allowed, 1))
    listed = ", ".join(public) if public else "none"
    return p.record("unknown_key", f"unknown key {p.field!r}{hint} (allowed keys: {listed})")


def _missing(p: _Problem) -> ErrorRecord:
    defaults = ' (use "config": {} for the defaults)' if p.field == "config" else ""
    return replace(p.record("missing", f"the key {p.field!r} is required{defaults}"), input=None)


def _no_class_name(p: _Problem) -> ErrorRecord:
    if isinstance(p.value, Mapping) and "class_name" in p.value:  # there, but not a name
        return _unknown_class_name(p)
    msg = "the key 'class_name' is required (the initializer's name, e.g. 'GlorotUniform')"
    return ErrorRecord((*p.loc, "class_name"), "missing", msg, None)


def _unknown_class_name(p: _Problem) -> ErrorRecord:
    tag = p.value.get("class_name") if isinstance(p.value, Mapping) else p.ctx.get("tag")
    if p.tag_problem is not None:
        record = p.tag_problem(tag)
        return replace(record, loc=(*p.loc, *record.loc))
    msg = f"unknown initializer class_name {tag!r}"
    return ErrorRecord((*p.loc, "class_name"), "unknown_class_name", msg, tag)


def _not_a_choice(p: _Problem) -> ErrorRecord:
    expected, got = p.ctx.get("expected"), describe(p.value)
    if p.field == "registered_name":
        msg = f"registered_name must be null or {expected}; got {got}"
        return p.record("registered_name_mismatch", msg)
    hint = did_you_mean(closest(p.value, _literal_choices(p.ctx), 1))
    return p.record("invalid_choice", f"{p.field} must be {expected}; got {got}{hint}")


def _pattern_mismatch(p: _Problem) -> ErrorRecord:
    if p.field == "module":
        return p.record("forbidden_module", forbidden_module_message(p.value))
    return _as_pydantic_says(p)


def _not_a_float(p: _Problem) -> ErrorRecord:
    if isinstance(p.value, int) and not isinstance(p.value, bool):  # too large to be a float
        return p.record("out_of_range", f"{p.field} {BEYOND_FLOAT}; got {describe(p.value)}")
    return _wrong_type(p)


def _wrong_type(p: _Problem) -> ErrorRecord:
    code = _PYDANTIC_TYPES[p.type]
    return p.record(code, f"{p.field} must be {_EXPECTED[code]}; got {describe(p.value)}")


def _out_of_range(p: _Problem) -> ErrorRecord:
    bounds = _range({**(p.place.schema or {}), **p.ctx})
    return p.record("out_of_range", f"{p.field} must be {bounds}; got {describe(p.value)}")


def _too_deep(p: _Problem) -> ErrorRecord:
    return p.record("invalid_value", "the value is nested too deeply")


def _as_pydantic_says(p: _Problem) -> ErrorRecord:
    return p.record(_PYDANTIC_TYPES.get(p.type, "invalid_value"), f"{p.field}: {p.msg}")


#: pydantic's error type -> the builder of initspec's record (the others: pydantic's words).
_BUILDERS: dict[str, Callable[[_Problem], ErrorRecord]] = {
    **{ptype: _wrong_type for ptype, code in _PYDANTIC_TYPES.items() if code in _EXPECTED},
    **{ptype: _out_of_range for ptype, code in _PYDANTIC_TYPES.items() if code == "out_of_range"},
    "float_type": _not_a_float,
    "extra_forbidden": _unknown_key,
    "missing": _missing,
    "union_tag_not_found": _no_class_name,
    "union_tag_invalid": _unknown_class_name,
    "literal_error": _not_a_choice,
    "string_pattern_mismatch": _pattern_mismatch,
    "recursion_loop": _too_deep,
}


def _record(
    err: Any,
    schema: Any,
    defs: dict[Any, Any],
    prefix: Loc,
    tag_problem: Callable[[Any], ErrorRecord] | None,
    data: Any,
) -> ErrorRecord:
    place = _place(schema, err["loc"], defs)
    raw_loc = tuple(_plain_part(part) for part in place.loc)
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    subloc = tuple(ctx.pop("subloc", ()))
    loc: Loc = raw_loc + subloc
    value = _descend(err.get("input"), subloc)  # the input is the value the location designates
    ptype: str = err["type"]
    key = _unreadable_key(ptype, value, data, loc)
    if key is not None:  # pydantic names the mapping, not the key it could not read
        holder = _descend(data, loc)
        msg = f"unknown key {describe(key)}: a key must be valid Unicode text"
        record = ErrorRecord((*loc, key), "unknown_key", msg, holder[key])
    elif ptype in ERROR_TYPES and ptype not in _PYDANTIC_TYPES:  # raised by initspec's validators
        msg = str(err["msg"])
        if msg.startswith(_FIELD):  # the validator left naming the place to the translator
            msg = _field_name(loc) + msg[len(_FIELD) :]
        record = ErrorRecord(loc, ptype, msg, value)
    else:
        field = _field_name(raw_loc)
        problem = _Problem(ptype, loc, field, value, ctx, place, err["msg"], tag_problem)
        record = _BUILDERS.get(ptype, _as_pydantic_says)(problem)
    return replace(record, loc=prefix + record.loc) if prefix else record


#: How an initspec validator's message starts when the translator is to name the place: the
#: validator knows the rule, the translator where it is (``{field} must be a number``).
_FIELD = "{field}"


def _field_name(loc: Loc) -> str:
    """How a message names the value at ``loc``: its key, with the positions below it
    (``input_axes[0]``); ``identifier`` for the document itself."""
    end = len(loc)
    while end and isinstance(loc[end - 1], int):
        end -= 1
    name = str(loc[end - 1]) if end else "identifier"
    return name + "".join(f"[{i}]" for i in loc[end:])


def _range(ctx: dict[str, Any]) -> str:
    """A value's bounds (its schema's, with the error's), as messages write them: ``> 0``,
    ``in [-2**63, 2**64 - 1]``."""
    if "ge" in ctx and "le" in ctx:
        return f"in [{spell_bound(ctx['ge'])}, {spell_bound(ctx['le'])}]"
    bounds = [f"{op} {spell_bound(ctx[key])}" for key, op in _BOUNDS if key in ctx]
    return " and ".join(bounds) or "in range"


def spell_bound(bound: Any) -> str:
    """A bound as messages write it: a large integer next to a power of two as that power.

    >>> spell_bound(2**64 - 1), spell_bound(-(2**63)), spell_bound(0), spell_bound(0.5)
    ('2**64 - 1', '-2**63', '0', '0.5')
    """
    if isinstance(bound, int) and not isinstance(bound, bool) and abs(bound) > 2**20:
        sign = -1 if bound < 0 else 1
        for power in (abs(bound).bit_length() - 1, abs(bound).bit_length()):
            rest = bound - sign * 2**power  # bound == ±2**power + rest
            if abs(rest) <= 1:
                head = f"{'-' if sign < 0 else ''}2**{power}"
                return head + ("" if not rest else f" {'+' if rest > 0 else '-'} 1")
    return f"{bound:g}" if isinstance(bound, float) else str(bound)


def _unreadable_key(ptype: str, value: Any, data: Any, loc: Loc) -> str | None:
    """The key pydantic reported as its ``string_unicode`` input, when it is a key of the
    mapping at ``loc`` in ``data`` (a lone surrogate), else None."""
    if ptype != "string_unicode" or not isinstance(value, str) or data is None:
        return None
    holder = _descend(data, loc)
    return value if isinstance(holder, dict) and value in holder else None


def _descend(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return value
    return value


def _literal_choices(ctx: dict[str, Any]) -> list[str]:
    expected = str(ctx.get("expected", ""))
    return [part.strip(" '") for part in expected.replace(" or ", ", ").split(",") if part.strip()]


def records_from_pydantic(
    exc: ValidationError,
    validated: type[BaseModel] | TypeAdapter[Any] | None = None,
    prefix: Loc = (),
    tag_problem: Callable[[Any], ErrorRecord] | None = None,
    data: Any = None,
) -> list[ErrorRecord]:
    """Translate a pydantic ``ValidationError`` into initspec's records.

    ``validated`` is the model or adapter that raised it: its schema tells which parts of
    pydantic's locations are union tags, and which keys a model allows; ``prefix`` is put
    before every location; ``tag_problem`` words a ``class_name`` a union cannot dispatch
    on (given the value; the caller knows the names); ``data`` is what was validated
    (pydantic cannot name a key it cannot read, such as a lone surrogate: the key is found
    in it).
    """
    schema = _core_schema(validated)
    defs = _definitions(schema)
    errors = exc.errors(include_url=False)
    return [_record(err, schema, defs, prefix, tag_problem, data) for err in errors]
