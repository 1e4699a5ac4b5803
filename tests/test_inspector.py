"""The inspector page in a real headless Chromium, and its live feed over HTTP.

The browser is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
NUL-separated JSON on file descriptors 3 and 4), which needs nothing but the standard
library. ``--dump-dom`` can't check this page: its feed is an open event stream, which
stops ``--virtual-time-budget`` forever, while ``--timeout`` cancels it before it speaks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fakeopenai import FakeOpenAI
from fakeopenai.inspector import signal_shutdown

HTTP = httpx.Client(timeout=5)
SCENARIO = {
    "name": "hello",
    "rules": [
        {"name": "greeting", "match": {"last_user": "hello"}, "reply": {"content": "Hi there!"}},
    ],
}


def find_chromium() -> str | None:
    wanted = os.environ.get("FAKEOPENAI_CHROMIUM")
    if wanted:
        return wanted
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    return next((found for name in names if (found := shutil.which(name))), None)


class Browser:
    """Headless Chromium with one page, spoken to over the DevTools pipe."""

    def __init__(self, executable: str) -> None:
        self._profile = tempfile.TemporaryDirectory()
        chrome_reads, ours_to_chrome = os.pipe()
        ours_reads, chrome_writes = os.pipe()

        def wire() -> None:  # runs in the child: Chromium expects the pipe on fds 3 and 4
            reads, writes = os.dup(chrome_reads), os.dup(chrome_writes)
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.proc = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-pipe",
                f"--user-data-dir={self._profile.name}",
                "--window-size=1200,800",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,  # noqa: PLW1509 (no threads of ours touch locks in between)
            close_fds=False,
        )
        os.close(chrome_reads)
        os.close(chrome_writes)
        self._out = os.fdopen(ours_to_chrome, "wb", buffering=0)
        self._in = os.fdopen(ours_reads, "rb", buffering=0)
        self._buffer = b""
        self._ids = 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._ids += 1
        message: dict[str, Any] = {"id": self._ids, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._out.write(json.dumps(message).encode() + b"\0")
        while True:  # skip events until our answer
            while b"\0" not in self._buffer:
                chunk = self._in.read(1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buffer += chunk
            raw, _, self._buffer = self._buffer.partition(b"\0")
            reply = json.loads(raw)
            if reply.get("id") == self._ids:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply["result"]
                return result

    def open(self, url: str) -> None:
        self.call("Page.navigate", self.session, url=url)

    def eval(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", self.session, expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = 5.0) -> Any:
        """The value of ``expression`` once it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.eval(expression)
            except AssertionError:  # the page is still loading
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"never true in the page: {expression}")
            time.sleep(0.05)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self._out.close()
        self._in.close()
        self._profile.cleanup()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.skip(
            "no Chromium found: install Debian's `chromium` (apt-get install chromium) "
            "or set FAKEOPENAI_CHROMIUM to a Chrome/Chromium binary"
        )
    opened = Browser(executable)
    yield opened
    opened.close()


def chat(fake: FakeOpenAI, text: str, stream: bool = False) -> httpx.Response:
    body = {"model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": text}]}
    return HTTP.post(fake.base_url + "/chat/completions", json=body)


ROWS = "[...document.querySelectorAll('#rows tr')].map(tr => [...tr.cells].map(td => td.innerText))"


def test_the_page_shows_a_request_made_a_moment_earlier(browser: Browser, fake: FakeOpenAI) -> None:
    chat(fake, "hello from the test")
    browser.open(fake.url + "/_fakeopenai/")
    (row,) = browser.wait(ROWS)
    _time, endpoint, model, message, answered, status, chunks, timings = row
    assert (endpoint, model, message, status, chunks) == (
        "chat",
        "gpt-4o",
        "hello from the test",
        "200",
        "—",
    )
    assert answered == "hello / greeting"
    assert re.fullmatch(r"[\d.]+ m?s", timings), timings
    rules = browser.wait("document.querySelector('#scenario-list').innerText")
    assert "greeting" in rules and "1 hit" in rules
    assert browser.eval("document.getElementById('live').textContent") == "live"


