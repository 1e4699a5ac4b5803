"""The journal, its entries and the assertion helpers, without a server."""

from __future__ import annotations

import json
import re
import time

import pytest

from fakeopenai.asserts import Requests
from fakeopenai.journal import TOO_DEEP, Entry, Journal, dumps, dumps_entry


def entry(number: int = 1, **fields: object) -> Entry:
    made = Entry(number, 0.0, "POST", "/v1/chat/completions", {}, None, f"req_{number}")
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def chat(*messages: tuple[str, object]) -> dict[str, object]:
    return {"model": "gpt-4o", "messages": [{"role": r, "content": c} for r, c in messages]}


WEATHER = entry(
    1,
    body=chat(("system", "Be brief."), ("user", "Weather in Paris?")),
    model="gpt-4o",
    status=200,
    scenario="weather",
    rule="call-weather",
)
MISS = entry(
    2,
    body=chat(("user", "zzz")),
    model="gpt-4o",
    status=404,
    miss="fakeopenai: no rule matched this chat request",
)
ANSWER = entry(
    3,
    body=chat(("user", "Weather in Paris?"), ("tool", "21")),
    model="gpt-4o-mini",
    stream=True,
    status=200,
    scenario="weather",
    rule="answer-after-tool",
)
JOURNAL = Requests([WEATHER, MISS, ANSWER])
LISTING = "\n".join(
    [
        "The journal (3 requests, oldest first):",
        "  #1 POST /v1/chat/completions status=200 model='gpt-4o' scenario='weather' "
        "rule='call-weather' last_user='Weather in Paris?'",
        "  #2 POST /v1/chat/completions status=404 model='gpt-4o' rule=None (no match) "
        "last_user='zzz'",
        "  #3 POST /v1/chat/completions status=200 model='gpt-4o-mini' stream=True "
        "scenario='weather' rule='answer-after-tool' last_user='Weather in Paris?'",
    ]
)


# Entry helpers


def test_json_is_the_parsed_body() -> None:
    assert WEATHER.json == WEATHER.body
    assert entry().json is None


def test_messages_of_a_chat_request() -> None:
    assert WEATHER.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
    ]


def test_messages_of_a_responses_request() -> None:
    assert entry(body={"input": "hi"}).messages == [{"role": "user", "content": "hi"}]
    items = [{"role": "user", "content": "hi"}, {"type": "function_call_output", "output": "1"}]
    assert entry(body={"input": items}).messages == items


def test_messages_without_a_json_body_are_empty() -> None:
    assert entry().messages == []
    assert entry(body={"model": "m"}).messages == []


def test_last_user_joins_text_parts_and_skips_later_roles() -> None:
    parts = [{"type": "text", "text": "hello "}, {"type": "text", "text": "there"}]
    assert entry(body=chat(("user", parts), ("assistant", "yes"))).last_user == "hello there"
    assert ANSWER.last_user == "Weather in Paris?"
    assert entry(body=chat(("system", "x"))).last_user is None


def test_header_is_case_insensitive() -> None:
    assert entry(headers={"x-fakeopenai-session": "s1"}).header("X-Fakeopenai-Session") == "s1"
    assert entry().header("authorization") is None


def test_line_and_repr_are_short_and_use_condition_names() -> None:
    long = entry(4, body=chat(("user", "x" * 80)), status=200)
    assert long.line() == (f"#4 POST /v1/chat/completions status=200 last_user='{'x' * 57}...'")
    assert repr(MISS) == (
        "<Entry #2 POST /v1/chat/completions status=404 model='gpt-4o' rule=None (no match) "
        "last_user='zzz'>"
    )


def test_to_dict_has_the_spec_fields_and_no_clock_internals() -> None:
    data = WEATHER.to_dict()
    spec = {"method", "path", "headers", "body", "scenario", "rule", "miss", "status", "chunks"}
    assert spec <= set(data)
    assert "timings" in data and "started" not in data
    assert data["rule"] == "call-weather"


def test_mark_records_a_timing_once() -> None:
    made = entry()
    made.mark("ttft_ms")
    first = made.timings["ttft_ms"]
    time.sleep(0.002)
    made.mark("ttft_ms")
    assert made.timings == {"ttft_ms": first} and first >= 0


# Journal


def test_journal_appends_snapshots_and_clears_keeping_ids_unique() -> None:
    journal = Journal()
    first = journal.new("POST", "/v1/chat/completions", {}, "req_a")
    snapshot = journal.snapshot()
    journal.new("GET", "/v1/models", {}, "req_b")
    assert [e.id for e in snapshot] == [1] and snapshot[0] is first
    assert len(journal) == 2 and [e.path for e in journal] == ["/v1/chat/completions", "/v1/models"]
    journal.clear()
    assert len(journal) == 0
    assert journal.new("POST", "/v1/embeddings", {}, "req_c").id == 3


# Requests


def test_requests_is_a_list_with_last() -> None:
    assert len(JOURNAL) == 3 and JOURNAL[-1] is ANSWER and JOURNAL.last is ANSWER
    assert JOURNAL[:1] == [WEATHER] and isinstance(JOURNAL[:1], Requests)
    assert list(JOURNAL) == [WEATHER, MISS, ANSWER]


def test_last_of_an_empty_journal_says_so() -> None:
    with pytest.raises(AssertionError, match=r"^fakeopenai: no request has reached the fake yet$"):
        _ = Requests([]).last


def test_misses() -> None:
    assert JOURNAL.misses == [MISS]


