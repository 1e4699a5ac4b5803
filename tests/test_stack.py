"""The HTTP parser and event loop: the fast pair by default, the plain pair on request,
and the API answering the same on both (streams and the disconnect watcher included)."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.errors import ServerStartError
from fakeopenai.stack import HTTP_ENV, LOOP_ENV, resolve

RULE = {"reply": {"content": "one two three"}}
STACKS = [("httptools", "uvloop"), ("h11", "asyncio"), ("httptools", "asyncio")]


def test_auto_picks_the_fast_stack_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HTTP_ENV, raising=False)
    monkeypatch.delenv(LOOP_ENV, raising=False)
    pytest.importorskip("httptools")
    pytest.importorskip("uvloop")
    assert resolve().as_dict() == {"http": "httptools", "loop": "uvloop"}


def test_the_environment_chooses_and_a_bad_name_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(HTTP_ENV, "H11")
    monkeypatch.setenv(LOOP_ENV, "asyncio")
    assert resolve().as_dict() == {"http": "h11", "loop": "asyncio"}
    assert resolve("httptools").http == "httptools"  # an explicit choice wins
    monkeypatch.setenv(LOOP_ENV, "uvlop")
    with pytest.raises(ValueError, match="FAKEOPENAI_LOOP='uvlop' is not one of auto, uvloop"):
        resolve()
    with pytest.raises(ServerStartError, match="uvlop"), FakeOpenAI():
        pass


@pytest.mark.parametrize(("http", "loop"), STACKS)
def test_every_stack_answers_streams_and_sees_clients_leave(
    http: str, loop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip(http)
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    monkeypatch.setenv(HTTP_ENV, http)
    monkeypatch.setenv(LOOP_ENV, loop)
    slow = {
        "match": {"model": "slow"},
        "reply": {"content": "a b c d", "latency": {"chunk_ms": 200}},
    }
    cut = {
        "match": {"model": "cut"},
        "reply": {"content": "a b c d", "fault": {"disconnect_after": 2}},
    }
    with FakeOpenAI({"rules": [slow, cut, RULE]}) as fake:
        health = httpx.get(fake.url + "/_fakeopenai/health").json()
        assert health["stack"] == {"http": http, "loop": loop}
        client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)
        messages = [{"role": "user", "content": "hi"}]
        reply = client.chat.completions.create(model="m", messages=messages)  # type: ignore[arg-type]
        assert reply.choices[0].message.content == "one two three"
        stream = client.chat.completions.create(model="m", messages=messages, stream=True)  # type: ignore[arg-type]
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == (
            "one two three"
        )
        with client.chat.completions.create(model="slow", messages=messages, stream=True) as left:  # type: ignore[arg-type]
            next(iter(left))
        # the watcher notices the client leaving long before the stream's end (0.8 s)
        deadline = time.monotonic() + 5
        while not fake.requests.last.client_disconnected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fake.requests.last.client_disconnected
        assert fake.requests.last.chunks < 4
        with pytest.raises(openai.APIConnectionError):  # a scripted drop cuts the connection
            for _ in client.chat.completions.create(model="cut", messages=messages, stream=True):  # type: ignore[arg-type]
                pass


def test_a_stack_that_is_not_installed_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fakeopenai.stack as stack

    monkeypatch.setattr(stack, "_installed", lambda module: module != "uvloop")
    with pytest.raises(ValueError, match=r"uvloop is not installed .* choose asyncio, or auto"):
        resolve(loop="uvloop")
    assert resolve(loop="auto").loop == "asyncio"  # auto falls back (Windows, PyPy)
