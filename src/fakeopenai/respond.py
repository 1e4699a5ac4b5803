"""Turning errors and replies into Starlette responses with the API's headers.

Every response carries ``x-request-id`` (``req_`` + 32 hex), ``openai-version``,
``openai-processing-ms`` and the rest of a real answer's header set (WIRE.md §9 row 13:
``openai-organization``, ``openai-project`` with fake values, ``access-control-expose-
headers``, ``x-content-type-options``); errors are the 4-key envelope, sent as
``application/json; charset=utf-8`` on a 4xx, and a 401 carries ``www-authenticate``
and neither ``openai-version`` nor ``openai-processing-ms``, as the real one (row 12).
Reply-level header keys (``retry_after``, ``retry_after_ms``, ``no_retry``,
``ratelimit``, ``headers``) each send their own header.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from fakeopenai.heads import Head
from fakeopenai.journal import Entry
from fakeopenai.ratelimits import Budget
from fakeopenai.scenario import ErrorSpec, Fault, Latency, Reply
from fakeopenai.streaming import PacedBody
from fakeopenai.wire.errors import OPENAI_VERSION, defaults_for, error_object, wait_text
from fakeopenai.wire.sse import body_bytes

# What the API handler returns: an ASGI callable that sends one response.
Answer = Callable[[Any, Any, Any], Awaitable[None]]


Raw = list[tuple[bytes, bytes]]  # ASGI header pairs


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
        tail: Sequence[tuple[bytes, bytes]] = (),
    ) -> None:
        self.body = body
        self.status_code = status
        raw = encode_headers(headers)
        raw.extend(tail)  # pairs encoded already (the real answer's constant headers)
        if "content-length" not in headers:
            raw.append((b"content-length", b"%d" % len(body)))
        if media_type is not None and "content-type" not in headers:
            raw.append((b"content-type", media_type.encode()))
        if "content-length" in headers or "connection" in headers or "transfer-encoding" in headers:
            self.raw_headers = raw  # framing a reply scripts (rare): the server checks it
        else:  # which our server writes without a loop over the headers (``cycle``)
            self.raw_headers = head = Head(raw)
            head.length = len(body)

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


# The rest of a real answer's headers (the organization and project are made up), the
# same on every answer: encoded once, appended as pairs (``real_headers``).
ORGANIZATION = "fakeopenai"
PROJECT = "proj_fakeopenai"
REAL_HEADERS = {
    "openai-organization": ORGANIZATION,
    "openai-project": PROJECT,
    "access-control-expose-headers": "X-Request-ID",
    "x-content-type-options": "nosniff",
}
_REAL_RAW = encode_headers(REAL_HEADERS)
_ERROR_TYPE = "application/json; charset=utf-8"  # a 4xx's content type (recorded)
_UNAUTHORIZED = {
    "x-request-id": "",
    "www-authenticate": 'Bearer realm="OpenAI API"',
    "content-type": _ERROR_TYPE,
}


def real_headers(headers: Mapping[str, str]) -> Raw:
    """The encoded ``REAL_HEADERS`` that ``headers`` (a reply's own) do not override."""
    if headers.keys().isdisjoint(REAL_HEADERS):
        return _REAL_RAW
    return [pair for pair in _REAL_RAW if pair[0].decode() not in headers]


def base_headers(entry: Entry) -> dict[str, str]:
    """The headers every API response carries but ``REAL_HEADERS``."""
    elapsed = max(1, round((time.perf_counter() - entry.started) * 1000))
    return {
        "x-request-id": entry.request_id,
        "openai-version": OPENAI_VERSION,
        "openai-processing-ms": str(elapsed),
    }


def _status_headers(entry: Entry, status: int) -> dict[str, str]:
    """``base_headers`` as the status changes them: a 401 has no ``openai-version``
    or ``openai-processing-ms`` but ``www-authenticate``; a 4xx says its charset."""
    if status == 401:
        return {**_UNAUTHORIZED, "x-request-id": entry.request_id}
    headers = base_headers(entry)
    if 400 <= status < 500:
        headers["content-type"] = _ERROR_TYPE
    return headers


def ratelimit_headers(
    budget: Budget, reply: Reply, extra: Mapping[str, str], tokens: int
) -> Sequence[tuple[bytes, bytes]]:
    """An answer's ``x-ratelimit-*`` pairs, from the budget (spending one request and
    ``tokens``); none when the reply scripts ``ratelimit:`` (its own headers replace
    them), and a header the reply scripts by name wins over the budget's."""
    spent = budget.spend_encoded(tokens)
    if reply.ratelimit is not None:
        return ()
    if extra:
        return tuple(pair for pair in spent if pair[0].decode() not in extra)
    return spent


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
    raw: Sequence[tuple[bytes, bytes]] = (),
) -> Answer:
    """A JSON response with the standard headers; journals the status. ``raw``: more
    headers, encoded already (the rate-limit budget's).

    With a delay in ``latency`` (headers at ``headers_ms``, the body ``ttft_ms`` later,
    both from the request's arrival) or a ``fault``, the body is sent by ``PacedBody``.
    """
    all_headers = base_headers(entry) if status < 400 else _status_headers(entry, status)
    if headers:
        all_headers.update(headers)
    tail = real_headers(all_headers)
    if raw:
        tail = [*raw, *tail]
    data = body if isinstance(body, bytes) else body_bytes(body)
    if fault is None and (latency is None or not (latency.headers_ms or latency.ttft_ms)):
        entry.status = status
        entry.mark("total_ms")
        return JsonBody(data, status, all_headers, tail=tail)
    raw = encode_headers(all_headers) + tail
    return PacedBody(data, status=status, headers=raw, entry=entry, latency=latency, fault=fault)


def error_response(error: ApiError, entry: Entry, *, latency: Latency | None = None) -> Answer:
    """The envelope for ``error`` (after ``latency``'s delays); the journal keeps the
    error object."""
    inner = error_object(error.message, error.type, error.param, error.code)
    entry.error = inner
    return json_response({"error": inner}, entry, error.status, error.headers, latency=latency)


def scripted_error(
    spec: ErrorSpec, reply: Reply | None, model: str | None, *, budget: Budget | None = None
) -> ApiError:
    """A scenario's ``error:`` as an ``ApiError``, defaults filled in from the status.

    A 429 shows the ``budget``, unspent, unless the reply scripts its ``ratelimit:``:
    the limit it hit (``requests`` or ``tokens``) at 0, to be reset after the wait its
    message names."""
    defaults = defaults_for(spec.status, spec.type)
    headers = reply_headers(reply)
    if spec.headers:
        headers.update({k.lower(): v for k, v in spec.headers.items()})
    wait = wait_text(headers, defaults.type)
    if spec.status == 429 and budget is not None and (reply is None or reply.ratelimit is None):
        shown = budget.peek()
        if defaults.type in ("requests", "tokens"):
            shown[f"x-ratelimit-remaining-{defaults.type}"] = "0"
            shown[f"x-ratelimit-reset-{defaults.type}"] = wait
        headers = {**shown, **headers}
    message = spec.message or defaults.message.format(
        model=model or "gpt-4o", masked="sk-***", wait=wait
    )
    return ApiError(
        spec.status,
        message,
        spec.type or defaults.type,
        param=spec.param,
        code=spec.code if spec.code is not None else defaults.code,
        headers=headers,
    )
