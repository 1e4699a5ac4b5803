"""scenarios/generated.yaml through the official SDK: generated replies end to end."""

from __future__ import annotations

import json
from enum import Enum

import jsonschema
import openai
from pydantic import BaseModel

from fakeopenai import FakeOpenAI

SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20},
                "sort": {"type": "string", "enum": ["relevance", "date"]},
            },
            "required": ["query", "limit", "sort"],
            "additionalProperties": False,
        },
    },
}
CALC_TOOL = {
    "type": "function",
    "function": {
        "name": "calc",
        "parameters": {
            "type": "object",
            "properties": {"expression": {"type": "string"}},
            "required": ["expression"],
        },
    },
}


class Status(str, Enum):
    paid = "paid"
    open = "open"


class Line(BaseModel):
    description: str
    quantity: int
    unit_price: float


class Invoice(BaseModel):
    number: str
    customer_email: str
    status: Status
    lines: list[Line]
    note: str | None


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def test_template_echoes_the_request(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o", messages=user("echo: ping"))  # type: ignore[arg-type]
    assert completion.choices[0].message.content == "You said ping to gpt-4o."


def test_long_generated_story_streams_with_matching_usage(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=user("please tell me a long story"),  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(text.split()) > 150
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 300


def test_tool_calls_auto_arguments_validate(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o",
        messages=user("use any tool you like"),  # type: ignore[arg-type]
        tools=[SEARCH_TOOL, CALC_TOOL],  # type: ignore[list-item]
    )
    call = completion.choices[0].message.tool_calls[0]  # type: ignore[index]
    schema = {"search": SEARCH_TOOL, "calc": CALC_TOOL}[call.function.name]["function"]
    jsonschema.validate(json.loads(call.function.arguments), schema["parameters"])  # type: ignore[index]
    assert completion.choices[0].finish_reason == "tool_calls"


def test_parse_gets_a_schema_valid_object(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    completion = client.chat.completions.parse(
        model="gpt-4o",
        messages=user("extract the invoice please"),
        response_format=Invoice,  # type: ignore[arg-type]
    )
    invoice = completion.choices[0].message.parsed
    assert isinstance(invoice, Invoice)
    assert "@" in invoice.customer_email
    assert fake.requests.last.rule == "structured"


def test_same_seed_same_bytes_across_servers() -> None:
    def ask(prompt: str) -> tuple[str, str]:
        with FakeOpenAI("scenarios/generated.yaml") as fake:
            client = openai.OpenAI(base_url=fake.base_url, api_key="k")
            story = client.chat.completions.create(model="m", messages=user(prompt))  # type: ignore[arg-type]
            call = client.chat.completions.create(
                model="m",
                messages=user("search for me"),
                tools=[SEARCH_TOOL],  # type: ignore[arg-type, list-item]
            )
        return story.choices[0].message.content or "", call.choices[0].message.tool_calls[
            0
        ].function.arguments  # type: ignore[index]

    first, second = ask("tell me a long story"), ask("tell me a long story")
    assert first == second
    assert ask("tell me a long story about ships")[0] != first[0]
