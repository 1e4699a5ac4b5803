"""AutoGen (autogen-agentchat + autogen-ext[openai]) against fakeopenai, warnings as
errors.

AutoGen's ``OpenAIChatCompletionClient`` resolves a model alias to its dated snapshot
(``gpt-4o`` → ``gpt-4o-2024-08-06``) and warns "Resolved model mismatch" on every call
whose answer names another model: the real API answers with the snapshot, and so must
the fake (WIRE.md §9 row 2). With warnings turned into errors, these tests fail the day
that comes back. The flows: the model client's ``create`` and ``create_stream``, and an
``AssistantAgent`` running its one tool to an answer.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from requires import import_client

from fakeopenai import FakeOpenAI

SCENARIO = "autogen.yaml"
ANSWER = "It is 21 degrees and sunny in Paris."
# Every warning is an error, but for resources other modules' clients left unclosed and
# the garbage collector happens to report during these tests (the last filter wins).
pytestmark = [
    pytest.mark.filterwarnings("error"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def autogen(offline: Any) -> Any:
    import_client("autogen_agentchat", "autogen-agentchat")
    return import_client("autogen_ext.models.openai", "autogen-ext[openai]")


def model_client(autogen: Any, fake: FakeOpenAI, model: str) -> Any:
    return autogen.OpenAIChatCompletionClient(
        model=model, base_url=fake.base_url, api_key=fake.api_key, max_retries=0
    )


@pytest.mark.parametrize(
    ("model", "snapshot"),
    [
        ("gpt-4o", "gpt-4o-2024-08-06"),
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
        ("gpt-4.1", "gpt-4.1-2025-04-14"),
        ("o3-mini", "o3-mini-2025-01-31"),
    ],
)
def test_create_and_create_stream_without_a_warning(
    autogen: Any, fake: FakeOpenAI, model: str, snapshot: str
) -> None:
    from autogen_core.models import CreateResult, UserMessage

    async def flow() -> tuple[Any, list[Any]]:
        client = model_client(autogen, fake, model)
        messages = [UserMessage(content="Say hello", source="user")]
        created = await client.create(messages)
        streamed = [item async for item in client.create_stream(messages)]
        await client.close()
        return created, streamed

    created, streamed = asyncio.run(flow())
    assert created.content == "Hello from a fake model, snapshot and all."
    assert created.finish_reason == "stop"
    final = streamed[-1]
    assert isinstance(final, CreateResult) and final.content == created.content
    assert "".join(p for p in streamed[:-1] if isinstance(p, str)) == created.content
    assert [entry.model for entry in fake.requests] == [model, model]
    assert {entry.reply["model"] for entry in fake.requests} == {snapshot}


def test_assistant_agent_runs_its_tool_to_an_answer(autogen: Any, fake: FakeOpenAI) -> None:
    from autogen_agentchat.agents import AssistantAgent

    calls: list[str] = []

    async def get_weather(city: str) -> str:
        """Current weather in a city."""
        calls.append(city)
        return json.dumps({"city": city, "celsius": 21, "sky": "sunny"})

    async def flow() -> Any:
        client = model_client(autogen, fake, "gpt-4o")
        agent = AssistantAgent(
            "weather",
            model_client=client,
            tools=[get_weather],
            reflect_on_tool_use=True,
            system_message="Answer weather questions with the get_weather tool.",
        )
        result = await agent.run(task="What's the weather in Paris?")
        await client.close()
        return result

    result = asyncio.run(flow())
    assert calls == ["Paris"]
    assert result.messages[-1].content == ANSWER
    assert [entry.rule for entry in fake.requests] == ["call-weather", "answer-after-tool"]
    [call_turn, answer_turn] = fake.requests
    assert call_turn.body["tools"][0]["function"]["name"] == "get_weather"
    call_id = call_turn.reply["tool_calls"][0]["id"]
    assert answer_turn.body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": call_id,
        "content": json.dumps({"city": "Paris", "celsius": 21, "sky": "sunny"}),
    }
