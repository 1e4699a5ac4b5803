"""Stream and body faults: exact on the wire, and what the official SDK makes of them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.faults import (
    MALFORMED_MARK,
    error_event_frame,
    fault_body,
    malformed_frame,
    strike_index,
)
from fakeopenai.scenario import Fault
from fakeopenai.wire.errors import SERVER_ERROR_MESSAGE
from fakeopenai.wire.sse import Frame

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MESSAGES = [{"role": "user", "content": "Tell me about foxes"}]
HTTP = httpx.Client(timeout=10)


def fault(**keys: object) -> Fault:
    return Fault.model_validate(keys)


# --- where a fault strikes, what it sends ---------------------------------------------

OPENER, PIECE, FINISH = Frame(b"data: {}\n\n"), Frame(b"data: {}\n\n", True), Frame(b"x")


@pytest.mark.parametrize(
    ("after", "index"), [(0, 1), (1, 2), (3, 4), (4, 5), (9, 5)]
)  # fmt: skip
def test_strike_index_lets_exactly_n_pieces_out_first(after: int, index: int) -> None:
    frames = [OPENER, PIECE, PIECE, PIECE, PIECE, FINISH, FINISH]
    assert strike_index(frames, after) == index
    assert sum(f.content for f in frames[:index]) == min(after, 4)


def test_strike_index_without_pieces_or_frames() -> None:
    assert strike_index([OPENER, FINISH], 2) == 1
    assert strike_index([], 0) == 0
    assert strike_index([OPENER, PIECE], 5) == 2  # after the last frame


def test_error_event_frame_is_the_apis_mid_stream_error() -> None:
    assert error_event_frame(fault(error_event_after=1)) == (
        b'data: {"error": {"message": "' + SERVER_ERROR_MESSAGE.encode() + b'", '
        b'"type": "server_error", "param": null, "code": null}}\n\n'
    )
    custom = fault(error_event_after=1, message="boom", type="overloaded", code="x1")
    assert json.loads(error_event_frame(custom)[6:]) == {
        "error": {"message": "boom", "type": "overloaded", "param": None, "code": "x1"}
    }


def test_malformed_frame_is_the_next_frame_cut_in_half() -> None:
    frame = Frame(b'data: {"choices":[{"delta":{"content":"fox"}}]}\n\n', True)
    broken = malformed_frame([OPENER, frame], 1)
    assert broken == b'data: {"choices":[{"delta"\n\n'
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken[6:])


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"truncate_after": 4}, b'{"id'),
        ({"malformed_after": 3}, b'{"i' + MALFORMED_MARK + b'd": 1}'),
        ({"disconnect_after": 3}, b'{"id": 1}'),  # sent up to byte 3, then dropped
        ({"stall_after": 0}, b'{"id": 1}'),
    ],
)
def test_fault_body(keys: dict[str, int], expected: bytes) -> None:
    assert fault_body(fault(**keys), b'{"id": 1}') == expected


def test_a_body_fault_past_the_end_strikes_before_the_last_byte() -> None:
    assert fault_body(fault(truncate_after=99), b'{"id": 1}') == b'{"id": 1'
    assert fault_body(fault(malformed_after=99), b"{}") == b"{" + MALFORMED_MARK + b"}"


def test_a_malformed_body_is_never_json() -> None:
    body = b'{"message": "abc"}'
    for after in range(len(body) + 1):
        with pytest.raises(json.JSONDecodeError):
            json.loads(fault_body(fault(malformed_after=after), body))


# --- streams through the SDK --------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(SCENARIOS / "stream-faults.yaml") as fake:
        warm = {"model": "broken-truncate", "messages": MESSAGES, "stream": True}
        HTTP.post(fake.base_url + "/chat/completions", json=warm)  # pays the lazy imports
        yield fake


@pytest.fixture
def fake(server: FakeOpenAI) -> FakeOpenAI:
    server.reset()
    return server


def client(fake: FakeOpenAI, timeout: float = 5.0, retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=fake.base_url,
        api_key=fake.api_key,
        timeout=timeout,
        max_retries=retries,
        http_client=HTTP,
    )


def read_stream(sdk: openai.OpenAI, model: str, deltas: list[str]) -> list[str | None]:
    """Stream a chat answer, collecting content deltas; returns the finish reasons."""
    finish: list[str | None] = []
    stream = sdk.chat.completions.create(model=model, messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            deltas.append(chunk.choices[0].delta.content)
        if chunk.choices and chunk.choices[0].finish_reason:
            finish.append(chunk.choices[0].finish_reason)
    return finish


def test_disconnect_after_3_is_a_connection_error_after_exactly_3_deltas(fake: FakeOpenAI) -> None:
    deltas: list[str] = []
    with pytest.raises(openai.APIConnectionError) as caught:
        read_stream(client(fake), "broken-disconnect", deltas)
    assert deltas == ["The", " quick", " brown"]
    assert isinstance(caught.value.__cause__, Exception)
    assert type(caught.value.__cause__).__name__ == "RemoteProtocolError"
    entry = fake.requests.last
    assert (entry.chunks, entry.fault, entry.completed) == (3, "disconnect", False)
    assert entry.client_disconnected is False  # the server hung up, not the client


def test_disconnect_leaves_an_incomplete_chunked_body(fake: FakeOpenAI) -> None:
    received = b""
    body = {"model": "broken-disconnect", "messages": MESSAGES, "stream": True}
    with (
        pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"),
        HTTP.stream("POST", fake.base_url + "/chat/completions", json=body) as response,
    ):
        assert response.status_code == 200
        for data in response.iter_raw():
            received += data
    frames = received.split(b"\n\n")
    assert frames[-1] == b"" and len(frames) == 5  # opener + 3 pieces, nothing after
    assert b"[DONE]" not in received and b'finish_reason":"stop' not in received


def test_error_event_after_raises_apierror_with_the_scripted_message(fake: FakeOpenAI) -> None:
    deltas: list[str] = []
    with pytest.raises(openai.APIError) as caught:
        read_stream(client(fake), "broken-error", deltas)
    assert deltas == ["The", " quick", " brown"]
    assert caught.value.message == "The model crashed while answering."
    assert caught.value.type == "server_error"
    assert fake.requests.last.fault == "error_event"


def test_error_event_is_the_last_frame_and_the_body_ends_cleanly(fake: FakeOpenAI) -> None:
    body = {"model": "broken-error", "messages": MESSAGES, "stream": True}
    raw = HTTP.post(fake.base_url + "/chat/completions", json=body).content
    assert raw.endswith(
        b'data: {"error": {"message": "The model crashed while answering.", '
        b'"type": "server_error", "param": null, "code": null}}\n\n'
    )
    assert raw.count(b"\n\n") == 5 and b"[DONE]" not in raw


def test_malformed_after_raises_the_decode_error(fake: FakeOpenAI) -> None:
    deltas: list[str] = []
    with pytest.raises(json.JSONDecodeError):
        read_stream(client(fake), "broken-malformed", deltas)
    assert deltas == ["The", " quick", " brown"]


def test_truncate_after_ends_cleanly_without_finish_or_done(fake: FakeOpenAI) -> None:
    deltas: list[str] = []
    assert read_stream(client(fake), "broken-truncate", deltas) == []
    assert deltas == ["The", " quick", " brown"]
    entry = fake.requests.last
    assert (entry.chunks, entry.fault, entry.completed, entry.client_disconnected) == (
        3,
        "truncate",
        False,
        False,
    )


def test_stall_after_with_a_read_timeout_times_out(fake: FakeOpenAI) -> None:
    deltas: list[str] = []
    started = time.perf_counter()
    with pytest.raises(openai.APITimeoutError):
        read_stream(client(fake, timeout=0.3), "broken-stall", deltas)
    assert time.perf_counter() - started < 2.0
    assert deltas == ["The", " quick", " brown"]
    entry = fake.requests.last
    deadline = time.monotonic() + 3
    while not entry.client_disconnected and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (entry.client_disconnected, entry.chunks, entry.fault) == (True, 3, "stall")
    assert "total_ms" in entry.timings  # the stream's task ended


def test_stall_ms_pauses_then_the_stream_resumes(fake: FakeOpenAI) -> None:
    deltas: list[str] = []
    started = time.perf_counter()
    assert read_stream(client(fake), "broken-hiccup", deltas) == ["stop"]
    assert time.perf_counter() - started >= 0.3
    assert "".join(deltas) == "The quick brown fox jumps over the lazy dog."
    assert fake.requests.last.completed


def test_tool_argument_deltas_count_as_pieces(fake: FakeOpenAI) -> None:
    fake.add(
        {
            "name": "tool-drop",
            "match": {"model": "tool-drop"},
            "reply": {
                "tool_calls": [{"function": "lookup", "arguments": {"city": "Paris", "n": 1}}],
                "chunking": {"chars": 4},
                "fault": {"disconnect_after": 2},
            },
        }
    )
    pieces: list[str] = []
    stream = client(fake).chat.completions.create(
        model="tool-drop",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
    )
    with pytest.raises(openai.APIConnectionError):
        for chunk in stream:
            for call in chunk.choices[0].delta.tool_calls or []:
                if call.function and call.function.arguments:
                    pieces.append(call.function.arguments)
    assert pieces == ['{"ci', 'ty":']
    assert fake.requests.last.chunks == 2


# --- non-streamed equivalents (N counts body bytes) --------------------------------


def script(fake: FakeOpenAI, fault_keys: dict[str, object]) -> None:
    fake.add({"name": "body-fault", "match": {"model": "body"}, "reply": {"fault": fault_keys}})


def ask(fake: FakeOpenAI, retries: int = 0, timeout: float = 5.0) -> object:
    return client(fake, timeout, retries).chat.completions.create(
        model="body",
        messages=MESSAGES,  # type: ignore[arg-type]
    )


def test_disconnect_after_0_drops_before_any_response_and_the_sdk_retries(
    fake: FakeOpenAI,
) -> None:
    script(fake, {"disconnect_after": 0})
    with pytest.raises(openai.APIConnectionError) as caught:
        ask(fake, retries=1)
    assert "without sending a response" in str(caught.value.__cause__)
    attempts = fake.requests
    assert [e.header("x-stainless-retry-count") for e in attempts] == ["0", "1"]
    assert {(e.status, e.fault, e.completed) for e in attempts} == {(0, "disconnect", False)}


def test_disconnect_after_n_sends_headers_and_n_bytes(fake: FakeOpenAI) -> None:
    script(fake, {"disconnect_after": 10})
    received = b""
    body = {"model": "body", "messages": MESSAGES}
    with (
        pytest.raises(httpx.RemoteProtocolError),
        HTTP.stream("POST", fake.base_url + "/chat/completions", json=body) as response,
    ):
        assert response.status_code == 200
        for data in response.iter_raw():
            received += data
    assert received == b'{\n  "id": '
    with pytest.raises(openai.APIConnectionError):
        ask(fake)


def test_truncate_after_n_is_a_short_clean_body(fake: FakeOpenAI) -> None:
    script(fake, {"truncate_after": 12})
    response = HTTP.post(
        fake.base_url + "/chat/completions", json={"model": "body", "messages": MESSAGES}
    )
    assert (response.status_code, response.content) == (200, b'{\n  "id": "c')
    with pytest.raises(json.JSONDecodeError):
        ask(fake)


@pytest.mark.parametrize("after", [0, 1, 20])
def test_malformed_body_raises_the_decode_error(fake: FakeOpenAI, after: int) -> None:
    # at 0 or 1 too: a NUL among the first two bytes would make json read UTF-16
    script(fake, {"malformed_after": after})
    with pytest.raises(json.JSONDecodeError):
        ask(fake)


def test_stall_before_the_status_line_times_out(fake: FakeOpenAI) -> None:
    script(fake, {"stall_after": 0})
    started = time.perf_counter()
    with pytest.raises(openai.APITimeoutError):
        ask(fake, timeout=0.3)
    assert time.perf_counter() - started < 2.0
    assert fake.requests.last.status == 0  # nothing was answered


def test_a_body_stall_with_stall_ms_delivers_late(fake: FakeOpenAI) -> None:
    script(fake, {"stall_after": 5, "stall_ms": 250})
    started = time.perf_counter()
    completion = ask(fake)
    assert time.perf_counter() - started >= 0.25
    assert completion.choices[0].message.content  # type: ignore[attr-defined]


def test_error_event_on_a_body_is_a_200_carrying_an_error(fake: FakeOpenAI) -> None:
    script(fake, {"error_event_after": 0, "message": "gateway said no"})
    response = HTTP.post(
        fake.base_url + "/chat/completions", json={"model": "body", "messages": MESSAGES}
    )
    assert response.status_code == 200
    assert response.json() == {
        "error": {"message": "gateway said no", "type": "server_error", "param": None, "code": None}
    }
