"""Run the code blocks of a Markdown page the way the docs promise they run (Sybil).

- ```python blocks are executed in order, in one namespace per page. A block that defines
  ``test_*`` functions has them called at once, with the fixtures a reader's pytest would
  give them: ``fake_openai`` (a real server, loaded with the function's
  ``@pytest.mark.fakeopenai(...)`` paths, else with the page's latest ```yaml block, else
  with nothing: generated text; strict unless the marker says ``strict=False``),
  ``fake_openai_env``, ``fake_openai_server`` (the same server), ``monkeypatch`` and
  ``tmp_path``. ``async def`` tests are run too.
- ```yaml blocks must be complete scenario documents: fakeopenai's own loader checks
  them, and a problem is reported at its line in the page.
- ``<!-- skip: next -->`` (Sybil's skip directive) leaves the next block out.

Every failure names the page and the block's line. One pytest item per page (not per
block): under ``pytest -n auto`` xdist deals items out to workers one by one, and a
block that needs the page's earlier blocks (its imports, its scenario) would then run
where they never ran.
"""

from __future__ import annotations

import asyncio
import inspect
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from sybil import Document, Example, Sybil
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.markdown import CodeBlockParser, SkipParser

from fakeopenai import FakeOpenAI, ScenarioError, loader
from fakeopenai.errors import Issue
from fakeopenai.plugin import environment

ROOT = Path(__file__).resolve().parent.parent

STATE = "__fakeopenai_docs__"  # the page's runner state, in the page's namespace
FIXTURES = ("fake_openai", "fake_openai_env", "fake_openai_server", "monkeypatch", "tmp_path")


class DocsFailure(AssertionError):
    """A block of a page did not run or load; the message starts with ``page:line``."""


def pages() -> list[Path]:
    """README.md and every page under docs/, in a stable order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def shown(path: Path | str) -> str:
    """A page's path as the failure shows it: relative to the repository when inside it."""
    path = Path(path)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


class _Page:
    """What one page's blocks share beyond Python names: its server and latest scenario."""

    def __init__(self) -> None:
        self.fake: FakeOpenAI | None = None
        self.scenario: dict[str, Any] | None = None

    def server(self) -> FakeOpenAI:
        if self.fake is None:
            self.fake = FakeOpenAI().start()
        return self.fake

    def close(self) -> None:
        if self.fake is not None:
            self.fake.stop()


def _state(example: Example) -> _Page:
    state = example.namespace.get(STATE)
    if not isinstance(state, _Page):
        state = example.namespace[STATE] = _Page()
    return state


def _first_line(example: Example) -> int:
    """The page line of the block's first line of code (the fence is one above)."""
    return int(example.line + example.parsed.line_offset) + 1


def check_yaml(example: Example) -> None:
    """A ```yaml block: one scenario document the loader accepts."""
    where = shown(example.path)
    text = str(example.parsed)
    try:
        loader.load_text(text, source=where)
    except ScenarioError as exc:
        first = _first_line(example)
        issues = [
            Issue(
                where,
                first + issue.line - 1 if issue.line else first,
                issue.location,
                issue.message,
            )
            for issue in exc.issues
        ]
        listed = "\n".join(f"  {issue}" for issue in issues)
        raise DocsFailure(
            f"{where}:{example.line}: this yaml block is not a scenario fakeopenai accepts:\n"
            f"{listed}\n(make it a complete scenario document, or mark it "
            "<!-- skip: next --> / use ```text when it is not a scenario)"
        ) from None
    data = yaml.safe_load(text)
    _state(example).scenario = data if isinstance(data, dict) else None


def _marks(
    function: Callable[..., Any], namespace: dict[str, Any]
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The closest ``fakeopenai`` marker with paths (the function's, then the block's
    module-level ``pytestmark``), as the plugin reads it: paths, and strict/seed."""
    module_marks = namespace.get("pytestmark", [])
    if not isinstance(module_marks, list):
        module_marks = [module_marks]
    paths: tuple[str, ...] = ()
    options: dict[str, Any] = {}
    for mark in [*getattr(function, "pytestmark", []), *module_marks]:
        if getattr(mark, "name", None) != "fakeopenai":
            continue
        if mark.args and not paths:
            paths = tuple(str(ROOT / arg) for arg in mark.args)
        for key, value in mark.kwargs.items():
            options.setdefault(key, value)
    return paths, options


@contextmanager
def _fixtures(
    function: Callable[..., Any], state: _Page, namespace: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    wanted = list(inspect.signature(function).parameters)
    unknown = [name for name in wanted if name not in FIXTURES]
    if unknown:
        raise DocsFailure(
            f"{function.__name__} asks for {', '.join(map(repr, unknown))}: the docs runner "
            f"gives {', '.join(FIXTURES)}. Define what else it needs in the block, or mark it "
            "<!-- skip: next -->"
        )
    options: dict[str, Any] = {}
    with ExitStack() as stack:
        monkeypatch = stack.enter_context(pytest.MonkeyPatch.context())
        given: dict[str, Any] = {"monkeypatch": monkeypatch}
        if "tmp_path" in wanted:
            given["tmp_path"] = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if {"fake_openai", "fake_openai_env", "fake_openai_server"} & set(wanted):
            fake = state.server()
            paths, options = _marks(function, namespace)
            fake.reset()
            fake.seed = options.get("seed")
            scenario = state.scenario
            fake.load(*paths) if paths else fake.load(*([scenario] if scenario else []))
            given["fake_openai"] = given["fake_openai_env"] = given["fake_openai_server"] = fake
            if "fake_openai_env" in wanted:
                for name, value in environment(fake).items():
                    monkeypatch.setenv(name, value)
        yield {name: given[name] for name in wanted}
        if "fake_openai" in given and options.get("strict", True):
            given["fake_openai"].check()


def run_python(example: Example) -> None:
    """A ```python block: executed; the ``test_*`` functions it defines are then called."""
    namespace = example.namespace
    namespace.setdefault("__name__", "docs_page")
    before = dict(namespace)
    PythonEvaluator()(example)
    state = _state(example)
    for name, value in list(namespace.items()):
        if name.startswith("test") and inspect.isfunction(value) and before.get(name) is not value:
            with _fixtures(value, state, namespace) as arguments:
                result = value(**arguments)
                if inspect.iscoroutine(result):
                    asyncio.run(result)


def sybil() -> Sybil:
    return Sybil(
        parsers=[
            CodeBlockParser("python", run_python),
            CodeBlockParser("yaml", check_yaml),
            SkipParser(),
        ],
        patterns=["*.md"],
        path=str(ROOT),
    )


def run_page(path: Path) -> int:
    """Run every block of one page in order; the number of blocks run. The first failure
    raises ``DocsFailure`` naming the page and the block's line."""
    document: Document = sybil().parse(path)
    ran = 0
    try:
        for example in document.examples():
            try:
                example.evaluate()
            except DocsFailure:
                raise
            except Exception as exc:
                raise DocsFailure(
                    f"{shown(path)}:{example.line}: this block failed: {type(exc).__name__}: {exc}"
                ) from exc
            ran += 1
    finally:
        state = document.namespace.get(STATE)
        if isinstance(state, _Page):
            state.close()
    return ran
