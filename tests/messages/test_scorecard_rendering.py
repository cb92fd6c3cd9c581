"""The interactive scorecard shows last week's value beside each select and the trend in words
beside the sparkline."""

from __future__ import annotations

import json

import pytest

from bot.messages.blocks import as_dicts, scorecard_blocks
from bot.messages.scorecard import sparkline
from tests.scoring.builders import card, reading
from tests.scoring.test_trend import AS_OF, falling_history
from tests.slack_double.blockkit import check_blocks


def signal_rows(blocks: list[dict]) -> dict[str, dict]:
    """Each signal's section, by signal key (from its block id)."""
    rows = [b for b in blocks if b.get("block_id", "").startswith("signal|")]
    return {b["block_id"].split("|")[2]: b for b in rows}


def heading_context(blocks: list[dict]) -> str:
    return next(
        e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]
        if "`acme`" in e["text"]
    )  # fmt: skip


def test_each_select_has_last_weeks_value_beside_it():
    history = [
        reading("kickoff", 2, "2026-11-10"),
        reading("data_import", 1, "2026-11-20"),  # Watch at the end of last week (Sun 22 Nov)
        reading("data_import", 0, "2026-11-23"),  # … At risk since Monday
        reading("exec_update", 1, "2026-11-23"),  # first rated this week
    ]
    blocks = as_dicts(scorecard_blocks(card(history, as_of=AS_OF)))
    check_blocks(blocks)
    rows = signal_rows(blocks)
    assert "last week: Watch (1)" in rows["data_import"]["text"]["text"]
    assert rows["data_import"]["accessory"]["initial_option"]["value"] == "0"
    assert "last week: Healthy (2)" in rows["kickoff"]["text"]["text"]
    assert "last week: unrated" in rows["exec_update"]["text"]["text"]
    assert "last week: unrated" in rows["first_value"]["text"]["text"]


@pytest.mark.parametrize(
    ("history", "as_of", "words"),
    [
        (falling_history(), AS_OF, "down 0.8 since last week, fourth drop in a row"),
        ([reading("kickoff", 1, "2026-11-20"), reading("admin_trained", 2, "2026-11-23")],
         AS_OF, "up 2.5 since last week"),
        ([reading("kickoff", 1, "2026-11-20"), reading("kickoff", 1, "2026-11-23")],
         AS_OF, "no change since last week"),
        ([reading("kickoff", 1, "2026-11-23")], AS_OF, "first week rated"),
    ],
)  # fmt: skip
def test_the_trend_in_words_is_beside_the_sparkline(history, as_of, words):
    scorecard = card(history, as_of=as_of)
    line = heading_context(as_dicts(scorecard_blocks(scorecard)))
    assert line.endswith(f" · trend {sparkline(scorecard)} {words}"), line


def test_a_shared_scorecard_says_the_same_without_selects():
    blocks = as_dicts(scorecard_blocks(card(falling_history(), as_of=AS_OF), interactive=False))
    rows = signal_rows(blocks)
    assert all("accessory" not in row for row in rows.values())
    assert "last week: Healthy (2)" in rows["kickoff"]["text"]["text"]
    assert "fourth drop in a row" in json.dumps(blocks)
