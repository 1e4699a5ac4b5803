"""Plausible English prose from a seeded Faker, to a target length.

Sentences from the answers' phrase material (plain, each ending in its only period) are
cut to the measure asked: exactly N words, exactly N tokens (as ``count_tokens`` counts
them, so the reported usage equals the request), N sentences or N paragraphs. Every
function takes a Faker the caller has already seeded (and holds the lock of); its
``random`` drives the choices, and a Faker word fills a last token or two.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fakeopenai.generate.answers import phrases
from fakeopenai.generate.tokens import count_tokens
from fakeopenai.scenario import GenerateSpec

_PARAGRAPH_SENTENCES = (3, 6)


def sentence(fake: Any) -> str:
    """One plain sentence (6-20 words)."""
    return phrases.sentence(fake.random)


def sentences(fake: Any, count: int) -> str:
    """``count`` sentences on one line."""
    return " ".join(sentence(fake) for _ in range(count))


def paragraphs(fake: Any, count: int) -> str:
    """``count`` paragraphs of 3-6 sentences, separated by blank lines."""
    low, high = _PARAGRAPH_SENTENCES
    return "\n\n".join(sentences(fake, fake.random.randint(low, high)) for _ in range(count))


def words(fake: Any, count: int) -> str:
    """Exactly ``count`` words (whitespace-separated), ending with a period."""
    out: list[str] = []
    while len(out) < count:
        out += sentence(fake).split()
    out = out[:count]
    out[-1] = out[-1].rstrip(".,") + "."
    return " ".join(out)


def _short_word(fake: Any, capital: bool) -> str:
    """A word that costs exactly one token."""
    while True:
        word = str(fake.word())
        word = word.capitalize() if capital else word
        if count_tokens(" " + word) == 1:
            return word


def _units(fake: Any) -> Iterator[tuple[str, bool]]:
    """An endless stream of ``(word, ends_sentence)`` from Faker sentences."""
    while True:
        # no commas: a cut may end the text on any word, and "word,." reads badly
        parts = sentence(fake).rstrip(".").replace(",", "").split()
        for i, word in enumerate(parts):
            yield word, i == len(parts) - 1


def tokens(fake: Any, count: int) -> str:
    """Text of exactly ``count`` tokens as ``count_tokens`` counts them.

    Words are taken from Faker sentences while at least two tokens remain; the text then
    ends with one word and a period (or just the period), so it always reads as prose.
    """
    if count == 1:
        return _short_word(fake, capital=True)
    text = ""
    remaining = count
    after_period = True
    for word, ends in _units(fake):
        if remaining <= 2:
            break
        piece = (" " if text else "") + (word.capitalize() if after_period else word)
        cost = count_tokens(piece)
        if cost > remaining - 1:  # a long word that would overshoot: a short one instead
            piece = (" " if text else "") + _short_word(fake, capital=after_period)
            cost = 1
        text += piece
        remaining -= cost
        after_period = False
        if ends and remaining > 2:
            text += "."
            remaining -= 1
            after_period = True
    if remaining == 2:
        text += (" " if text else "") + _short_word(fake, capital=after_period)
    return text + "."


def generated(fake: Any, spec: GenerateSpec) -> str:
    """The text a ``content: {generate: ...}`` asks for."""
    if spec.words:
        return words(fake, spec.words)
    if spec.tokens:
        return tokens(fake, spec.tokens)
    if spec.sentences:
        return sentences(fake, spec.sentences)
    return paragraphs(fake, spec.paragraphs or 1)
