"""The building blocks of a generated answer: paragraphs, lists, tables, code, links.

Each block is a function of the seeded random source (and Faker, for names, places and
numbers) that returns one block of text without surrounding blank lines; ``markup``
says whether it may use markdown (bold, italic, inline code) or must stay plain prose.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from fakeopenai.generate.answers.code import fenced, snippet
from fakeopenai.generate.answers.phrases import (
    CLOSERS,
    HEADINGS,
    INTROS,
    LINK_SLUGS,
    LINK_TEXTS,
    LIST_ITEMS,
    NOUNS,
    QUALITIES,
    STEPS,
    SUBJECTS,
    TABLE_COLUMNS,
    TITLES,
    VERBS,
    fill,
    sentence,
)

Mark = Callable[[str, str], str]

# Sentences that name something in code: markdown only (prose has no inline code).
_CODE_SENTENCES = (
    "Set `{ident}` to {n} and restart the service.",
    "The `{ident}` option controls this behaviour.",
    "Call `{ident}()` once at start-up, not on every request.",
    "Most of the logic lives in `{ident}`, so start reading there.",
    "Passing `{flag}` prints what it would do without doing it.",
)


def marker(rng: random.Random, markup: bool) -> Mark | None:
    """How phrases get dressed: now and then a thing in bold or a subject in italics."""
    if not markup:
        return None

    def mark(slot: str, phrase: str) -> str:
        roll = rng.random()
        if slot == "thing" and roll < 0.12:
            return f"**{phrase}**"
        if slot == "subject" and roll < 0.25:
            return f"*{phrase}*"
        return phrase

    return mark


def identifier(rng: random.Random) -> str:
    """A name as code spells it: ``fetch_order``, ``orders.yaml``, ``MAX_RETRIES``."""
    noun, verb = rng.choice(NOUNS), rng.choice(VERBS)
    return rng.choice(
        (f"{verb}_{noun}", f"{noun}s.yaml", f"{noun.upper()}_LIMIT", f"{noun}_id", "max_retries")
    )


def code_sentence(rng: random.Random) -> str:
    """A sentence with inline code in it."""
    noun, verb = rng.choice(NOUNS), rng.choice(VERBS)
    return rng.choice(_CODE_SENTENCES).format(
        ident=identifier(rng), n=rng.randint(2, 60), flag=f"--dry-run-{verb}-{noun}"
    )


def paragraph(rng: random.Random, count: int, mark: Mark | None, lead: str | None = None) -> str:
    """``count`` sentences (after ``lead``, if given); with markup, maybe one with code."""
    parts = [lead] if lead else []
    parts += [sentence(rng, mark) for _ in range(count)]
    if mark is not None and count >= 2 and rng.random() < 0.3:
        parts.insert(rng.randint(1, len(parts)), code_sentence(rng))
    return " ".join(parts)


def intro(rng: random.Random, mark: Mark | None) -> str:
    """An opening line, as assistants start their answers."""
    return fill(rng.choice(INTROS), rng, mark)


def closer(rng: random.Random, mark: Mark | None) -> str:
    """A closing line."""
    return fill(rng.choice(CLOSERS), rng, mark)


def bullets(rng: random.Random, most: int = 5) -> str:
    """A bullet list of 3 to ``most`` items, some led by a bold label."""
    items = rng.sample(LIST_ITEMS, rng.randint(3, most))
    lines = []
    for item in items:
        text = fill(item, rng, None)
        if rng.random() < 0.35:
            label = rng.choice(SUBJECTS).capitalize()
            text = f"**{label}:** {text}"
        lines.append(f"- {text}")
    return "\n".join(lines)


def steps(rng: random.Random) -> str:
    """A numbered list of 3-6 steps."""
    chosen = rng.sample(STEPS, rng.randint(3, 6))
    return "\n".join(f"{i}. {fill(s, rng, None)}" for i, s in enumerate(chosen, 1))


def _cell(column: str, row: int, rng: random.Random, fake: Any) -> str:
    """One table cell, by what its column is about."""
    if column in ("Name", "Owner"):
        return str(fake.first_name())
    if column == "City":
        return str(fake.city())
    if column == "Score":
        return str(fake.random_int(10, 99))
    if column == "Cost":
        return rng.choice(("Low", "Medium", "High"))
    if column == "Time":
        return f"{rng.randint(2, 45)} min"
    if column == "Step":
        return str(row)
    if column == "Default":
        return rng.choice(("`true`", "`false`", f"`{rng.randint(1, 100)}`", "none"))
    if column == "Setting":
        return f"`{identifier(rng)}`"
    if column in ("Option", "Approach"):
        return rng.choice(SUBJECTS).capitalize()
    return rng.choice(QUALITIES).capitalize()


def table(rng: random.Random, fake: Any) -> str:
    """A markdown table of 3-5 rows."""
    columns = rng.choice(TABLE_COLUMNS)
    rows = [
        [_cell(column, row, rng, fake) for column in columns]
        for row in range(1, rng.randint(3, 5) + 1)
    ]
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def code_block(rng: random.Random, fake: Any, lang: str | None = None) -> str:
    """A fenced code block with its language."""
    return fenced(*snippet(rng, fake, lang))


def link_sentence(rng: random.Random) -> str:
    """A sentence with a link (to example.com: never a real site)."""
    text, slug = rng.choice(LINK_TEXTS), rng.choice(LINK_SLUGS)
    subject = rng.choice(SUBJECTS).replace(" ", "-")
    return f"For more detail, see [{text}](https://docs.example.com/{subject}/{slug})."


def heading(rng: random.Random, level: int, used: set[str]) -> str:
    """A section heading not used yet in this answer."""
    choices = [h for h in HEADINGS if h not in used] or list(HEADINGS)
    chosen = rng.choice(choices)
    used.add(chosen)
    return "#" * level + " " + chosen


def title(rng: random.Random) -> str:
    """A title for a long answer."""
    return "## " + fill(rng.choice(TITLES), rng)
