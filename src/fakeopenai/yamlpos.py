"""Safe YAML with positions: the data, the line of every key and item, duplicate keys.

PyYAML's constructed data forgets where things came from, so this module composes the
node tree once, constructs the data from it with yaml's safe constructor and walks the
same tree to record a map from *path* to 1-based line. A path is a tuple of mapping keys
(as ``str``) and list indices (``int``): ``("rules", 2, "reply")``. The loader uses the
map to put a line on every validation error. Duplicate keys, which PyYAML silently
collapses to the last one, are reported rather than lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from fakeopenai.budgets.limits import MAX_ALIAS_EXPANSION

Path = tuple[str | int, ...]
if TYPE_CHECKING:  # CSafeLoader exists only where PyYAML was built with libyaml
    _Loader = yaml.SafeLoader | yaml.CSafeLoader

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
# libyaml's parser under the same safe constructor: composing is most of a load's time,
# and the C parser does it about ten times faster. Absent without libyaml.
_FAST: type[yaml.CSafeLoader] | None = getattr(yaml, "CSafeLoader", None)


@dataclass(frozen=True)
class Duplicate:
    """A key given twice in one mapping: YAML keeps only the last value."""

    path: Path  # the mapping that holds the key
    key: str
    line: int
    first_line: int


@dataclass(frozen=True)
class Parsed:
    """One YAML document: ``data`` is None for an empty document."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)


