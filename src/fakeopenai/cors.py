"""What browsers may do: CORS for apps that call the fake directly (``--cors-origin``),
and the Host check that keeps other sites off the control API.

Only the origins given are allowed (``*`` for any). Preflights allow every requested
header: the SDKs send a growing family (``authorization``, ``content-type``,
``x-stainless-*``, ``openai-*``, ``api-key``, ``x-fakeopenai-*``) and the fake has no
reason to refuse a header from an origin the developer trusts, so mirroring them beats a
list that falls behind. The API's own headers are exposed by name (and ``*`` for scripted
ones). The control API and inspector get no CORS at all: other origins can neither read
them nor write to them (``control.py`` also refuses cross-origin writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from fakeopenai.control import ControlError
from fakeopenai.dispatch import is_control, route_path
from fakeopenai.hostnames import is_loopback, is_loopback_host_header
from fakeopenai.ratelimits.budget import NAMES as RATELIMIT_NAMES

EXPOSED = (
    "x-request-id",
    "openai-processing-ms",
    "openai-version",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    *RATELIMIT_NAMES,
    "*",  # headers a scenario scripts itself (non-credentialed requests)
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def normalise_origin(origin: str) -> str:
    """``scheme://host[:port]`` as browsers send it in ``Origin`` (or ``*``).

    Raises ``ValueError`` for anything else, since a path or a missing scheme would never
    match and the browser would just report a CORS failure.
    """
    value = origin.strip().rstrip("/")
    if value == "*":
        return value
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest or "/" in rest:
        raise ValueError(
            f"fakeopenai: --cors-origin {origin!r} is not an origin; give "
            "scheme://host[:port] (e.g. http://localhost:5173) or *"
        )
    return f"{scheme.lower()}://{rest.lower()}"


def cors_middleware(origins: Sequence[str]) -> list[Middleware]:
    """The middleware for ``origins`` (none when the list is empty: no CORS at all)."""
    if not origins:
        return []
    return [
        Middleware(
            ApiOnlyCORS,
            allow_origins=[normalise_origin(o) for o in origins],
            allow_methods=METHODS,
            allow_headers=["*"],
            expose_headers=EXPOSED,
            # A page served from a public address calling the fake on loopback (Chrome's
            # Private Network Access) is allowed once its origin is.
            allow_private_network=True,
            max_age=600,
        )
    ]


class ApiOnlyCORS:
    """CORS for the API routes only: the control API and inspector never answer a
    cross-origin read, so no web page can read the journal (prompts, masked keys)."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # (below the mount point: a mounted app's scope["path"] carries the mount prefix)
        if scope["type"] == "http" and is_control(route_path(scope)):
            await self.app(scope, receive, send)
        else:
            await self.cors(scope, receive, send)


class LoopbackHostGuard:
    """ASGI middleware: on a server listening on loopback, the control API and the
    inspector answer only requests whose ``Host`` names loopback.

    A page on another site can point its own DNS name at 127.0.0.1 ("DNS rebinding") and
    then read or write the control API as if same-origin; its requests still carry that
    foreign name in ``Host``, which is what this refuses."""

    def __init__(self, app: Any, /) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and is_control(route_path(scope)):
            server = scope.get("server") or ("", 0)
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if is_loopback(str(server[0])) and not is_loopback_host_header(host):
                error = ControlError(
                    403,
                    "fakeopenai_forbidden_host",
                    f"fakeopenai: the control API answers only loopback host names on a server "
                    f"listening on loopback; got Host {host!r}.",
                )
                await error.response()(scope, receive, send)
                return
        await self.app(scope, receive, send)
