"""Streamed Responses API: the typed event sequence on the wire, the SDK's stream
helper, and stream faults mapped onto the Responses events."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pydantic
import pytest
from openai.types.responses import ResponseStreamEvent

from fakeopenai import FakeOpenAI

LOOKUP_TOOL = {
    "type": "function",
    "name": "lookup_order",
    "parameters": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
        "additionalProperties": False,
    },
    "strict": True,
}
# Every event must validate as the SDK's typed event (required fields present).
EVENT = pydantic.TypeAdapter(ResponseStreamEvent)
HAIKU = "Morning light on code / a fake that answers softly / tests pass in the rain"


def raw_events(fake: FakeOpenAI, body: dict[str, Any]) -> tuple[bytes, list[tuple[str, Any]]]:
    """POST a streamed request; the raw bytes and each (event name, data) pair."""
    answer = httpx.post(f"{fake.base_url}/responses", json={**body, "stream": True})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in answer.content.decode().split("\n\n"):
        if not block:
            continue
        name_line, data_line = block.split("\n")
        assert name_line.startswith("event: ") and data_line.startswith("data: ")
        data = json.loads(data_line[6:])
        EVENT.validate_python(data)
        events.append((name_line[7:], data))
    return answer.content, events


def test_text_event_sequence_on_the_wire(fake: FakeOpenAI) -> None:
    raw, events = raw_events(fake, {"model": "gpt-4o", "input": "a haiku"})
    assert b"[DONE]" not in raw
    names = [name for name, _ in events]
    assert all(name == data["type"] for name, data in events)
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    deltas = names.count("response.output_text.delta")
    assert names == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert deltas == len(HAIKU.split())
    data = [d for _, d in events]
    ids = {d["response"]["id"] for d in data if "response" in d}
    assert len(ids) == 1
    assert data[0]["response"]["status"] == "in_progress" and data[0]["response"]["usage"] is None
    text = "".join(d["delta"] for d in data if d["type"] == "response.output_text.delta")
    assert text == HAIKU
    item_id = data[2]["item"]["id"]
    assert all(d["item_id"] == item_id for d in data[3:-2])
    assert data[-2]["item"]["id"] == item_id
    final = data[-1]["response"]
    assert final["status"] == "completed" and final["usage"]["output_tokens"] > 0
    assert final["output"][0]["content"][0]["text"] == HAIKU


def test_function_call_events_on_the_wire(fake: FakeOpenAI) -> None:
    body = {"model": "gpt-4o", "input": "Where is my order?", "tools": [LOOKUP_TOOL]}
    _, events = raw_events(fake, body)
    names = [name for name, _ in events]
    assert names[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert names[-3:] == [
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    data = [d for _, d in events]
    added = data[2]["item"]
    assert added["type"] == "function_call" and added["arguments"] == ""
    arguments = "".join(d["delta"] for d in data if d["type"].endswith("arguments.delta"))
    assert json.loads(arguments) == {"order_id": "A-1001"}
    done = data[-3]
    assert (done["name"], done["arguments"]) == ("lookup_order", arguments)
    assert data[-2]["item"]["call_id"] == added["call_id"]


def test_stream_helper_final_response(client: openai.OpenAI) -> None:
    with client.responses.stream(model="gpt-4o", input="a haiku") as stream:
        texts = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(texts) == HAIKU
    assert final.output_text == HAIKU


def test_stream_helper_with_a_tool(client: openai.OpenAI) -> None:
    with client.responses.stream(
        model="gpt-4o",
        input="Where is my order?",
        tools=[LOOKUP_TOOL],  # type: ignore[list-item]
    ) as stream:
        final = stream.get_final_response()
    [call] = final.output
    assert call.type == "function_call" and call.name == "lookup_order"
    assert json.loads(call.arguments) == {"order_id": "A-1001"}


def test_error_event_fault(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.add(
        {
            "match": {"endpoint": "responses"},
            "reply": {"content": "one two three four", "fault": {"error_event_after": 2}},
        }
    )
    _, events = raw_events(fake, {"model": "gpt-4o", "input": "x"})
    name, error = events[-1]
    assert name == "error"
    assert error == {
        "type": "error",
        "code": "server_error",
        "message": "The server had an error while processing your request. Sorry about that!",
        "param": None,
        "sequence_number": len(events) - 1,
    }
    assert [d["sequence_number"] for _, d in events] == list(range(len(events)))
    assert [n for n, _ in events].count("response.output_text.delta") == 2
    entry = fake.requests.last
    assert (entry.fault, entry.chunks) == ("error_event", 2)
    # The SDK hands the error event to the caller as a typed event.
    stream = client.responses.create(model="gpt-4o", input="x", stream=True)
    assert [e.type for e in stream][-1] == "error"


def test_disconnect_fault_cuts_the_stream(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.add(
        {
            "match": {"endpoint": "responses"},
            "reply": {"content": "one two three", "fault": {"disconnect_after": 1}},
        }
    )
    seen: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        for event in client.responses.create(model="gpt-4o", input="x", stream=True):
            seen.append(event.type)
    assert seen.count("response.output_text.delta") == 1
    assert "response.completed" not in seen
    assert fake.requests.last.chunks == 1


def test_malformed_fault_breaks_one_event(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.add(
        {
            "match": {"endpoint": "responses"},
            "reply": {"content": "one two three", "fault": {"malformed_after": 1}},
        }
    )
    with pytest.raises(json.JSONDecodeError):
        list(client.responses.create(model="gpt-4o", input="x", stream=True))
    assert fake.requests.last.fault == "malformed"
