"""Loading scenarios: files, directories, defaults, and every error as file:line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from fakeopenai import loader
from fakeopenai.errors import Issue, ScenarioError
from fakeopenai.loader import (
    LoadedScenario,
    load_mapping,
    load_paths,
    load_rule,
    load_text,
    merge_reply,
)
from fakeopenai.scenario import ChunkChars, ErrorSpec, Fault, Latency, Reply
from fakeopenai.yamlpos import parse

BROKEN = Path(__file__).parent / "broken"
BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))

WEATHER = """\
name: weather
description: Tool call first, then an answer.
seed: 7
models: [gpt-4o, gpt-4o-mini]
chaos: {rate: 0.1, seed: 1}
defaults:
  latency: {ttft_ms: 300, chunk_ms: 20}
  chunking: word
rules:
  - name: answer-after-tool
    match:
      last_message: {role: tool}
    reply:
      content: "It is 21 degrees in Paris."
  - match:
      last_user: weather
      tools: get_weather
    reply:
      tool_calls:
        - function: get_weather
          arguments: {city: Paris}
      latency: {ttft_ms: 5}
  - name: flaky
    match: {model: flaky-*}
    replies:
      - error: 429
        retry_after_ms: 10
      - content: recovered
    then: cycle
"""


def expectations(path: Path) -> list[str]:
    """The ``# expect: line: location: message`` comments at the top of a broken file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]


def issues_of(paths: list[str | Path]) -> list[Issue]:
    with pytest.raises(ScenarioError) as caught:
        load_paths(paths)
    return caught.value.issues


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the broken corpus -------------------------------------------------------------


def test_the_broken_corpus_covers_many_mistakes() -> None:
    assert len(BROKEN_FILES) >= 22
    assert all(expectations(path) for path in BROKEN_FILES)


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda path: path.stem)
def test_broken_file_reports_exactly_its_expected_issues(path: Path) -> None:
    source = str(path)
    issues = issues_of([source])
    assert {issue.file for issue in issues} == {source}
    assert [str(issue).removeprefix(f"{source}:").strip() for issue in issues] == expectations(path)


def test_a_directory_of_broken_files_reports_every_issue_of_every_file_at_once() -> None:
    issues = issues_of([BROKEN])
    # An expectation without a line ("message") renders as "file: message".
    expected = [
        f"{BROKEN / path.name}:{'' if line[0].isdigit() else ' '}{line}"
        for path in BROKEN_FILES
        for line in expectations(path)
    ]
    assert [str(issue) for issue in issues] == expected


def test_the_error_message_lists_every_issue_with_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    text = "rules:\n  - reply: {content: a}\n  - reply: {content: b}\n  - reply:\n"
    path = write(folder, "weather.yaml", text + "      contnet: hi\n      model: 5\n")
    with pytest.raises(ScenarioError) as caught:
        load_paths([path])
    assert str(caught.value) == (
        "fakeopenai: 2 problems in scenarios:\n"
        f"  {path}:5: rules[2].reply: unknown key 'contnet' (did you mean 'content'?)\n"
        f"  {path}:6: rules[2].reply.model: expected a string, got 5"
        " (quote it to make it a string)"
    )


# --- load_text ---------------------------------------------------------------------


def test_load_text_builds_the_whole_scenario() -> None:
    scenario = load_text(WEATHER, source="weather.yaml")
    assert scenario.name == "weather"
    assert scenario.source == "weather.yaml"
    assert scenario.description == "Tool call first, then an answer."
    assert scenario.seed == 7
    assert scenario.models == ("gpt-4o", "gpt-4o-mini")
    assert scenario.chaos is not None and scenario.chaos.rate == 0.1
    assert [rule.name for rule in scenario.rules] == ["answer-after-tool", "rules[1]", "flaky"]
    assert [rule.index for rule in scenario.rules] == [0, 1, 2]
    assert [rule.line for rule in scenario.rules] == [10, 15, 23]


def test_load_text_rules_keep_match_sequence_and_then() -> None:
    answer, call, flaky = load_text(WEATHER).rules
    assert answer.match.last_message is not None and answer.match.last_message.role == "tool"
    assert call.match.tools == ["get_weather"]
    assert call.match.last_user is not None and call.match.last_user.contains == "weather"
    assert (answer.sequence, answer.then, len(answer.replies)) == (False, "repeat", 1)
    assert (flaky.sequence, flaky.then, len(flaky.replies)) == (True, "cycle", 2)
    assert flaky.replies[0].error == ErrorSpec(status=429)
    assert flaky.replies[1].content == "recovered"
    assert answer.chaos is None


