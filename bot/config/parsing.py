"""Reading the YAML file: parsed with limits, each key's line remembered, and every validation
error or malformed Slack ID explained as `FILE, line N: dotted.path: problem`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from bot.config import safe_yaml
from bot.config.schema import ConfigError, ConfigFile

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Parsed:
    spec: ConfigFile
    lines: dict[KeyPath, int]
    source: str

    def at(self, path: KeyPath) -> str:
        while path and path not in self.lines:
            path = path[:-1]
        line = self.lines.get(path)
        return f"{self.source}, line {line}" if line else self.source


def parse_file(text: str, source: str) -> Parsed:
    try:
        root = safe_yaml.compose(text)
        lines: dict[KeyPath, int] = {}
        problems: list[str] = []
        if root is not None:
            _index(root, (), lines, problems, source)
        if problems:
            raise ConfigError(problems)
        data = safe_yaml.construct(root)
    except safe_yaml.YamlRefused as exc:
        where = f"{source}, line {exc.line}" if exc.line else source
        raise ConfigError([f"{where}: {exc.problem}"]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{source}: the file must be a mapping of keys like `bands:`"])
    parsed = Parsed(ConfigFile.model_construct(), lines, source)
    try:
        spec = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_explain(parsed, error) for error in exc.errors()]) from exc
    parsed = Parsed(spec, lines, source)
    problems = _id_problems(parsed)
    if problems:
        raise ConfigError(problems)
    return parsed


def _index(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    problems: list[str],
    source: str,
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*path, key)
            if key in seen:
                problems.append(
                    f"{source}, line {key_node.start_mark.line + 1}: "
                    f"`{'.'.join(map(str, child))}` is given twice; keep one"
                )
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _index(value_node, child, lines, problems, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _index(item, (*path, i), lines, problems, source)


# What right looks like, for pydantic's error types that would otherwise say it in its words.
_EXPECTED = {
    "int_type": "must be a whole number, like 14",
    "int_from_float": "must be a whole number, like 14",
    "float_type": "must be a number, like 1.5",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list, like [a, b]",
    "dict_type": "must be a mapping of keys, like {key: value}",
    "model_type": "must be a mapping of keys, like {key: value}",
    "date_type": "must be a real date, written YYYY-MM-DD",
    "date_parsing": "must be a real date, written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a real date, written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date without a time, written YYYY-MM-DD",
}


def _explain(parsed: Parsed, error: Any) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
    dotted = ".".join(str(p) for p in loc) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        message = f"unknown key `{loc[-1]}`; see scoring/defaults.yml for the keys"
    elif kind == "missing":
        message = "is missing and required here"
    else:
        said = _EXPECTED.get(kind) or error["msg"].removeprefix("Value error, ")
        shown = repr(error.get("input"))
        message = f"{said} (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return f"{parsed.at(loc)}: {dotted}: {message}"


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_ID_HINTS = {
    _USER_ID: (
        "is not a Slack member ID; use the member ID, e.g. U0123ABCD: "
        "in Slack, open the profile → ⋯ → Copy member ID"
    ),
    _GROUP_ID: (
        "is not a Slack user group ID; use the group's ID, e.g. S0123ABCD "
        "(Slack's usergroups.list gives each group's id)"
    ),
    _CHANNEL_ID: (
        "is not a Slack channel ID; use the channel ID, e.g. C0123ABCD: in Slack, open the "
        "channel's details; the ID is at the bottom of About"
    ),
}


def _id_problems(parsed: Parsed) -> list[str]:
    """Every configured Slack ID checked for its shape (`@morgan` and `#general` are names,
    which change and collide; Slack's API wants IDs)."""
    spec = parsed.spec
    wanted: list[tuple[KeyPath, str | None, re.Pattern[str]]] = []
    if spec.rescue:
        wanted.append((("rescue", "channel"), spec.rescue.channel, _CHANNEL_ID))
    if spec.escalation:
        wanted.append((("escalation", "channel"), spec.escalation.channel, _CHANNEL_ID))
        wanted += [
            (("escalation", "approvers", i), user, _USER_ID)
            for i, user in enumerate(spec.escalation.approvers)
        ]
        wanted.append((("escalation", "approver_group"), spec.escalation.approver_group, _GROUP_ID))
    if spec.roles:
        for name in ("admins", "csms"):
            wanted += [
                (("roles", name, i), user, _USER_ID)
                for i, user in enumerate(getattr(spec.roles, name))
            ]
        wanted.append((("roles", "admin_group"), spec.roles.admin_group, _GROUP_ID))
        wanted.append((("roles", "csm_group"), spec.roles.csm_group, _GROUP_ID))
    for i, digest in enumerate(spec.digests or ()):
        wanted.append((("digests", i, "channel"), digest.channel, _CHANNEL_ID))
        wanted.append((("digests", i, "scope", "csm"), digest.scope.csm, _USER_ID))
    return [
        f"{parsed.at(path)}: {'.'.join(map(str, path))}: `{value}` {_ID_HINTS[shape]}"
        for path, value, shape in wanted
        if value is not None and not shape.match(value)
    ]
