"""Model aliases and the dated snapshot the real API names in its answers.

Asked for ``gpt-4o-mini``, api.openai.com answers ``"model": "gpt-4o-mini-2024-07-18"``
in every body, chunk and Responses object (WIRE.md §9 row 2); clients notice when it
does not (AutoGen warns "Resolved model mismatch" on every call). A name that is not
an alias here (a snapshot already, a fine-tune, another provider's model) is echoed as
sent. Snapshots are the ones the real API answered with at the time of writing; the
table is the one place to extend.
"""

from __future__ import annotations

# alias → the snapshot the API answers with
SNAPSHOTS: dict[str, str] = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-4.5-preview": "gpt-4.5-preview-2025-02-27",
    "gpt-4-turbo": "gpt-4-turbo-2024-04-09",
    "gpt-4-turbo-preview": "gpt-4-0125-preview",
    "gpt-4": "gpt-4-0613",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
    "gpt-5": "gpt-5-2025-08-07",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-5-nano": "gpt-5-nano-2025-08-07",
    "gpt-5.1": "gpt-5.1-2025-11-13",
    "gpt-5.5": "gpt-5.5-2026-04-23",
    "o1": "o1-2024-12-17",
    "o1-mini": "o1-mini-2024-09-12",
    "o1-preview": "o1-preview-2024-09-12",
    "o3": "o3-2025-04-16",
    "o3-mini": "o3-mini-2025-01-31",
    "o4-mini": "o4-mini-2025-04-16",
    "text-embedding-ada-002": "text-embedding-ada-002-v2",
}


def snapshot(model: str) -> str:
    """The name the API answers with for a request that asked for ``model``."""
    return SNAPSHOTS.get(model, model)
