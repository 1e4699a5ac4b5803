"""Work one small request makes the server do: regex conditions searched once per message,
a strict schema whose ``$ref``s branch, a greeting followed by a long run of spaces."""

from __future__ import annotations

import json

import httpx
from harness import bounded, is_envelope

from cli_server import Served

BRANCHING = """\
name: regexes
rules:
  - name: slow-everywhere
    match: {any_message: {regex: '(a|aa)+c'}}
    reply: {content: matched}
  - name: schema
    match: {last_user: schema}
    reply: {content: '{}'}
  - name: otherwise
    reply: {content: 'no'}
"""


def _put(client: httpx.Client, scenario: str) -> None:
    put = client.put(
        "/_fakeopenai/scenarios", content=scenario, headers={"content-type": "application/yaml"}
    )
    assert put.status_code == 200, put.text


def test_a_regex_over_every_message_shares_one_budget(
    scripted: Served, scripted_client: httpx.Client
) -> None:
    # 1,200 messages, each a few milliseconds of backtracking: a budget per search let
    # the request take seconds of the event loop.
    _put(scripted_client, BRANCHING)
    try:
        messages = [{"role": "user", "content": "a" * 17} for _ in range(1200)]
        body = json.dumps({"model": "gpt-4o", "messages": messages})

        def ask() -> httpx.Response:
            return scripted_client.post(
                "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
            )

        answer = bounded(scripted, ask).value
        assert answer.status_code == 500 and is_envelope(answer)
        assert answer.json()["error"]["type"] == "fakeopenai_budget_exceeded"
        assert "(a|aa)+c" in answer.json()["error"]["message"]
    finally:
        scripted_client.post("/_fakeopenai/reset")


def test_a_strict_schema_whose_refs_branch_is_checked_in_bounded_time(
    scripted: Served, scripted_client: httpx.Client
) -> None:
    # Checking the scripted value against {"anyOf": [{"$ref": "#"}, {"$ref": "#"}]}
    # doubles its work per level: 2^64 steps, unless the check gives up in time.
    _put(scripted_client, BRANCHING)
    try:
        schema = {"anyOf": [{"$ref": "#"}, {"$ref": "#"}]}
        body = {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": "schema"}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "x", "strict": True, "schema": schema},
            },
        }
        answer = bounded(
            scripted, lambda: scripted_client.post("/v1/chat/completions", json=body)
        ).value
        assert answer.status_code == 200, answer.text
        assert answer.json()["choices"][0]["message"]["content"] == "{}"
    finally:
        scripted_client.post("/_fakeopenai/reset")


def test_a_greeting_then_a_long_run_of_spaces_is_answered_at_once(
    served: Served, client: httpx.Client
) -> None:
    # The generated answer looks for small talk ("hi there!") in the prompt; its pattern
    # backtracked quadratically on a greeting followed by 30,000 spaces (14 s).
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi" + " " * 30_000 + "x"}]}
    answer = bounded(served, lambda: client.post("/v1/chat/completions", json=body)).value
    assert answer.status_code == 200
    assert answer.json()["choices"][0]["message"]["content"]


def test_a_small_request_continuing_a_large_conversation(
    served: Served, client: httpx.Client
) -> None:
    # 100 bytes of request, 20 MB of stored history put in front of it: the history is
    # read, counted and matched in a worker thread, as a large body is.
    items = [{"role": "user", "content": "word " * 200_000} for _ in range(20)]
    conversation = client.post("/v1/conversations", json={"items": items})
    assert conversation.status_code == 200, conversation.text
    body = {"model": "gpt-4o", "input": "hi", "conversation": conversation.json()["id"]}
    answer = bounded(served, lambda: client.post("/v1/responses", json=body)).value
    assert answer.status_code == 200, answer.text
    assert answer.json()["conversation"] == {"id": conversation.json()["id"]}
