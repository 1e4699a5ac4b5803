"""Seeded chaos: a pure schedule (unit), then the same schedule from real servers."""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from pathlib import Path

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.chaos import MAX_AFTER, chaos_reply, draw
from fakeopenai.scenario import Chaos, Reply

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MESSAGES = [{"role": "user", "content": "Are you there?"}]
EXAMPLE = Chaos.model_validate({"rate": 0.2, "statuses": [429, 503], "faults": ["disconnect"]})


def chaos(**values: object) -> Chaos:
    return Chaos.model_validate(values)


def outcome(reply: Reply | None) -> str:
    """``ok``, the error status, or the fault kind, as a short label."""
    if reply is None:
        return "ok"
    if reply.error is not None:
        return str(reply.error.status)
    assert reply.fault is not None
    return next(
        k for k, v in reply.fault.model_dump().items() if k.endswith("_after") and v is not None
    )


def schedule(spec: Chaos, owner: str, count: int, stream: bool = False) -> list[str]:
    return [outcome(chaos_reply(spec, owner, n, stream=stream, seed=None)) for n in range(count)]


def within_binomial_bound(hits: int, n: int, p: float) -> bool:
    """|hits - np| within 4.5 standard deviations (a false alarm about once in 150,000)."""
    return abs(hits - n * p) <= 4.5 * math.sqrt(n * p * (1 - p))


# --- the pure schedule -------------------------------------------------------------


def test_the_schedule_is_a_pure_function_of_seed_owner_and_count() -> None:
    spec = chaos(rate=0.3, seed=9)
    first = schedule(spec, "s/r", 500)
    assert first == schedule(spec, "s/r", 500)
    assert first != schedule(chaos(rate=0.3, seed=10), "s/r", 500)
    assert first != schedule(spec, "s/other", 500)
    assert draw(9, "s/r", 17) == draw(9, "s/r", 17)


def test_rate_and_outcomes_over_many_requests() -> None:
    spec = chaos(rate=0.1, statuses=[429, 500, 503], faults=["stall", "truncate"], seed=1)
    counts = Counter(schedule(spec, "s/r", 20_000))
    hits = 20_000 - counts["ok"]
    assert within_binomial_bound(hits, 20_000, 0.1)
    for label in ("429", "500", "503", "stall_after", "truncate_after"):  # uniform among 5
        assert within_binomial_bound(counts[label], hits, 0.2), counts


def test_rate_0_never_and_rate_1_always() -> None:
    assert set(schedule(chaos(rate=0), "s/r", 300)) == {"ok"}
    assert "ok" not in schedule(chaos(rate=1), "s/r", 300)


def test_a_fault_keeps_the_rules_answer_and_strikes_early() -> None:
    base = Reply.model_validate({"content": "kept", "latency": {"ttft_ms": 5}})
    spec = chaos(rate=1, statuses=[], faults=["disconnect"], seed=3)
    afters = set()
    for n in range(200):
        reply = chaos_reply(spec, "s/r", n, stream=True, seed=None, base=base)
        assert reply is not None and reply.fault is not None
        assert (reply.content, reply.latency) == ("kept", base.latency)
        afters.add(reply.fault.disconnect_after)
        body = chaos_reply(spec, "s/r", n, stream=False, seed=None, base=base)
        assert body is not None and body.fault is not None
        assert body.fault.disconnect_after == 0  # non-streamed: no response at all
    assert afters == set(range(MAX_AFTER + 1))


def test_chaos_never_turns_an_error_into_a_success() -> None:
    base = Reply.model_validate({"error": 400})
    spec = chaos(rate=1, statuses=[503], faults=["truncate"], seed=3)
    replies = [chaos_reply(spec, "s/r", n, stream=True, seed=None, base=base) for n in range(50)]
    assert {outcome(r) for r in replies} == {"503"}
    assert chaos_reply(chaos(rate=1, statuses=[], faults=["truncate"]), "s/r", 0,
                       stream=True, seed=None, base=base) is None  # fmt: skip


def test_the_server_seed_is_used_when_the_chaos_block_has_none() -> None:
    spec = chaos(rate=0.5)
    one = [outcome(chaos_reply(spec, "s/r", n, stream=False, seed=1)) for n in range(200)]
    two = [outcome(chaos_reply(spec, "s/r", n, stream=False, seed=2)) for n in range(200)]
    assert one != two


