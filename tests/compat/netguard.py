"""Refuse every network connection that leaves this machine, and remember who tried.

The compatibility suite promises "no network": every client talks to the fake on
127.0.0.1, and anything a client would fetch by itself (LiteLLM's price map, Agents SDK
traces, LangSmith runs) must be switched off. Blocking is not enough to prove that (most
clients swallow a failed fetch and fall back), so the guard also records every attempt
and the suite fails when the list is not empty.

Stdlib only: the openai-1.x venv imports this file too.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_local(host: object) -> bool:
    """True for loopback addresses and names (and for an empty host, which means local)."""
    if isinstance(host, bytes | bytearray):
        host = bytes(host).decode("ascii", "replace")
    if host is None or host == "":
        return True
    name = str(host).strip("[]").split("%")[0].lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class NetworkGuard:
    """Patches ``socket`` so that only loopback peers can be resolved or connected to."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self._saved: dict[str, Any] = {}

    def _refuse(self, what: str) -> OSError:
        self.blocked.append(what)
        return ConnectionRefusedError(
            f"fakeopenai compat suite: network access to {what} is blocked "
            "(only 127.0.0.1 is allowed; switch the client's fetch/telemetry off)"
        )

    def install(self) -> NetworkGuard:
        """Patch ``socket.socket.connect``/``connect_ex`` and ``socket.getaddrinfo``."""
        if self._saved:
            return self
        guard = self
        connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
        getaddrinfo = socket.getaddrinfo

        def check(sock: socket.socket, address: Any) -> None:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
                raise guard._refuse(f"{address[0]}:{address[1]}")

        def guarded_connect(sock: socket.socket, address: Any) -> None:
            check(sock, address)
            connect(sock, address)

        def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
            check(sock, address)
            return connect_ex(sock, address)

        def guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_local(host):
                raise socket.gaierror(socket.EAI_NONAME, str(guard._refuse(f"{host}:{port}")))
            return getaddrinfo(host, port, *args, **kwargs)

        self._saved = {"connect": connect, "connect_ex": connect_ex, "getaddrinfo": getaddrinfo}
        socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]
        socket.getaddrinfo = guarded_getaddrinfo
        return self

    def uninstall(self) -> None:
        """Put the original functions back."""
        if not self._saved:
            return
        socket.socket.connect = self._saved["connect"]  # type: ignore[method-assign]
        socket.socket.connect_ex = self._saved["connect_ex"]  # type: ignore[method-assign]
        socket.getaddrinfo = self._saved["getaddrinfo"]
        self._saved = {}
