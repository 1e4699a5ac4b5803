"""Generated answers (fakeopenai.generate.answers): structure, variety, length, styles.

Structure is read with a real markdown parser (markdown-it-py, CommonMark plus GFM
tables), as a chat UI would render it, not with regexes on the text.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from markdown_it import MarkdownIt

from fakeopenai.errors import ScenarioError
from fakeopenai.generate import count_tokens, fill
from fakeopenai.generate.answers import compose, size
from fakeopenai.generate.answers.compose import LONG, TERSE
from fakeopenai.generate.seeding import faker_instance
from fakeopenai.loader import load_mapping
from fakeopenai.merge import merge_reply
from fakeopenai.scenario import Reply
from fakeopenai.view import Message, RequestView

MD = MarkdownIt("commonmark").enable("table")
ASKS = (
    "reverse a list?",
    "How do I paginate results in my API?",
    "My nightly import job got slower after the last release, what should I look at first?",
    "Explain how database indexes work, step by step, with an example",
)


def answer(seed: int, style: Any = "markdown", prompt: str | None = ASKS[1]) -> str:
    fake = faker_instance()
    fake.seed_instance(seed)
    return compose(fake, style, prompt)


def kinds(text: str) -> Counter[str]:
    """What a markdown renderer finds: block kinds, fence languages, inline marks."""
    found: Counter[str] = Counter()
    for token in MD.parse(text):
        if token.type == "fence":
            found[f"fence:{token.info}"] += 1
        elif token.type.endswith("_open"):
            found[token.type.removesuffix("_open")] += 1
        for child in token.children or ():
            if child.type.endswith("_open") or child.type == "code_inline":
                found[child.type.removesuffix("_open")] += 1
    return found


def test_markdown_answers_use_everything_a_chat_ui_renders() -> None:
    seen: Counter[str] = Counter()
    for seed in range(60):
        for prompt in ASKS:
            seen.update(kinds(answer(seed, prompt=prompt)))
    for kind in ("paragraph", "bullet_list", "ordered_list", "table", "heading", "strong"):
        assert seen[kind] > 5, (kind, seen)
    for kind in ("em", "code_inline", "link"):
        assert seen[kind] > 5, (kind, seen)
    languages = {k.removeprefix("fence:") for k in seen if k.startswith("fence:")}
    assert {"python", "javascript", "bash", "json", "sql"} <= languages, languages
    assert "" not in languages  # every fence names its language


def test_every_fence_is_closed_and_every_table_has_rows() -> None:
    for seed in range(100):
        text = answer(seed, prompt=ASKS[seed % len(ASKS)])
        assert text.count("```") % 2 == 0
        tokens = MD.parse(text)
        types = [t.type for t in tokens]
        assert types.count("table_open") == types.count("tbody_open"), text


def test_same_seed_same_answer_and_fifty_seeds_fifty_answers() -> None:
    for style in ("markdown", "prose", "code"):
        assert answer(3, style) == answer(3, style)
        texts = {answer(seed, style) for seed in range(50)}
        assert len(texts) == 50, style


@pytest.mark.parametrize("prompt", ASKS)
def test_answers_are_sized_to_the_prompt(prompt: str) -> None:
    low, high = size(prompt)
    lengths = [len(answer(seed, prompt=prompt).split()) for seed in range(40)]
    assert min(lengths) >= low * 0.6, lengths
    assert max(lengths) <= high * 1.4, lengths


def test_short_prompts_get_short_answers_and_long_asks_long_ones() -> None:
    assert size("reverse a list?") == TERSE
    assert size("Explain how a B-tree index speeds up a query") == LONG
    assert size("word " * 100) == LONG
    terse = [len(answer(s, prompt=ASKS[0]).split()) for s in range(30)]
    long = [len(answer(s, prompt=ASKS[3]).split()) for s in range(30)]
    assert max(terse) < 100 < 180 < min(long)


def test_a_greeting_or_thanks_gets_a_line_back() -> None:
    for seed in range(10):
        for prompt in ("hi", "Hello there!", "good morning"):
            assert len(answer(seed, prompt=prompt).split()) <= 12
        assert answer(seed, prompt="thanks so much").startswith(("You're", "Glad", "Any"))
    assert len(answer(1, prompt="hi, how do I sort a list of dicts by a key?").split()) > 30
    assert "```" in answer(1, "code", prompt="hi")  # a code answer stays code


def test_prose_has_no_markup_and_code_leads_with_a_fenced_block() -> None:
    for seed in range(40):
        prose = answer(seed, "prose")
        assert set(kinds(prose)) == {"paragraph"}, prose
        assert not set(prose) & set("*`#|[]"), prose
        code = answer(seed, "code")
        blocks = [t for t in MD.parse(code) if t.type == "fence"]
        assert blocks and all(t.info for t in blocks), code


def chat(text: str, endpoint: str = "chat") -> RequestView:
    return RequestView(endpoint, "gpt-4o", False, [Message("user", text)], {})


def test_fill_uses_markdown_on_chat_and_prose_on_legacy_completions() -> None:
    on_chat = fill(Reply(), chat(ASKS[3]), seed=1, rule_key="r")
    assert on_chat.content is not None and "#" in on_chat.content
    on_completions = fill(Reply(), chat(ASKS[3], "completions"), seed=1, rule_key="r")
    assert on_completions.content is not None
    assert set(kinds(on_completions.content)) == {"paragraph"}
    code = fill(Reply(style="code"), chat(ASKS[1]), seed=1, rule_key="r").content
    assert code is not None and "```" in code
    # usage is counted from the text
    assert on_chat.usage.completion_tokens == count_tokens(on_chat.content)


def test_style_beside_scripted_text_is_refused_with_the_fix() -> None:
    with pytest.raises(ScenarioError, match="style applies to generated text"):
        load_mapping({"rules": [{"reply": {"content": "hi", "style": "prose"}}]})
    with pytest.raises(ScenarioError, match="did you mean 'style'"):
        load_mapping({"rules": [{"reply": {"stlye": "prose"}}]})
    with pytest.raises(ScenarioError, match="code"):
        load_mapping({"rules": [{"reply": {"style": "html"}}]})


def test_a_default_style_yields_to_a_reply_with_scripted_text() -> None:
    defaults = Reply(style="prose")
    assert merge_reply(defaults, Reply(content="scripted")).style is None
    assert merge_reply(defaults, Reply()).style == "prose"
    assert merge_reply(defaults, Reply(style="code")).style == "code"
