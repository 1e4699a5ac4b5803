"""The real API's 400s through the official SDK: broken tool-call histories (and the
``validate_conversation=False`` opt-out), ``json_object`` without the word "json",
schema bounds; and ``OPTIONS`` on an API path without CORS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI

SCENARIO = {"name": "validation", "rules": [{"name": "ok", "reply": {"content": "ok"}}]}
TOOL_CALL: Any = {
    "id": "call_a",
    "type": "function",
    "function": {"name": "get_weather", "arguments": "{}"},
}
USER: Any = {"role": "user", "content": "weather?"}
ASKED: Any = {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]}
ANSWER: Any = {"role": "tool", "tool_call_id": "call_a", "content": "sunny"}
SAID: Any = {"role": "assistant", "content": "hi"}
PRECEEDING = (
    "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
    "message with 'tool_calls'."
)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(SCENARIO) as running:
        yield running


@pytest.fixture
def client(fake: FakeOpenAI) -> openai.OpenAI:
    fake.reset()
    return openai.OpenAI(
        base_url=fake.base_url,
        api_key=fake.api_key,
        _strict_response_validation=True,
        max_retries=0,
    )


def refused(call: Any) -> openai.BadRequestError:
    with pytest.raises(openai.BadRequestError) as caught:
        call()
    return caught.value


def body_of(error: openai.BadRequestError) -> tuple[Any, Any, Any]:
    assert isinstance(error.body, dict) and set(error.body) == {"message", "type", "param", "code"}
    assert error.body["type"] == "invalid_request_error"
    return error.body["message"], error.body["param"], error.body["code"]


def test_a_well_formed_tool_history_is_accepted(client: openai.OpenAI) -> None:
    both: Any = dict(ASKED, tool_calls=[TOOL_CALL, dict(TOOL_CALL, id="call_b")])
    second: Any = dict(ANSWER, tool_call_id="call_b")
    messages: Any = [USER, both, ANSWER, second, {"role": "user", "content": "thanks"}]
    assert client.chat.completions.create(model="gpt-4o", messages=messages).choices


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([USER, ANSWER], (PRECEEDING, "messages.[1].role", None)),
        ([USER, SAID, ANSWER], (PRECEEDING, "messages.[2].role", None)),
        (
            [USER, ASKED, dict(ANSWER, tool_call_id="call_z")],
            (
                "Invalid parameter: 'tool_call_id' of 'call_z' not found in 'tool_calls' of "
                "previous message.",
                "messages.[2].tool_call_id",
                None,
            ),
        ),
        (
            [USER, ASKED, USER],
            (
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                "response messages: call_a",
                "messages.[1].role",
                None,
            ),
        ),
        (
            [USER, ASKED, {"role": "tool", "content": "sunny"}],
            (
                "Missing required parameter: 'messages[2].tool_call_id'.",
                "messages[2].tool_call_id",
                "missing_required_parameter",
            ),
        ),
    ],
)  # fmt: skip
def test_broken_chat_histories_are_400(
    client: openai.OpenAI, messages: Any, expected: tuple[Any, Any, Any]
) -> None:
    error = refused(lambda: client.chat.completions.create(model="gpt-4o", messages=messages))
    assert body_of(error) == expected


def test_unanswered_calls_are_listed(client: openai.OpenAI) -> None:
    both: Any = dict(ASKED, tool_calls=[TOOL_CALL, dict(TOOL_CALL, id="call_b")])
    error = refused(
        lambda: client.chat.completions.create(model="gpt-4o", messages=[USER, both, ANSWER])
    )
    assert body_of(error)[0].endswith("did not have response messages: call_b")


def test_responses_output_without_its_call_is_400(client: openai.OpenAI) -> None:
    output: Any = {"type": "function_call_output", "call_id": "call_x", "output": "42"}
    error = refused(lambda: client.responses.create(model="gpt-4o", input=[output]))
    assert body_of(error) == (
        "No tool call found for function call output with call_id call_x.",
        "input",
        None,
    )
    echoed: Any = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_x",
        "name": "f",
        "arguments": "{}",
        "status": "completed",
    }
    assert client.responses.create(model="gpt-4o", input=[echoed, output]).output_text == "ok"
    # with previous_response_id the call may live server-side, in the stored history
    earlier = client.responses.create(model="gpt-4o", input=[echoed])
    chained = client.responses.create(
        model="gpt-4o", input=[output], previous_response_id=earlier.id
    )
    assert chained.output_text == "ok"
    unrelated = client.responses.create(model="gpt-4o", input="hi")
    error = refused(
        lambda: client.responses.create(
            model="gpt-4o", input=[output], previous_response_id=unrelated.id
        )
    )
    assert body_of(error)[:2] == (
        "No tool call found for function call output with call_id call_x.",
        "input",
    )


def test_validation_can_be_switched_off() -> None:
    with FakeOpenAI(SCENARIO, validate_conversation=False) as lenient:
        client = openai.OpenAI(base_url=lenient.base_url, api_key=lenient.api_key)
        broken: Any = [USER, ANSWER]
        assert client.chat.completions.create(model="gpt-4o", messages=broken).choices
        output: Any = {"type": "function_call_output", "call_id": "call_x", "output": "42"}
        assert client.responses.create(model="gpt-4o", input=[output]).output_text == "ok"


def test_json_object_needs_the_word_json(client: openai.OpenAI) -> None:
    plain: Any = [{"role": "user", "content": "list three colours"}]
    error = refused(
        lambda: client.chat.completions.create(
            model="gpt-4o", messages=plain, response_format={"type": "json_object"}
        )
    )
    assert body_of(error) == (
        "'messages' must contain the word 'json' in some form, to use 'response_format' of "
        "type 'json_object'.",
        "messages",
        None,
    )
    system: Any = [{"role": "system", "content": "Answer in JSON."}, *plain]
    assert client.chat.completions.create(
        model="gpt-4o", messages=system, response_format={"type": "json_object"}
    ).choices
    error = refused(
        lambda: client.responses.create(
            model="gpt-4o", input="list colours", text={"format": {"type": "json_object"}}
        )
    )
    assert body_of(error) == (
        "Response input messages must contain the word 'json' in some form to use "
        "'text.format' of type 'json_object'.",
        "text.format",
        None,
    )
    assert client.responses.create(
        model="gpt-4o",
        input="list colours",
        instructions="Reply with a Json object.",
        text={"format": {"type": "json_object"}},
    ).output


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"tools": []},
            (
                "Invalid 'tools': empty array. Expected an array with minimum length 1, but got "
                "an empty array instead.",
                "tools",
                "empty_array",
            ),
        ),
        (
            {"tools": [{"type": "function"}]},
            (
                "Missing required parameter: 'tools[0].function'.",
                "tools[0].function",
                "missing_required_parameter",
            ),
        ),
        (
            {"n": 0},
            (
                "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 "
                "instead.",
                "n",
                "integer_below_min_value",
            ),
        ),
        (
            {"n": 129},
            (
                "Invalid 'n': integer above maximum value. Expected a value <= 128, but got 129 "
                "instead.",
                "n",
                "integer_above_max_value",
            ),
        ),
        (
            {"temperature": 5},
            (
                "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but "
                "got 5 instead.",
                "temperature",
                "decimal_above_max_value",
            ),
        ),
        (
            {"temperature": -0.5},
            (
                "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but "
                "got -0.5 instead.",
                "temperature",
                "decimal_below_min_value",
            ),
        ),
        (
            {"response_format": {"type": "bogus"}},
            (
                "Invalid value: 'bogus'. Supported values are: 'json_object', 'json_schema', and "
                "'text'.",
                "response_format.type",
                "invalid_value",
            ),
        ),
        (
            {"response_format": {"type": "json_schema"}},
            (
                "Missing required parameter: 'response_format.json_schema'.",
                "response_format.json_schema",
                "missing_required_parameter",
            ),
        ),
    ],
)
def test_schema_errors_are_400(
    client: openai.OpenAI, extra: dict[str, Any], expected: tuple[Any, Any, Any]
) -> None:
    messages: Any = [{"role": "user", "content": "hi"}]
    error = refused(
        lambda: client.chat.completions.create(model="gpt-4o", messages=messages, **extra)
    )
    assert body_of(error) == expected


def test_options_without_cors_is_an_invalid_url(fake: FakeOpenAI) -> None:
    answer = httpx.options(f"{fake.base_url}/chat/completions")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/json")
    assert re.fullmatch(r"req_[0-9a-f]{32}", answer.headers["x-request-id"])
    assert answer.json() == {
        "error": {
            "message": "Invalid URL (OPTIONS /v1/chat/completions)",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }


@pytest.mark.parametrize(
    "item",
    [
        {"type": "function_call", "call_id": [], "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": {}, "output": "x"},
        {"role": "user", "content": "hi", "call_id": 7},
    ],
)
def test_a_call_id_that_is_not_a_string_is_400(client: openai.OpenAI, item: Any) -> None:
    error = refused(lambda: client.responses.create(model="gpt-4o", input=[item]))
    message, param, code = body_of(error)
    assert (param, code) == ("input[0].call_id", "invalid_type")
    assert message.startswith("Invalid type for 'input[0].call_id': expected a string")
