"""Reply templates: context, errors, load-time checks and the sandbox (generate.templates)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from fakeopenai import loader
from fakeopenai.errors import FakeOpenAIError, ScenarioError
from fakeopenai.generate import TemplateError, check_templates
from fakeopenai.generate.seeding import faker_instance
from fakeopenai.generate.templates import (
    SafeFaker,
    compile_template,
    is_template,
    render,
    request_context,
)
from fakeopenai.view import RequestView, chat_view, responses_view

BODY = {
    "model": "gpt-4o",
    "temperature": 0.2,
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "tool", "tool_call_id": "call_1", "content": "21 C, sunny"},
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}],
}


def context(view: RequestView | None = None, seed: int = 1) -> Mapping[str, Any]:
    fake = faker_instance()
    fake.seed_instance(seed)
    return {"request": request_context(view or chat_view(BODY, {})), "faker": SafeFaker(fake)}


def test_markers_make_a_template() -> None:
    assert is_template("Hi {{ request.model }}")
    assert is_template("{% if true %}x{% endif %}")
    assert not is_template("Plain text with { braces }")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ request.model }}", "gpt-4o"),
        ("{{ request.temperature }}", "0.2"),
        ("{{ request.last_user }}", "Weather in Paris?"),
        ("{{ request.last_message }}", "21 C, sunny"),
        ("{{ request.system }}", "You are terse."),
        ("{{ request.tools | join(',') }}", "get_weather"),
        ("{{ request.tool_result }}", "21 C, sunny"),
        ("{{ request.messages | length }}", "4"),
        ("{{ request.messages[1].content }}", "Weather in Paris?"),
        ("{{ request.body.model }}", "gpt-4o"),
        ("{{ request.last_user | upper }}!\n", "WEATHER IN PARIS?!\n"),
    ],
)
def test_request_fields_are_visible(source: str, expected: str) -> None:
    assert render(source, context()) == expected


def test_responses_requests_expose_their_input_as_messages() -> None:
    view = responses_view({"model": "gpt-4o", "input": "Tell me a joke"}, {})
    out = render("{{ request.messages[0].content }}/{{ request.tool_result }}", context(view))
    assert out == "Tell me a joke/None"


def test_faker_is_seeded() -> None:
    source = "{{ faker.name() }} from {{ faker.city() }}"
    assert render(source, context(seed=3)) == render(source, context(seed=3))
    assert render(source, context(seed=3)) != render(source, context(seed=4))


def test_template_error_is_a_fakeopenai_error() -> None:
    assert issubclass(TemplateError, FakeOpenAIError)


def test_an_undefined_name_is_an_error_not_empty_text() -> None:
    with pytest.raises(TemplateError, match="'reqest' is undefined"):
        render("Hi {{ reqest.model }}", context())
    with pytest.raises(TemplateError, match="no attribute 'modle'"):
        render("Hi {{ request.modle }}", context())


def test_a_syntax_error_names_the_problem() -> None:
    with pytest.raises(TemplateError, match="template syntax error: unexpected '}'"):
        compile_template("{{ request.model }")


def test_each_source_compiles_once() -> None:
    assert compile_template("{{ 1 + 1 }}") is compile_template("{{ 1 + 1 }}")


ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ request.__class__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ joiner.__init__.__globals__.__builtins__.open('/etc/passwd').read() }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ faker.__class__ }}",
    "{{ faker._generator }}",
    "{{ faker.seed_instance(1) }}",
    "{{ faker.format('__class__') }}",
    "{{ faker.pydict(value_types=['__class__']) }}",
    "{{ faker.pystr_format('{{__class__}}') }}",
    "{{ faker.add_provider }}",
    "{{ '{0.__class__}'.format(request) }}",
    "{{ request.messages.append(1) }}",
    "{{ request.body.update({'model': 'x'}) }}",
    "{{ open('/etc/passwd').read() }}",
    "{{ __import__('os') }}",
    "{% import 'os' as os %}",
    "{% include '/etc/passwd' %}",
    "{{ range(10 ** 12) | list }}",
    "{{ config }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_sandbox_escapes_fail_cleanly(source: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render(source, context())
    assert "template" in str(caught.value)
    assert BODY["messages"][3]["content"] == "21 C, sunny"  # nothing was mutated


def test_refused_attribute_says_unsafe() -> None:
    with pytest.raises(TemplateError, match="unsafe"):
        render("{{ request.__class__.__mro__ }}", context())


SCENARIO = """\
name: templated
rules:
  - name: ok
    reply:
      content: "Hello {{ request.last_user }}"
  - name: broken
    reply:
      content: "Hello {{ request.last_user }"
  - name: typo
    replies:
      - content: plain
      - content: "{{ reqest.model }}"
  - name: args
    reply:
      tool_calls:
        - function: f
          arguments: {nested: {deep: "{% if %}"}}
"""


def test_check_templates_reports_file_line_and_location() -> None:
    # the loader runs check_templates itself (loader.CHECKS): every issue in one error
    with pytest.raises(ScenarioError) as caught:
        loader.load_text(SCENARIO, source="templated.yaml")
    issues = caught.value.issues
    assert [(i.file, i.line, i.location) for i in issues] == [
        ("templated.yaml", 6, "rules[1].reply.content"),
        ("templated.yaml", 9, "rules[2].replies[1].content"),
        ("templated.yaml", 13, "rules[3].reply.tool_calls[0].arguments.nested.deep"),
    ]
    assert issues[0].message == "template syntax error: unexpected '}'"
    assert issues[1].message == (
        "template uses unknown name 'reqest' (templates see request and faker)"
    )
    assert issues[2].message.startswith("template syntax error: ")


def test_check_templates_accepts_loops_and_set_variables() -> None:
    text = """\
