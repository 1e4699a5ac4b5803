"""Rows 1 and 6: catastrophic regexes, in a request's JSON Schema and in a scenario."""

from __future__ import annotations

import time

import httpx
import pytest
from harness import bounded, is_envelope

from cli_server import Served
from fakeopenai.budgets.regex import SEARCH_TIMEOUT, RegexBudgetExceeded, search

EVIL = "^(?:a|a){32}(?=b)"


def _schema(pattern: str) -> dict[str, object]:
    return {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": pattern}},
        "required": ["code"],
        "additionalProperties": False,
    }


def test_response_format_pattern_gets_a_fast_400(served: Served, client: httpx.Client) -> None:
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "x", "strict": True, "schema": _schema(EVIL)},
        },
    }
    outcome = bounded(served, lambda: client.post("/v1/chat/completions", json=body))
    answer = outcome.value
    assert answer.status_code == 400 and is_envelope(answer)
    assert "budget" in answer.json()["error"]["message"]


def test_tool_parameters_pattern_gets_a_fast_400(served: Served, client: httpx.Client) -> None:
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": _schema(EVIL)}}],
        "tool_choice": "required",
    }
    outcome = bounded(served, lambda: client.post("/v1/chat/completions", json=body))
    assert outcome.value.status_code == 400 and is_envelope(outcome.value)


def test_sane_pattern_still_generates(served: Served, client: httpx.Client) -> None:
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "x", "schema": _schema(r"^(?=[A-Z])[A-Z]{3}-\d{4}$")},
        },
    }
    answer = client.post("/v1/chat/completions", json=body)
    assert answer.status_code == 200, answer.text


SCENARIO = """\
name: evil
rules:
  - name: nested
    match: {last_user: {regex: '^(a+)+$'}}
    reply: {content: matched}
"""


def test_scenario_regex_is_bounded(scripted: Served, scripted_client: httpx.Client) -> None:
    served, client = scripted, scripted_client
    put = client.put(
        "/_fakeopenai/scenarios", content=SCENARIO, headers={"content-type": "application/yaml"}
    )
    assert put.status_code == 200, put.text
    try:
        # The text: the engine sees no match at once (a bounded answer: a miss).
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "a" * 32 + "!"}]}
        outcome = bounded(served, lambda: client.post("/v1/chat/completions", json=body))
        assert outcome.value.status_code == 404 and is_envelope(outcome.value)
        # A longer one backtracks past the budget: a clear envelope naming the regex.
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "a" * 5000 + "!"}]}
        outcome = bounded(served, lambda: client.post("/v1/chat/completions", json=body))
        answer = outcome.value
        assert is_envelope(answer)
        assert answer.json()["error"]["type"] == "fakeopenai_budget_exceeded"
        assert "^(a+)+$" in answer.json()["error"]["message"]
        ok = {"model": "gpt-4o", "messages": [{"role": "user", "content": "aaaa"}]}
        assert (
            client.post("/v1/chat/completions", json=ok).json()["choices"][0]["message"]["content"]
            == "matched"
        )
    finally:
        client.post("/_fakeopenai/reset")


def test_the_regex_budget_is_cpu_time() -> None:
    # The engine's timeout counts the process's CPU time: a catastrophic search stops
    # after about SEARCH_TIMEOUT of it, however long a loaded machine makes that in
    # wall time (docs/reference/limits.md, design notes).
    started = time.process_time()
    with pytest.raises(RegexBudgetExceeded, match="ran past its 20 ms budget"):
        search("^(a|aa)+$", "a" * 60 + "!")
    spent = time.process_time() - started
    assert SEARCH_TIMEOUT * 0.9 <= spent < SEARCH_TIMEOUT * 2.5, spent
