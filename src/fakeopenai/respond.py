"""Turning errors and replies into Starlette responses with the API's headers.

Every response carries ``x-request-id`` (``req_`` + 32 hex), ``openai-version`` and
``openai-processing-ms``; errors are the 4-key envelope; reply-level header keys
(``retry_after``, ``retry_after_ms``, ``no_retry``, ``ratelimit``, ``headers``) each send
their own header only.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fakeopenai.journal import Entry
from fakeopenai.scenario import ErrorSpec, Fault, Latency, Reply
from fakeopenai.streaming import PacedBody
from fakeopenai.wire.errors import OPENAI_VERSION, defaults_for, error_object, wait_text
from fakeopenai.wire.sse import body_bytes

# What the API handler returns: an ASGI callable that sends one response.
Answer = Callable[[Any, Any, Any], Awaitable[None]]


def encode_headers(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    """ASGI header pairs. Latin-1, as HTTP and ASGI have it: what we send is ASCII (the
    scenario format refuses other characters) or a request header's value echoed back,
    which the server decoded as Latin-1."""
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class JsonBody:
    """A whole body sent at once, as two ASGI messages.

    What Starlette's ``Response`` would send, built for the hot path: the headers are
    already lower-case text, so they are encoded once with nothing to normalise."""

    __slots__ = ("body", "raw_headers", "status_code")

    def __init__(
        self,
        body: bytes,
        status: int,
        headers: Mapping[str, str],
        media_type: str | None = "application/json",
    ) -> None:
        self.body = body
        self.status_code = status
        raw = encode_headers(headers)
        if "content-length" not in headers:
            raw.append((b"content-length", str(len(body)).encode()))
        if media_type is not None and "content-type" not in headers:
            raw.append((b"content-type", media_type.encode()))
        self.raw_headers = raw

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": self.body})


class ApiError(Exception):
    """A request the fake refuses, as the real API would (status + envelope)."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.param = param
        self.code = code
        self.headers = headers or {}


def base_headers(entry: Entry) -> dict[str, str]:
    """The headers every API response carries."""
    elapsed = max(1, round((time.perf_counter() - entry.started) * 1000))
    return {
        "x-request-id": entry.request_id,
        "openai-version": OPENAI_VERSION,
        "openai-processing-ms": str(elapsed),
    }


def reply_headers(reply: Reply | None) -> dict[str, str]:
    """Headers a reply's convenience keys ask for."""
    headers: dict[str, str] = {}
    if reply is None:
        return headers
    if reply.retry_after is not None:
        value = reply.retry_after
        headers["retry-after"] = str(int(value)) if float(value).is_integer() else str(value)
    if reply.retry_after_ms is not None:
        value = reply.retry_after_ms
        headers["retry-after-ms"] = str(int(value)) if float(value).is_integer() else str(value)
    if reply.no_retry:
        headers["x-should-retry"] = "false"
    if reply.ratelimit is not None:
        for key, value in reply.ratelimit.model_dump(exclude_none=True).items():
            kind, _, what = key.partition("_")
            headers[f"x-ratelimit-{kind}-{what}"] = str(value)
    if reply.headers:
        headers.update({k.lower(): v for k, v in reply.headers.items()})
    return headers


def json_response(
    body: Any,
    entry: Entry,
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    latency: Latency | None = None,
    fault: Fault | None = None,
) -> Answer:
    """A JSON response with the standard headers; journals the status.

    With a delay in ``latency`` (headers at ``headers_ms``, the body ``ttft_ms`` later,
    both from the request's arrival) or a ``fault``, the body is sent by ``PacedBody``.
    """
    all_headers = base_headers(entry)
    if headers:
        all_headers.update(headers)
    data = body if isinstance(body, bytes) else body_bytes(body)
    if fault is None and (latency is None or not (latency.headers_ms or latency.ttft_ms)):
        entry.status = status
        entry.mark("total_ms")
        return JsonBody(data, status, all_headers)
    raw = encode_headers(all_headers)
    return PacedBody(data, status=status, headers=raw, entry=entry, latency=latency, fault=fault)


def error_response(error: ApiError, entry: Entry, *, latency: Latency | None = None) -> Answer:
    """The envelope for ``error`` (after ``latency``'s delays); the journal keeps the
    error object."""
    inner = error_object(error.message, error.type, error.param, error.code)
    entry.error = inner
    return json_response({"error": inner}, entry, error.status, error.headers, latency=latency)


def scripted_error(spec: ErrorSpec, reply: Reply | None, model: str | None) -> ApiError:
    """A scenario's ``error:`` as an ``ApiError``, defaults filled in from the status."""
    defaults = defaults_for(spec.status, spec.type)
    headers = reply_headers(reply)
    if spec.headers:
        headers.update({k.lower(): v for k, v in spec.headers.items()})
    message = spec.message or defaults.message.format(
        model=model or "gpt-4o", masked="sk-***", wait=wait_text(headers, defaults.type)
    )
    return ApiError(
        spec.status,
        message,
        spec.type or defaults.type,
        param=spec.param,
        code=spec.code if spec.code is not None else defaults.code,
        headers=headers,
    )
