"""Every Python and YAML block in README.md and docs/ runs (tests/docs_runner.py), and a
broken block fails with its page and line."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from docs_runner import ROOT, DocsFailure, pages, run_page
from fakeopenai import NoMatchError

PAGES = pages()


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_runs(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the pages speak of this repository's scenarios/
    run_page(page)


def test_the_docs_are_all_collected() -> None:
    names = {str(p.relative_to(ROOT)) for p in PAGES}
    assert {"README.md", "docs/index.md", "docs/reference/scenarios.md"} <= names


def page(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.md"
    path.write_text(text)
    return path


def test_a_broken_python_block_fails_with_its_line(tmp_path: Path) -> None:
    path = page(tmp_path, "# A page\n\n```python\nimport os\n\nprint(undefined_name)\n```\n")
    with pytest.raises(DocsFailure) as failure:
        run_page(path)
    message = str(failure.value)
    assert message.startswith(f"{path}:3: this block failed: NameError")
    assert "undefined_name" in message


def test_a_broken_yaml_block_fails_with_the_loaders_message(tmp_path: Path) -> None:
    text = "# A page\n\n```yaml\nname: refunds\nrules:\n  - mtch: {last_user: refund}\n```\n"
    with pytest.raises(DocsFailure) as failure:
        run_page(page(tmp_path, text))
    message = str(failure.value)
    assert ":3: this yaml block is not a scenario fakeopenai accepts" in message
    assert "broken.md:6: rules[0]: unknown key 'mtch' (did you mean 'match'?)" in message


def test_skip_next_leaves_a_block_out(tmp_path: Path) -> None:
    text = "<!-- skip: next -->\n```python\nraise SystemExit\n```\n\n```python\nx = 1\n```\n"
    run_page(page(tmp_path, text))


def test_other_languages_are_not_run(tmp_path: Path) -> None:
    run_page(page(tmp_path, "```bash\nexit 1\n```\n\n```text\nrules: [\n```\n"))


def test_blocks_of_a_page_share_names(tmp_path: Path) -> None:
    text = "```python\nanswer = 41\n```\n\nprose\n\n```python\nassert answer + 1 == 42\n```\n"
    run_page(page(tmp_path, text))


GREETING = """```yaml
name: hello
rules:
  - name: greet
    match: {last_user: hello}
    reply: {content: "Hi!"}
```
"""


def test_a_test_function_runs_against_the_pages_scenario(tmp_path: Path) -> None:
    test = """```python
import openai

def test_greets(fake_openai):
    client = openai.OpenAI(base_url=fake_openai.base_url, api_key=fake_openai.api_key)
    reply = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hello"}]
    )
    assert reply.choices[0].message.content == "Hi!"
    fake_openai.assert_last(rule="greet")
```
"""
    run_page(page(tmp_path, GREETING + test))
    broken = test.replace('== "Hi!"', '== "Bye!"')
    with pytest.raises(DocsFailure, match=r"broken.md:8: this block failed: AssertionError"):
        run_page(page(tmp_path, GREETING + broken))


def test_a_test_function_is_strict(tmp_path: Path) -> None:
    test = """```python
import openai

def test_misses(fake_openai):
    client = openai.OpenAI(base_url=fake_openai.base_url, api_key="x", max_retries=0)
    try:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    except openai.NotFoundError:
        pass
```
"""
    with pytest.raises(DocsFailure, match="NoMatchError") as failure:
        run_page(page(tmp_path, GREETING + test))
    assert isinstance(failure.value.__cause__, NoMatchError)


def test_an_unknown_fixture_is_named(tmp_path: Path) -> None:
    text = "```python\ndef test_x(openai_client):\n    pass\n```\n"
    with pytest.raises(DocsFailure, match="test_x asks for 'openai_client'"):
        run_page(page(tmp_path, text))


def test_the_readmes_links_into_docs_exist() -> None:
    """mkdocs checks the links between pages; the README is not one, so check it here."""
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [target for target in targets if "://" not in target]
    assert local, "the README links into docs/"
    missing = [target for target in local if not (ROOT / target).exists()]
    assert not missing, f"README.md links to missing files: {missing}"


def test_the_readme_fits_on_a_screen_or_two() -> None:
    """Issue 14: the README is the front door, at most 12 KB; the rest lives in docs/."""
    assert len((ROOT / "README.md").read_bytes()) <= 12 * 1024


def test_an_async_test_function_runs(tmp_path: Path) -> None:
    test = """```python
import openai

async def test_greets(fake_openai):
    client = openai.AsyncOpenAI(base_url=fake_openai.base_url, api_key="x")
    reply = await client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hello"}]
    )
    assert reply.choices[0].message.content == "Bye!"
```
"""
    with pytest.raises(DocsFailure, match="AssertionError"):
        run_page(page(tmp_path, GREETING + test))
    run_page(page(tmp_path, GREETING + test.replace("Bye!", "Hi!")))


def test_every_cli_command_and_option_is_documented() -> None:
    """The CLI reference cannot fall behind the CLI: every command and every option of
    ``fakeopenai --help`` is named somewhere in docs/ (the reference, or a guide)."""
    import click

    from fakeopenai.cli import main

    text = "\n".join(path.read_text() for path in (ROOT / "docs").rglob("*.md"))
    undocumented = []
    for name, command in main.commands.items():
        if f"fakeopenai {name}" not in text:
            undocumented.append(f"the command `fakeopenai {name}`")
        for param in command.params:
            if isinstance(param, click.Option):
                flags = [flag for flag in param.opts if flag.startswith("--")]
                if flags and not any(f"`{flag}" in text for flag in flags):
                    undocumented.append(f"`fakeopenai {name} {flags[0]}`")
    assert not undocumented, "not in docs/ (add it to docs/reference/cli.md): " + ", ".join(
        undocumented
    )


def test_every_scenario_key_is_documented() -> None:
    """Every key of the scenario format (each pydantic model of fakeopenai.scenario and
    fakeopenai.reply) is named somewhere in docs/."""
    import inspect

    import pydantic

    import fakeopenai.reply
    import fakeopenai.scenario

    text = "\n".join(path.read_text() for path in (ROOT / "docs").rglob("*.md"))
    models = {
        model
        for module in (fakeopenai.scenario, fakeopenai.reply)
        for _, model in inspect.getmembers(module, inspect.isclass)
        if issubclass(model, pydantic.BaseModel) and model.__module__.startswith("fakeopenai")
    }
    undocumented = sorted(
        f"{model.__name__}.{field.alias or name}"
        for model in models
        for name, field in model.model_fields.items()
        if not re.search(rf"\b{re.escape(field.alias or name)}\b", text)
    )
    assert not undocumented, (
        "scenario keys not in docs/ (add them to docs/reference/scenarios.md): "
        + ", ".join(undocumented)
    )


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict` (as .ci/run runs it): a page missing from the nav, a broken
    link or anchor fails. Not --quiet, which hides the warnings strict mode counts."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "index.html").exists()
