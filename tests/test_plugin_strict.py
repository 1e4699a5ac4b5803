"""The plugin's failures: strict mode's text, and clear errors for bad scenarios and marks."""

from __future__ import annotations

import openai
import pytest

import fakeopenai.generate

pytestmark = pytest.mark.usefixtures("sdk_stack_loaded")  # (see conftest)

# Kept imported so pytester's sys.modules snapshot doesn't re-import them per inner run.
PRELOADED = (openai, fakeopenai.generate)

HELLO = """name: hello
rules:
  - name: greet
    match: {last_user: hi}
    reply: {content: Hello!}
"""
CLIENT = """
import openai, pytest

def ask(fake, text):
    client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    try:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
    except openai.NotFoundError:
        pass  # code under test that swallows errors: strict mode still catches the miss
"""
OPT_OUT = (
    "fakeopenai is strict: unmatched requests fail the test. To allow them in this test, "
    "mark it @pytest.mark.fakeopenai(..., strict=False)."
)


def project(pytester: pytest.Pytester, test: str, ini: str = "") -> None:
    (pytester.path / "hello.yaml").write_text(HELLO)
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "fakeopenai_scenarios = hello.yaml\n" + ini
    )
    pytester.makepyfile(test_it=CLIENT + test)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """In-process, with only the plugins needed (see tests/test_plugin.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        return pytester.runpytest("-p", "fakeopenai.plugin", "-p", "no:cacheprovider", *args)


def failure(result: pytest.RunResult, when: str) -> str:
    """The text of the one failed report of phase ``when``."""
    recorder = result.reprec  # type: ignore[attr-defined]  # set by in-process runs only
    reports = [r for r in recorder.getreports("pytest_runtest_logreport") if r.failed]
    assert [r.when for r in reports] == [when]
    return str(reports[0].longreprtext)


def miss(pytester: pytest.Pytester, number: int, text: str, journal: int | None = None) -> str:
    return (
        f"request {number} (POST /v1/chat/completions; journal #{journal or number}): no rule "
        "matched this chat request "
        f"(model 'gpt-4o', last user message '{text}'). Closest rule: 'greet' in scenario "
        f"'hello' ({pytester.path / 'hello.yaml'}:3), which failed on: last_user: expected "
        f"to contain 'hi', got '{text}'. Fix the request or add a rule that matches it."
    )


def test_an_unmatched_request_fails_the_test_with_every_miss_and_the_way_out(
    pytester: pytest.Pytester,
) -> None:
    project(
        pytester,
        """
def test_misses(fake_openai):
    ask(fake_openai, "hi")
    ask(fake_openai, "first")
    ask(fake_openai, "second")
""",
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    assert failure(result, "call") == "\n".join(
        [
            "fakeopenai: 2 requests matched no rule:",
            f"  - {miss(pytester, 2, 'first')}",
            f"  - {miss(pytester, 3, 'second')}",
            OPT_OUT,
        ]
    )


def test_misses_are_numbered_per_test(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """
def test_first(fake_openai):
    ask(fake_openai, "hi")
    ask(fake_openai, "hi")

def test_second(fake_openai):
    ask(fake_openai, "elsewhere")
""",
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    expected = f"  - {miss(pytester, 1, 'elsewhere', journal=3)}"
    assert failure(result, "call").splitlines()[1] == expected


def test_a_failing_test_gets_the_misses_in_a_report_section(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """
def test_fails(fake_openai):
    ask(fake_openai, "zzz")
    assert False, "the test's own assertion"
""",
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    assert "the test's own assertion" in failure(result, "call")
    result.stdout.fnmatch_lines(
        ["*- Captured fakeopenai call -*", "fakeopenai: 1 request matched no rule:"]
    )


def test_a_miss_in_a_fixture_teardown_is_a_teardown_error(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """
@pytest.fixture
def session_end(fake_openai):
    yield
    ask(fake_openai, "goodbye")

