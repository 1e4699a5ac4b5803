"""The pytest plugin: fixtures, marker, flag and ini keys (pytester, in-process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai
import pytest

import fakeopenai.generate
import fakeopenai.loader
from fakeopenai import FakeOpenAI, ScenarioError

# Imported here so that pytester's sys.modules snapshot keeps them between inner runs
# (otherwise each inner run re-imports the whole server stack and the SDK).
PRELOADED = (openai, fakeopenai.generate)
pytestmark = pytest.mark.usefixtures("sdk_stack_loaded")  # and the SDK's lazy imports


INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"

CLIENT = """
import openai, pytest

def ask(fake, text="hi", **extra):
    client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    messages = [{"role": "user", "content": text}]
    return client.chat.completions.create(model="gpt-4o", messages=messages, **extra)

def said(fake, text="hi"):
    return ask(fake, text).choices[0].message.content
"""


def scenario(folder: Path, name: str, content: str | None = None) -> Path:
    """A one-rule scenario ``name`` answering every request with ``content`` (or its name)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nrules:\n  - name: all\n    reply: {{content: {content or name}}}\n"
    )
    return path


def setup(pytester: pytest.Pytester, test: str, ini: str = "") -> None:
    pytester.makeini(INI + ini)
    pytester.makepyfile(test_it=CLIENT + test)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An in-process run with only the plugins these tests need: entry-point discovery
    and the other installed plugins cost more than the tests themselves. (The header
    test and the subprocess tests load fakeopenai through its entry point.)"""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        plugins = ["-p", "fakeopenai.plugin", "-p", "pytest_asyncio.plugin"]
        return pytester.runpytest(*plugins, "-p", "no:cacheprovider", *args)


# the handle per test


def test_fake_openai_is_one_server_reset_for_each_test(pytester: pytest.Pytester) -> None:
    setup(
        pytester,
        """
URLS = []

def test_one(fake_openai):
    ask(fake_openai)
    URLS.append(fake_openai.url)
    assert len(fake_openai.requests) == 1

def test_two(fake_openai):
    fake_openai.add({"match": {"last_user": "x"}, "reply": {"content": "added"}})
    assert said(fake_openai, "x") == "added"
    assert fake_openai.base_url == URLS[0] + "/v1" and len(fake_openai.requests) == 1

def test_three(fake_openai, fake_openai_server):
    assert fake_openai is fake_openai_server
    assert len(fake_openai.requests) == 0 and fake_openai.scenarios == ()
    assert said(fake_openai, "x") != "added"
    fake_openai.assert_called(times=1)
""",
    )
    run(
        pytester,
    ).assert_outcomes(passed=3)


def test_fake_openai_env_points_clients_at_the_fake_for_one_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    setup(
        pytester,
        """
import os

def test_env(fake_openai_env):
    assert os.environ["OPENAI_BASE_URL"] == fake_openai_env.base_url
    assert os.environ["OPENAI_API_BASE"] == fake_openai_env.base_url
    assert os.environ["OPENAI_API_KEY"] == fake_openai_env.api_key
    assert os.environ["OPENAI_AGENTS_DISABLE_TRACING"] == "1"
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    client = openai.OpenAI()  # built from the environment alone
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    fake_openai_env.assert_last(model="m", last_user="hi")

def test_after(fake_openai):
    assert "OPENAI_BASE_URL" not in os.environ
""",
    )
    run(
        pytester,
    ).assert_outcomes(passed=2)


def test_async_tests_and_the_async_client(pytester: pytest.Pytester) -> None:
    setup(
        pytester,
        """
@pytest.mark.asyncio
async def test_async(fake_openai):
    base_url, key = fake_openai.base_url, fake_openai.api_key
    async with openai.AsyncOpenAI(base_url=base_url, api_key=key) as client:
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text and fake_openai.requests.last.stream
""",
    )
    run(
        pytester,
    ).assert_outcomes(passed=1)


# where scenarios come from


def test_ini_scenarios_relative_to_the_rootdir(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario(pytester.path / "ai", "from_ini")
    pytester.makeini(INI + "fakeopenai_scenarios = ai\n")
    sub = pytester.mkdir("sub")
    (sub / "test_it.py").write_text(
        CLIENT
        + """
def test_ini(fake_openai):
    assert fake_openai.scenarios == ("from_ini",) and said(fake_openai) == "from_ini"
"""
    )
    monkeypatch.chdir(sub)  # run from below the rootdir: "ai" is still the rootdir's
    result = run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["fakeopenai: scenarios=ai, strict=True"])


def test_the_flag_replaces_the_ini_option(pytester: pytest.Pytester) -> None:
    scenario(pytester.path / "ai", "from_ini")
    one, two = scenario(pytester.path / "x", "one"), scenario(pytester.path / "x", "two")
    setup(
        pytester,
        """
def test_flag(fake_openai):
    assert fake_openai.scenarios == ("two", "one")
""",
        ini="fakeopenai_scenarios = ai\n",
    )
    result = run(pytester, f"--fakeopenai-scenarios={two}", "--fakeopenai-scenarios", "x/one.yaml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"fakeopenai: scenarios={two}, x/one.yaml, strict=True"])
    assert one.exists()


def test_the_marker_wins_and_is_relative_to_the_test_file(pytester: pytest.Pytester) -> None:
    scenario(pytester.path / "ai", "from_ini")
    scenario(pytester.path / "tests" / "scenarios", "beside_the_test")
    scenario(pytester.path / "shared", "from_rootdir")
    pytester.makeini(INI + "fakeopenai_scenarios = ai\n")
    (pytester.path / "tests" / "test_marker.py").write_text(
        CLIENT
        + """
