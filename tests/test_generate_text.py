"""Seeded prose to a target length (fakeopenai.generate.text)."""

from __future__ import annotations

from typing import Any

import pytest

from fakeopenai.generate import count_tokens, text
from fakeopenai.generate.seeding import faker_instance
from fakeopenai.scenario import GenerateSpec


def seeded(seed: int) -> Any:
    fake = faker_instance()
    fake.seed_instance(seed)
    return fake


@pytest.mark.parametrize("count", [1, 2, 3, 7, 50, 333, 2000])
def test_tokens_gives_exactly_that_many_tokens(count: int) -> None:
    for seed in range(5):
        assert count_tokens(text.tokens(seeded(seed), count)) == count


@pytest.mark.parametrize("count", [1, 2, 13, 200])
def test_words_gives_exactly_that_many_words_ending_in_a_period(count: int) -> None:
    out = text.words(seeded(count), count)
    assert len(out.split()) == count
    assert out.endswith(".")
    assert out[0].isupper()


def test_sentences_and_paragraphs_have_the_count_asked() -> None:
    three = text.sentences(seeded(1), 3)
    assert three.count(".") == 3
    two = text.paragraphs(seeded(1), 2)
    assert len(two.split("\n\n")) == 2
    assert all(3 <= p.count(".") <= 6 for p in two.split("\n\n"))


def test_generated_dispatches_on_the_measure_given() -> None:
    assert len(text.generated(seeded(2), GenerateSpec(words=40)).split()) == 40
    assert count_tokens(text.generated(seeded(2), GenerateSpec(tokens=64))) == 64


def test_sentences_are_plain_prose_with_one_period_each() -> None:
    for seed in range(30):
        out = text.sentences(seeded(seed), 4)
        assert out.count(".") == 4
        assert not set(out) & set("*`#[]|_"), out  # no markdown in plain prose


def test_same_seed_same_text_and_different_seed_different_text() -> None:
    assert text.tokens(seeded(5), 100) == text.tokens(seeded(5), 100)
    assert text.tokens(seeded(5), 100) != text.tokens(seeded(6), 100)
