"""Values from JSON Schemas (generate.schema, .strings, .numbers, .patterns)."""

from __future__ import annotations

import datetime as dt
import enum
import json
import random
import re
import uuid
from typing import Any, Literal

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai.lib._pydantic import to_strict_json_schema
from pydantic import BaseModel, Field

from fakeopenai.generate.patterns import matching_string
from fakeopenai.generate.schema import example_object, value_for
from fakeopenai.generate.schema_check import check_schema
from fakeopenai.generate.seeding import faker_instance


def generate(schema: dict[str, Any], seed: int = 0) -> Any:
    fake = faker_instance()
    fake.seed_instance(seed)
    return value_for(schema, fake)


def assert_valid(value: Any, schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [e.message for e in validator.iter_errors(value)]
    assert not errors, (json.dumps(value), errors)


# --- a strategy of satisfiable schemas in the strict-mode subset -------------------

NAMES = ["name", "email", "city", "age", "price", "title", "tags", "created_at", "id", "x1"]
FORMATS = ["date-time", "date", "time", "email", "uuid", "uri", "ipv4", "ipv6", "hostname"]
PATTERNS = [
    r"^[A-Z]{3}-\d{4}$",
    r"^\+?[0-9]{7,12}$",
    r"^(red|green|blue)$",
    r"[a-z]+@x\.io",
    "^a*b?$",
]


@st.composite
def integers(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    low = draw(st.none() | st.integers(-1000, 1000))
    high = draw(st.none() | st.integers(-1000, 1000))
    if low is not None and high is not None and low > high:
        low, high = high, low
    step = draw(st.sampled_from([None, None, 1, 2, 5, 7]))
    if low is not None and high is not None and high - low < 2 * (step or 1):
        high = low + 2 * (step or 1)  # room for a value even with both bounds exclusive
    if low is not None:
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if high is not None:
        schema["exclusiveMaximum" if draw(st.booleans()) else "maximum"] = high
    if step:
        schema["multipleOf"] = step
    return schema


@st.composite
def numbers(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number"}
    low = draw(st.none() | st.floats(-1e4, 1e4))
    step = draw(st.sampled_from([None, None, 0.5, 0.25, 0.1, 0.01, 3]))
    width = max(draw(st.floats(1, 1e3)), 3 * (step or 0))  # room for a multiple
    if low is not None:
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if draw(st.booleans()):
        schema["maximum"] = (low if low is not None else 0) + width
    if step:
        schema["multipleOf"] = step
    return schema


@st.composite
def strings(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["plain", "format", "pattern", "enum", "const"]))
    if kind == "format":
        return {"type": "string", "format": draw(st.sampled_from(FORMATS))}
    if kind == "pattern":
        return {"type": "string", "pattern": draw(st.sampled_from(PATTERNS))}
    if kind == "enum":
        return {"type": "string", "enum": draw(st.lists(st.text(max_size=8), min_size=1))}
    if kind == "const":
        return {"type": "string", "const": draw(st.text(max_size=8))}
    schema: dict[str, Any] = {"type": "string"}
    low = draw(st.none() | st.integers(0, 40))
    high = draw(st.none() | st.integers(0, 40))
    if low is not None:
        schema["minLength"] = low
    if high is not None:
        schema["maxLength"] = max(high, low or 0)
    return schema


LEAVES = (
    integers()
    | numbers()
    | strings()
    | st.just({"type": "boolean"})
    | st.just({"type": "null"})
    | st.just({"type": ["string", "null"]})
)


def compound(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    objects = st.dictionaries(st.sampled_from(NAMES), children, max_size=4).map(
        lambda props: {
            "type": "object",
            "properties": props,
            "required": sorted(props),
            "additionalProperties": False,
        }
    )
    loose = st.dictionaries(st.sampled_from(NAMES), children, max_size=3).map(
        lambda props: {"type": "object", "properties": props, "required": sorted(props)[:1]}
    )
    maps = children.map(lambda sub: {"type": "object", "additionalProperties": sub})
    arrays = st.tuples(children, st.integers(0, 3), st.integers(0, 3)).map(
        lambda t: {"type": "array", "items": t[0], "minItems": min(t[1:]), "maxItems": max(t[1:])}
    )
    any_of = st.lists(children, min_size=1, max_size=3).map(lambda subs: {"anyOf": subs})
    nullable = children.map(lambda sub: {"anyOf": [sub, {"type": "null"}]})
    return objects | loose | maps | arrays | any_of | nullable


DEF_NAMES = ["Item", "Node", "Other"]
REFS = st.sampled_from(DEF_NAMES).map(lambda name: {"$ref": f"#/$defs/{name}"})
BODIES = st.recursive(LEAVES | REFS, compound, max_leaves=10)
DEFINITIONS = st.recursive(LEAVES, compound, max_leaves=4)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A schema whose $refs point at root $defs (which may refer to each other)."""
    defs = {name: draw(DEFINITIONS) for name in DEF_NAMES}
    # One definition may be recursive, through an optional branch as strict mode needs.
    defs["Node"] = {
        "type": "object",
        "properties": {
            "value": defs["Node"],
            "next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
        },
        "required": ["value", "next"],
        "additionalProperties": False,
    }
    return {**draw(BODIES), "$defs": defs}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(0, 2**32))
def test_generated_values_validate_against_generated_schemas(
    schema: dict[str, Any], seed: int
) -> None:
    check_schema(schema)  # a request's schema is checked first: never a false refusal
    assert_valid(generate(schema, seed), schema)


# --- pydantic models, as client.chat.completions.parse sends them -----------------


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Address(BaseModel):
    street: str
    city: str
    postal_code: str = Field(pattern=r"^\d{5}$")


class Person(BaseModel):
    name: str
    email: str
    age: int = Field(ge=0, le=130)
    favourite: Color
    kind: Literal["customer", "supplier"]
    nickname: str | None
    addresses: list[Address]
    born: dt.date
    updated_at: dt.datetime
    wake_up: dt.time
    account: uuid.UUID
    score: float = Field(gt=0, lt=1)


class TreeNode(BaseModel):
    label: str
    children: list[TreeNode]
    parent: TreeNode | None


class Step(BaseModel):
    explanation: str
    output: str


class MathReasoning(BaseModel):
    steps: list[Step]
    final_answer: str


class Event(BaseModel):
    title: str
    when: dt.datetime | None
    attendees: list[str] = Field(min_length=1, max_length=3)
    status: Literal["draft"]


@pytest.mark.parametrize("model", [Person, TreeNode, MathReasoning, Event])
def test_pydantic_models_round_trip_through_strict_schemas(model: type[BaseModel]) -> None:
    schema = to_strict_json_schema(model)
    check_schema(schema)
    check_schema(model.model_json_schema())  # not strict: what a plain tool might send
    for seed in range(15):
        value = generate(schema, seed)
        assert_valid(value, schema)
        model.model_validate_json(json.dumps(value))


def test_values_look_like_their_property_names() -> None:
    value = generate(to_strict_json_schema(Person), seed=4)
    assert re.fullmatch(r"[^@\s]+@[^@\s]+\.\w+", value["email"])
    assert " " in value["name"]
    assert 0 <= value["age"] <= 130
    assert value["favourite"] in ("red", "green")
    assert (
        re.fullmatch(r"\d{5}", value["addresses"][0]["postal_code"]) if value["addresses"] else True
    )


def test_recursive_schemas_terminate() -> None:
    schema = to_strict_json_schema(TreeNode)
    for seed in range(30):
        depth, node = 0, generate(schema, seed)
        while node["children"]:
            depth, node = depth + 1, node["children"][0]
        assert depth <= 6


def test_root_reference_and_json_pointer_escapes() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a/b": {"type": "integer"},
            "next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]},
        },
        "required": ["a/b", "next"],
        "additionalProperties": False,
    }
    assert_valid(generate(schema), schema)
    pointer = {"$ref": "#/properties/a~1b", "properties": {"a/b": {"const": 7}}}
    assert generate(pointer) == 7


def test_all_of_is_merged() -> None:
    schema = {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
            {"properties": {"b": {"type": "string"}}, "required": ["b"]},
        ]
    }
    value = generate(schema)
    assert set(value) >= {"a", "b"}
    assert_valid(value, schema)


def test_formats_parse_as_what_they_claim() -> None:
    for seed in range(10):
        value = generate({"type": "string", "format": "date-time"}, seed)
        assert dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
        dt.date.fromisoformat(generate({"type": "string", "format": "date"}, seed))
        assert uuid.UUID(generate({"type": "string", "format": "uuid"}, seed)).version == 4


def test_float_multiple_of_passes_the_float_quotient_test() -> None:
    schema = {"type": "number", "multipleOf": 0.1, "minimum": 0.25, "maximum": 0.95}
    for seed in range(20):
        assert_valid(generate(schema, seed), schema)


def test_unique_items_are_unique() -> None:
    schema = {"type": "array", "items": {"enum": [1, 2, 3]}, "minItems": 3, "uniqueItems": True}
    for seed in range(10):
        value = generate(schema, seed)
        assert sorted(value) == [1, 2, 3]


@pytest.mark.parametrize(
    "pattern",
    [r"^[A-Z]{2}\d{2,4}$", r"^(foo|bar)-[a-f0-9]{8}$", r"^\w+\s\w+$", r"^[^0-9]{3}$", r"(ab)\1"],
)
def test_patterns_produce_matching_strings(pattern: str) -> None:
    rng = random.Random(1)
    for _ in range(20):
        text = matching_string(pattern, rng)
        assert text is not None
        assert re.search(pattern, text)


def test_unusable_patterns_give_none() -> None:
    assert matching_string(r"(?<name>x)", random.Random(0)) is None  # ECMA-only syntax
    assert matching_string(r"^a(?=b)c$", random.Random(0)) is None  # never matches


def test_same_seed_same_value_and_other_seed_other_value() -> None:
    schema = to_strict_json_schema(Person)
    assert generate(schema, 1) == generate(schema, 1)
    assert generate(schema, 1) != generate(schema, 2)


def test_example_object_is_a_small_plausible_object() -> None:
    fake = faker_instance()
    for seed in range(10):
        fake.seed_instance(seed)
        value = example_object(fake)
        assert 2 <= len(value) <= 4
        json.dumps(value)
