"""``POST completions``: the legacy text completions endpoint (WIRE.md §5.3)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import Any

from fakeopenai.budgets import limits
from fakeopenai.endpoints import Turn, inputs
from fakeopenai.endpoints.common import (
    check_range,
    check_stream,
    include_usage,
    invalid_type,
    missing,
    require_model,
    text_pieces,
)
from fakeopenai.filled import TokenUsage
from fakeopenai.respond import ApiError
from fakeopenai.view import RequestView, completions_view
from fakeopenai.wire import completions as wire
from fakeopenai.wire import ids
from fakeopenai.wire.chunking import split
from fakeopenai.wire.sse import Frame


def _prompts(turn: Turn) -> list[Any]:
    prompt = turn.view.body.get("prompt")
    return prompt if isinstance(prompt, list) and not inputs.is_tokens(prompt) else [prompt]


def _choices(turn: Turn) -> list[tuple[str, wire.Choice]]:
    """Every choice, prompt by prompt and ``n`` per prompt: (echoed prefix, choice). The
    text is the reply's, with the prompt in front when ``echo`` is on; logprob offsets
    count from the start of that text."""
    echo = turn.view.body.get("echo") is True
    out: list[tuple[str, wire.Choice]] = []
    for prompt in _prompts(turn):
        # A token prompt has no text to echo: only string prompts are put in front.
        prefix = prompt if echo and isinstance(prompt, str) else ""
        for filled in turn.filled.choices:
            logprobs = filled.logprobs
            if logprobs is not None and prefix:
                logprobs = tuple(
                    dataclasses.replace(e, offset=e.offset + len(prefix)) for e in logprobs
                )
            text = prefix + (filled.content or filled.refusal or "")
            out.append((prefix, wire.Choice(text, filled.finish_reason, logprobs)))
    return out


def _usage(turn: Turn, prompts: int) -> TokenUsage:
    """Usage for every choice: prompt tokens counted on the prompts (token arrays by
    their length), completion tokens (already summed over ``n``) times the prompts; a
    count the reply's ``usage`` sets (already in ``filled.usage``) is kept as given."""
    scripted = turn.reply.usage
    usage = turn.filled.usage
    if scripted is None or scripted.prompt_tokens is None:
        counted = inputs.token_count(turn.view.body.get("prompt"), turn.view.inputs)
        usage = dataclasses.replace(usage, prompt_tokens=counted)
    if scripted is None or scripted.completion_tokens is None:
        usage = dataclasses.replace(usage, completion_tokens=usage.completion_tokens * prompts)
    return usage


def _check_choices(body: Mapping[str, Any]) -> None:
    """Every prompt gets ``n`` choices: at most ``limits.MAX_PROMPTS`` in one answer
    (2,000 prompts × ``n=128`` would be 256,000 choices, gigabytes with logprobs)."""
    prompt, n = body["prompt"], body.get("n") or 1
    prompts = len(prompt) if isinstance(prompt, list) and not inputs.is_tokens(prompt) else 1
    if prompts * n > limits.MAX_PROMPTS:
        raise ApiError(
            400,
            f"fakeopenai: {prompts} prompts × n={n} asks for {prompts * n:,} choices; "
            f"fakeopenai answers at most {limits.MAX_PROMPTS:,} in one request: send fewer "
            "prompts per request, or a smaller n.",
            param="n",
            code="invalid_value",
        )


class CompletionsEndpoint:
    """Legacy Completions: each prompt is a user message; ``n`` choices per prompt."""

    name = "completions"

    def validate(self, body: Mapping[str, Any]) -> None:
        require_model(body)
        if "prompt" not in body:
            raise missing("prompt")
        inputs.check("prompt", body["prompt"], allow_empty_text=True)
        inputs.check_count("prompt", body["prompt"], limits.MAX_PROMPTS)
        echo = body.get("echo")
        if echo is not None and not isinstance(echo, bool):
            raise invalid_type("echo", "a boolean", echo)
        check_stream(body)
        check_range(body, "n", minimum=1, maximum=128)
        check_range(body, "temperature", minimum=0, maximum=2, integer=False)
        check_range(body, "logprobs", minimum=0, maximum=5)
        check_range(body, "max_tokens", minimum=0)
        _check_choices(body)

    def view(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> RequestView:
        return completions_view(body, headers)

    def _meta(self, turn: Turn) -> wire.Meta:
        return wire.Meta(ids.completion_id(), int(time.time()), turn.filled.model)

    def body(self, turn: Turn) -> dict[str, Any]:
        choices = [choice for _, choice in _choices(turn)]
        usage = _usage(turn, len(_prompts(turn)))
        return wire.completion(choices, self._meta(turn), usage)

    def frames(self, turn: Turn) -> Sequence[Frame]:
        reply = turn.reply
        choices = _choices(turn)
        pieces = [
            text_pieces(choice.text, reply)
            if reply.chunks is not None and not prefix
            else split(choice.text, reply.chunking)
            for prefix, choice in choices
        ]
        return wire.stream_frames(
            [choice for _, choice in choices],
            pieces,
            self._meta(turn),
            _usage(turn, len(_prompts(turn))),
            include_usage=include_usage(turn.view.body),
        )
