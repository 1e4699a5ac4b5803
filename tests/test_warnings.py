"""Replies the real API could not have sent: answered as scripted, flagged in the journal's
``warnings``, logged, and failing a strict test (SPEC §6). One test per kind, each
asserting the text, and faithful replies (generated or scripted) that raise none."""

from __future__ import annotations

import logging
from typing import Any

import openai
import pytest
from pydantic import BaseModel

from fakeopenai import FakeOpenAI, UnfaithfulReplyError
from fakeopenai.plausible.conform import violation

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city", "days"],
            "additionalProperties": False,
        },
    },
}
PERSON = {
    "type": "json_schema",
    "json_schema": {
        "name": "person",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name", "age"],
            "additionalProperties": False,
        },
    },
}
SCENARIO: dict[str, Any] = {
    "name": "agent",
    "rules": [
        {"name": "text", "match": {"last_user": "text"}, "reply": {"content": "Sunny."}},
        {
            "name": "call-search",
            "match": {"last_user": "search"},
            "reply": {"tool_calls": [{"function": "search", "arguments": {"q": "x"}}]},
        },
        {
            "name": "call-weather",
            "match": {"last_user": "weather"},
            "reply": {"tool_calls": [{"function": "get_weather", "arguments": {"city": "Oslo"}}]},
        },
        {
            "name": "good-weather",
            "match": {"last_user": "fine call"},
            "reply": {
                "tool_calls": [
                    {"function": "get_weather", "arguments": {"city": "Oslo", "days": 2}}
                ]
            },
        },
        {"name": "person", "match": {"last_user": "person"}, "reply": {"content": '{"name": 3}'}},
        {
            "name": "good-person",
            "match": {"last_user": "fine json"},
            "reply": {"content": '{"name": "Ada", "age": 36}'},
        },
        {"name": "auto", "match": {"last_user": "auto"}, "reply": {"tool_calls": "auto"}},
        {"name": "generated", "match": {"last_user": "generate"}, "reply": {}},
    ],
}


FAKE_OPTIONS = {"allow_warnings": True}  # (conftest.py's `examples` serves SCENARIO)


def ask(fake: FakeOpenAI, text: str, **body: Any) -> Any:
    client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}], **body
    )


def warnings_of(fake: FakeOpenAI) -> list[str]:
    return fake.requests.last.warnings


def test_text_under_tool_choice_required(fake: FakeOpenAI) -> None:
    answer = ask(fake, "text please", tools=[WEATHER], tool_choice="required")
    assert answer.choices[0].message.content == "Sunny."  # answered as scripted
    assert warnings_of(fake) == [
        "fakeopenai: rule 'text' in scenario 'agent' (agent) replied with text 'Sunny.', but "
        "the request's tool_choice is 'required': the real API always answers it with a tool "
        "call. Fix: script tool_calls (or `tool_calls: auto`) for this request, or match on "
        "tool_choice."
    ]


def test_text_under_a_named_function(fake: FakeOpenAI) -> None:
    forced = {"type": "function", "function": {"name": "get_weather"}}
    ask(fake, "text please", tools=[WEATHER], tool_choice=forced)
    assert "but the request's tool_choice is function 'get_weather'" in warnings_of(fake)[0]


def test_another_function_than_the_named_one(fake: FakeOpenAI) -> None:
    forced = {"type": "function", "function": {"name": "search"}}
    search = {"type": "function", "function": {"name": "search", "parameters": {}}}
    ask(fake, "fine call", tools=[WEATHER, search], tool_choice=forced)
    assert warnings_of(fake) == [
        "fakeopenai: rule 'good-weather' in scenario 'agent' (agent) called function "
        "'get_weather', but the request's tool_choice forces function 'search': the real API "
        "calls that one only. Fix: call 'search' (or use `tool_calls: auto`)."
    ]


def test_a_function_the_request_does_not_offer(fake: FakeOpenAI) -> None:
    answer = ask(fake, "search the web", tools=[WEATHER])
    assert answer.choices[0].message.tool_calls[0].function.name == "search"
    assert warnings_of(fake) == [
        "fakeopenai: rule 'call-search' in scenario 'agent' (agent) called function 'search', "
        "which the request does not offer (offered: get_weather): the real API calls only "
        "offered functions. Fix: call one of those (`tool_calls: auto` picks one), or match "
        "on `tools`."
    ]


def test_a_call_under_tool_choice_none(fake: FakeOpenAI) -> None:
    ask(fake, "fine call", tools=[WEATHER], tool_choice="none")
    assert warnings_of(fake) == [
        "fakeopenai: rule 'good-weather' in scenario 'agent' (agent) called 'get_weather', "
        "but the request's tool_choice is 'none': the real API answers with text then. Fix: "
        "script content for this request, or match on tool_choice."
    ]


def test_arguments_that_break_a_strict_tool(fake: FakeOpenAI) -> None:
    ask(fake, "weather in Oslo", tools=[WEATHER])
    assert warnings_of(fake) == [
        "fakeopenai: rule 'call-weather' in scenario 'agent' (agent) called 'get_weather' "
        'with arguments \'{"city":"Oslo"}\' that break its strict parameters schema (at $: '
        "required property 'days' is missing): the real API's strict mode always fits them. "
        "Fix: script arguments that fit (or `arguments: auto`)."
    ]


