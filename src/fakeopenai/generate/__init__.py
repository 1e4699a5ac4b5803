"""Fill a reply: turn what a scenario says into the concrete answer a wire builder sends.

``fill(reply, view, seed=..., rule_key=...)`` renders templates, generates prose,
structured outputs and tool calls, and counts tokens. Everything generated depends only
on (seed, rule key, request content): see ``seeding``. The parts:

- ``templates``: Jinja2 in the immutable sandbox (``TemplateError`` when one fails);
- ``answers``: what a reply with no text says: a markdown, prose or code answer;
- ``text``: seeded prose to a length in words, tokens, sentences or paragraphs;
- ``schema`` (with ``strings``, ``numbers``, ``patterns``, ``names``): a value valid
  against a JSON Schema, for ``json_schema`` replies and tool arguments;
- ``tools``: scripted, ``arguments: auto`` and ``tool_calls: auto`` calls;
- ``tokens`` and ``usage``: o200k-like token counts; ``checks``: load-time template checks;
- ``limits``: ``max_tokens`` / ``stop`` cuts; ``logprobs``: made-up token logprobs.

What the request asks of the answer is honoured here, for every endpoint alike: ``n``
choices (choice i > 0 seeded apart, so generated text differs and scripted text
repeats), a ``tool_choice`` that forces a call, ``parallel_tool_calls: false``, the
length and stop limits, and logprobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fakeopenai.budgets.template import one_request
from fakeopenai.families import snapshot
from fakeopenai.filled import Filled, FilledToolCall, TokenUsage
from fakeopenai.generate import answers, limits, logprobs, schema, text
from fakeopenai.generate.checks import check_templates
from fakeopenai.generate.seeding import FAKER_LOCK, Seeder, faker_instance
from fakeopenai.generate.templates import (
    SafeFaker,
    TemplateError,
    is_template,
    render,
    request_context,
)
from fakeopenai.generate.tokens import count_tokens, split_tokens
from fakeopenai.generate.tools import AUTO, fill_tool_calls, forces_call, to_json
from fakeopenai.generate.usage import completion_tokens, usage_for
from fakeopenai.scenario import GeneratedContent, Reply, ToolCall
from fakeopenai.view import RequestView

__all__ = [
    "DEFAULT_MODEL",
    "TemplateError",
    "check_templates",
    "count_tokens",
    "fill",
    "split_tokens",
]

DEFAULT_MODEL = "gpt-4o-mini"


def _default_content(view: RequestView, fake: Any, style: answers.Style | None) -> str:
    """What a reply with nothing scripted says: JSON for a JSON format, else an answer
    in the reply's style (markdown; plain prose on legacy completions, which continue
    a prompt rather than chat)."""
    if view.response_format == "json_schema" and view.response_schema:
        return to_json(schema.value_for(view.response_schema, fake))
    if view.response_format == "json_object":
        return to_json(schema.example_object(fake))
    if style is None:
        style = "prose" if view.endpoint == "completions" else "markdown"
    return answers.compose(fake, style, view.last_user)


def _content(
    reply: Reply,
    view: RequestView,
    *,
    seeder: Seeder,
    fake: Any,
    context: Callable[[], Mapping[str, Any]],
    answered: bool,
) -> str | None:
    """The reply's text; ``answered`` when a refusal or tool calls stand in for it."""
    if view.endpoint == "embeddings":
        return None
    content = reply.content
    if isinstance(content, str) and not is_template(content):
        return content  # scripted text: nothing to seed
    fake.seed_instance(seeder.seed("content"))
    if isinstance(content, str):
        return render(content, context())
    if isinstance(content, GeneratedContent):
        return text.generated(fake, content.generate)
    return None if answered else _default_content(view, fake, reply.style)


def choice_count(view: RequestView) -> int:
    """How many choices the request asks for (``n``; chat and legacy completions)."""
    n = view.body.get("n")
    if view.endpoint in ("chat", "completions") and isinstance(n, int) and n > 1:
        return n
    return 1


