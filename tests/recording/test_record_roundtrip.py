"""Record a session through the proxy, replay the file: the client sees the same."""

from __future__ import annotations

import openai
from click.testing import CliRunner
from rec_sessions import session

from fakeopenai import FakeOpenAI
from fakeopenai.cli import main


def test_record_then_replay_gives_the_client_the_same(recorder, upstream):
    rec = recorder()
    recorded = session(rec.client())
    upstream_calls = len(upstream.requests)
    rec.text()
    checked = CliRunner().invoke(main, ["check", str(rec.out)])
    assert checked.exit_code == 0, checked.output  # an ordinary scenario
    with FakeOpenAI(rec.out, strict=True) as replay:
        client = openai.OpenAI(base_url=replay.base_url, api_key="sk-other", max_retries=0)
        replayed = session(client)
        assert len(replay.requests) == upstream_calls  # the same retries, too
    for key in recorded:
        assert replayed[key] == recorded[key], key
    assert recorded["flaky"] == "recovered"
    assert recorded["broken"][1:3] == ("InternalServerError", 500)
    assert recorded["bad"][1:3] == ("BadRequestError", 400)
