"""``POST completions``: the legacy text completions endpoint (WIRE.md §5.3)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

from fakeopenai.endpoints import Turn, inputs
from fakeopenai.endpoints.common import (
    check_stream,
    include_usage,
    invalid_type,
    missing,
    require_model,
)
from fakeopenai.filled import TokenUsage
from fakeopenai.view import RequestView, completions_view
from fakeopenai.wire import completions as wire
from fakeopenai.wire import ids
from fakeopenai.wire.chunking import split
from fakeopenai.wire.sse import Frame


def _texts(turn: Turn) -> list[str]:
    """Each choice's text: the reply (with the prompt in front when ``echo`` is on)."""
    answer = turn.filled.content or turn.filled.refusal or ""
    prompt = turn.view.body.get("prompt")
    echo = turn.view.body.get("echo") is True
    prompts = prompt if isinstance(prompt, list) and not inputs.is_tokens(prompt) else [prompt]
    # A token prompt has no text to echo: only string prompts are put in front.
    return [(p if echo and isinstance(p, str) else "") + answer for p in prompts]


def _usage(turn: Turn, choices: int) -> TokenUsage:
    """Usage for every choice: prompt tokens counted on the prompts (token arrays by
    their length), completion tokens times the choices; a count the reply's ``usage``
    sets (already in ``filled.usage``) is kept as given."""
    scripted = turn.reply.usage
    usage = turn.filled.usage
    if scripted is None or scripted.prompt_tokens is None:
        counted = inputs.token_count(turn.view.body.get("prompt"), turn.view.inputs)
        usage = dataclasses.replace(usage, prompt_tokens=counted)
    if scripted is None or scripted.completion_tokens is None:
        usage = dataclasses.replace(usage, completion_tokens=usage.completion_tokens * choices)
    return usage


class CompletionsEndpoint:
    """Legacy Completions: each prompt is a user message; one choice per prompt."""

    name = "completions"

    def validate(self, body: Mapping[str, Any]) -> None:
        require_model(body)
        if "prompt" not in body:
            raise missing("prompt")
        inputs.check("prompt", body["prompt"], allow_empty_text=True)
        echo = body.get("echo")
        if echo is not None and not isinstance(echo, bool):
            raise invalid_type("echo", "a boolean", echo)
        check_stream(body)

    def view(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
        return completions_view(body, headers)

    def _meta(self, turn: Turn) -> wire.Meta:
        return wire.Meta(ids.completion_id(), int(time.time()), turn.filled.model)

    def body(self, turn: Turn) -> dict[str, Any]:
        texts = _texts(turn)
        usage = _usage(turn, len(texts))
        return wire.completion(texts, self._meta(turn), usage, turn.filled.finish_reason)

    def frames(self, turn: Turn) -> list[Frame]:
        reply = turn.reply
        texts = _texts(turn)
        if reply.chunks is not None and not turn.view.body.get("echo"):
            pieces = [list(reply.chunks) for _ in texts]
        else:
            pieces = [split(text, reply.chunking) for text in texts]
        return wire.stream_frames(
            pieces,
            self._meta(turn),
            _usage(turn, len(texts)),
            turn.filled.finish_reason,
            include_usage=include_usage(turn.view.body),
        )
