"""One client session that touches every endpoint and fault the recording tests cover,
and what the client saw of it (ids and timestamps left out: they are made afresh)."""

from __future__ import annotations

from typing import Any

import openai
from pydantic import BaseModel

USER: Any = "user"
PARAMETERS: Any = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
}
TOOLS: Any = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": PARAMETERS,
        },
    }
]
MODEL = "gpt-4o-mini"


class Person(BaseModel):
    name: str
    born: int


def ask(text: str) -> Any:
    return [{"role": "user", "content": text}]


def outcome(call: Any) -> Any:
    """The call's result, or its exception's class, status and message."""
    try:
        return call()
    except openai.APIStatusError as exc:
        return ("error", type(exc).__name__, exc.status_code, exc.message)


def session(client: openai.OpenAI) -> dict[str, Any]:
    """Every exchange, and what the client saw."""
    chat = client.chat.completions
    seen: dict[str, Any] = {}
    hello = chat.create(model=MODEL, messages=ask("hello"))
    seen["hello"] = (hello.choices[0].message.content, hello.usage.model_dump())  # type: ignore[union-attr]
    pieces = [
        (c.choices[0].delta.content if c.choices else None, c.usage and c.usage.total_tokens)
        for c in chat.create(
            model=MODEL,
            messages=ask("once upon a time"),
            stream=True,
            stream_options={"include_usage": True},
        )
    ]
    seen["stream"] = pieces
    calls = chat.create(model=MODEL, messages=ask("weather in Paris and Rome?"), tools=TOOLS)
    message = calls.choices[0].message
    seen["tools"] = [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls]
    history: Any = [
        *ask("weather in Paris and Rome?"),
        message.model_dump(exclude_none=True),
        *(
            {"role": "tool", "tool_call_id": c.id, "content": "21C"}
            for c in message.tool_calls or []
        ),
    ]
    seen["after_tool"] = chat.create(model=MODEL, messages=history).choices[0].message.content
    streamed_calls: dict[int, str] = {}
    for chunk in chat.create(
        model=MODEL, messages=ask("weather, streamed"), tools=TOOLS, stream=True
    ):
        for delta in chunk.choices[0].delta.tool_calls or [] if chunk.choices else []:
            streamed_calls[delta.index] = streamed_calls.get(delta.index, "") + (
                delta.function.arguments or "" if delta.function else ""
            )
    seen["stream_tools"] = streamed_calls
    parsed = client.chat.completions.parse(
        model=MODEL, messages=ask("structured person"), response_format=Person
    )
    seen["parsed"] = parsed.choices[0].message.parsed
    refused = chat.create(model=MODEL, messages=ask("something forbidden"))
    seen["refusal"] = refused.choices[0].message.refusal
    seen["poem"] = chat.create(model=MODEL, messages=ask("a poem")).choices[0].message.content
    retrying = client.with_options(max_retries=2).chat.completions
    flaky = outcome(lambda: retrying.create(model=MODEL, messages=ask("flaky")))
    seen["flaky"] = flaky.choices[0].message.content
    seen["broken"] = outcome(lambda: retrying.create(model=MODEL, messages=ask("broken")))
    seen["bad"] = outcome(lambda: chat.create(model=MODEL, messages=ask("bad request")))
    response = client.responses.create(model=MODEL, input="hello from responses")
    seen["responses"] = (response.output_text, response.usage.output_tokens)  # type: ignore[union-attr]
    events = client.responses.create(model=MODEL, input="once upon, responses", stream=True)
    seen["responses_events"] = [
        (e.type, getattr(e, "delta", None))
        for e in events
        if "delta" in e.type or "completed" in e.type
    ]
    tool_response = client.responses.create(
        model=MODEL,
        input="weather via responses",
        tools=[{"type": "function", "name": "get_weather", "parameters": PARAMETERS}],
    )
    seen["responses_tools"] = [
        (item.name, item.arguments)
        for item in tool_response.output
        if item.type == "function_call"  # type: ignore[union-attr]
    ]
    embedding = client.embeddings.create(model="text-embedding-3-small", input="embed me")
    seen["embedding"] = embedding.data[0].embedding
    b64 = client.embeddings.create(
        model="text-embedding-3-small", input="embed me too", encoding_format="base64"
    )
    seen["embedding_b64"] = b64.data[0].embedding
    legacy = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say legacy")
    seen["legacy"] = legacy.choices[0].text
    seen["models"] = sorted(m.id for m in client.models.list())
    return seen
