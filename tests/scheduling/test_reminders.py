"""Reminders: each one due once, to the right people, in the rescue's thread and by DM."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.services.escalations import submit_plan
from bot.services.rescues import MANUAL, acknowledge, open_rescue
from bot.store import accounts as account_rows
from bot.store.db import session_scope
from bot.store.tables import Event, Rescue
from tests.scheduling.conftest import BOSS, CSM, MANAGER, Scheduled

OPENED = datetime(2026, 10, 19, 10, tzinfo=UTC)  # a Monday


def open_posted_rescue(scheduled: Scheduled, key: str = "acct-1") -> int:
    """A rescue as the Slack app leaves it: open, with its thread in C0RESCUE."""
    with session_scope(scheduled.engine) as session:
        account = account_rows.get_account(session, key=key)
        assert account is not None
        opened = open_rescue(session, scheduled.config, account=account, trigger=MANUAL,
                             actor=CSM, now=OPENED, owner=CSM)  # fmt: skip
        rescue = opened.view.rescue
        rescue.channel = "C0RESCUE"
        rescue.message_ts = scheduled.post("C0RESCUE", "rescue")
        session.add(rescue)
        session.flush()
        return rescue.id  # type: ignore[return-value]


def sweep_until(
    scheduled: Scheduled, end: datetime, *, every: timedelta = timedelta(minutes=10)
) -> None:
    work = scheduled.work()
    while scheduled.clock.now < end:
        work.sweep()
        scheduled.clock.advance(seconds=every.total_seconds())
    scheduled.deliver_all()


def dms(scheduled: Scheduled, user: str, words: str) -> list[str]:
    return [m.text for m in scheduled.double.messages(user) if words in m.text]


def test_sla_warning_then_lapse_reach_the_owner_then_the_approvers_once(
    scheduled: Scheduled,
) -> None:
    rescue_id = open_posted_rescue(scheduled)
    with session_scope(scheduled.engine, read_only=True) as session:
        due = session.get(Rescue, rescue_id).sla_due_at  # type: ignore[union-attr]
    scheduled.clock.to(OPENED)
    sweep_until(scheduled, due - timedelta(hours=1))
    assert len(dms(scheduled, CSM, "lapses in")) == 1
    assert not dms(scheduled, MANAGER, "not been acknowledged")
    sweep_until(scheduled, due + timedelta(hours=3))
    assert len(dms(scheduled, CSM, "lapses in")) == 1
    assert len(dms(scheduled, CSM, "lapsed")) == 1
    assert len(dms(scheduled, MANAGER, "not been acknowledged")) == 1
    assert len(dms(scheduled, BOSS, "not been acknowledged")) == 1
    thread = scheduled.double.messages("C0RESCUE")[0]
    replies = [m.text for m in scheduled.double.messages("C0RESCUE", thread_ts=thread.ts)]
    assert sum("lapses in" in r for r in replies) == 1
    assert sum("lapsed" in r for r in replies) == 1


def test_an_acknowledged_rescue_gets_no_sla_reminder(scheduled: Scheduled) -> None:
    rescue_id = open_posted_rescue(scheduled)
    with session_scope(scheduled.engine) as session:
        rescue = session.get(Rescue, rescue_id)
        assert rescue is not None
        acknowledge(session, rescue, actor=CSM, now=OPENED + timedelta(minutes=5))
    scheduled.clock.to(OPENED)
    sweep_until(scheduled, OPENED + timedelta(days=4), every=timedelta(hours=1))
    assert not dms(scheduled, CSM, "SLA")
    assert not dms(scheduled, MANAGER, "SLA")


def test_the_checkpoint_day_is_told_to_the_owner_once(scheduled: Scheduled) -> None:
    rescue_id = open_posted_rescue(scheduled, key="acct-0")
    with session_scope(scheduled.engine) as session:
        rescue = session.get(Rescue, rescue_id)
        assert rescue is not None
        acknowledge(session, rescue, actor=CSM, now=OPENED + timedelta(minutes=5))
        checkpoint = rescue.checkpoint_on
    scheduled.clock.to(datetime.combine(checkpoint, datetime.min.time(), UTC))
    sweep_until(scheduled, scheduled.clock.now + timedelta(days=2), every=timedelta(hours=1))
    assert len(dms(scheduled, CSM, "customer checkpoint")) == 1


def test_an_undecided_plan_past_its_deadline_chases_the_approvers_once(
    scheduled: Scheduled,
) -> None:
    rescue_id = open_posted_rescue(scheduled)
    with session_scope(scheduled.engine) as session:
        rescue = session.get(Rescue, rescue_id)
        plan = submit_plan(
            session, scheduled.config, rescue=rescue, requester=CSM,  # type: ignore[arg-type]
            fields={"root_cause": "ERP", "impact": "No invoices", "intervention": "Joint fix",
                    "success_criteria": "Green for a week"},
            deadline=date(2026, 10, 22), now=OPENED, today=OPENED.date(),
        )  # fmt: skip
        plan.channel = "C0LEADERS"
        plan.message_ts = scheduled.post("C0LEADERS", "plan")
        session.add(plan)
    scheduled.clock.to(datetime(2026, 10, 22, 12, tzinfo=UTC))
    sweep_until(scheduled, datetime(2026, 10, 22, 23, 59, tzinfo=UTC), every=timedelta(hours=1))
    assert not dms(scheduled, MANAGER, "still undecided")  # the deadline day itself is fine
    sweep_until(scheduled, datetime(2026, 10, 25, 12, tzinfo=UTC), every=timedelta(hours=1))
    assert len(dms(scheduled, MANAGER, "still undecided")) == 1
    assert len(dms(scheduled, BOSS, "still undecided")) == 1
    plan_message = scheduled.double.messages("C0LEADERS")[0]
    chased = scheduled.double.messages("C0LEADERS", thread_ts=plan_message.ts)
    assert [m.text for m in chased if "still undecided" in m.text]


def test_stale_signals_are_told_to_their_csm_once_a_working_day(scheduled: Scheduled) -> None:
    # The seeded readings are from 19 October; 14 days later they are stale.
    scheduled.clock.to(datetime(2026, 11, 2, 7, tzinfo=UTC))
    sweep_until(scheduled, datetime(2026, 11, 2, 20, tzinfo=UTC))
    told = dms(scheduled, CSM, "stale")
    assert len(told) == 1
    assert "Account 0" in told[0]
    with session_scope(scheduled.engine, read_only=True) as session:
        assert not session.exec(select(Event).where(Event.kind == "rescue_severe")).all()
