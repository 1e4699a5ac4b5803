"""Row 7: the journal bounded in bytes, bodies cut with a marker, the list paged."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import httpx
import pytest
from harness import bounded, peak_rss_mb, warm

from cli_server import Served
from fakeopenai.journal import Journal

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def small_journal() -> Iterator[Served]:
    with Served(
        "--no-delay",
        "--log-level",
        "warning",
        "--journal-max-bytes",
        str(2 * MIB),
        "--journal-body-max",
        "65536",
    ) as server:
        warm(server)
        yield server


def test_megabyte_prompts_keep_memory_flat(small_journal: Served) -> None:
    prompt = "hello world, this is a prompt. " * 34_000  # ~1 MB
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}]}
    with httpx.Client(base_url=small_journal.url, timeout=60) as client:
        before = peak_rss_mb(small_journal.proc.pid)
        for _ in range(20):  # 20 MB of prompts against a 2 MB bound
            assert client.post("/v1/chat/completions", json=body).status_code == 200
        grown = peak_rss_mb(small_journal.proc.pid) - before
        assert grown < 200, grown
        outcome = bounded(small_journal, lambda: client.get("/_fakeopenai/requests"))
        entries = outcome.value.json()
    # 2 MB of bodies cut to 64 KB each: the newest ~30 fit, all 20 stay.
    assert len(entries) == 21  # (and the warm-up request)
    text = entries[-1]["body"]["messages"][0]["content"]
    assert text.startswith("hello world") and text.endswith("characters cut]")
    assert len(text) < 70_000
    assert entries[-1]["last_user"].endswith("characters cut]")


def test_bytes_evict_the_oldest() -> None:
    from fakeopenai.journal import Journal

    journal = Journal(limit=None, max_bytes=300_000, body_keep=100_000)
    for number in range(10):
        entry = journal.new("POST", "/v1/chat/completions", {}, f"req_{number}")
        journal.keep_body(entry, {"input": "x" * 500_000}, 500_000)
    kept = journal.snapshot()
    assert 1 <= len(kept) <= 3 and kept[-1].request_id == "req_9"
    assert journal.bytes <= 300_000


def test_the_list_pages(client: httpx.Client) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    for _ in range(100):
        client.post("/v1/chat/completions", json=body)
    everything = client.get("/_fakeopenai/requests").json()
    assert len(everything) == 100  # streamed a page at a time, one JSON list
    ids = [entry["id"] for entry in everything]
    page = client.get("/_fakeopenai/requests", params={"offset": 10, "limit": 5}).json()
    assert [entry["id"] for entry in page] == ids[10:15]
    newest = client.get("/_fakeopenai/requests", params={"limit": 3}).json()
    assert [entry["id"] for entry in newest] == ids[-3:]
    after = client.get("/_fakeopenai/requests", params={"since": ids[95]}).json()
    assert [entry["id"] for entry in after] == ids[96:]


def test_a_cut_prompt_is_kept_once_at_one_byte_a_character() -> None:
    # The journal held four times what it counted: the last user text cut a second
    # time beside the body's, and both at two bytes a character (the marker's "…").
    journal = Journal(body_keep=1000)
    entry = journal.new("POST", "/v1/chat/completions", {}, "req_1")
    text = "x" * 5000
    journal.keep_body(entry, {"messages": [{"role": "user", "content": text}]}, 5100)
    kept = journal.keep_text(text)
    assert kept is entry.body["messages"][0]["content"]
    assert kept is not None and kept.isascii() and sys.getsizeof(kept) < 1100
    other = "y" * 5000  # a text the body did not hold: cut on its own
    assert journal.keep_text(other) == "y" * 1000 + "...[fakeopenai: 4,000 characters cut]"
