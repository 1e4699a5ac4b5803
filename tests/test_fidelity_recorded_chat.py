"""Golden tests for WIRE.md §9 (what 39 recorded api.openai.com exchanges showed), the
Chat Completions, Models and header rows: 2 (snapshots), 5 (obfuscation), 9 (parallel
calls' opener), 11 (gpt-5 family), 12 (401), 13 (headers), 14 (fresh call ids).

Each body and stream chunk is also validated with the SDK's own pydantic types in
strict mode (``strict_chat``), beside the checks through the official SDK client.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from fakeopenai import FakeOpenAI

# (served by conftest.py's `examples`; `fake` resets it, `client` validates strictly)
SCENARIO = {
    "name": "recorded",
    "rules": [
        {
            "name": "parallel",
            "match": {"last_user": "both cities"},
            "reply": {
                "tool_calls": [
                    {"function": "get_weather", "arguments": {"city": "Paris"}},
                    {"function": "get_weather", "arguments": {"city": "Rome"}},
                ]
            },
        },
        {
            "name": "one-call",
            "match": {"last_user": "one city"},
            "reply": {"tool_calls": [{"function": "get_weather", "arguments": {"city": "Oslo"}}]},
        },
        {
            "name": "pinned",
            "match": {"last_user": "pinned"},
            "reply": {
                "tool_calls": [{"function": "get_weather", "id": "call_pinnedpinnedpinned00"}]
            },
        },
        {"name": "named", "match": {"model": "rule-model-*"}, "reply": {"model": "my-snapshot"}},
        {"name": "joke", "reply": {"content": "Why did the scarecrow win an award?"}},
    ],
}
USER: Any = [{"role": "user", "content": "Tell me a joke"}]


def strict_chat(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` validated as the SDK's ``ChatCompletion``, strictly."""
    ChatCompletion.model_validate(body, strict=True)
    return body


def raw_stream(fake: FakeOpenAI, **body: Any) -> list[dict[str, Any]]:
    """A chat stream's chunks as sent, each validated as a strict ``ChatCompletionChunk``."""
    request = {"messages": USER, "stream": True, **body}
    with httpx.stream("POST", fake.base_url + "/chat/completions", json=request) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk, strict=True)
    return chunks


# -- row 2: dated snapshots ------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
        ("gpt-4o", "gpt-4o-2024-08-06"),
        ("gpt-5.5", "gpt-5.5-2026-04-23"),
        ("gpt-4o-2024-11-20", "gpt-4o-2024-11-20"),  # a snapshot answers as itself
        ("my-local-model", "my-local-model"),  # unknown names echo
    ],
)
def test_aliases_answer_with_their_snapshot(
    client: openai.OpenAI, fake: FakeOpenAI, asked: str, answered: str
) -> None:
    assert client.chat.completions.create(model=asked, messages=USER).model == answered
    assert {chunk["model"] for chunk in raw_stream(fake, model=asked)} == {answered}
    assert client.responses.create(model=asked, input="hi").model == answered
    assert fake.requests.last.model == asked  # the journal keeps what was asked


def test_embeddings_and_the_model_list_and_a_rules_model(
    client: openai.OpenAI, fake: FakeOpenAI
) -> None:
    embedded = client.embeddings.create(
        model="text-embedding-ada-002", input="x", encoding_format="float"
    )
    assert embedded.model == "text-embedding-ada-002-v2"
    listed = [model.id for model in client.models.list()]
    assert {"gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-mini", "gpt-4o-mini-2024-07-18"} <= set(listed)
    assert listed.index("gpt-4o-2024-08-06") == listed.index("gpt-4o") + 1
    assert client.models.retrieve("gpt-4o-2024-08-06").created == (
        client.models.retrieve("gpt-4o").created
    )
    named = client.chat.completions.create(model="rule-model-1", messages=USER)
    assert named.model == "my-snapshot"  # a rule's model still wins


# -- row 5: obfuscation ------------------------------------------------------------------


def test_every_chat_chunk_is_padded_unless_turned_off(fake: FakeOpenAI) -> None:
    chunks = raw_stream(fake, model="gpt-4o", stream_options={"include_usage": True})
    assert all(list(chunk)[-1] == "obfuscation" for chunk in chunks)  # last key, as recorded
    for chunk in chunks:
        pad = chunk["obfuscation"]
        assert pad.isalnum() and 1 <= len(pad) <= 16
        text = chunk["choices"][0]["delta"].get("content") if chunk["choices"] else None
        if text:
            assert (len(text) + len(pad)) % 16 == 0
    assert len({chunk["obfuscation"] for chunk in chunks}) > 1
    off = {"include_usage": True, "include_obfuscation": False}
    assert all("obfuscation" not in c for c in raw_stream(fake, model="gpt-4o", stream_options=off))


# -- row 9: parallel tool calls open with a chunk of their own --------------------------


