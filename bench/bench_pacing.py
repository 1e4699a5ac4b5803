"""Pacing accuracy under load, and the memory cost of stalled streams.

Each server runs under uvicorn in its own process (as ``fakeopenai serve`` would); the
client is a small asyncio loop on raw sockets in this process, so it costs little and
timestamps each content piece as it arrives. Like an SDK's connection pool, it keeps
each connection open once its stream is read (keep-alive) and closes them all at the
end of the run.

1. ``--streams`` concurrent streams (default 100) of ``--chunks`` pieces (50) at
   ``chunk_ms: 20`` after ``ttft_ms: 100``: p50/p99 of (actual - scheduled) gap between
   consecutive pieces, and of the time to the first piece. Twice: with every request
   arriving at once (the server's per-request work queues up: this measures throughput
   as much as pacing) and with arrivals at random (seeded) over one second (pacing
   under load). The same load goes, in turn, to a bare Starlette ``StreamingResponse``
   sending the same pieces on the same schedule (asyncio sleeps to absolute due times,
   the same garbage-collector settings; no journal, watcher or faults): the floor of
   uvicorn, Starlette and this machine. ``--runs`` rounds of each, alternated;
   percentiles are over all of a server's rounds.
2. ``--stalled`` streams (default 1,000) that stall after one piece and stay open: the
   server's resident memory (RSS) before and with all of them open.

    python bench/bench_pacing.py [--streams 100] [--chunks 50] [--stalled 1000]
                                 [--spread-ms 0 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHUNK_MS = 20.0
TTFT_MS = 100.0
SCENARIO = """
name: pacing
rules:
  - name: paced
    match: {model: paced}
    reply:
      chunks: [{chunks}]
      latency: {ttft_ms: %(ttft)s, chunk_ms: %(chunk)s}
  - name: stalled
    match: {model: stalled}
    reply:
      content: "one two three"
      fault: {stall_after: 1}
