"""Slash command text as Slack sends it: words, `key:value` options, mentions and channels.

Slack escapes commands (`should_escape: true`): users arrive as `<@U123|name>`, channels as
`<#C123|name>`, and `&`, `<`, `>` typed by the user as `&amp;`, `&lt;`, `&gt;` (unescaped here).
Quotes group words: `next:"call the CFO"` or `"Acme Corp"`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from scoring.errors import InvalidValue

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_OPTION = re.compile(r"^([a-z_]+):(.*)$", re.DOTALL)
MAX_COMMAND = 6000


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def user_id(token: str) -> str | None:
    """`<@U123|name>` -> `U123`; None when the token is not a user mention."""
    match = _USER.match(token)
    return match[1] if match else None


def channel_id(token: str) -> str | None:
    match = _CHANNEL.match(token)
    return match[1] if match else None


@dataclass
class CommandText:
    """A command's words (in order) and its `key:value` options (keys lower-case)."""

    words: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    def take_word(self) -> str | None:
        return self.words.pop(0) if self.words else None

    def rest(self) -> str:
        """The remaining words joined back, e.g. a note."""
        text = " ".join(self.words)
        self.words = []
        return text


def tokens(text: str) -> list[str]:
    """Split on whitespace, honouring double quotes; an unbalanced quote is taken literally."""
    source = text.replace("\u201c", '"').replace("\u201d", '"')
    try:
        lexer = shlex.shlex(source, posix=True)
        lexer.whitespace_split = True
        lexer.quotes = '"'
        lexer.escape = ""
        lexer.commenters = ""
        return list(lexer)
    except ValueError:
        return source.split()


def parse(text: str, *, options: bool = False) -> CommandText:
    """Words and, when the command takes options, every `key:value` word as an option (so a
    mistyped key is refused rather than taken as a word); for commands without options, such
    as a note in `/signal`, `ratio:3` stays a word. A repeated option is refused."""
    if len(text) > MAX_COMMAND:
        raise InvalidValue(
            f"the command is {len(text):,} characters; keep it under {MAX_COMMAND:,}"
        )
    parsed = CommandText()
    for token in tokens(unescape(text.strip())):
        match = _OPTION.match(token)
        if options and match and not token.startswith("<"):
            key = match[1]
            if key in parsed.options:
                raise InvalidValue(f"`{key}:` is given twice; give it once")
            parsed.options[key] = match[2].strip()
        else:
            parsed.words.append(token)
    return parsed
