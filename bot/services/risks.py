"""The living risk register as people work it: add a risk (its owner told by DM), mark a category
reviewed with no risk, settle a risk (mitigated, accepted, closed), list an account's register,
and the register's KPIs and standup facts.

Every change is `Action.TRACK_RISKS` (the account's CSM, its follow-up owner, CSMs and admins),
one transaction, one timeline event; a refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import NamedTuple

from sqlmodel import Session, col, select

from bot.messages.text import escape_mrkdwn, mention
from bot.services.backend import Backend
from bot.services.policy import Action, Ask, authorize, require_member
from bot.store import accounts as account_rows
from bot.store import deliveries, events
from bot.store import risks as risk_rows
from bot.store.tables import Account, Risk, RiskReview
from scoring.errors import DomainError, InvalidValue
from scoring.risks import (
    Impact,
    NewRisk,
    Register,
    RiskCategory,
    RiskFacts,
    RiskRecord,
    RiskState,
    completeness,
    mitigation_ownership,
    portfolio_completeness,
    unowned_high,
)

MAX_TEXT = 1000


def facts_of(risk: Risk, *, on: datetime | None = None) -> RiskFacts:
    """A risk as the KPIs see it; `on`: as it stood then (settled later means still open)."""
    state = RiskState(risk.state)
    if on is not None and risk.settled_at is not None and risk.settled_at > on:
        state = RiskState.OPEN
    return RiskFacts(
        RiskCategory(risk.category), state, Impact(risk.impact), risk.owner, risk.mitigation
    )


def _stored(session: Session, account: Account) -> Account:
    stored = session.get(Account, account.id)
    if stored is None:
        raise DomainError(f"{account.name} no longer exists")
    return stored


def add(backend: Backend, ask: Ask, account: Account, new: NewRisk, *, owner: str | None) -> Risk:
    """A new open risk; an owner other than the person adding it is told by DM."""
    if len(new.text) > MAX_TEXT:
        raise InvalidValue(f"Keep the risk under {MAX_TEXT:,} characters.")
    if new.due_on is not None and new.due_on < backend.today():
        raise InvalidValue(
            f"`due:{new.due_on.isoformat()}` is in the past; give today or a later date"
        )
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        stored = _stored(session, account)
        authorize(ask.actor, Action.TRACK_RISKS, account=stored)
        if owner is not None:
            require_member(ask, owner, role="the risk's owner")
        risk = Risk(
            account_id=stored.id,  # type: ignore[arg-type]
            category=new.category.value, text=new.text, owner=owner,
            mitigation=(new.mitigation or "").strip() or None, due_on=new.due_on,
            impact=new.impact.value, state=RiskState.OPEN.value, created_by=ask.user,
            created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(risk)
        session.flush()
        events.record_event(
            session, account_id=stored.id, kind="risk_added", actor=ask.user, at=now,
            payload={"risk": risk.id, "category": risk.category, "text": risk.text,
                     "owner": owner, "mitigation": risk.mitigation,
                     "due": risk.due_on.isoformat() if risk.due_on else None,
                     "impact": risk.impact},
        )  # fmt: skip
        if owner is not None and owner != ask.user:
            _tell_owner(session, stored, risk, assigned_by=ask.user, now=now)
        return risk


def _tell_owner(
    session: Session, account: Account, risk: Risk, *, assigned_by: str, now: datetime
) -> None:
    due = f", due {risk.due_on.isoformat()}" if risk.due_on else ""
    mitigation = (
        f"\nMitigation: {escape_mrkdwn(risk.mitigation)}"
        if risk.mitigation
        else "\nNo mitigation yet: agree one."
    )
    text = (
        f"{mention(assigned_by)} made you the owner of a {risk.impact}-impact "
        f"{RiskCategory(risk.category).label.lower()} risk on *{escape_mrkdwn(account.name)}*"
        f"{due}: {escape_mrkdwn(risk.text)}{mitigation}\n"
        f"See the register: `/risk {account.key}`"
    )
    deliveries.enqueue(
        session, key=f"risk-owner:{risk.id}:{risk.owner}", method="message",
        channel=risk.owner, payload={"text": text}, now=now,  # type: ignore[arg-type]
    )  # fmt: skip


def mark_reviewed(backend: Backend, ask: Ask, account: Account, category: RiskCategory) -> bool:
    """The category reviewed and found to hold no risk; False when it already was."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        stored = _stored(session, account)
        authorize(ask.actor, Action.TRACK_RISKS, account=stored)
        if risk_rows.review(session, account_id=stored.id, category=category.value):  # type: ignore[arg-type]
            return False
        session.add(
            RiskReview(
                account_id=stored.id,
                category=category.value,
                reviewed_by=ask.user,
                reviewed_at=now,
            )
        )
        events.record_event(
            session, account_id=stored.id, kind="risk_category_reviewed", actor=ask.user,
            at=now, payload={"category": category.value},
        )  # fmt: skip
        return True