def test_clean(session_end, fake_openai):
    ask(fake_openai, "hi")
""",
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    expected = f"fakeopenai: 1 request matched no rule:\n  - {miss(pytester, 2, 'goodbye')}"
    assert failure(result, "teardown") == f"{expected}\n{OPT_OUT}"


def test_strict_false_on_the_marker_allows_misses(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """
@pytest.mark.fakeopenai(strict=False)
def test_lenient(fake_openai):
    ask(fake_openai, "zzz")
    assert fake_openai.requests.misses

def test_strict(fake_openai):
    ask(fake_openai, "zzz")
""",
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)


def test_the_ini_can_make_every_test_lenient(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """
def test_lenient(fake_openai):
    ask(fake_openai, "zzz")

@pytest.mark.fakeopenai(strict=True)
def test_strict_again(fake_openai):
    ask(fake_openai, "zzz")
""",
        ini="fakeopenai_strict = false\n",
    )
    run(pytester).assert_outcomes(passed=1, failed=1)


def test_a_bad_marker_scenario_is_a_setup_error_naming_file_and_line(
    pytester: pytest.Pytester,
) -> None:
    project(
        pytester,
        """
@pytest.mark.fakeopenai("broken.yaml")
def test_broken(fake_openai):
    pass

def test_fine(fake_openai):
    ask(fake_openai, "hi")
""",
    )
    (pytester.path / "broken.yaml").write_text("rules:\n  - reply: {content: x}\n    mtch: {}\n")
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    assert failure(result, "setup") == (
        "fakeopenai: 1 problem in scenarios:\n"
        f"  {pytester.path / 'broken.yaml'}:3: rules[0]: unknown key 'mtch' (did you mean "
        "'match'?)\n"
        "(scenarios from @pytest.mark.fakeopenai on test_it.py::test_broken)"
    )


def test_bad_default_scenarios_fail_every_test_that_uses_the_fake(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nfakeopenai_scenarios = missing.yaml\n")
    pytester.makepyfile(
        test_it="""
def test_one(fake_openai): pass
def test_two(fake_openai): pass
def test_unrelated(): pass
"""
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_one*",
            "fakeopenai: 1 problem in scenarios:",
            f"  {pytester.path / 'missing.yaml'}: no such file or directory",
            "(scenarios from the ini option fakeopenai_scenarios)",
            "*ERROR at setup of test_two*",
        ]
    )


def test_a_marker_spelt_like_the_fixture_is_an_error(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """
@pytest.mark.fake_openai("hello.yaml")
def test_fixture_spelling(fake_openai):
    pass

@pytest.mark.fakeopenia("hello.yaml")
def test_typo(fake_openai):
    pass

@pytest.mark.slow
def test_other_markers_are_left_alone(fake_openai):
    pass
""",
    )
    result = run(pytester, "-W", "ignore::pytest.PytestUnknownMarkWarning")
    result.assert_outcomes(passed=1, errors=2)
    for name in ("fake_openai", "fakeopenia"):
        result.stdout.fnmatch_lines(
            [
                f"*fakeopenai: unknown marker @pytest.mark.{name} on *: did you mean "
                "@pytest.mark.fakeopenai? (the fixture is fake_openai, the marker fakeopenai;*"
            ]
        )


def test_a_misspelt_marker_argument_is_an_error(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """
@pytest.mark.fakeopenai(strcit=False)
def test_typo(fake_openai):
    pass

@pytest.mark.fakeopenai(strict="no")
def test_wrong_type(fake_openai):
    pass
""",
    )
    result = run(pytester)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*fakeopenai: @pytest.mark.fakeopenai got unknown argument strcit= "
            "(did you mean strict=?; the marker takes scenario paths, strict=, seed= and "
            "recording=)",
            "*fakeopenai: @pytest.mark.fakeopenai takes scenario paths (str or Path), "
            "strict=<bool> and seed=<int>; got paths [], strict='no', seed=None",
        ]
    )
