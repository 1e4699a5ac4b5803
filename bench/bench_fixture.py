"""What the pytest plugin costs: per test, and at pytest start-up.

1. Per-test overhead of ``fake_openai``: 200 tests that each make one SDK call through
   ``fake_openai`` (reset at set-up, strict check after the call), against the same 200
   tests on the bare session server ``fake_openai_server`` (no reset, no check). Both
   share one session-scoped SDK client, so the difference is the fixture's own work.
   pytest's own phase durations are used: the median set-up, call and teardown of the
   200 tests (medians, because one SDK call varies more than the fixture costs), the
   best of ``--rounds`` runs of each.
2. Start-up: ``pytest --collect-only`` on the same project with the plugin installed vs
   disabled (``-p no:fakeopenai``), and, to take the other installed plugins' noise out,
   fakeopenai's plugin alone vs no plugin at all (autoload off); median of
   ``--startups`` runs each, interleaved. Then the plugin module's own import time.

    python bench/bench_fixture.py [--rounds 5] [--startups 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = 200
PHASES = ("setup", "call", "teardown")

CONFTEST = """
import json, os, statistics, openai, pytest

DURATIONS = {"setup": [], "call": [], "teardown": []}

@pytest.fixture(scope="session")
def client(fake_openai_server):
    return openai.OpenAI(
        base_url=fake_openai_server.base_url, api_key=fake_openai_server.api_key, max_retries=0
    )

def pytest_runtest_logreport(report):
    DURATIONS[report.when].append(report.duration)

def pytest_sessionfinish(session):
    if "BENCH_OUT" in os.environ:  # not under --collect-only
        with open(os.environ["BENCH_OUT"], "w") as out:
            json.dump({when: statistics.median(d) for when, d in DURATIONS.items() if d}, out)
"""

TEST = """
import pytest

MESSAGES = [{{"role": "user", "content": "hi"}}]

@pytest.mark.parametrize("n", range({tests}))
def test_call({fixture}, client, n):
    answer = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert answer.choices[0].message.content == "Hello!"
"""

# Start-up is measured on a project without the SDK import, which would dwarf the rest.
PLAIN = """
import pytest

@pytest.mark.parametrize("n", range({tests}))
def test_plain(fake_openai, n):
    pass
"""

SCENARIO_MAPPING = {"name": "hello", "rules": [{"reply": {"content": "Hello!"}}]}
SCENARIO = """name: hello
rules:
  - name: greet
    match: {last_user: hi}
    reply: {content: Hello!}
"""


def project(root: Path, fixture: str) -> Path:
    """A throw-away project whose 200 tests use ``fixture``."""
    folder = root / fixture
    folder.mkdir()
    (folder / "hello.yaml").write_text(SCENARIO)
    (folder / "pytest.ini").write_text(
        "[pytest]\nfakeopenai_scenarios = hello.yaml\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    (folder / "conftest.py").write_text(CONFTEST)
    (folder / "test_calls.py").write_text(TEST.format(tests=TESTS, fixture=fixture))
    return folder


def phase_medians(folder: Path, out: Path) -> dict[str, float]:
    """One pytest run of ``folder``: the median seconds of each test phase."""
    env = {**os.environ, "BENCH_OUT": str(out)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stdout.splitlines()[-30:])
        raise SystemExit(f"benchmark run failed in {folder}:\n{tail}\n{done.stderr}")
    medians: dict[str, float] = json.loads(out.read_text())
    return medians


def startup_seconds(folder: Path, *extra: str, env: dict[str, str]) -> float:
    """Wall time of ``pytest --collect-only`` in ``folder``."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra],
        cwd=folder,
        env={**os.environ, **env},
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - started


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--startups", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # Let the child processes cache bytecode (outside the source tree), as a user's
        # machine does: compiling every module on every run would swamp the figures.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        with_fixture, bare = project(root, "fake_openai"), project(root, "fake_openai_server")
        runs: dict[str, list[dict[str, float]]] = {"fake_openai": [], "fake_openai_server": []}
        for _ in range(args.rounds):  # alternate, so machine load hits both alike
            runs["fake_openai"].append(phase_medians(with_fixture, root / "out.json"))
            runs["fake_openai_server"].append(phase_medians(bare, root / "out.json"))
        print(f"{TESTS} tests, one SDK call each; median per test, best of {args.rounds} runs:")
        best: dict[str, float] = {}
        for name, results in runs.items():
            top = min(results, key=lambda phases: sum(phases.values()))
            best[name] = sum(top.values())
            shown = "  ".join(f"{when} {top[when] * 1000:6.3f}" for when in PHASES)
            print(f"  {name:<20} {shown}  total {best[name] * 1000:6.3f} ms")
        overhead = (best["fake_openai"] - best["fake_openai_server"]) * 1000
        print(f"  fixture overhead: {overhead:+.3f} ms per test (target <= 3 ms)")
        print(f"  the fixture's own work (reset, seed, strict check): {own_work_us():.1f} us")

        plain = root / "startup"
        plain.mkdir()
        (plain / "test_plain.py").write_text(PLAIN.format(tests=TESTS))
        startup(plain, args.startups)
        print(f"import fakeopenai.plugin (pytest already imported): {plugin_import_ms():.2f} ms")


def startup(folder: Path, runs: int) -> None:
    """Print start-up medians: with every installed plugin (what a user sees, noisy:
    other plugins import a lot), then with autoload off, fakeopenai's plugin alone."""
    variants = {
        "plugin installed": ((), {}),
        "-p no:fakeopenai": (("-p", "no:fakeopenai"), {}),
        "only fakeopenai": (("-p", "fakeopenai.plugin"), {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}),
        "no plugins at all": ((), {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):  # interleaved, so load drifts hit every variant alike
        for name, (extra, env) in variants.items():
            times[name].append(startup_seconds(folder, *extra, env=env))
    print(f"pytest --collect-only start-up (200 tests), median of {runs}:")
    for name, values in times.items():
        spread = statistics.stdev(values) * 1000 if len(values) > 1 else 0.0
        print(f"  {name:<20} {statistics.median(values) * 1000:8.1f} ms  (stdev {spread:.1f})")
    for with_it, without in (
        ("plugin installed", "-p no:fakeopenai"),
        ("only fakeopenai", "no plugins at all"),
    ):
        difference = (statistics.median(times[with_it]) - statistics.median(times[without])) * 1000
        print(f"  {with_it} - {without}: {difference:+.1f} ms")


def own_work_us() -> float:
    """Microseconds of what ``fake_openai`` does per test beyond pytest's fixture
    machinery, timed in this process: reset, seed, and the strict check."""
    from fakeopenai import FakeOpenAI

    with FakeOpenAI(SCENARIO_MAPPING) as fake:
        rounds = 20_000
        started = time.perf_counter()
        for _ in range(rounds):
            fake.seed = None
            fake.reset()
            _ = list(fake.requests.misses)
        return (time.perf_counter() - started) / rounds * 1e6


def plugin_import_ms() -> float:
    """Cumulative import time of ``fakeopenai.plugin`` (python -X importtime), best of 5
    after a first run that fills the bytecode cache."""
    best = float("inf")
    for attempt in range(6):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import pytest; import fakeopenai.plugin"],
            capture_output=True,
            text=True,
            check=True,
        )
        for line in done.stderr.splitlines():
            if attempt and line.rstrip().endswith("| fakeopenai.plugin"):
                best = min(best, int(line.split("|")[1]) / 1000)
    return best


if __name__ == "__main__":
    main()
