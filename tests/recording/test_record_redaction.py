"""Secrets never reach disk: keys, organisation and project headers, cookies, and
whatever ``redact`` names (a header or a dotted body path), wherever they turn up."""

from __future__ import annotations

import logging
from typing import Any

import openai
import pytest

from fakeopenai.recording.redact import REDACTED, Redactor

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