def test_load_text_merges_defaults_under_every_reply() -> None:
    answer, call, flaky = load_text(WEATHER).rules
    assert answer.replies[0].latency == Latency(ttft_ms=300, chunk_ms=20)
    assert call.replies[0].latency == Latency(ttft_ms=5, chunk_ms=20)
    assert [reply.chunking for reply in flaky.replies] == ["word", "word"]
    assert [reply.latency for reply in flaky.replies] == [Latency(ttft_ms=300, chunk_ms=20)] * 2


def test_load_text_names_the_scenario_from_name_then_default_then_source() -> None:
    assert load_text("name: given\nrules: []\n", default_name="stem").name == "given"
    assert load_text("rules: []\n", default_name="stem").name == "stem"
    assert load_text("rules: []\n").name == "<string>"
    assert load_text("rules: []\n", source="<PUT body>").name == "<PUT body>"


def test_load_text_reads_json_too() -> None:
    scenario = load_text('{"name": "j", "rules": [{"reply": {"content": "hi"}}]}')
    assert scenario.rules[0].replies[0].content == "hi"


def test_load_text_reports_lines_inside_flow_mappings_and_json() -> None:
    text = (
        '{\n  "rules": [\n    {"reply": {"content": "hi",\n               "contnet": 1}}\n  ]\n}\n'
    )
    with pytest.raises(ScenarioError) as caught:
        load_text(text, source="body.json")
    assert [str(issue) for issue in caught.value.issues] == [
        "body.json:4: rules[0].reply: unknown key 'contnet' (did you mean 'content'?)"
    ]


def test_load_text_reports_keys_that_are_not_strings() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_text("rules:\n  - match:\n      header: {1: x}\n    reply: {}\n")
    assert [str(issue) for issue in caught.value.issues] == [
        "<string>:3: rules[0].match.header: keys must be strings, got 1"
    ]


def test_load_text_explains_yaml_booleans_used_as_keys() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_text("rules:\n  - reply:\n      on: 1\n")
    assert [str(issue) for issue in caught.value.issues] == [
        "<string>:3: rules[0].reply: keys must be strings, got true"
        " (YAML reads yes/no/on/off as true/false: quote it)"
    ]


def test_load_text_reports_control_characters_with_their_line() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_text('rules:\n  - reply: {content: "a\x07b"}\n')
    assert [str(issue) for issue in caught.value.issues] == [
        "<string>:2: invalid YAML: unacceptable character #x0007"
        " (special characters are not allowed)"
    ]


def test_a_self_referencing_alias_is_an_issue_not_a_crash() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_text("rules: &r [*r]\n")
    assert [str(issue) for issue in caught.value.issues] == [
        "<string>:1: rules[0]: this value contains itself (an alias inside its own anchor):"
        " write it out",
        "<string>:1: rules[0]: expected a mapping, got a list",
    ]


def test_deep_nesting_is_an_issue_not_a_crash() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_text("[" * 5000)
    assert [str(issue) for issue in caught.value.issues] == [
        "<string>: invalid YAML: nested too deeply"
    ]


def test_an_error_inside_a_reused_anchor_points_at_the_anchor() -> None:
    text = "rules:\n  - reply: &r {content: a, contnet: b}\n  - reply: *r\n"
    with pytest.raises(ScenarioError) as caught:
        load_text(text)
    assert [(issue.line, issue.location) for issue in caught.value.issues] == [
        (2, "rules[0].reply"),
        (3, "rules[1].reply"),
    ]


# --- checks ------------------------------------------------------------------------


def no_rule_named_bad(scenario: LoadedScenario) -> list[Issue]:
    return [
        Issue(scenario.source, rule.line, f"rules[{rule.index}].name", "bad is a bad name")
        for rule in scenario.rules
        if rule.name == "bad"
    ]


def test_checks_run_after_a_successful_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "CHECKS", [no_rule_named_bad])
    assert load_text("rules: [{name: good, reply: {}}]\n").rules[0].name == "good"
    with pytest.raises(ScenarioError) as caught:
        load_text("rules:\n  - reply: {}\n  - name: bad\n    reply: {}\n")
    assert [str(issue) for issue in caught.value.issues] == [
        "<string>:3: rules[1].name: bad is a bad name"
    ]


