"""openai-python 1.x (its own venv, made by tests/compat/setup.sh) against fakeopenai.

1.x differs from 3.x where it matters to a fake: its strict models are older (the
client here validates every response), its helper asserts on tool-call deltas, and a
dropped connection surfaces as the raw ``httpx.RemoteProtocolError``.
"""

from __future__ import annotations

import json
from typing import Any

from fakeopenai import FakeOpenAI

SCENARIO = "openai_py1.yaml"


def test_chat(py1: Any, fake: FakeOpenAI) -> None:
    result = py1("chat", fake)
    assert result["content"] == "Hello! I am a fake model, streamed word by word."
    assert (result["role"], result["finish_reason"]) == ("assistant", "stop")
    assert result["object"] == "chat.completion" and result["id"].startswith("chatcmpl-")
    assert result["service_tier"] == "default"  # a value 1.x's Literal knows
    usage = result["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    entry = fake.requests.last
    assert (entry.rule, entry.status, entry.stream) == ("greeting", 200, False)
    assert result["request_id"] == entry.request_id
    assert str(entry.header("user-agent")).startswith("OpenAI/Python 1.")


def test_stream(py1: Any, fake: FakeOpenAI) -> None:
    result = py1("stream", fake)
    assert "".join(result["pieces"]) == "Hello! I am a fake model, streamed word by word."
    assert result["roles"] == ["assistant"]
    assert result["finish"][-1] == "stop" and set(result["finish"][:-1]) == {None}
    assert len(result["ids"]) == 1
    assert result["last_choices"] == [] and result["usage"]["total_tokens"] > 0
    entry = fake.requests.last
    assert (entry.rule, entry.stream, entry.completed) == ("greeting", True, True)
    assert entry.chunks == len(result["pieces"])
    assert entry.body["stream_options"] == {"include_usage": True}


def test_tool_call_then_answer(py1: Any, fake: FakeOpenAI) -> None:
    result = py1("tool", fake)
    call = result["call"]
    assert result["finish_reason"] == "tool_calls"
    assert call["id"].startswith("call_") and call["type"] == "function"
    assert call["name"] == "get_weather"
    assert json.loads(call["arguments"]) == {"city": "Paris", "unit": "celsius"}
    assert call["parsed_arguments"] == {"city": "Paris", "unit": "celsius"}
    assert result["answer"] == "It is 21 degrees and sunny in Paris."
    asked, answered = fake.requests
    assert (asked.rule, asked.stream) == ("call-weather", True)
    assert asked.header("x-stainless-helper-method") == "chat.completions.stream"
    assert answered.rule == "answer-after-tool"
    assistant, tool = answered.body["messages"][-2:]
    assert assistant["tool_calls"][0]["id"] == call["id"]
    assert tool == {"role": "tool", "tool_call_id": call["id"], "content": '{"celsius": 21}'}


def test_retry_after_429(py1: Any, fake: FakeOpenAI) -> None:
    result = py1("retry", fake)
    assert result["content"] == "recovered after a retry"
    assert [e.status for e in fake.requests] == [429, 200]
    assert [e.header("x-stainless-retry-count") for e in fake.requests] == ["0", "1"]
    assert [e.step for e in fake.requests] == [0, 1]
    assert fake.requests[0].error is not None


def test_disconnect_mid_stream_raises_httpx_error(py1: Any, fake: FakeOpenAI) -> None:
    result = py1("disconnect", fake)
    assert result["raised"] == "httpx.RemoteProtocolError"
    assert result["is_httpx_protocol_error"] and not result["is_openai_error"]
    assert "incomplete chunked read" in result["message"]
    assert result["pieces"] == ["Once", " upon", " a"]
    entry = fake.requests.last
    assert (entry.rule, entry.chunks, entry.completed) == ("dropped-story", 3, False)
    assert entry.fault is not None and "disconnect" in entry.fault
