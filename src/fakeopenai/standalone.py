"""Running ``fakeopenai serve``'s server: in this process, or (``--workers N``) in N
forked processes answering on one listening socket.

The parent loads the scenarios and binds the socket, then forks; every child serves on
the inherited socket, and the kernel hands each new connection to one of them. A child
is a copy taken at the fork: from then on it keeps its own sequence counters, journal
and Responses state (SPEC §8). Forking (rather than uvicorn's workers, which start
fresh interpreters from an import string) shares the loaded scenarios and needs no
way to pass options to a new process. The parent only forwards signals and waits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from types import FrameType
from typing import Any

from fakeopenai.budgets.connections import HEAD_TIMEOUT, MAX_CONNECTIONS
from fakeopenai.errors import FakeOpenAIError
from fakeopenai.settings import Core
from fakeopenai.stack import Stack, run

GRACE_SECONDS = 2  # open streams get this long after Ctrl+C


def serve_here(
    core: Core,
    sock: socket.socket,
    stack: Stack,
    log_level: str,
    *,
    bounds: tuple[float, int],
    watch: list[str],
    parent: int | None = None,
    announce: bool = True,
) -> None:
    """Serve ``core``'s API on ``sock`` in this process until Ctrl+C or SIGTERM,
    reloading the scenarios of ``watch`` when they change (``announce``: say so, once
    watching); ``bounds``: the head timeout and connection limit
    (``budgets.connections``). ``parent``: the pid of the ``--workers`` parent, whose
    death stops this worker too."""
    from fakeopenai.app import create_app
    from fakeopenai.heap import settle_heap, tame_malloc
    from fakeopenai.logs import flush_console

    app = create_app(core=core)
    app.state.stack = stack
    settle_heap(app)  # this process only serves: its long-lived heap leaves the GC's care
    tame_malloc()  # and large freed blocks go back to the system
    # A worker thread making a large answer holds the GIL up to this long each turn, and
    # the event loop waits that long for it after every I/O wait: 5 ms (the default)
    # made a health check take ~200 ms under a 1 MB prompt; 1 ms keeps it far below.
    sys.setswitchinterval(0.001)
    reloader = None
    if watch:
        from fakeopenai.reload import Reloader

        reloader = Reloader(core.engine, watch).start()
    ready = f"fakeopenai: watching {', '.join(watch)} for changes" if watch and announce else ""
    try:
        server = uvicorn_server(app, log_level, stack.http, bounds, parent=parent, ready=ready)
        run(server.serve(sockets=[sock]), stack.loop_factory())
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl+C after a clean shutdown
        pass
    finally:
        if reloader is not None:
            reloader.stop()
        flush_console()  # (a worker ends with os._exit: no atexit, no buffers flushed)


def uvicorn_server(
    app: Any,
    log_level: str,
    http: str | None = None,
    bounds: tuple[float, int] = (HEAD_TIMEOUT, MAX_CONNECTIONS),
    *,
    parent: int | None = None,
    ready: str = "",
) -> Any:
    """uvicorn for ``app`` that ends inspector feeds as soon as shutdown starts (and, in
    a worker, stops when its parent is gone); ``ready`` goes to stderr once it serves.
    ``bounds``: the head timeout and the most connections open at once."""
    import uvicorn

    from fakeopenai.inspector import signal_shutdown
    from fakeopenai.serving import raise_fd_limit, stamping_protocol

    class Server(uvicorn.Server):
        async def on_tick(self, counter: int) -> bool:  # every 0.1 s
            if parent is not None and orphaned(parent):
                return True
            return bool(await super().on_tick(counter))

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if ready:
                print(ready, file=sys.stderr, flush=True)

        async def shutdown(self, sockets: Any = None) -> None:
            signal_shutdown(app)
            await super().shutdown(sockets)

    config = uvicorn.Config(
        app,
        # Our own line per request replaces uvicorn's access log; its start-up lines
        # repeat the banner, so uvicorn speaks only for warnings (or when debugging).
        log_level="debug" if log_level == "debug" else "warning",
        access_log=False,
        lifespan="off",
        ws="none",  # (no WebSocket routes: and importing websockets takes ~0.3 s)
        # A stalled stream (fault: stall_after) must not keep Ctrl+C from stopping us.
        timeout_graceful_shutdown=GRACE_SECONDS,
        # Nothing reads the client's address or scheme, so uvicorn's X-Forwarded-* rewrite
        # (a middleware call per request) would be work for nothing.
        proxy_headers=False,
        http=stamping_protocol(
            http,
            head_timeout=bounds[0],
            max_connections=raise_fd_limit(bounds[1]),
            body_timeout=app.state.core.settings.body_timeout,
        ),
    )
    return Server(config)


def can_fork() -> bool:
    """Whether this platform has ``os.fork`` (not Windows)."""
    return hasattr(os, "fork")


def serve_forked(count: int, serve: Callable[[int, int], None]) -> int:
    """Run ``serve(parent_pid, number)`` in ``count`` forked children (numbered from 0);
    return the worst exit
    code once all have ended. SIGINT or SIGTERM to the parent stops them all (each ends
    its open responses as a single server would)."""
    if not can_fork():
        raise FakeOpenAIError(
            "fakeopenai: --workers needs os.fork, which this platform lacks; "
            "run one `fakeopenai serve` per port instead"
        )
    parent = os.getpid()
    children: list[int] = []
    sys.stdout.flush()  # what the parent printed must not be printed again by each child
    sys.stderr.flush()
    for number in range(count):
        pid = os.fork()
        if pid == 0:  # the child: serve, and never return into the parent's code
            code = 0
            # SIGTERM as Ctrl+C: uvicorn raises the signal again after its clean
            # shutdown, and SIGTERM's default would end the worker as killed by it.
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            try:
                serve(parent, number)
            except KeyboardInterrupt:
                pass
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children.append(pid)

    def forward(signum: int, frame: FrameType | None) -> None:
        # SIGTERM whatever came: uvicorn reads a second SIGINT as "exit now", and Ctrl+C
        # in a terminal has already sent every child its own SIGINT.
        for child in children:
            with contextlib.suppress(ProcessLookupError):  # (it has ended already)
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    worst = 0
    for child in children:
        _, status = os.waitpid(child, 0)
        worst = worst or abs(os.waitstatus_to_exitcode(status))
    return worst


def orphaned(parent: int) -> bool:
    """Whether the parent of a worker has gone (killed outright): the worker then stops
    too, rather than serve on alone."""
    return os.getppid() != parent
