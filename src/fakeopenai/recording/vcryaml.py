"""Reading VCR cassettes safely. vcrpy dumps with PyYAML's full ``Dumper``, so a cassette
may hold ``!!python/…`` tags (``python/unicode`` from old cassettes, ``python/tuple``,
aiohttp's ``yarl.URL`` as ``python/object/new``). A ``SafeLoader`` that builds plain
values for them: nothing is ever imported or instantiated (never ``full_load``)."""

from __future__ import annotations

import base64
from typing import Any

import yaml


class CassetteLoader(yaml.SafeLoader):
    """SafeLoader plus plain-data constructors for the python tags vcrpy writes."""


def _plain(loader: CassetteLoader, node: yaml.Node) -> Any:
    """The node's content as plain data, whatever its tag."""
    if isinstance(node, yaml.MappingNode):
        return {_plain(loader, key): _plain(loader, value) for key, value in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_plain(loader, item) for item in node.value]
    if isinstance(node, yaml.ScalarNode):
        if node.tag.startswith("tag:yaml.org,2002:python/"):
            return node.value
        return loader.construct_object(node, deep=True)
    return None


def _python(loader: CassetteLoader, suffix: str, node: yaml.Node) -> Any:
    """``!!python/<suffix>``: text, bytes, numbers and tuples as themselves; an object
    (``object/new:yarl.URL``, ``object/apply:…``) as the plain data it was dumped with —
    a single argument (a URL's text) as that value."""
    if suffix in ("unicode", "str") and isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if suffix == "bytes" and isinstance(node, yaml.ScalarNode):
        return base64.b64decode(node.value)
    if suffix in ("int", "long") and isinstance(node, yaml.ScalarNode):
        return int(node.value)
    if suffix == "float" and isinstance(node, yaml.ScalarNode):
        return float(node.value)
    if suffix == "bool" and isinstance(node, yaml.ScalarNode):
        return node.value.lower() in ("true", "yes", "on", "1")
    if suffix == "none":
        return None
    value = _plain(loader, node)
    if isinstance(value, list) and suffix.startswith("object/"):  # the arguments
        return value[0] if len(value) == 1 else value
    if isinstance(value, dict) and set(value) <= {"args", "kwds", "state", "listitems"}:
        args = value.get("args") or []
        if len(args) == 1:
            return args[0]
        return args or value.get("state")
    return value


CassetteLoader.add_multi_constructor("tag:yaml.org,2002:python/", _python)


def load(text: str) -> Any:
    """A cassette's YAML as plain data."""
    return yaml.load(text, Loader=CassetteLoader)
