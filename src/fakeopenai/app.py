"""``create_app``: the Starlette app that answers the OpenAI API from scenarios.

It puts together the API handler (``handler.Api``: the path of one request), the CORS
and host guards, the request log and the ``/_fakeopenai`` control routes, and warms the
generators up in a thread so the first request doesn't pay for their imports.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import anyio
from starlette.applications import Starlette

from fakeopenai.dispatch import FakeOpenAIApp
from fakeopenai.handler import ENDPOINTS, Api
from fakeopenai.settings import Core, Settings

__all__ = ["ENDPOINTS", "Api", "create_app"]


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
    from fakeopenai.guards import DeclaredSizeGuard
    from fakeopenai.logs import RequestLog

    api: Any = Api(core)
    for cls, args, kwargs in reversed(cors_middleware(core.settings.cors_origins)):
        api = cls(api, *args, **kwargs)
    app = FakeOpenAIApp(
        RequestLog(api),
        routes=control_routes(core),
        middleware=[
            Middleware(RequestLog),
            Middleware(LoopbackHostGuard),
            Middleware(DeclaredSizeGuard, limit=core.settings.max_body),
        ],
    )
    app.state.core = core
    app.state.warmed = warmed = threading.Event()
    threading.Thread(
        target=_warm_up, args=(warmed,), name="fakeopenai-warm-up", daemon=True
    ).start()
    return app


def _warm_up(done: threading.Event) -> None:
    """Import the generators and build Faker now, off the request path: otherwise the
    first request pays ~0.3 s, enough to trip a tight client-timeout test."""
    try:
        from fakeopenai.generate import fill  # noqa: F401  (imports jinja2, the generators)
        from fakeopenai.generate.seeding import FAKER_LOCK, faker_instance

        with FAKER_LOCK:
            faker_instance()
        anyio.run(anyio.sleep, 0)  # imports anyio's backend (~0.3 s), else a first fault's
    finally:
        done.set()  # warm or not: nothing waiting on it may wait forever
