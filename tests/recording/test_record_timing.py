"""``timing=True`` keeps the observed latency: a replay keeps the recorded pace; without
it, replays are instant."""

from __future__ import annotations

import statistics
import time
from typing import Any

import openai
import yaml

from fakeopenai import FakeOpenAI

MESSAGES: Any = [{"role": "user", "content": "once upon"}]


def first_token_ms(client: openai.OpenAI) -> tuple[float, float]:
    """(time to the first content piece, to the end), in ms."""
    started = time.perf_counter()
    first = None
    for chunk in client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    ):
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = (time.perf_counter() - started) * 1000
    assert first is not None
    return first, (time.perf_counter() - started) * 1000


def test_a_timed_replay_keeps_the_recorded_time_to_first_token(recorder):
    rec = recorder(timing=True)
    client = rec.client()
    first_token_ms(client)  # warm the proxy and both connections up
    recorded = [first_token_ms(client) for _ in range(5)]
    document = yaml.safe_load(rec.text())
    assert "defaults" not in document
    latency = document["rules"][0]["replies"][-1]["latency"]  # (the first one warmed up)
    assert 100 <= latency["ttft_ms"] < 400  # the upstream's 120 ms, plus a loaded machine
    assert 5 <= latency["chunk_ms"] < 60  # its 15 ms between pieces
    with FakeOpenAI(rec.out) as replay:
        again = openai.OpenAI(base_url=replay.base_url, api_key="k", max_retries=0)
        first_token_ms(again)
        replayed = [first_token_ms(again) for _ in range(5)]
    recorded_ttft = statistics.median(t for t, _ in recorded)
    replayed_ttft = statistics.median(t for t, _ in replayed)
    assert abs(replayed_ttft - recorded_ttft) < 20, (recorded, replayed)


def test_without_timing_a_replay_is_instant(recorder):
    rec = recorder()
    first_token_ms(rec.client())
    document = yaml.safe_load(rec.text())
    assert "latency" not in document["rules"][0]["reply"]
    assert document["defaults"] == {"latency": {"ttft_ms": 0}}  # instant under serve too
    with FakeOpenAI(rec.out) as replay:
        again = openai.OpenAI(base_url=replay.base_url, api_key="k", max_retries=0)
        first_token_ms(again)
        _, total = first_token_ms(again)
    assert total < 100  # the upstream took 120 ms to its first piece alone