@pytest.mark.fakeopenai("scenarios/beside_the_test.yaml", "shared")
def test_marker(fake_openai):
    assert fake_openai.scenarios == ("beside_the_test", "from_rootdir")
    assert said(fake_openai) == "beside_the_test"

def test_default_again(fake_openai):
    assert fake_openai.scenarios == ("from_ini",)
"""
    )
    run(
        pytester,
    ).assert_outcomes(passed=2)


def test_load_finds_relative_paths_like_the_marker(pytester: pytest.Pytester) -> None:
    scenario(pytester.path / "tests" / "scenarios", "beside_the_test")
    scenario(pytester.path / "shared", "from_rootdir")
    scenario(pytester.path / "tests" / "cwd_only", "from_cwd")
    pytester.makeini(INI)
    (pytester.path / "tests" / "test_load.py").write_text(
        CLIENT
        + """
def test_load(fake_openai, monkeypatch):
    fake_openai.load("scenarios/beside_the_test.yaml", "shared")
    assert fake_openai.scenarios == ("beside_the_test", "from_rootdir")
    monkeypatch.chdir("tests/cwd_only")  # not beside the test, nor in the rootdir: the CWD
    fake_openai.load("from_cwd.yaml")
    assert fake_openai.scenarios == ("from_cwd",)
"""
    )
    run(pytester).assert_outcomes(passed=1)


def test_module_and_function_markers_combine(pytester: pytest.Pytester) -> None:
    scenario(pytester.path, "module_level")
    scenario(pytester.path, "function_level")
    setup(
        pytester,
        """
pytestmark = pytest.mark.fakeopenai("module_level.yaml", seed=5)

def test_module(fake_openai):
    assert fake_openai.scenarios == ("module_level",) and fake_openai.seed == 5

@pytest.mark.fakeopenai(strict=False)
def test_strictness_only(fake_openai):
    assert fake_openai.scenarios == ("module_level",) and fake_openai.seed == 5

@pytest.mark.fakeopenai("function_level.yaml", seed=9)
def test_function(fake_openai):
    assert fake_openai.scenarios == ("function_level",) and fake_openai.seed == 9
""",
    )
    run(
        pytester,
    ).assert_outcomes(passed=3)


def test_scenarios_are_parsed_once_per_set_of_paths(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[Any]] = []
    original = fakeopenai.loader.load_paths

    def counting(paths: list[Any]) -> Any:
        calls.append(paths)
        return original(paths)

    monkeypatch.setattr(fakeopenai.loader, "load_paths", counting)
    scenario(pytester.path, "a")
    scenario(pytester.path, "b")
    setup(
        pytester,
        """
@pytest.mark.fakeopenai("a.yaml")
def test_1(fake_openai): assert said(fake_openai) == "a"

@pytest.mark.fakeopenai("b.yaml")
def test_2(fake_openai): assert said(fake_openai) == "b"

@pytest.mark.fakeopenai("a.yaml")
def test_3(fake_openai): assert said(fake_openai) == "a"

@pytest.mark.fakeopenai("a.yaml")
def test_4(fake_openai): assert said(fake_openai) == "a"
""",
    )
    run(
        pytester,
    ).assert_outcomes(passed=4)
    assert [[Path(p).name for p in paths] for paths in calls] == [["a.yaml"], ["b.yaml"]]


def test_a_test_that_loads_its_own_scenarios_does_not_leak_them(pytester: pytest.Pytester) -> None:
    scenario(pytester.path, "default")
    setup(
        pytester,
        """
def test_loads(fake_openai):
    fake_openai.load({"name": "mine", "rules": [{"reply": {"content": "mine"}}]})
    assert said(fake_openai) == "mine"

def test_next(fake_openai):
    assert fake_openai.scenarios == ("default",) and said(fake_openai) == "default"
""",
        ini="fakeopenai_scenarios = default.yaml\n",
    )
    run(pytester, "-p", "no:randomly").assert_outcomes(passed=2)


def test_a_bad_load_mid_test_raises_every_file_and_line(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text("rules:\n  - reply: {content: x}\n    mtch: {model: m}\n")
    two.write_text("name: two\nrules:\n  - reply: {content: x, latency: {ttft_ms: -1}}\n")
    with pytest.raises(ScenarioError) as caught:
        fake_openai.load(one, two)
    lines = str(caught.value).splitlines()
    assert lines[0] == "fakeopenai: 2 problems in scenarios:"
    assert lines[1].startswith(f"  {one}:3: rules[0]: unknown key 'mtch' (did you mean 'match'?)")
    assert lines[2].startswith(f"  {two}:3: rules[0].reply.latency.ttft_ms: ")


# the marker, the header


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    setup(
        pytester,
        """
@pytest.mark.fakeopenai(strict=False)
def test_marked(fake_openai):
    pass
""",
    )
    run(pytester, "--strict-markers").assert_outcomes(passed=1)
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.fakeopenai(*paths, strict=True, seed=None): *"])


def test_header_without_scenarios_and_lenient_ini(pytester: pytest.Pytester) -> None:
    setup(pytester, "def test_nothing(): pass\n", ini="fakeopenai_strict = false\n")
    result = pytester.runpytest()  # with every installed plugin: fakeopenai by entry point
    result.stdout.fnmatch_lines(["fakeopenai: scenarios=none (generated replies), strict=False"])


def test_the_flag_is_documented_in_help(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    result = run(pytester, "--help")
    result.stdout.fnmatch_lines(
        ["*--fakeopenai-scenarios=PATH*", "*fakeopenai_scenarios (args):*", "*fakeopenai_strict*"]
    )
