"""Driving ``wrk`` (a C load generator) against one server process at a time: installing
``wrk``, starting a server pinned to its CPU, and one turn of load on the other CPU that
adds up the requests, latencies and the server's CPU time (``bench_server``)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_pacing import cpu_seconds
from workload import BODY

SERVER_CPU, CLIENT_CPU = "0", "1"
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
