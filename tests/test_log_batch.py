"""``fakeopenai serve``'s request lines: written in batches, in order, never lost."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest

from fakeopenai import logs
from fakeopenai.logs import LineBatch


def test_lines_wait_for_the_batch_then_go_out_together_in_order() -> None:
    stream = io.StringIO()
    batch = LineBatch(stream)

    async def main() -> tuple[str, str]:
        batch.add("POST /v1/chat/completions 200 1 ms")
        batch.add("POST /v1/responses 200 2 ms")
        before = stream.getvalue()
        await asyncio.sleep(LineBatch.DELAY * 3)
        return before, stream.getvalue()

    before, after = asyncio.run(main())
    assert before == ""
    lines = after.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [
        "POST /v1/chat/completions 200 1 ms",
        "POST /v1/responses 200 2 ms",
    ]
    assert all(len(line.split(" ", 1)[0]) == len("12:34:56") for line in lines)


def test_without_a_loop_a_line_goes_out_at_once() -> None:
    stream = io.StringIO()
    LineBatch(stream).add("GET /v1/models 200 1 ms")
    assert stream.getvalue().endswith(" GET /v1/models 200 1 ms\n")


def test_another_log_line_comes_after_the_request_lines_before_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logger = logging.getLogger("fakeopenai")
    saved = logger.handlers[:], logger.level, logger.propagate
    try:
        logs.configure_console("info")

        async def main() -> None:
            assert logs._batch is not None
            logs._batch.add("POST /v1/chat/completions 200 1 ms")
            logging.getLogger("fakeopenai.reload").warning("fakeopenai: reloaded")

        asyncio.run(main())
        err = capsys.readouterr().err
        assert err.index("POST /v1/chat/completions") < err.index("fakeopenai: reloaded")
    finally:
        logs.configure_console("warning")  # (no batch)
        logger.handlers[:], logger.level, logger.propagate = saved
