"""``Api``: the handler that answers every OpenAI API request from scenarios.

The path of a request: route (any base prefix) → guards (key, size, JSON, required
fields) → a ``RequestView`` → ``Engine.pick`` → ``generate.fill`` → the endpoint's JSON
body or stream frames → latency and faults. Every API request is journaled, whatever
its fate; anything unexpected still leaves as an OpenAI error envelope.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import anyio
import anyio.to_thread
from starlette.requests import ClientDisconnect

from fakeopenai.budgets.connections import BODY_TIMED_OUT, late_body
from fakeopenai.budgets.garbage import GarbageBound
from fakeopenai.budgets.limits import LARGE_BODY
from fakeopenai.budgets.regex import RegexBudgetExceeded
from fakeopenai.conversations.history import Pending, keep, may_continue, prepare
from fakeopenai.dispatch import route_path
from fakeopenai.endpoints import Endpoint, Turn
from fakeopenai.endpoints.chat import ChatEndpoint
from fakeopenai.endpoints.completions import CompletionsEndpoint
from fakeopenai.endpoints.embeddings import EmbeddingsEndpoint
from fakeopenai.endpoints.models import unknown_model
from fakeopenai.endpoints.responses import ResponsesEndpoint
from fakeopenai.endpoints.stored import answer_state
from fakeopenai.engine import Decision, exhausted_error
from fakeopenai.generate import fill_fixed, fixed_text
from fakeopenai.guards import (
    body_timeout,
    check_declared_size,
    check_key,
    masked,
    parse_json,
    read_body,
    route,
)
from fakeopenai.journal import Entry
from fakeopenai.logs import ARRIVED_KEY, ENTRY_KEY
from fakeopenai.making import body_of, fill_checked, hash_seed, plain
from fakeopenai.piecewise import PiecesBody
from fakeopenai.plausible import reply_warnings
from fakeopenai.respond import (
    Answer,
    ApiError,
    JsonBody,
    base_headers,
    encode_headers,
    error_response,
    json_response,
    ratelimit_headers,
    real_headers,
    reply_headers,
    scripted_error,
)
from fakeopenai.scenario import Reply
from fakeopenai.settings import Core
from fakeopenai.shaped import shaped
from fakeopenai.streaming import PacedStream
from fakeopenai.wire.ids import request_id
from fakeopenai.wire.sse import PIECEWISE_ITEMS

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
        self._garbage = GarbageBound()  # large bodies read since the last collection

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
            check_declared_size(headers, core.settings.max_body)  # (on any route)
            path = route_path(scope)
            timeout = body_timeout(scope, core.settings.body_timeout)
            if route(method, path) is None:  # stored responses and conversations, else 404
                request = (method, path, scope.get("query_string", b""))
                return await answer_state(core, request, receive, headers, entry, timeout=timeout)
            return await self._handle(method, path, receive, headers, entry, timeout=timeout)
        except ApiError as error:
            return error_response(error, entry)
        except ClientDisconnect:  # the client left mid-upload: no one to answer, no traceback
            late = scope.get(BODY_TIMED_OUT)
            if late is not None:  # the server answered 408 and closed (budgets.connections)
                entry.status, entry.error = 408, late_body(late)
            else:
                entry.client_disconnected = True
                entry.status = 499  # nginx's "client closed request"; nothing reaches the wire
            entry.mark("total_ms")
            return JsonBody(b"", entry.status, {}, media_type=None)
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
        self,
        method: str,
        path: str,
        receive: Any,
        headers: dict[str, str],
        entry: Entry,
        *,
        timeout: float | None,
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
        raw = await read_body(receive, headers, core.settings.max_body, timeout)
        # A 1 MB prompt takes a second to parse and count; a small request continuing a
        # stored conversation brings its whole history along (``prepare``): both are
        # decided and answered in a worker thread.
        large = len(raw) > LARGE_BODY or (key == "responses" and may_continue(raw))
        if large:
            self._garbage.add(len(raw))
            decided = await anyio.to_thread.run_sync(
                self._decide_in_worker, key, deployment, raw, headers, entry
            )
            if isinstance(decided, ApiError):
                raise decided
        else:
            decided = self._decide(key, deployment, raw, headers, entry)
        endpoint, view, reply, decision, pending = decided
        return await self._answer(
            endpoint, view, reply, decision, entry, offload=large, pending=pending
        )

    def _decide_in_worker(
        self, key: str, deployment: str | None, raw: bytes, headers: dict[str, str], entry: Entry
    ) -> tuple[Endpoint, Any, Reply, Decision, Pending | None] | ApiError:
        """``_decide``, its refusal returned without its traceback: raised across threads,
        it lands in a reference cycle that keeps the parsed body alive (budgets/garbage)."""
        try:
            return self._decide(key, deployment, raw, headers, entry)
        except ApiError as error:
            return error.with_traceback(None)

    def _decide(
        self, key: str, deployment: str | None, raw: bytes, headers: dict[str, str], entry: Entry
    ) -> tuple[Endpoint, Any, Reply, Decision, Pending | None]:
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
        pending = None
        if key == "responses":  # previous_response_id / conversation: history first
            body, pending = prepare(core.state, body, check=core.settings.validate_conversation)
        view = endpoint.view(body, headers)
        entry.endpoint, entry.model, entry.stream = view.endpoint, view.model, view.stream
        entry.seen_last_user = core.journal.keep_text(view.last_user)
        known = core.engine.models
        if known is not None and view.model is not None and view.model not in known:
            raise unknown_model(view.endpoint, view.model)
        if known is not None and deployment and deployment not in known:
            raise unknown_model(view.endpoint, deployment)  # (the SDK sends a model too)
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
        return endpoint, view, reply, decision, pending

    def _record(self, entry: Entry, decision: Decision) -> None:
        entry.scenario = decision.scenario.name if decision.scenario else None
        if decision.rule is not None:
            entry.scenario = entry.scenario or "added"
            entry.rule, entry.rule_line = decision.rule.name, decision.rule.line
        entry.step, entry.chaos = decision.step, decision.chaos

    async def _answer(
        self,
        endpoint: Endpoint,
        view: Any,
        reply: Reply,
        decision: Decision,
        entry: Entry,
        *,
        offload: bool,
        pending: Pending | None = None,
    ) -> Answer:
        latency = reply.latency
        if reply.error is not None:
            error = scripted_error(reply.error, reply, view.model, budget=self.core.budget)
            return error_response(error, entry, latency=latency)
        # (fixed_text is imported at the top: ~3 µs a request as an import statement here)
        # Fixed text is answered on the event loop (microseconds). Anything generated
        # (templates, JSON Schema values, faker prose, n choices, embeddings) is made in
        # a worker thread: its budgets (budgets/) bound it, and meanwhile the loop keeps
        # answering everyone else, health checks included.
        text = None if offload else fixed_text(reply, view)
        offloaded = text is None
        if text is None:  # (tested as text, not offloaded: mypy narrows it so)
            filled = await anyio.to_thread.run_sync(fill_checked, reply, view, decision)
        else:  # (found once: fill would look for it again)
            filled = fill_fixed(reply, view, text)
        turn = Turn(view, reply, filled, decision.seed)
        if pending is not None:  # a Responses answer to store: its ids fixed, then kept
            turn = keep(self.core.state, pending, endpoint, turn)
        entry.reply = filled.summary()
        if decision.rule is not None:  # replies the real API could not have sent: logged
            # (the rule's label only made when there is a warning to name it in)
            entry.warnings = reply_warnings(view, filled, lambda: decision.label, log)
        extra = reply_headers(reply)
        ratelimit = ratelimit_headers(self.core.budget, reply, extra, filled.usage.prompt_tokens)
        if view.stream:
            frames = endpoint.frames(turn)
            all_headers = {**base_headers(entry), **extra}
            # wire-level `sse:` options: only then their class
            stream = PacedStream if reply.sse is None else shaped(reply.sse)
            return stream(
                frames,
                headers=[*encode_headers(all_headers), *ratelimit, *real_headers(all_headers)],
                entry=entry,
                latency=latency,
                fault=reply.fault,
                seed=hash_seed(decision.rule_key, decision.seed),
                fault_frame=getattr(endpoint, "fault_frame", None),
            )
        pieces = getattr(endpoint, "pieces", None)
        emit_schema = self.core.settings.emit_schema  # ($schema: the whole body at once)
        many = len(view.inputs) > PIECEWISE_ITEMS
        if pieces is not None and many and plain(reply) and not emit_schema:
            # 2,048 embeddings: made and sent vector by vector as the client reads them
            all_headers = {**base_headers(entry), **extra}
            raw = [*ratelimit, *real_headers(all_headers)]
            return PiecesBody(pieces(turn), 200, all_headers, raw, entry=entry)
        if offloaded:  # a large answer (2,048 embeddings, n=128) is encoded off the loop too
            encode = functools.partial(body_of, worker=True)
            body = await anyio.to_thread.run_sync(encode, endpoint, turn, extra, entry, emit_schema)
        else:
            body = body_of(endpoint, turn, extra, entry, emit_schema)
        entry.completed = True
        return json_response(
            body, entry, 200, extra, latency=latency, fault=reply.fault, raw=ratelimit
        )
