"""generate.fill: a scenario reply made concrete for one request."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from typing import Any

import jsonschema
import pytest
from openai.lib._pydantic import to_strict_json_schema
from pydantic import BaseModel

from fakeopenai.generate import DEFAULT_MODEL, TemplateError, count_tokens, fill
from fakeopenai.scenario import Reply
from fakeopenai.view import RequestView, chat_view, embeddings_view, responses_view

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit", "days"],
    "additionalProperties": False,
}
SEARCH = {
    "type": "object",
    "properties": {"query": {"type": "string"}, "limit": {"type": ["integer", "null"]}},
    "required": ["query", "limit"],
    "additionalProperties": False,
}
TOOLS = [
    {
        "type": "function",
        "function": {"name": "get_weather", "parameters": WEATHER, "strict": True},
    },
    {"type": "function", "function": {"name": "search", "parameters": SEARCH}},
]
CALL_ID = re.compile(r"call_[A-Za-z0-9]{24}")


def chat(prompt: str = "What is the weather in Paris?", **extra: Any) -> RequestView:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}], **extra}
    return chat_view(body, {})


def reply(**fields: Any) -> Reply:
    return Reply.model_validate(fields)


def test_scripted_content_is_sent_as_is() -> None:
    filled = fill(reply(content="Hello {there}"), chat(), seed=None, rule_key="r")
    assert filled.content == "Hello {there}"
    assert filled.model == "gpt-4o-2024-08-06"  # the snapshot, as the API answers
    assert (filled.finish_reason, filled.refusal) == ("stop", None)
    assert filled.usage.completion_tokens == count_tokens("Hello {there}")


def test_model_comes_from_the_reply_then_the_request_then_the_default() -> None:
    assert fill(reply(model="m-1"), chat(), seed=0, rule_key="r").model == "m-1"
    no_model = chat_view({"messages": [{"role": "user", "content": "hi"}]}, {})
    assert DEFAULT_MODEL == "gpt-4o-mini"
    assert fill(reply(), no_model, seed=0, rule_key="r").model == "gpt-4o-mini-2024-07-18"
    unknown = chat_view({"model": "my-model", "messages": [{"role": "user", "content": "hi"}]}, {})
    assert fill(reply(), unknown, seed=0, rule_key="r").model == "my-model"


def test_content_templates_are_rendered() -> None:
    filled = fill(reply(content="You asked: {{ request.last_user }}"), chat(), seed=1, rule_key="r")
    assert filled.content == "You asked: What is the weather in Paris?"


def test_a_failing_template_raises_template_error() -> None:
    with pytest.raises(TemplateError, match="'nope' is undefined"):
        fill(reply(content="{{ nope }}"), chat(), seed=1, rule_key="r")


def test_generated_content_has_the_length_asked() -> None:
    filled = fill(reply(content={"generate": {"tokens": 120}}), chat(), seed=1, rule_key="r")
    assert count_tokens(filled.content or "") == filled.usage.completion_tokens == 120


def test_the_embedded_default_is_an_answer_that_varies_with_the_prompt() -> None:
    first = fill(reply(), chat("Tell me about cats"), seed=None, rule_key="default").content
    again = fill(reply(), chat("Tell me about cats"), seed=None, rule_key="default").content
    other = fill(reply(), chat("Tell me about dogs"), seed=None, rule_key="default").content
    assert first == again
    assert first != other
    assert first and 20 <= len(first.split()) <= 250  # a short prompt: a short answer


def test_seed_and_rule_change_the_text_but_streaming_does_not() -> None:
    base = fill(reply(), chat(), seed=1, rule_key="r").content
    assert fill(reply(), chat(), seed=2, rule_key="r").content != base
    assert fill(reply(), chat(), seed=1, rule_key="other").content != base
    assert fill(reply(), chat(stream=True), seed=1, rule_key="r").content == base


class Invoice(BaseModel):
    number: str
    total: float
    lines: list[str]
    paid: bool | None


def test_json_schema_requests_get_a_valid_compact_value() -> None:
    schema = to_strict_json_schema(Invoice)
    view = chat(
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "Invoice", "schema": schema, "strict": True},
        }
    )
    content = fill(reply(), view, seed=3, rule_key="r").content or ""
    assert ": " not in content and ", " not in content.replace('", "', "")
    Invoice.model_validate_json(content)
    jsonschema.validate(json.loads(content), schema)


def test_responses_text_format_gets_a_valid_value_too() -> None:
    schema = to_strict_json_schema(Invoice)
    body = {
        "model": "gpt-4o",
        "input": "invoice please",
        "text": {"format": {"type": "json_schema", "name": "Invoice", "schema": schema}},
    }
    content = fill(reply(), responses_view(body, {}), seed=3, rule_key="r").content or ""
    Invoice.model_validate_json(content)


def test_json_object_requests_get_an_object() -> None:
    content = fill(
        reply(), chat("json", response_format={"type": "json_object"}), seed=0, rule_key="r"
    )
    assert isinstance(json.loads(content.content or ""), dict)


def test_embeddings_have_no_content() -> None:
    view = embeddings_view({"model": "text-embedding-3-small", "input": ["a b c"]}, {})
    filled = fill(reply(), view, seed=0, rule_key="r")
    assert filled.content is None
    assert (filled.usage.prompt_tokens, filled.usage.completion_tokens) == (3, 0)


def test_a_refusal_replaces_the_content() -> None:
    filled = fill(reply(refusal="I can't help with that."), chat(), seed=0, rule_key="r")
    assert (filled.content, filled.refusal) == (None, "I can't help with that.")


def test_scripted_tool_calls_send_compact_json_with_rendered_templates() -> None:
    calls = [
        {"function": "get_weather", "arguments": {"city": "{{ request.model }}", "days": 2}},
        {"function": "search", "arguments": '{"query": "x"}', "id": "call_fixed"},
    ]
    filled = fill(reply(tool_calls=calls), chat(tools=TOOLS), seed=0, rule_key="r")
    first, second = filled.tool_calls
    assert (first.name, first.arguments) == ("get_weather", '{"city":"gpt-4o","days":2}')
    assert CALL_ID.fullmatch(first.id)
    assert (second.id, second.arguments) == ("call_fixed", '{"query": "x"}')
    assert filled.content is None
    assert filled.finish_reason == "tool_calls"


def test_auto_arguments_validate_against_the_offered_tool() -> None:
    calls = [
        {"function": "get_weather", "arguments": "auto"},
        {"function": "absent", "arguments": "auto"},
    ]
    for seed in range(10):
        weather, absent = fill(
            reply(tool_calls=calls), chat(tools=TOOLS), seed=seed, rule_key="r"
        ).tool_calls
        jsonschema.validate(json.loads(weather.arguments), WEATHER)
        assert absent.arguments == "{}"


def test_tool_calls_auto_picks_an_offered_tool_with_valid_arguments() -> None:
    picked = set()
    for seed in range(12):
        (call,) = fill(
            reply(tool_calls="auto"), chat(tools=TOOLS), seed=seed, rule_key="r"
        ).tool_calls
        schema = WEATHER if call.name == "get_weather" else SEARCH
        jsonschema.validate(json.loads(call.arguments), schema)
        picked.add(call.name)
    assert picked == {"get_weather", "search"}


@pytest.mark.parametrize("choice", ["auto", "required", None])
def test_tool_choice_auto_and_required_make_a_call(choice: str | None) -> None:
    view = chat(tools=TOOLS, **({"tool_choice": choice} if choice else {}))
    assert len(fill(reply(tool_calls="auto"), view, seed=0, rule_key="r").tool_calls) == 1


def test_tool_choice_none_answers_with_text() -> None:
    filled = fill(
        reply(tool_calls="auto"), chat(tools=TOOLS, tool_choice="none"), seed=0, rule_key="r"
    )
    assert filled.tool_calls == ()
    assert filled.content and filled.finish_reason == "stop"


def test_a_forced_function_is_the_one_called() -> None:
    forced = {"type": "function", "function": {"name": "search"}}
    for seed in range(5):
        view = chat(tools=TOOLS, tool_choice=forced)
        (call,) = fill(reply(tool_calls="auto"), view, seed=seed, rule_key="r").tool_calls
        assert call.name == "search"


def test_allowed_tools_restricts_the_pick() -> None:
    choice = {
        "type": "allowed_tools",
        "allowed_tools": {
            "mode": "auto",
            "tools": [{"type": "function", "function": {"name": "search"}}],
        },
    }
    for seed in range(5):
        view = chat(tools=TOOLS, tool_choice=choice)
        (call,) = fill(reply(tool_calls="auto"), view, seed=seed, rule_key="r").tool_calls
        assert call.name == "search"


def test_tool_calls_auto_without_tools_answers_with_text() -> None:
    filled = fill(reply(tool_calls="auto"), chat(), seed=0, rule_key="r")
    assert filled.tool_calls == () and filled.content


def test_tool_call_ids_are_fresh_on_every_response_unless_pinned() -> None:
    """WIRE.md §9 row 14: the API never repeats a call id, even for the same request."""
    ids = [
        fill(reply(tool_calls="auto"), chat("a", tools=TOOLS), seed=0, rule_key="r")
        .tool_calls[0]
        .id
        for _ in range(3)
    ]
    assert len(set(ids)) == 3 and all(i.startswith("call_") and len(i) == 29 for i in ids)
    pinned = reply(tool_calls=[{"function": "search", "id": "call_pinned"}])
    assert fill(pinned, chat("a", tools=TOOLS), seed=0, rule_key="r").tool_calls[0].id == (
        "call_pinned"
    )


def test_finish_reason_and_usage_overrides() -> None:
    filled = fill(
        reply(content="x", finish_reason="length", usage={"prompt_tokens": 7}),
        chat(),
        seed=0,
        rule_key="r",
    )
    assert filled.finish_reason == "length"
    assert filled.usage.prompt_tokens == 7
    assert filled.usage.completion_tokens == 1


SCRIPT = """
import json, sys
from dataclasses import replace
from fakeopenai.generate import fill
from fakeopenai.scenario import Reply
from fakeopenai.view import chat_view
tools = json.loads(sys.argv[1])
body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": tools}
view = chat_view(body, {})
for r in (Reply(), Reply(tool_calls="auto"), Reply(content="{{ faker.name() }}")):
    f = fill(r, view, seed=5, rule_key="s/r/0")
    calls = tuple(replace(c, id="call_fresh") for c in f.tool_calls)  # fresh per response
    print(repr(replace(f, tool_calls=calls)))
