"""vcrpy's common response layout (requests, urllib3, http.client, and httpx since vcrpy
6; pytest-recording writes the same): ``status: {code, message}``, ``headers: {Name:
[value, ...]}``, ``body: {string: text or !!binary}`` — the bytes as they came off the
wire, so still gzip'd when the server compressed them."""

from __future__ import annotations

from typing import Any

from fakeopenai.recording.cassette_common import RawResponse, body_bytes, header_map


def detect(response: dict[str, Any]) -> bool:
    return isinstance(response.get("status"), dict) and "url" not in response


def read(response: dict[str, Any]) -> RawResponse:
    status = response["status"].get("code")
    body = response.get("body")
    raw = body.get("string") if isinstance(body, dict) else body
    return RawResponse(int(status), header_map(response.get("headers")), body_bytes(raw))
