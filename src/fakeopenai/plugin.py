"""The pytest plugin (entry point ``fakeopenai``): fixtures, marker, option and ini keys.

One server per session (per xdist worker), started the first time a test asks for it;
each test gets it reset, with the scenarios it wants. Which scenarios: the closest
``@pytest.mark.fakeopenai(...)`` with paths, else ``--fakeopenai-scenarios``, else the ini
key ``fakeopenai_scenarios``, else none (generated replies). Loaded scenarios are cached
by path, so switching between per-test scenario files costs a dictionary lookup.

Strict by default: a request that matched no rule fails the test (in its call phase,
so it reports as a failure with the miss explained, not as a teardown error).

This module imports only pytest and the standard library at import time: the server
stack loads when a fixture is first used, so installing fakeopenai costs nothing at
pytest start-up (tests/test_plugin_process.py checks it).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fakeopenai.plugin_markers import Wanted, search_dirs
from fakeopenai.plugin_markers import fail as _fail
from fakeopenai.plugin_markers import resolve as _resolve
from fakeopenai.plugin_markers import wanted as _wanted
from fakeopenai.recording import modes  # pytest and the stdlib only

if TYPE_CHECKING:
    from fakeopenai.errors import ScenarioError
    from fakeopenai.fake import FakeOpenAI
    from fakeopenai.loader import LoadedScenario

INI_SCENARIOS = "fakeopenai_scenarios"
INI_STRICT = "fakeopenai_strict"
OPT_OUT = (
    "fakeopenai is strict: unmatched requests fail the test. To allow them in this test, "
    "mark it @pytest.mark.fakeopenai(..., strict=False)."
)


# A plain class rather than a dataclass: building a dataclass costs about a millisecond
# at import, and this module is imported by every pytest run.
class _Active:
    """The handle a running test uses, and the misses already reported for it."""

    __slots__ = ("fake", "reported", "strict")

    def __init__(self, fake: FakeOpenAI, strict: bool) -> None:
        self.fake = fake
        self.strict = strict
        self.reported: set[int] = set()

    def unreported(self) -> str | None:
        """The strict failure text for misses not reported yet (None: nothing to say)."""
        from fakeopenai.errors import NoMatchError
        from fakeopenai.fake import miss_line, numbered_misses

        # numbered within this test: the journal is reset for every test
        misses = [m for m in numbered_misses(self.fake.requests) if m[1].id not in self.reported]
        self.reported.update(e.id for _, e in misses)
        if not misses or not self.strict:
            return None
        return f"{NoMatchError([miss_line(e, n) for n, e in misses])}\n{OPT_OUT}"


class _State:
    """Per-session plugin state: the default scenarios and the scenario cache."""

    def __init__(self, config: pytest.Config) -> None:
        rootdir = Path(config.rootpath)
        flag: list[str] | None = config.getoption("fakeopenai_scenarios")
        ini: list[str] = config.getini(INI_SCENARIOS)
        self.strict: bool = config.getini(INI_STRICT)
        self.shown: list[str] = flag or ini
        if flag:
            bases = [Path(config.invocation_params.dir), rootdir]
            self.default = Wanted(_resolve(flag, bases), "--fakeopenai-scenarios", self.strict)
        else:
            origin = f"the ini option {INI_SCENARIOS}" if ini else "no scenarios"
            self.default = Wanted(_resolve(ini, [rootdir]), origin, self.strict)
        self._cache: dict[tuple[str, ...], list[LoadedScenario] | ScenarioError] = {}
        self._installed: tuple[tuple[str, ...], object] | None = None

    def _scenarios(self, paths: tuple[str, ...]) -> list[LoadedScenario] | ScenarioError:
        """The scenarios at ``paths``, or why they can't load (cached either way)."""
        if paths not in self._cache:
            from fakeopenai.errors import ScenarioError
            from fakeopenai.loader import load_paths

            try:
                self._cache[paths] = load_paths(list(paths)) if paths else []
            except ScenarioError as error:
                self._cache[paths] = error
        return self._cache[paths]

    def prepare(self, fake: FakeOpenAI, wanted: Wanted) -> None:
        """Give ``fake`` the wanted scenarios (from the cache) and seed, then reset it."""
        engine = fake.core.engine
        installed = self._installed
        # Reinstall when other paths are wanted, or when a test replaced the scenarios
        # with ``fake_openai.load(...)`` (the engine then holds another tuple).
        if (
            installed is None
            or installed[0] != wanted.paths
            or installed[1] is not engine.scenarios
        ):
            scenarios = self._scenarios(wanted.paths)
            if not isinstance(scenarios, list):
                _fail(f"{scenarios}\n(scenarios from {wanted.origin})")
            fake._install(scenarios)
            self._installed = (wanted.paths, engine.scenarios)
        fake.seed = wanted.seed
        fake.reset()


