"""`rescuebot digest --channel C --now` and `rescuebot doctor`, against the Slack double."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.store import deliveries
from bot.store.db import make_engine, session_scope
from tests.cli.conftest import Rescuebot
from tests.slack_double import SlackDouble

TEAM = "C0CSTEAM"
CONFIG = f"""
digests:
  - {{channel: {TEAM}, timezone: Europe/London}}
escalation:
  channel: C0LEADERS
"""


@pytest.fixture
def slack(loaded: Rescuebot) -> Iterator[tuple[Rescuebot, SlackDouble]]:
    with SlackDouble() as double:
        double.add_channel(TEAM, "cs-team", is_member=True)
        double.add_channel("C0LEADERS", "leadership", is_member=True)
        loaded.write("rescuebot.yml", CONFIG)
        loaded.monkeypatch.setenv("SLACK_BOT_TOKEN", double.token)
        loaded.monkeypatch.setenv("SLACK_API_URL", double.api_url)
        yield loaded, double


def test_digest_now_posts_the_digest_and_its_chart_once(
    slack: tuple[Rescuebot, SlackDouble],
) -> None:
    rescuebot, double = slack
    result = rescuebot("digest", "--channel", TEAM, "--now", "--as-of", "2026-11-23")
    assert result.code == 0, result.err
    assert "Posted the 2026-W48 digest" in result.out
    (first,) = double.messages(TEAM)
    assert "Weekly digest, Mon 23 Nov" in str(first.blocks)  # from its cron, as posted
    (chart,) = double.files
    assert chart.content and chart.content.startswith(b"\x89PNG") and chart.thread_ts == first.ts
    double.assert_no_violations()
    # Posting by hand again the same week is an explicit extra post, under its own key.
    again = rescuebot("digest", "--channel", TEAM, "--now", "--as-of", "2026-11-23")
    assert again.code == 0 and "by-hand" in again.out
    assert len(double.messages(TEAM)) == 2


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("digest",), "--dry-run"),
        (("digest", "--now"), "--channel"),
        (("digest", "--now", "--dry-run", "--channel", TEAM), "choose one"),
    ],
)
def test_digest_without_a_clear_instruction_says_what_to_write(
    slack: tuple[Rescuebot, SlackDouble], args: tuple[str, ...], complaint: str
) -> None:
    rescuebot, double = slack
    result = rescuebot(*args)
    assert result.code == 2 and complaint in result.err
    assert not double.messages()


def test_digest_now_to_a_channel_the_bot_is_not_in_fails_clearly_and_is_not_retried(
    slack: tuple[Rescuebot, SlackDouble],
) -> None:
    rescuebot, double = slack
    double.add_channel("C0PRIVATE", "private", is_member=False, is_private=True)
    result = rescuebot("digest", "--channel", "C0PRIVATE", "--now")
    assert result.code == 1
    assert "not_in_channel" in result.err and "/invite" in result.err
    assert len(double.calls_to("chat.postMessage")) == 1  # refused once, never retried


def test_doctor_passes_a_healthy_install(slack: tuple[Rescuebot, SlackDouble]) -> None:
    rescuebot, _ = slack
    result = rescuebot("doctor")
    assert result.code == 0, result.out
    for check in ("config", "database", "token", f"channel {TEAM}", "outbox"):
        assert check in result.out


def test_doctor_names_every_problem_and_its_fix(slack: tuple[Rescuebot, SlackDouble]) -> None:
    rescuebot, double = slack
    double.add_channel("C0LEADERS", "leadership", is_member=False)
    with session_scope(make_engine(rescuebot.database_url)) as session:
        failed = deliveries.enqueue(
            session, key="digest:C0GONE:2026-W48:message:1", method="message", channel="C0GONE",
            payload={"text": "x"}, now=datetime(2026, 11, 23, 9, tzinfo=UTC),
        )  # fmt: skip
        deliveries.failed(session, failed.id, error="channel_not_found")  # type: ignore[arg-type]
    result = rescuebot("doctor")
    assert result.code == 1
    assert "C0LEADERS" in result.out and "not a member" in result.out and "/invite" in result.out
    assert "channel_not_found" in result.out and "fix it in the config" in result.out


def test_doctor_with_a_revoked_token_says_so(slack: tuple[Rescuebot, SlackDouble]) -> None:
    rescuebot, _ = slack
    rescuebot.monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-a-real-token")
    result = rescuebot("doctor")
    assert result.code == 1
    assert "invalid_auth" in result.out and "Bot User OAuth Token" in result.out
