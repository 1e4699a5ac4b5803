"""Text-or-token inputs, shared by embeddings ``input`` and legacy completions ``prompt``:
a string, a list of strings, a token array (list of ints) or a list of token arrays."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fakeopenai.respond import ApiError


def invalid(param: str) -> ApiError:
    """The API's message for an input of the wrong shape or an empty one (observed)."""
    return ApiError(
        400,
        f"'$.{param}' is invalid. Please check the API reference: "
        "https://platform.openai.com/docs/api-reference.",
    )


def is_tokens(value: Any) -> bool:
    """A non-empty list of token ids."""
    return isinstance(value, list) and bool(value) and all(type(t) is int for t in value)


def check(param: str, value: Any, *, allow_empty_text: bool) -> None:
    """A string, or a non-empty list of strings or token arrays; else 400."""
    if isinstance(value, str):
        ok = allow_empty_text or value != ""
    elif isinstance(value, list) and value:
        ok = is_tokens(value) or all(
            (isinstance(item, str) and (allow_empty_text or item != "")) or is_tokens(item)
            for item in value
        )
    else:
        ok = False
    if not ok:
        raise invalid(param)


def check_count(param: str, value: Any, most: int) -> None:
    """At most ``most`` items in a list of inputs (a token array is one input); else the
    API's 400 for the parameter."""
    if isinstance(value, list) and not is_tokens(value) and len(value) > most:
        raise invalid(param)


def check_tokens(value: Any, *, each: int, total: int) -> None:
    """Embeddings inputs within the API's token caps: ``each`` per input, ``total`` in
    all. Text is counted only when it is long enough to matter (a token is at least one
    character), so an ordinary request costs a length check."""
    from fakeopenai.generate import count_tokens

    items = [value] if isinstance(value, str) or is_tokens(value) else value
    if not isinstance(items, list):
        return
    if sum(len(item) for item in items if isinstance(item, str | list)) <= each:
        return
    counted = 0
    for item in items:
        size = len(item) if isinstance(item, list) else len(item) if isinstance(item, str) else 0
        tokens = count_tokens(item) if isinstance(item, str) and size > 0 else size
        if tokens > each:
            raise ApiError(
                400,
                f"This model's maximum context length is {each} tokens, however you requested "
                f"{tokens} tokens ({tokens} in your prompt; 0 for the completion). Please "
                "reduce your prompt; or completion length.",
            )
        counted += tokens
    if counted > total:
        raise ApiError(
            400,
            f"Requested {counted} tokens, max {total} tokens per request",
            "max_tokens_per_request",
            code="max_tokens_per_request",
        )


def token_count(value: Any, texts: Sequence[str]) -> int:
    """Input tokens: a token array counts its length, text is counted like the API does.
    ``texts`` are the view's inputs (one per item, in order)."""
    from fakeopenai.generate import count_tokens

    if is_tokens(value):
        return len(value)
    items = value if isinstance(value, list) else [value]
    return sum(
        len(item) if is_tokens(item) else count_tokens(text)
        for item, text in zip(items, texts, strict=False)
    )
