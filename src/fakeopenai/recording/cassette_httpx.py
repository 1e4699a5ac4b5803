"""vcrpy's httpx layout before vcrpy 6: ``status_code``, ``http_version``, ``headers:
{name: value}`` and ``content`` — the text httpx had already decoded (never gzip'd)."""

from __future__ import annotations

from typing import Any

from fakeopenai.recording.cassette_common import RawResponse, body_bytes, header_map


def detect(response: dict[str, Any]) -> bool:
    return "status_code" in response and "content" in response


def read(response: dict[str, Any]) -> RawResponse:
    headers = header_map(response.get("headers"))
    headers.pop("content-encoding", None)  # the content was decoded before it was saved
    return RawResponse(int(response["status_code"]), headers, body_bytes(response.get("content")))
