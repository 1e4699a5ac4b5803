"""scenarios/agent-loop.yaml end to end: a three-tool agent over four turns, served with
every other example scenario loaded, driven by a hand-written loop (chat completions;
Responses with the history resent, with ``previous_response_id``, with a conversation),
the OpenAI Agents SDK (server-side state) and pydantic-ai (tool loop, structured output).
Every run must end with the answer, miss nothing and raise no warning."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")

RULES = ["search-flights", "check-weather", "book-hotel", "final-answer"]
ANSWER = (
    "Your trip to Lisbon is planned. search_flights: TP 1351, 09:40. "
    "get_weather: 24 degrees, sunny. book_hotel: booked 3 nights in Lisbon. "
)
PARAMETERS = {
    "search_flights": {"destination": "string"},
    "get_weather": {"city": "string"},
    "book_hotel": {"city": "string", "nights": "integer"},
}


def search_flights(destination: str) -> str:
    """Find flights to a destination."""
    return "TP 1351, 09:40"


def get_weather(city: str) -> str:
    """The weather in a city."""
    return "24 degrees, sunny"


def book_hotel(city: str, nights: int) -> str:
    """Book a hotel."""
    return f"booked {nights} nights in {city}"


TOOLS: dict[str, Callable[..., str]] = {
    "search_flights": search_flights,
    "get_weather": get_weather,
    "book_hotel": book_hotel,
}


def schema(name: str) -> dict[str, Any]:
    props = {key: {"type": kind} for key, kind in PARAMETERS[name].items()}
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


CHAT_TOOLS = [
    {"type": "function", "function": {"name": n, "parameters": schema(n), "strict": True}}
    for n in TOOLS
]
RESPONSES_TOOLS = [{"type": "function", "name": n, "parameters": schema(n)} for n in TOOLS]


def faithful(fake: FakeOpenAI) -> None:
    """The run missed no rule and no reply contradicted its request."""
    assert [e.miss for e in fake.requests if e.miss] == []
    assert [w for e in fake.requests for w in e.warnings] == []
    assert [e.rule for e in fake.requests if e.rule in RULES] == RULES


def call(name: str, arguments: str) -> str:
    return TOOLS[name](**json.loads(arguments))


def test_chat_loop(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    messages: list[Any] = [{"role": "user", "content": "Plan a trip for me, please."}]
    for _ in range(6):  # an agent's iteration cap: the scenario must end well before
        answer = client.chat.completions.create(
            model="gpt-4o", messages=messages, tools=CHAT_TOOLS
        ).choices[0]
        messages.append(answer.message.model_dump(exclude_none=True))
        if not answer.message.tool_calls:
            break
        for tool_call in answer.message.tool_calls:
            output = call(tool_call.function.name, tool_call.function.arguments)
            messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": output})
    assert answer.message.content == ANSWER
    faithful(fake)


@pytest.mark.parametrize("state", ["resent", "previous_response_id", "conversation"])
def test_responses_loop(client: openai.OpenAI, fake: FakeOpenAI, state: str) -> None:
    new: list[Any] = [{"role": "user", "content": "Plan a TRIP for me."}]
    history: list[Any] = []
    options: dict[str, Any] = {}
    if state == "conversation":
        options["conversation"] = client.conversations.create().id
    for _ in range(6):
        sent = history + new if state == "resent" else new
        response = client.responses.create(
            model="gpt-4o", input=sent, tools=RESPONSES_TOOLS, **options
        )
        if state == "resent":
            history = sent + [item.model_dump(exclude_none=True) for item in response.output]
        elif state == "previous_response_id":
            options["previous_response_id"] = response.id
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            break
        new = [
            {
                "type": "function_call_output",
                "call_id": c.call_id,
                "output": call(c.name, c.arguments),
            }
            for c in calls
        ]
    assert response.output_text == ANSWER
    faithful(fake)


# -- the OpenAI Agents SDK --------------------------------------------------------------

agents: Any = pytest.importorskip("agents")
agents.set_tracing_disabled(True)


def run_agents_sdk(fake: FakeOpenAI, **state: Any) -> Any:
    async def main() -> Any:
        async with openai.AsyncOpenAI(base_url=fake.base_url, api_key=fake.api_key) as client:
            model = agents.OpenAIResponsesModel(model="gpt-4o", openai_client=client)
            agent = agents.Agent(
                name="travel",
                instructions="Plan trips.",
                tools=[agents.function_tool(tool) for tool in TOOLS.values()],
                model=model,
            )
            if state.pop("conversation", False):
                state["conversation_id"] = (await client.conversations.create()).id
            return await agents.Runner.run(agent, "Plan a trip to Lisbon.", **state)

    return asyncio.run(main())


@pytest.mark.parametrize(
    "state",
    [{"auto_previous_response_id": True}, {"conversation": True}],
    ids=["previous_response_id", "conversation"],
)
def test_agents_sdk_runner_with_server_side_state(fake: FakeOpenAI, state: dict[str, Any]) -> None:
    result = run_agents_sdk(fake, **state)
    assert result.final_output == ANSWER
    faithful(fake)
    sent = [e.body for e in fake.requests if e.endpoint == "responses" and e.rule]
    # after the first turn only the new tool output goes up: the rest is server-side
    assert all(
        item.get("type") == "function_call_output" for body in sent[1:] for item in body["input"]
    )
    assert any("previous_response_id" in b or "conversation" in b for b in sent[1:])


# -- pydantic-ai ----------------------------------------------------------------------


def pydantic_agent(fake: FakeOpenAI, output_type: Any = str) -> Any:
    pydantic_ai = pytest.importorskip("pydantic_ai")
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    provider = OpenAIProvider(base_url=fake.base_url, api_key=fake.api_key)
    return pydantic_ai.Agent(
        OpenAIChatModel("gpt-4o", provider=provider),
        tools=list(TOOLS.values()),
        output_type=output_type,
    )


def test_pydantic_ai_tool_loop(fake: FakeOpenAI) -> None:
    result = pydantic_agent(fake).run_sync("Plan a trip to Lisbon.")
    assert result.output == ANSWER
    faithful(fake)


def test_pydantic_ai_structured_output(fake: FakeOpenAI) -> None:
    from pydantic import BaseModel

    class Trip(BaseModel):
        city: str
        nights: int

    # pydantic-ai asks for the result through its own tool (final_result): a rule added for
    # this test answers the fourth turn with it, arguments generated from its schema
    fake.add(
        {
            "name": "final-result",
            "match": {"tools": ["final_result*"], "tool_result": {"name": "book_hotel"}},
            "reply": {"tool_calls": [{"function": "final_result", "arguments": "auto"}]},
        }
    )
    result = pydantic_agent(fake, Trip).run_sync("Plan a trip to Lisbon.")
    assert isinstance(result.output, Trip)
    assert [e.miss for e in fake.requests if e.miss] == []
    assert [w for e in fake.requests for w in e.warnings] == []
    assert [e.rule for e in fake.requests] == [*RULES[:3], "final-result"]
