"""Latency: the schedule (unit), the ASGI pacing (in memory), and the SDK on a real server."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.journal import Journal
from fakeopenai.scenario import Latency
from fakeopenai.schedule import Schedule
from fakeopenai.streaming import PacedStream
from fakeopenai.wire.sse import Frame

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MESSAGES = [{"role": "user", "content": "Tell me a story"}]
HTTP = httpx.Client(timeout=10)


def latency(**values: float) -> Latency:
    return Latency.model_validate(values)


# --- the schedule -------------------------------------------------------------------


def test_due_times_are_offsets_from_the_request_start() -> None:
    schedule = Schedule(latency(headers_ms=50, ttft_ms=200, chunk_ms=20))
    assert schedule.headers == pytest.approx(0.05)
    assert [schedule.due(k) for k in range(4)] == pytest.approx([0.25, 0.27, 0.29, 0.31])
    assert schedule.due(1000) == pytest.approx(0.25 + 1000 * 0.02)  # no drift, no sum


def test_tokens_per_second_paces_one_piece_per_token() -> None:
    schedule = Schedule(latency(tokens_per_second=50))
    assert [schedule.due(k) for k in range(3)] == pytest.approx([0.0, 0.02, 0.04])


def test_no_latency_means_everything_at_once() -> None:
    schedule = Schedule(None)
    assert (schedule.headers, schedule.due(0), schedule.due(99)) == (0.0, 0.0, 0.0)


def test_jitter_is_seeded_bounded_and_spares_the_first_piece() -> None:
    pace = latency(ttft_ms=100, chunk_ms=20, jitter_ms=5)
    one, same, other = Schedule(pace, seed=1), Schedule(pace, seed=1), Schedule(pace, seed=2)
    dues = [one.due(k) for k in range(50)]
    assert dues == [same.due(k) for k in range(50)]
    assert dues != [other.due(k) for k in range(50)]
    assert dues[0] == pytest.approx(0.1)
    offsets = [due - (0.1 + k * 0.02) for k, due in enumerate(dues)]
    assert max(abs(o) for o in offsets) <= 0.005
    assert len({round(o, 6) for o in offsets[1:]}) > 40  # really jittered
    assert one.due(7) == dues[7]  # asking again (a fault, say) gives the same time


# --- pacing, in memory ----------------------------------------------------------------


def test_a_late_frame_does_not_delay_the_rest() -> None:
    """Sleeps target start + due time: after a 150 ms hiccup the stream catches up."""
    frames = [Frame(b"data: {}\n\n")] + [Frame(b"data: {}\n\n", True) for _ in range(10)]
    journal = Journal()
    entry = journal.new("POST", "/v1/chat/completions", {}, "req_x")
    stream = PacedStream(frames, headers=[], entry=entry, latency=latency(chunk_ms=50))
    sent: list[float] = []  # when each frame went out (frames due together share a write)

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            frames_sent = message["body"].count(b"data: ")
            sent.extend([time.perf_counter() - entry.started] * frames_sent)
            if len(sent) == 3 and frames_sent:  # right after piece 1
                await asyncio.sleep(0.15)

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()  # the client never leaves
        return {"type": "http.disconnect"}

    asyncio.run(stream({"type": "http"}, receive, send))
    assert len(sent) == 11 and entry.completed and entry.chunks == 10
    # sent[k + 1] is piece k, due at 50k ms; the hiccup holds piece 1 until 200 ms, then
    # pieces 2-4 (due at 100-200 ms) go at once. Accumulated sleeps would add 150 ms.
    assert [round(t, 2) for t in sent] == pytest.approx(
        [0, 0, 0.05, 0.2, 0.2, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45], abs=0.04
    )


def _bodies(latency: Latency | None) -> tuple[list[bytes], int]:
    """The body messages of a 3-piece stream with ``latency``, and its journaled chunks."""
    opener, done = Frame(b"data: open\n\n"), Frame(b"data: [DONE]\n\n")
    pieces = [Frame(b"data: %d\n\n" % i, True) for i in range(3)]
    entry = Journal().new("POST", "/v1/chat/completions", {}, "req_x")
    stream = PacedStream([opener, *pieces, done], headers=[], entry=entry, latency=latency)
    bodies: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            bodies.append(message["body"])

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    asyncio.run(stream({"type": "http"}, receive, send))
    assert entry.completed
    return bodies, entry.chunks


def test_frames_due_together_go_out_in_one_write() -> None:
    """The opening frame goes with the first piece, the closing frames with the last:
    one body message each, the frames' bytes unchanged and in order."""
    bodies, chunks = _bodies(Latency(chunk_ms=1))
    assert bodies == [
        b"data: open\n\ndata: 0\n\n",
        b"data: 1\n\n",
        b"data: 2\n\ndata: [DONE]\n\n",  # with more_body false: the end of the body
    ]
    assert chunks == 3


