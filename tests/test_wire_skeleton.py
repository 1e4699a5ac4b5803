"""Fixed replies completed from a cached skeleton write exactly the general path's bytes."""

from __future__ import annotations

import dataclasses
import json

import pytest

from fakeopenai.filled import Filled, FilledToolCall, TokenUsage
from fakeopenai.wire import chat, chat_stream, skeleton
from fakeopenai.wire.sse import body_bytes, compact

META = chat.Meta("chatcmpl-AbC123xyz", 1700000000, "gpt-4o", "fp_0123456789")

FIXED = [
    Filled("gpt-4o", "The capital of France is Paris.", usage=TokenUsage(14, 7)),
    Filled("gpt-4o", 'Quotes " and \\ backslashes\nand lines', usage=TokenUsage(3, 9)),
    Filled("gpt-4o", "Ünïcödé, 日本語 and 🙂", usage=TokenUsage(100_000, 12, 64, 0)),
    Filled("gpt-4o", "", usage=TokenUsage(0, 0)),
    Filled("gpt-4o", None, "I can't help with that.", usage=TokenUsage(9, 6)),
    Filled("gpt-4o", "cut", finish_reason="length", usage=TokenUsage(9, 1, 0, 5)),
    Filled('my "model"', "Hi", usage=TokenUsage(1, 1)),
    Filled("gpt-4o", "a lone surrogate \ud800 takes json's ASCII path", usage=TokenUsage(2, 8)),
    Filled("gpt-4o", f"mentions {skeleton.slot(2)} literally", usage=TokenUsage(2, 8)),
]


@pytest.mark.parametrize("filled", FIXED, ids=range(len(FIXED)))
def test_skeleton_bytes_equal_the_general_path(filled: Filled) -> None:
    general = body_bytes(chat.completion(filled, META))
    fixed = dataclasses.replace(filled, fixed=True)
    assert chat.completion_bytes(fixed, META) == general
    assert chat.completion_bytes(fixed, META) == general  # again, from the cache
    other = chat.Meta("chatcmpl-Zz9", 1800000001, META.model, META.fingerprint)
    usage = dataclasses.replace(filled.usage, prompt_tokens=filled.usage.prompt_tokens + 1234)
    varied = dataclasses.replace(fixed, usage=usage)
    expected = body_bytes(chat.completion(dataclasses.replace(varied, fixed=False), other))
    assert chat.completion_bytes(varied, other) == expected


def test_a_reply_mentioning_a_marker_is_encoded_in_full() -> None:
    filled = Filled("gpt-4o", f"x {skeleton.slot(3)}", usage=TokenUsage(1, 1), fixed=True)
    parsed = json.loads(chat.completion_bytes(filled, META))
    assert parsed["choices"][0]["message"]["content"] == f"x {skeleton.slot(3)}"
    assert parsed["usage"]["total_tokens"] == 2


def test_answers_with_tool_calls_or_choices_take_the_general_path() -> None:
    call = FilledToolCall("call_1", "get_weather", '{"city":"Paris"}')
    filled = Filled("gpt-4o", None, tool_calls=(call,), finish_reason="tool_calls", fixed=True)
    assert chat.completion_bytes(filled, META) == body_bytes(chat.completion(filled, META))


def test_cut_and_complete() -> None:
    body = {"a": skeleton.slot(0), "b": [1, {"c": skeleton.slot(1)}], "d": "end"}
    pieces = skeleton.cut(body, 2)
    assert pieces is not None and len(pieces) == 3
    filled = skeleton.complete(pieces, [b'"x"', b"7"])
    assert json.loads(filled) == {"a": "x", "b": [1, {"c": 7}], "d": "end"}


def test_cut_declines_missing_repeated_or_unordered_markers() -> None:
    assert skeleton.cut({"a": skeleton.slot(0)}, 2) is None
    assert skeleton.cut({"a": skeleton.slot(0), "b": skeleton.slot(0)}, 1) is None
    assert skeleton.cut({"a": skeleton.slot(1), "b": skeleton.slot(0)}, 2) is None


def test_a_plain_fixed_reply_is_not_built_again(monkeypatch: pytest.MonkeyPatch) -> None:
    filled = Filled("gpt-4o", "Built once.", usage=TokenUsage(5, 3), fixed=True)
    first = chat.completion_bytes(filled, META)

    def no_building(*args: object) -> None:
        raise AssertionError("the skeleton should have been reused")

    monkeypatch.setattr(chat, "completion", no_building)
    later = chat.Meta("chatcmpl-Later", META.created + 5, META.model, META.fingerprint)
    again = json.loads(chat.completion_bytes(filled, later))
    assert again == {**json.loads(first), "id": "chatcmpl-Later", "created": META.created + 5}


def test_complete_wants_one_value_per_slot() -> None:
    pieces = skeleton.cut({"a": skeleton.slot(0)}, 1)
    assert pieces is not None
    with pytest.raises(ValueError, match="1 slot values expected, got 2"):
        skeleton.complete(pieces, [b"1", b"2"])


@pytest.mark.parametrize("include_usage", [False, True])
def test_text_pieces_of_a_stream_are_the_general_chunks(include_usage: bool) -> None:
    texts = ["Hello", ' "quoted"\n', " 日本語 🙂", "", "\\back"]
    filled = Filled("gpt-4o", "".join(texts), usage=TokenUsage(3, 5))
    frames = chat_stream.stream_frames(
        filled, META, content_pieces=texts, argument_pieces=[], include_usage=include_usage
    )
    for frame in frames:
        if frame.content:
            chunk = json.loads(frame.data.removeprefix(b"data: "))
            general = b"data: " + compact(chunk) + b"\n\n"
            assert frame.data == general
    contents = [json.loads(f.data[6:])["choices"][0]["delta"] for f in frames if f.content]
    assert contents == [{"content": text} for text in texts]
