"""Responses API state (SPEC §6) through the SDK with strict validation: stored responses,
``previous_response_id``, input items, the Conversations API, errors, bounds and reset."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.conversations import State
from fakeopenai.conversations.store import StoredResponse

# (served by conftest.py's `examples`; `fake` resets it, `client` validates strictly)
SCENARIO: dict[str, Any] = {
    "name": "state",
    "rules": [
        {
            "name": "recall",
            "match": {"turn": {"min": 1}, "any_message": {"role": "user", "contains": "Ada"}},
            "reply": {"content": "You are Ada ({{ request.turn }} turns so far)."},
        },
        {"name": "hello", "match": {"turn": 0}, "reply": {"content": "Hello!"}},
        {"name": "forgot", "reply": {"content": "Who are you?"}},
    ],
}


def test_previous_response_id_continues_the_conversation(client: openai.OpenAI) -> None:
    first = client.responses.create(model="gpt-4o", input="I am Ada.")
    assert first.output_text == "Hello!"
    second = client.responses.create(
        model="gpt-4o", input="Who am I?", previous_response_id=first.id
    )
    assert second.output_text == "You are Ada (1 turns so far)."
    assert second.previous_response_id == first.id
    third = client.responses.create(
        model="gpt-4o", input="And now?", previous_response_id=second.id
    )
    assert third.output_text == "You are Ada (2 turns so far)."
    # without the id, no history
    assert client.responses.create(model="gpt-4o", input="Who am I?").output_text == "Hello!"


def test_a_stored_response_can_be_retrieved_listed_and_deleted(client: openai.OpenAI) -> None:
    created = client.responses.create(model="gpt-4o", input=[
        {"role": "user", "content": "I am Ada."},
        {"role": "user", "content": [{"type": "input_text", "text": "Hi."}]},
    ])  # fmt: skip
    fetched = client.responses.retrieve(created.id)
    assert fetched.model_dump() == created.model_dump() | {"completed_at": fetched.completed_at}
    items = client.responses.input_items.list(created.id)
    assert [i.content[0].text for i in items.data] == ["Hi.", "I am Ada."]  # type: ignore[union-attr]
    assert (items.first_id, items.last_id, items.has_more) == (
        items.data[0].id,
        items.data[1].id,
        False,
    )
    asc = client.responses.input_items.list(created.id, order="asc", limit=1)
    assert (len(asc.data), asc.has_more, asc.data[0].id) == (1, True, items.data[1].id)
    client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.retrieve(created.id)
    assert caught.value.body == {
        "message": f"Response with id '{created.id}' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_a_streamed_response_is_stored_as_it_was_sent(client: openai.OpenAI) -> None:
    with client.responses.stream(model="gpt-4o", input="I am Ada.") as stream:
        final = stream.get_final_response()
    stored = client.responses.retrieve(final.id)
    assert stored.output[0].id == final.output[0].id and stored.output_text == "Hello!"


def test_unknown_previous_response_is_the_real_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-4o", input="x", previous_response_id="resp_missing")
    assert caught.value.body == {
        "message": "Previous response with id 'resp_missing' not found.",
        "type": "invalid_request_error",
        "param": "previous_response_id",
        "code": "previous_response_not_found",
    }


def test_store_false_keeps_nothing(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    unstored = client.responses.create(model="gpt-4o", input="I am Ada.", store=False)
    assert fake.core.state.counts() == (0, 0)
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model="gpt-4o", input="x", previous_response_id=unstored.id)


def test_conversations(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    conversation = client.conversations.create(
        items=[{"type": "message", "role": "user", "content": "I am Ada."}], metadata={"k": "v"}
    )
    assert conversation.id.startswith("conv_") and conversation.metadata == {"k": "v"}
    answer = client.responses.create(
        model="gpt-4o", input="Who am I?", conversation=conversation.id
    )
    assert answer.output_text == "Hello!"  # the conversation holds no assistant turn yet
    again = client.responses.create(
        model="gpt-4o", input="Who am I?", conversation={"id": conversation.id}
    )
    assert again.output_text == "You are Ada (1 turns so far)."
    items = client.conversations.items.list(conversation.id, order="asc")
    assert [(i.type, i.role) for i in items.data] == [  # type: ignore[union-attr]
        ("message", "user"), ("message", "user"), ("message", "assistant"),
        ("message", "user"), ("message", "assistant"),
    ]  # fmt: skip
    first = items.data[0].id
    assert client.conversations.items.retrieve(first, conversation_id=conversation.id).id == first
    assert client.conversations.items.delete(first, conversation_id=conversation.id).id == (
        conversation.id
    )
    added = client.conversations.items.create(
        conversation.id, items=[{"type": "message", "role": "user", "content": "More."}]
    )
    assert len(added.data) == 1 and added.first_id == added.last_id == added.data[0].id
    assert len(client.conversations.items.list(conversation.id).data) == 5
    updated = client.conversations.update(conversation.id, metadata={"k": "w"})
    assert client.conversations.retrieve(conversation.id).metadata == updated.metadata == {"k": "w"}
    deleted = client.conversations.delete(conversation.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (
        conversation.id, True, "conversation.deleted",
    )  # fmt: skip
    with pytest.raises(openai.NotFoundError) as caught:
        client.conversations.retrieve(conversation.id)
    assert caught.value.message.endswith(f"Conversation with id '{conversation.id}' not found.")
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="gpt-4o", input="x", conversation=conversation.id)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("GET", "conversations/conv_x/items?limit=0", None, 400, "Invalid 'limit'"),
        ("GET", "conversations/conv_x/items?order=up", None, 400, "Invalid value: 'up'"),
        ("POST", "conversations/conv_x/items", {}, 400, "Missing required parameter: 'items'"),
        ("POST", "conversations/conv_x", {}, 400, "Missing required parameter: 'metadata'"),
        ("DELETE", "conversations/conv_x/items/msg_nope", None, 404, "Item with id 'msg_nope'"),
        ("PATCH", "conversations/conv_x", {}, 404, "Invalid URL (PATCH /v1/conversations/conv_"),
        ("PUT", "responses/resp_x", {}, 404, "Invalid URL"),
    ],
)
def test_bad_calls_get_the_api_errors(
    fake: FakeOpenAI, method: str, path: str, body: Any, status: int, message: str
) -> None:
    conversation = httpx.post(fake.base_url + "/conversations", json={}).json()
    path = path.replace("conv_x", conversation["id"])
    response = httpx.request(method, f"{fake.base_url}/{path}", json=body)
    assert response.status_code == status
    assert response.json()["error"]["message"].startswith(message)


def test_previous_response_and_conversation_are_exclusive(client: openai.OpenAI) -> None:
    conversation = client.conversations.create()
    first = client.responses.create(model="gpt-4o", input="hi")
    with pytest.raises(openai.BadRequestError, match="Mutually exclusive parameters"):
        client.responses.create(
            model="gpt-4o", input="x", previous_response_id=first.id, conversation=conversation.id
        )


@pytest.mark.parametrize("items", [[1], [{"role": "user", "content": "x"}] * 21])
def test_a_refused_new_conversation_keeps_nothing(fake: FakeOpenAI, items: Any) -> None:
    answer = httpx.post(fake.base_url + "/conversations", json={"items": items})
    assert answer.status_code == 400
    assert fake.core.state.counts() == (0, 0)


def test_an_item_sent_with_a_null_id_is_given_one(client: openai.OpenAI) -> None:
    items: Any = [
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}", "id": None},
        {"type": "function_call_output", "call_id": "c1", "output": "x", "id": None},
    ]
    response = client.responses.create(model="gpt-4o", input=items)
    stored = client.responses.input_items.list(response.id).data  # (strictly validated)
    assert all(item.id and item.id.startswith("fc") for item in stored)
    assert all(getattr(item, "status", None) == "completed" for item in stored)


def test_a_response_in_a_conversation_names_it(client: openai.OpenAI) -> None:
    conversation = client.conversations.create()
    response = client.responses.create(model="gpt-4o", input="hi", conversation=conversation.id)
    assert response.conversation is not None and response.conversation.id == conversation.id
    alone = client.responses.create(model="gpt-4o", input="hi")
    assert alone.conversation is None


def test_reset_clears_the_state(client: openai.OpenAI, fake: FakeOpenAI) -> None:
    client.responses.create(model="gpt-4o", input="hi")
    client.conversations.create()
    assert fake.core.state.counts() == (1, 1)
    httpx.post(fake.url + "/_fakeopenai/reset").raise_for_status()
    assert fake.core.state.counts() == (0, 0)


def test_state_is_bounded_oldest_first() -> None:
    state = State(max_responses=3, max_conversations=2, max_items=2)
    for n in range(5):
        state.keep(StoredResponse({"id": f"r{n}", "output": []}, [], f"r{n - 1}" if n else None))
    assert state.counts()[0] == 3
    assert state.response("r1") is None and state.response("r4") is not None
    assert state.history("r4") == []  # the chain ends where its ancestors were evicted
    from fakeopenai.conversations.store import Conversation

    conversations = [Conversation(f"c{n}", 0, {}) for n in range(3)]
    for conversation in conversations:
        state.open(conversation)
    assert state.conversation("c0") is None and state.counts()[1] == 2
    state.append(conversations[2], [{"id": str(n)} for n in range(5)])
    assert [item["id"] for item in state.items(conversations[2])] == ["3", "4"]


def test_a_hundred_thousand_stored_responses_stay_bounded() -> None:
    """The bound holds however many are made (bench/bench_state.py measures the RSS)."""
    state = State()
    for n in range(100_000):
        state.keep(StoredResponse({"id": f"resp_{n}", "output": []}, [], None))
    assert state.counts()[0] == state.max_responses == 1_000


def test_state_is_bounded_in_bytes_oldest_first() -> None:
    # A thousand responses of 1 MB prompts would be a gigabyte: the byte bound goes first.
    from fakeopenai.conversations.store import Conversation

    state = State(max_bytes=3_500_000)
    big = [{"id": "i", "type": "message", "role": "user", "content": "x" * 1_000_000}]
    for n in range(5):
        state.keep(StoredResponse({"id": f"r{n}", "output": []}, big, None))
    assert state.counts()[0] == 3 and state.response("r1") is None
    assert state.bytes <= 3_500_000
    talk = Conversation("c", 0, {})
    state.open(talk)
    state.append(talk, [{"id": f"m{n}", "content": "y" * 1_000_000} for n in range(2)])
    assert state.response("r2") is None and state.response("r4") is not None  # oldest first
    assert state.bytes <= 3_500_000
    assert state.remove_item(talk, "m0") and state.close("c") and state.forget("r4")
    assert state.bytes < 100 and state.counts() == (0, 0)


def test_an_item_reference_leaves_the_item_it_names_alone() -> None:
    from fakeopenai.conversations.store import Conversation

    state = State()
    talk = Conversation("c", 0, {})
    state.open(talk)
    state.append(talk, [{"id": "msg_1", "type": "message", "role": "user", "content": []}])
    state.append(talk, [{"id": "msg_1", "type": "item_reference"}])
    assert state.items(talk) == [{"id": "msg_1", "type": "message", "role": "user", "content": []}]
