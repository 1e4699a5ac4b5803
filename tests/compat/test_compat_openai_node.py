"""The official openai Node SDK (npm ``openai``) against fakeopenai.

Flows live in node/openai_flows.mjs; each test runs one and checks both what the SDK
returned and what the fake received.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from fakeopenai import FakeOpenAI

SCENARIO = "openai_node.yaml"


@pytest.fixture(scope="module")
def flow(node_script: Callable[[str], Any]) -> Any:
    return node_script("openai_flows.mjs")


def test_stream_text(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("stream_text", fake)
    assert result["text"] == "Hello! I am a fake model, streamed word by word."
    assert result["pieces"][:2] == ["Hello!", " I"]
    assert result["roles"] == ["assistant"]
    assert result["finish"] == ["stop"]
    assert result["objects"] == ["chat.completion.chunk"] and len(result["ids"]) == 1
    assert result["usage"]["total_tokens"] == (
        result["usage"]["prompt_tokens"] + result["usage"]["completion_tokens"]
    )
    entry = fake.requests.last
    assert (entry.rule, entry.status, entry.stream) == ("greeting", 200, True)
    assert entry.chunks == len(result["pieces"]) == 10
    assert entry.body["stream_options"] == {"include_usage": True}
    assert str(entry.header("user-agent")).startswith("OpenAI/JS ")
    assert entry.header("x-stainless-retry-count") == "0"


def test_stream_helper_reassembles_tool_call(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("stream_helper_tool", fake)
    assert result["finish_reason"] == "tool_calls"
    assert result["role"] == "assistant" and result["content"] is None
    [call] = result["tool_calls"]
    assert call["id"].startswith("call_") and call["type"] == "function"
    assert call["name"] == "get_weather"
    assert json.loads(call["arguments"]) == {"city": "Paris", "unit": "celsius"}
    assert call["parsed_arguments"] == {"city": "Paris", "unit": "celsius"}
    assert result["argument_deltas"] > 1  # the arguments really arrived in pieces
    entry = fake.requests.last
    assert (entry.rule, entry.stream) == ("call-weather", True)
    assert entry.header("x-stainless-helper-method") == "stream"  # node's name for it
    assert entry.body["tools"][0]["function"]["name"] == "get_weather"


def test_responses_stream_helper_with_a_tool_call(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("responses_stream_tool", fake)
    assert result["id"].startswith("resp_") and result["status"] == "completed"
    [call] = result["calls"]
    assert call["id"].startswith("fc_") and call["call_id"].startswith("call_")
    assert call["name"] == "get_weather"
    assert json.loads(call["arguments"]) == {"city": "Paris", "unit": "celsius"}
    events = result["events"]
    assert events[:2] == ["response.created", "response.in_progress"]
    assert events[-1] == "response.completed"
    assert events.count("response.function_call_arguments.delta") > 1
    assert result["usage"]["total_tokens"] > 0
    entry = fake.requests.last
    assert (entry.endpoint, entry.rule, entry.stream) == ("responses", "call-weather", True)
    assert entry.body["tools"][0]["name"] == "get_weather"


def test_error_envelope_becomes_api_error(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("error_envelope", fake)
    assert result["raised"] and result["isAPIError"]
    assert result["class"] == "BadRequestError"
    assert result["status"] == 400
    assert result["message"].startswith("400 Invalid value: 'wizard'.")
    assert (result["type"], result["code"], result["param"]) == (
        "invalid_request_error",
        "invalid_value",
        "messages[0].role",
    )
    entry = fake.requests.last
    assert (entry.rule, entry.status) == ("bad-role", 400)
    assert result["requestID"] == entry.request_id
    assert len(fake.requests) == 1  # a 400 is not retried


def test_error_event_inside_stream_becomes_api_error(flow: Any, fake: FakeOpenAI) -> None:
    result = flow("stream_error_event", fake)
    assert result["raised"] and result["isAPIError"]
    assert result["class"] == "APIError" and result["status"] is None
    assert result["message"] == (
        "The server had an error while processing your request. Sorry about that!"
    )
    assert result["type"] == "server_error"
    assert result["pieces"] == ["This", " answer"]
    entry = fake.requests.last
    assert (entry.rule, entry.status, entry.chunks) == ("fails-mid-stream", 200, 2)
    assert entry.fault is not None and "error_event" in entry.fault
