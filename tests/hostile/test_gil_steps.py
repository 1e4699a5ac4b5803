"""Pure parts that once held the GIL for a whole large input in one C call (a regex
step, ``split``, libyaml), stalling the event loop from a worker thread: now bounded,
with the same results."""

from __future__ import annotations

import json
import random
import re

import pytest

from fakeopenai.budgets.process import ChildFailed, call_in_child
from fakeopenai.generate.answers.compose import LONG, LONG_PROMPT, SHORT, TERSE, compose, size
from fakeopenai.generate.tokens import SLICE, _count, _count_long, count_tokens
from fakeopenai.uploads import deepest

PIECES = ["word", " the", "getWeather", "  ", "\n", "\r\n", "!?", "123456", "漢字", "Ωж", "don't"]


@pytest.mark.parametrize("seed", range(20))
def test_counting_in_slices_is_exact(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(PIECES) for _ in range(rng.randint(SLICE // 4, SLICE * 2)))
    assert len(text) > SLICE
    assert _count_long(text) == _count(text)


def test_a_text_without_spaces_is_cut_where_it_stands() -> None:
    # One run of symbols is one piece: counted in slices, its count stays near the
    # whole's (a symbol token is 3 characters; each cut may round up one more).
    text = "!" * (SLICE * 5)
    assert abs(count_tokens(text) - _count(text)) <= 5


def test_long_prompts_are_long_without_reading_them_whole() -> None:
    assert size("word " * 61) == LONG
    assert size("x" * (LONG_PROMPT + 1)) == LONG  # one "word": long by its length
    assert size("please explain this") == LONG
    assert size("hi there") == TERSE
    assert size("what is the capital city of France, in a few words?") == SHORT


def test_small_talk_is_short_and_a_megabyte_of_symbols_is_not() -> None:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(1)
    assert len(compose(fake, "markdown", "thanks so much!").split()) < 30
    assert len(compose(fake, "markdown", "!" * 1_000_000).split()) > 100


def _deepest_by_regex(text: str) -> int:
    """The former implementation (a regex matching whole string literals)."""
    depth = most = 0
    for found in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        if found[0] in "[{":
            depth += 1
            most = max(most, depth)
        elif found[0] in "]}":
            depth -= 1
    return most


def _nested(rng: random.Random, level: int) -> object:
    roll = rng.random()
    if level > 6 or roll < 0.3:
        return rng.choice(['a\\"[{', "\\\\", "x]", 1, None, 'q"}\\', "\\" * rng.randint(1, 7)])
    if roll < 0.65:
        return [_nested(rng, level + 1) for _ in range(rng.randint(0, 4))]
    return {f"[{i}\\": _nested(rng, level + 1) for i in range(rng.randint(0, 3))}


@pytest.mark.parametrize("seed", range(200))
def test_nesting_depth_skips_strings_and_escapes(seed: int) -> None:
    rng = random.Random(seed)
    text = json.dumps(_nested(rng, 0), ensure_ascii=rng.random() < 0.5)
    assert deepest(text) == _deepest_by_regex(text)


def test_nesting_depth_of_deep_and_unclosed_text() -> None:
    assert deepest("[" * 100_004 + "]" * 100_004) == 100_004
    assert deepest('[[["a') == 3
    assert deepest('{"a": "[[[[' + "\\" * 3 + '"]]]]"}') == 1


def test_a_call_in_a_child_process() -> None:
    assert call_in_child("json:loads", '{"a": [1, 2]}') == {"a": [1, 2]}


def test_a_failing_call_in_a_child_process() -> None:
    with pytest.raises(ChildFailed, match=r"status 1: json.decoder.JSONDecodeError"):
        call_in_child("json:loads", "{")


def test_a_call_in_a_child_process_that_takes_too_long() -> None:
    with pytest.raises(ChildFailed, match=r"took longer than 0\.5 s"):
        call_in_child("time:sleep", 30, timeout=0.5)