def test_where_takes_values_regexes_and_predicates() -> None:
    assert JOURNAL.where(scenario="weather") == [WEATHER, ANSWER]
    assert JOURNAL.where(scenario="weather", stream=True) == [ANSWER]
    assert JOURNAL.where(model=re.compile("mini$")) == [ANSWER]
    assert JOURNAL.where(status=lambda s: s >= 400) == [MISS]
    assert JOURNAL.where(last_user="zzz", rule=None) == [MISS]


def test_where_refuses_unknown_conditions() -> None:
    expected = r"^fakeopenai: unknown condition rul \(did you mean rule=\? known: body, "
    with pytest.raises(TypeError, match=expected):
        JOURNAL.where(rul="x")


def test_assert_called_returns_the_matching_requests() -> None:
    assert JOURNAL.assert_called(rule="call-weather") == [WEATHER]
    assert JOURNAL.assert_called(times=2, scenario="weather") == [WEATHER, ANSWER]
    assert JOURNAL.assert_called(times=3) == [WEATHER, MISS, ANSWER]


def test_assert_called_failure_lists_the_journal() -> None:
    with pytest.raises(AssertionError) as caught:
        JOURNAL.assert_called(times=2, rule="call-weather")
    assert str(caught.value) == (
        "fakeopenai: expected 2 requests with rule='call-weather', got 1.\n" + LISTING
    )


def test_assert_called_without_times_wants_at_least_one() -> None:
    with pytest.raises(AssertionError) as caught:
        JOURNAL.assert_called(model=re.compile("^o3"))
    assert str(caught.value).startswith(
        "fakeopenai: expected at least 1 request with model=re.compile('^o3'), got 0.\n"
    )


def test_assert_called_on_an_empty_journal() -> None:
    with pytest.raises(AssertionError) as caught:
        Requests([]).assert_called(times=1)
    assert str(caught.value) == (
        "fakeopenai: expected 1 request, got 0.\nThe journal is empty: no request reached the fake."
    )


def test_assert_not_called() -> None:
    JOURNAL.assert_not_called(rule="flaky")
    Requests([]).assert_not_called()
    with pytest.raises(AssertionError, match=r"^fakeopenai: expected 0 requests with status="):
        JOURNAL.assert_not_called(status=lambda s: s >= 400)


def test_assert_last_returns_the_newest_entry() -> None:
    assert JOURNAL.assert_last(rule="answer-after-tool", last_user=re.compile("Paris")) is ANSWER


def test_assert_last_failure_shows_each_wrong_field_and_the_journal() -> None:
    def streamed(value: object) -> bool:
        return value is False

    with pytest.raises(AssertionError) as caught:
        JOURNAL.assert_last(rule="call-weather", model="gpt-4o-mini", stream=streamed)
    assert str(caught.value) == (
        "fakeopenai: the last request (#3) does not match:\n"
        "  rule: expected 'call-weather', got 'answer-after-tool'\n"
        "  stream: expected a value for which streamed is true, got True\n" + LISTING
    )


def test_assert_last_on_an_empty_journal() -> None:
    with pytest.raises(AssertionError) as caught:
        Requests([]).assert_last(rule="x")
    assert str(caught.value) == (
        "fakeopenai: expected a last request with rule='x', but no request reached the fake."
    )


def test_the_journal_keeps_the_newest_entries_up_to_its_limit() -> None:
    from fakeopenai.journal import Journal

    journal = Journal(limit=3)
    for n in range(5):
        journal.new("POST", f"/v1/{n}", {}, f"req_{n}")
    assert [entry.path for entry in journal.snapshot()] == ["/v1/2", "/v1/3", "/v1/4"]
    assert [entry.id for entry in journal.snapshot()] == [3, 4, 5]


def test_a_body_nested_too_deep_to_encode_is_shown_as_a_note() -> None:
    """JSON parsers accept ~1,000 levels; copying and encoding need more stack than
    that leaves. The control API must still answer, for that entry and the others."""
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    entries = [entry(1, body={"messages": []}), entry(2, body={"metadata": deep})]
    assert entries[1].to_dict()["body"]["metadata"] is deep  # shared, not copied
    listed = json.loads(dumps(entries))
    assert [item["body"] for item in listed] == [{"messages": []}, TOO_DEEP]
    assert json.loads(dumps_entry(entries[1]))["body"] == TOO_DEEP
    assert json.loads(dumps_entry(entries[0]))["body"] == {"messages": []}


def test_the_console_names_a_sequence_step_as_the_journal_counts_it() -> None:
    from fakeopenai.logs import describe

    entry = Entry(
        1, 0.0, "POST", "/v1/chat/completions", {}, None, "req_1", "chat", "gpt-4o",
        scenario="flaky", rule="retry", step=1,
    )  # fmt: skip
    line = describe("POST", "/v1/chat/completions", 200, 3.0, entry)
    assert "-> flaky/retry replies[1] 200" in line  # the second entry of `replies:`
    assert entry.to_dict()["step"] == 1


def test_a_body_of_many_short_keys_is_cut_to_its_size() -> None:
    # 100,000 keys of two-character values: cutting each string would make it grow, and
    # an object kept every key; now the object ends with a marker key.
    import json

    from fakeopenai.budgets.bodies import cut_body

    body = {"model": "m", "extra": {f"k{i}": "ab" for i in range(100_000)}}
    kept = cut_body(body, 10_000)
    text = json.dumps(kept, ensure_ascii=False)
    assert 10_000 <= len(text) <= 10_200
    assert kept["model"] == "m" and kept["extra"]["k0"] == "ab"
    marker = list(kept["extra"])[-1]
    assert marker.startswith("...[fakeopenai: ") and marker.endswith(" more keys cut]")
    assert kept["extra"][marker] is None
