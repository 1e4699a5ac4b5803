"""Does a JSON value conform to a request's strict JSON Schema: the first violation, or None.

Strict mode (structured outputs, ``strict: true`` tools) allows a subset of JSON Schema:
``type`` (one or a list), ``properties``, ``required``, ``additionalProperties``,
``items``, ``enum``, ``const``, ``anyOf`` / ``allOf`` / ``oneOf``, ``$ref`` to ``#``,
``#/$defs/…`` or ``#/definitions/…``, and the string, number and array bounds. Those
are checked. ``pattern`` and ``format`` are not (a scripted value is not run through a
request's regular expression: the request's pattern is not ours to trust with time),
so a value they would refuse passes. The schema itself was checked when the request
came in (``generate.schema_check``): keywords here have their specified types.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 64  # levels of nesting checked (deeper values pass unchecked)
# Schema nodes visited per check. ``$ref`` in every branch of an ``anyOf`` doubles the
# work per level (``{"anyOf": [{"$ref": "#"}, {"$ref": "#"}]}``: 2^64 visits), and the
# schema comes from the request; past this the value passes unchecked (a warning is
# advice, never worth a frozen server).
MAX_STEPS = 10_000

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "null": (type(None),),
    "number": (int, float),
    "integer": (int, float),
}


def _is(value: Any, kind: str) -> bool:
    if kind in ("number", "integer") and isinstance(value, bool):
        return False
    if not isinstance(value, _TYPES.get(kind, ())):
        return False
    return (
        kind != "integer"
        or isinstance(value, int)
        or (isinstance(value, float) and value.is_integer())
    )


def _kind(value: Any) -> str:
    for kind in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is(value, kind):
            return kind
    return type(value).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


class _OutOfSteps(Exception):
    """The check visited ``MAX_STEPS`` schema nodes: it gives up, finding nothing."""


class _Checker:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.steps = MAX_STEPS

    def resolve(self, ref: str) -> Any:
        if ref == "#":
            return self.root
        node: Any = self.root
        for raw in ref.removeprefix("#/").split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def check(self, value: Any, schema: Any, path: str, depth: int) -> str | None:
        if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
            return None  # true / {} / too deep: anything goes
        self.steps -= 1
        if self.steps < 0:
            raise _OutOfSteps
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            problem = self.check(value, self.resolve(ref), path, depth + 1)
            if problem:
                return problem
        problem = self._type_and_values(value, schema, path)
        if problem:
            return problem
        problem = self._combinations(value, schema, path, depth)
        if problem:
            return problem
        if isinstance(value, dict):
            return self._object(value, schema, path, depth)
        if isinstance(value, list):
            return self._array(value, schema, path, depth)
        return self._bounds(value, schema, path)

    def _type_and_values(self, value: Any, schema: Mapping[str, Any], path: str) -> str | None:
        kinds = schema.get("type")
        if isinstance(kinds, str):
            kinds = [kinds]
        if isinstance(kinds, list) and not any(_is(value, k) for k in kinds):
            wanted = " or ".join(str(k) for k in kinds)
            return f"at {path}: expected {wanted}, got {_kind(value)} {_short(value)}"
        options = schema.get("enum")
        if isinstance(options, list) and not any(_equal(value, o) for o in options):
            return f"at {path}: {_short(value)} is not one of {_short(schema['enum'])}"
        if "const" in schema and not _equal(value, schema["const"]):
            return f"at {path}: expected {_short(schema['const'])}, got {_short(value)}"
        return None

    def _combinations(
        self, value: Any, schema: Mapping[str, Any], path: str, depth: int
    ) -> str | None:
        for sub in schema.get("allOf") or ():
            problem = self.check(value, sub, path, depth + 1)
            if problem:
                return problem
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                problems = [self.check(value, sub, path, depth + 1) for sub in options]
                if all(problems):
                    return f"at {path}: fits none of {key}'s {len(options)} options ({problems[0]})"
        return None

    def _object(
        self, value: dict[str, Any], schema: Mapping[str, Any], path: str, depth: int
    ) -> str | None:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        for name in schema.get("required") or ():
            if name not in value:
                return f"at {path}: required property {name!r} is missing"
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            where = f"{path}.{name}"
            if name in properties:
                problem = self.check(item, properties[name], where, depth + 1)
            elif extra is False:
                return f"at {path}: property {name!r} is not allowed (additionalProperties: false)"
            else:
                problem = self.check(item, extra, where, depth + 1)
            if problem:
                return problem
        return None

    def _array(
        self, value: list[Any], schema: Mapping[str, Any], path: str, depth: int
    ) -> str | None:
        low, high = schema.get("minItems"), schema.get("maxItems")
        if isinstance(low, int) and len(value) < low:
            return f"at {path}: expected at least {low} items, got {len(value)}"
        if isinstance(high, int) and len(value) > high:
            return f"at {path}: expected at most {high} items, got {len(value)}"
        items = schema.get("items")
        for index, item in enumerate(value):
            problem = self.check(item, items, f"{path}[{index}]", depth + 1)
            if problem:
                return problem
        return None

    def _bounds(self, value: Any, schema: Mapping[str, Any], path: str) -> str | None:
        if isinstance(value, str):
            low, high = schema.get("minLength"), schema.get("maxLength")
            if isinstance(low, int) and len(value) < low:
                return f"at {path}: expected at least {low} characters, got {len(value)}"
            if isinstance(high, int) and len(value) > high:
                return f"at {path}: expected at most {high} characters, got {len(value)}"
            return None
        if not _is(value, "number"):
            return None
        for key, sign in _BOUNDS:
            bound: Any = schema.get(key)
            if _is(bound, "number") and not _holds(value, sign, bound):
                return f"at {path}: expected a number {sign} {bound}, got {value}"
        step: Any = schema.get("multipleOf")
        if _is(step, "number") and step > 0 and not _multiple(value, step):
            return f"at {path}: expected a multiple of {step}, got {value}"
        return None


_BOUNDS = (
    ("minimum", ">="),
    ("maximum", "<="),
    ("exclusiveMinimum", ">"),
    ("exclusiveMaximum", "<"),
)


def _holds(value: float, sign: str, bound: float) -> bool:
    if sign == ">=":
        return value >= bound
    if sign == "<=":
        return value <= bound
    return value > bound if sign == ">" else value < bound


def _multiple(value: float, step: float) -> bool:
    quotient = value / step
    return math.isfinite(quotient) and abs(quotient - round(quotient)) < 1e-9


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: a boolean equals only a boolean."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def violation(value: Any, schema: Mapping[str, Any]) -> str | None:
    """Where and how ``value`` breaks ``schema`` (``at $.path: ...``), or None (also
    when checking would take more than ``MAX_STEPS`` steps)."""
    try:
        return _Checker(schema).check(value, schema, "$", 0)
    except _OutOfSteps:
        return None
