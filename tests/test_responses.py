"""The Responses API through the official SDK (strict validation), non-streamed."""

from __future__ import annotations

import json
import re

import httpx
import openai
import pydantic
import pytest

from fakeopenai import FakeOpenAI

LOOKUP_TOOL = {
    "type": "function",
    "name": "lookup_order",
    "description": "Find an order by id.",
    "parameters": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
        "additionalProperties": False,
    },
    "strict": True,
}
RESPONSE_ID = re.compile(r"^resp_[0-9a-f]{50}$")


def test_plain_text_response(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    response = client.responses.create(model="gpt-4o", input="Write a haiku about tests")
    assert response.output_text.startswith("Morning light on code")
    assert RESPONSE_ID.match(response.id)
    assert response.status == "completed" and response.object == "response"
    message = response.output[0]
    assert message.type == "message" and re.match(r"^msg_[0-9a-f]{50}$", message.id)
    assert response.usage is not None
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert response.usage.total_tokens == (
        response.usage.input_tokens + response.usage.output_tokens
    )
    assert response.usage.input_tokens_details.cache_write_tokens == 0
    entry = fake.requests.last
    assert (entry.endpoint, entry.scenario, entry.rule) == ("responses", "responses", "haiku")


def test_function_tool_call_output_item(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4o",
        input="Where is my order?",
        tools=[LOOKUP_TOOL],  # type: ignore[list-item]
    )
    [call] = response.output
    assert call.type == "function_call"
    assert call.name == "lookup_order"
    assert json.loads(call.arguments) == {"order_id": "A-1001"}
    assert re.match(r"^call_[A-Za-z0-9]{24}$", call.call_id)
    assert call.id is not None and re.match(r"^fc_[0-9a-f]{50}$", call.id)
    assert call.status == "completed"


def test_tool_result_turn_reads_function_call_output(client: openai.OpenAI) -> None:
    first = client.responses.create(
        model="gpt-4o",
        input="Where is my order?",
        tools=[LOOKUP_TOOL],  # type: ignore[list-item]
    )
    call = first.output[0]
    assert call.type == "function_call"
    follow_up = client.responses.create(
        model="gpt-4o",
        tools=[LOOKUP_TOOL],  # type: ignore[list-item]
        input=[
            {"role": "user", "content": "Where is my order?"},
            call.model_dump(exclude_none=True),  # type: ignore[list-item]
            {"type": "function_call_output", "call_id": call.call_id, "output": "shipped"},
        ],
    )
    assert follow_up.output_text == "Your order A-1001 has shipped and arrives on Friday."


def test_request_settings_are_echoed(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4o",
        instructions="Be brief.",
        input="a haiku please",
        tools=[LOOKUP_TOOL],  # type: ignore[list-item]
        tool_choice="none",
        temperature=0.2,
        max_output_tokens=300,
        metadata={"suite": "fakeopenai"},
    )
    assert response.instructions == "Be brief."
    assert response.temperature == 0.2
    assert response.tool_choice == "none"
    assert response.max_output_tokens == 300
    assert response.metadata == {"suite": "fakeopenai"}
    assert [tool.name for tool in response.tools] == ["lookup_order"]  # type: ignore[union-attr]
    assert response.text is not None and response.text.format is not None
    assert response.text.format.type == "text"


class Order(pydantic.BaseModel):
    order_id: str
    quantity: int
    express: bool


def test_parse_with_text_format(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    response = client.responses.parse(
        model="gpt-4o", input="Give me an order as JSON", text_format=Order
    )
    assert isinstance(response.output_parsed, Order)
    assert fake.requests.last.rule == "structured-output"
    assert response.text is not None and response.text.format is not None
    assert response.text.format.type == "json_schema"


def test_length_finish_is_an_incomplete_response(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.add(
        {"match": {"endpoint": "responses"}, "reply": {"content": "cut", "finish_reason": "length"}}
    )
    response = client.responses.create(model="gpt-4o", input="anything")
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"


def test_refusal_is_a_refusal_part(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.add({"match": {"endpoint": "responses"}, "reply": {"refusal": "I can't help with that."}})
    response = client.responses.create(model="gpt-4o", input="anything")
    message = response.output[0]
    assert message.type == "message"
    assert message.content[0].type == "refusal"
    assert message.content[0].refusal == "I can't help with that."


def test_scripted_error(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    fake.add({"match": {"endpoint": "responses"}, "reply": {"error": 503, "no_retry": True}})
    with pytest.raises(openai.InternalServerError) as caught:
        client.responses.create(model="gpt-4o", input="anything")
    assert caught.value.status_code == 503


@pytest.mark.parametrize("prefix", ["/v1", "/openai/v1", "/openai", ""])
def test_every_base_prefix(fake: FakeOpenAI, prefix: str) -> None:
    body = {"model": "gpt-4o", "input": "haiku time"}
    answer = httpx.post(f"{fake.url}{prefix}/responses", json=body)
    assert answer.status_code == 200
    assert answer.json()["output"][0]["content"][0]["text"].startswith("Morning light")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"input": "x"}, "Missing required parameter: 'model'."),
        ({"model": "gpt-4o", "input": 3}, "Invalid type for 'input'"),
        ({"model": "gpt-4o", "input": "x", "stream_options": {}}, "only allowed when 'stream'"),
    ],
)
def test_invalid_requests_are_400(fake: FakeOpenAI, body: dict[str, object], message: str) -> None:
    answer = httpx.post(f"{fake.base_url}/responses", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]
