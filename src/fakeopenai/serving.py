"""Running the app under uvicorn in a daemon thread, on a socket bound up front.

Lessons already paid for (ARCHITECTURE.md): bind the socket ourselves on port 0 and
hand it to uvicorn (no "find a free port, close, reuse" race under xdist); wait for
``started`` with a deadline while checking the thread is alive (a failed start must not
hang); a short graceful-shutdown timeout so one stalled stream cannot keep the server up.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
import threading
import time
from typing import Any

import uvicorn

from fakeopenai.budgets.connections import BODY_TIMEOUT, HEAD_TIMEOUT, MAX_CONNECTIONS, guarded
from fakeopenai.coalescing import CoalescingTransport
from fakeopenai.errors import ServerStartError
from fakeopenai.logs import ARRIVED_KEY
from fakeopenai.stack import LoopFactory, Stack, resolve, run

START_TIMEOUT = 10.0
STOP_TIMEOUT = 2.0
# Open responses get this long to finish when the server stops; then they are cancelled.
# uvicorn adds up to ~0.2 s of its own ticks, which keeps a stop well under STOP_TIMEOUT.
GRACE = 0.5


def stamping_protocol(
    http: str | None = None,
    head_timeout: float = HEAD_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
    body_timeout: float = BODY_TIMEOUT,
) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (``http``: ``httptools``, ``h11`` or ``auto``; None: as
    ``stack.resolve`` picks, httptools when installed), bounded against slow and broken
    clients (``budgets.connections``), noting in each request's scope when its bytes
    were read.

    Latency is scheduled from a request's arrival. Requests that arrive together are
    answered one after another, and the handler of the last starts only when the others
    are done: timed from there, its ``ttft_ms`` would begin late by all of their work.
    Timed from the read, every one of them keeps its schedule.
    """
    return _stamping(resolve(http).http, head_timeout, max_connections, body_timeout)


@functools.cache
def _stamping(
    http: str, head_timeout: float, max_connections: int, body_timeout: float
) -> type[asyncio.Protocol]:
    base: type[Any]
    if http == "httptools":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as base
    else:
        from uvicorn.protocols.http.h11_impl import H11Protocol as base
    bounded = guarded(base, head_timeout, max_connections, body_timeout, ARRIVED_KEY)

    class Protocol(bounded):  # type: ignore[misc,valid-type]
        """uvicorn's protocol, bounded (``budgets.connections``), each answer in one
        write (``coalescing``)."""

        def connection_made(self, transport: Any) -> None:
            super().connection_made(CoalescingTransport(transport, self.loop))

    if http != "httptools":
        return Protocol
    if Protocol.on_headers_complete is not base.on_headers_complete:
        return Protocol  # (a layer above uvicorn's would be skipped below)
    try:
        from fakeopenai.cycle import making_cycles

        on_headers_complete = making_cycles(base.on_headers_complete)
    except ImportError:  # a uvicorn laid out differently: its own path, as it comes
        return Protocol

    class FastHeads(Protocol):
        """... and an API answer's head written without a loop over its headers
        (``cycle``): uvicorn's own ``on_headers_complete``, making a ``Cycle``."""

    FastHeads.on_headers_complete = on_headers_complete
    return FastHeads


def raise_fd_limit(wanted: int, *, raise_limit: bool = True) -> int:
    """Raise this process's open-file limit towards ``wanted`` connections (within the
    hard limit; not with ``raise_limit=False``, for a process that is not ours) and
    return how many connections fit under it, with room to spare for files, the
    listening socket and the loop's own descriptors."""
    try:
        import resource
    except ImportError:  # not POSIX
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted + 64 if hard == resource.RLIM_INFINITY else min(wanted + 64, hard)
    if raise_limit and soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return wanted if soft == resource.RLIM_INFINITY else max(1, min(wanted, soft - 64))


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when
    # it is set, and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
        sock.setblocking(False)
    except (OSError, OverflowError, ValueError) as exc:  # bad address, port out of range
        sock.close()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ServerStartError(f"fakeopenai: cannot listen on {host}:{port}: {reason}") from None
    return sock


