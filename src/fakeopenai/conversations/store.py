"""Stored responses and conversations: bounded, thread-safe, cleared by ``reset()``.

The real API keeps every response (``store`` defaults to true) for 30 days and every
conversation until deleted. A fake that did the same would grow without end under a
long-running ``fakeopenai serve``, so each kind is bounded and the oldest goes first:
at most ``MAX_RESPONSES`` responses, ``MAX_CONVERSATIONS`` conversations, and
``MAX_ITEMS`` items per conversation (its oldest items go, as the real API's
``truncation: auto`` drops the start of a long conversation), and ``MAX_BYTES`` of
stored text in all (a thousand responses of 1 MB prompts would be a gigabyte): past it
the oldest responses go first, then the oldest conversations, never the newest of each.
A request that names an evicted response or conversation gets the same 404/400 as an
unknown one.

The server thread writes and the test thread or control API may read or reset, so one
lock guards both maps. Stored values are treated as immutable once stored.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

MAX_RESPONSES = 1_000
MAX_CONVERSATIONS = 100
MAX_ITEMS = 1_000
MAX_BYTES = 256 * 1024 * 1024  # stored text, estimated by ``size_of``
_SCALAR = 8  # what a number, boolean or null is counted as


def size_of(value: Any) -> int:
    """About how many bytes a stored JSON value holds: its strings' lengths, and a few
    bytes a key or scalar (a walk over the structure: a long string costs no more)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(len(key) + size_of(item) for key, item in value.items()) + _SCALAR
    if isinstance(value, list):
        return sum(size_of(item) for item in value) + _SCALAR
    return _SCALAR


@dataclass
class StoredResponse:
    """One kept response: the wire object, its own input items (each with an id), and
    the response it continued, whose history comes first."""

    response: dict[str, Any]
    input_items: list[dict[str, Any]]
    previous: str | None = None
    size: int = 0  # (set when kept: ``size_of`` the response and its input)


@dataclass
class Conversation:
    """One conversation: its object fields and its items, oldest first."""

    id: str
    created_at: int
    metadata: dict[str, Any]
    items: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)
    size: int = 0  # ``size_of`` its items, kept up to date by ``State``

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "conversation",
            "created_at": self.created_at,
            "metadata": dict(self.metadata),
        }


class State:
    """The Responses API's server-side state for one server (``Core.state``)."""

    def __init__(
        self,
        max_responses: int = MAX_RESPONSES,
        max_conversations: int = MAX_CONVERSATIONS,
        max_items: int = MAX_ITEMS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.lock = threading.Lock()
        self.max_responses = max_responses
        self.max_conversations = max_conversations
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._responses: OrderedDict[str, StoredResponse] = OrderedDict()
        self._conversations: OrderedDict[str, Conversation] = OrderedDict()
        self._bytes = 0

    @property
    def bytes(self) -> int:
        """What the stored responses and conversations hold (``size_of`` estimates)."""
        return self._bytes

    def _evict(self) -> None:
        """Past ``max_bytes``: the oldest responses, then the oldest conversations (the
        newest of each stays). Called with the lock held."""
        for table in (self._responses, self._conversations):
            while self._bytes > self.max_bytes and len(table) > 1:
                self._bytes -= table.popitem(last=False)[1].size

    def _shed(self, table: OrderedDict[str, Any], most: int) -> None:
        """Drop ``table``'s oldest past ``most`` entries (lock held)."""
        while len(table) > most:
            self._bytes -= table.popitem(last=False)[1].size

    def _drop(self, table: OrderedDict[str, Any], key: str) -> bool:
        with self.lock:
            gone = table.pop(key, None)
            if gone is not None:
                self._bytes -= gone.size
            return gone is not None

    # responses
    def keep(self, stored: StoredResponse) -> None:
        stored.size = size_of(stored.input_items) + size_of(stored.response)
        with self.lock:
            old = self._responses.pop(stored.response["id"], None)
            self._bytes += stored.size - (old.size if old else 0)
            self._responses[stored.response["id"]] = stored
            self._shed(self._responses, self.max_responses)
            self._evict()

    def response(self, response_id: str) -> StoredResponse | None:
        with self.lock:
            return self._responses.get(response_id)

    def forget(self, response_id: str) -> bool:
        return self._drop(self._responses, response_id)

    def history(self, response_id: str) -> list[dict[str, Any]] | None:
        """Every item before a response's successor: the chain's inputs and outputs,
        oldest first; None when ``response_id`` is not stored. An evicted ancestor ends
        the chain (its part of the history is gone, as after the API's 30 days)."""
        with self.lock:
            chain: list[StoredResponse] = []
            current = self._responses.get(response_id)
            if current is None:
                return None
            seen: set[str] = set()
            while current is not None and current.response["id"] not in seen:
                seen.add(current.response["id"])
                chain.append(current)
                current = self._responses.get(current.previous) if current.previous else None
        items: list[dict[str, Any]] = []
        for stored in reversed(chain):
            items += stored.input_items
            items += stored.response.get("output") or []
        return items

    # conversations
    def open(self, conversation: Conversation) -> None:
        with self.lock:
            self._conversations[conversation.id] = conversation
            self._bytes += conversation.size
            self._shed(self._conversations, self.max_conversations)

    def conversation(self, conversation_id: str) -> Conversation | None:
        with self.lock:
            return self._conversations.get(conversation_id)

    def close(self, conversation_id: str) -> bool:
        return self._drop(self._conversations, conversation_id)

    def append(self, conversation: Conversation, items: list[dict[str, Any]]) -> None:
        """Add items (each with its ``id``) to a conversation, dropping its oldest past
        ``max_items``."""
        sizes = [size_of(item) for item in items]
        with self.lock:
            held = conversation.id in self._conversations  # (else: counted when opened)
            before = conversation.size
            for item, size in zip(items, sizes, strict=True):
                if item.get("type") == "item_reference" and item["id"] in conversation.items:
                    continue  # it names an item the conversation holds: not a new one
                replaced = conversation.items.pop(item["id"], None)
                if replaced is not None:
                    conversation.size -= size_of(replaced)
                conversation.items[item["id"]] = item
                conversation.size += size
            while len(conversation.items) > self.max_items:
                conversation.size -= size_of(conversation.items.popitem(last=False)[1])
            if held:
                self._bytes += conversation.size - before
                self._evict()

    def items(self, conversation: Conversation) -> list[dict[str, Any]]:
        with self.lock:
            return list(conversation.items.values())

    def remove_item(self, conversation: Conversation, item_id: str) -> bool:
        with self.lock:
            gone = conversation.items.pop(item_id, None)
            if gone is None:
                return False
            size = size_of(gone)
            conversation.size -= size
            if conversation.id in self._conversations:
                self._bytes -= size
            return True

    def clear(self) -> None:
        """Forget every response and conversation (``reset()``, ``POST /_fakeopenai/reset``)."""
        with self.lock:
            self._responses.clear()
            self._conversations.clear()
            self._bytes = 0

    def counts(self) -> tuple[int, int]:
        """(stored responses, conversations), for health and tests."""
        with self.lock:
            return len(self._responses), len(self._conversations)
