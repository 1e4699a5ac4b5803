"""YAML for people: block scalars for long or multi-line text, keys in the order given,
short lists of numbers on one line. Safe: only plain data is ever dumped."""

from __future__ import annotations

from typing import Any

import yaml

LONG = 80  # single-line text longer than this is folded (``>``) at the line width
WIDTH = 100


# libyaml's emitter when PyYAML has it: several times faster (the representers, which
# decide what is written, are the same Python code either way).
_Base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):  # type: ignore[valid-type,misc]
    """A safe dumper that never writes anchors (a file for reading, not for aliasing)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


class FlowList(list[Any]):
    """A list written on one line (``[0.1, 0.2]``): vectors, short name lists."""


class FlowMap(dict[str, Any]):
    """A small mapping written on one line (``{equals: hi}``)."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None
    if "\n" in value.rstrip("\n"):
        style = "|"
    elif len(value) > LONG and not value.startswith(" ") and "  " not in value:
        style = ">"  # folding keeps single spaces only: runs of spaces stay quoted
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _flow(dumper: yaml.SafeDumper, value: FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=True)


_Dumper.add_representer(str, _text)


def _flow_map(dumper: yaml.SafeDumper, value: FlowMap) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", dict(value), flow_style=True)


_Dumper.add_representer(FlowList, _flow)
_Dumper.add_representer(FlowMap, _flow_map)


def dump(document: Any) -> str:
    """``document`` as YAML text (PyYAML falls back to quoting whatever a block scalar
    cannot hold exactly, such as trailing spaces)."""
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=WIDTH,
        default_flow_style=False,
    )
