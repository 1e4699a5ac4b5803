"""Generated answers through the official SDK, and rendered in a real browser.

A frontend developer points a chat UI at ``fakeopenai serve``: what the UI receives
must be the same text streamed or not, counted honestly in ``usage``, cut by
``max_tokens``, and it must render as rich markdown (the screenshot test renders a
streamed answer with markdown-it-py in headless Chromium and reads the DOM back).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from markdown_it import MarkdownIt

from fakeopenai import FakeOpenAI
from fakeopenai.generate import count_tokens
from test_inspector import Browser, find_chromium

LONG_ASK = "Explain step by step how to speed up a slow report query, with examples"
MESSAGES: Any = [{"role": "user", "content": LONG_ASK}]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(seed=11) as running:  # no scenario: the embedded default
        yield running


@pytest.fixture
def client(server: FakeOpenAI) -> openai.OpenAI:
    server.reset()
    return openai.OpenAI(
        base_url=server.base_url,
        api_key=server.api_key,
        max_retries=0,
        _strict_response_validation=True,
    )


def streamed(client: openai.OpenAI, **extra: Any) -> tuple[list[str], Any]:
    """The content pieces of a streamed chat answer, and its usage."""
    pieces, usage = [], None
    for chunk in client.chat.completions.create(
        model="gpt-4o",
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
        **extra,
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        usage = chunk.usage or usage
    return pieces, usage


def test_streamed_and_whole_answers_are_the_same_markdown(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    text = whole.choices[0].message.content
    assert text is not None and text.count("\n\n") >= 4  # several blocks
    assert "```" in text or "|---" in text or "\n- " in text or "\n1. " in text
    assert whole.usage is not None and whole.usage.completion_tokens == count_tokens(text)
    pieces, usage = streamed(client)
    assert "".join(pieces) == text
    assert len(pieces) > 100  # word by word, newlines riding on the next word
    assert usage.completion_tokens == whole.usage.completion_tokens


def test_max_tokens_cuts_a_generated_answer(client: openai.OpenAI) -> None:
    cut = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=25)
    assert cut.choices[0].finish_reason == "length"
    assert cut.usage is not None and cut.usage.completion_tokens == 25
    pieces, usage = streamed(client, max_completion_tokens=25)
    assert "".join(pieces) == cut.choices[0].message.content
    assert usage.completion_tokens == 25


def test_responses_get_markdown_and_legacy_completions_get_prose(client: openai.OpenAI) -> None:
    answer = client.responses.create(model="gpt-4o", input=LONG_ASK)
    assert "\n\n" in answer.output_text and any(c in answer.output_text for c in "#`|-*")
    deltas = [
        event.delta
        for event in client.responses.create(model="gpt-4o", input=LONG_ASK, stream=True)
        if event.type == "response.output_text.delta"
    ]
    assert "".join(deltas) == answer.output_text
    legacy = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt=LONG_ASK, max_tokens=400
    )
    prose = legacy.choices[0].text
    assert prose and not set(prose) & set("#`|*[]")


def test_a_rule_asks_for_a_style(server: FakeOpenAI, client: openai.OpenAI) -> None:
    server.add({"match": {"last_user": "snippet"}, "reply": {"style": "code"}})
    server.add({"match": {"last_user": "no markup"}, "reply": {"style": "prose"}})
    ask: Any = [{"role": "user", "content": "a snippet to fetch orders please"}]
    code = client.chat.completions.create(model="gpt-4o", messages=ask).choices[0].message.content
    assert code is not None and "```" in code.split("\n\n", 2)[1]
    ask = [{"role": "user", "content": "no markup please: what is a cache?"}]
    prose = client.chat.completions.create(model="gpt-4o", messages=ask).choices[0].message.content
    assert prose is not None and not set(prose) & set("#`|*")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set FAKEOPENAI_CHROMIUM)")
    opened = Browser(executable)
    yield opened
    opened.close()


PAGE = """<!doctype html><meta charset="utf-8"><title>answer</title>
<style>body{{font:15px system-ui;max-width:760px;margin:24px auto}}
pre{{background:#f4f4f4;padding:10px}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px}}</style>
<div class="message" data-source="{source}">{body}</div>"""


def test_a_streamed_answer_renders_as_rich_markdown_in_chromium(
    browser: Browser, server: FakeOpenAI, tmp_path: Path
) -> None:
    """Answers across a few seeds, streamed, rendered as a chat UI would (markdown-it
    with tables), read back from the DOM; one screenshot kept as a PNG."""
    md = MarkdownIt("commonmark").enable("table")
    found: set[str] = set()
    server.reset()  # no rule added by another test
    for seed in range(6):
        server.seed = seed
        client = openai.OpenAI(base_url=server.base_url, api_key=server.api_key, max_retries=0)
        text = "".join(streamed(client)[0])
        page = tmp_path / f"answer-{seed}.html"
        page.write_text(PAGE.format(source=html.escape(text), body=md.render(text)))
        browser.open(page.as_uri())
        browser.wait(  # this page, not the previous one, fully parsed
            f"location.href === {json.dumps(page.as_uri())} && document.readyState === 'complete'"
        )
        found.update(
            browser.eval(
                "[...document.querySelectorAll('.message table, .message ul, .message ol, "
                ".message h2, .message h3, .message strong, .message a, .message pre code')]"
                ".map(e => e.className ? e.tagName + '.' + e.className : e.tagName)"
            )
        )
        shot = browser.call("Page.captureScreenshot", browser.session, format="png")
        png = base64.b64decode(shot["data"])
        assert png.startswith(b"\x89PNG") and len(png) > 10_000
        (tmp_path / f"answer-{seed}.png").write_bytes(png)
    server.seed = None
    assert {"TABLE", "UL", "OL", "H3", "STRONG"} <= found, found
    assert any(tag.startswith("CODE.language-") for tag in found), found
