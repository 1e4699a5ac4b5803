"""Record a session through the proxy, replay the file: the client sees the same."""

from __future__ import annotations

import subprocess
import sys

import openai
from rec_sessions import session

from fakeopenai import FakeOpenAI
from fakeopenai.loader import load_paths


def test_record_then_replay_gives_the_client_the_same(recorder, upstream):
    rec = recorder()
    recorded = session(rec.client())
    upstream_calls = len(upstream.requests)
    rec.text()
    load_paths([str(rec.out)])  # an ordinary scenario
    with FakeOpenAI(rec.out, strict=True) as replay:
        client = openai.OpenAI(base_url=replay.base_url, api_key="sk-other", max_retries=0)
        replayed = session(client)
        assert len(replay.requests) == upstream_calls  # the same retries, too
    for key in recorded:
        assert replayed[key] == recorded[key], key
    assert recorded["flaky"] == "recovered"
    assert recorded["broken"][1:3] == ("InternalServerError", 500)
    assert recorded["bad"][1:3] == ("BadRequestError", 400)


def test_the_recording_passes_fakeopenai_check(recorder):
    rec = recorder()
    session(rec.client())
    rec.text()
    done = subprocess.run(
        [sys.executable, "-m", "fakeopenai", "check", str(rec.out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
