"""Usage numbers for a reply: counted prompt and completion tokens, scripted overrides.

Prompt tokens: chat and Responses requests count every message with OpenAI's framing
(``tokens.chat_prompt_tokens``), plus the compact JSON of the tools offered, of the
tool calls earlier assistant messages made, and of a ``json_schema`` response format (the
API counts all of them as input); legacy completions and embeddings count their inputs
as plain text. Completion tokens: the content, the refusal, and each tool call's name
and arguments with a few tokens of framing. Embeddings complete nothing.
A reply's ``usage`` replaces each count it sets, and only those.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from fakeopenai.filled import FilledToolCall, TokenUsage
from fakeopenai.generate.tokens import TOKENS_PER_TOOL_CALL, chat_prompt_tokens, count_tokens
from fakeopenai.scenario import Usage
from fakeopenai.view import RequestView


def _json_tokens(value: Any) -> int:
    if not value:
        return 0
    return count_tokens(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str))


def _earlier_tool_calls(body: Mapping[str, Any]) -> Iterable[Any]:
    """Tool calls in the chat history (their text is not in the view's messages)."""
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else ():
        if isinstance(message, dict) and isinstance(message.get("tool_calls"), list):
            yield from message["tool_calls"]


def prompt_tokens(view: RequestView) -> int:
    """Input tokens of the request, as the API would bill them (roughly)."""
    if view.endpoint in ("completions", "embeddings"):
        return sum(count_tokens(text) for text in view.inputs)
    total = chat_prompt_tokens([message.text for message in view.messages])
    total += _json_tokens(view.body.get("tools"))
    total += sum(_json_tokens(call) for call in _earlier_tool_calls(view.body))
    return total + _json_tokens(view.response_schema)


def completion_tokens(
    content: str | None, refusal: str | None, tool_calls: Iterable[FilledToolCall]
) -> int:
    """Output tokens of the reply's text and tool calls."""
    total = count_tokens(content or "") + count_tokens(refusal or "")
    for call in tool_calls:
        total += TOKENS_PER_TOOL_CALL + count_tokens(call.name) + count_tokens(call.arguments)
    return total


def usage_for(
    view: RequestView,
    content: str | None,
    refusal: str | None,
    tool_calls: tuple[FilledToolCall, ...],
    scripted: Usage | None,
    *,
    other_choices: int = 0,
) -> TokenUsage:
    """The counted usage, with the fields ``scripted`` sets put in their place.

    ``other_choices`` are the completion tokens of an ``n > 1`` request's other choices:
    the API bills every choice, so the count includes them.
    """
    completion = other_choices + (
        0 if view.endpoint == "embeddings" else completion_tokens(content, refusal, tool_calls)
    )
    counted = TokenUsage(prompt_tokens(view), completion)
    if scripted is None:
        return counted

    def pick(given: int | None, default: int) -> int:
        return default if given is None else given

    return TokenUsage(
        prompt_tokens=pick(scripted.prompt_tokens, counted.prompt_tokens),
        completion_tokens=pick(scripted.completion_tokens, counted.completion_tokens),
        cached_tokens=pick(scripted.cached_tokens, counted.cached_tokens),
        reasoning_tokens=pick(scripted.reasoning_tokens, counted.reasoning_tokens),
    )
