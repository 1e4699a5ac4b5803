"""Unit tests of the pure chat wire builders and chunking."""

from __future__ import annotations

import json

import pytest

from fakeopenai.filled import Filled, FilledToolCall, TokenUsage
from fakeopenai.scenario import ChunkChars
from fakeopenai.wire import chat, chat_stream
from fakeopenai.wire.chunking import split

META = chat.Meta("chatcmpl-abc", 1700000000, "gpt-4o", "fp_0123456789")


def payloads(frames: list) -> list[dict]:
    out = []
    for frame in frames:
        assert frame.data.startswith(b"data: ") and frame.data.endswith(b"\n\n")
        text = frame.data[6:-2].decode()
        if text != "[DONE]":
            out.append(json.loads(text))
    return out


def test_completion_has_every_field_strict_clients_read() -> None:
    filled = Filled("gpt-4o", "Hi", usage=TokenUsage(5, 1))
    body = chat.completion(filled, META)
    assert list(body) == [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "service_tier",
        "system_fingerprint",
    ]
    assert body["choices"][0] == {
        "index": 0,
        "message": {"role": "assistant", "content": "Hi", "refusal": None, "annotations": []},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert body["usage"]["total_tokens"] == 6
    assert body["usage"]["completion_tokens_details"]["rejected_prediction_tokens"] == 0


def test_stream_with_usage_has_null_usage_then_usage_chunk() -> None:
    filled = Filled("gpt-4o", "a b", usage=TokenUsage(3, 2))
    frames = chat_stream.stream_frames(
        filled, META, content_pieces=["a", " b"], argument_pieces=[], include_usage=True
    )
    assert frames[-1].data == b"data: [DONE]\n\n"
    chunks = payloads(frames)
    assert [c["usage"] for c in chunks[:-1]] == [None] * 4
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 5
    assert [f.content for f in frames] == [False, True, True, False, False, False]


def test_parallel_tool_calls_stream_sequentially_with_indexes() -> None:
    calls = (FilledToolCall("call_a", "f", '{"x":1}'), FilledToolCall("call_b", "g", "{}"))
    filled = Filled("m", None, tool_calls=calls, finish_reason="tool_calls")
    frames = chat_stream.stream_frames(
        filled,
        META,
        content_pieces=[],
        argument_pieces=[['{"x":', "1}"], ["{}"]],
        include_usage=False,
    )
    deltas = [c["choices"][0]["delta"] for c in payloads(frames)]
    # WIRE.md §9 row 9: parallel calls open with a chunk of their own (recorded, gpt-4o)
    assert deltas[0] == {"role": "assistant", "content": None}
    assert deltas[1] == {
        "tool_calls": [
            {
                "index": 0,
                "id": "call_a",
                "type": "function",
                "function": {"name": "f", "arguments": ""},
            }
        ]
    }
    assert deltas[2] == {"tool_calls": [{"index": 0, "function": {"arguments": '{"x":'}}]}
    assert deltas[4]["tool_calls"][0]["index"] == 1 and "role" not in deltas[4]
    assert deltas[-1] == {}
    assert payloads(frames)[-1]["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("word", ["Hello", " big", " world.\n"]),
        ("none", ["Hello big world.\n"]),
        ("line", ["Hello big world.\n"]),
        (ChunkChars(chars=6), ["Hello ", "big wo", "rld.\n"]),
    ],
)
def test_chunking_modes_rejoin_exactly(mode: object, expected: list[str]) -> None:
    assert split("Hello big world.\n", mode) == expected


def test_char_and_token_chunking_rejoin() -> None:
    text = "Tokenization isn't trivial: 12,345 items!"
    assert "".join(split(text, "char")) == text and len(split(text, "char")) == len(text)
    pieces = split(text, "token")
    assert "".join(pieces) == text and 5 < len(pieces) < len(text)


def test_frames_are_made_when_read_and_only_then() -> None:
    from fakeopenai.wire.sse import Frame, Frames

    made: list[str] = []

    def make(text: str) -> bytes:
        made.append(text)
        return f"data: {text}\n\n".encode()

    frames = Frames(make)
    frames.plan(("a",))
    frames.plan(("b",), content=True)
    frames.add(Frame(b"data: [DONE]\n\n"))
    assert (len(frames), made) == (3, [])  # planned, nothing encoded yet
    assert [frames.is_content(i) for i in range(3)] == [False, True, False]
    assert made == []  # asking what a frame is does not make it
    assert frames[1] == Frame(b"data: b\n\n", True) and made == ["b"]
    assert [f.data for f in frames] == [b"data: a\n\n", b"data: b\n\n", b"data: [DONE]\n\n"]
    assert frames[-1].data == b"data: [DONE]\n\n" and frames[:1] == [Frame(b"data: a\n\n")]
