"""Where a request goes: API paths straight to the API handler, ``/_fakeopenai`` and
below to Starlette (the control API and the inspector)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from fakeopenai.control import PREFIX as CONTROL_PREFIX


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
