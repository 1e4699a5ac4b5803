"""The Responses API's server-side state: stored responses and conversations (SPEC §6).

``store.State`` keeps them, bounded (``MAX_RESPONSES``, ``MAX_CONVERSATIONS``,
``MAX_ITEMS`` per conversation; the oldest go first) and cleared by ``reset()``;
``history.prepare`` puts a ``previous_response_id`` chain or a conversation's items before
a request's input, and ``history.keep`` stores the answer; ``items`` gives input items
their stored shape and pages lists. The HTTP handlers are ``endpoints.stored``.
"""

from __future__ import annotations

from fakeopenai.conversations.store import MAX_CONVERSATIONS, MAX_ITEMS, MAX_RESPONSES, State

__all__ = ["MAX_CONVERSATIONS", "MAX_ITEMS", "MAX_RESPONSES", "State"]
