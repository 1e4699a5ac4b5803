"""vcrpy's aiohttp layout: ``status: {code, message}``, ``headers`` (``{Name: value}`` in
old cassettes, lists of values in new ones), ``body: {string: ...}`` (aiohttp has
already decompressed it) and ``url`` — a string, or in old cassettes a
``!!python/object/new:yarl.URL`` that ``vcryaml`` reads as plain data."""

from __future__ import annotations

from typing import Any

from fakeopenai.recording.cassette_common import RawResponse, body_bytes, header_map


def detect(response: dict[str, Any]) -> bool:
    return isinstance(response.get("status"), dict) and "url" in response


def read(response: dict[str, Any]) -> RawResponse:
    headers = header_map(response.get("headers"))
    body = response.get("body")
    raw = body.get("string") if isinstance(body, dict) else body
    data = body_bytes(raw)
    if not data.startswith(b"\x1f\x8b"):  # decompressed by aiohttp before saving
        headers.pop("content-encoding", None)
    return RawResponse(int(response["status"].get("code")), headers, data)
