"""The OpenAI Agents SDK runs a one-tool agent to completion against the fake.

Skipped when ``openai-agents`` is not installed. Tracing is disabled: the SDK would
otherwise export traces to api.openai.com whatever the base URL (WIRE.md §4.2).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import openai
import pytest

from fakeopenai import FakeOpenAI

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
agents: Any = pytest.importorskip("agents")
agents.set_tracing_disabled(True)

ANSWER = "Your order A-1001 has shipped and arrives on Friday."


def make_agent(model: Any, looked_up: list[str]) -> Any:
    @agents.function_tool
    def lookup_order(order_id: str) -> str:
        """Find an order by id and return its status."""
        looked_up.append(order_id)
        return "shipped"

    return agents.Agent(
        name="support",
        instructions="Answer questions about orders.",
        tools=[lookup_order],
        model=model,
    )


def responses_model(client: openai.AsyncOpenAI) -> Any:
    return agents.OpenAIResponsesModel(model="gpt-4o", openai_client=client)


def chat_model(client: openai.AsyncOpenAI) -> Any:
    return agents.OpenAIChatCompletionsModel(model="gpt-4o", openai_client=client)


def run_agent(fake: FakeOpenAI, model: Any, looked_up: list[str], *, streamed: bool = False) -> Any:
    """Run the agent, as ``Runner.run_sync`` would, in a loop that also closes the client:
    an ``AsyncOpenAI`` collected after its loop has closed schedules a failing ``aclose``
    on whatever loop runs then (the fake's), which logs an error in some later test."""

    async def main() -> Any:
        async with openai.AsyncOpenAI(base_url=fake.base_url, api_key=fake.api_key) as client:
            agent = make_agent(model(client), looked_up)
            if not streamed:
                return await agents.Runner.run(agent, "Where is my order?")
            result = agents.Runner.run_streamed(agent, "Where is my order?")
            async for _ in result.stream_events():
                pass
            return result

    return asyncio.run(main())


def test_responses_agent_runs_the_tool(fake: FakeOpenAI) -> None:
    looked_up: list[str] = []
    result = run_agent(fake, responses_model, looked_up)
    assert result.final_output == ANSWER
    assert looked_up == ["A-1001"]
    rules = [entry.rule for entry in fake.requests]
    assert rules == ["call-lookup-order", "answer-with-order"]
    assert all(entry.endpoint == "responses" for entry in fake.requests)


def test_streamed_responses_agent(fake: FakeOpenAI) -> None:
    looked_up: list[str] = []
    result = run_agent(fake, responses_model, looked_up, streamed=True)
    assert result.final_output == ANSWER
    assert looked_up == ["A-1001"]
    assert all(entry.stream for entry in fake.requests)


def test_chat_completions_agent(fake: FakeOpenAI) -> None:
    # added rules are tried in the order added: the tool-result turn first
    fake.add(
        {
            "match": {"endpoint": "chat", "last_message": {"role": "tool", "contains": "shipped"}},
            "reply": {"content": "Order B-7 has shipped."},
        }
    )
    fake.add(
        {
            "match": {"endpoint": "chat", "tools": ["lookup_order"], "last_user": "order"},
            "reply": {
                "tool_calls": [{"function": "lookup_order", "arguments": {"order_id": "B-7"}}]
            },
        }
    )
    looked_up: list[str] = []
    result = run_agent(fake, chat_model, looked_up)
    assert result.final_output == "Order B-7 has shipped."
    assert looked_up == ["B-7"]
