"""Ids: the real API's shapes, never repeated (across batches, threads and forks)."""

from __future__ import annotations

import os
import re
import threading
import warnings

import pytest

from fakeopenai.wire import ids

SHAPES = [
    (ids.request_id, r"req_[0-9a-f]{32}"),
    (ids.chat_id, r"chatcmpl-[A-Za-z0-9]{29}"),
    (ids.completion_id, r"cmpl-[A-Za-z0-9]{24}"),
    (ids.call_id, r"call_[A-Za-z0-9]{24}"),
    (lambda: ids.item_id("resp_"), r"resp_[0-9a-f]{50}"),
]


@pytest.mark.parametrize(("make", "shape"), SHAPES)
def test_ids_have_the_api_shape_and_do_not_repeat(make: object, shape: str) -> None:
    made = [make() for _ in range(2000)]  # (several batches)
    assert all(re.fullmatch(shape, value) for value in made)
    assert len(set(made)) == len(made)


def test_threads_never_share_an_id() -> None:
    made: list[list[str]] = [[] for _ in range(4)]

    def work(out: list[str]) -> None:
        out.extend(ids.chat_id() for _ in range(3000))

    threads = [threading.Thread(target=work, args=(out,)) for out in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [value for out in made for value in out]
    assert len(set(every)) == len(every) == 12000


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_does_not_repeat_its_parent() -> None:
    ids.chat_id()  # a batch under way in the parent
    read, write = os.pipe()
    with warnings.catch_warnings():  # (3.12+ warns about forking with threads running)
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        os.write(write, " ".join(ids.chat_id() for _ in range(5)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = set(os.read(read, 4096).decode().split())
    os.close(read)
    parent = {ids.chat_id() for _ in range(5)}
    assert len(child) == 5 and not child & parent
