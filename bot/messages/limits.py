"""Slack's Block Kit limits, in one place, and the one way to make text fit them.

Every builder cuts text with these functions, *after* escaping: user text goes through `fit`
(escape, then cut), text the app composed from escaped pieces through `cut`, plain text
through `clip`. A cut never splits an escape entity (`&amp;`), a Slack token (`<@U1>`,
`<http…|…>`, `<!date…>`) or a character from the marks that combine with it, and ends with an
ellipsis, so the text Slack receives is never longer than its limit.
"""

from __future__ import annotations

import unicodedata

from bot.messages.text import escape_mrkdwn

# Characters (as slack_sdk counts them: code points), from Slack's Block Kit reference.
SECTION_TEXT = 3000
SECTION_FIELD = 2000
CONTEXT_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
INPUT_LABEL = 2000
INPUT_HINT = 2000
PLACEHOLDER = 150
TEXT_INPUT = 3000  # a plain-text input's max_length
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
VIEW_TITLE = 24
VIEW_BUTTON = 24  # a modal's submit and close
PRIVATE_METADATA = 3000
# Blocks per message, and per modal or home tab.
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100

ELLIPSIS = "…"
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")  # zero-width joiner, variation selectors


def clip(text: str, limit: int) -> str:
    """Plain text in at most `limit` characters."""
    if len(text) <= limit:
        return text
    return text[: _boundary(text, limit - 1)] + ELLIPSIS


def cut(mrkdwn: str, limit: int) -> str:
    """Escaped mrkdwn in at most `limit` characters, cut outside entities and tokens."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    end = limit - 1
    amp = mrkdwn.rfind("&", max(0, end - 4), end)  # `&amp;` is the longest entity: 5
    if amp != -1 and ";" not in mrkdwn[amp:end]:
        end = amp
    opened = mrkdwn.rfind("<", 0, end)
    if opened != -1 and mrkdwn.find(">", opened, end) == -1:
        end = opened
    return mrkdwn[: _boundary(mrkdwn, end)] + ELLIPSIS


def fit(text: object, limit: int) -> str:
    """User text escaped for mrkdwn, then cut to at most `limit` characters."""
    return cut(escape_mrkdwn(text), limit)


def _boundary(text: str, end: int) -> int:
    """`end`, moved back so the cut keeps each character with its combining marks, emoji
    modifiers and joiners."""
    while end > 0 and (_joins(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    return end


def _joins(char: str) -> bool:
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")  # combining, spacing, enclosing marks
        or char in _JOINERS
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin-tone modifiers
    )
