"""``sse:`` wire options (SPEC.md §7) on the wire, and the openai-python columns of the
measured client table in docs/reference/sse-options.md (the Node column is measured by
tests/compat/test_compat_sse_options.py)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.shaped import pieces, reshape

sys.path.insert(0, str(Path(__file__).resolve().parent / "compat"))
from sse_table import MODELS, SCENARIO, TEXT, documented, outcome

SAY: Any = [{"role": "user", "content": "say it"}]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(SCENARIO) as running:
        yield running


def raw(fake: FakeOpenAI, model: str, path: str = "/chat/completions") -> list[bytes]:
    """The body's writes as they arrived (one item per chunk of the chunked body)."""
    body: dict[str, Any] = {"model": model, "stream": True}
    body.update({"messages": SAY} if path == "/chat/completions" else {"input": "say it"})
    with httpx.stream("POST", fake.base_url + path, json=body) as answer:
        return list(answer.iter_raw())


def test_line_endings(fake: FakeOpenAI) -> None:
    crlf = b"".join(raw(fake, "sse-crlf"))
    assert crlf.endswith(b"data: [DONE]\r\n\r\n") and crlf.count(b"\n") == crlf.count(b"\r\n")
    cr = b"".join(raw(fake, "sse-cr", "/responses"))
    assert b"\n" not in cr and cr.startswith(b"event: response.created\rdata: ")
    assert b"\r\n" not in b"".join(raw(fake, "sse-plain"))


def test_comment_lines_while_waiting(fake: FakeOpenAI) -> None:
    body = b"".join(raw(fake, "sse-comments"))
    assert body.count(b": keep-alive\n\n") >= 3  # 12 ms to the first piece, every 3 ms
    frames = [f for f in body.split(b"\n\n") if f and not f.startswith(b":")]
    assert all(f.startswith(b"data: ") for f in frames)


def test_comment_lines_keep_a_stall_alive() -> None:
    reply = {
        "content": "a b c d",
        "fault": {"stall_after": 2, "stall_ms": 60},
        "sse": {"comments_every_ms": 10},
    }
    with FakeOpenAI({"name": "stall", "rules": [{"reply": reply}]}) as stalled:
        body = b"".join(raw(stalled, "gpt-4o"))
    head, _, tail = body.partition(b": keep-alive\n\n")
    assert head.count(b"data: ") == 3  # the opener and two pieces, then the stall's comments
    assert body.count(b": keep-alive\n\n") >= 3 and tail.endswith(b"data: [DONE]\n\n")


def test_split_writes_cut_inside_utf8(fake: FakeOpenAI) -> None:
    writes = raw(fake, "sse-split-1")
    assert len(writes) > 100 and max(map(len, writes)) <= 8  # (TCP may join a few)
    assert pieces("é".encode(), 1) == [b"\xc3", b"\xa9"]
    assert pieces(b"abcdefg", 3) == [b"abc", b"def", b"g"] and pieces(b"ab", None) == [b"ab"]
    assert reshape(b"event: x\ndata: {}\n\n", b"\r\n") == b"event: x\r\ndata: {}\r\n\r\n"


def test_coalesce_sends_what_is_due_in_one_write(fake: FakeOpenAI) -> None:
    assert len(raw(fake, "sse-coalesce")) <= 2  # the frames, maybe the terminating chunk
    # Without delays every frame is due at once: one write with or without coalesce
    # (which matters for paced streams whose frames fall overdue).
    assert len(raw(fake, "sse-plain")) <= 2


def test_a_typo_in_sse_gets_did_you_mean(tmp_path: Path) -> None:
    from fakeopenai.errors import ScenarioError
    from fakeopenai.loader import load_paths

    path = tmp_path / "typo.yaml"
    path.write_text("rules:\n  - reply:\n      sse: {split_byte: 3}\n")
    with pytest.raises(
        ScenarioError, match=r"typo.yaml:3: .*'split_byte' \(did you mean 'split_bytes'\?\)"
    ):
        load_paths([str(path)])


def _sync(fake: FakeOpenAI, model: str) -> str:
    client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0, timeout=10)
    results: list[Any] = []
    try:
        stream = client.chat.completions.create(model=model, messages=SAY, stream=True)
        results.append("".join(c.choices[0].delta.content or "" for c in stream if c.choices))
    except Exception as exc:  # a cell of the table, not a failure here
        results.append(exc)
    try:
        events = client.responses.create(model=model, input="say it", stream=True)
        results.append("".join(e.delta for e in events if e.type == "response.output_text.delta"))
    except Exception as exc:
        results.append(exc)
    return outcome(*results)


async def _async(fake: FakeOpenAI, model: str) -> str:
    client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="k", max_retries=0, timeout=10)
    results: list[Any] = []
    try:
        stream = await client.chat.completions.create(model=model, messages=SAY, stream=True)
        results.append(
            "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        )
    except Exception as exc:
        results.append(exc)
    try:
        events = await client.responses.create(model=model, input="say it", stream=True)
        deltas = [e.delta async for e in events if e.type == "response.output_text.delta"]
        results.append("".join(deltas))
    except Exception as exc:
        results.append(exc)
    await client.close()
    return outcome(*results)


def test_the_documented_python_cells_are_the_measured_ones(fake: FakeOpenAI) -> None:
    measured_sync = {model: _sync(fake, model) for model in MODELS}
    measured_async = {model: asyncio.run(_async(fake, model)) for model in MODELS}
    assert documented("openai-python sync") == measured_sync
    assert documented("openai-python async") == measured_async
    assert TEXT in SCENARIO.read_text()
