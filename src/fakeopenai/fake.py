"""``FakeOpenAI``: the handle that owns one in-process server.

Usable in any test framework or script::

    with FakeOpenAI("scenarios/") as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key)
        ...
        fake.assert_last(rule="call-weather")

The handle owns its engine, journal, app and server thread: no global state, so several
can run side by side (xdist workers, nested fakes).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

from fakeopenai.app import create_app
from fakeopenai.asserts import Requests
from fakeopenai.errors import (
    FakeOpenAIError,
    Issue,
    NoMatchError,
    ScenarioError,
    UnfaithfulReplyError,
)
from fakeopenai.journal import Entry
from fakeopenai.loader import LoadedScenario, load_mapping, load_paths, load_rule
from fakeopenai.served import Served
from fakeopenai.serving import START_TIMEOUT, STOP_TIMEOUT, ServerThread
from fakeopenai.settings import Core, Settings

DEFAULT_KEY = "sk-fakeopenai"

Source: TypeAlias = str | os.PathLike[str] | Mapping[str, Any]


def load_sources(sources: Sequence[Source]) -> list[LoadedScenario]:
    """Files, folders and mappings in the order given; every problem of all of them in
    one ``ScenarioError`` (scenario names must be unique across them all)."""
    issues: list[Issue] = []
    loaded: list[LoadedScenario] = []
    mappings = sum(isinstance(s, Mapping) for s in sources)
    for number, source in enumerate(sources, 1):
        try:
            if isinstance(source, Mapping):
                label = "<mapping>" if mappings == 1 else f"<mapping {number}>"
                loaded.append(load_mapping(source, label))
            else:
                loaded += load_paths([source])
        except ScenarioError as error:
            issues += error.issues
    owners: dict[str, str] = {}
    for scenario in loaded:
        if scenario.name in owners:
            message = (
                f"scenario name {scenario.name!r} is already used by {owners[scenario.name]}; "
                "give one of them another `name:`"
            )
            issues.append(Issue(scenario.source, None, "", message))
        owners.setdefault(scenario.name, scenario.source)
    if issues:
        raise ScenarioError(issues)
    return loaded


class FakeOpenAI(Served):
    """An OpenAI-compatible server on a free loopback port, in a background thread.

    ``sources`` are scenario files, folders or mappings (none: generated replies).
    ``api_key`` makes the server require that key (else any key, or none, is accepted;
    ``.api_key`` is then a placeholder for clients). ``strict``: leaving the ``with``
    block raises ``NoMatchError`` if a request matched no rule, and
    ``UnfaithfulReplyError`` if a rule answered with a reply the real API could not have
    sent for its request (a journal ``warning``) unless ``allow_warnings``. ``options`` are further
    server settings (``max_body``, ``default_latency``, ``emit_schema``, ...). Latency is
    zero unless a scenario asks for it.
    """

    def __init__(
        self,
        *sources: Source,
        seed: int | None = None,
        api_key: str | None = None,
        strict: bool = True,
        allow_warnings: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        **options: Any,
    ) -> None:
        self.strict = strict
        self.allow_warnings = allow_warnings
        self.api_key = api_key or DEFAULT_KEY
        # Folders where ``load`` looks for a relative path before the current directory;
        # the pytest fixture sets the test file's folder and the rootdir, as the marker.
        self.search_dirs: tuple[Path, ...] = ()
        self.core = Core.build(settings=Settings.of(seed=seed, api_key=api_key, **options))
        if sources:
            self.load(*sources)
        self.app = create_app(core=self.core)
        self._server = ServerThread(self.app, host, port)

    # lifecycle
    def start(self, timeout: float = START_TIMEOUT) -> FakeOpenAI:
        """Start serving (no-op if running); ``ServerStartError`` with the reason if the
        server is not up within ``timeout`` seconds."""
        self._server.start(timeout)
        return self

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop serving within ``timeout`` seconds, cutting streams that are still open."""
        self._server.stop(timeout)

    @property
    def running(self) -> bool:
        """Whether the server thread is alive."""
        return self._server.running

    def _left(self, error: BaseException | None) -> None:
        if self.strict and error is None:
            self.check()

    # addresses
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no path)."""
        if not self._server.port:
            raise FakeOpenAIError(
                "fakeopenai: the server has no address yet: call start(), or use "
                "`with FakeOpenAI(...) as fake:`"
            )
        host = self._server.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self._server.port}"

    @property
    def base_url(self) -> str:
        """What to give an OpenAI client as ``base_url`` (ends in ``/v1``)."""
        return self.url + "/v1"

    # state
    @property
    def seed(self) -> int | None:
        """The seed of generated text, jitter and chaos (a scenario's own ``seed`` wins)."""
        return self.core.engine.seed

    @seed.setter
    def seed(self, value: int | None) -> None:
        self.core.engine.seed = value
        self.core.settings.seed = value

    @property
    def scenarios(self) -> tuple[str, ...]:
        """Names of the loaded scenarios, in the order their rules are tried."""
        return tuple(scenario.name for scenario in self.core.engine.scenarios)

    @property
    def requests(self) -> Requests:
        """Journal entries, oldest first (a snapshot), with ``.last`` and assertions."""
        return Requests(self.core.journal.snapshot())

    def reset(self) -> None:
        """Clear the journal, sequence counters, recorded misses, added rules, stored
        responses and conversations, and refill the rate-limit budget; the loaded
        scenarios stay."""
        self.core.clear()  # the journal, stored responses and conversations
        self.core.engine.reset()
        self.core.budget.refill()

    def load(self, *sources: Source) -> None:
        """Replace everything loaded (added rules too) with these files, folders or
        mappings. All or nothing: ``ScenarioError`` with every ``file:line`` problem,
        and the previous scenarios stay.

        A relative path is looked for in ``search_dirs`` first (in the ``fake_openai``
        fixture: the test file's folder, then the rootdir, as the marker does), then in
        the current directory."""
        self._install(load_sources([self._located(source) for source in sources]))

    def _located(self, source: Source) -> Source:
        if isinstance(source, Mapping) or os.path.isabs(source):
            return source
        for base in self.search_dirs:
            if (base / source).exists():
                return base / source
        return source

    def _install(self, scenarios: Sequence[LoadedScenario]) -> None:
        """Swap in already-loaded scenarios (the pytest plugin caches them by path)."""
        self.core.engine.replace(scenarios)

    def add(self, rule: Mapping[str, Any]) -> None:
        """Add one rule (a mapping shaped like a rule in a file, checked the same way) to
        the ad-hoc scenario ``added``, tried before the loaded scenarios."""
        index = len(self.core.engine.added)
        self.core.engine.add(load_rule(rule, source="add()", index=index))

    def check(self) -> None:
        """Raise ``NoMatchError`` listing every request no rule matched (with the closest
        rules and the conditions they failed); then, unless ``allow_warnings``,
        ``UnfaithfulReplyError`` listing every reply the real API could not have sent."""
        entries = self.requests
        misses = numbered_misses(entries)
        if misses:
            raise NoMatchError([miss_line(entry, number) for number, entry in misses])
        warned = [
            line for number, entry in enumerate(entries, 1) for line in warning_lines(entry, number)
        ]
        if warned and not self.allow_warnings:
            raise UnfaithfulReplyError(warned)

    # assertions (see fakeopenai.asserts)
    def assert_called(self, times: int | None = None, **conditions: Any) -> Requests:
        """Assert requests meeting ``conditions`` were made (``times`` exactly, else at
        least one); returns them."""
        __tracebackhide__ = True
        return self.requests.assert_called(times, **conditions)

    def assert_not_called(self, **conditions: Any) -> None:
        """Assert no request meets ``conditions``."""
        __tracebackhide__ = True
        self.requests.assert_not_called(**conditions)

    def assert_last(self, **conditions: Any) -> Entry:
        """Assert the newest request meets every condition; returns it."""
        __tracebackhide__ = True
        return self.requests.assert_last(**conditions)

    def __repr__(self) -> str:
        where = self.base_url if self._server.port else "not started"
        return f"<FakeOpenAI {where} scenarios={list(self.scenarios)!r}>"


def warning_lines(entry: Entry, number: int) -> list[str]:
    """Each warning of one request for ``UnfaithfulReplyError``: which request (``number``
    counts from the last reset, as for misses), then the rule, what contradicts what, and
    the fix."""
    asked = f"request {number} ({entry.method} {entry.path}; journal #{entry.id}"
    if entry.last_user is not None:
        said = entry.last_user
        asked += f"; last user message {said if len(said) <= 60 else said[:59] + '…'!r}"
    return [f"{asked}): {w.removeprefix('fakeopenai: ')}" for w in entry.warnings]


def numbered_misses(entries: Sequence[Entry]) -> list[tuple[int, Entry]]:
    """The unmatched entries, each with its position (from 1) among ``entries``: the
    requests since the last reset, so a test's failure counts that test's requests."""
    return [(number, e) for number, e in enumerate(entries, 1) if e.miss is not None]


def miss_line(entry: Entry, number: int) -> str:
    """One unmatched request for ``NoMatchError``: which one (``number`` counts from the
    last reset; the journal id counts for the server's life), and why nothing matched."""
    why = (entry.miss or "").removeprefix("fakeopenai: ")
    return f"request {number} ({entry.method} {entry.path}; journal #{entry.id}): {why}"
