"""YAML for files an admin writes: PyYAML's safe loader with limits, and timestamps left as text.

Limits, because a config file is read at every start and must never hang it: a file over
`MAX_BYTES` is refused before it is parsed, and aliases may add at most `MAX_ALIAS_VALUES`
values to the document once expanded (PyYAML shares aliased nodes, so loading a "billion
laughs" file is cheap; walking or validating it is not). Anchors and merge keys (`<<: *base`)
within that budget are fine. Recursive aliases and absurd nesting are refused.

Timestamps (`2026-12-25`) stay strings: the schema parses dates where it wants them, so an
impossible date is a validation error on its key instead of a crash inside the loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1_000_000
MAX_ALIAS_VALUES = 10_000


class YamlRefused(ValueError):
    """The text cannot be used; `line` (1-based) is where, when known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


class _Loader(yaml.SafeLoader):
    """The safe loader, except that timestamps are constructed as plain strings."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


def read_text(path: Path) -> str:
    """The file's text, refused unread past `MAX_BYTES` (an endless or huge file cannot hang us)."""
    with Path(path).open("rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise YamlRefused(
            f"the file is larger than {MAX_BYTES // 1_000_000} MB; a config file is a few "
            "kilobytes: check that this is the right file"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlRefused(f"is not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc


def compose(text: str) -> yaml.Node | None:
    """The document's node graph (None for an empty file), checked against the limits."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise YamlRefused(f"the text is larger than {MAX_BYTES // 1_000_000} MB")
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _refusal(exc) from exc
    except RecursionError as exc:
        raise YamlRefused("values are nested too deeply; a config file is a few levels") from exc
    finally:
        loader.dispose()
    if root is not None:
        _check_expansion(root)
    return root


def construct(root: yaml.Node | None) -> Any:
    """The Python value of a node graph from `compose` (dicts, lists, str, int, float, bool)."""
    if root is None:
        return None
    loader = _Loader("")
    try:
        return loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise _refusal(exc) from exc
    finally:
        loader.dispose()


def _refusal(exc: yaml.YAMLError) -> YamlRefused:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return YamlRefused(f"not valid YAML ({problem})", mark.line + 1 if mark else None)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Refuse recursive aliases, and aliases that expand to more than `MAX_ALIAS_VALUES` extra
    values. Sizes are memoised per node, so this is linear in the file, whatever it expands to."""
    size: dict[int, int] = {}
    repeats: dict[int, tuple[yaml.Node, int]] = {}
    open_nodes: set[int] = set()

    def expanded(node: yaml.Node) -> int:
        key = id(node)
        if key in size:
            repeats[key] = (node, repeats.get(key, (node, 0))[1] + 1)
            return size[key]
        if key in open_nodes:
            raise YamlRefused(
                "an alias refers to a value that contains it; aliases cannot be recursive",
                node.start_mark.line + 1,
            )
        open_nodes.add(key)
        size[key] = 1 + sum(expanded(child) for child in _children(node))
        open_nodes.discard(key)
        return size[key]

    try:
        extra = expanded(root) - len(size)
    except RecursionError as exc:
        raise YamlRefused("values are nested too deeply; a config file is a few levels") from exc
    if extra > MAX_ALIAS_VALUES:
        # Name the anchor whose repetition costs the most: that is the line to rewrite.
        worst, _ = max(repeats.values(), key=lambda pair: size[id(pair[0])] * pair[1])
        raise YamlRefused(
            f"aliases expand this file by {extra:,} values (at most {MAX_ALIAS_VALUES:,}); "
            "write the values out or repeat the anchor less",
            worst.start_mark.line + 1,
        )
