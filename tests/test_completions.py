"""Legacy ``POST completions``: text_completion objects, streamed and not."""

from __future__ import annotations

import json
import re

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI


def test_non_streamed(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    completion = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say this is a test"
    )
    assert re.match(r"^cmpl-[A-Za-z0-9]{24}$", completion.id)
    assert completion.object == "text_completion"
    [choice] = completion.choices
    assert (choice.text, choice.index, choice.finish_reason) == (
        "\n\nThis is indeed a test",
        0,
        "stop",
    )
    assert choice.logprobs is None
    assert completion.usage is not None and completion.usage.prompt_tokens > 0
    assert (fake.requests.last.endpoint, fake.requests.last.rule) == (
        "completions",
        "say-this-is-a-test",
    )


def test_prompt_list_gives_one_choice_per_prompt(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.add({"match": {"endpoint": "completions"}, "reply": {"content": "four words of text"}})
    completion = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt=["first prompt", "second prompt"]
    )
    assert [(c.index, c.text) for c in completion.choices] == [
        (0, "four words of text"),
        (1, "four words of text"),
    ]
    single = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="first prompt")
    assert completion.usage is not None and single.usage is not None
    assert completion.usage.completion_tokens == 2 * single.usage.completion_tokens
    assert completion.usage.prompt_tokens > single.usage.prompt_tokens


def test_echo_puts_the_prompt_first(client: openai.OpenAI) -> None:
    completion = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say this is a test", echo=True
    )
    assert completion.choices[0].text == "Say this is a test\n\nThis is indeed a test"


def test_streamed_with_usage(fake: FakeOpenAI) -> None:
    # Streamed chunks carry finish_reason null until the last, as the real API sends
    # them; the SDK's strict mode rejects that Literal, so this client is not strict.
    loose = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key)
    chunks = list(
        loose.completions.create(
            model="gpt-3.5-turbo-instruct",
            prompt="Say this is a test",
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text == "\n\nThis is indeed a test"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop" and set(finishes[:-1]) == {None}
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(c.object == "text_completion" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert fake.requests.last.chunks == len(finishes) - 1


def test_stream_ends_with_done(fake: FakeOpenAI) -> None:
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": "Say this is a test", "stream": True}
    raw = httpx.post(f"{fake.base_url}/completions", json=body).content
    frames = raw.split(b"\n\n")
    assert frames[-2:] == [b"data: [DONE]", b""]
    last = json.loads(frames[-3][6:])
    assert "usage" not in last and last["choices"][0]["finish_reason"] == "stop"


def test_token_prompt(client: openai.OpenAI) -> None:
    completion = client.completions.create(model="gpt-3.5-turbo-instruct", prompt=[1, 2, 3, 4])
    assert completion.usage is not None and completion.usage.prompt_tokens == 4
    assert len(completion.choices) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "m"}, "Missing required parameter: 'prompt'."),
        ({"model": "m", "prompt": []}, "'$.prompt' is invalid"),
        ({"prompt": "x"}, "you must provide a model parameter"),
    ],
)
def test_invalid_requests_are_400(fake: FakeOpenAI, body: dict[str, object], message: str) -> None:
    answer = httpx.post(f"{fake.base_url}/completions", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == message or message in answer.text