rules:
  - reply:
      content: "{% set n = 2 %}{% for m in request.messages %}{{ loop.index }}{% endfor %}{{ n }}"
"""
    assert check_templates(loader.load_text(text)) == []


# --- bounds: one template must not stall the server (template_limits) ---------------


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("{{ 'a' * 10**9 }}", "'*' would make 1,000,000,000 characters or items"),
        ("{{ request.model * 1000000 }}", "'*' would make"),
        ("{{ [1] * 10**8 }}", "'*' would make 400,000,000 characters or items"),
        ("{{ 10 ** (10**9) }}", "'**' with an exponent above 1,000 is refused"),
        ("{{ faker.password(length=30000000) }}", "faker.password(length=30000000): at most"),
        ("{{ faker.paragraphs(100000) }}", "faker.paragraphs(nb=100000): at most 10,000"),
        ("{% for i in range(99999) %}{{ faker.paragraph() }}{% endfor %}", "CPU budget"),
        # issue 19 row 5, every case:
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            "CPU budget",
        ),
        (
            "{% set r = range(100000) %}{% for a in r %}{% for b in r %}{% endfor %}{% endfor %}",
            "CPU budget",
        ),
        (
            "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
            "{{ f(40) }}",
            "CPU budget",
        ),
        (
            "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% else %}x{% endif %}"
            "{% endmacro %}{{ f(40) }}",
            "CPU budget",
        ),
        (
            "{% set ns = namespace(x=10**1000) %}{% for i in range(30) %}"
            "{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x > 0 }}",
            "'*' would make an integer of about",
        ),
        ("{{ (10**1000) ** 1000 }}", "'**' would make an integer"),
        ("{{ faker.texts(nb_texts=10**6) }}", "faker.texts(nb_texts=1000000): at most"),
        ("{{ faker.file_path(depth=10**6) }}", "faker.file_path(depth=1000000): at most"),
        (
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
            "{% endfor %}{{ ns.s|length }}",
            "'~' would make",
        ),
        (
            "{% set ns = namespace(l=['abcdefgh' * 100]) %}{% for i in range(64) %}"
            "{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}",
            "'+' would make",
        ),
        (
            "{% set ns = namespace(s='abc') %}{% for i in range(64) %}"
            "{% set ns.s = ns.s.translate({97: 'aaaa', 98: 'bbbb'}) %}{% endfor %}"
            "{{ ns.s|length }}",
            ".translate() would make",
        ),
        (
            "{% set ns = namespace(s='\t\t') %}{% for i in range(64) %}"
            "{% set ns.s = ns.s.expandtabs(100000) %}{% endfor %}{{ ns.s|length }}",
            ".expandtabs() would make",
        ),
        ("{{ ('a' * 200000).replace('', 'xx') }}", ".replace() would make"),
        ("{{ ','.join(['a' * 100000] * 100) }}", "would make"),
        ("{{ (['a' * 100000] * 100)|join }}", "would make"),
        ("{{ ['a' * 100000] * 100 }}", "'*' would make"),
        (
            "{% for i in range(100000) %}{% set s = 'x' * 150000 %}{% endfor %}",
            "in all",
        ),
        ("{{ 'a'.ljust(10**9) }}", ".ljust() with a width over 200,000 is refused"),
        ("{{ '5'.zfill(10**9) }}", ".zfill() with a width over"),
        ("{{ 'a'|center(10**9) }}", "|center with a width over"),
        ("{{ 'x'|indent(10**9) }}", "|indent with a width over"),
        ("{{ '{:>1000000000}'.format(1) }}", ".format() with a width over"),
        ("{{ '%*d' % (10**9, 1) }}", "'%' with a width over"),
        ("{{ '%1000000000d' % 1 }}", "'%' with a width over"),
    ],
)
def test_a_template_that_would_stall_the_server_fails_fast(source: str, why: str) -> None:
    import re
    import time

    started = time.perf_counter()
    with pytest.raises(TemplateError, match=re.escape(why)):
        render(source, context())
    assert time.perf_counter() - started < 2


def test_ordinary_sizes_and_powers_still_work() -> None:
    made = render(
        "{{ 'ab' * 3 }} {{ 2 ** 10 }} {{ faker.pyint(0, 1000000) >= 0 }} "
        "{{ faker.password(length=12) | length }} {{ faker.words(nb=3) | length }} "
        "{{ 'a'.ljust(3) }}|{{ '%5d' % 42 }}|{{ '{:>4}'.format('x') }}|{{ 'n %s: 12345678' % 7 }}"
        "|{{ 'x' | default(1000000) }}|{{ '%s' | format(9) }}",
        context(),
    )
    assert made == "ababab 1024 True 12 3 a  |   42|   x|n 7: 12345678|x|9"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("{% include 'other' %}", "templates cannot extend, include or import other templates"),
        ("{% import 'm' as m %}{{ m }}", "templates cannot extend, include or import"),
        ("{{ lipsum(3) }}", "template uses unknown name 'lipsum'"),
    ],
)
def test_what_can_only_fail_at_request_time_fails_at_load(source: str, problem: str) -> None:
    text = f"rules:\n  - reply: {{content: {source!r}}}\n"
    with pytest.raises(ScenarioError, match=problem):
        loader.load_text(text)
