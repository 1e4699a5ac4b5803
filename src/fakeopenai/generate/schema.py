"""A JSON value valid against a JSON Schema: structured outputs and tool arguments.

Written here rather than taken from ``jsf`` or ``hypothesis-jsonschema``: jsf recursed
forever on recursive ``$ref``, crashed on exclusive bounds and draws from an unseeded
global Faker; hypothesis-jsonschema failed to import against current Hypothesis,
refuses recursive references and yields minimal values (``""``, ``0``) rather than
plausible ones. This covers what OpenAI's strict mode allows and the usual extras:

- objects: ``properties`` (required ones always, optional ones sometimes),
  ``additionalProperties`` as ``false`` or a schema (``dict[str, int]``), min/max
  properties; arrays: ``items``, ``prefixItems``, min/max items, ``uniqueItems``;
- ``enum`` and ``const`` at any level, ``type`` as a string or a list, ``anyOf`` /
  ``oneOf`` (a seeded branch), ``allOf`` (merged), ``$ref`` to ``#``, ``#/$defs/…``,
  ``#/definitions/…`` or any local JSON pointer, with sibling keywords merged in;
- strings, numbers and integers from ``strings`` and ``numbers``; descriptions ignored.

Recursion is bounded: past ``SOFT_DEPTH`` levels an optional value is ``null`` (or the
branch with no ``$ref``), an array has its minimum length and an object its required
properties only, which ends any satisfiable recursive schema.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fakeopenai.generate import names, numbers, strings
from fakeopenai.generate.patterns import PatternTooLong

SOFT_DEPTH = 4  # levels of nesting before values shrink to their minimum
HARD_DEPTH = 40  # an unsatisfiable recursion stops here with null
_NULL_ODDS = 0.2  # how often an optional (nullable) value is null above SOFT_DEPTH
MAX_VALUES = 10_000  # values in one generated document (a recursion that branches...)
MAX_CHARS = 1_000_000  # characters of its strings


class UnusableSchema(ValueError):
    """No value can be made for the schema: it asks for too much, or for something the
    generator does not understand (a request's schema passed ``check_schema`` first)."""


class _Walker:
    def __init__(self, root: Mapping[str, Any], fake: Any) -> None:
        self.root = root
        self.fake = fake
        self.rng = fake.random
        self.values = self.chars = 0  # spent so far, against MAX_VALUES and MAX_CHARS

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """``schema`` with a local ``$ref`` replaced by its target (siblings kept)."""
        seen = 0
        while isinstance(schema.get("$ref"), str) and seen < HARD_DEPTH:
            target: Any = self.root
            ref = schema["$ref"]
            for token in ref.lstrip("#").split("/")[1:] if ref.startswith("#") else [None]:
                if token is None or not isinstance(target, Mapping):
                    target = {}
                    break
                target = target.get(token.replace("~1", "/").replace("~0", "~"), {})
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**(target if isinstance(target, Mapping) else {}), **siblings}
            seen += 1
        return schema

    def spend(self) -> None:
        """One more step (a value, a merge): a recursion that branches stops here."""
        self.values += 1
        if self.values > MAX_VALUES:
            raise UnusableSchema(
                f"it asks for more than {MAX_VALUES:,} values (minItems, minProperties,"
                " or a recursive $ref that branches): fakeopenai stops there"
            )

    def merge_all_of(self, schema: Mapping[str, Any], hops: int = 0) -> Mapping[str, Any]:
        self.spend()  # {"allOf": [{"$ref": "#"}, {"$ref": "#"}]} doubles at every hop
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for raw in schema["allOf"]:
            part = self.resolve(raw) if isinstance(raw, Mapping) else {}
            if "allOf" in part and hops < HARD_DEPTH:  # an allOf that refers to itself
                part = self.merge_all_of(part, hops + 1)
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return merged

    def value(self, schema: Any, depth: int, hint: str | None, hops: int = 0) -> Any:
        self.spend()
        if schema is True or schema == {}:
            return self.string({}, hint)
        if not isinstance(schema, Mapping) or depth > HARD_DEPTH or hops > HARD_DEPTH:
            return None
        schema = self.resolve(schema)
        if "allOf" in schema:
            schema = self.merge_all_of(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.rng.choice(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                base = {k: v for k, v in schema.items() if k != key}
                branch = self.branch(schema[key], depth)
                if branch is False:
                    return None  # no branch can be satisfied
                chosen = self.resolve(branch) if isinstance(branch, Mapping) else {}
                # the same depth: count the hops, or {"anyOf": [{"$ref": "#"}]} loops
                return self.value({**base, **chosen}, depth, hint, hops + 1)
        kind = self.pick_type(schema, depth)
        if kind == "object":
            return self.object(schema, depth, hint)
        if kind == "array":
            return self.array(schema, depth, hint)
        if kind == "integer":
            return numbers.integer(schema, self.rng, hint)
        if kind == "number":
            return numbers.number(schema, self.rng, hint)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return self.string(schema, hint)

    def string(self, schema: Mapping[str, Any], hint: str | None) -> str:
        text = strings.string(schema, self.fake, self.rng, hint)
        self.chars += len(text)
        if self.chars > MAX_CHARS:
            raise UnusableSchema(
                f"its strings add up to more than {MAX_CHARS:,} characters: fakeopenai stops there"
            )
        return text

    def branch(self, branches: list[Any], depth: int) -> Any:
        """A seeded ``anyOf`` branch; past SOFT_DEPTH the simplest (null, then no $ref)."""

        def is_null(b: Any) -> bool:
            return isinstance(b, Mapping) and b.get("type") == "null"

        branches = [b for b in branches if b is not False] or [False]  # false: never valid
        if depth >= SOFT_DEPTH:
            simple = [b for b in branches if is_null(b)] or [
                b for b in branches if isinstance(b, Mapping) and "$ref" not in b
            ]
            return (simple or branches)[0]
        real = [b for b in branches if not is_null(b)]
        if not real or (len(real) < len(branches) and self.rng.random() < _NULL_ODDS):
            return next(b for b in branches if is_null(b))
        return self.rng.choice(real)

    def pick_type(self, schema: Mapping[str, Any], depth: int) -> str:
        kind = schema.get("type")
        if isinstance(kind, str):
            return kind
        if isinstance(kind, list) and kind:
            real = [k for k in kind if k != "null"]
            if not real or (
                "null" in kind and (depth >= SOFT_DEPTH or self.rng.random() < _NULL_ODDS)
            ):
                return "null"
            return str(self.rng.choice(real))
        if {"properties", "additionalProperties", "required"} & schema.keys():
            return "object"
        if {"items", "prefixItems", "minItems", "maxItems"} & schema.keys():
            return "array"
        if {
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        } & schema.keys():
            return "number"
        return "string"

    def object(self, schema: Mapping[str, Any], depth: int, hint: str | None) -> dict[str, Any]:
        props = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        out: dict[str, Any] = {}
        for name, sub in props.items():
            if name in required or (depth < SOFT_DEPTH and self.rng.random() < 0.6):
                out[name] = self.value(sub, depth + 1, name)
        extra = schema.get("additionalProperties", True)
        wanted = int(schema.get("minProperties", 0))
        if not props and isinstance(extra, Mapping) and depth < SOFT_DEPTH:
            wanted = max(wanted, self.rng.randint(1, 3))
        most = schema.get("maxProperties")
        for _ in range(HARD_DEPTH):
            if len(out) >= wanted or extra is False or (most is not None and len(out) >= most):
                break
            key = str(self.fake.word())
            if key not in out and key not in props:
                sub = extra if isinstance(extra, Mapping) else {"type": "string"}
                out[key] = self.value(sub, depth + 1, key)
        if most is not None:
            for name in [n for n in out if n not in required][: max(0, len(out) - most)]:
                del out[name]
        return out

    def array(self, schema: Mapping[str, Any], depth: int, hint: str | None) -> list[Any]:
        prefix = schema.get("prefixItems") or []
        items = schema.get("items", True)
        if isinstance(items, list):  # draft 4-2019 tuples
            prefix, items = items, schema.get("additionalItems", True)
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        high = int(high) if high is not None else max(low, 3) + (len(prefix) if prefix else 0)
        if items is False:
            high = min(high, len(prefix))
        count = low if depth >= SOFT_DEPTH else self.rng.randint(1, 3)
        count = max(low, min(count, high), min(len(prefix), high))
        unique = bool(schema.get("uniqueItems"))
        out: list[Any] = []
        seen: set[str] = set()
        item_hint = names.singular(hint)
        for index in range(count):
            sub = prefix[index] if index < len(prefix) else items
            for _ in range(10 if unique else 1):
                value = self.value(sub, depth + 1, item_hint)
                key = json.dumps(value, sort_keys=True)
                if key not in seen:
                    break
            if unique and key in seen:
                break  # the item schema has no more distinct values
            seen.add(key)
            out.append(value)
        return out


def value_for(schema: Mapping[str, Any], fake: Any) -> Any:
    """A value valid against ``schema``, drawn from ``fake`` (seeded by the caller).
    ``UnusableSchema`` when none can be made (see ``schema_check`` for what is refused
    up front)."""
    try:
        return _Walker(schema, fake).value(schema, 0, None)
    except UnusableSchema:
        raise
    except PatternTooLong as exc:
        raise UnusableSchema(str(exc)) from None
    except (ArithmeticError, LookupError, RecursionError, TypeError, ValueError) as exc:
        # check_schema keeps malformed keywords away; should one get through, the client
        # gets a 400 naming it rather than a 500
        raise UnusableSchema(f"fakeopenai could not generate a value for it ({exc!r})") from exc


_EXAMPLE_FIELDS: list[tuple[str, Mapping[str, Any]]] = [
    ("name", {"type": "string"}),
    ("email", {"type": "string"}),
    ("city", {"type": "string"}),
    ("title", {"type": "string"}),
    ("summary", {"type": "string"}),
    ("age", {"type": "integer"}),
    ("score", {"type": "number"}),
    ("active", {"type": "boolean"}),
    ("tags", {"type": "array", "items": {"type": "string"}}),
    ("created_at", {"type": "string", "format": "date-time"}),
    ("id", {"type": "string", "format": "uuid"}),
]


def example_object(fake: Any) -> dict[str, Any]:
    """A small plausible JSON object, for ``response_format: json_object``."""
    chosen = fake.random.sample(_EXAMPLE_FIELDS, fake.random.randint(2, 4))
    chosen.sort(key=_EXAMPLE_FIELDS.index)
    schema = {
        "type": "object",
        "properties": dict(chosen),
        "required": [name for name, _ in chosen],
        "additionalProperties": False,
    }
    return dict(value_for(schema, fake))
