"""Row 12: what a request holds cannot forge console lines or drive the terminal."""

from __future__ import annotations

import httpx

from cli_server import Served
from fakeopenai.logs import printable

FORGED = "gpt-4o\n12:00:00 POST /v1/chat/completions FORGED 200\x1b]0;owned\x07\x1b[2J\u2028x"


def test_printable_escapes_every_control_character() -> None:
    text = "".join(chr(c) for c in range(0x00, 0xA0)) + "\u2028\u2029\u202e"
    shown = printable(text)
    assert all(c.isprintable() for c in shown)
    assert printable("plain é 中文") == "plain é 中文"


def test_a_forged_model_is_escaped_on_the_console() -> None:
    with Served("--no-delay", "--log-level", "info") as served:
        body = {"model": FORGED, "messages": [{"role": "user", "content": "hi\x1b[2J"}]}
        httpx.post(f"{served.url}/v1/chat/completions", json=body, timeout=10)
        err = served.wait_for_stderr("FORGED")
    assert "\x1b" not in err and "\u2028" not in err and "\x07" not in err
    assert not any(line.startswith("12:00:00 POST") for line in err.splitlines())
    assert "\\n12:00:00 POST" in err
