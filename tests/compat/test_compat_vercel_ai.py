"""The Vercel AI SDK (npm ``ai`` + ``@ai-sdk/openai``) against fakeopenai.

Flows live in node/vercel_flows.mjs: generateText, streamText running a tool to an
answer, generateObject with a zod schema (all on the Chat Completions model), and
generateText on the provider's default model, which uses the Responses API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from fakeopenai import FakeOpenAI

SCENARIO = "vercel_ai.yaml"


@pytest.fixture(scope="module")
def flow(node_script: Callable[[str], Any]) -> Any:
    return node_script("vercel_flows.mjs")


def test_generate_text(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("generate_text", fake)
    assert result["text"] == "Hello! I am a fake model, streamed word by word."
    assert result["finishReason"] == "stop"
    assert result["responseId"].startswith("chatcmpl-")
    assert result["modelId"] == "gpt-4o-mini-2024-07-18"  # the snapshot, as the API answers
    assert result["timestamp"].startswith("20")  # `created` read as unix seconds
    assert result["usage"]["totalTokens"] > 0
    entry = fake.requests.last
    assert (entry.endpoint, entry.rule, entry.stream) == ("chat", "greeting", False)
    assert entry.body["messages"] == [{"role": "user", "content": "Hello, who are you?"}]


def test_retry_honours_retry_after_ms(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("generate_text_retry", fake)
    assert result["text"] == "recovered after a retry"
    assert result["ms"] < 1500  # retry-after-ms: 10, not the SDK's own 2 s first backoff
    assert [e.status for e in fake.requests] == [429, 200]
    assert [e.step for e in fake.requests] == [0, 1]


@pytest.mark.parametrize(
    ("flow_name", "endpoint"),
    [("stream_text_tool", "chat"), ("responses_stream_text_tool", "responses")],
)
def test_stream_text_runs_a_tool_to_an_answer(
    flow: Any, fake: FakeOpenAI, flow_name: str, endpoint: str
) -> None:
    result = flow(flow_name, fake)
    assert result["errors"] == []
    assert result["calls"] == [{"city": "Paris", "unit": "celsius"}]  # execute() ran
    first, second = result["steps"]
    assert first["finishReason"] == "tool-calls"
    [call] = first["toolCalls"]
    assert call["name"] == "get_weather" and call["id"].startswith("call_")
    assert result["text"] == second["text"] == "It is 21 degrees and sunny in Paris."
    assert result["finishReason"] == "stop"
    assert result["parts"]["tool-input-delta"] > 1 and result["parts"]["text-delta"] > 1
    assert result["usage"]["totalTokens"] > 0
    asked, answered = fake.requests
    assert [asked.endpoint, answered.endpoint] == [endpoint, endpoint]
    assert (asked.rule, answered.rule) == ("call-weather", "answer-after-tool")
    assert asked.stream and answered.stream
    if endpoint == "chat":
        assert asked.body["stream_options"] == {"include_usage": True}
        tool_message = answered.body["messages"][-1]
        assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == call["id"]
        output = tool_message["content"]
    else:
        [item] = [i for i in answered.body["input"] if i.get("type") == "function_call_output"]
        assert item["call_id"] == call["id"]
        output = item["output"]
    assert json.loads(output) == {"temperature": 21, "unit": "celsius", "sky": "sunny"}


def test_generate_object_with_a_schema(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("generate_object", fake)
    assert result["object"] == {
        "name": "Ada Lovelace",
        "born": 1815,
        "languages": ["English", "French"],
    }
    assert result["finishReason"] == "stop"
    entry = fake.requests.last
    assert entry.rule == "person-object"
    response_format = entry.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "person"
    assert response_format["json_schema"]["schema"]["required"] == ["name", "born", "languages"]


def test_default_model_uses_the_responses_api(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("responses_text", fake)
    assert result["text"] == "Hello! I am a fake model, streamed word by word."
    assert result["finishReason"] == "stop"
    assert result["responseId"].startswith("resp_")
    entry = fake.requests.last
    assert (entry.endpoint, entry.rule, entry.status) == ("responses", "greeting", 200)
    assert entry.path.endswith("/v1/responses")


def test_output_object_on_the_responses_api(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("responses_output_object", fake)
    assert result["output"] == {
        "name": "Ada Lovelace",
        "born": 1815,
        "languages": ["English", "French"],
    }
    assert result["finishReason"] == "stop"
    entry = fake.requests.last
    assert (entry.endpoint, entry.rule) == ("responses", "person-object")
    text_format = entry.body["text"]["format"]
    assert (text_format["type"], text_format["name"]) == ("json_schema", "person")
    assert text_format["schema"]["required"] == ["name", "born", "languages"]