_STATE = pytest.StashKey[_State]()
_ACTIVE = pytest.StashKey[_Active]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--fakeopenai-scenarios`` and the ini keys."""
    group = parser.getgroup("fakeopenai", "fakeopenai (OpenAI-compatible fake server)")
    group.addoption(
        "--fakeopenai-scenarios",
        action="append",
        dest="fakeopenai_scenarios",
        metavar="PATH",
        help="scenario file or folder for the fake_openai fixture (repeatable; "
        "replaces the ini option; a test's @pytest.mark.fakeopenai paths win).",
    )
    parser.addini(
        INI_SCENARIOS,
        type="args",
        default=[],
        help="scenario files or folders for the fake_openai fixture, relative to the rootdir.",
    )
    parser.addini(
        INI_STRICT,
        type="bool",
        default=True,
        help="fail a test when a request matched no rule (default: true).",
    )
    modes.addoption(parser, group)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and the session state (cheap: no server until a fixture)."""
    config.addinivalue_line(
        "markers",
        "fakeopenai(*paths, strict=True, seed=None): scenarios for fake_openai in this test "
        "(paths relative to the test file's folder, else the rootdir); strict=False allows "
        "requests that match no rule.",
    )
    config.stash[_STATE] = _State(config)
    modes.configure(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """``fakeopenai: scenarios=…, strict=…``."""
    state = config.stash[_STATE]
    shown = ", ".join(state.shown) if state.shown else "none (generated replies)"
    line = f"fakeopenai: scenarios={shown}, strict={state.strict}"
    return [line, *filter(None, [modes.header(config)])]  # and the record mode, if any


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail a strict test whose requests matched no rule; when the test failed anyway,
    add the misses to its report (they often explain the failure)."""
    try:
        result = yield
    except BaseException:
        active = item.stash.get(_ACTIVE, None)
        text = active.unreported() if active else None
        if text:
            item.add_report_section("call", "fakeopenai", text)
        raise
    active = item.stash.get(_ACTIVE, None)
    text = active.unreported() if active else None
    if text:
        _fail(text)
    return result


@pytest.fixture(scope="session")
def fake_openai_server(pytestconfig: pytest.Config) -> Iterator[FakeOpenAI]:
    """The session's server, with the default scenarios (flag or ini). Not reset between
    tests: use ``fake_openai`` in tests."""
    from fakeopenai.errors import ServerStartError
    from fakeopenai.fake import FakeOpenAI

    state = pytestconfig.stash[_STATE]
    fake = FakeOpenAI(strict=state.strict)
    problem: str | None = None
    try:
        fake.start()
    except ServerStartError as error:
        problem = str(error)
    if problem is not None:
        _fail(problem)
    try:
        state.prepare(fake, state.default)
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_openai(
    fake_openai_server: FakeOpenAI, request: pytest.FixtureRequest
) -> Iterator[FakeOpenAI]:
    """The session's fake OpenAI server, reset for this test, with this test's scenarios.

    Point a client at ``fake_openai.base_url`` with ``fake_openai.api_key``; assert with
    ``fake_openai.requests`` / ``assert_called`` / ``assert_last``.
    """
    item = request.node
    state = request.config.stash[_STATE]
    wanted = _wanted(item, state.default, state.strict)
    wanted, episode = modes.begin(item, fake_openai_server, wanted)  # and its recording
    state.prepare(fake_openai_server, wanted)
    active = _Active(fake_openai_server, wanted.strict)
    item.stash[_ACTIVE] = active
    fake_openai_server.search_dirs = search_dirs(item)  # load("x.yaml") like the marker
    yield fake_openai_server
    modes.end(episode)
    fake_openai_server.search_dirs = ()
    del item.stash[_ACTIVE]
    text = active.unreported()  # requests made after the test body, by other fixtures
    if text:
        _fail(text)


def environment(fake: FakeOpenAI) -> dict[str, str]:
    """The variables ``fake_openai_env`` sets: where clients that build themselves look."""
    return {
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_BASE": fake.base_url,  # LiteLLM, older LangChain
        "OPENAI_API_KEY": fake.api_key,
        "OPENAI_AGENTS_DISABLE_TRACING": "1",  # the Agents SDK would upload traces
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # LiteLLM would fetch its price list
    }


@pytest.fixture
def fake_openai_env(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    """``fake_openai``, with ``OPENAI_BASE_URL``/``OPENAI_API_KEY`` (and friends) set for
    this test, so code that builds its own client talks to the fake."""
    for name, value in environment(fake_openai).items():
        monkeypatch.setenv(name, value)
    return fake_openai
