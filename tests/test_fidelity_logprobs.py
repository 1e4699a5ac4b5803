"""Logprobs through the official SDK (chat ``logprobs``/``top_logprobs``, legacy
``logprobs: k``) and the streamed refusal opener (``content: null``, ``refusal: ""``)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai

from fakeopenai import FakeOpenAI
from fakeopenai.generate import split_tokens

TEXT = "The answer is positive."
SEED = 1  # tests/conftest.py serves SCENARIO with this seed
SCENARIO = {
    "name": "logprobs",
    "rules": [
        {"name": "refuse", "match": {"last_user": "refuse"}, "reply": {"refusal": "I can't."}},
        {"name": "answer", "reply": {"content": TEXT}},
    ],
}
ASK: Any = [{"role": "user", "content": "classify this"}]


def test_no_logprobs_unless_asked(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=ASK)
    assert completion.choices[0].logprobs is None


def test_chat_logprobs_one_entry_per_token(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o", messages=ASK, logprobs=True, top_logprobs=3
    )
    logprobs = completion.choices[0].logprobs
    assert logprobs is not None and logprobs.refusal is None and logprobs.content is not None
    assert [e.token for e in logprobs.content] == split_tokens(TEXT)
    for entry in logprobs.content:
        assert entry.logprob < 0 and entry.bytes == list(entry.token.encode())
        assert len(entry.top_logprobs) == 3
        assert entry.top_logprobs[0].token == entry.token
        values = [alt.logprob for alt in entry.top_logprobs]
        assert values == sorted(values, reverse=True)
    again = client.chat.completions.create(
        model="gpt-4o", messages=ASK, logprobs=True, top_logprobs=3
    )
    assert again.choices[0].logprobs == logprobs  # deterministic
    plain = client.chat.completions.create(model="gpt-4o", messages=ASK, logprobs=True)
    assert plain.choices[0].logprobs is not None
    assert all(e.top_logprobs == [] for e in plain.choices[0].logprobs.content or [])


def test_streamed_chunks_carry_their_pieces_logprobs(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model="gpt-4o", messages=ASK, logprobs=True)
    chunks = list(
        client.chat.completions.create(model="gpt-4o", messages=ASK, logprobs=True, stream=True)
    )
    streamed = []
    for chunk in chunks:
        choice = chunk.choices[0]
        if choice.delta.content:
            assert choice.logprobs is not None and choice.logprobs.content
            assert "".join(e.token for e in choice.logprobs.content) == choice.delta.content
            streamed += choice.logprobs.content
    assert whole.choices[0].logprobs is not None
    assert streamed == whole.choices[0].logprobs.content
    with client.chat.completions.stream(model="gpt-4o", messages=ASK, logprobs=True) as stream:
        kinds = {event.type for event in stream}
    assert "logprobs.content.delta" in kinds


def test_legacy_completions_logprobs(client: openai.OpenAI) -> None:
    completion = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say:", logprobs=2, echo=True
    )
    logprobs = completion.choices[0].logprobs
    assert logprobs is not None and logprobs.tokens == split_tokens(TEXT)
    assert logprobs.text_offset is not None and logprobs.text_offset[0] == len("Say:")
    assert [completion.choices[0].text[o:][: len(t)] for o, t in zip(
        logprobs.text_offset, logprobs.tokens, strict=True)] == logprobs.tokens  # fmt: skip
    assert logprobs.top_logprobs is not None
    assert all(len(top) == 2 for top in logprobs.top_logprobs)
    assert all(lp is not None and lp < 0 for lp in logprobs.token_logprobs or [])


def test_streamed_refusal_opens_with_null_content(fake: FakeOpenAI, client: Any) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "refuse"}], "stream": True}
    raw = httpx.post(f"{fake.base_url}/chat/completions", json=body).text
    deltas = [
        json.loads(f[6:])["choices"][0]["delta"]
        for f in raw.split("\n\n")
        if f.startswith("data: {")
    ]
    assert deltas[0] == {"role": "assistant", "content": None, "refusal": ""}
    assert "".join(d.get("refusal", "") for d in deltas[1:]) == "I can't."
    ask: Any = [{"role": "user", "content": "refuse"}]
    with client.chat.completions.stream(model="gpt-4o", messages=ask) as stream:
        kinds = {event.type for event in stream}
        final = stream.get_final_completion()
    assert final.choices[0].message.content is None
    assert final.choices[0].message.refusal == "I can't."
    assert "content.delta" not in kinds
