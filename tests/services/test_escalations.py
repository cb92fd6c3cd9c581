"""Deciding recovery plans under real concurrency: threads with their own connections."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.config import load_config
from bot.services.escalations import decide_plan, submit_plan
from bot.services.policy import Actor, Roles
from bot.services.rescues import MANUAL, open_rescue
from bot.store import accounts as account_rows
from bot.store.db import session_scope
from bot.store.tables import Approval, Escalation
from scoring.errors import DomainError
from scoring.escalation import Decision

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
PLAN = {
    "root_cause": "ERP export fails",
    "impact": "No invoices",
    "intervention": "Joint fix",
    "success_criteria": "Import green for a week",
}
APPROVERS = {"U1", "U2", "U3"}


def plan_for(engine, arr: int) -> int:
    config = load_config(None)
    with session_scope(engine) as session:
        account = account_rows.add_account(
            session, key=f"acct-{arr}", name="Acme", segment="mid", arr=arr, csm="U9"
        )
        opened = open_rescue(session, config, account=account, trigger=MANUAL, actor="U9", now=NOW)
        plan = submit_plan(
            session,
            config,
            rescue=opened.view.rescue,
            requester="U9",
            fields=PLAN,
            deadline=date(2026, 12, 1),
            now=NOW,
            today=date(2026, 11, 24),
        )
        return plan.id


def click_at_once(engine, plan_id: int, approvers: list[str]) -> list[str]:
    """Every approver decides at the same moment, each on their own connection."""
    start = threading.Barrier(len(approvers))
    results: list[str] = []

    def click(approver: str) -> None:
        start.wait()
        try:
            with session_scope(engine) as session:
                decide_plan(
                    session,
                    load_config(None),
                    plan_id=plan_id,
                    actor=Actor(approver, Roles(frozenset(), None, frozenset(APPROVERS))),
                    decision=Decision.APPROVE,
                    reason=None,
                    now=NOW,
                )
            results.append("ok")
        except DomainError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=click, args=(a,)) for a in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def decisions(engine, plan_id: int) -> tuple[str, list[str]]:
    with session_scope(engine, read_only=True) as session:
        plan = session.get(Escalation, plan_id)
        who = [
            a.approver
            for a in session.exec(select(Approval).where(Approval.escalation_id == plan_id))
        ]
        return plan.state, who


@pytest.mark.parametrize(("arr", "approvals"), [(100_000, 1), (400_000, 2)])
def test_simultaneous_approvals_never_exceed_what_the_plan_needs(engine, arr, approvals):
    plan_id = plan_for(engine, arr)
    results = click_at_once(engine, plan_id, ["U1", "U2", "U3", "U1", "U2", "U3"])
    state, who = decisions(engine, plan_id)
    assert state == "approved"
    assert len(who) == approvals == len(set(who))
    assert results.count("ok") == approvals
    assert all("already decided" in r for r in results if r != "ok")


def test_the_same_approver_double_clicking_decides_once(engine):
    plan_id = plan_for(engine, 400_000)
    results = click_at_once(engine, plan_id, ["U2", "U2", "U2"])
    state, who = decisions(engine, plan_id)
    assert (state, who) == ("pending", ["U2"])
    assert results.count("ok") == 1
