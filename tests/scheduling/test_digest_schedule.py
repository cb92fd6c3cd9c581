"""The Monday digest fires at 09:00 in each channel's zone, once a week, across DST changes, and
a process started late still runs it, once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.scheduler.schedule import build_schedule
from tests.scheduling.conftest import ALL, LONDON, NEW_YORK, Scheduled, scheduled_config


def test_every_cron_trigger_carries_its_channels_zone() -> None:
    schedule = build_schedule(scheduled_config())
    zones = {job.id: str(job.trigger.timezone) for job in schedule.jobs}  # type: ignore[attr-defined]
    assert zones[f"digest:{LONDON}"] == "Europe/London"
    assert zones[f"digest:{NEW_YORK}"] == "America/New_York"
    assert zones[f"digest:{ALL}"] == "UTC"  # the team's zone when the channel names none


def test_fire_times_stay_at_nine_local_across_daylight_saving() -> None:
    schedule = build_schedule(scheduled_config())
    start, end = datetime(2026, 10, 18, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC)
    london = schedule.job(f"digest:{LONDON}").fires_between(start, end)
    new_york = schedule.job(f"digest:{NEW_YORK}").fires_between(start, end)
    # London leaves summer time on 25 October, New York on 1 November.
    assert [t.astimezone(UTC).hour for t in london] == [8, 9, 9, 9]
    assert [t.astimezone(UTC).hour for t in new_york] == [13, 13, 14, 14]
    for moment, zone in [*((t, "Europe/London") for t in london),
                         *((t, "America/New_York") for t in new_york)]:  # fmt: skip
        local = moment.astimezone(ZoneInfo(zone))
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)


def test_three_weeks_of_ticks_post_each_channel_once_a_week_at_nine_local(
    scheduled: Scheduled,
) -> None:
    work = scheduled.work()
    scheduled.clock.to(datetime(2026, 10, 19, tzinfo=UTC))
    end = datetime(2026, 11, 10, tzinfo=UTC)
    while scheduled.clock.now < end:
        work.sweep()
        scheduled.clock.advance(minutes=30)
    digests = [run for run in scheduled.runs() if run.job == "digest"]
    by_channel = Counter(run.key.split(":")[1] for run in digests)
    assert by_channel == {LONDON: 4, NEW_YORK: 4, ALL: 4}
    for run in digests:
        channel = run.key.split(":")[1]
        zone = {LONDON: "Europe/London", NEW_YORK: "America/New_York", ALL: "UTC"}[channel]
        local = run.due_at.astimezone(ZoneInfo(zone))
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0), run.key
        assert timedelta(0) <= run.claimed_at - run.due_at < timedelta(minutes=30)
    scheduled.deliver_all()
    firsts = [m for m in scheduled.double.messages() if m.thread_ts is None]
    assert Counter(m.channel for m in firsts if m.channel in (LONDON, NEW_YORK, ALL)) == {
        LONDON: 4, NEW_YORK: 4, ALL: 4,
    }  # fmt: skip
    scheduled.double.assert_no_violations()


def test_a_late_start_runs_the_missed_digest_once(scheduled: Scheduled) -> None:
    # Nobody was up at 09:00 London on Monday 26 October; a process starts at 11:40.
    scheduled.clock.to(datetime(2026, 10, 26, 11, 40, tzinfo=UTC))
    first, second = scheduled.work("a:1"), scheduled.work("b:2")
    assert f"digest:{LONDON}:2026-W44" in first.sweep().runs
    assert not [k for k in second.sweep().runs if k.startswith(f"digest:{LONDON}")]
    scheduled.clock.advance(hours=1)
    assert not [k for k in first.sweep().runs if k.startswith(f"digest:{LONDON}")]
    scheduled.deliver_all()
    posted = [m for m in scheduled.double.messages() if m.channel == LONDON and not m.thread_ts]
    assert len(posted) == 1


def test_a_start_later_than_the_grace_period_skips_the_missed_digest(
    scheduled: Scheduled,
) -> None:
    scheduled.clock.to(datetime(2026, 10, 26, 15, 30, tzinfo=UTC))  # 6.5 hours late
    assert not [k for k in scheduled.work().sweep().runs if k.startswith(f"digest:{LONDON}")]


def test_the_digest_is_valid_block_kit_and_answers_the_four_questions(
    scheduled: Scheduled,
) -> None:
    scheduled.clock.to(datetime(2026, 10, 19, 13, 1, tzinfo=UTC))  # every channel is due
    scheduled.work().sweep()
    scheduled.deliver_all()
    (message,) = [m for m in scheduled.double.messages() if m.channel == ALL and not m.thread_ts]
    for block in message.blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    text = str(message.blocks)
    questions = (
        "Who needs help this week",
        "Which step creates the most delays",
        "Promises hard to keep",
        "Ready for an expansion conversation",
        "KPIs",
    )
    for question in questions:
        assert question in text
    # The New York channel is scoped to the mid segment: 3 of the 6 accounts.
    (scoped,) = [
        m for m in scheduled.double.messages() if m.channel == NEW_YORK and not m.thread_ts
    ]
    assert "3 accounts onboarding" in str(scoped.blocks)
