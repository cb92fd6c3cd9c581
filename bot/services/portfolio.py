"""The read side: accounts and their history loaded from the store as scoring values.

Portfolio views read each account's kept current state (`bot.services.current_state`) where it
holds for the day asked, and score the others from their readings.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import ColumnElement
from sqlmodel import Session

from bot.services import current_state, gates, risks
from bot.services.current_state import TREND_WINDOW_WEEKS
from bot.services.scoring_inputs import facts, history_of
from bot.store import accounts as account_rows
from bot.store import current_state as state_rows
from bot.store import overrides as override_rows
from bot.store import readings as reading_rows
from bot.store import rescues as rescue_rows
from bot.store.tables import Account, Rescue
from scoring.accounts import resolve_account
from scoring.digest import Digest, build_digest
from scoring.overrides import in_force
from scoring.rules import Rules, Status
from scoring.scorecard import Scorecard, evaluate
from scoring.standup import FOCUS_LIMIT, AccountState, Followup, OpenRescue, StandupItem, standup


def open_rescue_of(row: Rescue | None, rules: Rules) -> OpenRescue | None:
    if row is None:
        return None
    return OpenRescue(
        owner=row.owner,
        next_step=row.next_step,
        checkpoint_on=row.checkpoint_on,
        sla_due_on=(
            row.sla_due_at.astimezone(rules.team_timezone).date()
            if row.acknowledged_at is None
            else None
        ),
    )


def find_account(session: Session, text: str) -> Account:
    """The account named by its key or an unambiguous, case-insensitive prefix of key or name."""
    rows = account_rows.list_accounts(session)
    key = resolve_account(text, [(a.key, a.name) for a in rows])
    return next(a for a in rows if a.key == key)


@dataclass(frozen=True)
class Scope:
    """Which accounts a view shows: `check` asked of each account and its open rescue, `clause`
    the same condition in SQL, so the database narrows the accounts first (by its indexes)."""

    check: Callable[[Account, Rescue | None], bool]
    clause: ColumnElement[bool]

    def __call__(self, account: Account, rescue: Rescue | None) -> bool:
        return self.check(account, rescue)


def involves(user: str) -> Scope:
    """Accounts where `user` is the CSM, the follow-up owner or the open rescue's owner."""

    def check(account: Account, rescue: Rescue | None) -> bool:
        return user in (account.csm, account.followup_owner, rescue.owner if rescue else None)

    return Scope(check, state_rows.involving(user))


def in_segment(segment: str) -> Scope:
    return Scope(lambda account, _: account.segment == segment, state_rows.in_segment(segment))


def with_keys(keys: set[str]) -> Scope:
    return Scope(lambda account, _: account.key in keys, state_rows.with_keys(keys))


def scorecard(session: Session, account: Account, rules: Rules, *, as_of: date) -> Scorecard:
    """The account's scorecard as of a day, with the manual override in force that day."""
    readings = reading_rows.history_by_account(session, account_ids=[account.id])
    history = history_of(readings.get(account.id, []), rules)
    card = evaluate(facts(account), history, rules, as_of=as_of)
    card = with_override(session, account, card, rules)
    return gates.with_gates(session, account, card, rules)


def with_override(session: Session, account: Account, card: Scorecard, rules: Rules) -> Scorecard:
    """`card` with the account's manual override in force on the card's day."""
    overrides = override_rows.overrides_by_account(session, account_ids=[account.id])
    return replace(
        card, override=in_force(overrides.get(account.id, ()), card.as_of, rules.team_timezone)
    )