"""


def test_same_inputs_give_the_same_bytes_in_another_process() -> None:
    def run(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        args = [sys.executable, "-c", SCRIPT, json.dumps(TOOLS)]
        return subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout

    first = run("1")
    assert first == run("2")
    assert "call_fresh" in first


# -- the fixed-text shortcut gives exactly what the general path gives -----------------

FIXED_REPLIES = [
    Reply(content="The capital of France is Paris."),
    Reply(content="Déjà vu — 你好", model="gpt-4.1", finish_reason="length"),
    Reply(chunks=["Hel", "lo ", "there"]),
    Reply(content="I can't say.", refusal="I can't help with that."),
    Reply(content="counted", usage={"prompt_tokens": 3, "reasoning_tokens": 9}),
]
PLAIN_BODIES: list[dict[str, Any]] = [
    {"model": "gpt-4o", "messages": [{"role": "user", "content": "What is the capital?"}]},
    {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "weather?"}]},
        ],
        "tools": TOOLS,
        "response_format": {"type": "json_schema", "json_schema": {"schema": WEATHER}},
    },
]


@pytest.mark.parametrize("reply", FIXED_REPLIES)
@pytest.mark.parametrize("body", PLAIN_BODIES)
@pytest.mark.parametrize("make_view", [chat_view, responses_view])
def test_fixed_text_shortcut_equals_the_general_path(
    reply: Reply, body: dict[str, Any], make_view: Any
) -> None:
    from fakeopenai.generate import fill_any, fixed_text

    if make_view is responses_view:
        body = {"model": body["model"], "input": body["messages"], "tools": body.get("tools")}
    view = make_view(body, {})
    assert fixed_text(reply, view) is not None  # the shortcut is taken
    fast = fill(reply, view, seed=7, rule_key="s/r/0")
    assert fast.fixed  # marked, so that wire builders may cache its bytes
    general = fill_any(reply, view, seed=7, rule_key="s/r/0")
    assert not general.fixed and fast == dataclasses.replace(general, fixed=True)


@pytest.mark.parametrize(
    ("extra", "effect"),
    [
        ({"n": 2}, lambda f: len(f.choices) == 2),
        ({"max_tokens": 2}, lambda f: (f.content, f.finish_reason) == ("The capital", "length")),
        ({"max_completion_tokens": 1}, lambda f: f.finish_reason == "length"),
        ({"stop": " of"}, lambda f: (f.content, f.finish_reason) == ("The capital", "stop")),
        ({"logprobs": True}, lambda f: f.logprobs is not None),
    ],
)
def test_fixed_text_shortcut_steps_aside_for_requests_that_shape_the_text(
    extra: dict[str, Any], effect: Any
) -> None:
    from fakeopenai.generate import fixed_text

    view = chat_view({**PLAIN_BODIES[0], **extra}, {})
    reply = FIXED_REPLIES[0]
    assert fixed_text(reply, view) is None
    filled = fill(reply, view, seed=None, rule_key="s/r/0")
    assert effect(filled) and not filled.fixed


@pytest.mark.parametrize(
    "reply",
    [
        Reply(content="Hi {{ request.model }}"),
        Reply(content={"generate": {"words": 3}}),
        Reply(tool_calls="auto"),
        Reply(refusal="No, {{ request.model }}."),
        Reply(),
    ],
)
def test_fixed_text_shortcut_is_only_for_fixed_text(reply: Reply) -> None:
    from fakeopenai.generate import fixed_text

    assert fixed_text(reply, chat_view(PLAIN_BODIES[0], {})) is None
    assert fixed_text(FIXED_REPLIES[0], embeddings_view({"model": "e", "input": "x"}, {})) is None