"""
PIECE = b'"content":"'  # content deltas ("content":"" is the role-only opener)


def run(app: Any, sock: Any) -> None:
    """Serve ``app`` on ``sock`` as ``fakeopenai serve`` does: fakeopenai's protocol
    (the arrival stamp both servers count from), quiet, no ``X-Forwarded-*`` rewrite."""
    import uvicorn

    from fakeopenai.serving import stamping_protocol

    config = uvicorn.Config(
        app,
        log_level="error",
        access_log=False,
        lifespan="off",
        proxy_headers=False,
        http=stamping_protocol(),
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve(scenario: str) -> None:
    """Child process: uvicorn on a free port (printed on stdout), quiet logs."""
    from fakeopenai import create_app
    from fakeopenai.heap import settle_heap
    from fakeopenai.serving import bind

    sock = bind("127.0.0.1", 0)
    app = create_app(scenario)
    settle_heap(app).join()  # as fakeopenai serve does, finished before measuring
    print(sock.getsockname()[1], flush=True)
    run(app, sock)


def serve_bare(chunks: int) -> None:
    """Child process: a bare Starlette SSE endpoint on the same schedule, timed from
    the same arrival stamp (fakeopenai's protocol, so both count from the read)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    from fakeopenai.heap import YOUNG_THRESHOLD
    from fakeopenai.logs import ARRIVED_KEY
    from fakeopenai.serving import bind

    opener = b'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n'
    piece = b'data: {"choices":[{"index":0,"delta":{"content":"w%d "}}]}\n\n'
    frames = [piece % k for k in range(chunks)]
    frames[0] = opener + frames[0]
    frames[-1] += b"data: [DONE]\n\n"  # due with the last piece, as fakeopenai sends it

    async def chat(request: Request) -> StreamingResponse:
        start = request.scope.get(ARRIVED_KEY, time.perf_counter())
        await request.json()

        async def on_time() -> Any:
            for k, frame in enumerate(frames):
                due = start + (TTFT_MS + k * CHUNK_MS) / 1000
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                yield frame

        return StreamingResponse(on_time(), media_type="text/event-stream")

    # The collector tuned as fakeopenai serve tunes it (heap.settle_heap), so the
    # comparison is of the servers, not of their garbage collection settings.
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    sock = bind("127.0.0.1", 0)
    print(sock.getsockname()[1], flush=True)
    app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
    run(app, sock)


def request(model: str) -> bytes:
    body = json.dumps(
        {"model": model, "messages": [{"role": "user", "content": "go"}], "stream": True}
    ).encode()
    return (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


def pieces(data: bytes) -> int:
    return data.count(PIECE) - data.count(PIECE + b'"')


class _Timestamps(asyncio.Protocol):
    """Stamps each piece when its bytes reach this process (``data_received``), before
    any task runs: the client's own work on the other 99 streams must not count as the
    server's lateness."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.arrivals: list[float] = []
        self.tail = b""
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        window = self.tail + data
        self.arrivals.extend([now] * (pieces(window) - pieces(self.tail)))
        self.tail = window[-len(PIECE) :]  # a marker split across two reads counts once
        if len(self.arrivals) >= self.chunks and not self.done.done():
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(RuntimeError("stream ended early"))


Connection = tuple[asyncio.Transport, _Timestamps]


async def connect(port: int, chunks: int) -> Connection:
    loop = asyncio.get_running_loop()
    transport, stamps = await loop.create_connection(lambda: _Timestamps(chunks), "127.0.0.1", port)
    return transport, stamps


async def paced_stream(connection: Connection, delay: float = 0.0) -> tuple[float, list[float]]:
    """Send one request on an open connection (after ``delay`` s); return its send time
    and each piece's arrival."""
    transport, stamps = connection
    await asyncio.sleep(delay)
    sent = time.perf_counter()
    transport.write(request("paced"))
    await stamps.done
    return sent, stamps.arrivals[: stamps.chunks]


async def stalled_stream(port: int, opened: asyncio.Event, release: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request("stalled"))
    received = b""
    while pieces(received) < 1:
        received += await reader.read(65536)
    opened.set()
    await release.wait()
    writer.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Child:
    """A server in its own process (this script with ``args``): its pid and port."""

    def __init__(self, *args: str) -> None:
        command = [sys.executable, __file__, *args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.pid = self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


async def one_round(
    server: Child, streams: int, chunks: int, spread: float
) -> tuple[list[float], list[float], float]:
    """One round of paced streams: (actual - scheduled) gaps and first pieces (ms), and
    the server's CPU seconds."""
    warm = await asyncio.gather(*(connect(server.port, 2) for _ in range(4)))
    await asyncio.gather(*(paced_stream(connection) for connection in warm))
    for transport, _ in warm:
        transport.close()
    # Connections first, as an SDK's warm pool has them: the time to the first piece
    # counts from the request, not from the TCP handshake.
    connections = await asyncio.gather(*(connect(server.port, chunks) for _ in range(streams)))
    cpu = cpu_seconds(server.pid)
    # Random arrivals (seeded): on a regular grid every 10 ms, each request would land
    # just when the pieces of earlier ones fall due (both on the 10 ms grid), every time.
    rng = random.Random(streams)
    delays = sorted(rng.uniform(0, spread) for _ in range(streams))
    results = await asyncio.gather(*(map(paced_stream, connections, delays)))
    cpu = cpu_seconds(server.pid) - cpu
    gaps: list[float] = []
    firsts: list[float] = []
    for transport, _ in connections:
        transport.close()
    for sent, arrivals in results:
        firsts.append((arrivals[0] - sent) * 1000 - TTFT_MS)
        gaps += [(b - a) * 1000 - CHUNK_MS for a, b in itertools.pairwise(arrivals)]
    return gaps, firsts, cpu


async def server_side(port: int, streams: int, chunks: int) -> dict[str, list[float]]:
    """fakeopenai's own view of the last round, from its journal's timings."""
    entries = await journal(port)
    paced = [e["timings"] for e in entries if e["model"] == "paced"][-streams:]
    return {
        "headers after request work": [t["headers_ms"] for t in paced],
        "first piece late by": [t["ttft_ms"] - TTFT_MS for t in paced],
        "last piece late by": [t["total_ms"] - TTFT_MS - (chunks - 1) * CHUNK_MS for t in paced],
    }


def row(name: str, values: list[float]) -> str:
    p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
    return f"  {name:<48} {p50:7.2f}  {p99:7.2f}  {max(values):7.2f}"


def pacing(fake: Child, bare: Child, streams: int, chunks: int, spread: float, runs: int) -> None:
    """``runs`` rounds on each server, alternated (the machine's drift hits both)."""
    gaps: dict[str, list[float]] = {"fakeopenai": [], "bare Starlette": []}
    firsts: dict[str, list[float]] = {"fakeopenai": [], "bare Starlette": []}
    cpu = {"fakeopenai": 0.0, "bare Starlette": 0.0}
    own: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, server in (("fakeopenai", fake), ("bare Starlette", bare)):
            round_gaps, round_firsts, seconds = asyncio.run(
                one_round(server, streams, chunks, spread)
            )
            gaps[name] += round_gaps
            firsts[name] += round_firsts
            cpu[name] += seconds / runs
        for key, values in asyncio.run(server_side(fake.port, streams, chunks)).items():
            own.setdefault(key, []).extend(values)
    pace = f"chunk_ms {CHUNK_MS:g}, ttft_ms {TTFT_MS:g}"
    arrivals = f"arriving within {spread * 1000:g} ms" if spread else "arriving at once"
    print(f"{streams} concurrent streams x {chunks} pieces, {pace}, {arrivals} ({runs} rounds)")
    print(f"  {'actual - scheduled, ms':<48} {'p50':>7}  {'p99':>7}  {'max':>7}")
    for name, values in gaps.items():
        print(row(f"{name}: gap between pieces", values))
        print(row(f"{name}: time to first piece", firsts[name]))
    for key, values in own.items():
        print(row(f"fakeopenai, own clock: {key}", values))
    print(
        f"  server CPU time per round: fakeopenai {cpu['fakeopenai']:.2f} s,"
        f" bare Starlette {cpu['bare Starlette']:.2f} s"
    )


async def journal(port: int) -> list[dict[str, Any]]:
    """The server's journal (``GET /_fakeopenai/requests``), read over a raw socket."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"GET /_fakeopenai/requests HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n"
    )
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    if b"chunked" in head.lower():
        chunks, body = body, b""
        while True:
            size, _, rest = chunks.partition(b"\r\n")
            if int(size, 16) == 0:
                break
            body, chunks = body + rest[: int(size, 16)], rest[int(size, 16) + 2 :]
    entries: list[dict[str, Any]] = json.loads(body)
    return entries


async def memory(port: int, pid: int, count: int) -> None:
    before = rss_mb(pid)
    release = asyncio.Event()
    opened = [asyncio.Event() for _ in range(count)]
    tasks = [asyncio.create_task(stalled_stream(port, o, release)) for o in opened]
    await asyncio.gather(*(o.wait() for o in opened))
    await asyncio.sleep(0.5)
    during = rss_mb(pid)
    release.set()
    await asyncio.gather(*tasks)
    print(f"{count} stalled streams open: server RSS {during:.1f} MB (idle {before:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=50)
    parser.add_argument("--stalled", type=int, default=1000)
    parser.add_argument(
        "--spread-ms",
        type=float,
        nargs="+",
        default=[0.0, 1000.0],
        help="spread the arrivals over this many ms (0: all at once); one run per value",
    )
    parser.add_argument("--runs", type=int, default=3, help="rounds per server and spread")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    if args.serve_bare:
        return serve_bare(args.serve_bare)
    chunk_list = ", ".join(f'"w{i} "' for i in range(args.chunks))
    text = SCENARIO.replace("{chunks}", chunk_list) % {"ttft": TTFT_MS, "chunk": CHUNK_MS}
    with tempfile.TemporaryDirectory() as folder:
        scenario = os.path.join(folder, "pacing.yaml")
        Path(scenario).write_text(text)
        fake = Child("--serve", scenario)
        bare = Child("--serve-bare", str(args.chunks))
        try:
            for spread in args.spread_ms:
                pacing(fake, bare, args.streams, args.chunks, spread / 1000, args.runs)
            asyncio.run(memory(fake.port, fake.pid, args.stalled))
        finally:
            fake.stop()
            bare.stop()


if __name__ == "__main__":
    main()
