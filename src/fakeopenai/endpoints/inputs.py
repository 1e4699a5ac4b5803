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
