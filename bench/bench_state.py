"""Stored Responses state stays bounded: N responses created, RSS reported along the way.

Usage: ``python bench/bench_state.py [N] [--conversations]`` (default 100,000). Each
request is a ``POST /v1/responses`` (``store`` defaults to true, so every answer is
kept), through a real ``fakeopenai`` server on 127.0.0.1 (the ``FakeOpenAI`` handle),
in agent loops of ``LOOP`` turns: each turn continues the previous one with
``previous_response_id``. With ``--conversations`` each request instead opens a
conversation and answers in it. Prints the resident set size every tenth of the run; a
bounded store shows it levelling off once ``MAX_RESPONSES`` (or ``MAX_CONVERSATIONS``)
is reached.
"""

from __future__ import annotations

import resource
import sys
import time

import httpx

from fakeopenai import FakeOpenAI
from fakeopenai.conversations import MAX_CONVERSATIONS, MAX_RESPONSES

LOOP = 10


def rss_mib() -> float:
    """The current resident set size, from /proc (the peak, elsewhere)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    total = int(args[0]) if args else 100_000
    conversations = "--conversations" in sys.argv
    rules = {"name": "bench", "rules": [{"reply": {"content": "An answer of a few words."}}]}
    with FakeOpenAI(rules) as fake, httpx.Client(base_url=fake.base_url) as client:
        print(f"start: {rss_mib():.1f} MiB RSS (bounds: {MAX_RESPONSES} responses, "
              f"{MAX_CONVERSATIONS} conversations)")  # fmt: skip
        previous: str | None = None
        started = time.perf_counter()
        for n in range(1, total + 1):
            body: dict[str, object] = {"model": "gpt-4o", "input": f"Question number {n}?"}
            if conversations:
                body["conversation"] = client.post("/conversations", json={}).json()["id"]
            elif previous is not None and n % LOOP:
                body["previous_response_id"] = previous
            response = client.post("/responses", json=body)
            response.raise_for_status()
            previous = response.json()["id"]
            if n % max(total // 10, 1) == 0:
                stored, opened = fake.core.state.counts()
                fake.core.journal.clear()  # the journal has its own bound; measure the state
                print(f"{n:>7} responses: {rss_mib():.1f} MiB RSS, {stored} stored, "
                      f"{opened} conversations, {time.perf_counter() - started:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
