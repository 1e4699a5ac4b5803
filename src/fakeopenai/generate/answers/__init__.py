"""Generated answers that read like an assistant's: what a reply with no scripted text says.

``compose(fake, style, prompt)`` writes a markdown answer (paragraphs, lists, tables,
fenced code with a language, headings, links, bold and inline code), plain prose, or a
code-first answer, sized to the prompt. The parts:

- ``phrases``: the sentence templates and word pools (original material);
- ``code``: code snippet templates in eight languages;
- ``blocks``: one block each (paragraph, list, table, code block, heading, link);
- ``compose``: the length and the order of blocks per style.

Everything depends only on the Faker the caller seeded, so the same seed and request
give the same answer. Faker itself only supplies names, places and numbers.
"""

from __future__ import annotations

from fakeopenai.generate.answers.compose import STYLES, compose, size
from fakeopenai.reply import Style

__all__ = ["STYLES", "Style", "compose", "size"]
