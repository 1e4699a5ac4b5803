"""The upstream side of the proxy: where a request goes, with which headers, through
which httpx client. httpx is imported here and nowhere above ``proxy``."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Mapping
from http.cookiejar import CookieJar
from typing import Any

import httpx

from fakeopenai.recording import network

DEFAULT_UPSTREAM = "https://api.openai.com/v1"

# Never forwarded: per-hop headers, and what httpx sets itself.
_HOP = frozenset(
    {
        "host", "content-length", "connection", "keep-alive", "transfer-encoding", "te",
        "upgrade", "proxy-connection", "accept-encoding", "trailer",
    }
)  # fmt: skip
# Not passed back to the client: per-hop, and what the proxy sets itself.
_BACK_HOP = frozenset(
    {"content-length", "content-encoding", "connection", "keep-alive", "transfer-encoding"}
)


class _NoCookies(CookieJar):
    """A cookie jar that keeps nothing. The clients are shared by every client of the
    proxy: a cookie one of them was given (the real API sets ``__cf_bm``) must not go
    upstream with another's requests. Each client's own ``Cookie`` header is forwarded
    as sent, and ``Set-Cookie`` passed back to it. (Keeping none also spares each
    answer's headers a trip through ``http.cookiejar``.)"""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


# Long reads (a model can think for minutes), a quick connect.
TIMEOUT = httpx.Timeout(600.0, connect=10.0)
_TIMEOUTS = TIMEOUT.as_dict()  # (as a request's extensions carry it to the pool)
# An idle connection is dropped after 4 s: sooner than the 5 s uvicorn's servers
# (``fakeopenai serve`` among them) and Node's keep one. At httpx's default, also 5 s,
# a request could go out on a connection the upstream was closing that very moment and
# fail with a ReadError (a 502 for the client, nothing recorded).
LIMITS = httpx.Limits(max_connections=256, max_keepalive_connections=16, keepalive_expiry=4.0)
Pool = httpx.AsyncHTTPTransport | httpx.AsyncClient


def transport(verify: Any = True) -> httpx.AsyncHTTPTransport:
    """A connection pool for the proxy's event loop, its sockets on plain asyncio (see
    ``network``). ``verify``: an SSL context to share (building one reads the CA bundle:
    ~0.1 s)."""
    pool = httpx.AsyncHTTPTransport(verify=verify, limits=LIMITS)
    network.install(pool)
    return pool


def proxied(verify: Any = True) -> httpx.AsyncClient:
    """A client that goes through the proxies the environment names, as httpx does,
    following no redirects (an API answers, it does not redirect), keeping no cookies."""
    return httpx.AsyncClient(
        verify=verify,
        limits=LIMITS,
        timeout=TIMEOUT,
        follow_redirects=False,
        cookies=_NoCookies(),
    )


class Pools:
    """``POOLS`` connection pools per event loop, taken in turn, sharing one SSL
    context. httpcore's pool checks every one of its connections each time it hands one
    out: with 50 streams under way, one pool spent more time on that than on passing
    the streams on.

    A request goes straight to a pool (``transport``): an ``AsyncClient`` adds a third
    to the CPU a request costs (building the request again, auth, redirect and cookie
    handling, none of which a proxy uses). Unless the environment names an HTTP proxy
    (``HTTPS_PROXY`` and the like): then to ``proxied`` clients, which route it there
    (an httpx client given its own transport ignores those variables)."""

    POOLS = 16

    def __init__(self) -> None:
        self._pools: dict[int, list[Pool]] = {}
        self._turn = 0

    def prepare(self) -> list[Pool]:
        """The running loop's pools, made on first use (not in a request's time)."""
        loop = id(asyncio.get_running_loop())
        pools = self._pools.get(loop)
        if pools is None:
            context = httpx.create_ssl_context()  # reads the CA bundle: ~0.1 s
            make = proxied if urllib.request.getproxies() else transport  # (what httpx reads)
            pools = self._pools[loop] = [make(context) for _ in range(self.POOLS)]
        return pools

    async def send(
        self, method: str, url: str, headers: dict[str, str], content: bytes | None
    ) -> httpx.Response:
        """Send a request upstream; its response, the body still to be read."""
        self._turn = (self._turn + 1) % self.POOLS
        pool = self.prepare()[self._turn]
        if isinstance(pool, httpx.AsyncClient):
            request = pool.build_request(method, url, headers=headers, content=content)
            return await pool.send(request, stream=True)
        request = httpx.Request(
            method, url, headers=headers, content=content, extensions={"timeout": _TIMEOUTS}
        )
        response = await pool.handle_async_request(request)
        response.request = request
        return response

    async def aclose(self) -> None:
        for pool in self._pools.pop(id(asyncio.get_running_loop()), []):
            await pool.aclose()


def target(base: str, rest: str, query: str, deployment: str | None) -> str:
    """The upstream URL: ``base`` (its ``{deployment}`` filled in) + ``/`` + ``rest``."""
    if deployment is not None:
        base = base.replace("{deployment}", deployment)
    url = f"{base.rstrip('/')}/{rest}"
    return f"{url}?{query}" if query else url


def request_headers(headers: Mapping[str, str], key: str | None) -> dict[str, str]:
    """The client's headers for the upstream; with ``key``, that key replaces the
    client's own, in the header the client used (``api-key`` for Azure, else
    ``Authorization: Bearer``)."""
    sent = {k: v for k, v in headers.items() if k.lower() not in _HOP}
    sent["accept-encoding"] = "identity"  # frames pass through as they come
    if key is not None:
        azure = any(k.lower() == "api-key" for k in sent)  # Azure clients send api-key
        sent = {k: v for k, v in sent.items() if k.lower() not in ("authorization", "api-key")}
        if azure:
            sent["api-key"] = key
        else:
            sent["authorization"] = f"Bearer {key}"
    return sent


def request_body(raw: bytes, deployment: str | None, base: str) -> bytes:
    """The body as sent, except that an Azure deployment path going to an upstream
    without ``{deployment}`` puts the deployment in ``model`` (OpenAI needs one)."""
    if deployment is None or "{deployment}" in base or not raw:
        return raw
    try:
        body = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(body, dict) or "model" in body:
        return raw
    return json.dumps({**body, "model": deployment}).encode()


def response_headers(response: httpx.Response) -> list[tuple[bytes, bytes]]:
    """The upstream's headers, raw, for the client (per-hop ones left out)."""
    return [
        (name.lower(), value)
        for name, value in response.headers.raw
        if name.decode("latin-1").lower() not in _BACK_HOP
    ]


def lower_headers(response: httpx.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


def reason(exc: BaseException, url: str) -> str:
    """Why the upstream could not answer, for the 502 envelope and the log."""
    kind = type(exc).__name__
    text = str(exc) or "no detail"
    return f"fakeopenai: the upstream {url} did not answer: {kind}: {text}"


def is_transport_error(exc: BaseException) -> bool:
    return isinstance(exc, httpx.HTTPError | OSError)
