"""Polls ``GET /_fakeopenai/health`` on one keep-alive connection until stdin closes,
then prints the slowest answer in milliseconds. A process of its own, so what the test
process does meanwhile (reading a large answer, holding its GIL) is not measured."""

from __future__ import annotations

import socket
import sys
import threading
import time


def main(port: int) -> None:
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    sock = socket.create_connection(("127.0.0.1", port))
    request = b"GET /_fakeopenai/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    worst = 0.0
    print("ready", flush=True)
    while not stop.is_set():
        started = time.perf_counter()
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                raise SystemExit("the server closed the health connection")
            data += chunk
        if not data.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"health answered {data[:40]!r}")
        worst = max(worst, (time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    print(f"{worst:.1f}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
