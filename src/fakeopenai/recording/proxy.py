"""The recording proxy: an ASGI app on the paths ``serve`` answers (every base prefix,
Azure deployments). Each API request goes upstream with the client's key (or the one
given); the answer comes back as it arrives — a stream frame by frame, so the client's
time to first token is the upstream's — and, once whole, becomes a rule in the
``RecordingFile``.

What is not recorded: an upstream that cannot be reached or fails before answering (the
client gets a 502 ``fakeopenai_upstream_error``), and a stream the client left before its
end (half an answer is not what the upstream would have sent). An upstream that drops a
stream mid-way is recorded as what it was: the pieces sent, then ``fault:
{disconnect_after: N}``, and the client's connection is dropped the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from fakeopenai.faults import close_transport
from fakeopenai.guards import body_timeout, read_body, route
from fakeopenai.recording import recorder, upstream
from fakeopenai.recording.convert import convert
from fakeopenai.recording.exchange import Exchange, split_arrived
from fakeopenai.recording.passthrough import ClientWatch, ended, json_of, send_error
from fakeopenai.recording.recfile import RecordingFile
from fakeopenai.respond import ApiError

log = logging.getLogger("fakeopenai.record")
# Told of each exchange recorded, with its rule's name (the pytest gate journals it).
Recorded = Callable[[Exchange, str | None], None]
UPSTREAM_ERROR = "fakeopenai_upstream_error"
MAX_BODY = 32 * 1024 * 1024
# Chunks as they came: (perf_counter() on arrival, bytes).
Arrived = list[tuple[float, bytes]]


@dataclass
class _Call:
    """One request on its way: what the client sent, and where its answer goes."""

    scope: Any
    receive: Any
    send: Any
    routed: tuple[str, str | None, str | None]  # (endpoint, deployment, model id)
    raw: bytes
    headers: dict[str, str]
    on_recorded: Recorded | None
    url: str = ""
    started: float = 0.0  # perf_counter() when the request went upstream
    name: str | None = None  # the rule it was recorded as


class RecordingProxy:
    """Forward, pass through, record. ``key`` replaces the client's key upstream."""

    def __init__(
        self,
        upstream_url: str,
        recording: RecordingFile,
        *,
        timing: bool = False,
        key: str | None = None,
    ) -> None:
        self.upstream_url = upstream_url
        self.recording = recording
        self.timing = timing
        self.key = key
        self._pools = upstream.Pools()
        self._busy = 0
        self._idle = threading.Condition()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        routed = route(scope["method"], path)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            if routed is None:
                raise ApiError(404, f"Invalid URL ({scope['method']} {path})")
            raw = await read_body(receive, headers, MAX_BODY, body_timeout(scope))
        except ApiError as error:
            await send_error(send, error.status, error.message, error.type)
            return
        except Exception:  # the client left mid-upload (ClientDisconnect)
            return
        await self.forward(scope, receive, send, routed, raw, headers)

    async def forward(  # noqa: PLR0917
        self,
        scope: Any,
        receive: Any,
        send: Any,
        routed: tuple[str, str | None, str | None],
        raw: bytes,
        headers: dict[str, str],
        on_recorded: Recorded | None = None,
    ) -> str | None:
        """Answer one routed request from upstream; the recorded rule's name, if any."""
        with self._idle:
            self._busy += 1
        try:
            call = _Call(scope, receive, send, routed, raw, headers, on_recorded)
            await self._forward(call)
            return call.name
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no exchange is under way (every one answered is recorded)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    async def aclose(self) -> None:
        """Close the httpx clients of the running loop."""
        await self._pools.aclose()

    async def _forward(self, call: _Call) -> None:
        endpoint, deployment, model_id = call.routed
        rest = f"models/{model_id}" if model_id else endpoint
        query = call.scope.get("query_string", b"").decode("latin-1")
        call.url = upstream.target(self.upstream_url, rest, query, deployment)
        self.recording.redactor.note_headers(call.headers)
        if self.key:
            self.recording.redactor.secrets.add(self.key)
        self._pools.prepare()  # (the first request makes them: not in its time)
        call.started = perf_counter()
        watch = ClientWatch(call.receive)
        try:
            await self._exchange(call, watch)
        except asyncio.CancelledError:
            if not watch.left.is_set():
                raise  # not ours: the server is stopping
            log.info("fakeopenai: the client left before the answer was whole: not recorded")
        finally:
            watch.stop()

    async def _exchange(self, call: _Call, watch: ClientWatch) -> None:
        endpoint, deployment, model_id = call.routed
        try:
            response = await self._pools.send(
                call.scope["method"],
                call.url,
                upstream.request_headers(call.headers, self.key),
                upstream.request_body(call.raw, deployment, self.upstream_url) or None,
            )
        except Exception as exc:
            await self._unreachable(call, exc)
            return
        exchange = Exchange(
            call.scope["method"],
            endpoint,
            None,  # the request body is parsed in the recorder thread
            response.status_code,
            upstream.lower_headers(response),
            deployment=deployment,
            model_id=model_id,
            first_ms=(perf_counter() - call.started) * 1000,
        )
        try:
            if exchange.streamed:
                await self._stream(response, exchange, call, watch)
            else:
                await self._whole(response, exchange, call, watch)
        finally:
            watch.armed = False
            await response.aclose()

    async def _unreachable(self, call: _Call, exc: Exception) -> None:
        """The upstream failed before the answer was whole: a 502, nothing recorded."""
        if not upstream.is_transport_error(exc):
            raise exc
        message = self.recording.redactor.scrub(upstream.reason(exc, call.url))
        log.warning("%s (nothing recorded)", message)
        await send_error(call.send, 502, message, UPSTREAM_ERROR)

    async def _whole(
        self, response: Any, exchange: Exchange, call: _Call, watch: ClientWatch
    ) -> None:
        try:
            body = await response.aread()
        except Exception as exc:
            await self._unreachable(call, exc)
            return
        watch.armed = False  # the answer is whole: it is recorded, client or not
        exchange.total_ms = (perf_counter() - call.started) * 1000
        out = [*upstream.response_headers(response), (b"content-length", b"%d" % len(body))]
        await self._record(call, exchange, body=body)
        start = {"type": "http.response.start", "status": response.status_code, "headers": out}
        await call.send(start)
        await call.send({"type": "http.response.body", "body": body})

    async def _stream(
        self, response: Any, exchange: Exchange, call: _Call, watch: ClientWatch
    ) -> None:
        """Pass the stream through as it comes; record it unless the client left first."""
        left, send = watch.left, call.send
        arrived: Arrived = []
        status, out = response.status_code, upstream.response_headers(response)
        try:
            await send({"type": "http.response.start", "status": status, "headers": out})
            # The hot path: pass each chunk on and note when it came; the recorder thread
            # parses them afterwards. (Raw bytes when the upstream did not compress: no
            # decoder in the way.)
            compressed = "content-encoding" in response.headers
            chunks = response.aiter_bytes() if compressed else response.aiter_raw()
            try:
                async for chunk in chunks:
                    arrived.append((perf_counter(), chunk))
                    if left.is_set():
                        break
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except OSError:  # sending to a client that has gone
                left.set()
            except asyncio.CancelledError:
                if not left.is_set():
                    raise  # not the watch's: the server is stopping
            except Exception as exc:  # the upstream dropped the stream
                if not upstream.is_transport_error(exc):
                    raise
                exchange.complete = False
            watch.armed = False
            exchange.total_ms = (perf_counter() - call.started) * 1000
            await self._record(call, exchange, arrived=arrived, left=left.is_set())
            if left.is_set():
                return
            if exchange.complete:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            # The upstream dropped the stream: so do we, and return once the server has
            # seen the connection go (else it logs an unfinished response).
            elif close_transport(call.receive):
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(left.wait(), 1.0)
        except OSError:  # the client went while its stream was being finished
            pass

    async def _record(
        self,
        call: _Call,
        exchange: Exchange,
        *,
        body: bytes | None = None,
        arrived: Arrived | None = None,
        left: bool = False,
    ) -> None:
        """Recorded before the client gets the last byte: when a client's call returns,
        its exchange is in the file. Off the loop: the other streams' pieces go on."""
        work = functools.partial(self._recorded, call, exchange, body, arrived, left)
        await recorder.record(work, self.recording)

    def _recorded(
        self,
        call: _Call,
        exchange: Exchange,
        body: bytes | None,
        arrived: Arrived | None,
        left: bool,
    ) -> None:
        """(The recorder thread.) The bodies are parsed and a stream's chunks become its
        frames here, not on the loop: the loop only passes bytes on."""
        redactor = self.recording.redactor
        exchange.request = json_of(call.raw, redactor)
        if body is not None:
            exchange.body = json_of(body, redactor)
        if arrived is not None:
            exchange.frames = split_arrived(arrived, call.started, exchange.total_ms or 0.0)
            for frame in exchange.frames:
                frame.data = redactor.frame(frame.data)
            # A client may hang up as soon as it has the last frame ([DONE], or
            # response.completed): that stream was whole, and is recorded.
            if left and not ended(exchange):
                log.info("fakeopenai: the client left mid-stream: that exchange is not recorded")
                return
        recorded = convert(exchange, timing=self.timing)
        call.name = self.recording.add(recorded, write=False)  # (the recorder writes)
        what = f"as rule {call.name!r}" if call.name else recorded.note or "models noted"
        scope = call.scope
        log.info(
            "fakeopenai: %s %s -> %d recorded %s",
            scope["method"],
            scope["path"],
            exchange.status,
            what,
        )
        if call.on_recorded is not None:
            call.on_recorded(exchange, call.name)
