"""The OpenAI error envelope, per-status defaults taken from the real API, and headers.

Every error leaves the server as ``{"error": {"message", "type", "param", "code"}}`` with
all four keys present (null allowed), because the SDKs and Vercel's zod schemas read them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

OPENAI_VERSION = "2020-10-01"

RATE_LIMIT_MESSAGE = (
    "Rate limit reached for {model} in organization org-fakeopenai on requests per min (RPM): "
    "Limit 500, Used 500, Requested 1. Please try again in {wait}. "
    "Visit https://platform.openai.com/account/rate-limits to learn more."
)
TOKENS_LIMIT_MESSAGE = (
    "Rate limit reached for {model} in organization org-fakeopenai on tokens per min (TPM): "
    "Limit 30000, Used 29937, Requested 385. Please try again in {wait}. "
    "Visit https://platform.openai.com/account/rate-limits to learn more."
)
QUOTA_MESSAGE = (
    "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, read the docs: "
    "https://platform.openai.com/docs/guides/error-codes/api-errors."
)
SERVER_ERROR_MESSAGE = "The server had an error while processing your request. Sorry about that!"
MALFORMED_JSON_MESSAGE = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
    "sent was not valid JSON. If you have trouble figuring out how to fix this, please contact "
    "us through our help center at help.openai.com.)"
)
NO_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
    "blank username) if you're accessing the API from your browser and are prompted for a "
    "username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)
WRONG_KEY_MESSAGE = (
    "Incorrect API key provided: {masked}. You can find your API key at "
    "https://platform.openai.com/account/api-keys."
)


@dataclass(frozen=True, slots=True)
class ErrorDefaults:
    """What the real API sends for a status when the scenario does not say."""

    type: str
    code: str | None
    message: str


# WIRE.md §2.3: types and codes as api.openai.com sends them (401's type is
# invalid_request_error; rate limits use "requests"/"tokens", not "rate_limit_error").
STATUS_DEFAULTS: dict[int, ErrorDefaults] = {
    400: ErrorDefaults("invalid_request_error", None, "Invalid request."),
    401: ErrorDefaults("invalid_request_error", "invalid_api_key", WRONG_KEY_MESSAGE),
    403: ErrorDefaults(
        "request_forbidden",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported.",
    ),
    404: ErrorDefaults(
        "invalid_request_error",
        "model_not_found",
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    408: ErrorDefaults("timeout", None, "Request timed out."),
    409: ErrorDefaults(
        "invalid_request_error", "conflict", "The request conflicts with another request."
    ),
    413: ErrorDefaults("invalid_request_error", None, "Request too large."),
    422: ErrorDefaults("invalid_request_error", None, "Unprocessable request."),
    429: ErrorDefaults("requests", "rate_limit_exceeded", RATE_LIMIT_MESSAGE),
    500: ErrorDefaults("server_error", None, SERVER_ERROR_MESSAGE),
    502: ErrorDefaults("server_error", None, "Bad gateway."),
    503: ErrorDefaults(
        "server_error", None, "The engine is currently overloaded, please try again later."
    ),
    504: ErrorDefaults("server_error", None, "Gateway timeout."),
}


def defaults_for(status: int, type_: str | None = None) -> ErrorDefaults:
    """The defaults for ``status``; a 429 of type ``tokens`` or ``insufficient_quota``
    gets that flavour's message and code."""
    if status == 429 and type_ == "insufficient_quota":
        return ErrorDefaults("insufficient_quota", "insufficient_quota", QUOTA_MESSAGE)
    if status == 429 and type_ == "tokens":
        return ErrorDefaults("tokens", "rate_limit_exceeded", TOKENS_LIMIT_MESSAGE)
    if status in STATUS_DEFAULTS:
        return STATUS_DEFAULTS[status]
    if status >= 500:
        return ErrorDefaults("server_error", None, SERVER_ERROR_MESSAGE)
    return ErrorDefaults("invalid_request_error", None, f"Request failed with status {status}.")


# What a rate-limit message says to wait when no header says otherwise (the real API's
# usual figures for each flavour).
DEFAULT_WAIT = {"requests": "120ms", "tokens": "644ms"}


def wait_text(headers: dict[str, str], type_: str) -> str:
    """How long a 429's message says to wait: what the response's headers say (so the
    text and the headers a client reads agree), else the usual figure.

    ``retry-after-ms`` wins (the SDKs read it first), then ``retry-after`` (seconds),
    then the flavour's ``x-ratelimit-reset-*`` header, which is already a duration."""
    for name, scale in (("retry-after-ms", 1.0), ("retry-after", 1000.0)):
        raw = headers.get(name)
        try:
            millis = float(raw) * scale if raw is not None else None
        except ValueError:  # an HTTP date or a scripted oddity: say nothing wrong
            millis = None
        if millis is not None and millis >= 0:
            return f"{millis:.0f}ms" if millis < 1000 else f"{round(millis / 1000, 3):g}s"
    reset = headers.get(f"x-ratelimit-reset-{'tokens' if type_ == 'tokens' else 'requests'}")
    return reset or DEFAULT_WAIT["tokens" if type_ == "tokens" else "requests"]


def error_object(
    message: str, type_: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """The inner error object, all four keys present."""
    return {"message": message, "type": type_, "param": param, "code": code}


def envelope(message: str, type_: str, param: str | None = None, code: str | None = None) -> bytes:
    """The JSON bytes of ``{"error": {...}}``."""
    return json.dumps({"error": error_object(message, type_, param, code)}).encode()


def mask_wrong_key(key: str) -> str:
    """A wrong key as the real 401 message shows it (WIRE.md §9 row 12): the first 8
    characters, one ``*`` per hidden character, the last 4 (``sk-proj-****…****abcd``).
    A key of 12 characters or fewer is all stars."""
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def mask_key(key: str) -> str:
    """``sk-abc***xyz``, as the real 401 message shows a wrong key (real keys are long).

    Never more than a quarter of the secret shows, so a short one (``azure-key``) is not
    given away whole: 6 + 3 characters only from 36 characters up, fewer below, none up
    to 8."""
    size = len(key)
    if size <= 8:
        return "*" * size
    shown = min(9, size // 4)
    head = min(6, shown - shown // 3)
    tail = shown - head
    return f"{key[:head]}***{key[size - tail :] if tail else ''}"