# --- real servers ------------------------------------------------------------------


def served(http: httpx.Client, fake: FakeOpenAI, model: str) -> str:
    """One non-streamed request: ``ok``, the status, or ``disconnect_after`` if dropped."""
    try:
        response = http.post(
            fake.base_url + "/chat/completions", json={"model": model, "messages": MESSAGES}
        )
    except httpx.RemoteProtocolError:
        return "disconnect_after"
    return "ok" if response.status_code == 200 else str(response.status_code)


def test_same_seed_same_statuses_on_two_fresh_servers() -> None:
    """The example scenario, on two servers: the second also serves another chaotic
    scenario in between, which must not shift the first one's schedule."""
    other = {
        "name": "other",
        "chaos": {"rate": 0.5, "seed": 1},
        "rules": [{"name": "other", "match": {"model": "other"}, "reply": {"content": "x"}}],
    }
    runs = []
    for interleave in (False, True):
        with FakeOpenAI(SCENARIOS / "chaos.yaml") as fake, httpx.Client() as http:
            if interleave:
                fake.load(SCENARIOS / "chaos.yaml", other)
            seen = []
            for n in range(150):
                seen.append(served(http, fake, "chaos-model"))
                if interleave and n % 3 == 0:
                    served(http, fake, "other")
            ours = [e for e in fake.requests if e.model == "chaos-model"]
            assert [e.chaos for e in ours] == [label != "ok" for label in seen]
            runs.append(seen)
    assert (
        runs[0]
        == runs[1]
        == schedule(EXAMPLE.model_copy(update={"seed": 42}), "chaos/chaotic", 150)
    )
    assert set(runs[0]) == {"ok", "429", "503", "disconnect_after"}


async def statuses(url: str, model: str, count: int, connections: int) -> list[int]:
    """POST ``count`` chat requests over ``connections`` keep-alive sockets at once; the
    status of each (a raw client: it must cost little next to the server it measures)."""
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps({"model": model, "messages": MESSAGES}).encode()
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    todo = iter(range(count))
    seen: list[int] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        for _ in todo:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            seen.append(int(head.split()[1]))
        writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return seen


def test_observed_rate_over_1000_concurrent_requests() -> None:
    """Counters are exact under concurrency: 1,000 requests on 16 connections at once get
    exactly the outcomes of counts 0..999, whatever order they arrived in."""
    spec = {"rate": 0.25, "statuses": [500, 502], "seed": 5}
    rule = {"name": "r", "match": {"model": "c"}, "reply": {"content": "fine"}}
    with FakeOpenAI() as fake:
        fake.load({"name": "rated", "chaos": spec, "rules": [rule]})
        seen = asyncio.run(statuses(fake.url, "c", 1000, 16))
        entries = fake.requests
    assert len(seen) == len(entries) == 1000
    assert [e.chaos for e in entries] == [e.status != 200 for e in entries]
    expected = schedule(Chaos.model_validate(spec), "rated/r", 1000)
    assert Counter(str(s) if s != 200 else "ok" for s in seen) == Counter(expected)
    hits = sum(s != 200 for s in seen)
    assert within_binomial_bound(hits, 1000, 0.25), hits


def test_rule_chaos_faults_break_streams_and_are_journaled() -> None:
    rule = {
        "name": "fragile",
        "match": {"model": "fragile"},
        "reply": {"content": "one two three four five six seven"},
        "chaos": {"rate": 1, "statuses": [], "faults": ["disconnect"], "seed": 2},
    }
    with FakeOpenAI() as fake:
        fake.add(rule)
        client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)
        for _ in range(3):
            with pytest.raises(openai.APIConnectionError):
                stream = client.chat.completions.create(
                    model="fragile",
                    messages=MESSAGES,  # type: ignore[arg-type]
                    stream=True,
                )
                list(stream)
        entries = fake.requests
    assert [(e.chaos, e.fault) for e in entries] == [(True, "disconnect")] * 3
    assert all(e.chunks <= MAX_AFTER for e in entries)