class YamlProblem(Exception):
    """The text is not valid YAML (or uses a tag safe loading refuses)."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _TooDeep(YamlProblem):
    """Nesting deeper than the parser (or the walk over its nodes) can follow."""


def parse(text: str) -> Parsed:
    """Parse one YAML document safely, with the line of every path and duplicate keys.

    Raises ``YamlProblem`` with the line and yaml's own description of the problem.
    """
    if _FAST is not None:
        try:
            return _parse(_FAST, text)
        except _TooDeep:
            raise  # the pure-Python parser would take seconds to say the same
        except YamlProblem:
            pass  # say what the pure-Python parser says: its wording is the one users see
    return _parse(yaml.SafeLoader, text)


def _parse(loader_class: type[_Loader], text: str) -> Parsed:
    try:
        loader = loader_class(text)  # the pure-Python reader checks characters here
        try:
            node = loader.get_single_node()
            if node is None:
                return Parsed(None)
            _check_expansion(node, text)
            try:
                # Before construction: constructing flattens `<<` merges into the node's
                # pairs, and a merged key overridden on purpose is not a duplicate.
                duplicates = list(_duplicates(loader, node, (), set()))
                data = loader.construct_document(node)
            except _UNBUILDABLE as exc:  # a scalar its tag cannot build: 2020-13-45
                raise _unbuildable(loader, node, exc) from None
            lines: dict[Path, int] = {(): node.start_mark.line + 1}
            _record(loader, node, (), lines, set())
        finally:
            loader.dispose()
    except RecursionError:
        raise _TooDeep(None, "invalid YAML: nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit
            raise _TooDeep(None, "invalid YAML: nested too deeply") from None
        raise _problem(exc) from None
    except yaml.reader.ReaderError as exc:  # a control character: no mark, a position
        line = text[: exc.position].count("\n") + 1
        what = f"character #x{exc.character:04x}" if isinstance(exc.character, int) else "text"
        raise YamlProblem(line, f"invalid YAML: unacceptable {what} ({exc.reason})") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(None, f"invalid YAML: {str(exc).splitlines()[0]}") from None
    return Parsed(data, lines, duplicates)


def _check_expansion(root: yaml.Node, text: str) -> None:
    """Refuse a document whose aliases stand for more than ``MAX_ALIAS_EXPANSION`` values
    beyond the ones it writes out (a "billion laughs"), naming the biggest alias."""
    sizes: dict[int, int] = {}
    uses: dict[int, int] = {}
    nodes: dict[int, yaml.Node] = {}

    def size(node: yaml.Node) -> int:
        key = id(node)
        uses[key] = uses.get(key, 0) + 1
        if key in sizes:
            return sizes[key]
        nodes[key] = node
        sizes[key] = 1  # (a node inside itself counts once: PyYAML builds that as a cycle)
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        sizes[key] = min(total, 1 << 62)
        return sizes[key]

    expanded = size(root)
    if expanded <= len(sizes) + MAX_ALIAS_EXPANSION:
        return
    shared = [key for key, count in uses.items() if count > 1]
    worst = nodes[max(shared, key=lambda key: sizes[key])] if shared else root
    line = worst.start_mark.line
    found = _ANCHOR.search(text.splitlines()[line] if line < text.count("\n") + 1 else "")
    name = f"*{found[1]}" if found else "an alias"
    raise YamlProblem(
        line + 1,
        f"{name} (anchored here) makes the document stand for {expanded:,} values once "
        f"aliases are expanded (at most {MAX_ALIAS_EXPANSION:,} beyond the ones written out):"
        " an alias bomb? Write the values out, or alias fewer times",
    )


_ANCHOR = re.compile(r"&([^\s,\[\]{}]+)")


# What PyYAML's safe constructors raise, unwrapped, for a scalar that looks like its
# type and is not: a date with month 13, `0x_`, `!!float x`, `!!bool x`.
_UNBUILDABLE = (ValueError, KeyError, AttributeError, TypeError, OverflowError)


def _unbuildable(loader: _Loader, root: yaml.Node, exc: Exception) -> YamlProblem:
    """The first scalar under ``root`` whose tag cannot build it, as a problem."""
    loader.constructed_objects, loader.recursive_objects = {}, {}  # the failed build's
    todo, seen = [root], set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node)
            except _UNBUILDABLE as error:
                kind = node.tag.rsplit(":", 1)[-1]
                article = "an" if kind[:1] in "aeiou" else "a"
                return YamlProblem(
                    node.start_mark.line + 1,
                    f"invalid YAML: {node.value!r} reads as {article} {kind} but is not one"
                    f" ({error}): quote it to keep it text",
                )
        elif isinstance(node, yaml.MappingNode):
            todo += [part for pair in reversed(node.value) for part in reversed(pair)]
        elif isinstance(node, yaml.SequenceNode):
            todo += reversed(node.value)
    return YamlProblem(None, f"invalid YAML: a value could not be read ({exc})")


def _problem(exc: yaml.MarkedYAMLError) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    text = exc.problem or exc.context or "unreadable"
    if exc.problem and exc.context:
        if exc.context.startswith("while"):  # "while scanning a quoted scalar": where it began
            start = exc.context_mark
            text += f" ({exc.context}{f' from line {start.line + 1}' if start else ''})"
        else:  # "expected a single document in the stream, but found another document"
            text = f"{exc.context}, {exc.problem}"
    return YamlProblem(mark.line + 1 if mark is not None else None, f"invalid YAML: {text}")


def _key(loader: _Loader, node: yaml.Node) -> str:
    """A mapping key as the path segment the loader uses: ``str`` of the constructed key."""
    if node.tag == _STR_TAG:  # nearly every key: skip the constructor
        return str(node.value)
    return str(loader.construct_object(node, deep=True))


def _duplicates(
    loader: _Loader, node: yaml.Node, path: Path, seen: set[int]
) -> Iterator[Duplicate]:
    # `seen` visits each collection node once: aliases must not multiply the work.
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            line = key_node.start_mark.line + 1
            if isinstance(key_node, yaml.ScalarNode):
                ident = (key_node.tag, key_node.value)
                if ident in first:
                    yield Duplicate(path, _key(loader, key_node), line, first[ident])
                else:
                    first[ident] = line
                yield from _duplicates(loader, value_node, (*path, _key(loader, key_node)), seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicates(loader, item, (*path, index), seen)


def _record(
    loader: _Loader, node: yaml.Node, path: Path, lines: dict[Path, int], seen: set[int]
) -> None:
    # A key's line is where the key is written (more useful than where its value starts).
    # Aliased nodes are walked once; paths inside a second use resolve to the alias's key.
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            child = (*path, _key(loader, key_node))
            lines[child] = key_node.start_mark.line + 1
            _record(loader, value_node, child, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _record(loader, item, child, lines, seen)
