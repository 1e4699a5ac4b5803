"""Request JSON Schemas the generator must not meet: refused up front (schema_check),
or stopped while generating (too large), never a 500 or a stalled server."""

from __future__ import annotations

import math
import time
from typing import Any

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakeopenai import FakeOpenAI
from fakeopenai.generate.patterns import PatternTooLong, matching_string
from fakeopenai.generate.schema import UnusableSchema, value_for
from fakeopenai.generate.schema_check import SchemaError, check_schema
from fakeopenai.generate.seeding import faker_instance


def generate(schema: Any) -> Any:
    fake = faker_instance()
    fake.seed_instance(0)
    return value_for(schema, fake)


# --- refused up front: the keyword, where, and why --------------------------------


@pytest.mark.parametrize(
    ("schema", "context", "problem"),
    [
        ({"type": "object", "properties": [1]}, ("properties",), "must be an object of schemas"),
        ({"type": "object", "required": 5}, ("required",), "must be an array of strings"),
        ({"required": [[1]]}, ("required",), "must be an array of strings"),
        ({"minProperties": "x"}, ("minProperties",), "must be a non-negative integer"),
        ({"type": "array", "maxItems": -1}, ("maxItems",), "must be a non-negative integer"),
        ({"prefixItems": {"a": 1}}, ("prefixItems",), "must be a non-empty array of schemas"),
        ({"anyOf": [1]}, ("anyOf", 0), "a schema must be an object or a boolean"),
        ({"allOf": 5}, ("allOf",), "must be a non-empty array of schemas"),
        ({"allOf": [{"properties": 5}]}, ("allOf", 0, "properties"), "must be an object"),
        ({"minimum": "x"}, ("minimum",), "must be a finite number"),
        ({"maximum": math.nan}, ("maximum",), "must be a finite number"),
        ({"multipleOf": math.inf}, ("multipleOf",), "must be a finite number"),
        ({"multipleOf": 0}, ("multipleOf",), "must be greater than 0"),
        ({"type": "strin"}, ("type",), "'strin' is not a type"),
        ({"pattern": "(unclosed"}, ("pattern",), "is not a regular expression"),
        ({"properties": {"a": {"minLength": 10**9}}}, ("properties", "a", "minLength"), "lower it"),
        ({"minItems": 10**9}, ("minItems",), "more than fakeopenai generates (at most 10,000)"),
    ],
)  # fmt: skip
def test_malformed_or_oversized_keywords_are_refused(
    schema: dict[str, Any], context: tuple[Any, ...], problem: str
) -> None:
    with pytest.raises(SchemaError) as caught:
        check_schema(schema)
    assert caught.value.context == context
    assert problem in caught.value.problem


@pytest.mark.parametrize(
    "schema",
    [
        {"oneOf": [True, False]},
        {"type": "integer", "exclusiveMinimum": True, "minimum": 0},  # draft 4
        {"items": [{"type": "string"}], "additionalItems": False},  # draft 4 tuples
        {"type": ["string", "null"], "description": 5, "x-anything": [1]},
        {"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
    ],
)
def test_valid_schemas_pass_and_generate(schema: dict[str, Any]) -> None:
    check_schema(schema)
    generate(schema)


# --- stopped while generating, fast -----------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "additionalProperties": {"$ref": "#"}, "minProperties": 2},
        {"type": "array", "items": {"$ref": "#"}, "minItems": 2},
        {"prefixItems": [{"$ref": "#"}, {"$ref": "#"}]},
        {"type": "array", "items": {"type": "string", "minLength": 100_000}, "minItems": 10_000},
        {"allOf": [{"$ref": "#"}, {"$ref": "#"}]},  # merges that double at every hop
        {"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}] * 3}}, "$ref": "#/$defs/a"},
        {"allOf": [{"allOf": [{"$ref": "#"}]}, {"allOf": [{"$ref": "#"}]}]},
    ],
)
def test_a_schema_that_asks_for_too_much_stops_quickly(schema: dict[str, Any]) -> None:
    check_schema(schema)  # each is valid: the size shows only while generating
    started = time.perf_counter()
    with pytest.raises(UnusableSchema, match="fakeopenai stops there"):
        generate(schema)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "schema",
    [{"anyOf": [{"$ref": "#"}]}, {"oneOf": [{"$ref": "#"}]}, {"allOf": [{"$ref": "#"}]}],
)
def test_a_reference_to_itself_without_nesting_ends(schema: dict[str, Any]) -> None:
    check_schema(schema)
    generate(schema)  # no RecursionError: a hop limit, as for nesting


