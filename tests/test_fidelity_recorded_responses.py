"""Golden tests for WIRE.md §9, the Responses API rows: 1 (unknown model), 4 (token
logprobs), 5 (obfuscation on delta events), 6 (object fields, gpt-5 family), 7 (stream
lifecycle), 8 (echoed tools). Every object and event is validated with the SDK's own
types in strict mode."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from fakeopenai import FakeOpenAI

SCENARIO = {
    "name": "recorded-responses",
    "models": ["gpt-4o-mini", "gpt-5", "gpt-4o"],
    "rules": [{"reply": {"content": "Why did the scarecrow win an award?"}}],
}
EVENT = TypeAdapter(ResponseStreamEvent)
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(SCENARIO) as running:
        yield running


def create(fake: FakeOpenAI, **body: Any) -> dict[str, Any]:
    answer = httpx.post(fake.base_url + "/responses", json={"input": "joke", **body})
    assert answer.status_code == 200, answer.text
    Response.model_validate(answer.json(), strict=True)
    return dict(answer.json())


def events(fake: FakeOpenAI, **body: Any) -> list[dict[str, Any]]:
    request = {"input": "joke", "stream": True, **body}
    with httpx.stream("POST", fake.base_url + "/responses", json=request) as answer:
        lines = [line for line in answer.iter_lines() if line.startswith("data: ")]
    out = [json.loads(line[6:]) for line in lines]
    for event in out:
        EVENT.validate_python(event, strict=True)
    return out


def test_an_unknown_model_is_the_responses_400(fake: FakeOpenAI) -> None:
    answer = httpx.post(fake.base_url + "/responses", json={"model": "gpt-9", "input": "x"})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "message": "The requested model 'gpt-9' does not exist.",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    }
    chat = httpx.post(
        fake.base_url + "/chat/completions",
        json={"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]},
    )
    assert chat.status_code == 404 and chat.json()["error"]["code"] == "model_not_found"


def test_include_asks_for_token_logprobs(fake: FakeOpenAI) -> None:
    include = ["message.output_text.logprobs"]
    body = create(fake, model="gpt-4o-mini", include=include, top_logprobs=2)
    [part] = body["output"][0]["content"]
    assert part["logprobs"] and "".join(t["token"] for t in part["logprobs"]) == part["text"]
    for token in part["logprobs"]:
        assert list(token) == ["token", "logprob", "bytes", "top_logprobs"]
        assert token["bytes"] == list(token["token"].encode()) and token["logprob"] <= 0
        assert (
            len(token["top_logprobs"]) == 2 and token["top_logprobs"][0]["token"] == token["token"]
        )
    assert create(fake, model="gpt-4o-mini")["output"][0]["content"][0]["logprobs"] == []
    streamed = events(fake, model="gpt-4o-mini", include=include, top_logprobs=2)
    deltas = [e for e in streamed if e["type"] == "response.output_text.delta"]
    assert [t for d in deltas for t in d["logprobs"]] == part["logprobs"]
    [done] = [e for e in streamed if e["type"] == "response.output_text.done"]
    assert done["logprobs"] == part["logprobs"]
    client = openai.OpenAI(base_url=fake.base_url, api_key="k", _strict_response_validation=True)
    parsed = client.responses.create(model="gpt-4o-mini", input="joke", include=include)
    assert parsed.output[0].content[0].logprobs  # type: ignore[union-attr]


def test_delta_events_are_padded_in_the_recorded_key_order(fake: FakeOpenAI) -> None:
    streamed = events(fake, model="gpt-4o-mini")
    for event in streamed:
        assert ("obfuscation" in event) == event["type"].endswith(".delta")
    delta = next(e for e in streamed if e["type"] == "response.output_text.delta")
    assert list(delta) == [
        "type", "content_index", "delta", "item_id", "logprobs", "obfuscation",
        "output_index", "sequence_number",
    ]  # fmt: skip
    assert (len(delta["delta"]) + len(delta["obfuscation"])) % 16 == 0
    done = next(e for e in streamed if e["type"] == "response.output_text.done")
    assert list(done)[-2:] == ["sequence_number", "text"]
    off = events(fake, model="gpt-4o-mini", stream_options={"include_obfuscation": False})
    assert not any("obfuscation" in event for event in off)


def test_the_object_has_the_recorded_fields_in_order(fake: FakeOpenAI) -> None:
    body = create(fake, model="gpt-4o-mini")
    assert (body["frequency_penalty"], body["presence_penalty"]) == (0.0, 0.0)
    assert body["moderation"] is None and body["prompt_cache_retention"] is None
    assert body["completed_at"] >= body["created_at"]
    keys = list(body)
    assert keys[:4] == ["id", "object", "created_at", "status"] and keys[-1] == "metadata"
    assert keys[4:-1] == sorted(keys[4:-1])
    assert body["model"] == "gpt-4o-mini-2024-07-18"
    assert body["reasoning"] == {"effort": None, "summary": None}
    assert "phase" not in body["output"][0]


def test_the_gpt5_family_says_its_reasoning_context_and_phase(fake: FakeOpenAI) -> None:
    body = create(fake, model="gpt-5")
    assert body["reasoning"] == {"context": "current_turn", "effort": "medium", "summary": None}
    assert body["output"][0]["phase"] == "final_answer"
    assert list(body["output"][0]) == ["id", "type", "status", "content", "phase", "role"]
    low = create(fake, model="gpt-5", reasoning={"effort": "low"})
    assert low["reasoning"]["effort"] == "low"


def test_the_stream_lifecycle_is_as_recorded(fake: FakeOpenAI) -> None:
    streamed = events(fake, model="gpt-4o")
    created, in_progress, completed = streamed[0], streamed[1], streamed[-1]
    for event in (created, in_progress):
        assert "billing" not in event["response"]
        assert event["response"]["service_tier"] == "auto"
    assert completed["type"] == "response.completed"
    assert completed["response"]["service_tier"] == "default"
    assert completed["response"]["billing"] == {"payer": "developer"}
    assert [e["sequence_number"] for e in streamed] == list(range(len(streamed)))


def test_function_tools_are_echoed_as_the_api_echoes_them(fake: FakeOpenAI) -> None:
    tools = [
        {"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": True},
        {"type": "function", "name": "loose", "parameters": WEATHER, "strict": False},
    ]
    strict, loose = create(fake, model="gpt-4o", tools=tools)["tools"]
    assert list(strict) == ["type", "description", "name", "parameters", "strict"]
    assert strict["parameters"] == {**WEATHER, "additionalProperties": False}
    assert loose["parameters"] == WEATHER  # only a strict tool's are closed
