"""Whole answers: a style, a length fitted to the prompt, and blocks put in order.

Real assistant answers are short for short prompts (a greeting gets a sentence or two)
and run to a few hundred words when asked to explain, compare or write something; in
between they are a paragraph or two with a list, a code block or a table. ``size``
reads the prompt for that; ``compose`` builds blocks until the answer reaches the
length, in one of three styles:

- ``markdown``: paragraphs with bold, italics, inline code and links, bullet and
  numbered lists, tables, fenced code with a language, and headings in longer answers;
- ``prose``: plain paragraphs, no markup at all;
- ``code``: a line of introduction, a fenced block (two in longer answers), and a short
  explanation.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any, get_args

from fakeopenai.generate.answers.blocks import (
    bullets,
    closer,
    code_block,
    heading,
    intro,
    link_sentence,
    marker,
    paragraph,
    steps,
    table,
    title,
)
from fakeopenai.generate.answers.phrases import GREETINGS, THANKS, fill, sentence
from fakeopenai.reply import Style

STYLES: tuple[Style, ...] = get_args(Style)

# Answer lengths in words, by what the prompt asks: (lowest, highest).
SHORT, MEDIUM, LONG, TERSE = (40, 110), (90, 220), (220, 450), (20, 50)
_LONG_ASK = re.compile(
    r"\b(explain|describe|details?|detailed|step[- ]by[- ]step|guide|tutorial|compare|"
    r"comparison|write|essay|in depth|thorough|walk me through|pros and cons|overview)\b",
    re.IGNORECASE,
)


_SMALL_TALK = re.compile(
    r"^\W*(?:(?P<thanks>thanks|thank you|thx|cheers)|hi|hello|hey|hiya|good "
    r"(?:morning|afternoon|evening))\b\W*(?:(?:there|again|so much|a lot)\W*)?$",
    re.IGNORECASE,
)
SMALL_TALK_CHARS = 80  # longer is not small talk (and never run through the pattern)
# A prompt longer than this (characters) is a long one, whatever its words: ``size``
# reads no more of it.
LONG_PROMPT = 10_000


def size(prompt: str | None) -> tuple[int, int]:
    """The word range of an answer to ``prompt`` (``None``: no prompt, a medium one)."""
    if prompt is None:
        return MEDIUM
    # Every step here is bounded, whatever the prompt's size: a regex search or a full
    # ``split`` of a 1 MB prompt holds the GIL for 20-120 ms, which stalls the event loop
    # (and every other client) although this runs in a worker thread. Words are counted
    # up to 61 only; a prompt past LONG_PROMPT characters is long whatever its words.
    count = len(prompt.split(None, 61))
    if count > 60 or len(prompt) > LONG_PROMPT or _LONG_ASK.search(prompt):
        return LONG
    if count <= 3:
        return TERSE
    if count <= 12:
        return SHORT
    return MEDIUM


def _words(parts: list[str]) -> int:
    return sum(len(part.split()) for part in parts)


def _prose(rng: random.Random, target: int) -> list[str]:
    parts = [intro(rng, None)]
    room = rng.randint(2, 4)  # sentences left in this paragraph
    while _words(parts) < target - 8:
        if room == 0:
            parts.append("")
            room = rng.randint(3, 5)
        parts[-1] = (parts[-1] + " " + sentence(rng)).lstrip()
        room -= 1
    return parts


def _markdown(rng: random.Random, fake: Any, target: int, high: int) -> list[str]:
    mark = marker(rng, markup=True)
    parts = [paragraph(rng, rng.randint(0, 2), mark, lead=intro(rng, mark))]
    extras: list[Callable[[], str]] = [
        lambda: bullets(rng),
        lambda: steps(rng),
        lambda: code_block(rng, fake),
        lambda: table(rng, fake),
    ]
    if target <= TERSE[1]:  # a terse answer: a line or two, sometimes a short list
        if rng.random() < 0.3:
            parts.append(bullets(rng, most=3))
        while _words(parts) < target - 10:
            parts[0] += " " + sentence(rng, mark)
        return parts
    if target >= LONG[0]:
        used: set[str] = set()
        if rng.random() < 0.5:
            parts.insert(0, title(rng))
        while _words(parts) + 60 < target:  # a section adds 60-150 words
            parts.append(heading(rng, 3, used))
            parts.append(paragraph(rng, rng.randint(2, 4), mark))
            parts.append(rng.choice(extras)())
    else:
        for make in rng.sample(extras, 2):
            parts.append(make())
            if _words(parts) + 30 >= target:
                break
            parts.append(paragraph(rng, rng.randint(1, 2), mark))
            if _words(parts) + 30 >= target:
                break
    if _words(parts) + 30 < high and rng.random() < 0.5:
        parts.append(link_sentence(rng))
    parts.append(closer(rng, mark))
    return parts


def _code(rng: random.Random, fake: Any, target: int) -> list[str]:
    mark = marker(rng, markup=True)
    parts = [intro(rng, mark), code_block(rng, fake)]
    if target >= MEDIUM[0]:
        parts.append(rng.choice((bullets, steps))(rng))
    if target >= LONG[0]:
        parts.append(paragraph(rng, 2, mark))
        parts.append(code_block(rng, fake, "bash"))
    parts.append(paragraph(rng, rng.randint(1, 2), mark))
    return parts


def compose(fake: Any, style: Style, prompt: str | None) -> str:
    """An answer to ``prompt`` in ``style``, from ``fake`` (seeded by the caller: its
    ``random`` drives every choice, its providers give names, places and numbers)."""
    rng: random.Random = fake.random
    talk = (
        _SMALL_TALK.match(prompt)
        if style != "code" and prompt is not None and len(prompt) <= SMALL_TALK_CHARS
        else None
    )
    if talk:  # "hi" or "thanks" gets a line back
        lines = THANKS if talk.group("thanks") else GREETINGS
        return fill(rng.choice(lines), rng)
    low, high = size(prompt)
    target = rng.randint(low, high)
    if style == "prose":
        parts = _prose(rng, target)
    elif style == "code":
        parts = _code(rng, fake, target)
    else:
        parts = _markdown(rng, fake, target, high)
    return "\n\n".join(parts)