def _choice(
    reply: Reply,
    view: RequestView,
    *,
    seeder: Seeder,
    fake: Any,
    context: Callable[[], Mapping[str, Any]],
) -> Filled:
    """One choice of the answer; its ``usage`` has this choice's completion tokens only
    (``fill`` counts the prompt once, for the whole answer)."""
    tool_calls: tuple[FilledToolCall, ...] = ()
    if view.endpoint != "embeddings":
        scripted_calls: list[ToolCall] | str | None = reply.tool_calls
        if scripted_calls is None and forces_call(reply, view):
            scripted_calls = AUTO  # a forcing tool_choice: a call is guaranteed
        tool_calls = fill_tool_calls(scripted_calls, view, seeder, fake, context)
        if view.body.get("parallel_tool_calls") is False:
            tool_calls = tool_calls[:1]  # the API makes at most one call then
    refusal = reply.refusal
    if refusal is not None and is_template(refusal):
        fake.seed_instance(seeder.seed("refusal"))
        refusal = render(refusal, context())
    if reply.chunks is not None and reply.content is None and view.endpoint != "embeddings":
        content: str | None = "".join(reply.chunks)
    else:
        answered = bool(tool_calls) or refusal is not None
        content = _content(
            reply, view, seeder=seeder, fake=fake, context=context, answered=answered
        )
    finish_reason: str = reply.finish_reason or ("tool_calls" if tool_calls else "stop")
    if content is not None:
        content, cut = limits.cut(content, limits.max_tokens(view), limits.stop_sequences(view))
        if cut is not None:
            # The model stopped inside its text: no tool call follows it.
            finish_reason, tool_calls = cut, ()
    top = logprobs.wanted(view)
    token_logprobs = None
    if top is not None:
        token_logprobs = logprobs.token_logprobs(content or "", top, seeder.seed("logprobs"))
    return Filled(
        model=reply.model or snapshot(view.model or DEFAULT_MODEL),
        content=content,
        refusal=refusal,
        tool_calls=tool_calls,
        finish_reason=finish_reason,
        usage=TokenUsage(0, completion_tokens(content, refusal, tool_calls)),
        logprobs=token_logprobs,
    )


# Request keys that can change a scripted text (choices, cuts, logprobs): a request
# that has none of them gets the text exactly as scripted.
_SHAPING_KEYS = (
    "n",
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "stop",
    "logprobs",
)


def fixed_text(reply: Reply, view: RequestView) -> str | None:
    """The answer's text when ``reply`` is fixed text (no template, generation or tool
    calls) and the request asks for nothing that would change it; else ``None``.

    Most scripted replies are such text; answering them needs no seed, no Faker and no
    template context, only the text and its token counts.
    """
    if view.endpoint not in ("chat", "responses") or reply.tool_calls is not None:
        return None  # (legacy completions cut at a default max_tokens of 16)
    if reply.refusal is not None and is_template(reply.refusal):
        return None
    content = reply.content
    if isinstance(content, str):
        if is_template(content):
            return None
    elif content is None and reply.chunks is not None:
        content = "".join(reply.chunks)
    else:
        return None
    if not view.body.keys().isdisjoint(_SHAPING_KEYS):
        return None
    if view.endpoint == "responses" and logprobs.wanted(view) is not None:
        return None  # (include asks for logprobs)
    return content


def fill(reply: Reply, view: RequestView, *, seed: int | None, rule_key: str) -> Filled:
    """The concrete answer to ``view`` that ``reply`` describes.

    ``seed`` is the scenario's or the server's (``None`` acts as 0) and ``rule_key``
    names the rule; with the request's content they determine every generated byte.
    With ``n > 1`` the result holds the other choices in ``extra_choices`` and its usage
    counts them all. Raises ``TemplateError`` when a template in the reply fails to render.
    """
    text = fixed_text(reply, view)
    if text is not None:  # the common case, without the machinery it does not need
        return fill_fixed(reply, view, text)
    return fill_any(reply, view, seed=seed, rule_key=rule_key)


def fill_fixed(reply: Reply, view: RequestView, text: str) -> Filled:
    """``fill`` for a reply whose ``fixed_text`` is ``text``: the text and its counts."""
    return Filled(
        model=reply.model or snapshot(view.model or DEFAULT_MODEL),
        content=text,
        refusal=reply.refusal,
        finish_reason=reply.finish_reason or "stop",
        usage=usage_for(view, text, reply.refusal, (), reply.usage),
        fixed=True,
    )


def fill_any(reply: Reply, view: RequestView, *, seed: int | None, rule_key: str) -> Filled:
    """``fill`` for every kind of reply (``fill`` takes a shortcut for fixed text)."""
    seeder = Seeder.for_request(seed, rule_key, view)
    with FAKER_LOCK, one_request():  # one template budget for the whole answer
        fake = faker_instance()
        built: list[Mapping[str, Any]] = []

        def context() -> Mapping[str, Any]:  # built on first use: most replies need none
            if not built:
                built.append({"request": request_context(view), "faker": SafeFaker(fake)})
            return built[0]

        choices = [
            _choice(reply, view, seeder=seeder.for_choice(index), fake=fake, context=context)
            for index in range(choice_count(view))
        ]
    first, others = choices[0], tuple(choices[1:])
    other = sum(c.usage.completion_tokens for c in others)
    usage = usage_for(
        view, first.content, first.refusal, first.tool_calls, reply.usage, other_choices=other
    )
    return Filled(  # built directly: dataclasses.replace costs as much as the rest
        model=first.model,
        content=first.content,
        refusal=first.refusal,
        tool_calls=first.tool_calls,
        finish_reason=first.finish_reason,
        usage=usage,
        logprobs=first.logprobs,
        extra_choices=others,
    )
