"""Opening the proxy's upstream connections: every address a name resolves to, raced
the way browsers and anyio do it ("happy eyeballs", RFC 8305).

``loop.create_connection`` tries a name's addresses one after another, and uvloop's
takes no ``happy_eyeballs_delay``: behind a network that drops IPv6 packets rather than
refusing them, each connection to a dual-stack host (``api.openai.com`` is one) would
wait out the connect timeout on its IPv6 address and never try IPv4. Here each address
gets a head start of 0.25 s over the next, families alternate, and the first socket to
connect is the one used; the others are closed.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
from asyncio import staggered  # the stdlib's race, as its own create_connection uses
from typing import Any

HEAD_START = 0.25  # seconds, as anyio and RFC 8305 recommend
AddrInfo = tuple[Any, ...]  # (family, type, proto, canonname, sockaddr)


def literal(host: str, port: int) -> AddrInfo | None:
    """``host``'s address info when it is an IP address, else None (the resolver's
    job, and a scoped IPv6 address's: its scope needs the resolver too)."""
    if "%" in host:
        return None
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if ip.version == 6:
        return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (str(ip), port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (str(ip), port))


def interleaved(infos: list[AddrInfo]) -> list[AddrInfo]:
    """The resolver's addresses, families alternating (the first one's first)."""
    by_family: dict[int, list[AddrInfo]] = {}
    for info in infos:
        by_family.setdefault(info[0], []).append(info)
    queues = list(by_family.values())
    ordered: list[AddrInfo] = []
    while queues:
        ordered += [queue.pop(0) for queue in queues]
        queues = [queue for queue in queues if queue]
    return ordered


async def _attempt(info: AddrInfo, local: str | None) -> socket.socket:
    family, kind, proto, _, address = info
    sock = socket.socket(family, kind, proto)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no delayed-ACK stalls
        if local is not None:
            sock.bind((local, 0))
        await asyncio.get_running_loop().sock_connect(sock, address)
    except BaseException:  # refused, unreachable, or a loser of the race
        sock.close()
        raise
    return sock


async def race(infos: list[AddrInfo], local: str | None = None) -> socket.socket:
    """A socket connected to the first of ``infos`` to answer; ``OSError`` if none."""
    if not infos:
        raise OSError("the name resolved to no address")
    attempts = [functools.partial(_attempt, info, local) for info in interleaved(infos)]
    winner, _, errors = await staggered.staggered_race(attempts, HEAD_START)
    if winner is None:
        reasons = "; ".join(str(error) for error in errors if error is not None)
        raise OSError(reasons or "no address answered")
    sock: socket.socket = winner
    return sock
