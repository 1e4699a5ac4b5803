"""Throughput side by side, measured with ``wrk`` (a C load generator) on the other core.

Each server runs in its own process pinned to CPU 0 (``taskset``); ``wrk`` runs pinned
to CPU 1 with one thread and ``--connections`` keep-alive connections, so the load
generator is never what saturates. Every server gets the same 94-byte non-streamed chat
request and answers the same chat.completion. In one run, side by side:

- ``bare-plain`` / ``bare-fast``: a bare Starlette JSON endpoint (``request.json()``,
  a ``JSONResponse`` of the completion and the headers fakeopenai sends) on plain
  uvicorn (h11, asyncio) and on the fast stack (httptools, uvloop);
- ``fakeopenai``: ``fakeopenai serve SCENARIO --no-delay`` as installed (its default
  stack and options, its line per request going to /dev/null), a scripted reply; and
  again with ``--log-level warning`` (no line per request), as the peers run at their
  quietest;
- with ``PEERS=1``, each peer that installs (``bench/peers.py``): aimock, fakellm,
  stubllm, llmock, scripted to the same reply;
- streams: a 100-piece zero-delay chat stream from fakeopenai against a bare Starlette
  ``StreamingResponse`` of the same 100 chunk frames on the same stack;
- ``fakeopenai --workers 2``: not pinned (two workers need both cores, which wrk
  shares), to show both processes take load; not comparable to the pinned rows.

Each server first takes ``--warmup`` seconds of load (aimock's JIT needs ~10 s to reach
its pace). Then the load visits the servers in turn, ``--slice`` seconds at a time,
``--rounds`` times, so the machine's drift hits them alike. Printed per server: requests
per second (all turns), the median over turns of wrk's p50 and p99 latency, the server's
CPU time per request, and ratios. ``wrk`` is installed with apt-get when missing.

    python bench/bench_server.py [--slice 5] [--rounds 3] [--connections 32] [--warmup 12]
    PEERS=1 python bench/bench_server.py
    python bench/bench_server.py --only log-level --no-workers --also="--journal-limit 100"

``--also OPTIONS`` adds a quiet fakeopenai row served with those options, to weigh one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from workload import SCENARIO, STREAM_BODY
from wrkload import CLIENT_CPU, SERVER_CPU, WRK_SCRIPT, Server, ensure_wrk, free_port, load

HERE = Path(__file__).resolve().parent

# fakeopenai without its console line per request, as the peers run (their quietest)
QUIET = "fakeopenai, --log-level warning"


def python_server(label: str, *args: str, port: int, **kwargs: object) -> Server:
    command = [sys.executable, str(HERE / "bare.py"), *args, "--port", str(port)]
    return Server(label, command, port, **kwargs)  # type: ignore[arg-type]


def servers(
    scenario: str, peers: bool, workers: bool, also: list[str] | None = None
) -> list[Server]:
    fake = [sys.executable, "-m", "fakeopenai", "serve", scenario, "--no-delay"]
    found = [
        python_server("bare Starlette, plain (h11, asyncio)", "json", "plain", port=free_port()),
        python_server("bare Starlette, fast (httptools, uvloop)", "json", "fast", port=free_port()),
    ]
    port = free_port()
    found.append(Server("fakeopenai as installed", [*fake, "--port", str(port)], port))
    port = free_port()
    quiet = [*fake, "--log-level", "warning", "--port", str(port)]
    found.append(Server(QUIET, quiet, port))
    for options in also or ():  # (--also: serve options to weigh, e.g. --journal-limit 100)
        port = free_port()
        command = [*fake, "--log-level", "warning", *options.split(), "--port", str(port)]
        found.append(Server(f"{QUIET} {options}", command, port))
    if peers:
        from peers import peer_servers

        found += [Server(label, command, port) for label, command, port in peer_servers(free_port)]
    port = free_port()
    found.append(
        python_server("bare Starlette SSE, fast", "sse", "fast", port=port, body=STREAM_BODY)
    )
    port = free_port()
    found.append(Server("fakeopenai stream", [*fake, "--port", str(port)], port, body=STREAM_BODY))
    if workers:
        port = free_port()
        command = [*fake, "--workers", "2", "--port", str(port)]
        found.append(Server("fakeopenai --workers 2 (unpinned)", command, port, pinned=False))
    return found


def report(found: list[Server], connections: int) -> None:
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine()}")
    print(f"wrk -t1 -c{connections}, server on CPU {SERVER_CPU}, wrk on CPU {CLIENT_CPU}")
    width = max(44, *(len(s.label) + 2 for s in found))
    print(f"{'server':{width}}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'CPU/req':>10}{'errors':>8}")
    for s in found:
        cpu = f"{s.cpu / s.requests * 1e6:7.0f} us" if s.requests else "-"
        p50 = statistics.median(s.p50) if s.p50 else 0
        p99 = statistics.median(s.p99) if s.p99 else 0
        print(f"{s.label:{width}}{s.rate:8.0f}{p50:9.2f}{p99:9.2f}{cpu:>10}{s.errors:8d}")
    by = {s.label: s for s in found}
    fake = by["fakeopenai as installed"]
    print("ratios:")
    bases = [s for s in found if s.rate and s.pinned and "stream" not in s.label]
    bases = [s for s in bases if "SSE" not in s.label and not s.label.startswith("fakeopenai")]
    quiet = [("fakeopenai, quiet" + s.label[len(QUIET) :], s) for s in found if QUIET in s.label]
    for name, ours in [("fakeopenai", fake), *quiet]:
        for base in bases if ours is not None and ours.rate else ():
            cpu = (ours.cpu / ours.requests - base.cpu / base.requests) * 1e6
            ratio = ours.rate / base.rate
            print(f"  {name} / {base.label:42} {ratio:5.2f}x  (CPU/req {cpu:+.0f} us)")
    # How fast each peer is on this machine, against the same bare endpoint: a target
    # relative to a peer means a different thing where the peer's speed differs.
    fast = by.get("bare Starlette, fast (httptools, uvloop)")
    if fast is not None and fast.rate:
        for peer in (s for s in bases if not s.label.startswith("bare")):
            print(f"  {peer.label} / {fast.label}  {peer.rate / fast.rate:5.2f}x")
    stream, sse = by.get("fakeopenai stream"), by.get("bare Starlette SSE, fast")
    if stream is not None and sse is not None and sse.rate:
        print(f"  fakeopenai stream / bare Starlette SSE (fast)  {stream.rate / sse.rate:5.2f}x")
    workers = by.get("fakeopenai --workers 2 (unpinned)")
    if workers is not None and workers.rate:
        print(f"  fakeopenai --workers 2 / as installed (pinned) {workers.rate / fake.rate:5.2f}x")


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} x {model}, Python {sys.version.split()[0]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slice", type=float, default=5.0, help="seconds of one turn")
    parser.add_argument("--rounds", type=int, default=3, help="turns per server")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=12.0, help="seconds of load first")
    parser.add_argument("--no-workers", action="store_true", help="skip the --workers 2 row")
    parser.add_argument("--only", help="only servers whose label contains this text")
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="OPTIONS",
        help="one more quiet fakeopenai row with these serve options (repeatable)",
    )
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder, "bench.yaml")
        scenario.write_text(SCENARIO)
        script = Path(folder, "bench.lua")
        script.write_text(WRK_SCRIPT)
        peers = os.environ.get("PEERS") == "1"
        found = servers(str(scenario), peers, not args.no_workers, args.also)
        if args.only:
            keep = ("fakeopenai as installed",)
            found = [s for s in found if args.only in s.label or s.label in keep]
        try:
            for server in found:
                server.start()
            for server in found:
                server.wait_ready()
                # Node's JIT takes aimock ~10 s of load to reach its pace (1,800 req/s in
                # its first 3 s, ~4,000 from 10 s on): every server gets the same warm-up.
                load(wrk, str(script), server, args.warmup, args.connections)
                server.requests = server.errors = 0
                server.seconds = server.cpu = 0.0
                server.p50.clear()
                server.p99.clear()
            for _ in range(args.rounds):
                for server in found:
                    load(wrk, str(script), server, args.slice, args.connections)
        finally:
            for server in found:
                server.stop()
    report(found, args.connections)


if __name__ == "__main__":
    main()