@pytest.mark.parametrize("pattern", ["a{1000000000}", "((a{1000}){1000}){100}", "(?:){999999999}"])
def test_a_pattern_longer_than_fakeopenai_makes_stops_fast(pattern: str) -> None:
    import random

    started = time.perf_counter()
    with pytest.raises(PatternTooLong):
        matching_string(pattern, random.Random(0))
    with pytest.raises(UnusableSchema, match="longer than fakeopenai makes"):
        generate({"type": "string", "pattern": pattern})  # a 400, not a non-matching string
    assert time.perf_counter() - started < 5


KEYWORDS = [
    "type", "properties", "required", "items", "prefixItems", "additionalProperties",
    "anyOf", "oneOf", "allOf", "not", "enum", "const", "$ref", "$defs", "pattern",
    "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "uniqueItems", "format", "a", "b",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-5, 12)
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["string", "object", "array", "integer", "#", "#/$defs/a", "x", "a+"])
)
SCHEMAS = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYWORDS), children, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCHEMAS)
def test_any_schema_is_refused_or_generated_never_a_crash(schema: Any) -> None:
    try:
        check_schema(schema)
    except SchemaError:
        return
    started = time.perf_counter()
    try:
        generate(schema)
    except UnusableSchema as exc:
        assert "could not generate" not in str(exc), exc  # that net is for bugs
    assert time.perf_counter() - started < 5


# --- through the API --------------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Any:
    with FakeOpenAI() as server:
        yield server


def ask(fake: FakeOpenAI, **extra: Any) -> httpx.Response:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "json please"}], **extra}
    return httpx.post(f"{fake.base_url}/chat/completions", json=body, timeout=30)


def response_format(schema: Any) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}


def test_a_malformed_response_format_is_the_apis_400(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.base_url, api_key="x", max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "hi"}],
            response_format=response_format({"type": "object", "required": 5}),  # type: ignore[arg-type]
        )
    error = caught.value.body
    assert isinstance(error, dict)
    assert error["message"] == (
        "Invalid schema for response_format 'answer': In context=('required',), "
        "must be an array of strings, got 5."
    )
    assert (error["param"], error["code"]) == (
        "response_format.json_schema.schema",
        "invalid_json_schema",
    )


def test_malformed_tool_parameters_are_the_apis_400(fake: FakeOpenAI) -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"minimum": "x"}}}
    answer = ask(fake, tools=[tool])
    error = answer.json()["error"]
    assert answer.status_code == 400 and error["code"] == "invalid_function_parameters"
    assert error["param"] == "tools[0].function.parameters"
    assert error["message"].startswith("Invalid schema for function 'f': In context=('minimum',)")
    flat = {
        "model": "gpt-4o",
        "input": "hi",
        "tools": [{"type": "function", "name": "g", "parameters": 3}],
    }
    answer = httpx.post(f"{fake.base_url}/responses", json=flat)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "tools[0].parameters"


def test_a_schema_too_large_to_generate_is_a_400_and_the_server_stays_free(
    fake: FakeOpenAI,
) -> None:
    branching = {"type": "array", "items": {"$ref": "#"}, "minItems": 2}
    started = time.perf_counter()
    answer = ask(fake, response_format=response_format(branching))
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "fakeopenai_unusable_schema"
    assert "more than 10,000 values" in error["message"]
    assert time.perf_counter() - started < 10
    assert ask(fake).status_code == 200
