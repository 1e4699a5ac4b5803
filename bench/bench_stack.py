"""The whole server in-process, counted in instructions: where the gap to bare lies.

uvicorn's httptools protocol is fed a request's bytes over a transport that keeps
nothing, on uvloop, with the app behind it; no socket, no kernel, no load generator.
Subjects (``--subject``, repeatable):

- ``bare``: the bare Starlette JSON endpoint (``bare.py``) on uvicorn's own protocol;
- ``bare-ours``: the same endpoint on fakeopenai's protocol (``serving.stamping_protocol``:
  the connection bounds, the arrival stamp, one write per answer, the head's shortcut);
- ``fakeopenai``: fakeopenai's app (the benchmark's scenario) on its own protocol, as
  ``fakeopenai serve`` runs it, without the console line.

By default each subject is timed (CPU per request, the best of ``--runs``). With
``--instructions`` each runs under ``valgrind --tool=callgrind`` with instrumentation
switched on only after its warm-up (``callgrind_control``), and the instructions per
request are printed: a count that does not drift with the VM, so a change of a few
thousand instructions shows where ``wrk`` sees only noise.

    python bench/bench_stack.py [--requests 5000] [--runs 5]
    python bench/bench_stack.py --instructions [--requests 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bare  # (this folder is on sys.path: scripts run from it)
from workload import BODY, SCENARIO

SUBJECTS = ("bare", "bare-ours", "fakeopenai")
REQUEST = (
    b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:8000\r\n"
    b"content-type: application/json\r\nauthorization: Bearer sk-bench\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(BODY), BODY.encode())
)


class Transport(asyncio.Transport):
    """A connection's transport that counts the writes and keeps nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes += 1

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


def protocol_factory(subject: str, folder: str) -> Any:
    """A callable making one connection's protocol for ``subject``."""
    import uvicorn
    from uvicorn.server import ServerState

    from fakeopenai.serving import stamping_protocol

    app: Any
    if subject == "fakeopenai":
        from fakeopenai import create_app

        scenario = Path(folder, "bench.yaml")
        scenario.write_text(SCENARIO)
        app = create_app(str(scenario))
        app.state.warmed.wait()
    else:
        app = bare.app()
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    protocol: Any = HttpToolsProtocol if subject == "bare" else stamping_protocol("httptools")
    config = uvicorn.Config(
        app, http=protocol, lifespan="off", access_log=False, proxy_headers=False, ws="none"
    )
    config.load()
    state = ServerState()
    return lambda loop: protocol(config=config, server_state=state, app_state={}, _loop=loop)


async def serve(make: Any, requests: int) -> None:
    """``requests`` requests, one after another, on one keep-alive connection."""
    transport = Transport()
    protocol = make(asyncio.get_running_loop())
    protocol.connection_made(transport)
    for _ in range(requests):
        before = transport.writes
        protocol.data_received(REQUEST)
        while transport.writes == before:  # the answer (head and body: one write)
            await asyncio.sleep(0)
        await asyncio.sleep(0)  # (a flush left for the end of the turn)
    if transport.closed:
        raise SystemExit("bench: the server closed the connection")


def timed(subject: str, requests: int, runs: int) -> float:
    """Microseconds of CPU per request, the best of ``runs``."""
    import uvloop

    with tempfile.TemporaryDirectory() as folder:
        make = protocol_factory(subject, folder)
        uvloop.run(serve(make, requests // 5))  # warm-up
        best = float("inf")
        for _ in range(runs):
            started = time.process_time()
            uvloop.run(serve(make, requests))
            best = min(best, (time.process_time() - started) / requests)
    return best * 1e6


def counted_child(subject: str, requests: int, ready: str) -> None:
    """Under callgrind: warm up, say so in ``ready``, wait for instrumentation, run."""
    import uvloop

    with tempfile.TemporaryDirectory() as folder:
        make = protocol_factory(subject, folder)
        uvloop.run(serve(make, 200))
        Path(ready).write_text(str(os.getpid()))
        while not Path(ready + ".on").exists():
            time.sleep(0.05)
        time.sleep(0.5)  # (callgrind acts on the command at its next check)
        uvloop.run(serve(make, requests))
        os._exit(0)  # the interpreter's teardown is not counted


def instructions(subject: str, requests: int) -> int:
    """Instructions per request of ``subject`` (callgrind, after its warm-up)."""
    with tempfile.TemporaryDirectory() as folder:
        ready = str(Path(folder, "ready"))
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={folder}/callgrind.out",
            sys.executable, __file__, "--child", subject, ready, "--requests", str(requests),
        ]  # fmt: skip
        child = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        while not Path(ready).exists() or not Path(ready).read_text():
            if child.poll() is not None:
                raise SystemExit(f"bench: {subject} exited early: {child.stderr}")
            time.sleep(0.2)
        pid = Path(ready).read_text()
        subprocess.run(["callgrind_control", "-i", "on", pid], capture_output=True, check=True)
        Path(ready + ".on").touch()
        _, err = child.communicate()
    found = re.search(r"Collected : (\d+)", err)
    if found is None:
        raise SystemExit(f"bench: no instruction count from valgrind:\n{err}")
    return int(found[1]) // requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subject", action="append", choices=SUBJECTS)
    parser.add_argument("--requests", type=int, default=0, help="5,000 timed, 1,000 counted")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="count with callgrind")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        counted_child(args.child[0], args.requests, args.child[1])
        return
    subjects = args.subject or list(SUBJECTS)
    if args.instructions:
        if not shutil.which("valgrind"):
            raise SystemExit("bench: --instructions needs valgrind (apt-get install valgrind)")
        counts = {s: instructions(s, args.requests or 1000) for s in subjects}
        print("instructions per request, the whole server in-process (callgrind)")
        for subject, count in counts.items():
            print(f"  {subject:12}{count:>10,}")
        return
    print("CPU per request, the whole server in-process, best of", args.runs, "runs")
    for subject in subjects:
        print(f"  {subject:12}{timed(subject, args.requests or 5000, args.runs):8.1f} us")


if __name__ == "__main__":
    main()