@contextmanager
def bulk() -> Iterator[None]:
    """The cyclic garbage collector paused while a whole portfolio is built: that allocates about
    a million objects, none of them in a cycle, and the collector's passes over them took half
    the standup's time. Resumed after (when another thread paused it, that one resumes it)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass(frozen=True)
class Portfolio:
    """Every onboarding account's state as of a day, ready for the standup and the digest."""

    as_of: date
    states: list[AccountState]
    accounts: dict[str, Account]
    previous_status: dict[str, Status]

    def standup(self) -> list[StandupItem]:
        with bulk():
            return standup(self.states, as_of=self.as_of)

    def narrowed(self, keep: Callable[[Account], bool]) -> Portfolio:
        """The same portfolio, only the accounts `keep` accepts (a digest channel's scope)."""
        accounts = {k: a for k, a in self.accounts.items() if keep(a)}
        states = [s for s in self.states if s.card.account.key in accounts]
        previous = {k: v for k, v in self.previous_status.items() if k in accounts}
        return Portfolio(self.as_of, states, accounts, previous)

    def digest(self, *, focus_limit: int = FOCUS_LIMIT) -> Digest:
        with bulk():
            return build_digest(
                self.states,
                as_of=self.as_of,
                previous_status=self.previous_status,
                promised_timelines={k: a.promised_timeline for k, a in self.accounts.items()},
                focus_limit=focus_limit,
            )


def load_portfolio(
    session: Session,
    rules: Rules,
    *,
    as_of: date,
    with_previous_week: bool = False,
    only: Callable[[Account, Rescue | None], bool] | None = None,
    trend_weeks: int = 0,
    read_only: bool = False,
) -> Portfolio:
    """Accounts still onboarding (no outcome, or an outcome after `as_of`), scored as of `as_of`;
    `only` narrows them, given each account and its open rescue (a `Scope` narrows them in the
    database first). `trend_weeks` (at most TREND_WINDOW_WEEKS) past week-end scores go into
    each card's trend. Each account's kept state is read where it holds for `as_of`; the others
    are scored from their readings (the last TREND_WINDOW_WEEKS weeks, and each signal's latest
    reading before). `read_only`: the portfolio's accounts are rows of their columns, read by
    name, not ORM objects (see `state_rows.onboarding_accounts`), for a view that only reads."""
    with bulk():
        return _load(session, rules, as_of=as_of, with_previous_week=with_previous_week,
                     only=only, trend_weeks=trend_weeks, read_only=read_only)  # fmt: skip


def _load(
    session: Session,
    rules: Rules,
    *,
    as_of: date,
    with_previous_week: bool,
    only: Callable[[Account, Rescue | None], bool] | None,
    trend_weeks: int,
    read_only: bool,
) -> Portfolio:
    rescues = rescue_rows.open_rescues(session)
    clause = only.clause if isinstance(only, Scope) else None
    accounts = [
        a
        for a in state_rows.onboarding_accounts(
            session, as_of=as_of, where=clause, read_only=read_only
        )
        if only is None or only(a, rescues.get(a.id))
    ]
    weeks = min(trend_weeks, TREND_WINDOW_WEEKS)
    by_id = {a.id: a for a in accounts if a.id is not None}
    scored = current_state.kept_scores(
        session, rules, by_id, as_of=as_of, trend_weeks=weeks, everyone=len(by_id) > 500
    )
    missing = [a for a in accounts if a.id not in scored]
    scored |= current_state.score_accounts(
        session, missing, rules, as_of=as_of, trend_weeks=weeks,
        with_previous_week=with_previous_week,
    )  # fmt: skip
    late = gates.overdue_of(session, accounts, rules, as_of=as_of)
    unowned = risks.unowned_high_by_account(session, by_id)
    states: list[AccountState] = []
    previous: dict[str, Status] = {}
    no_followup = Followup()  # most accounts' (it is immutable, so one serves them all)
    for account in accounts:
        found = scored[account.id]
        overdue = late.get(account.id, ())  # type: ignore[call-overload]
        if with_previous_week:
            previous[account.key] = found.previous_status
        states.append(
            AccountState(
                card=replace(found.card, overdue_gates=overdue) if overdue else found.card,
                followup=(
                    Followup(account.followup_owner, account.followup_next, account.followup_due)
                    if account.followup_owner or account.followup_next or account.followup_due
                    else no_followup
                ),
                rescue=open_rescue_of(rescues.get(account.id), rules),
                overdue_gate_items=tuple(g.label for g in overdue),
                unowned_high_risks=unowned.get(account.id, 0),  # type: ignore[arg-type]
            )
        )
    return Portfolio(as_of, states, {a.key: a for a in accounts}, previous)
