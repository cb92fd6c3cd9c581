"""Gates and risks through the use cases on a real database (SQLite and PostgreSQL), on a clock
the test sets: overdue items in the scorecard, standup and digest; the register's KPIs on
hand-computed cohorts (empty ones null); due dates chased once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.config import load_config
from bot.services import gate_actions, portfolio, risks
from bot.services.backend import Backend
from bot.services.outcomes import kpis_of
from bot.services.policy import Actor, Ask
from bot.services.reminders import due_reminders, queue_reminders
from bot.store.accounts import add_account, get_account
from bot.store.db import session_scope
from bot.store.tables import Delivery, Event, GateTracking
from scoring.kpis import Window
from scoring.risks import Impact, NewRisk, RiskCategory, RiskState

ADDED = datetime(2026, 10, 1, 9, tzinfo=UTC)
SIGNED = date(2026, 9, 20)  # Day 0 ended on 27 Sep, before the account was added
OPERATOR = Ask(Actor.operator_at_shell())


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def backend(engine: Engine) -> Backend:
    return Backend(config=load_config(None), engine=engine, clock=Clock(ADDED))


def account(backend: Backend, key: str, **fields: object):
    values = {"name": key.title(), "segment": "mid", "csm": "U0CSM", "signed_on": SIGNED,
              "created_at": ADDED, **fields}  # fmt: skip
    with session_scope(backend.engine) as session:
        return add_account(session, key=key, **values)  # type: ignore[arg-type]


def loaded(backend: Backend, day: date) -> portfolio.Portfolio:
    with session_scope(backend.engine, read_only=True) as session:
        return portfolio.load_portfolio(session, backend.config.rules, as_of=day)


def test_overdue_gates_reach_the_scorecard_the_standup_and_the_digest(backend: Backend):
    account(backend, "acme")
    gate_actions.save(backend, OPERATOR, "acme", ticked={"sso_tested"}, values={})
    on_time = loaded(backend, date(2026, 10, 20))  # Days 1–30 ends on day 30: 20 Oct
    assert on_time.states[0].card.overdue_gates == ()
    late = loaded(backend, date(2026, 10, 25))
    card = late.states[0].card
    assert [(g.key, g.days_late) for g in card.overdue_gates] == [
        ("access_provisioned", 5),
        ("environments_ready", 5),
        ("data_mapped", 5),
        ("pilot_cohort", 5),
    ]  # fmt: skip
    # Day 0's items ended before tracking started: never overdue.
    (item,) = late.standup()
    assert "Access provisioned first time overdue (5d late)" in item.reasons
    delays = {d.label: d.overdue_accounts for d in late.digest().delays}
    assert delays["Access provisioned first time (Days 1–30 gate)"] == 1
    with session_scope(backend.engine, read_only=True) as session:
        stored = get_account(session, key="acme")
        single = portfolio.scorecard(
            session, stored, backend.config.rules, as_of=date(2026, 10, 25)
        )
    assert single.overdue_gates == card.overdue_gates


def test_a_measured_item_meets_its_target_and_history_before_gates_never_floods(backend: Backend):
    account(backend, "globex", created_at=ADDED - timedelta(days=60))
    with session_scope(backend.engine) as session:  # as the migration leaves an existing install
        session.add(GateTracking(started_on=date(2026, 10, 1)))
    gate_actions.save(backend, OPERATOR, "globex", ticked=set(), values={"uat_coverage": 80.0})
    day = date(2026, 11, 25)  # Days 31–60 ended on 19 Nov
    keys = [g.key for g in loaded(backend, day).states[0].card.overdue_gates]
    assert "uat_coverage" in keys and "stakeholders" not in keys and "sso_tested" in keys
    gate_actions.save(backend, OPERATOR, "globex", ticked=set(), values={"uat_coverage": 95.0})
    keys = [g.key for g in loaded(backend, day).states[0].card.overdue_gates]
    assert "uat_coverage" not in keys
    with session_scope(backend.engine, read_only=True) as session:
        changes = session.exec(select(Event).where(Event.kind == "gate_item_changed")).all()
    assert [(e.payload["value"], e.payload["met"]) for e in changes] == [
        (80.0, False),
        (95.0, True),
    ]


def new(category: str, text: str = "x", **kwargs: object) -> NewRisk:
    return NewRisk(RiskCategory(category), text, **kwargs)  # type: ignore[arg-type]


def kpis_on(backend: Backend, day: date):
    with session_scope(backend.engine, read_only=True) as session:
        return kpis_of(session, backend.config.rules, window=Window(day - timedelta(days=90), day))


def test_register_kpis_on_a_hand_computed_cohort(backend: Backend):
    a, b, c = account(backend, "a"), account(backend, "b"), account(backend, "c")
    done = account(backend, "done", outcome="completed", outcome_on=date(2026, 9, 30))
    # Nobody onboarding before anyone signed; no open risk: both null, never 0.
    empty = kpis_on(backend, date(2026, 9, 1))
    assert empty.risk_identification_completeness is None
    assert empty.mitigation_ownership_rate is None
    risks.add(backend, OPERATOR, a, new("data", mitigation="dry run"), owner="U0ALICE")
    risks.add(backend, OPERATOR, a, new("auth", impact=Impact.HIGH), owner="U0ALICE")
    risks.mark_reviewed(backend, OPERATOR, a, RiskCategory.COMMS)
    risks.add(backend, OPERATOR, c, new("other"), owner=None)
    settled = risks.add(backend, OPERATOR, c, new("cutover", mitigation="plan"), owner="U0BOB")
    risks.settle(backend, OPERATOR, settled.id, RiskState.MITIGATED)  # type: ignore[arg-type]
    for category in RiskCategory:
        risks.mark_reviewed(backend, OPERATOR, done, category)  # finished: not in the cohort
    assert b.id is not None
    today = kpis_on(backend, date(2026, 10, 1))
    # a: data, auth, comms = 3/5; b: 0; c: cutover (logged, then mitigated) = 1/5 → mean 4/15.
    assert today.risk_identification_completeness == pytest.approx(4 / 15)
    # Open: a's data (owner and mitigation), a's auth (owner only), c's other (neither) → 1/3.
    assert today.mitigation_ownership_rate == pytest.approx(1 / 3)
    assert today.as_json()["detail"]["mitigation_ownership"] == {"numerator": 1, "denominator": 3}
    assert kpis_on(backend, date(2026, 9, 25)).mitigation_ownership_rate is None  # none logged


def test_an_open_high_impact_risk_without_owner_is_a_standup_reason_not_a_focus(backend):
    acme = account(backend, "acme", signed_on=date(2026, 9, 28))
    risks.add(
        backend, OPERATOR, acme, new("cutover", "No rollback", impact=Impact.HIGH), owner=None
    )
    (item,) = loaded(backend, date(2026, 10, 2)).standup()
    assert "1 open high-impact risk with no owner" in item.reasons
    assert not item.qualifies


def test_a_due_risk_is_chased_once_per_due_date(backend: Backend):
    acme = account(backend, "acme")
    risk = risks.add(
        backend, OPERATOR, acme, new("data", "ERP export", due_on=date(2026, 10, 3)), owner="U0OLU"
    )
    config = backend.config

    def sweep(now: datetime) -> list[str]:
        with session_scope(backend.engine, read_only=True) as session:
            found = due_reminders(session, config, now=now, approvers=())
        return queue_reminders(backend.engine, found, now=now, worker="test")

    assert not [k for k in sweep(datetime(2026, 10, 2, 12, tzinfo=UTC)) if ":risk:" in k]
    assert [k for k in sweep(datetime(2026, 10, 3, 8, tzinfo=UTC)) if ":risk:" in k] == [
        f"reminder:risk:{risk.id}:2026-10-03"
    ]
    assert not [k for k in sweep(datetime(2026, 10, 4, 8, tzinfo=UTC)) if ":risk:" in k]
    with session_scope(backend.engine, read_only=True) as session:
        dms = session.exec(select(Delivery).where(Delivery.channel == "U0OLU")).all()
    chased = [d.payload["text"] for d in dms if "was due" in d.payload["text"]]
    assert len(dms) == 2 and len(chased) == 1 and "ERP export" in chased[0]  # + the owner DM