def test_checks_run_on_added_rules_and_mappings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "CHECKS", [no_rule_named_bad])
    with pytest.raises(ScenarioError):
        load_rule({"name": "bad", "reply": {}})
    with pytest.raises(ScenarioError):
        load_mapping({"rules": [{"name": "bad", "reply": {}}]})


def test_checks_do_not_run_on_invalid_scenarios(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[LoadedScenario] = []

    def record(scenario: LoadedScenario) -> list[Issue]:
        seen.append(scenario)
        return []

    monkeypatch.setattr(loader, "CHECKS", [record])
    with pytest.raises(ScenarioError):
        load_text("rules: [{name: x}]\n")
    assert seen == []


# --- load_mapping and load_rule ----------------------------------------------------


def test_load_mapping_validates_and_names_after_the_source() -> None:
    scenario = load_mapping({"rules": [{"reply": {"content": "hi"}}]})
    assert (scenario.name, scenario.source) == ("<mapping>", "<mapping>")
    assert scenario.rules[0].line is None
    assert load_mapping({"name": "m", "rules": []}).name == "m"


def test_load_mapping_errors_have_locations_but_no_lines() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_mapping({"rules": [{"reply": {"contnet": "x"}}]}, source="<PUT body>")
    assert [str(issue) for issue in caught.value.issues] == [
        "<PUT body>: rules[0].reply: unknown key 'contnet' (did you mean 'content'?)"
    ]


def test_load_mapping_refuses_what_is_not_a_mapping() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_mapping(["rules"])  # type: ignore[arg-type]
    assert [str(issue) for issue in caught.value.issues] == [
        "<mapping>: a scenario must be a mapping (name, rules, ...), got a list"
    ]


def test_load_rule_names_unnamed_rules_by_index() -> None:
    rule = load_rule({"match": {"model": "gpt-4o"}, "reply": {"content": "x"}}, index=3)
    assert (rule.name, rule.index, rule.line, rule.sequence) == ("rules[3]", 3, None, False)
    assert rule.match.model == "gpt-4o"
    assert load_rule({"name": "mine", "replies": [{}, {}], "then": "error"}).then == "error"


def test_load_rule_errors_are_relative_to_the_rule() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_rule({"match": {"endpont": "chat"}, "reply": {}})
    assert [str(issue) for issue in caught.value.issues] == [
        "<rule>: match: unknown key 'endpont' (did you mean 'endpoint'?)"
    ]
    with pytest.raises(ScenarioError) as caught:
        load_rule("reply: hi")  # type: ignore[arg-type]
    assert [str(issue) for issue in caught.value.issues] == [
        "<rule>: a rule must be a mapping (match, reply, ...), got 'reply: hi'"
    ]


# --- merge_reply -------------------------------------------------------------------


def test_merge_reply_without_defaults_is_the_reply() -> None:
    reply = Reply(content="x")
    assert merge_reply(None, reply) is reply


def test_merge_reply_keys_set_in_the_reply_win() -> None:
    defaults = Reply(content="default", model="m", chunking="char")
    merged = merge_reply(defaults, Reply(content="mine", chunking=ChunkChars(chars=3)))
    assert (merged.content, merged.model, merged.chunking) == ("mine", "m", ChunkChars(chars=3))


def test_merge_reply_an_explicit_null_unsets_a_default() -> None:
    defaults = Reply(latency=Latency(ttft_ms=100))
    assert merge_reply(defaults, Reply(latency=None)).latency is None


def test_merge_reply_merges_settings_key_by_key() -> None:
    defaults = Reply.model_validate(
        {
            "latency": {"ttft_ms": 300, "jitter_ms": 5},
            "headers": {"a": "1", "b": "2"},
            "ratelimit": {"limit_requests": 10},
            "usage": {"prompt_tokens": 3},
        }
    )
    reply = Reply.model_validate(
        {
            "latency": {"ttft_ms": 1},
            "headers": {"b": "3"},
            "ratelimit": {"remaining_requests": 0},
            "usage": {"completion_tokens": 4},
        }
    )
    merged = merge_reply(defaults, reply)
    assert merged.latency == Latency(ttft_ms=1, jitter_ms=5)
    assert merged.headers == {"a": "1", "b": "3"}
    assert merged.ratelimit is not None
    assert (merged.ratelimit.limit_requests, merged.ratelimit.remaining_requests) == (10, 0)
    assert merged.usage is not None
    assert (merged.usage.prompt_tokens, merged.usage.completion_tokens) == (3, 4)


def test_merge_reply_a_chosen_pace_or_fault_replaces_the_defaults_choice() -> None:
    defaults = Reply(latency=Latency(chunk_ms=20), fault=Fault(stall_after=2, stall_ms=50))
    reply = Reply(latency=Latency(tokens_per_second=10), fault=Fault(disconnect_after=1))
    merged = merge_reply(defaults, reply)
    assert merged.latency == Latency(tokens_per_second=10)
    assert merged.fault == Fault(disconnect_after=1, stall_ms=50)


def test_merge_reply_an_error_replaces_the_default_error_whole() -> None:
    defaults = Reply(error=ErrorSpec(status=500, message="down", code="server_error"))
    assert merge_reply(defaults, Reply(error=ErrorSpec(status=429))).error == ErrorSpec(status=429)


def test_a_reply_the_merge_makes_invalid_is_an_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    def clashing_merge(defaults: Reply | None, reply: Reply) -> Reply:
        both = {"latency": {"chunk_ms": 1, "tokens_per_second": 2}}
        return Reply.model_validate(both)

    monkeypatch.setattr(loader, "merge_reply", clashing_merge)
    with pytest.raises(ScenarioError) as caught:
        load_text("rules:\n  - reply: {}\n  - replies:\n      - {}\n")
    assert [str(issue) for issue in caught.value.issues] == [
        "<string>:2: rules[0].reply: with the defaults merged,"
        " latency: give chunk_ms or tokens_per_second, not both",
        "<string>:4: rules[1].replies[0]: with the defaults merged,"
        " latency: give chunk_ms or tokens_per_second, not both",
    ]


# --- load_paths --------------------------------------------------------------------


def test_a_directory_loads_yaml_files_sorted_by_name(tmp_path: Path) -> None:
    write(tmp_path, "b.yml", "rules: []\n")
    write(tmp_path, "a.yaml", "name: first\nrules: []\n")
    write(tmp_path, "c.yaml", "rules: []\n")
    write(tmp_path, "notes.txt", "not yaml")
    write(tmp_path, ".#c.yaml", "an editor's lock file")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "d.yaml", "rules: []\n")
    scenarios = load_paths([tmp_path])
    assert [scenario.name for scenario in scenarios] == ["first", "b", "c"]
    assert [scenario.source for scenario in scenarios] == [
        str(tmp_path / name) for name in ("a.yaml", "b.yml", "c.yaml")
    ]


