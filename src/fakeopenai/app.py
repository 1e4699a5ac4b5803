"""``create_app``: the Starlette app that answers the OpenAI API from scenarios.

The path of a request: route (any base prefix) → guards (key, size, JSON, required
fields) → a ``RequestView`` → ``Engine.pick`` → ``generate.fill`` → the endpoint's JSON
body or stream frames → latency and faults. Every API request is journaled, whatever
its fate; anything unexpected still leaves as an OpenAI error envelope.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect

from fakeopenai.control import PREFIX as CONTROL_PREFIX
from fakeopenai.endpoints import Endpoint, Turn
from fakeopenai.endpoints.chat import ChatEndpoint
from fakeopenai.endpoints.completions import CompletionsEndpoint
from fakeopenai.endpoints.embeddings import EmbeddingsEndpoint
from fakeopenai.endpoints.responses import ResponsesEndpoint
from fakeopenai.engine import Decision, exhausted_error
from fakeopenai.generate import TemplateError, fill
from fakeopenai.generate.schema import UnusableSchema
from fakeopenai.guards import check_key, masked, parse_json, read_body, route
from fakeopenai.journal import Entry
from fakeopenai.logs import ARRIVED_KEY, ENTRY_KEY
from fakeopenai.respond import (
    Answer,
    ApiError,
    JsonBody,
    base_headers,
    encode_headers,
    error_response,
    json_response,
    reply_headers,
    scripted_error,
)
from fakeopenai.scenario import Reply
from fakeopenai.settings import Core, Settings
from fakeopenai.streaming import PacedStream
from fakeopenai.wire.gateway import with_schema
from fakeopenai.wire.ids import request_id

log = logging.getLogger("fakeopenai")

ENDPOINTS: dict[str, Endpoint] = {
    "chat/completions": ChatEndpoint(),
    "responses": ResponsesEndpoint(),
    "completions": CompletionsEndpoint(),
    "embeddings": EmbeddingsEndpoint(),
}


class Api:
    """The request handler, bound to one ``Core`` (engine, journal, settings)."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """The ASGI app of every API path (``FakeOpenAIApp`` routes them here)."""
        answer = await self.handle(scope, receive)
        await answer(scope, receive, send)

    async def handle(self, scope: Any, receive: Any) -> Answer:
        """Answer one API request (never raises: errors become envelopes)."""
        core = self.core
        method, path = scope["method"], scope["path"]
        # ASGI servers send header names in lower case already
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}

        arrived = scope.get(ARRIVED_KEY)  # (set by fakeopenai's servers; else now)
        entry = core.journal.new(method, path, masked(headers), request_id(), arrived)
        scope[ENTRY_KEY] = entry  # for the request log (logs.RequestLog)
        try:
            return await self._handle(method, route_path(scope), receive, headers, entry)
        except ApiError as error:
            return error_response(error, entry)
        except ClientDisconnect:  # the client left mid-upload: no one to answer, no traceback
            entry.client_disconnected = True
            entry.status = 499  # nginx's "client closed request"; nothing reaches the wire
            entry.mark("total_ms")
            return JsonBody(b"", 499, {}, media_type=None)
        except Exception as exc:  # never an unscripted 500 without the envelope
            log.exception("fakeopenai: internal error answering %s", path)
            return error_response(
                ApiError(500, f"fakeopenai internal error: {exc!r}", "fakeopenai_internal_error"),
                entry,
            )

    async def _handle(
        self, method: str, path: str, receive: Any, headers: dict[str, str], entry: Entry
    ) -> Answer:
        core = self.core
        routed = route(method, path)
        if routed is None:
            raise ApiError(404, f"Invalid URL ({method} {path})")
        key, deployment, model_id = routed
        check_key(core.settings, headers)
        if key == "models":
            from fakeopenai.endpoints.models import models_response

            return models_response(core, entry, model_id or None)
        raw = await read_body(receive, headers, core.settings.max_body)
        body = parse_json(raw)
        entry.body = body
        if deployment and "model" not in body:
            # Azure: the deployment names the model (a copy: the journal keeps what was sent)
            body = {**body, "model": deployment}
        endpoint = ENDPOINTS[key]
        endpoint.validate(body)
        check_conversation = getattr(endpoint, "validate_conversation", None)
        if check_conversation is not None and core.settings.validate_conversation:
            check_conversation(body)
        view = endpoint.view(body, headers)
        entry.endpoint, entry.model, entry.stream = view.endpoint, view.model, view.stream
        entry.seen_last_user = view.last_user
        known = core.engine.models
        if known is not None and view.model is not None and view.model not in known:
            raise ApiError(
                404,
                f"The model `{view.model}` does not exist or you do not have access to it.",
                code="model_not_found",
            )
        decision = core.engine.pick(view)
        self._record(entry, decision)
        if decision.miss is not None:
            entry.miss = decision.miss
            raise ApiError(
                404,
                decision.miss,
                "fakeopenai_no_match",
                code="no_match",
                headers={"x-should-retry": "false"},
            )
        if decision.exhausted:
            raise scripted_error(exhausted_error(decision), Reply(no_retry=True), view.model)
        reply = decision.reply or Reply()
        if reply.latency is None and core.settings.default_latency is not None:
            # `fakeopenai serve` paces every reply that sets no latency of its own
            reply = reply.model_copy(update={"latency": core.settings.default_latency})
        return self._answer(endpoint, view, reply, decision, entry)

    def _record(self, entry: Entry, decision: Decision) -> None:
        entry.scenario = decision.scenario.name if decision.scenario else None
        if decision.rule is not None:
            entry.scenario = entry.scenario or "added"
            entry.rule, entry.rule_line = decision.rule.name, decision.rule.line
        entry.step, entry.chaos = decision.step, decision.chaos

    def _answer(
        self, endpoint: Endpoint, view: Any, reply: Reply, decision: Decision, entry: Entry
    ) -> Answer:
        latency = reply.latency
        if reply.error is not None:
            error = scripted_error(reply.error, reply, view.model)
            return error_response(error, entry, latency=latency)
        # (fill and its errors are imported at the top: an import statement in the
        # handler costs ~3 µs per request even with the module loaded)
        try:
            filled = fill(reply, view, seed=decision.seed, rule_key=decision.rule_key)
        except UnusableSchema as exc:
            raise ApiError(
                400,
                f"fakeopenai cannot generate a value for the request's JSON Schema: {exc}",
                code="fakeopenai_unusable_schema",
            ) from None
        except TemplateError as exc:
            raise ApiError(
                500,
                f"fakeopenai: rule {decision.rule_key!r} could not render its reply: {exc}",
                "fakeopenai_template_error",
                headers={"x-should-retry": "false"},
            ) from None
        turn = Turn(view, reply, filled, decision.seed)
        entry.reply = filled.summary()
        extra = reply_headers(reply)
        if view.stream:
            frames = endpoint.frames(turn)
            all_headers = {**base_headers(entry), **extra}
            return PacedStream(
                frames,
                headers=encode_headers(all_headers),
                entry=entry,
                latency=latency,
                fault=reply.fault,
                seed=hash_seed(decision.rule_key, decision.seed),
                fault_frame=getattr(endpoint, "fault_frame", None),
            )
        encoded = getattr(endpoint, "encoded", None)
        body: dict[str, Any] | bytes
        if self.core.settings.emit_schema:
            body, link = with_schema(endpoint.body(turn), endpoint.name, entry.headers.get("host"))
            extra.update(link)
        else:
            body = endpoint.body(turn) if encoded is None else encoded(turn)
        entry.completed = True
        return json_response(body, entry, 200, extra, latency=latency, fault=reply.fault)


def hash_seed(key: str, seed: int | None) -> int:
    """A stable integer from a rule key and seed (``hash()`` is salted per process)."""
    return zlib.crc32(f"{seed}:{key}".encode())


def create_app(
    *paths: str,
    scenarios: Sequence[Any] | None = None,
    settings: Settings | None = None,
    core: Core | None = None,
    **options: Any,
) -> Starlette:
    """The Starlette app. With no arguments it answers everything with generated text.

    ``paths`` are scenario files or folders; ``options`` are ``Settings`` fields
    (``seed``, ``api_key``, ``max_body``, ``default_latency``, ...). A ``core`` built by
    ``FakeOpenAI`` shares its engine and journal with the handle.

    API paths go straight to the API handler (see ``FakeOpenAIApp``): middleware, routes
    or exception handlers added to the returned app apply to ``/_fakeopenai`` only.
    """
    if core is None:
        core = Core.build(paths, scenarios=scenarios, settings=settings, **options)
    from starlette.middleware import Middleware

    from fakeopenai.control import control_routes
    from fakeopenai.cors import LoopbackHostGuard, cors_middleware
    from fakeopenai.logs import RequestLog

    api: Any = Api(core)
    for cls, args, kwargs in reversed(cors_middleware(core.settings.cors_origins)):
        api = cls(api, *args, **kwargs)
    app = FakeOpenAIApp(
        RequestLog(api),
        routes=control_routes(core),
        middleware=[Middleware(RequestLog), Middleware(LoopbackHostGuard)],
    )
    app.state.core = core
    app.state.warmed = warmed = threading.Event()
    threading.Thread(
        target=_warm_up, args=(warmed,), name="fakeopenai-warm-up", daemon=True
    ).start()
    return app


class FakeOpenAIApp(Starlette):
    """Starlette for the control API and the inspector (``/_fakeopenai``); every other
    path goes straight to the API handler.

    The API is the hot path: its handler is a plain ASGI app that reads the scope and
    sends its own messages, so a request skips Starlette's routing, exception
    middleware and ``Request``/``Response`` objects, which cost as much as the rest of
    answering a scripted reply. It never raises (errors become envelopes), which is what
    that machinery would otherwise be there for.
    """

    def __init__(self, api: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = api

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not is_control(route_path(scope)):
            await self.api(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def route_path(scope: Any) -> str:
    """The path below the app's mount point (``root_path``), as Starlette routes it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def is_control(path: str) -> bool:
    """``/_fakeopenai`` and below (``/_fakeopenaix`` is an API path, answered with 404)."""
    return path.startswith(CONTROL_PREFIX) and path[len(CONTROL_PREFIX) :][:1] in ("", "/")


def _warm_up(done: threading.Event) -> None:
    """Import the generators and build Faker now, off the request path: otherwise the
    first request pays ~0.3 s, enough to trip a tight client-timeout test."""
    try:
        from fakeopenai.generate import fill  # noqa: F401  (imports jinja2, the generators)
        from fakeopenai.generate.seeding import FAKER_LOCK, faker_instance

        with FAKER_LOCK:
            faker_instance()
        # anyio imports its asyncio backend (~0.3 s) when first used, which is when a
        # scripted fault drops or stalls a response: a loop of its own imports it now.
        import anyio

        anyio.run(anyio.sleep, 0)
    finally:
        done.set()  # warm or not: nothing waiting on it may wait forever