def test_content_that_breaks_a_strict_json_schema(fake: FakeOpenAI) -> None:
    ask(fake, "a person", response_format=PERSON)
    assert warnings_of(fake) == [
        "fakeopenai: rule 'person' in scenario 'agent' (agent) replied with '{\"name\": 3}', "
        "which breaks the request's strict json_schema 'person' (at $: required property "
        "'age' is missing): the real API's structured output always fits it. Fix: script "
        "content that fits, or leave content out to have it generated."
    ]


def test_the_responses_api_is_checked_too(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    tool = {"type": "function", **WEATHER["function"]}
    fmt = {"type": "json_schema", **PERSON["json_schema"]}
    client.responses.create(model="gpt-4o", input="weather", tools=[tool])
    assert "break its strict parameters schema" in warnings_of(fake)[0]
    client.responses.create(model="gpt-4o", input="a person", text={"format": fmt})
    assert "breaks the request's strict json_schema 'person'" in warnings_of(fake)[0]
    client.responses.create(model="gpt-4o", input="text", tools=[tool], tool_choice="required")
    assert "tool_choice is 'required'" in warnings_of(fake)[0]


class Person(BaseModel):
    name: str
    age: int


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("auto call", {"tools": [WEATHER]}),
        ("auto call", {"tools": [WEATHER], "tool_choice": "required"}),
        ("generate", {"tools": [WEATHER], "tool_choice": "required"}),
        ("generate", {"response_format": PERSON}),
        ("fine json", {"response_format": PERSON}),
        ("fine call", {"tools": [WEATHER], "tool_choice": "required"}),
        ("text please", {"tools": [WEATHER]}),  # auto: text is allowed
        ("text please", {"tools": [WEATHER], "tool_choice": "none"}),
        ("a person as json", {"response_format": {"type": "json_object"}}),  # no schema
    ],
)
def test_faithful_replies_raise_no_warning(fake: FakeOpenAI, text: str, body: Any) -> None:
    ask(fake, text, **body)
    assert warnings_of(fake) == []


def test_parse_with_a_generated_structured_output_is_clean(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    parsed = client.chat.completions.parse(
        model="gpt-4o",
        messages=[{"role": "user", "content": "generate"}],
        response_format=Person,
    )
    assert isinstance(parsed.choices[0].message.parsed, Person)
    assert warnings_of(fake) == []


def test_each_warning_is_logged_once(fake: FakeOpenAI, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="fakeopenai"):
        ask(fake, "text please", tools=[WEATHER], tool_choice="required")
    logged = [r.getMessage() for r in caplog.records if r.name == "fakeopenai"]
    assert logged == warnings_of(fake)


def test_warnings_are_in_the_journal_json(fake: FakeOpenAI) -> None:
    import httpx

    ask(fake, "a person", response_format=PERSON)
    entries = httpx.get(fake.url + "/_fakeopenai/requests").json()
    assert entries[-1]["warnings"] == warnings_of(fake)


def test_check_raises_unless_warnings_are_allowed() -> None:
    with FakeOpenAI(SCENARIO, allow_warnings=True) as fake:
        ask(fake, "a person", response_format=PERSON)
        fake.allow_warnings = False
        with pytest.raises(UnfaithfulReplyError) as caught:
            fake.check()
        fake.allow_warnings = True
    assert str(caught.value).startswith(
        "fakeopenai: 1 reply the real API could not have sent:\n"
        f"  - request 1 (POST /v1/chat/completions; journal #{fake.requests.last.id}; last "
        "user message 'a person'): rule 'person' in scenario 'agent' (agent) replied with"
    )


@pytest.mark.parametrize(
    ("value", "schema", "problem"),
    [
        (1.0, {"type": "integer"}, None),
        (True, {"type": "integer"}, "at $: expected integer, got boolean True"),
        ("b", {"enum": ["a"]}, "at $: 'b' is not one of ['a']"),
        ([1, "x"], {"type": "array", "items": {"type": "integer"}}, "at $[1]: expected integer"),
        ({"a": 1}, {"type": "object", "additionalProperties": False}, "at $: property 'a' is not"),
        (
            {"n": {"n": "x"}},
            {
                "$defs": {
                    "N": {
                        "type": "object",
                        "properties": {"n": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}},
                    }
                },
                "$ref": "#/$defs/N",
            },
            "at $.n: fits none of anyOf's 2 options (at $.n.n: fits none",
        ),
        (5, {"type": "number", "maximum": 4}, "at $: expected a number <= 4, got 5"),
        ("abc", {"type": "string", "maxLength": 2}, "at $: expected at most 2 characters"),
        (0.3, {"type": "number", "multipleOf": 0.1}, None),
        ("x", {"type": "string", "pattern": "^[0-9]+$"}, None),  # patterns are not run
    ],
)
def test_conformance(value: Any, schema: Any, problem: str | None) -> None:
    found = violation(value, schema)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem)
