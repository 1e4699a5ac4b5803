"""Request guards shared by every API route, as the real API applies them: the path
(any base prefix), the key, the body size and the JSON itself. Each refusal is an
``ApiError`` that the app turns into the OpenAI envelope."""

from __future__ import annotations

import functools
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

import anyio
from pydantic_core import from_json
from starlette.requests import ClientDisconnect

from fakeopenai.budgets.connections import BODY_TIMED, BODY_TIMEOUT
from fakeopenai.control import ControlError
from fakeopenai.respond import ApiError
from fakeopenai.settings import Settings
from fakeopenai.wire.errors import (
    MALFORMED_JSON_MESSAGE,
    NO_KEY_MESSAGE,
    WRONG_KEY_MESSAGE,
    mask_key,
    mask_wrong_key,
)

# /v1/…, /openai/v1/…, /openai/deployments/{dep}/…, /openai/… (Azure) and bare /…
_ROUTE = re.compile(
    r"^/(?:v1/|openai/v1/|openai/deployments/(?P<deployment>[^/]+)/|openai/)?"
    r"(?P<endpoint>chat/completions|completions|embeddings|responses|models)"
    r"(?:/(?P<model_id>.+?))?/?$"  # (lazy: a trailing slash is not part of the id)
)


@functools.lru_cache(maxsize=512)  # a client uses a handful of paths, over and over
def route(method: str, path: str) -> tuple[str, str | None, str | None] | None:
    """(endpoint key, deployment, model id) for a known API path and method."""
    found = _ROUTE.match(path)
    if found is None:
        return None
    endpoint, model_id = found["endpoint"], found["model_id"]
    if endpoint == "models":
        return (endpoint, found["deployment"], model_id) if method == "GET" else None
    if model_id is not None or method != "POST":
        return None
    return endpoint, found["deployment"], None


def check_key(settings: Settings, headers: Mapping[str, str]) -> None:
    if settings.api_key is None:
        return
    given = headers.get("api-key")
    auth = headers.get("authorization", "")
    if given is None and auth[:7].lower() == "bearer ":
        given = auth[7:].strip()
    if not given:
        raise ApiError(401, NO_KEY_MESSAGE)
    # compare_digest: the time taken does not say how much of a guessed key was right
    if not hmac.compare_digest(given.encode(), settings.api_key.encode()):
        raise ApiError(
            401, WRONG_KEY_MESSAGE.format(masked=mask_wrong_key(given)), code="invalid_api_key"
        )


def body_timeout(scope: Mapping[str, Any], fallback: float = BODY_TIMEOUT) -> float | None:
    """How long ``read_body`` gives a request's body: None when fakeopenai's own server
    times it already (``budgets.connections``: no timer for a body that came with its
    head), else ``fallback`` (``--body-timeout``: the app under a server not ours)."""
    return None if scope.get(BODY_TIMED) else fallback


async def read_body(
    receive: Any, headers: Mapping[str, str], limit: int, timeout: float | None = BODY_TIMEOUT
) -> bytes:
    """The body, refusing more than ``limit`` bytes (413) without reading it all, and
    one that does not arrive whole within ``timeout`` seconds (408: a slow upload would
    otherwise hold its connection and task for ever; None: the server times it).

    Raises Starlette's ``ClientDisconnect`` when the client leaves mid-upload."""
    check_declared_size(headers, limit)
    if timeout is None:
        return await _read(receive, limit)
    try:
        with anyio.fail_after(timeout):
            return await _read(receive, limit)
    except TimeoutError:
        raise ApiError(
            408,
            f"fakeopenai: the request body did not arrive within {timeout:g} s.",
            code="request_timeout",
            headers={"connection": "close"},
        ) from None


async def _read(receive: Any, limit: int) -> bytes:
    # ASGI messages read directly: Starlette's request.stream() generator costs more
    # than the rest of reading a small body.
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def check_declared_size(headers: Mapping[str, str], limit: int) -> None:
    """413 for a request that says it sends more than ``limit`` bytes, on any route
    (read or not: a body the handler never reads still crosses the wire)."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)


class DeclaredSizeGuard:
    """ASGI middleware: ``check_declared_size`` for the control API and the inspector
    (their routes read bodies their own way, or not at all); the 413 as the control API
    answers errors."""

    def __init__(self, app: Any, /, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            try:
                check_declared_size(headers, self.limit)
            except ApiError as error:
                refusal = ControlError(error.status, error.code or "", error.message)
                await refusal.response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413, f"Request body too large: the limit is {limit} bytes.", code="request_too_large"
    )


def parse_json(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body (400 when it is anything else)."""
    try:
        # pydantic-core's parser is several times faster than json's; json still decides
        # what it refuses (UTF-16 bodies, lone surrogates), so nothing that parsed before
        # is refused now.
        body = from_json(raw, cache_strings="keys")
    except ValueError:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ApiError(400, MALFORMED_JSON_MESSAGE) from None
    if not isinstance(body, dict):
        raise ApiError(400, MALFORMED_JSON_MESSAGE)
    return body


# Parts of a header name that mark it as carrying a credential (x-api-key, cookie,
# proxy-authorization, ocp-apim-subscription-key, x-auth-token, x-session-id ...).
_SECRET_PARTS = ("key", "token", "secret", "auth", "cookie", "session", "password", "subscription")
# Named outright: identifiers the recorder never writes either (SPEC §5).
_SECRET_NAMES = frozenset({"openai-organization", "openai-project"})
# fakeopenai's own routing headers are not secrets (the journal filters on the session).
_OWN_PREFIX = "x-fakeopenai-"


@functools.lru_cache(maxsize=1024)
def is_secret_header(name: str) -> bool:
    """Whether a (lower-case) header name carries a credential, by its name."""
    if name.startswith(_OWN_PREFIX):
        return False
    return name in _SECRET_NAMES or any(part in name for part in _SECRET_PARTS)


def masked(headers: dict[str, str]) -> dict[str, str]:
    """The headers as the journal keeps them: credentials masked (``Bearer sk-pro***123``).

    Apps often keep their real OPENAI_API_KEY and change only the base URL; the journal
    is readable over the control API and shown in the inspector, so it never holds a
    usable key, cookie or token (``wire.errors.mask_key`` shows at most a quarter)."""
    secret = [name for name in headers if is_secret_header(name)]
    if not secret:
        return headers
    kept = dict(headers)
    for name in secret:
        kept[name] = _masked_value(kept[name])
    return kept


@functools.lru_cache(maxsize=256)
def _masked_value(value: str) -> str:
    # (a client sends the same key with every request: masked once, not per request)
    scheme, space, key = value.partition(" ")
    if space and scheme.isalpha() and len(scheme) <= 16:  # Bearer, Basic, Token ...
        return f"{scheme} {mask_key(key.strip())}"
    return mask_key(value)
