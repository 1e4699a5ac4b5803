"""``fakeopenai record`` as a command: banner, a recorded exchange, the install hint."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from typing import Any

import openai
import yaml

from cli_server import Served
from fakeopenai.loader import load_paths

MESSAGES: Any = [{"role": "user", "content": "hello"}]


def test_record_serves_records_and_stops_on_ctrl_c(upstream, tmp_path):
    out = tmp_path / "rec" / "recorded.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakeopenai", "record", "--upstream", upstream.base_url,
         "--out", str(out), "--port", "0", "--timing", "--redact", "user"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        port = re.search(r"127\.0\.0\.1:(\d+)/v1", banner)
        assert port, banner
        assert load_paths([str(out)])[0].rules == ()  # a valid file from the start
        client = openai.OpenAI(
            base_url=f"http://127.0.0.1:{port[1]}/v1",
            api_key="sk-cli-key-0123456789",
            max_retries=0,
        )
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, user="someone")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    rule = yaml.safe_load(out.read_text())["rules"][0]
    assert rule["name"] == "hello" and "latency" in rule["reply"]
    assert "recorded as rule 'hello'" in err
    assert "sk-cli-key" not in err + out.read_text()


def test_the_cli_and_the_plugin_import_no_httpx_and_the_plugin_no_server_stack():
    code = (
        "import sys, fakeopenai.plugin\n"
        "heavy = {'httpx', 'yaml', 'starlette', 'uvicorn', 'pydantic'} & set(sys.modules)\n"
        "import fakeopenai.cli\n"
        "print(sorted(heavy), 'httpx' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] False"


def test_record_without_httpx_says_how_to_install_it():
    code = (
        "import sys; sys.modules['httpx'] = None\nfrom fakeopenai.cli import main\nmain(['record'])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "pip install 'pytest-fakeopenai[record]'" in done.stderr


def test_fakeopenai_serve_replays_a_recording_at_once(recorder):
    rec = recorder()
    rec.client().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    stream = rec.client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "once upon"}], stream=True
    )
    recorded = [c.choices[0].delta.content for c in stream if c.choices]
    rec.text()
    served = Served(str(rec.out))  # serve paces replies without a latency: not these
    try:
        client = openai.OpenAI(base_url=f"{served.url}/v1", api_key="k", max_retries=0)

        def replay() -> tuple[Any, list[Any], float]:
            started = time.perf_counter()
            answer = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            again = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "once upon"}],
                stream=True,
            )
            pieces = [c.choices[0].delta.content for c in again if c.choices]
            return answer, pieces, time.perf_counter() - started

        replay()  # the server's first requests warm it up
        answer, replayed, elapsed = replay()
    finally:
        served.stop()
    assert answer.choices[0].message.content == "Hello there! How can I help you today?"
    assert replayed == recorded
    assert elapsed < 0.6  # paced like a model, two replies would take 0.35 s each to start
