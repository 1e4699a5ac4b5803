"""Tool-call fidelity through the official SDK: a forcing ``tool_choice`` gets a call
from a reply that scripts none, and ``parallel_tool_calls: false`` sends one call."""

from __future__ import annotations

import json
from typing import Any

import openai

SEED = 3  # tests/conftest.py serves SCENARIO with this seed
SCENARIO = {
    "name": "tools",
    "rules": [
        {
            "name": "two-calls",
            "match": {"last_user": "both cities"},
            "reply": {
                "tool_calls": [
                    {"function": "get_weather", "arguments": {"city": "Paris"}},
                    {"function": "get_weather", "arguments": {"city": "Rome"}},
                ]
            },
        },
        {"name": "generated", "reply": {}},
    ],
}
WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
CHAT_TOOLS: Any = [
    {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
]
RESPONSES_TOOLS: Any = [
    {"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": True},
    {"type": "function", "name": "get_time", "parameters": {"type": "object"}, "strict": False},
]
ASK: Any = [{"role": "user", "content": "what time is it"}]


def test_required_tool_choice_gets_a_call(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o", messages=ASK, tools=CHAT_TOOLS, tool_choice="required"
    )
    [choice] = completion.choices
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    [call] = choice.message.tool_calls or []
    assert call.type == "function" and call.function.name in {"get_weather", "get_time"}
    assert isinstance(json.loads(call.function.arguments), dict)


def test_named_tool_choice_calls_that_function_streamed_too(client: openai.OpenAI) -> None:
    choice: Any = {"type": "function", "function": {"name": "get_time"}}
    completion = client.chat.completions.create(
        model="gpt-4o", messages=ASK, tools=CHAT_TOOLS, tool_choice=choice
    )
    assert [c.function.name for c in completion.choices[0].message.tool_calls or []] == ["get_time"]
    with client.chat.completions.stream(
        model="gpt-4o", messages=ASK, tools=CHAT_TOOLS, tool_choice=choice
    ) as stream:
        final = stream.get_final_completion()
    assert [c.function.name for c in final.choices[0].message.tool_calls or []] == ["get_time"]


def test_auto_tool_choice_still_answers_in_text(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=ASK, tools=CHAT_TOOLS)
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].message.content


def test_allowed_tools_in_required_mode_calls_a_listed_tool(client: openai.OpenAI) -> None:
    choice: Any = {
        "type": "allowed_tools",
        "allowed_tools": {
            "mode": "required",
            "tools": [{"type": "function", "function": {"name": "get_weather"}}],
        },
    }
    completion = client.chat.completions.create(
        model="gpt-4o", messages=ASK, tools=CHAT_TOOLS, tool_choice=choice
    )
    [call] = completion.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"
    assert set(json.loads(call.function.arguments)) == {"city"}


def test_responses_forcing_tool_choice_gets_a_function_call(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4o", input="what time is it", tools=RESPONSES_TOOLS, tool_choice="required"
    )
    kinds = [item.type for item in response.output]
    assert kinds == ["function_call"]
    named = client.responses.create(
        model="gpt-4o",
        input="what time is it",
        tools=RESPONSES_TOOLS,
        tool_choice={"type": "function", "name": "get_time"},
    )
    assert [getattr(item, "name", None) for item in named.output] == ["get_time"]
    with client.responses.stream(
        model="gpt-4o", input="what time", tools=RESPONSES_TOOLS, tool_choice="required"
    ) as stream:
        final = stream.get_final_response()
    assert [item.type for item in final.output] == ["function_call"]


def test_parallel_tool_calls_false_sends_only_the_first_call(client: openai.OpenAI) -> None:
    both: Any = [{"role": "user", "content": "weather in both cities"}]
    parallel = client.chat.completions.create(model="gpt-4o", messages=both, tools=CHAT_TOOLS)
    assert len(parallel.choices[0].message.tool_calls or []) == 2
    single = client.chat.completions.create(
        model="gpt-4o", messages=both, tools=CHAT_TOOLS, parallel_tool_calls=False
    )
    [call] = single.choices[0].message.tool_calls or []
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    response = client.responses.create(
        model="gpt-4o",
        input="weather in both cities",
        tools=RESPONSES_TOOLS,
        parallel_tool_calls=False,
    )
    assert [item.type for item in response.output] == ["function_call"]
    streamed = list(
        client.chat.completions.create(
            model="gpt-4o", messages=both, tools=CHAT_TOOLS, parallel_tool_calls=False, stream=True
        )
    )
    indexes = {call.index for chunk in streamed for call in chunk.choices[0].delta.tool_calls or []}
    assert indexes == {0}