@dataclass(frozen=True)
class Settled:
    account: Account
    risk: Risk
    changed: bool


def settle(backend: Backend, ask: Ask, risk_id: int, state: RiskState) -> Settled:
    """A risk mitigated, accepted or closed (a button on the register); the same state again
    changes nothing."""
    if state is RiskState.OPEN:
        raise InvalidValue("a risk is settled as mitigated, accepted or closed")
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        risk = risk_rows.risk_by_id(session, risk_id)
        if risk is None:
            raise DomainError("that risk no longer exists")
        account = session.get(Account, risk.account_id)
        assert account is not None
        authorize(ask.actor, Action.TRACK_RISKS, account=account)
        if risk.state == state.value:
            return Settled(account, risk, False)
        before = risk.state
        risk.state, risk.settled_by, risk.settled_at, risk.updated_at = (
            state.value, ask.user, now, now,
        )  # fmt: skip
        session.add(risk)
        events.record_event(
            session, account_id=account.id, kind="risk_settled", actor=ask.user, at=now,
            payload={"risk": risk.id, "category": risk.category, "text": risk.text,
                     "state": state.value, "was": before},
        )  # fmt: skip
        return Settled(account, risk, True)


@dataclass(frozen=True)
class AccountRegister:
    """An account's register as `/risk <account>` shows it."""

    account: Account
    risks: tuple[Risk, ...]
    reviewed: tuple[RiskCategory, ...]

    @property
    def completeness(self) -> float:
        return float(completeness([facts_of(r) for r in self.risks], self.reviewed))

    @property
    def missing(self) -> tuple[RiskCategory, ...]:
        covered = {RiskCategory(r.category) for r in self.risks} | set(self.reviewed)
        return tuple(c for c in RiskCategory if c is not RiskCategory.OTHER and c not in covered)


def register_of(session: Session, account: Account) -> AccountRegister:
    risks = risk_rows.risks_of(session, account.id)
    reviews = risk_rows.reviews_of(session, account.id)
    return AccountRegister(account, tuple(risks), tuple(RiskCategory(r.category) for r in reviews))


def unowned_high_by_account(session: Session, account_ids: Iterable[int]) -> dict[int, int]:
    """How many open high-impact risks nobody owns, per account (accounts with none left out):
    only the open high-impact risks are read, as (account, owner) pairs."""
    wanted = set(account_ids)
    by_account: dict[int, list[RiskFacts]] = {}
    for account_id, category, owner, mitigation in session.exec(
        select(Risk.account_id, Risk.category, Risk.owner, Risk.mitigation).where(
            Risk.state == RiskState.OPEN.value, Risk.impact == Impact.HIGH.value
        )
    ):
        if account_id in wanted:
            by_account.setdefault(account_id, []).append(
                RiskFacts(RiskCategory(category), RiskState.OPEN, Impact.HIGH, owner, mitigation)
            )
    return {a: n for a, risks in by_account.items() if (n := len(unowned_high(risks)))}


class LoggedRisk(NamedTuple):
    """A risk's columns the KPIs and the workbook's register read: no ORM object per risk."""

    account_id: int
    category: str
    text: str
    owner: str | None
    mitigation: str | None
    due_on: date | None
    impact: str
    state: str
    created_at: datetime
    settled_at: datetime | None


