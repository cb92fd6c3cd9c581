"""The builders the Slack surface and the use cases call, in one namespace (`from bot.messages
import blocks as ui`), gathered from the modules that own them by subject: `scorecard`, `standup`,
`lists`, `home`, `account_modals`, over the shared pieces in `kit`.

Builders take domain values and return blocks; they escape user text, then cut it to Slack's
limits (`bot.messages.limits`), and split long lists into pages so no message exceeds 50 blocks
(100 for views).
"""

from __future__ import annotations

from bot.messages.account_modals import handoff_modal, note_modal
from bot.messages.home import home_view
from bot.messages.kit import as_dicts
from bot.messages.lists import account_list_blocks, status_counts
from bot.messages.scorecard import recorded_text, score_line, scorecard_blocks
from bot.messages.standup import (
    focus_message,
    standup_item_blocks,
    standup_message,
    superseded_message,
    thread_pages,
)

__all__ = [
    "account_list_blocks",
    "as_dicts",
    "focus_message",
    "handoff_modal",
    "home_view",
    "note_modal",
    "recorded_text",
    "score_line",
    "scorecard_blocks",
    "standup_item_blocks",
    "standup_message",
    "status_counts",
    "superseded_message",
    "thread_pages",
]
