"""``create_app``: the Starlette app that answers the OpenAI API from scenarios.

The path of a request: route (any base prefix) → guards (key, size, JSON, required
fields) → a ``RequestView`` → ``Engine.pick`` → ``generate.fill`` → the endpoint's JSON
body or stream frames → latency and faults. Every API request is journaled, whatever
its fate; anything unexpected still leaves as an OpenAI error envelope.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Sequence
from typing import Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect

from fakeopenai.budgets.limits import LARGE_BODY
from fakeopenai.budgets.regex import RegexBudgetExceeded
from fakeopenai.control import PREFIX as CONTROL_PREFIX
from fakeopenai.endpoints import Endpoint, Turn
from fakeopenai.endpoints.chat import ChatEndpoint
from fakeopenai.endpoints.completions import CompletionsEndpoint
from fakeopenai.endpoints.embeddings import EmbeddingsEndpoint
from fakeopenai.endpoints.responses import ResponsesEndpoint
from fakeopenai.engine import Decision, exhausted_error
from fakeopenai.filled import Filled
from fakeopenai.guards import check_key, masked, parse_json, read_body, route
from fakeopenai.journal import Entry
from fakeopenai.logs import ARRIVED_KEY, ENTRY_KEY
from fakeopenai.respond import (
    Answer,
    ApiError,
    JsonBody,
    PiecesBody,
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
from fakeopenai.wire.sse import PIECEWISE_ITEMS, large_body_bytes

log = logging.getLogger("fakeopenai")
COLLECT_AFTER = 32 * 1024 * 1024  # bytes of large request bodies between collections

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
        self._large_bytes = 0  # large bodies read since the last garbage collection

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
        except RegexBudgetExceeded as exc:  # a scenario regex that backtracks forever
            over = ApiError(
                500, str(exc), "fakeopenai_budget_exceeded", headers={"x-should-retry": "false"}
            )
            return error_response(over, entry)
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
        raw = await read_body(receive, headers, core.settings.max_body, core.settings.body_timeout)
        large = len(raw) > LARGE_BODY  # a 1 MB prompt takes a second to parse and count
        if large:
            self._collect_now_and_then(len(raw))
            decided = await anyio.to_thread.run_sync(
                self._decide, key, deployment, raw, headers, entry
            )
        else:
            decided = self._decide(key, deployment, raw, headers, entry)
        return await self._answer(*decided, entry, offload=large)

    def _collect_now_and_then(self, size: int) -> None:
        """A full garbage collection after every ``COLLECT_AFTER`` bytes of large bodies.
        A large body that ends up in a reference cycle (an exception's traceback holds
        the frame that parsed it) waits for the collector, and ``fakeopenai serve``
        collects seldom (``serving.settle_heap``): 1 MB prompts then piled up by the
        hundred. Collecting here bounds that garbage to about ``COLLECT_AFTER``."""
        self._large_bytes += size
        if self._large_bytes > COLLECT_AFTER:
            self._large_bytes = 0
            gc.collect()

    def _decide(
        self, key: str, deployment: str | None, raw: bytes, headers: dict[str, str], entry: Entry
    ) -> tuple[Endpoint, Any, Reply, Decision]:
        """Parse, validate and match a request: what to answer it with (or an ApiError)."""
        core = self.core
        body = parse_json(raw)
        core.journal.keep_body(entry, body, len(raw))
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
        entry.seen_last_user = core.journal.keep_text(view.last_user)
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
        return endpoint, view, reply, decision

    def _record(self, entry: Entry, decision: Decision) -> None:
        entry.scenario = decision.scenario.name if decision.scenario else None
        if decision.rule is not None:
            entry.scenario = entry.scenario or "added"
            entry.rule, entry.rule_line = decision.rule.name, decision.rule.line
        entry.step, entry.chaos = decision.step, decision.chaos

    def _fill(self, reply: Reply, view: Any, decision: Decision) -> Filled:
        """The filled reply, its failures as the envelopes they deserve."""
        from fakeopenai.generate import TemplateError, fill
        from fakeopenai.generate.schema import UnusableSchema

        try:
            return fill(reply, view, seed=decision.seed, rule_key=decision.rule_key)
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

    async def _answer(
        self,
        endpoint: Endpoint,
        view: Any,
        reply: Reply,
        decision: Decision,
        entry: Entry,
        *,
        offload: bool,
    ) -> Answer:
        latency = reply.latency
        if reply.error is not None:
            error = scripted_error(reply.error, reply, view.model)
            return error_response(error, entry, latency=latency)
        from fakeopenai.generate import fixed_text

        # Fixed text is answered on the event loop (microseconds). Anything generated
        # (templates, JSON Schema values, faker prose, n choices, embeddings) is made in
        # a worker thread: its budgets (budgets/) bound it, and meanwhile the loop keeps
        # answering everyone else, health checks included.
        offloaded = offload or fixed_text(reply, view) is None
        if offloaded:
            filled = await anyio.to_thread.run_sync(self._fill, reply, view, decision)
        else:
            filled = self._fill(reply, view, decision)
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
        pieces = getattr(endpoint, "pieces", None)
        if pieces is not None and len(view.inputs) > PIECEWISE_ITEMS and _plain(reply):
            # 2,048 embeddings: made and sent vector by vector as the client reads them
            entry.status, entry.completed = 200, True
            return PiecesBody(pieces(turn), 200, {**base_headers(entry), **extra})
        if offloaded:  # a large answer (2,048 embeddings, n=128) is encoded off the loop too
            body = await anyio.to_thread.run_sync(self._body, endpoint, turn, extra, entry, True)
        else:
            body = self._body(endpoint, turn, extra, entry)
        entry.completed = True
        return json_response(body, entry, 200, extra, latency=latency, fault=reply.fault)

    def _body(
        self,
        endpoint: Endpoint,
        turn: Turn,
        extra: dict[str, str],
        entry: Entry,
        worker: bool = False,
    ) -> dict[str, Any] | bytes:
        """The answer (``extra`` gains the schema link, if any); in a ``worker`` thread,
        its bytes, encoded piece by piece (``wire.sse.large_body_bytes``)."""
        encoded = getattr(endpoint, "encoded", None)
        if self.core.settings.emit_schema:
            body, link = with_schema(endpoint.body(turn), endpoint.name, entry.headers.get("host"))
            extra.update(link)
            return body
        if worker:
            return large_body_bytes(endpoint.body(turn))
        return endpoint.body(turn) if encoded is None else encoded(turn)


def _plain(reply: Reply) -> bool:
    """A reply with nothing that must be decided before its body starts (an error in a
    pinned vector, a delay, a fault)."""
    return not reply.embedding and reply.latency is None and reply.fault is None


def hash_seed(key: str, seed: int | None) -> int:
    """A stable integer from a rule key and seed (``hash()`` is salted per process)."""
    import zlib

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
    finally:
        done.set()  # warm or not: nothing waiting on it may wait forever