def test_a_stream_without_delays_is_one_write() -> None:
    """Every frame is due at once: one body message (not one write per piece)."""
    bodies, chunks = _bodies(None)
    assert bodies == [b"data: open\n\ndata: 0\n\ndata: 1\n\ndata: 2\n\ndata: [DONE]\n\n"]
    assert chunks == 3


# --- through the SDK -------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(SCENARIOS / "slow-model.yaml") as server:
        warm_up(server)
        yield server


def warm_up(fake: FakeOpenAI) -> None:
    """A paced stream and a generated answer first: they pay the lazy imports."""
    reply = {"content": {"generate": {"words": 3}}, "latency": {"ttft_ms": 1, "chunk_ms": 1}}
    fake.add({"name": "warm", "match": {"model": "warm"}, "reply": reply})
    for stream in (False, True):
        body = {"model": "warm", "messages": MESSAGES, "stream": stream}
        HTTP.post(fake.base_url + "/chat/completions", json=body).raise_for_status()


def test_ttft_longer_than_the_client_timeout_times_out_promptly(fake: FakeOpenAI) -> None:
    reply = {"content": "late", "latency": {"ttft_ms": 5000}}
    fake.add({"name": "very-slow", "match": {"model": "very-slow"}, "reply": reply})
    client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0, timeout=0.2)
    for stream in (False, True):
        started = time.perf_counter()
        with pytest.raises(openai.APITimeoutError):
            answer = client.chat.completions.create(
                model="very-slow",
                messages=MESSAGES,  # type: ignore[arg-type]
                stream=stream,
            )
            if stream:
                list(answer)  # type: ignore[arg-type]
        assert time.perf_counter() - started < 1.0  # the timeout (0.2 s), not the 5 s ttft


def test_a_paced_stream_arrives_on_schedule(fake: FakeOpenAI) -> None:
    fake.add(
        {
            "name": "paced",
            "match": {"model": "paced"},
            "reply": {
                "content": " ".join(["word"] * 10),
                "latency": {"headers_ms": 40, "ttft_ms": 60, "chunk_ms": 25},
            },
        }
    )
    started = time.perf_counter()
    arrivals: list[float] = []
    body = {"model": "paced", "messages": MESSAGES, "stream": True}
    with HTTP.stream("POST", fake.base_url + "/chat/completions", json=body) as response:
        headers_at = time.perf_counter() - started
        for line in response.iter_lines():
            if '"content":"' in line and '"content":""' not in line:
                arrivals.append(time.perf_counter() - started)
    assert len(arrivals) == 10
    # Never early (the lower bounds are exact); late by scheduling noise only.
    assert 0.04 <= headers_at < 0.04 + 0.1
    expected = [0.1 + 0.025 * k for k in range(10)]
    assert all(e <= a < e + 0.1 for a, e in zip(arrivals, expected, strict=True))
    timings = fake.requests.last.timings
    assert 40 <= timings["headers_ms"] < 40 + 50
    assert 100 <= timings["ttft_ms"] < 100 + 50
    assert 325 <= timings["total_ms"] < 325 + 100


def test_slow_model_example_types_at_its_token_rate(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    started = time.perf_counter()
    stream = client.chat.completions.create(model="slow-1", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    pieces = [
        c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content
    ]
    elapsed = time.perf_counter() - started
    entry = fake.requests.last
    assert entry.rule == "thinks-then-types" and entry.chunks == len(pieces) == 20
    # 450 ms to the first token, then 19 more at 50 tokens/s (jitter ±5 ms on the last)
    assert 0.45 + 19 * 0.02 - 0.005 <= elapsed < 0.45 + 19 * 0.02 + 0.3
    assert 450 <= entry.timings["ttft_ms"] < 450 + 60


def test_non_streamed_body_waits_headers_ms_plus_ttft_ms(fake: FakeOpenAI) -> None:
    fake.add(
        {
            "name": "slow-json",
            "match": {"model": "slow-json"},
            "reply": {"content": "done", "latency": {"headers_ms": 80, "ttft_ms": 120}},
        }
    )
    started = time.perf_counter()
    with HTTP.stream(
        "POST",
        fake.base_url + "/chat/completions",
        json={"model": "slow-json", "messages": MESSAGES},
    ) as response:
        headers_at = time.perf_counter() - started
        data = response.read()
        body_at = time.perf_counter() - started
    assert json.loads(data)["choices"][0]["message"]["content"] == "done"
    assert 0.08 <= headers_at < 0.08 + 0.1
    assert 0.2 <= body_at < 0.2 + 0.1
    assert int(response.headers["openai-processing-ms"]) >= 80
    entry = fake.requests.last
    assert entry.completed and entry.status == 200
    assert 200 <= entry.timings["ttft_ms"] < 200 + 50
