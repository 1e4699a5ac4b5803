"""Secrets never reach disk: keys, organisation and project headers, cookies, and
whatever ``redact`` names (a header or a dotted body path), wherever they turn up."""

from __future__ import annotations

import logging
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.recording.redact import REDACTED, Redactor
from fakeopenai.recording.upstream import Pools

KEY = "sk-proj-SECRET0123456789abcdef"


def test_the_clients_key_is_nowhere_in_the_file_or_the_logs(recorder, upstream, caplog):
    caplog.set_level(logging.DEBUG)
    rec = recorder(redact=["user", "metadata.customer"])
    client = openai.OpenAI(
        base_url=rec.base_url,
        api_key=KEY,
        organization="org-SECRETORGANISATION",
        project="proj_SECRETPROJECT",
        default_headers={"cookie": "session=SECRETCOOKIE"},
        max_retries=0,
    )
    messages: Any = [{"role": "user", "content": f"hello, my key is {KEY}"}]
    client.chat.completions.create(model="gpt-4o-mini", messages=messages, user="alice@example.com")
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hello"}],
        metadata={"customer": "ACME-SECRET-CUSTOMER", "kept": "yes"},
        store=True,
    )
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "bad request"}]
        )
    text = rec.text()
    assert upstream.requests[0].headers["authorization"] != f"Bearer {KEY}"  # masked there too
    logs = caplog.text
    for secret in (KEY, "SECRETORGANISATION", "SECRETPROJECT", "SECRETCOOKIE"):
        assert secret not in text
        assert secret not in logs
    assert "hello, my key is [redacted]" in text
    assert "alice@example.com" not in text
    assert "ACME-SECRET-CUSTOMER" not in text


def test_a_redactor_replaces_headers_and_dotted_paths():
    redactor = Redactor(["x-team-token", "messages.*.name", "input.0"])
    headers = redactor.headers_of(
        {"Authorization": "Bearer sk-abcdefghijkl", "X-Team-Token": "t0ken-value", "Accept": "*/*"}
    )
    assert headers == {"authorization": REDACTED, "x-team-token": REDACTED, "accept": "*/*"}
    body = redactor.body(
        {
            "messages": [{"role": "user", "name": "bob", "content": "sk-abcdefghijkl"}],
            "input": ["first", "second"],
        }
    )
    assert body == {
        "messages": [{"role": "user", "name": REDACTED, "content": REDACTED}],
        "input": [REDACTED, "second"],
    }


def test_a_cookie_set_for_one_client_never_goes_upstream_with_another(recorder, upstream):
    upstream.add(
        {
            "name": "cookie-setter",
            "match": {"last_user": "set a cookie"},
            "reply": {"content": "ok", "headers": {"set-cookie": "__cf_bm=SECRETBM; Path=/"}},
        }
    )
    rec = recorder()
    raw = rec.client().chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "set a cookie"}]
    )
    assert "__cf_bm=SECRETBM" in raw.headers["set-cookie"]  # passed back to its client
    other = rec.client()
    for _ in range(Pools.POOLS):  # through each of the proxy's httpx clients in turn
        other.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
        )
    assert len(upstream.requests) == 1 + Pools.POOLS
    assert not [e for e in upstream.requests if "cookie" in {k.lower() for k in e.headers}]


def test_redacted_body_paths_are_replaced_inside_recorded_stream_frames(recorder):
    path = "choices.*.delta.content"  # the streamed text, piece by piece
    rec = recorder(redact=[path])
    stream = rec.client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "once upon"}], stream=True
    )
    pieces = [c.choices[0].delta.content for c in stream if c.choices]
    assert "".join(p or "" for p in pieces) == "Once upon a time, the end."  # the client's
    text = rec.text()
    for piece in ("Once", "time", "the end"):  # ("once upon" is the prompt: kept)
        assert piece not in text
    assert REDACTED in text
    with FakeOpenAI(rec.out) as replay:  # still a valid scenario, replaying the pieces
        again = openai.OpenAI(base_url=replay.base_url, api_key="k").chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "once upon"}], stream=True
        )
        replayed = [c.choices[0].delta.content for c in again if c.choices]
    assert [p for p in replayed if p] == [REDACTED] * len([p for p in pieces if p])