def test_new_requests_appear_live_newest_first(browser: Browser, fake: FakeOpenAI) -> None:
    browser.open(fake.url + "/_fakeopenai/")
    browser.wait("document.getElementById('live').textContent === 'live'")
    chat(fake, "hello, streaming", stream=True)
    chat(fake, "nothing for this")
    rows = browser.wait(f"(r => r.length === 2 && r[0][5] !== '…' && r)({ROWS})")
    assert [r[3] for r in rows] == ["nothing for this", "hello, streaming"]
    assert rows[0][4] == "no match" and rows[0][5] == "404"
    assert rows[1][1] == "chat stream" and rows[1][6] == "2"  # "Hi " and "there!"
    title = browser.eval("document.querySelector('#rows tr td:nth-child(5) span').title")
    assert title.startswith("fakeopenai: no rule matched this chat request")


def test_clicking_a_row_shows_the_request_and_the_reply(browser: Browser, fake: FakeOpenAI) -> None:
    chat(fake, "hello, show me")
    browser.open(fake.url + "/_fakeopenai/")
    browser.wait(ROWS + ".length === 1")
    browser.eval("document.querySelector('#rows tr').click()")
    body = browser.wait("document.querySelector('#detail pre[data-part=request-body]')?.innerText")
    assert json.loads(body)["messages"] == [{"role": "user", "content": "hello, show me"}]
    detail = browser.eval("document.getElementById('detail').innerText")
    assert '"content": "Hi there!"' in detail
    assert fake.requests.last.request_id in detail
    assert browser.eval("location.hash") == f"#request={fake.requests.last.id}"


def test_a_warning_is_tagged_in_the_row_and_told_in_full(
    browser: Browser, fake: FakeOpenAI
) -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hello, but call a tool"}],
        "tools": [tool],
        "tool_choice": "required",
    }
    HTTP.post(fake.base_url + "/chat/completions", json=body).raise_for_status()
    browser.open(fake.url + "/_fakeopenai/")
    (row,) = browser.wait(ROWS)
    assert row[4].startswith("hello / greeting") and row[4].endswith("warning"), row
    browser.eval("document.querySelector('#rows tr').click()")
    shown = browser.wait("document.querySelector('#detail pre[data-part=warnings]')?.innerText")
    assert shown == fake.requests.last.warnings[0]
    assert "tool_choice is 'required'" in shown


def test_the_clear_button_is_a_same_origin_write(browser: Browser, fake: FakeOpenAI) -> None:
    chat(fake, "hello, soon gone")
    browser.open(fake.url + "/_fakeopenai/")
    browser.wait(ROWS + ".length === 1")
    browser.eval("document.getElementById('clear').click()")  # sends Origin: the page's own
    browser.wait(ROWS + ".length === 0")
    assert len(fake.requests) == 0
    assert browser.eval("document.getElementById('no-rows').hidden") is False


# The page and the feed without a browser


def events(response: httpx.Response) -> Iterator[tuple[str, Any]]:
    kind = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind:
            yield kind, json.loads(line[6:])


def test_the_page_is_html_with_a_strict_policy(fake: FakeOpenAI) -> None:
    response = HTTP.get(fake.url + "/_fakeopenai/")
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "<title>fakeopenai inspector</title>" in response.text
    bare = HTTP.get(fake.url + "/_fakeopenai", follow_redirects=True)
    assert bare.url.path == "/_fakeopenai/" and bare.status_code == 200


def test_the_feed_sends_a_snapshot_then_entries_then_clear(fake: FakeOpenAI) -> None:
    chat(fake, "hello before")
    with HTTP.stream("GET", fake.url + "/_fakeopenai/events") as response:
        feed = events(response)
        assert next(feed)[0] == "scenarios"
        kind, rows = next(feed)
        assert kind == "snapshot" and [r["last_user"] for r in rows] == ["hello before"]
        chat(fake, "hello after")
        kind, row = next(feed)
        while kind == "scenarios":  # the hit count changed too
            kind, row = next(feed)
        assert (kind, row["last_user"], row["rule"], row["done"]) == (
            "entry",
            "hello after",
            "greeting",
            True,
        )
        HTTP.delete(fake.url + "/_fakeopenai/requests")
        assert next(kind for kind, _ in feed if kind != "scenarios") == "clear"


def test_the_feed_ends_when_the_server_shuts_down() -> None:
    with FakeOpenAI(SCENARIO) as fake, HTTP.stream("GET", fake.url + "/_fakeopenai/events") as r:
        lines = r.iter_lines()
        next(lines)
        started = time.monotonic()
        signal_shutdown(fake.app)
        for _ in lines:  # drains, then ends instead of waiting for the next heartbeat
            pass
        assert time.monotonic() - started < 1.0
