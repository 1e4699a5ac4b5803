"""LiteLLM (``openai/`` provider) against fakeopenai.

LiteLLM reaches an OpenAI-compatible server through the openai SDK it depends on, so
its retries are the SDK's (``x-stainless-retry-count`` counts them). It fetches its
model price map at import unless ``LITELLM_LOCAL_MODEL_COST_MAP=True`` (set by the
suite's ``offline`` fixture before the import; the network guard would catch it).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from requires import import_client

from fakeopenai import FakeOpenAI

SCENARIO = "litellm.yaml"
# LiteLLM's own TypedDicts trip a pydantic warning when it first builds stream chunks.
pytestmark = pytest.mark.filterwarnings("ignore:Item .* `ReadOnly` qualifier:UserWarning")
GREETING = "Hello! I am a fake model, streamed word by word."
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
        },
    },
}


@pytest.fixture(scope="module")
def litellm(offline: Any) -> Any:
    module = import_client("litellm", "litellm")
    module.suppress_debug_info = True
    module.telemetry = False
    return module


def complete(
    litellm: Any, fake: FakeOpenAI, text: str, model: str = "gpt-4o-mini", **kw: Any
) -> Any:
    return litellm.completion(
        model=f"openai/{model}",
        api_base=fake.base_url,
        api_key=fake.api_key,
        messages=[{"role": "user", "content": text}],
        **kw,
    )


def test_completion(litellm: Any, fake: FakeOpenAI) -> None:
    response = complete(litellm, fake, "Hello, who are you?")
    choice = response.choices[0]
    assert choice.message.content == GREETING
    assert choice.finish_reason == "stop"
    assert response.id.startswith("chatcmpl-")
    assert response.usage.total_tokens == (
        response.usage.prompt_tokens + response.usage.completion_tokens
    )
    entry = fake.requests.last
    assert (entry.rule, entry.status, entry.stream) == ("greeting", 200, False)
    assert entry.model == "gpt-4o-mini"  # the openai/ prefix is LiteLLM's, not the API's
    assert entry.path == "/v1/chat/completions"
    # LiteLLM keeps the server's headers: the fake's request id reaches the caller.
    headers = response._hidden_params["additional_headers"]
    assert headers["llm_provider-x-request-id"] == entry.request_id


def test_streamed_completion(litellm: Any, fake: FakeOpenAI) -> None:
    chunks = list(complete(litellm, fake, "Hello, who are you?", stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == GREETING
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finishes == ["stop"]
    rebuilt = litellm.stream_chunk_builder(chunks)
    assert rebuilt.choices[0].message.content == GREETING
    entry = fake.requests.last
    assert (entry.rule, entry.stream, entry.completed) == ("greeting", True, True)
    assert entry.chunks == 10


def test_tool_call(litellm: Any, fake: FakeOpenAI) -> None:
    response = complete(litellm, fake, "What's the weather in Paris?", tools=[WEATHER_TOOL])
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert call.id.startswith("call_") and call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris", "unit": "celsius"}
    entry = fake.requests.last
    assert entry.rule == "call-weather"
    assert entry.body["tools"] == [WEATHER_TOOL]


def test_streamed_tool_call(litellm: Any, fake: FakeOpenAI) -> None:
    chunks = list(
        complete(litellm, fake, "What's the weather in Paris?", tools=[WEATHER_TOOL], stream=True)
    )
    message = litellm.stream_chunk_builder(chunks).choices[0].message
    [call] = message.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris", "unit": "celsius"}
    assert fake.requests.last.chunks > 1


def test_retry_after_429(litellm: Any, fake: FakeOpenAI) -> None:
    response = complete(litellm, fake, "Are you there?", model="flaky-model")
    assert response.choices[0].message.content == "recovered after a retry"
    assert [e.status for e in fake.requests] == [429, 200]
    # the openai SDK inside LiteLLM retried (LiteLLM's own num_retries is off by default)
    assert [e.header("x-stainless-retry-count") for e in fake.requests] == ["0", "1"]
