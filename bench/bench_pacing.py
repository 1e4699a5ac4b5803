"""Pacing accuracy under load, and the memory cost of stalled streams.

The server runs under uvicorn in its own process (as ``fakeopenai serve`` would); the
client is a small asyncio loop on raw sockets in this process, so it costs little and
timestamps each content piece as it arrives.

1. ``--streams`` concurrent streams (default 100) of ``--chunks`` pieces (50) at
   ``chunk_ms: 20`` after ``ttft_ms: 100``: p50/p99 of (actual - scheduled) gap between
   consecutive pieces, and of the time to the first piece. Twice: with every request
   arriving at once (the server's per-request work queues up: this measures throughput
   as much as pacing) and with arrivals spread over one second (pacing under load).
2. ``--stalled`` streams (default 1,000) that stall after one piece and stay open: the
   server's resident memory (RSS) before and with all of them open.

    python bench/bench_pacing.py [--streams 100] [--chunks 50] [--stalled 1000]
                                 [--spread-ms 0 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
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


def serve(scenario: str) -> None:
    """Child process: uvicorn on a free port (printed on stdout), quiet logs."""
    import uvicorn

    from fakeopenai import create_app
    from fakeopenai.serving import bind, settle_heap, stamping_protocol

    sock = bind("127.0.0.1", 0)
    app = create_app(scenario)
    settle_heap(app).join()  # as fakeopenai serve does, finished before measuring
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(
        app, log_level="error", access_log=False, lifespan="off", http=stamping_protocol()
    )
    uvicorn.Server(config).run(sockets=[sock])


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


async def paced_stream(port: int, chunks: int, delay: float = 0.0) -> tuple[float, list[float]]:
    """Send one request (after ``delay`` s); return its send time and each piece's arrival."""
    await asyncio.sleep(delay)
    loop = asyncio.get_running_loop()
    transport, stamps = await loop.create_connection(lambda: _Timestamps(chunks), "127.0.0.1", port)
    sent = time.perf_counter()
    transport.write(request("paced"))
    await stamps.done
    transport.close()
    return sent, stamps.arrivals[:chunks]


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


async def pacing(port: int, pid: int, streams: int, chunks: int, spread: float) -> None:
    await asyncio.gather(*(paced_stream(port, 2) for _ in range(4)))  # warm-up
    cpu = cpu_seconds(pid)
    delays = [spread * i / streams for i in range(streams)]
    results = await asyncio.gather(*(paced_stream(port, chunks, d) for d in delays))
    cpu = cpu_seconds(pid) - cpu
    gaps: list[float] = []
    firsts: list[float] = []
    for sent, arrivals in results:
        firsts.append((arrivals[0] - sent) * 1000 - TTFT_MS)
        gaps += [(b - a) * 1000 - CHUNK_MS for a, b in itertools.pairwise(arrivals)]
    pace = f"chunk_ms {CHUNK_MS:g}, ttft_ms {TTFT_MS:g}"
    arrivals = f"arriving within {spread * 1000:g} ms" if spread else "arriving at once"
    print(f"{streams} concurrent streams x {chunks} pieces, {pace}, {arrivals}")
    print("  actual - scheduled, ms        p50      p99      max")
    for name, values in (("gap between pieces", gaps), ("time to first piece", firsts)):
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(f"  {name:<26} {p50:7.2f}  {p99:7.2f}  {max(values):7.2f}")
    entries = await journal(port)
    paced = [e for e in entries if e["model"] == "paced"][-streams:]
    headers = [e["timings"]["headers_ms"] for e in paced]
    late = [e["timings"]["ttft_ms"] - TTFT_MS for e in paced]
    last = [e["timings"]["total_ms"] - TTFT_MS - (chunks - 1) * CHUNK_MS for e in paced]
    print(
        f"  server side: {'headers after (request work)':<26} {percentile(headers, 0.5):7.2f}",
        end="",
    )
    print(f"  {percentile(headers, 0.99):7.2f}  {max(headers):7.2f}")
    print(f"  server side: {'first piece late by':<26} {percentile(late, 0.5):7.2f}", end="")
    print(f"  {percentile(late, 0.99):7.2f}  {max(late):7.2f}")
    print(f"  server side: {'last piece late by':<26} {percentile(last, 0.5):7.2f}", end="")
    print(f"  {percentile(last, 0.99):7.2f}  {max(last):7.2f}")
    print(f"  server CPU time: {cpu:.2f} s")


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
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    chunk_list = ", ".join(f'"w{i} "' for i in range(args.chunks))
    text = SCENARIO.replace("{chunks}", chunk_list) % {"ttft": TTFT_MS, "chunk": CHUNK_MS}
    with tempfile.TemporaryDirectory() as folder:
        scenario = os.path.join(folder, "pacing.yaml")
        Path(scenario).write_text(text)
        command = [sys.executable, __file__, "--serve", scenario]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            for spread in args.spread_ms:
                asyncio.run(pacing(port, server.pid, args.streams, args.chunks, spread / 1000))
            asyncio.run(memory(port, server.pid, args.stalled))
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
