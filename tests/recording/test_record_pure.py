"""The pure parts of recording: SSE splitting, YAML for people, exchange → rule."""

from __future__ import annotations

import pytest
import yaml

from fakeopenai.loader import load_text
from fakeopenai.recording.convert import convert
from fakeopenai.recording.exchange import Exchange, SseSplitter
from fakeopenai.recording.recfile import RecordingFile
from fakeopenai.recording.yamlout import dump

TEXTS = [
    "plain",
    "a long single line of text " * 8,
    "two\nlines\n",
    "no final newline\nhere",
    "  leading spaces\n\n\ttabs and trailing  \n",
    "yes",
    "2024-01-01",
    "- a dash",
    "ünïcödé ✓ " * 12,
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_text_survives_the_writer_exactly(text):
    assert yaml.safe_load(dump({"content": text})) == {"content": text}


def test_long_and_multi_line_text_is_written_as_block_scalars():
    written = dump({"a": "one\ntwo\n", "b": "word " * 30 + "end"})
    assert "a: |\n  one\n  two\n" in written
    assert "b: >-\n" in written


def test_sse_frames_split_across_chunks_and_line_endings():
    splitter = SseSplitter()
    frames = splitter.feed(b'data: {"a"', 1.0)
    frames += splitter.feed(b": 1}\n\nevent: x\r\ndata: two\r\n\r\n: keep-alive\n\n", 2.0)
    frames += splitter.feed(b"data: [DONE]", 3.0) + splitter.close(4.0)
    assert [(f.data, f.event, f.at_ms) for f in frames] == [
        ('{"a": 1}', None, 2.0),
        ("two", "x", 2.0),
        ("[DONE]", None, 4.0),
    ]


def chat(text: str, status: int = 200, body: object = None) -> Exchange:
    request = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    answer = body or {
        "model": "gpt-4o",
        "choices": [{"message": {"content": "{{ not a template }}"}, "finish_reason": "stop"}],
    }
    return Exchange("POST", "chat/completions", request, status, {}, body=answer)


def test_recorded_text_is_never_rendered_as_a_template(tmp_path):
    recording = RecordingFile(tmp_path / "r.yaml")
    recording.add(convert(chat("Hello, World!  How are you?")))
    (scenario,) = [load_text(recording.text(), "r.yaml")]
    reply = scenario.rules[0].replies[0]
    assert reply.content == "{% raw %}{{ not a template }}{% endraw %}"
    assert scenario.rules[0].name == "hello-world-how-are-you"


@pytest.mark.parametrize(
    "text", ["{{ x }}", "{% if %}", "{# c #}", "a {% endraw %} b {{ y }}", "{%- endraw -%}{{"]
)
def test_recorded_template_markers_render_to_themselves(text):
    from fakeopenai.generate.templates import render
    from fakeopenai.recording.convert import literal

    assert render(literal(text), {}) == text


def test_an_empty_answer_is_recorded_as_empty_text():
    empty = {"model": "gpt-4o", "choices": [{"message": {"content": ""}}]}
    assert convert(chat("hi", body=empty)).reply == {"content": ""}


def test_names_stay_unique_and_an_unreadable_answer_is_skipped(tmp_path):
    recording = RecordingFile(tmp_path / "r.yaml")
    recording.add(convert(chat("hi")))
    second = {**chat("hi").request, "temperature": 0}  # type: ignore[dict-item]
    other = Exchange("POST", "chat/completions", second, 200, {}, body={"choices": []})
    other.request["messages"].append({"role": "assistant", "content": "x"})  # type: ignore[index]
    assert recording.add(convert(other)) == "hi-after-assistant"
    skipped = convert(Exchange("POST", "chat/completions", {"model": "m"}, 200, {}, body="x"))
    assert skipped.key is None and "not the API's shape" in (skipped.note or "")


def test_the_pieced_file_is_what_dumping_the_whole_document_gives(tmp_path):
    recording = RecordingFile(tmp_path / "r.yaml", instant=False)
    for text in ("first", "two\nlines\n", "first", "a long line " * 12, "first"):
        recording.add(convert(chat(text, body=_answer(text + "\n\n  indented\n"))))
    recording.add(convert(chat("x", status=429, body={"error": {"message": "slow down"}})))
    text = recording.text()
    # the same document (the lines may wrap at other columns: the width counts indents)
    assert yaml.safe_load(text) == yaml.safe_load(dump(recording.document()))
    assert len(load_text(text).rules) == 4


def _answer(text: str) -> dict[str, object]:
    return {"model": "gpt-4o", "choices": [{"message": {"content": text}}]}


def test_a_given_key_replaces_the_clients_in_the_header_it_used():
    from fakeopenai.recording.upstream import request_headers

    openai_style = request_headers({"Authorization": "Bearer sk-test", "Host": "x"}, "sk-real")
    assert openai_style == {"authorization": "Bearer sk-real", "accept-encoding": "identity"}
    azure = request_headers({"api-key": "fake", "content-length": "2"}, "azure-real")
    assert azure == {"api-key": "azure-real", "accept-encoding": "identity"}
    assert request_headers({"Authorization": "Bearer mine"}, None)["Authorization"] == "Bearer mine"
