"""What the recording proxy adds: time to first byte and per-chunk delay, p50/p99, for
``--streams`` concurrent streams (default 50), through ``fakeopenai record`` and straight
to its upstream (a ``fakeopenai serve``), in the same run.

The upstream streams ``--chunks`` pieces (default 50) at ``chunk_ms: 20`` after
``ttft_ms: 100``. The client (raw sockets in this process, light enough not to be the
bottleneck) timestamps each content piece as it arrives; a piece's lateness is its
arrival minus its scheduled time. "Added" is the proxy's percentile minus the direct
one. A warm-up round each, then ``--runs`` rounds of each, alternated; the percentiles
are over all measured rounds. Each server runs in its own process; the proxy's CPU time
per piece (recording included) is read from /proc.

``--spread MS`` starts the streams evenly over MS milliseconds. At 0 (the default) all
start at once, and since the upstream paces every stream alike, every stream's n-th
piece comes in the same millisecond: each passes through the proxy's one event loop
after the others of its batch (the worst case). Spread over 100 ms, the same 50 streams
run concurrently with their pieces 2 ms apart, as unsynchronised clients send them.

    python bench/bench_record.py [--streams 50] [--chunks 50] [--runs 3] [--spread 0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHUNK_MS = 20.0
TTFT_MS = 100.0
PIECE = b'"content":"'
SCENARIO = """
name: bench
rules:
  - name: paced
    reply:
      chunks: [{chunks}]
      latency: {ttft_ms: %(ttft)s, chunk_ms: %(chunk)s}
"""


PROXY_CPU = {0}  # with --pin: the proxies here, the upstream and the client on CPU 1
REST_CPU = {1}


def pin(pid: int, cpus: set[int]) -> None:
    """Keep a process on ``cpus`` (Linux, two CPUs or more; elsewhere nothing)."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(pid, cpus)


def start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakeopenai", *args, "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    found = re.search(r"http://127\.0\.0\.1:(\d+)/v1", proc.stdout.readline())
    assert found, "no banner"
    return proc, f"http://127.0.0.1:{found[1]}/v1"


def start_bare(upstream: str) -> tuple[subprocess.Popen[str], str]:
    """The bare httpx proxy (``bare_proxy.py``) in front of ``upstream``, once it listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    here = Path(__file__).resolve().parent
    proc = subprocess.Popen(
        [sys.executable, str(here / "bare_proxy.py"), upstream, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
            return proc, f"http://127.0.0.1:{port}/v1"
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the bare proxy did not start")


def request() -> bytes:
    body = json.dumps(
        {"model": "gpt-4o", "messages": [{"role": "user", "content": "bench"}], "stream": True}
    ).encode()
    return (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        b"content-type: application/json\r\nauthorization: Bearer sk-bench\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(body), body)
    )


def pieces(data: bytes) -> int:
    return data.count(PIECE) - data.count(PIECE + b'"')  # "content":"" opens the stream


class Stamps(asyncio.Protocol):
    """Stamps bytes as they reach this process (``data_received``, before any task
    runs), so the client's work on the other streams does not count as lateness."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.first: float | None = None
        self.arrivals: list[float] = []
        self.tail = b""
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.first = now if self.first is None else self.first
        window = self.tail + data
        self.arrivals.extend([now] * (pieces(window) - pieces(self.tail)))
        self.tail = window[-len(PIECE) :]
        if len(self.arrivals) >= self.chunks and not self.done.done():
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(RuntimeError("the stream ended early"))


async def one(port: int, chunks: int) -> tuple[float, list[float]]:
    """(time to first byte, each piece's lateness), in ms, on a connection of its own."""
    loop = asyncio.get_running_loop()
    transport, stamps = await loop.create_connection(lambda: Stamps(chunks), "127.0.0.1", port)
    sent = time.perf_counter()
    transport.write(request())
    await stamps.done
    transport.close()
    assert stamps.first is not None
    late = [(t - sent) * 1000 - (TTFT_MS + i * CHUNK_MS) for i, t in enumerate(stamps.arrivals)]
    return (stamps.first - sent) * 1000, late[:chunks]


def gaps(late: list[float], chunks: int) -> list[float]:
    """Each piece's delay over the one before it (its lateness minus the previous
    piece's): what passing a piece on adds, whatever the stream's start cost."""
    return [
        late[i] - late[i - 1]
        for i in range(len(late))
        if i % chunks  # not across streams
    ]