class ReviewedCategory(NamedTuple):
    account_id: int
    category: str
    reviewed_at: datetime


def register_rows(session: Session) -> tuple[list[LoggedRisk], list[ReviewedCategory]]:
    """Every risk (by account, oldest first) and every category reviewed with no risk (by
    account, in the order marked): one narrow select each."""
    risks = session.exec(
        select(*(getattr(Risk, name) for name in LoggedRisk._fields)).order_by(
            col(Risk.account_id), col(Risk.created_at), col(Risk.id)
        )
    )
    reviews = session.exec(
        select(*(getattr(RiskReview, name) for name in ReviewedCategory._fields)).order_by(
            col(RiskReview.account_id), col(RiskReview.id)
        )
    )
    return [LoggedRisk(*row) for row in risks], [ReviewedCategory(*row) for row in reviews]


@dataclass(frozen=True)
class RiskKpis:
    """The register's two KPIs as of a day, with their counts."""

    completeness: float | None  # mean over the accounts still onboarding
    accounts: int
    ownership_rate: float | None  # open risks with owner and mitigation ÷ open risks
    owned: int
    open: int

    def as_json(self) -> dict[str, object]:
        return {
            "risk_identification_completeness": self.completeness,
            "risk_identification_accounts": self.accounts,
            "mitigation_ownership_rate": self.ownership_rate,
            "open_risks_owned_and_mitigated": self.owned,
            "open_risks": self.open,
        }


def risk_kpis(session: Session, *, as_of: date) -> RiskKpis:
    """Both KPIs over the accounts still onboarding on `as_of` (no outcome by then), from the
    risks and reviews recorded by the end of that day."""
    end = datetime.combine(as_of, time.max, UTC)
    onboarding = {
        a.id: a
        for a in account_rows.list_accounts(session)
        if (a.outcome is None or (a.outcome_on is not None and a.outcome_on > as_of))
        and (a.signed_on is None or a.signed_on <= as_of)
    }
    risks: dict[int, list[RiskFacts]] = {}
    for risk in risk_rows.risks_of(session):
        if risk.account_id in onboarding and risk.created_at <= end:
            risks.setdefault(risk.account_id, []).append(facts_of(risk, on=end))
    reviewed: dict[int, list[RiskCategory]] = {}
    for review in risk_rows.reviews_of(session):
        if review.account_id in onboarding and review.reviewed_at <= end:
            reviewed.setdefault(review.account_id, []).append(RiskCategory(review.category))
    per_account = [completeness(risks.get(a, []), reviewed.get(a, [])) for a in onboarding]
    ownership = mitigation_ownership(r for found in risks.values() for r in found)
    return RiskKpis(
        completeness=portfolio_completeness(per_account),
        accounts=len(per_account),
        ownership_rate=ownership.rate,
        owned=ownership.owned,
        open=ownership.open,
    )


def registers_of(
    risks: Iterable[LoggedRisk], reviews: Iterable[ReviewedCategory], zone: tzinfo
) -> dict[int, Register]:
    """Every account's register as the KPIs see it (days in the team's zone), from its risks and
    reviewed categories (`register_rows`)."""
    logged: dict[int, list[RiskRecord]] = {}
    for risk in risks:
        logged.setdefault(risk.account_id, []).append(
            RiskRecord(
                RiskCategory(risk.category),
                Impact(risk.impact),
                risk.owner,
                risk.mitigation,
                logged_on=risk.created_at.astimezone(zone).date(),
                settled_on=risk.settled_at.astimezone(zone).date() if risk.settled_at else None,
            )
        )
    reviewed: dict[int, list[tuple[RiskCategory, date]]] = {}
    for review in reviews:
        reviewed.setdefault(review.account_id, []).append(
            (RiskCategory(review.category), review.reviewed_at.astimezone(zone).date())
        )
    return {
        account_id: Register(tuple(logged.get(account_id, ())), tuple(reviewed.get(account_id, ())))
        for account_id in logged.keys() | reviewed.keys()
    }