def test_several_paths_load_in_the_order_given(tmp_path: Path) -> None:
    z = write(tmp_path, "z.yaml", "rules: []\n")
    a = write(tmp_path, "a.yaml", "rules: []\n")
    (tmp_path / "dir").mkdir()
    write(tmp_path / "dir", "m.yaml", "rules: []\n")
    names = [scenario.name for scenario in load_paths([z, str(tmp_path / "dir"), a])]
    assert names == ["z", "m", "a"]


def test_a_file_is_named_after_its_stem_and_keeps_the_path_as_given(tmp_path: Path) -> None:
    path = write(tmp_path, "weather.yaml", "rules: []\n")
    (scenario,) = load_paths([str(path)])
    assert (scenario.name, scenario.source) == ("weather", str(path))


def test_no_paths_load_nothing() -> None:
    assert load_paths([]) == []


def test_duplicate_scenario_names_are_issues(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", "name: same\nrules: []\n")
    second = write(tmp_path, "b.yaml", "# a comment\nname: same\nrules: []\n")
    (tmp_path / "other").mkdir()
    stem = write(tmp_path / "other", "a.yaml", "rules: []\n")
    named_a = write(tmp_path, "c.yaml", "name: a\nrules: []\n")
    assert [str(issue) for issue in issues_of([first, second, stem, named_a])] == [
        f"{second}:2: name: scenario name 'same' is already used by {first}",
        f"{named_a}:1: name: scenario name 'a' is already used by {stem}",
    ]
    assert [str(issue) for issue in issues_of([named_a, stem])] == [
        f"{stem}: scenario name 'a' (from the file name) is already used by {named_a};"
        " give one of them a `name:`"
    ]


def test_missing_paths_and_empty_directories_are_issues(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty", "readme.md", "no scenarios here")
    missing = str(tmp_path / "nope.yaml")
    assert [str(issue) for issue in issues_of([missing, tmp_path / "empty"])] == [
        f"{missing}: no such file or directory",
        f"{tmp_path / 'empty'}: no *.yaml or *.yml files in this directory",
    ]


def test_issues_are_collected_across_all_files_before_raising(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", "rules: []\n")
    bad = write(tmp_path, "bad.yaml", "rules: [{reply: {contnet: x}}]\n")
    missing = tmp_path / "missing.yaml"
    issues = issues_of([bad, good, missing])
    assert [issue.file for issue in issues] == [str(bad), str(missing)]


def test_a_file_that_is_not_utf8_is_an_issue(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"rules:\n  - reply: {content: caf\xe9}\n")
    assert [str(issue) for issue in issues_of([path])] == [f"{path}:2: not UTF-8 text (byte 0xe9)"]


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: bom\nrules: []\n")
    assert load_paths([path])[0].name == "bom"


def test_loading_a_hundred_small_files_is_fast(tmp_path: Path) -> None:
    for number in range(100):
        write(tmp_path, f"s{number:03}.yaml", WEATHER.replace("name: weather", f"name: s{number}"))

    def timed() -> float:
        start = time.perf_counter()
        assert len(load_paths([tmp_path])) == 100
        return time.perf_counter() - start

    # The best of three: a busy machine can stall any single run.
    assert min(timed() for _ in range(3)) < 1.0


# --- positions ---------------------------------------------------------------------


def test_parse_records_the_line_of_every_key_and_item() -> None:
    parsed = parse("a:\n  b: [1,\n    2]\n  c:\n    - x: 1\n")
    assert parsed.data == {"a": {"b": [1, 2], "c": [{"x": 1}]}}
    assert parsed.lines == {
        (): 1,
        ("a",): 1,
        ("a", "b"): 2,
        ("a", "b", 0): 2,
        ("a", "b", 1): 3,
        ("a", "c"): 4,
        ("a", "c", 0): 5,
        ("a", "c", 0, "x"): 5,
    }
    assert parsed.duplicates == []


def test_parse_reports_duplicates_but_not_overridden_merge_keys() -> None:
    parsed = parse("base: &b {x: 1}\nuse:\n  <<: *b\n  x: 2\n  y: 1\n  y: 3\n")
    assert parsed.data["use"] == {"x": 2, "y": 3}
    assert [(dup.path, dup.key, dup.line, dup.first_line) for dup in parsed.duplicates] == [
        (("use",), "y", 6, 5)
    ]


def test_header_values_written_as_numbers_mean_their_text() -> None:
    scenario = load_text(
        "rules:\n  - match: {header: {x-retry: 3}}\n    reply: {headers: {x-a: 1.5}}\n"
    )
    rule = scenario.rules[0]
    assert rule.match.header == {"x-retry": "3"}
    assert rule.replies[0].headers == {"x-a": "1.5"}


def test_top_level_x_keys_hold_anchors() -> None:
    text = "x-hello: &hello {content: hi}\nrules:\n  - reply: *hello\n"
    assert load_text(text).rules[0].replies[0].content == "hi"


def test_a_value_inside_itself_is_refused_wherever_it_is() -> None:
    """Not only tool arguments: under match.json it loaded, and the control API's
    summary of the scenarios was a 500 from then on."""
    with pytest.raises(ScenarioError) as caught:
        load_text("rules: [{match: {json: &c {a: *c}}, reply: {}}]\n")
    assert [str(issue) for issue in caught.value.issues] == [
        "<string>:1: rules[0].match.json.a: this value contains itself (an alias inside its"
        " own anchor): write it out"
    ]
    looped: dict[str, Any] = {"a": 1}
    looped["self"] = looped
    with pytest.raises(ScenarioError, match="contains itself"):
        load_rule({"match": {"json": looped}, "reply": {}})
    shared = {"a": 1}  # used twice, inside nothing of its own: fine
    rules = [{"match": {"json": shared}, "reply": {}} for _ in range(2)]
    load_mapping({"rules": rules})


def test_a_lone_surrogate_from_python_is_refused_too() -> None:
    """Not only YAML: a dict from Python (FakeOpenAI(...), fake.add) may hold one."""
    with pytest.raises(ScenarioError) as caught:
        load_mapping({"rules": [{"reply": {"content": "a\ud800"}}]})
    assert [str(issue) for issue in caught.value.issues] == [
        "<mapping>: rules[0].reply.content: 'a\\ud800' holds a lone surrogate ('\\ud800', half"
        " of a UTF-16 pair), which UTF-8 cannot carry: remove it"
    ]
    with pytest.raises(ScenarioError, match="lone surrogate"):
        load_rule({"name": "x\udc00", "reply": {}})
