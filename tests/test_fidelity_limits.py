"""Length and stop limits through the official SDK: ``max_tokens`` /
``max_completion_tokens`` / ``max_output_tokens`` cut the text with ``length`` (Responses:
``incomplete``), ``stop`` cuts before the sequence, for scripted and generated text."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from pydantic import BaseModel

from fakeopenai.generate import count_tokens, split_tokens

TEXT = "Hello my dear friend, how are you doing today?"
SEED = 2  # tests/conftest.py serves SCENARIO with this seed
SCENARIO = {
    "name": "limits",
    "rules": [
        {
            "name": "chunked",
            "match": {"last_user": "chunks"},
            "reply": {"chunks": ["Hello my", " dear friend,", " how are you?"]},
        },
        {
            "name": "call",
            "match": {"last_user": "call"},
            "reply": {"tool_calls": [{"function": "f", "arguments": {"text": TEXT}}]},
        },
        {"name": "generated", "match": {"last_user": "generate"}, "reply": {}},
        {"name": "hello", "reply": {"content": TEXT}},
    ],
}
ASK: Any = [{"role": "user", "content": "greet me"}]


class City(BaseModel):
    name: str
    population: int


@pytest.mark.parametrize("param", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_cuts_scripted_text(client: openai.OpenAI, param: str) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=ASK, **{param: 3})
    [choice] = completion.choices
    assert choice.finish_reason == "length"
    assert choice.message.content == "".join(split_tokens(TEXT)[:3]) == "Hello my dear"
    assert completion.usage is not None and completion.usage.completion_tokens == 3


def test_a_limit_the_text_fits_changes_nothing(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=ASK, max_tokens=500)
    assert completion.choices[0].message.content == TEXT
    assert completion.choices[0].finish_reason == "stop"


def test_stop_cuts_before_the_first_sequence(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o", messages=ASK, stop=["today", "friend"]
    )
    assert completion.choices[0].message.content == "Hello my dear "
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == count_tokens("Hello my dear ")
    single = client.chat.completions.create(model="gpt-4o", messages=ASK, stop="how")
    assert single.choices[0].message.content == "Hello my dear friend, "


def test_streams_are_cut_too_scripted_chunks_included(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(model="gpt-4o", messages=ASK, max_tokens=3, stream=True)
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello my dear"
    assert chunks[-1].choices[0].finish_reason == "length"
    ask: Any = [{"role": "user", "content": "chunks please"}]
    pieces = [
        c.choices[0].delta.content
        for c in client.chat.completions.create(
            model="gpt-4o", messages=ask, stop="friend", stream=True
        )
        if c.choices[0].delta.content
    ]
    assert pieces == ["Hello my", " dear "]


def test_tool_call_arguments_are_never_cut(client: openai.OpenAI) -> None:
    ask: Any = [{"role": "user", "content": "call it"}]
    tools: Any = [{"type": "function", "function": {"name": "f"}}]
    completion = client.chat.completions.create(
        model="gpt-4o", messages=ask, tools=tools, max_tokens=2, stop="friend"
    )
    [call] = completion.choices[0].message.tool_calls or []
    assert TEXT in call.function.arguments
    assert completion.choices[0].finish_reason == "tool_calls"


def test_parse_raises_length_finish_reason_error(client: openai.OpenAI) -> None:
    ask: Any = [{"role": "user", "content": "generate a city"}]
    parsed = client.chat.completions.parse(model="gpt-4o", messages=ask, response_format=City)
    assert isinstance(parsed.choices[0].message.parsed, City)
    with pytest.raises(openai.LengthFinishReasonError):
        client.chat.completions.parse(
            model="gpt-4o", messages=ask, response_format=City, max_completion_tokens=4
        )
    with (
        pytest.raises(openai.LengthFinishReasonError),
        client.chat.completions.stream(
            model="gpt-4o", messages=ask, response_format=City, max_tokens=4
        ) as stream,
    ):
        stream.get_final_completion()


def test_responses_max_output_tokens_is_incomplete(client: openai.OpenAI) -> None:
    fits = client.responses.create(model="gpt-4o", input="greet me", max_output_tokens=16)
    assert fits.status == "completed" and fits.output_text == TEXT
    prompt = "generate a paragraph"
    cut = client.responses.create(model="gpt-4o", input=prompt, max_output_tokens=16)
    assert cut.status == "incomplete"
    assert cut.incomplete_details is not None
    assert cut.incomplete_details.reason == "max_output_tokens"
    assert cut.usage is not None and cut.usage.output_tokens == 16
    assert count_tokens(cut.output_text) == 16
    with client.responses.stream(model="gpt-4o", input=prompt, max_output_tokens=16) as stream:
        events = [event.type for event in stream]
    assert events[-1] == "response.incomplete"


def test_legacy_completions_stop_at_16_tokens_by_default(client: openai.OpenAI) -> None:
    completion = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="generate")
    [choice] = completion.choices
    assert choice.finish_reason == "length" and count_tokens(choice.text) == 16
    longer = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="generate", max_tokens=40
    )
    assert longer.choices[0].text.startswith(choice.text)
    assert count_tokens(longer.choices[0].text) > 16
    stopped = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="x", stop="dear")
    assert (stopped.choices[0].text, stopped.choices[0].finish_reason) == ("Hello my ", "stop")
