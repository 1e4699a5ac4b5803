"""Opening upstream connections (``recording.connect``): a name's addresses raced
("happy eyeballs"), every reason given when none answers, IP addresses unresolved."""

from __future__ import annotations

import asyncio
import errno
import socket
import time

import httpcore
import pytest
from rawservers import blackhole, serving

from fakeopenai.recording import connect, network


def info(port: int, family: int = socket.AF_INET) -> connect.AddrInfo:
    return (family, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))


def test_addresses_alternate_families() -> None:
    v6 = [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (f"::{i}", 1, 0, 0)) for i in (1, 2)]
    v4 = [info(1), info(2)]
    ordered = connect.interleaved([*v6, *v4])
    assert ordered == [v6[0], v4[0], v6[1], v4[1]]


class Resolving(network.AsyncioBackend):
    """A backend whose resolver lists the addresses given."""

    def __init__(self, infos: list[connect.AddrInfo]) -> None:
        self.infos = infos

    async def resolve(self, host: str, port: int) -> list[connect.AddrInfo]:
        return self.infos


async def test_an_address_that_never_answers_loses_the_race() -> None:
    """Happy eyeballs: an address that drops packets (a broken IPv6 route) delays a
    connection by the next address's head start, not by the connect timeout."""

    async def hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello")
        await writer.drain()
        writer.close()

    async with serving(hello) as port:
        with blackhole() as dead:
            backend = Resolving([info(dead), info(port)])
            began = time.monotonic()
            stream = await backend.connect_tcp("api.example", 443, timeout=10)
            took = time.monotonic() - began
            assert await stream.read(1024, timeout=5) == b"hello"
            assert connect.HEAD_START <= took < 5  # not the 10 s timeout
            await stream.aclose()
            with pytest.raises(httpcore.ConnectTimeout):  # alone, it times out
                await Resolving([info(dead)]).connect_tcp("api.example", 443, timeout=0.3)


async def test_every_reason_is_given_when_no_address_answers() -> None:
    async def nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with serving(nothing) as port:
        pass  # the port is free again: both addresses refuse
    with pytest.raises(httpcore.ConnectError) as caught:
        await Resolving([info(port), info(port)]).connect_tcp("api.example", 443, timeout=5)
    assert str(caught.value).count(f"[Errno {errno.ECONNREFUSED}]") == 2


def test_an_ip_address_needs_no_resolver() -> None:
    assert connect.literal("127.0.0.1", 80) == info(80)
    v6 = connect.literal("[::1]", 443)
    assert v6 is not None and v6[0] == socket.AF_INET6 and v6[4][:2] == ("::1", 443)
    assert connect.literal("api.openai.com", 443) is None
