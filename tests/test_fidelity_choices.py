"""``n > 1`` through the official SDK: n choices on chat (streamed and not) and on
legacy completions, generated text varying per choice, usage counting every choice."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai

from fakeopenai import FakeOpenAI

SEED = 5  # tests/conftest.py serves SCENARIO with this seed
SCENARIO = {
    "name": "choices",
    "rules": [
        {"name": "scripted", "match": {"last_user": "script"}, "reply": {"content": "Same words."}},
        {
            "name": "broken",
            "match": {"last_user": "break"},
            "reply": {"content": "one two three four", "fault": {"truncate_after": 3}},
        },
        {"name": "generated", "reply": {"content": {"generate": {"words": 12}}}},
    ],
}
ASK: Any = [{"role": "user", "content": "tell me something"}]


def test_chat_n_gives_n_distinct_generated_choices(client: openai.OpenAI) -> None:
    single = client.chat.completions.create(model="gpt-4o", messages=ASK)
    completion = client.chat.completions.create(model="gpt-4o", messages=ASK, n=3)
    assert [c.index for c in completion.choices] == [0, 1, 2]
    texts = [c.message.content for c in completion.choices]
    assert len(set(texts)) == 3 and all(texts)
    assert texts[0] == single.choices[0].message.content  # choice 0 is the n=1 answer
    assert completion.usage is not None and single.usage is not None
    assert completion.usage.prompt_tokens == single.usage.prompt_tokens
    from fakeopenai.generate import count_tokens

    assert completion.usage.completion_tokens == sum(count_tokens(t or "") for t in texts)


def test_chat_n_repeats_scripted_text(client: openai.OpenAI) -> None:
    ask: Any = [{"role": "user", "content": "script please"}]
    completion = client.chat.completions.create(model="gpt-4o", messages=ask, n=2)
    assert [c.message.content for c in completion.choices] == ["Same words.", "Same words."]
    assert completion.usage is not None and completion.usage.completion_tokens == 2 * 3


def test_chat_stream_n_frames_per_choice(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    full = client.chat.completions.create(model="gpt-4o", messages=ASK, n=2)
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o",
            messages=ASK,
            n=2,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    texts = {0: "", 1: ""}
    roles: list[int] = []
    finishes: list[int] = []
    for chunk in chunks[:-1]:
        [choice] = chunk.choices
        texts[choice.index] += choice.delta.content or ""
        if choice.delta.role:
            roles.append(choice.index)
        if choice.finish_reason:
            finishes.append(choice.index)
    assert roles == [0, 1] and finishes == [0, 1]
    assert [texts[0], texts[1]] == [c.message.content for c in full.choices]
    # As recorded (WIRE.md §9 row 10): each choice's opener with its first piece, then
    # the choices' pieces alternate.
    assert [c.choices[0].index for c in chunks[:6]] == [0, 0, 1, 1, 0, 1]
    assert chunks[0].choices[0].delta.role and chunks[1].choices[0].delta.content
    assert chunks[-1].choices == [] and chunks[-1].usage == full.usage
    pieces = sum(1 for c in chunks[:-1] if c.choices[0].delta.content)
    assert fake.requests.last.chunks == pieces


def test_stream_helper_accumulates_every_choice(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(model="gpt-4o", messages=ASK, n=2) as stream:
        final = stream.get_final_completion()
    assert [c.index for c in final.choices] == [0, 1]
    assert all(c.message.content and c.finish_reason == "stop" for c in final.choices)


def test_stream_faults_count_content_frames_across_choices(fake: FakeOpenAI) -> None:
    fake.reset()
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "break it"}],
        "n": 2,
        "stream": True,
    }
    raw = httpx.post(f"{fake.base_url}/chat/completions", json=body).text
    payloads = [json.loads(f[6:]) for f in raw.split("\n\n") if f.startswith("data: {")]
    content = [p for p in payloads if p["choices"][0]["delta"].get("content")]
    assert len(content) == 3 and "[DONE]" not in raw
    assert [p["choices"][0]["index"] for p in content] == [0, 1, 0]
    assert fake.requests.last.chunks == 3


def test_legacy_completions_n_per_prompt(client: openai.OpenAI) -> None:
    completion = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt=["script a", "script b"], n=2
    )
    assert [(c.index, c.text) for c in completion.choices] == [
        (0, "Same words."),
        (1, "Same words."),
        (2, "Same words."),
        (3, "Same words."),
    ]
    assert completion.usage is not None and completion.usage.completion_tokens == 4 * 3
    generated = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hi", n=2)
    assert len({c.text for c in generated.choices}) == 2


def test_legacy_completions_stream_n(fake: FakeOpenAI) -> None:
    fake.reset()
    loose = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key)  # see test_completions
    chunks = list(
        loose.completions.create(model="gpt-3.5-turbo-instruct", prompt="hi", n=2, stream=True)
    )
    texts = {0: "", 1: ""}
    for chunk in chunks:
        texts[chunk.choices[0].index] += chunk.choices[0].text
    finishes = [c.choices[0].index for c in chunks if c.choices[0].finish_reason]
    assert finishes == [0, 1] and texts[0] != texts[1] and all(texts.values())
