"""Soak: many mixed requests against one ``fakeopenai serve``, watching its memory.

The mix, per 100 requests: 60 chat completions with a scripted answer, 15 generated
ones, 15 streams (a third of them aborted after the first chunk), 5 embeddings of 16
inputs and 5 chat requests with a 1 MB prompt. The server's resident memory (RSS) is
sampled as it goes; with the journal bounded in bytes (``--journal-max-bytes``) it must
level off under that bound plus the process's own footprint, however long the run.

    python bench/bench_soak.py [--requests 300000] [--concurrency 16] [--journal-mb 64]

Not part of CI. A run on a shared 2-core machine (other processes busy) is quoted in
docs/reference/limits.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

SCENARIO = """
name: soak
rules:
  - name: scripted
    match: {last_user: scripted}
    reply: {content: "A scripted answer of a few words."}
"""
BIG = "hello world, this is a long prompt. " * 30_000  # ~1 MB


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def chat(text: str, stream: bool = False) -> dict[str, object]:
    body: dict[str, object] = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    if stream:
        body["stream"] = True
    return body


async def one(client: httpx.AsyncClient, number: int, errors: dict[str, int]) -> None:
    try:
        await _one(client, number)
    except httpx.TransportError as exc:  # counted and reported, not fatal to the run
        errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1


async def _one(client: httpx.AsyncClient, number: int) -> None:
    kind = number % 100
    if kind < 60:
        await client.post("/v1/chat/completions", json=chat("scripted"))
    elif kind < 75:
        await client.post("/v1/chat/completions", json=chat(f"generated {number}"))
    elif kind < 90:
        async with client.stream(
            "POST", "/v1/chat/completions", json=chat(f"stream {number}", stream=True)
        ) as response:
            async for _ in response.aiter_bytes():
                if kind < 80:  # a third of the streams: the client gives up at once
                    break
    elif kind < 95:
        body = {"model": "text-embedding-3-small", "input": [f"t{number} {i}" for i in range(16)]}
        await client.post("/v1/embeddings", json=body)
    else:
        await client.post("/v1/chat/completions", json=chat(BIG + str(number)))


async def run(
    url: str, pid: int, total: int, concurrency: int, errors: dict[str, int]
) -> list[tuple[int, float, float]]:
    samples: list[tuple[int, float, float]] = []
    started = time.perf_counter()
    done = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(total):
        queue.put_nowait(number)
    every = max(total // 20, 1)
    # Idle connections are dropped well before the server's keep-alive timeout (uvicorn's
    # 5 s, httpx's own default too): a request sent on one the server closes at that very
    # moment fails with a ReadError (it did once in 30,000 on a loaded machine).
    limits = httpx.Limits(max_connections=concurrency, keepalive_expiry=2.0)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done
        while not queue.empty():
            number = queue.get_nowait()
            await one(client, number, errors)
            done += 1
            if done % every == 0:
                samples.append((done, time.perf_counter() - started, rss_mb(pid)))
                print(f"{done:>8} requests  {samples[-1][1]:7.1f} s  RSS {samples[-1][2]:7.1f} MB")

    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--journal-mb", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "soak.yaml"
        scenario.write_text(SCENARIO)
        server = subprocess.Popen(
            [
                sys.executable, "-m", "fakeopenai", "serve", str(scenario), "--port", "0",
                "--no-delay", "--log-level", "warning",
                "--journal-max-bytes", str(args.journal_mb * 1024 * 1024),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            found = re.search(r"http://[\d.]+:\d+", server.stdout.readline())
            assert found, "no banner"
            start = rss_mb(server.pid)
            print(f"RSS at start {start:.1f} MB; journal bound {args.journal_mb} MB")
            errors: dict[str, int] = {}
            samples = asyncio.run(
                run(found[0], server.pid, args.requests, args.concurrency, errors)
            )
            took = samples[-1][1] if samples else 0.0
            peak = max(s[2] for s in samples) if samples else start
            half = [s[2] for s in samples[len(samples) // 2 :]]
            print(
                json.dumps(
                    {
                        "requests": args.requests,
                        "seconds": round(took, 1),
                        "rps": round(args.requests / took, 1) if took else None,
                        "transport_errors": errors,
                        "rss_start_mb": round(start, 1),
                        "rss_peak_mb": round(peak, 1),
                        "rss_second_half_mb": [round(min(half), 1), round(max(half), 1)]
                        if half
                        else None,
                    }
                )
            )
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