async def round_(
    url: str, streams: int, chunks: int, spread_ms: float = 0.0
) -> tuple[list[float], list[float]]:
    port = int(url.rsplit(":", 1)[1].split("/", maxsplit=1)[0])

    async def nth(i: int) -> tuple[float, list[float]]:
        if spread_ms:
            await asyncio.sleep(spread_ms / 1000 * i / streams)
        return await one(port, chunks)

    results = await asyncio.gather(*(nth(i) for i in range(streams)))
    return [r[0] for r in results], [x for r in results for x in r[1]]


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--spread", type=float, default=0.0, metavar="MS")
    parser.add_argument(
        "--pin", action="store_true", help="proxies on CPU 0; the upstream and the client on 1"
    )
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-record-"))
    pieces = ", ".join(json.dumps(f" w{i}") for i in range(options.chunks))
    scenario = folder / "bench.yaml"
    scenario.write_text(SCENARIO.replace("{chunks}", pieces) % {"ttft": TTFT_MS, "chunk": CHUNK_MS})
    upstream, direct_url = start(["serve", str(scenario), "--no-delay"])
    proxy, proxy_url = start(["record", "--upstream", direct_url, "--out", str(folder / "r.yaml")])
    bare, bare_url = start_bare(direct_url)
    if options.pin:
        for pid, cpus in ((proxy.pid, PROXY_CPU), (bare.pid, PROXY_CPU), (upstream.pid, REST_CPU)):
            pin(pid, cpus)
        pin(0, REST_CPU)  # this process: the client
    subjects = {"direct": direct_url, "bare proxy": bare_url, "record": proxy_url}
    seen = {name: {"ttfb": [], "late": [], "gap": []} for name in subjects}
    cpu = {"bare proxy": 0.0, "record": 0.0}
    pids = {"bare proxy": bare.pid, "record": proxy.pid}
    try:
        for url in subjects.values():  # warm up: imports, connection pools
            asyncio.run(round_(url, options.streams, options.chunks, options.spread))
        time.sleep(0.5)
        for _ in range(options.runs):
            for name, url in subjects.items():
                before = cpu_seconds(pids[name]) if name in pids else 0.0
                ttfb, late = asyncio.run(
                    round_(url, options.streams, options.chunks, options.spread)
                )
                time.sleep(0.5)  # the proxy finishes writing its file
                if name in cpu:
                    cpu[name] += cpu_seconds(pids[name]) - before
                seen[name]["ttfb"] += ttfb
                seen[name]["late"] += late
                seen[name]["gap"] += gaps(late, options.chunks)
    finally:
        for proc in (proxy, bare, upstream):
            proc.send_signal(signal.SIGINT)
            proc.wait(10)
    report(options, seen, cpu)


def report(
    options: argparse.Namespace, seen: dict[str, dict[str, list[float]]], cpu: dict[str, float]
) -> None:
    began = f"started over {options.spread:g} ms" if options.spread else "started at once"
    if options.pin:
        began += "; proxies on CPU 0, upstream and client on CPU 1"
    print(
        f"{options.streams} concurrent streams x {options.chunks} pieces "
        f"(ttft {TTFT_MS:g} ms, {CHUNK_MS:g} ms apart), {began}, {options.runs} rounds"
    )
    print("added: over the upstream served directly (bare: the bare httpx proxy)")
    print(f"{'':24}{'direct':>9}{'bare':>9}{'record':>9}{'added bare':>12}{'added record':>14}")
    for key, label in (
        ("ttfb", "time to first byte"),
        ("gap", "per-piece delay"),
        ("late", "piece lateness"),
    ):
        for q in (0.5, 0.99):
            d, b, r = (pct(seen[n][key], q) for n in ("direct", "bare proxy", "record"))
            print(
                f"{label + f' p{int(q * 100)}':24}{d:>9.2f}{b:>9.2f}{r:>9.2f}"
                f"{b - d:>12.2f}{r - d:>14.2f}  ms"
            )
    means = {k: statistics.mean(v["late"]) for k, v in seen.items()}
    print("mean lateness: " + ", ".join(f"{k} {v:.2f} ms" for k, v in means.items()))
    pieces = options.runs * options.streams * options.chunks
    for name, seconds in cpu.items():
        print(
            f"{name} CPU: {seconds * 1e6 / pieces:.0f} µs per piece passed on "
            f"({seconds:.2f} s for {pieces} pieces)"
        )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
