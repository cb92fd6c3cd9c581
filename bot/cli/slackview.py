"""Slack messages in the terminal: Block Kit rendered with rich the way Slack lays it out, so
`rescuebot demo` shows the standup and the digest exactly as they would be posted.

Mentions show as @name when the names are known (the demo's team), channels as #name, links
as their text; mrkdwn bold, italics and `code` keep their look.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

EMOJI = {":large_green_circle:": "🟢", ":large_yellow_circle:": "🟡", ":red_circle:": "🔴",
         ":tada:": "🎉", ":white_check_mark:": "✅", ":warning:": "⚠️", ":rotating_light:": "🚨",
         ":chart_with_downwards_trend:": "📉", ":chart_with_upwards_trend:": "📈"}  # fmt: skip


def slack_to_rich(mrkdwn: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn to rich markup, for showing a message in the terminal as Slack reads it:
    mentions as @name (from `names`, else the id), links as their text, bold, italics, code."""
    known = names or {}
    text = re.sub(r"<@([A-Z0-9]+)>", lambda m: "\x00@" + known.get(m[1], m[1]) + "\x00", mrkdwn)
    text = re.sub(r"<#([A-Z0-9]+)(?:\|([^>]*))?>", lambda m: f"#{m[2] or m[1]}", text)
    text = re.sub(r"<(?:https?|slack)://[^|>]*\|([^>]*)>", r"\1", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = escape(text)
    for code, emoji in EMOJI.items():
        text = text.replace(code, emoji)
    text = re.sub(r"\x00(@[^\x00]*)\x00", r"[cyan]\1[/cyan]", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?!\w)", r"[bold]\1[/bold]", text)
    text = re.sub(r"(?<![\w`])`([^`\n]+)`(?!\w)", r"[magenta]\1[/magenta]", text)
    return re.sub(r"(?<![\w_])_([^_\n]+)_(?!\w)", r"[italic]\1[/italic]", text)


def _text_of(element: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """A text object or element as rich markup: mrkdwn converted, plain text escaped."""
    if element.get("type") == "mrkdwn":
        return slack_to_rich(element.get("text", ""), names)
    if element.get("type") == "button":
        label = escape(element["text"]["text"])
        style = {"primary": "green", "danger": "red"}.get(element.get("style", ""), "blue")
        return f"[reverse {style}] {label} [/reverse {style}]"
    if element.get("type") == "image":
        return f"[dim]\\[image: {escape(element.get('alt_text', ''))}][/dim]"
    if "text" in element and isinstance(element["text"], str):
        return escape(element["text"])
    if "placeholder" in element:  # a select: its placeholder or chosen option
        chosen = element.get("initial_option", {}).get("text") or element["placeholder"]
        return f"[reverse] {escape(chosen['text'])} ▾ [/reverse]"
    return ""


def message_renderable(
    blocks: Sequence[Mapping[str, Any]], names: Mapping[str, str] | None = None
) -> Group:
    """A Block Kit message as the terminal can show it, block by block, as Slack lays it out:
    headers bold, sections with their button on the right, context lines dim, dividers."""
    known = names or {}
    parts: list[Any] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            parts.append(Text(block["text"]["text"], style="bold"))
        elif kind == "divider":
            parts.append(Rule(style="dim"))
        elif kind == "context":
            line = "  ".join(_text_of(e, known) for e in block.get("elements", []))
            parts.append(Text.from_markup(line, style="dim"))
        elif kind == "actions":
            parts.append(Text.from_markup("  ".join(_text_of(e, known) for e in block["elements"])))
        elif kind == "section":
            body = _text_of(block["text"], known) if "text" in block else ""
            fields = [_text_of(f, known) for f in block.get("fields", [])]
            text = Text.from_markup("\n".join([body, *fields]).strip("\n"))
            accessory = block.get("accessory")
            if accessory:
                grid = Table.grid(expand=True)
                grid.add_column(ratio=1)
                grid.add_column(justify="right")
                grid.add_row(text, Text.from_markup(_text_of(accessory, known)))
                parts.append(grid)
            else:
                parts.append(text)
        elif kind == "image":
            parts.append(Text.from_markup(_text_of(block, known)))
    return Group(*parts)


def print_message(
    console: Console,
    blocks: Sequence[Mapping[str, Any]],
    *,
    title: str,
    names: Mapping[str, str] | None = None,
    footer: str | None = None,
) -> None:
    """One Slack message in a panel titled like the channel it is posted in."""
    console.print(
        Panel(
            message_renderable(blocks, names),
            title=title,
            title_align="left",
            subtitle=footer,
            subtitle_align="left",
        )
    )
