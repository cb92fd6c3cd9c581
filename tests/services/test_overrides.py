"""Manual status overrides on both databases: beside the computed status, never instead of it;
replaced, cleared, on the timeline, and checked by calibration against how onboardings ended."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from bot.config import load_config
from bot.services import portfolio
from bot.services.outcomes import calibration_of
from bot.services.overrides import clear_override, set_override
from bot.store import accounts as account_rows
from bot.store import overrides as override_rows
from bot.store import readings as reading_rows
from bot.store.db import session_scope
from bot.store.tables import Account, Event, StatusOverride
from scoring.errors import DomainError, InvalidValue
from scoring.rules import Status

CONFIG = load_config(None)
RULES = CONFIG.rules
TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
KEYS = [s.key for s in RULES.taxonomy.active]


def healthy_account(session, key: str = "acme") -> Account:
    account = account_rows.add_account(
        session, key=key, name="Acme Corp", segment="mid", csm="U0CSM",
        business_problem="p", promised_timeline="t", dependencies="d", decision_maker="m",
    )  # fmt: skip
    for signal in KEYS:
        reading_rows.add_reading(
            session, account_id=account.id, signal=signal, value=2, note=None, author="U0CSM",
            source="slash_command", recorded_at=NOW - timedelta(days=2),
        )  # fmt: skip
    return account


def overrides_of(engine) -> list[StatusOverride]:
    with session_scope(engine, read_only=True) as session:
        return list(session.exec(select(StatusOverride).order_by(col(StatusOverride.id))))


def events_of(engine) -> list[Event]:
    with session_scope(engine, read_only=True) as session:
        return list(session.exec(select(Event).order_by(col(Event.id))))


def test_an_override_stands_beside_the_computed_status(engine):
    with session_scope(engine) as session:
        account = healthy_account(session)
        change = set_override(
            session, CONFIG, account=account, status=Status.AT_RISK,
            reason="  Sponsor resigned yesterday ", author="U1", now=NOW,
        )  # fmt: skip
    assert (change.card.status, change.card.score) == (Status.HEALTHY, 10.0)
    with session_scope(engine, read_only=True) as session:
        card = portfolio.scorecard(session, account, RULES, as_of=TODAY)
    assert card.status is Status.HEALTHY
    assert card.override is not None
    assert (card.override.status, card.override.reason, card.override.author) == (
        Status.AT_RISK,
        "Sponsor resigned yesterday",
        "U1",
    )
    [event] = events_of(engine)
    assert (event.kind, event.actor) == ("status_overridden", "U1")
    assert event.payload["status"] == "at_risk"
    assert event.payload["computed_status"] == "healthy" and event.payload["computed_score"] == 10


def test_a_new_override_replaces_the_one_in_force(engine):
    with session_scope(engine) as session:
        account = healthy_account(session)
        set_override(session, CONFIG, account=account, status=Status.WATCH, reason="Quiet sponsor",
                     author="U1", now=NOW)  # fmt: skip
    with session_scope(engine) as session:
        session.add(account)
        change = set_override(
            session, CONFIG, account=account, status=Status.AT_RISK, reason="They asked to pause",
            author="U2", now=NOW + timedelta(hours=1),
        )  # fmt: skip
    assert change.replaced is not None and change.replaced.status == "watch"
    first, second = overrides_of(engine)
    assert (first.cleared_by, first.cleared_at is not None) == ("U2", True)
    assert (second.status, second.cleared_at) == ("at_risk", None)
    assert change.card.override is not None and change.card.override.status is Status.AT_RISK
    assert events_of(engine)[-1].payload["replaced"]["status"] == "watch"


def test_clearing_leaves_the_computed_status_alone_again(engine):
    with session_scope(engine) as session:
        account = healthy_account(session)
        set_override(session, CONFIG, account=account, status=Status.WATCH, reason="Quiet sponsor",
                     author="U1", now=NOW)  # fmt: skip
    with session_scope(engine) as session:
        session.add(account)
        change = clear_override(session, CONFIG, account=account, actor="U2", now=NOW)
    assert change.card.override is None
    [row] = overrides_of(engine)
    assert row.cleared_by == "U2"
    assert events_of(engine)[-1].kind == "status_override_cleared"
    with (
        session_scope(engine) as session,
        pytest.raises(DomainError, match="Acme Corp has no status override to clear"),
    ):
        session.add(account)
        clear_override(session, CONFIG, account=account, actor="U2", now=NOW)


@pytest.mark.parametrize(("reason", "problem"), [("   ", "needs a reason"), ("x" * 3001, "3,001")])
def test_an_override_without_a_usable_reason_writes_nothing(engine, reason, problem):
    with session_scope(engine) as session:
        account = healthy_account(session)
    with session_scope(engine) as session, pytest.raises(InvalidValue, match=problem):
        session.add(account)
        set_override(session, CONFIG, account=account, status=Status.AT_RISK, reason=reason,
                     author="U1", now=NOW)  # fmt: skip
    assert overrides_of(engine) == [] and events_of(engine) == []


def test_portfolio_views_show_each_account_its_own_override(engine):
    with session_scope(engine) as session:
        acme = healthy_account(session)
        healthy_account(session, key="globex")
        set_override(session, CONFIG, account=acme, status=Status.WATCH, reason="Quiet sponsor",
                     author="U1", now=NOW)  # fmt: skip
    with session_scope(engine, read_only=True) as session:
        loaded = portfolio.load_portfolio(session, RULES, as_of=TODAY)
        before = portfolio.load_portfolio(session, RULES, as_of=TODAY - timedelta(days=1))
    overrides = {s.card.account.key: s.card.override for s in loaded.states}
    assert overrides["acme"] is not None and overrides["acme"].status is Status.WATCH
    assert overrides["globex"] is None
    assert all(s.card.override is None for s in before.states)  # not yet set that day


def finished(session, key: str, *, bad: bool, signed: date) -> Account:
    return account_rows.add_account(
        session, key=key, name=key.title(), segment="smb", signed_on=signed,
        outcome="churned" if bad else "completed",
        outcome_on=signed + timedelta(days=50 if bad else 80),
    )  # fmt: skip


def on(day: date) -> datetime:
    return datetime.combine(day, time(12), UTC)


def test_calibration_checks_the_overrides_in_force_at_day_30_and_60(engine):
    signed = TODAY - timedelta(days=200)
    with session_scope(engine) as session:
        called_it = finished(session, "called-it", bad=True, signed=signed)
        cried_wolf = finished(session, "cried-wolf", bad=False, signed=signed)
        brief = finished(session, "brief", bad=False, signed=signed)
        for account, status, day in (
            (called_it, Status.AT_RISK, 20),
            (cried_wolf, Status.AT_RISK, 40),
            (brief, Status.AT_RISK, 41),
        ):
            override_rows.add_override(
                session, account_id=account.id, status=status, reason="hunch", author="U1",
                at=on(signed + timedelta(days=day)),
            )  # fmt: skip
        [row] = [r for r in session.exec(select(StatusOverride)) if r.account_id == brief.id]
        override_rows.clear(session, row=row, by="U1", at=on(signed + timedelta(days=45)))
    with session_scope(engine, read_only=True) as session:
        result = calibration_of(session, RULES, today=TODAY)
    checks = [(o.key, o.day, o.override, o.right) for o in result.overrides]
    assert sorted(checks) == [
        ("called-it", 30, Status.AT_RISK, True),
        ("called-it", 60, Status.AT_RISK, True),
        ("cried-wolf", 60, Status.AT_RISK, False),
    ]
    assert {o["key"] for o in result.as_json()["overrides"]} == {"called-it", "cried-wolf"}
