"""The seed gateway's read-only ``$schema`` field (WIRE.md §7), off by default.

That gateway is built on Huma, which puts ``"$schema": "<url>"`` first in every JSON
response body and sends ``Link: </schemas/Name.json>; rel="describedBy"``. With
``emit_schema`` on, the fake does the same on successful JSON bodies. Error bodies stay
plain OpenAI envelopes (the gateway answers those as the API does, and clients read
only ``error``), and stream chunks are untouched (Huma adds the field to JSON bodies,
not to server-sent events).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The schema name of each endpoint's JSON body, as the gateway names them.
SCHEMA_NAMES = {
    "chat": "ChatCompletion",
    "responses": "Response",
    "completions": "Completion",
    "embeddings": "CreateEmbeddingResponse",
    "models": "ListModelsResponse",
    "model": "Model",
}


def schema_path(endpoint: str) -> str:
    """``/schemas/<Name>.json`` for an endpoint name (``chat``, ``models``, ``model`` …)."""
    return f"/schemas/{SCHEMA_NAMES.get(endpoint, 'Object')}.json"


def with_schema(
    body: Mapping[str, Any], endpoint: str, host: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """``body`` with ``$schema`` as its first key, and the ``Link`` header to send."""
    path = schema_path(endpoint)
    url = f"http://{host or '127.0.0.1'}{path}"
    return {"$schema": url, **body}, {"link": f'<{path}>; rel="describedBy"'}
