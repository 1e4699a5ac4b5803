"""The measured client table of docs/reference/sse-options.md: which official clients
survive each ``sse:`` wire option. The tests measure each cell (openai-python in
tests/test_sse_options.py, openai-node in test_compat_sse_options.py) and assert that
the page says exactly what they measured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "sse-options.md"
SCENARIO = Path(__file__).resolve().parent / "scenarios" / "sse_options.yaml"
TEXT = "Ünïcode ✓ survives — 你好, every byte of it."
MODELS = (
    "sse-plain",
    "sse-crlf",
    "sse-cr",
    "sse-comments",
    "sse-split-1",
    "sse-split-7",
    "sse-coalesce",
    "sse-all",
)


def outcome(chat: Any, responses: Any) -> str:
    """A cell: ``works`` when both streams gave back the text, else what went wrong."""
    problems = []
    for name, got in (("chat", chat), ("responses", responses)):
        if isinstance(got, BaseException):
            problems.append(f"{name}: {type(got).__name__}")
        elif isinstance(got, dict) and "error" in got:
            problems.append(f"{name}: {got['error']}")
        else:
            text = got["text"] if isinstance(got, dict) else got
            if text != TEXT:
                problems.append(f"{name}: wrong text")
    return "works" if not problems else "; ".join(problems)


def documented(column: str) -> dict[str, str]:
    """The page's cells of ``column``, by the rule's model."""
    lines = PAGE.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| `sse:` option |"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    at = header.index(column)
    cells: dict[str, str] = {}
    for row in rows[2:]:
        values = [cell.strip() for cell in row.strip("|").split("|")]
        cells[values[1].strip("`")] = values[at]
    return cells