def test_parallel_calls_stream_an_opener_chunk_first(
    client: openai.OpenAI, fake: FakeOpenAI
) -> None:
    ask = [{"role": "user", "content": "weather in both cities"}]
    chunks = raw_stream(fake, model="gpt-4o", messages=ask)
    deltas = [chunk["choices"][0]["delta"] for chunk in chunks]
    assert deltas[0] == {"role": "assistant", "content": None}
    assert list(deltas[1]["tool_calls"][0]) == ["index", "id", "type", "function"]
    assert "role" not in deltas[1]
    one = raw_stream(fake, model="gpt-4o", messages=[{"role": "user", "content": "one city"}])
    first = one[0]["choices"][0]["delta"]  # a single call still opens the message itself
    assert list(first) == ["role", "content", "tool_calls", "refusal"]
    with client.chat.completions.stream(model="gpt-4o", messages=ask) as stream:  # type: ignore[arg-type]
        final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls or []
    assert [json.loads(c.function.arguments)["city"] for c in calls] == ["Paris", "Rome"]


# -- row 11: the gpt-5 family's chat shape ------------------------------------------------


def test_gpt5_chat_has_no_logprobs_key_and_a_null_fingerprint(fake: FakeOpenAI) -> None:
    request = {"model": "gpt-5", "messages": USER}
    body = strict_chat(httpx.post(fake.base_url + "/chat/completions", json=request).json())
    assert list(body["choices"][0]) == ["index", "message", "finish_reason"]
    assert body["system_fingerprint"] is None
    assert "cache_write_tokens" not in body["usage"]["prompt_tokens_details"]
    for chunk in raw_stream(fake, model="gpt-5"):
        assert chunk["system_fingerprint"] is None and "logprobs" not in chunk["choices"][0]
    newest = strict_chat(
        httpx.post(fake.base_url + "/chat/completions", json={**request, "model": "gpt-5.5"}).json()
    )
    assert newest["usage"]["prompt_tokens_details"]["cache_write_tokens"] == 0
    older = strict_chat(
        httpx.post(fake.base_url + "/chat/completions", json={**request, "model": "gpt-4.1"}).json()
    )
    assert older["choices"][0]["logprobs"] is None
    assert older["system_fingerprint"].startswith("fp_") and len(older["system_fingerprint"]) == 13


# -- rows 12 and 13: the 401 and a real answer's headers -------------------------------------


def test_a_wrong_key_gets_the_real_401() -> None:
    key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"
    with FakeOpenAI(SCENARIO, api_key="sk-right") as guarded:
        answer = httpx.post(
            guarded.base_url + "/chat/completions",
            json={"model": "gpt-4o", "messages": USER},
            headers={"authorization": f"Bearer {key}"},
        )
    assert answer.status_code == 401
    masked = "sk-proj-" + "*" * (len(key) - 12) + "6789"
    assert answer.json()["error"] == {
        "message": f"Incorrect API key provided: {masked}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
    headers = answer.headers
    assert headers["www-authenticate"] == 'Bearer realm="OpenAI API"'
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert "openai-version" not in headers and "openai-processing-ms" not in headers
    assert headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize("stream", [False, True])
def test_answers_carry_a_real_header_set(fake: FakeOpenAI, stream: bool) -> None:
    request = {"model": "gpt-4o", "messages": USER, "stream": stream}
    with httpx.stream("POST", fake.base_url + "/chat/completions", json=request) as answer:
        headers = answer.headers
    assert headers["openai-organization"] == "fakeopenai"
    assert headers["openai-project"] == "proj_fakeopenai"
    assert headers["access-control-expose-headers"] == "X-Request-ID"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["openai-version"] == "2020-10-01" and int(headers["openai-processing-ms"]) >= 1
    assert headers["content-type"] == (
        "text/event-stream; charset=utf-8" if stream else "application/json"
    )
    assert sum(name.startswith("x-ratelimit-") for name in headers) == 6


# -- row 14: fresh tool-call ids --------------------------------------------------------------


def test_tool_call_ids_are_fresh_on_every_response(client: openai.OpenAI) -> None:
    ask: Any = [{"role": "user", "content": "one city"}]
    # the function is offered: a call to one that is not is a warning (fakeopenai.plausible)
    tools: Any = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    ids = {
        (client.chat.completions.create(model="gpt-4o", messages=ask, tools=tools)
         .choices[0].message.tool_calls or [])[0].id
        for _ in range(3)
    }  # fmt: skip
    assert len(ids) == 3 and all(i.startswith("call_") and len(i) == 29 for i in ids)
    pinned: Any = [{"role": "user", "content": "pinned"}]
    for _ in range(2):
        calls = client.chat.completions.create(
            model="gpt-4o", messages=pinned, tools=tools
        ).choices[0]
        assert [c.id for c in calls.message.tool_calls or []] == ["call_pinnedpinnedpinned00"]
