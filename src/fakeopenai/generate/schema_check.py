"""Checking a request's JSON Schema before anything is generated from it.

The real API answers a malformed schema (``response_format`` or a tool's
``parameters``) with a 400, ``Invalid schema for response_format 'name': In
context=(...), ...``. The generator (``schema``, ``strings``, ``numbers``,
``patterns``) reads keywords as the specification types them; one of another type
(``required: 5``, ``minimum: "x"``) must be refused here, not fail there as a 500.
Sizes are bounded too: a ``minLength`` of a billion is a valid schema, but not a value
fakeopenai can produce without stalling every other request, so it is refused with a
message that says so. ``$ref`` targets are checked where they live (``$defs``...); the
walk follows the document, so it ends.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

MAX_LENGTH = 100_000  # characters of one generated string
MAX_COUNT = 10_000  # items of one array, properties of one object
MAX_NESTING = 100  # levels of schema inside schema

_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
Context = tuple[str | int, ...]


class SchemaError(ValueError):
    """A schema the generator must not meet: ``context`` is where, as the API says it."""

    def __init__(self, context: Context, problem: str) -> None:
        super().__init__(f"In context={context!r}, {problem}")
        self.context, self.problem = context, problem


def check_schema(schema: Any) -> None:
    """Raise ``SchemaError`` for the first keyword of the wrong type or size."""
    _schema(schema, (), 0)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _schema(node: Any, context: Context, depth: int) -> None:
    if isinstance(node, bool):
        return
    if not isinstance(node, dict):
        raise SchemaError(context, f"a schema must be an object or a boolean, got {_show(node)}")
    if depth > MAX_NESTING:
        raise SchemaError(context, f"schemas nest more than {MAX_NESTING} levels deep")
    for key, value in node.items():
        check = _KEYWORDS.get(key)
        if check is not None:
            check(value, (*context, key), depth)


def _subschema(value: Any, context: Context, depth: int) -> None:
    _schema(value, context, depth + 1)


def _schema_map(value: Any, context: Context, depth: int) -> None:
    if not isinstance(value, dict):
        raise SchemaError(context, f"must be an object of schemas, got {_show(value)}")
    for name, sub in value.items():
        _schema(sub, (*context, name), depth + 1)


def _schema_list(value: Any, context: Context, depth: int) -> None:
    if not isinstance(value, list) or not value:
        raise SchemaError(context, f"must be a non-empty array of schemas, got {_show(value)}")
    for index, sub in enumerate(value):
        _schema(sub, (*context, index), depth + 1)


def _items(value: Any, context: Context, depth: int) -> None:
    if isinstance(value, list):  # draft 4-2019 tuples
        _schema_list(value, context, depth)
    else:
        _schema(value, context, depth + 1)


def _type(value: Any, context: Context, depth: int) -> None:
    names = value if isinstance(value, list) and value else [value]
    for name in names:
        if name not in _TYPES:
            listed = ", ".join(repr(t) for t in _TYPES)
            raise SchemaError(context, f"{_show(name)} is not a type (use one of {listed})")


def _strings(value: Any, context: Context, depth: int) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SchemaError(context, f"must be an array of strings, got {_show(value)}")


def _text(value: Any, context: Context, depth: int) -> None:
    if not isinstance(value, str):
        raise SchemaError(context, f"must be a string, got {_show(value)}")


def _pattern(value: Any, context: Context, depth: int) -> None:
    _text(value, context, depth)
    try:
        re.compile(value)
    except (re.error, RecursionError, OverflowError) as exc:
        raise SchemaError(context, f"{_show(value)} is not a regular expression: {exc}") from None


def _enum(value: Any, context: Context, depth: int) -> None:
    if not isinstance(value, list) or not value:
        raise SchemaError(context, f"must be a non-empty array, got {_show(value)}")


def _flag(value: Any, context: Context, depth: int) -> None:
    if not isinstance(value, bool):
        raise SchemaError(context, f"must be true or false, got {_show(value)}")


def _count(most: int | None) -> Callable[[Any, Context, int], None]:
    """A non-negative integer; a minimum at most ``most`` (what fakeopenai generates)."""

    def check(value: Any, context: Context, depth: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SchemaError(context, f"must be a non-negative integer, got {_show(value)}")
        if most is not None and value > most:
            raise SchemaError(
                context,
                f"{value} is more than fakeopenai generates (at most {most:,}): lower it",
            )

    return check


def _number(value: Any, context: Context, depth: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SchemaError(context, f"must be a finite number, got {_show(value)}")


def _bound(value: Any, context: Context, depth: int) -> None:
    if not isinstance(value, bool):  # draft 4: exclusiveMinimum: true
        _number(value, context, depth)


def _step(value: Any, context: Context, depth: int) -> None:
    _number(value, context, depth)
    if value <= 0:
        raise SchemaError(context, f"must be greater than 0, got {_show(value)}")


_KEYWORDS: dict[str, Callable[[Any, Context, int], None]] = {
    "type": _type,
    "properties": _schema_map,
    "patternProperties": _schema_map,
    "$defs": _schema_map,
    "definitions": _schema_map,
    "required": _strings,
    "items": _items,
    "prefixItems": _schema_list,
    "additionalProperties": _subschema,
    "additionalItems": _subschema,
    "anyOf": _schema_list,
    "oneOf": _schema_list,
    "allOf": _schema_list,
    "not": _subschema,
    "enum": _enum,
    "$ref": _text,
    "pattern": _pattern,
    "uniqueItems": _flag,
    "minLength": _count(MAX_LENGTH),
    "maxLength": _count(None),
    "minItems": _count(MAX_COUNT),
    "maxItems": _count(None),
    "minProperties": _count(MAX_COUNT),
    "maxProperties": _count(None),
    "minimum": _number,
    "maximum": _number,
    "exclusiveMinimum": _bound,
    "exclusiveMaximum": _bound,
    "multipleOf": _step,
}
