"""LangChain's ``ChatOpenAI`` (langchain-openai) against fakeopenai.

Worth knowing for users, and pinned here: against a custom ``base_url`` LangChain
streams *without* ``stream_options`` (so no usage) unless ``stream_usage=True``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from requires import import_client

from fakeopenai import FakeOpenAI

SCENARIO = "langchain.yaml"
GREETING = "Hello! I am a fake model, streamed word by word."


@pytest.fixture(scope="module")
def lc() -> Any:
    return import_client("langchain_openai", "langchain-openai")


def chat(lc: Any, fake: FakeOpenAI, **options: Any) -> Any:
    return lc.ChatOpenAI(
        model="gpt-4o-mini", base_url=fake.base_url, api_key=fake.api_key, max_retries=0, **options
    )


def get_weather_tool() -> Any:
    from langchain_core.tools import tool

    @tool
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        return json.dumps({"city": city, "celsius": 21, "sky": "sunny"})

    return get_weather


def test_invoke(lc: Any, fake: FakeOpenAI) -> None:
    message = chat(lc, fake).invoke("Hello, who are you?")
    assert message.content == GREETING
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["model_name"] == "gpt-4o-mini-2024-07-18"  # the snapshot
    assert message.response_metadata["id"].startswith("chatcmpl-")
    usage = message.usage_metadata
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    entry = fake.requests.last
    assert (entry.rule, entry.status, entry.stream) == ("greeting", 200, False)
    assert entry.body["messages"] == [{"role": "user", "content": "Hello, who are you?"}]


def test_stream_without_usage_by_default(lc: Any, fake: FakeOpenAI) -> None:
    chunks = list(chat(lc, fake).stream("Hello, who are you?"))
    assert "".join(c.content for c in chunks) == GREETING
    total = sum(chunks[1:], chunks[0])
    assert total.response_metadata["finish_reason"] == "stop"
    assert total.response_metadata["model_name"] == "gpt-4o-mini-2024-07-18"
    assert all(c.usage_metadata is None for c in chunks)
    entry = fake.requests.last
    assert (entry.rule, entry.stream, entry.completed) == ("greeting", True, True)
    assert "stream_options" not in entry.body  # LangChain's default for a custom base_url
    assert entry.chunks == 10


def test_stream_usage_when_asked(lc: Any, fake: FakeOpenAI) -> None:
    total = None
    for chunk in chat(lc, fake, stream_usage=True).stream("Hello, who are you?"):
        total = chunk if total is None else total + chunk
    assert total is not None and total.content == GREETING
    assert total.usage_metadata["total_tokens"] > 0
    assert fake.requests.last.body["stream_options"] == {"include_usage": True}


def test_bind_tools_tool_call_then_answer(lc: Any, fake: FakeOpenAI) -> None:
    from langchain_core.messages import HumanMessage

    weather = get_weather_tool()
    llm = chat(lc, fake).bind_tools([weather])
    messages: list[Any] = [HumanMessage("What's the weather in Paris?")]
    asked = llm.invoke(messages)
    [call] = asked.tool_calls
    assert call["name"] == "get_weather" and call["args"] == {"city": "Paris"}
    assert call["id"].startswith("call_")
    assert asked.response_metadata["finish_reason"] == "tool_calls"
    messages += [asked, weather.invoke(call)]  # a ToolMessage carrying call["id"]
    answer = llm.invoke(messages)
    assert answer.content == "It is 21 degrees and sunny in Paris."
    assert answer.tool_calls == []
    first, second = fake.requests
    assert (first.rule, second.rule) == ("call-weather", "answer-after-tool")
    assert first.body["tools"][0]["function"]["name"] == "get_weather"
    tool_message = second.body["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == call["id"]
    assert json.loads(tool_message["content"])["celsius"] == 21
    assert second.body["messages"][1]["tool_calls"][0]["id"] == call["id"]


def test_streamed_tool_call_chunks_reassemble(lc: Any, fake: FakeOpenAI) -> None:
    llm = chat(lc, fake).bind_tools([get_weather_tool()])
    total = None
    pieces = 0
    for chunk in llm.stream("What's the weather in Paris?"):
        pieces += len(chunk.tool_call_chunks)
        total = chunk if total is None else total + chunk
    assert total is not None and pieces > 1
    [call] = total.tool_calls
    assert (call["name"], call["args"]) == ("get_weather", {"city": "Paris"})
    assert fake.requests.last.rule == "call-weather"


def test_with_structured_output_scripted(lc: Any, fake: FakeOpenAI) -> None:
    from pydantic import BaseModel

    class Person(BaseModel):
        name: str
        born: int
        languages: list[str]

    person = (
        chat(lc, fake)
        .with_structured_output(Person)
        .invoke("Extract the person: Ada Lovelace, born 1815, wrote in English and French.")
    )
    assert person == Person(name="Ada Lovelace", born=1815, languages=["English", "French"])
    entry = fake.requests.last
    assert entry.rule == "person-scripted"
    response_format = entry.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Person"
    assert response_format["json_schema"]["strict"] is True


def test_with_structured_output_generated_from_schema(lc: Any, fake: FakeOpenAI) -> None:
    from typing import Literal

    from pydantic import BaseModel, Field

    class Character(BaseModel):
        name: str
        age: int = Field(ge=0, le=150)
        alignment: Literal["good", "neutral", "evil"]
        skills: list[str]

    character = (
        chat(lc, fake).with_structured_output(Character).invoke("invent a character for my story")
    )
    assert isinstance(character, Character)  # validated by LangChain via pydantic
    assert 0 <= character.age <= 150 and character.alignment in {"good", "neutral", "evil"}
    entry = fake.requests.last
    assert entry.rule == "person-generated"
    assert entry.body["response_format"]["json_schema"]["name"] == "Character"


def test_responses_api_round_trip(lc: Any, fake: FakeOpenAI) -> None:
    """``use_responses_api=True`` (also what LangChain switches to by itself for some
    parameters): text, then a tool call answered after the tool message."""
    from langchain_core.messages import HumanMessage

    llm = chat(lc, fake, use_responses_api=True)
    assert llm.invoke("Hello, who are you?").text == GREETING
    weather = get_weather_tool()
    with_tools = llm.bind_tools([weather])
    messages: list[Any] = [HumanMessage("What's the weather in Paris?")]
    asked = with_tools.invoke(messages)
    [call] = asked.tool_calls
    assert (call["name"], call["args"]) == ("get_weather", {"city": "Paris"})
    answer = with_tools.invoke([*messages, asked, weather.invoke(call)])
    assert answer.text == "It is 21 degrees and sunny in Paris."
    assert [e.endpoint for e in fake.requests] == ["responses"] * 3
    assert [e.rule for e in fake.requests] == ["greeting", "call-weather", "answer-after-tool"]
    [output] = [
        i for i in fake.requests.last.body["input"] if i.get("type") == "function_call_output"
    ]
    assert output["call_id"] == call["id"]
