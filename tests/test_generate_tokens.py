"""Token counting and token-like splitting (fakeopenai.generate.tokens, .usage)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakeopenai.filled import FilledToolCall
from fakeopenai.generate import count_tokens, split_tokens
from fakeopenai.generate.tokens import chat_prompt_tokens
from fakeopenai.generate.usage import usage_for
from fakeopenai.scenario import Usage
from fakeopenai.view import chat_view, completions_view, embeddings_view

# Expected ranges: what tiktoken's o200k_base gives for each string, give or take.
KNOWN = [
    ("How many angels can dance on the head of a pin?", 12, 12),  # o200k: 12
    ("The quick brown fox jumps over the lazy dog.", 10, 10),  # o200k: 10
    ("Hello, world!", 4, 4),  # o200k: 4
    # o200k: 17 (an API reply billed as 18 output tokens)
    ("Why did the scarecrow win an award?\n\nBecause he was outstanding in his field!", 15, 19),
    ('{"city":"Paris","unit":"celsius"}', 8, 11),  # o200k: 9
    ("I don't think it's 12345 items.", 8, 11),  # o200k: 9
]


@pytest.mark.parametrize(("text", "low", "high"), KNOWN)
def test_known_english_strings_count_like_o200k(text: str, low: int, high: int) -> None:
    assert low <= count_tokens(text) <= high


def test_empty_text_is_zero_tokens() -> None:
    assert count_tokens("") == 0
    assert split_tokens("") == []


def test_long_english_prose_is_about_four_chars_per_token() -> None:
    prose = (
        "The committee met on Tuesday to review the proposal. After a long discussion, "
        "members agreed that the budget should be revised before the next meeting, and "
        "that the revised plan would be shared with every department by the end of May."
    )
    assert 3.5 <= len(prose) / count_tokens(prose) <= 5.5


def test_camel_case_splits_at_case_changes() -> None:
    assert split_tokens("getWeatherForecast") == ["get", "Weather", "Forecast"]


def test_digits_go_in_runs_of_three() -> None:
    assert split_tokens("1234567") == ["123", "456", "7"]


def test_long_words_cost_more_than_one_token() -> None:
    assert count_tokens(" the") == 1
    assert count_tokens("antidisestablishmentarianism") >= 3


def test_one_user_message_prompt_matches_the_api_capture() -> None:
    # WIRE.md 1.1: this question alone was billed as 19 prompt tokens.
    assert chat_prompt_tokens(["How many angels can dance on the head of a pin?"]) == 19


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_split_tokens_rejoins_exactly_and_matches_the_count(text: str) -> None:
    pieces = split_tokens(text)
    assert "".join(pieces) == text
    assert len(pieces) == count_tokens(text)
    assert all(pieces)


def test_usage_counts_prompt_and_completion() -> None:
    view = chat_view({"model": "m", "messages": [{"role": "user", "content": "Hello, world!"}]}, {})
    usage = usage_for(view, "Hi there.", None, (), None)
    assert usage.prompt_tokens == 4 + 4 + 3
    assert usage.completion_tokens == 3


def test_usage_grows_with_offered_tools_and_tool_calls() -> None:
    messages = [{"role": "user", "content": "weather?"}]
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    plain = chat_view({"model": "m", "messages": messages}, {})
    with_tools = chat_view({"model": "m", "messages": messages, "tools": tools}, {})
    assert (
        usage_for(with_tools, "", None, (), None).prompt_tokens
        > usage_for(plain, "", None, (), None).prompt_tokens
    )
    call = FilledToolCall("call_1", "get_weather", '{"city":"Paris"}')
    assert usage_for(plain, None, None, (call,), None).completion_tokens >= 8


def test_completions_and_embeddings_count_inputs_without_framing() -> None:
    prompt = completions_view({"model": "m", "prompt": "Hello, world!"}, {})
    assert usage_for(prompt, "Hi.", None, (), None).prompt_tokens == 4
    embed = embeddings_view({"model": "m", "input": ["Hello, world!", "Hello"]}, {})
    usage = usage_for(embed, None, None, (), None)
    assert (usage.prompt_tokens, usage.completion_tokens) == (5, 0)


def test_scripted_usage_replaces_only_the_fields_it_sets() -> None:
    view = chat_view({"model": "m", "messages": [{"role": "user", "content": "Hello, world!"}]}, {})
    usage = usage_for(view, "Hi there.", None, (), Usage(completion_tokens=99, cached_tokens=5))
    assert usage.prompt_tokens == 11
    assert (usage.completion_tokens, usage.cached_tokens, usage.reasoning_tokens) == (99, 5, 0)
