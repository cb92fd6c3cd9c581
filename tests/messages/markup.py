"""What Slack reads as markup in mrkdwn, for tests that check text shows as written."""

from __future__ import annotations

import re

# What Slack itself reads inside <…>: mentions, channels, special commands, dates and links.
SLACK_TOKEN = re.compile(
    r"<(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+(?:\|[^<>]*)?|![a-z]+(?:\^[^<>]*)?|"
    r"(?:https?://|mailto:)[^<>|]+(?:\|[^<>]*)?)>"
)


def raw_markup(mrkdwn: str) -> list[str]:
    """The `<` and `>` left once Slack's own tokens are taken out, each with a little context
    (a `>` opening a line is a quote, not markup)."""
    rest = SLACK_TOKEN.sub("", mrkdwn)
    rest = re.sub(r"(?m)^>", "", rest)
    return [m.strip() for m in re.findall(r".{0,20}[<>].{0,20}", rest)]