def _body_timeout(app: Any) -> float:
    """The app's ``--body-timeout`` (``Settings.body_timeout``), timed by the server."""
    core = getattr(getattr(app, "state", None), "core", None)
    return BODY_TIMEOUT if core is None else float(core.settings.body_timeout)


class _QuietCutOff(logging.Filter):
    """Drops uvicorn's "Cancel N running task(s)" line: cutting streams that are still
    open (a scripted stall, say) when the fake stops is by design, not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Cancel %s running task(s)")


logging.getLogger("uvicorn.error").addFilter(_QuietCutOff())


class _Recorder(logging.Handler):
    """Keeps uvicorn's error lines during start-up: they hold the reason of a failure."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class ServerThread:
    """uvicorn serving ``app`` in a daemon thread until ``stop()``."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port  # the bound port once started (kept for a restart)
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.stack: Stack | None = None  # the HTTP parser and loop, once started

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start serving; ``ServerStartError`` with the reason if not up within ``timeout``."""
        if self.running:
            return
        try:
            self.stack = stack = resolve()
        except ValueError as exc:
            raise ServerStartError(str(exc)) from None
        self._sock = bind(self.host, self.port)
        self.port = self._sock.getsockname()[1]
        state = getattr(self.app, "state", None)
        if state is not None:
            state.stack = stack  # (shown by GET /_fakeopenai/health)
        config = uvicorn.Config(
            self.app,
            log_config=None,  # leave the process's logging alone (pytest captures it)
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",  # (no WebSocket routes: and importing websockets takes ~0.3 s)
            # typed int by uvicorn, but handed to asyncio.wait_for, which takes seconds
            timeout_graceful_shutdown=GRACE,  # type: ignore[arg-type]
            timeout_keep_alive=30,
            # Nothing reads the client's address or scheme, so uvicorn's X-Forwarded-* rewrite
            # (a middleware call per request) would be work for nothing.
            proxy_headers=False,
            http=stamping_protocol(
                stack.http,
                max_connections=raise_fd_limit(MAX_CONNECTIONS, raise_limit=False),
                body_timeout=_body_timeout(self.app),
            ),
        )
        self._server = uvicorn.Server(config)
        self._error = None
        recorder = _Recorder()
        uvicorn_log = logging.getLogger("uvicorn.error")
        uvicorn_log.addHandler(recorder)
        try:
            self._thread = threading.Thread(
                target=self._run,
                args=(stack.loop_factory(),),
                name="fakeopenai-server",
                daemon=True,
            )
            self._thread.start()
            self._wait_started(self._server, self._thread, timeout, recorder)
        finally:
            uvicorn_log.removeHandler(recorder)

    def _wait_started(
        self, server: uvicorn.Server, thread: threading.Thread, timeout: float, log: _Recorder
    ) -> None:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                self._close_socket()
                raise ServerStartError(f"fakeopenai: the server failed to start: {self._why(log)}")
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(
                    f"fakeopenai: the server did not start within {timeout:g} s"
                    + (f": {'; '.join(log.lines)}" if log.lines else "")
                )
            time.sleep(0.002)

    def _why(self, log: _Recorder) -> str:
        """The best reason at hand: uvicorn's own error lines, else the exception."""
        if log.lines:
            return "; ".join(log.lines)
        error = self._error
        if isinstance(error, SystemExit) or error is None:
            return "the server thread exited"
        return f"{type(error).__name__}: {error}"

    def _run(self, loop_factory: LoopFactory) -> None:
        assert self._server is not None and self._sock is not None
        try:
            run(self._server.serve(sockets=[self._sock]), loop_factory)
        except BaseException as exc:  # reported by start(); after stop() nobody needs it
            self._error = exc

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop serving within ``timeout`` seconds: open streams get a short grace period,
        then are cancelled; if uvicorn still lingers, it is told to exit at once."""
        deadline = time.monotonic() + timeout
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic() - 0.3))
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(max(0.0, deadline - time.monotonic()))
        self._close_socket()

    def _close_socket(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @property
    def running(self) -> bool:
        """Whether the server thread is alive."""
        return self._thread is not None and self._thread.is_alive()
