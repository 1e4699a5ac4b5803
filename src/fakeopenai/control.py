"""The control API under ``/_fakeopenai/`` (SPEC §3, §4); control calls are not journaled.

Reads (``GET``) are open. Writes (``PUT``/``POST``/``DELETE``) are refused when a browser
sends them from another origin, whatever ``--cors-origin`` says (a page on any site the
developer visits must not be able to reset or reprogram the fake), and with
``--control-token`` they need ``Authorization: Bearer TOKEN``.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from fakeopenai import __version__
from fakeopenai.errors import ScenarioError
from fakeopenai.hostnames import is_loopback
from fakeopenai.journal import Entry, dumps, dumps_entry
from fakeopenai.reload import install_upload, reset_engine
from fakeopenai.settings import Core
from fakeopenai.uploads import UPLOAD_SOURCE, read_upload, summary_json

PREFIX = "/_fakeopenai"
UPLOAD_NAME = "uploaded"  # the name of a PUT scenario that has no `name:` (else ?name=)

Handler = Callable[[Request], Awaitable[Response]]


class ControlError(Exception):
    """A refused control call: status and an error object like the API's envelope."""

    def __init__(self, status: int, type_: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"message": message, "type": type_, **extra}}
        self.headers: dict[str, str] = {}

    def response(self) -> Response:
        return JSONResponse(self.body, self.status, self.headers)


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}".lower()


def check_write(request: Request, token: str | None) -> None:
    """Refuse cross-origin writes (403), writes from beyond loopback without a token (403)
    and, with a token, unauthenticated ones (401)."""
    origin = request.headers.get("origin")
    site = request.headers.get("sec-fetch-site", "").lower()
    if (origin is not None and origin.lower() != _own_origin(request)) or site in (
        "cross-site",
        "same-site",
    ):
        raise ControlError(
            403,
            "fakeopenai_forbidden_origin",
            f"fakeopenai: control writes are refused from another origin "
            f"({origin or site!r}); send them from a script, a test, or the inspector page.",
        )
    if token is None:
        server = request.scope.get("server") or ("127.0.0.1", 0)
        if not is_loopback(str(server[0])):
            raise ControlError(
                403,
                "fakeopenai_forbidden_remote",
                f"fakeopenai: control writes reached this server on {server[0]}, beyond "
                "loopback, and it has no --control-token: start it with --control-token "
                "TOKEN (writes then need `Authorization: Bearer TOKEN`), or write from this "
                "machine through 127.0.0.1.",
            )
        return
    auth = request.headers.get("authorization", "")
    given = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        error = ControlError(
            401,
            "fakeopenai_unauthorized",
            "fakeopenai: this server was started with --control-token; control writes need "
            "the header `Authorization: Bearer TOKEN`.",
        )
        error.headers["www-authenticate"] = 'Bearer realm="fakeopenai control"'
        raise error


