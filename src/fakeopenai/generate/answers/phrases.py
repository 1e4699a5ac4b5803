"""The phrase material generated answers are made of (written for fakeopenai).

Sentences are templates with slots in braces; ``fill`` picks a word or phrase for each
slot from the pools below. Every sentence ends in exactly one period and holds no other
(``text.sentences`` counts them), and none needs markup: the composer decides what is
bold, italic or code. The subject matter is the everyday work an assistant is asked
about (code, data, tests, tools), so the answers look at home in a developer's chat UI.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence

THINGS = (
    "the config file",
    "the request handler",
    "your test suite",
    "the cache layer",
    "the retry policy",
    "the build step",
    "the database index",
    "the API client",
    "the background worker",
    "the deploy script",
    "the search endpoint",
    "the login flow",
    "the error handler",
    "the import job",
    "the report query",
    "the settings page",
    "the message queue",
    "the migration",
    "the upload form",
    "the scheduler",
    "the logging setup",
    "the data model",
    "the pagination logic",
    "the webhook receiver",
)
ACTIONS = (
    "validate the input early",
    "pin the dependency versions",
    "add a timeout to every call",
    "log the full response once",
    "cache the result for a few minutes",
    "split the work into smaller steps",
    "write a failing test first",
    "check the return value",
    "keep the defaults explicit",
    "move the secret into an environment variable",
    "retry with a growing delay",
    "measure before changing anything",
    "read the error message to the end",
    "return early on bad input",
    "batch the writes",
    "add an index on the filtered column",
    "turn on debug logging for one run",
    "compare it with the last working version",
    "keep the function small",
    "name the values you compare",
)
QUALITIES = (
    "faster",
    "easier to test",
    "more predictable",
    "simpler to read",
    "safer to change",
    "cheaper to run",
    "easier to debug",
    "more robust",
)
ADJECTIVES = ("small", "clear", "reliable", "common", "practical", "simple", "careful", "solid")
PROBLEMS = (
    "a timeout",
    "a missing field",
    "an off-by-one error",
    "a stale cache entry",
    "a race between two requests",
    "a wrong default",
    "an unhandled empty list",
    "a typo in a key",
    "a version mismatch",
    "a slow query",
)
SUBJECTS = (
    "error handling",
    "caching",
    "testing",
    "logging",
    "performance",
    "configuration",
    "deployment",
    "data validation",
    "pagination",
    "retries",
    "naming",
    "security",
)
NOUNS = ("order", "user", "invoice", "session", "report", "task", "event", "product", "note")
VERBS = ("load", "fetch", "build", "parse", "save", "sync", "check", "format", "count")

INTROS = (
    "Sure, here is how I would approach it.",
    "Good question, and the answer depends a little on {thing}.",
    "Here is a short overview of {subject}.",
    "Happy to help with that.",
    "There are a few ways to do this, and one of them is usually best.",
    "The short answer is to {action}.",
    "Let me walk through it step by step.",
    "This comes up often, and the fix is usually {adj}.",
    "Here is what I would check first.",
    "In short, {thing} is where most of the work happens.",
)
SENTENCES = (
    "In most projects, {thing} is the first place to look.",
    "If {thing} keeps failing, {action} and run it again.",
    "A {adj} change here makes the whole setup {quality}.",
    "The usual cause is {problem} somewhere in {thing}.",
    "It helps to {action}, because that makes {thing} {quality}.",
    "Once that works, {thing} becomes {quality} as well.",
    "Most teams {action} and leave the rest as it is.",
    "You can keep {thing} as it is and still {action}.",
    "Watch out for {problem}, which is easy to miss in review.",
    "A good rule of thumb is to {action}.",
    "That way {thing} stays {quality} as the project grows.",
    "{Subject} is mostly about making failures visible early.",
    "When in doubt, {action} before you touch {thing}.",
    "This is a {adj} pattern, and it scales well.",
    "The trade-off is a little more code in exchange for {subject} that is {quality}.",
    "Nothing here needs a new library, just {thing} and a few lines of code.",
    "The same idea applies to {thing}, with one small difference.",
    "If the numbers look wrong, suspect {problem} first.",
    "It is worth writing down why you chose this, for whoever reads it next.",
    "After that, {thing} should behave the same way every time.",
    "For a {adj} project this is plenty, and you can grow it later.",
    "Keep an eye on {thing} for a day or two after the change.",
    "You will know it works when {thing} stops showing {problem}.",
    "Starting with {subject} pays off, since {thing} depends on it.",
)
# Answers to a greeting or to thanks: real assistants answer those in a line.
GREETINGS = (
    "Hi! What are you working on today?",
    "Hello! How can I help you today?",
    "Hey there. What would you like to look at first?",
    "Hi! Ask me anything about {subject}, code or data.",
)
THANKS = (
    "You're welcome! Let me know if anything else comes up.",
    "Glad to help. Is there anything else you want to check?",
    "Any time. Good luck with {thing}!",
)
CLOSERS = (
    "Let me know if you want me to go deeper into any of these.",
    "I hope that helps, and feel free to share the error if it persists.",
    "If you share a bit more about {thing}, I can make this more specific.",
    "Want me to turn this into a checklist for your team?",
    "That should cover the common cases.",
    "Happy to adapt the example to your setup.",
)
HEADINGS = (
    "Overview",
    "Why this happens",
    "How to fix it",
    "Step by step",
    "Example",
    "A quick comparison",
    "Things to watch out for",
    "Next steps",
    "Summary",
    "Background",
    "Setting it up",
    "Testing the change",
)
TITLES = (
    "A practical guide to {subject}",
    "Getting {subject} right",
    "{Subject} in five minutes",
    "How to improve {subject}",
    "Notes on {subject}",
)
LIST_ITEMS = (
    "{Action}.",
    "Check {thing} for {problem}.",
    "Make {thing} {quality}.",
    "Document how {thing} works.",
    "Keep {subject} in mind from the start.",
    "Add a test for {problem}.",
    "Review {thing} with a colleague.",
    "Use a {adj} default for {thing}.",
)
STEPS = (
    "Open {thing} and find where it starts.",
    "{Action}.",
    "Run the tests and read the output.",
    "Fix {problem} if it shows up.",
    "Commit the change with a clear message.",
    "Deploy to a staging environment first.",
    "Watch the logs for a few minutes.",
    "Ask for a review of {thing}.",
)
LINK_TEXTS = ("the official guide", "this overview", "the reference page", "a longer write-up")
LINK_SLUGS = ("guide", "reference", "overview", "tutorial", "faq", "handbook")
TABLE_COLUMNS = (
    ("Option", "When to use it", "Cost"),
    ("Name", "City", "Score"),
    ("Step", "Owner", "Time"),
    ("Approach", "Pros", "Cons"),
    ("Setting", "Default", "Notes"),
)

POOLS: Mapping[str, Sequence[str]] = {
    "thing": THINGS,
    "action": ACTIONS,
    "quality": QUALITIES,
    "adj": ADJECTIVES,
    "problem": PROBLEMS,
    "subject": SUBJECTS,
    "noun": NOUNS,
    "verb": VERBS,
}
_SLOT = re.compile(r"\{(\w+)\}")


def fill(template: str, rng: random.Random, mark: Callable[[str, str], str] | None = None) -> str:
    """``template`` with every slot filled from its pool; a capitalised slot name
    (``{Action}``) capitalises the phrase. ``mark(slot, phrase)`` may dress a phrase
    (bold, code) for markdown."""

    def one(found: re.Match[str]) -> str:
        name = found.group(1)
        phrase = rng.choice(POOLS[name.lower()])
        if name[0].isupper():
            phrase = phrase[0].upper() + phrase[1:]
        return mark(name.lower(), phrase) if mark else phrase

    return _SLOT.sub(one, template)


def sentence(rng: random.Random, mark: Callable[[str, str], str] | None = None) -> str:
    """One body sentence."""
    return fill(rng.choice(SENTENCES), rng, mark)
