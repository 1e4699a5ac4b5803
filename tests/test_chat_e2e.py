"""Chat Completions through the official SDK against a real server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}


def test_scripted_reply_non_streamed(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hello there"}]
    )
    assert completion.choices[0].message.content == "Hello! How can I help you today?"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.id.startswith("chatcmpl-") and len(completion.id) == 38
    assert completion.model == "gpt-4o-2024-08-06"  # the snapshot, as the API answers
    assert completion.usage is not None and completion.usage.total_tokens > 0
    entry = fake.requests.last
    assert (entry.scenario, entry.rule, entry.status) == ("hello", "greeting", 200)


def test_content_parts_are_matched_on_their_text(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": [{"type": "text", "text": "hey you"}]}],
    )
    assert completion.choices[0].message.content == "Hello! How can I help you today?"


def test_streamed_text_reassembles(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello! How can I help you today?"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert len({c.id for c in chunks}) == 1
    assert fake.requests.last.chunks == 7  # one per word


def test_stream_helper_reassembles_tool_call(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model="gpt-4o",
        messages=[{"role": "user", "content": "What's the weather in Paris?"}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
    ) as stream:
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris", "unit": "celsius"}
    assert call.id.startswith("call_")
    assert final.choices[0].finish_reason == "tool_calls"


def test_tool_result_turn(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "21C"},
        ],
    )
    assert completion.choices[0].message.content == "It is 21 degrees and sunny in Paris."


async def test_async_client(fake: FakeOpenAI) -> None:
    async with openai.AsyncOpenAI(
        base_url=fake.base_url, api_key="k", _strict_response_validation=True
    ) as client:  # closed in this loop: a client collected later logs an error
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hello"}], stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "Hello! How can I help you today?"


def test_retry_after_429(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=2)
    completion = client.chat.completions.create(
        model="flaky-1", messages=[{"role": "user", "content": "go"}]
    )
    assert completion.choices[0].message.content == "recovered after a retry"
    statuses = [e.status for e in fake.requests]
    assert statuses == [429, 200]
    assert [e.header("x-stainless-retry-count") for e in fake.requests] == ["0", "1"]


def test_the_example_folder_ends_in_a_catch_all(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Tell me a joke"}]
    )
    assert answer.choices[0].message.content
    assert fake.requests.last.rule == "anything-else"


def test_no_match_is_a_404_that_names_the_closest_rule() -> None:
    without_catch_all = [p for p in sorted(SCENARIOS.glob("*.yaml")) if p.stem != "zz-catch-all"]
    with FakeOpenAI(*without_catch_all, strict=False) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=3)
        with pytest.raises(openai.NotFoundError) as caught:
            client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "Tell me a joke"}]
            )
        assert len(fake.requests) == 1  # x-should-retry: false, and 404 is not retried
    error = caught.value
    assert error.type == "fakeopenai_no_match"  # type: ignore[attr-defined]
    assert "Closest rule" in error.message
    assert error.response.headers["x-should-retry"] == "false"
    assert error.request_id is not None and error.request_id.startswith("req_")


def test_embedded_default_generates_text() -> None:
    with FakeOpenAI(seed=3) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="k")
        first = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Write a haiku"}]
        )
        again = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Write a haiku"}]
        )
        other = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Something else"}]
        )
    text = first.choices[0].message.content
    assert text and len(text.split()) > 5
    assert again.choices[0].message.content == text
    assert other.choices[0].message.content != text


def test_sse_bytes_are_exact(fake: FakeOpenAI) -> None:
    response = httpx.post(
        fake.base_url + "/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stream": True},
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-request-id"].startswith("req_")
    raw = response.text
    assert raw.endswith("data: [DONE]\n\n")
    events = raw.split("\n\n")[:-1]
    assert all(e.startswith("data: ") and "\n" not in e for e in events)
    payloads = [json.loads(e[6:]) for e in events[:-1]]
    assert payloads[0]["choices"][0]["delta"] == {
        "role": "assistant",
        "content": "",
        "refusal": None,
    }
    assert all("usage" not in p for p in payloads)  # no include_usage: no usage key
    assert payloads[-1]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert ", " not in events[1] and '": ' not in events[1]  # compact JSON


def test_streamed_tool_call_deltas_on_the_wire(fake: FakeOpenAI) -> None:
    response = httpx.post(
        fake.base_url + "/chat/completions",
        json={
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": "weather please"}],
            "tools": [WEATHER_TOOL],
            "stream": True,
        },
    )
    payloads = [json.loads(e[6:]) for e in response.text.split("\n\n")[:-2]]
    first = payloads[0]["choices"][0]["delta"]
    assert first["role"] == "assistant" and first["content"] is None
    assert first["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": ""}
    pieces = [p["choices"][0]["delta"]["tool_calls"][0] for p in payloads[1:-1]]
    assert all(set(p) == {"index", "function"} for p in pieces)
    arguments = "".join(p["function"]["arguments"] for p in pieces)
    assert json.loads(arguments) == {"city": "Paris", "unit": "celsius"}
    assert len(pieces) > 1
