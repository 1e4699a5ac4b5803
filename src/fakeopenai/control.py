"""The control API under ``/_fakeopenai/`` (SPEC §3, §4); control calls are not journaled.

Reads (``GET``) are open. Writes (``PUT``/``POST``/``DELETE``) are refused when a browser
sends them from another origin, whatever ``--cors-origin`` says (a page on any site the
developer visits must not be able to reset or reprogram the fake), and with
``--control-token`` they need ``Authorization: Bearer TOKEN``.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from fakeopenai import __version__
from fakeopenai.errors import Issue, ScenarioError
from fakeopenai.journal import Entry, dumps, dumps_entry
from fakeopenai.loader import LoadedScenario, load_mapping, load_text
from fakeopenai.reload import install_upload, reset_engine
from fakeopenai.settings import Core

PREFIX = "/_fakeopenai"
UPLOAD_SOURCE = "<request body>"
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
    """Refuse cross-origin writes (403) and, with a token, unauthenticated ones (401)."""
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


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (``--max-body``)."""
    too_large = ControlError(
        413, "request_too_large", f"Request body too large: the limit is {limit} bytes."
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def parse_scenario(raw: bytes, content_type: str, name: str) -> LoadedScenario:
    """One scenario document from a request body: JSON by content type, else YAML.

    Validated exactly like a file; ``ScenarioError`` lists every problem (YAML gives
    ``line: error``, JSON gives the key path, as a JSON body is usually one line).
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        issue = Issue(UPLOAD_SOURCE, None, "", f"the body is not UTF-8 (byte {exc.start})")
        raise ScenarioError([issue]) from None
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", None)
            issue = Issue(UPLOAD_SOURCE, line, "", f"invalid JSON: {getattr(exc, 'msg', exc)}")
            raise ScenarioError([issue]) from None
        if isinstance(data, dict) and "name" not in data:
            data = {"name": name, **data}
        return load_mapping(data, UPLOAD_SOURCE)
    return load_text(text, UPLOAD_SOURCE, name)


def scenarios_summary(core: Core) -> dict[str, Any]:
    """Loaded scenarios with their rules, match conditions and hit counts."""
    from fakeopenai.engine import ADDED

    engine = core.engine
    hits = engine.hit_counts()

    def rules(owner: str, loaded: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": rule.name,
                "index": rule.index,
                "line": rule.line,
                "match": rule.match.model_dump(
                    mode="json", exclude_none=True, exclude_defaults=True
                ),
                "replies": len(rule.replies),
                "sequence": rule.sequence,
                "then": rule.then,
                "hits": hits.get((owner, rule.index), 0),
            }
            for rule in loaded
        ]

    return {
        "scenarios": [
            {
                "name": s.name,
                "source": s.source,
                "description": s.description,
                "seed": s.seed,
                "models": list(s.models) if s.models is not None else None,
                "chaos": s.chaos.model_dump(mode="json") if s.chaos else None,
                "rules": rules(s.name, s.rules),
            }
            for s in engine.scenarios
        ],
        "added": rules(ADDED, engine.added),
        "embedded_default": not engine.scenarios and not engine.added,
    }


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
    if limit is not None:
        entries = entries[-limit:] if limit else []
    return entries


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
        return journal_json(dumps(select(journal.snapshot(), request)))

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
        return JSONResponse(scenarios_summary(core), headers={"cache-control": "no-store"})

    async def put_scenarios(request: Request) -> Response:
        raw = await read_limited(request, settings.max_body)
        name = request.query_params.get("name", UPLOAD_NAME)
        try:
            loaded = parse_scenario(raw, request.headers.get("content-type", ""), name)
        except ScenarioError as exc:
            issues = [str(issue).removeprefix(f"{UPLOAD_SOURCE}:").lstrip() for issue in exc.issues]
            raise ControlError(
                400,
                "fakeopenai_invalid_scenario",
                str(exc),
                issues=issues,
            ) from None
        install_upload(engine, [loaded])  # (pauses --reload, which would drop them)
        return JSONResponse(scenarios_summary(core))

    async def reset(request: Request) -> Response:
        count = len(journal)
        journal.clear()
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