async def read_limited(request: Request, limit: int, timeout: float) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (``--max-body``) and with
    408 when it does not arrive within ``timeout`` seconds (``--body-timeout``)."""
    too_large = ControlError(
        413, "request_too_large", f"Request body too large: the limit is {limit} bytes."
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        with anyio.fail_after(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
    except TimeoutError:
        raise ControlError(
            408,
            "request_timeout",
            f"fakeopenai: the request body did not arrive within {timeout:g} s.",
        ) from None
    return b"".join(chunks)


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.strip().isdigit()):  # "²".isdigit() is True
        raise ControlError(
            400, "invalid_request_error", f"?{name}= must be a non-negative integer, got {value!r}"
        )
    return int(value)


def select(entries: list[Entry], request: Request) -> list[Entry]:
    """Apply the ``GET requests`` filters; the result stays oldest first."""
    since, limit = _int_param(request, "since"), _int_param(request, "limit")
    scenario = request.query_params.get("scenario")
    session = request.query_params.get("session")
    miss = request.query_params.get("miss")
    if since is not None:
        entries = [e for e in entries if e.id > since]
    if scenario is not None:
        # The scenario that answered, or the one the request asked for (a miss has none).
        entries = [
            e for e in entries if scenario in (e.scenario, e.headers.get("x-fakeopenai-scenario"))
        ]
    if session is not None:
        entries = [e for e in entries if e.headers.get("x-fakeopenai-session") == session]
    if miss is not None:
        if miss.lower() not in ("1", "true", "yes", "0", "false", "no"):
            raise ControlError(
                400, "invalid_request_error", f"?miss= must be true or false, got {miss!r}"
            )
        wanted = miss.lower() in ("1", "true", "yes")
        entries = [e for e in entries if (e.miss is not None) == wanted]
    offset = _int_param(request, "offset")
    if offset is not None:  # a page, oldest first: ?offset=200&limit=100
        return entries[offset : offset + limit if limit is not None else None]
    if limit is not None:  # the newest `limit`
        entries = entries[-limit:] if limit else []
    return entries


PAGE = 64  # entries encoded per trip to a worker thread
INLINE_BYTES = 256 * 1024  # a listing smaller than this is encoded on the event loop


async def _encoded(entries: list[Entry]) -> AsyncIterator[bytes]:
    """The entries as one JSON list, encoded a page at a time in worker threads: the
    whole journal is never built at once, and the event loop never encodes it."""
    yield b"["
    start = 0
    while start < len(entries):
        end, size = start, 0
        while end < len(entries) and end - start < PAGE and size <= INLINE_BYTES:
            size += entries[end].size
            end += 1
        page = await anyio.to_thread.run_sync(dumps, entries[start:end])
        yield (b"," if start else b"") + page[1:-1]
        start = end
    yield b"]"


async def summary_response(core: Core) -> Response:
    """``GET /_fakeopenai/scenarios``'s answer, made in a worker thread (40,000 rules
    take ~2 s to sum up and encode)."""
    body = await anyio.to_thread.run_sync(summary_json, core)
    return Response(body, media_type="application/json", headers={"cache-control": "no-store"})


def control_routes(core: Core) -> list[Any]:
    """Routes of the control API (and the inspector page) for ``core``."""
    from fakeopenai.inspector import inspector_routes  # it imports this module

    journal, engine, settings = core.journal, core.engine, core.settings

    def guarded(handler: Handler, *, write: bool = False) -> Handler:
        async def run(request: Request) -> Response:
            try:
                if write:
                    check_write(request, settings.control_token)
                return await handler(request)
            except ControlError as error:
                return error.response()

        return run

    async def health(request: Request) -> Response:
        # which process answered (``serve --workers N``: one journal each), on what stack
        stack = getattr(request.app.state, "stack", None)
        counts = {"scenarios": len(engine.scenarios), "requests": len(journal)}
        found = {"status": "ok", "version": __version__, **counts, "pid": os.getpid()}
        return JSONResponse({**found, "stack": stack.as_dict()} if stack else found)

    def journal_json(data: bytes) -> Response:
        # journal.dumps, not JSONResponse: a body may hold NaN or other odd values
        return Response(data, media_type="application/json", headers={"cache-control": "no-store"})

    async def list_requests(request: Request) -> Response:
        chosen = select(journal.snapshot(), request)
        if len(chosen) <= PAGE and sum(entry.size for entry in chosen) <= INLINE_BYTES:
            return journal_json(dumps(chosen))
        return StreamingResponse(
            _encoded(chosen), media_type="application/json", headers={"cache-control": "no-store"}
        )

    async def one_request(request: Request) -> Response:
        wanted = request.path_params["id"]
        for entry in journal.snapshot():
            if entry.id == wanted:
                return journal_json(dumps_entry(entry))
        raise ControlError(404, "not_found", f"fakeopenai: no journal entry with id {wanted}")

    async def delete_requests(request: Request) -> Response:
        count = len(journal)
        journal.clear()
        return JSONResponse({"deleted": count})

    async def get_scenarios(request: Request) -> Response:
        return await summary_response(core)

    async def put_scenarios(request: Request) -> Response:
        raw = await read_limited(request, settings.max_body, settings.body_timeout)
        name = request.query_params.get("name", UPLOAD_NAME)
        try:
            # Off the event loop: a 30 MB document takes seconds to read and validate
            # (and past 2 MB, in a child process: libyaml holds the GIL; see uploads).
            loaded = await anyio.to_thread.run_sync(
                read_upload, raw, request.headers.get("content-type", ""), name
            )
        except ScenarioError as exc:
            issues = [str(issue).removeprefix(f"{UPLOAD_SOURCE}:").lstrip() for issue in exc.issues]
            raise ControlError(
                400,
                "fakeopenai_invalid_scenario",
                str(exc),
                issues=issues,
            ) from None
        install_upload(engine, [loaded])  # (pauses --reload, which would drop them)
        return await summary_response(core)

    async def reset(request: Request) -> Response:
        count = len(journal)
        core.clear()  # the journal and the stored responses and conversations
        reset_engine(engine)  # (and resumes a paused --reload)
        return JSONResponse({"deleted": count, "counters": "cleared"})

    async def unknown(request: Request) -> Response:
        raise ControlError(
            404,
            "not_found",
            f"fakeopenai: no control route {request.method} {request.url.path}; see "
            f"GET {PREFIX}/health, /requests, /scenarios, PUT /scenarios, POST /reset.",
        )

    async def slash(request: Request) -> Response:
        return RedirectResponse(f"{PREFIX}/", 308)

    return [
        Route(f"{PREFIX}/health", guarded(health), methods=["GET"]),
        Route(f"{PREFIX}/requests", guarded(list_requests), methods=["GET"]),
        Route(f"{PREFIX}/requests", guarded(delete_requests, write=True), methods=["DELETE"]),
        Route(f"{PREFIX}/requests/{{id:int}}", guarded(one_request), methods=["GET"]),
        Route(f"{PREFIX}/scenarios", guarded(get_scenarios), methods=["GET"]),
        Route(f"{PREFIX}/scenarios", guarded(put_scenarios, write=True), methods=["PUT"]),
        Route(f"{PREFIX}/reset", guarded(reset, write=True), methods=["POST"]),
        Route(PREFIX, slash, methods=["GET"]),
        *inspector_routes(core),
        Route(
            f"{PREFIX}/{{rest:path}}",
            guarded(unknown),
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        ),
    ]
