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
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import bare  # (this folder is on sys.path: scripts run from it)
from bench_pacing import cpu_seconds

HERE = Path(__file__).resolve().parent

SERVER_CPU, CLIENT_CPU = "0", "1"
# fakeopenai without its console line per request, as the peers run (their quietest)
QUIET = "fakeopenai, --log-level warning"
BODY = json.dumps(
    {"model": "gpt-4o", "messages": [{"role": "user", "content": "What is the capital of France?"}]}
)
STREAM_BODY = json.dumps(
    {
        "model": "gpt-4o-stream",
        "messages": [{"role": "user", "content": "Count to a hundred."}],
        "stream": True,
    }
)
SCENARIO = f"""
name: bench
rules:
  - name: stream
    match: {{model: gpt-4o-stream}}
    reply: {{chunks: {json.dumps(bare.PIECES)}}}
  - name: capital
    match: {{last_user: capital}}
    reply: {{content: "{bare.CONTENT}"}}
"""
# wrk's Lua: the request, and the results as one JSON line (latencies in microseconds)
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "errors": %d, "status": %d, "p50": %f, "p99": %f}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
"""


def ensure_wrk() -> str:
    """The path of ``wrk``, installed from Debian's packages if missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get) ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("bench: wrk did not install")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """One server process under test and what the turns measured."""

    label: str
    command: list[str]
    port: int
    path: str = "/v1/chat/completions"
    body: str = BODY
    pinned: bool = True
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    requests: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    errors: int = 0
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)

    def start(self) -> None:
        prefix = ["taskset", "-c", SERVER_CPU] if self.pinned else []
        self.proc = subprocess.Popen(
            prefix + self.command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **self.env},
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label}: exited with {self.proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.label}: not listening on {self.port}")

    def cpu_now(self) -> float:
        """CPU seconds of the server and its children (workers, a Node child)."""
        assert self.proc is not None
        pids = [self.proc.pid, *children(self.proc.pid)]
        return sum(cpu_seconds(pid) for pid in pids if Path(f"/proc/{pid}").exists())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc)."""
    found: list[int] = []
    parents = {pid}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) in parents:
            found.append(int(entry.name))
    return found + [grand for child in found for grand in children(child)]


def load(wrk: str, script: str, server: Server, seconds: float, connections: int) -> None:
    """One turn of ``wrk`` against ``server``; adds what it measured."""
    prefix = ["taskset", "-c", CLIENT_CPU] if server.pinned else []
    before = server.cpu_now()
    out = subprocess.run(
        [
            *prefix,
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "-s",
            script,
            f"http://127.0.0.1:{server.port}{server.path}",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_BODY": server.body},
        check=True,
    ).stdout
    server.cpu += server.cpu_now() - before
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    result = json.loads(line.removeprefix("BENCH "))
    server.requests += result["requests"]
    server.seconds += result["seconds"]
    server.errors += result["errors"] + result["status"]
    server.p50.append(result["p50"] / 1000)
    server.p99.append(result["p99"] / 1000)


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
