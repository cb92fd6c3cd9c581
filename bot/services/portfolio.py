"""The read side: accounts and their history loaded from the store as scoring values."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from bot.store import accounts as account_rows
from bot.store import overrides as override_rows
from bot.store import readings as reading_rows
from bot.store import rescues as rescue_rows
from bot.store.tables import Account, Rescue
from scoring.accounts import AccountFacts, Handoff, resolve_account
from scoring.digest import Digest, build_digest
from scoring.overrides import in_force
from scoring.readings import History, Reading
from scoring.rules import Rules, Status
from scoring.scorecard import Scorecard, evaluate
from scoring.signals import Segment
from scoring.standup import AccountState, Followup, OpenRescue, StandupItem, standup
from scoring.weeks import previous_week_end

# Portfolio views (standup, digest, home) load this many weeks of history before last week's
# end, plus each signal's latest earlier reading: enough for every current value, the delta and
# a fall of up to this many weeks in a row, without reading years of history for every account.
TREND_WINDOW_WEEKS = 8


def facts(row: Account) -> AccountFacts:
    return AccountFacts(
        key=row.key,
        name=row.name,
        segment=Segment(row.segment),
        signed_on=row.signed_on,
        handoff=Handoff(
            business_problem=row.business_problem,
            promised_timeline=row.promised_timeline,
            dependencies=row.dependencies,
            decision_maker=row.decision_maker,
        ),
        arr=row.arr or 0,
        users=row.users or 0,
        csm=row.csm,
    )


def history_of(readings: Iterable[Reading], rules: Rules) -> History:
    return History(readings, rules.team_timezone)


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


def involves(user: str) -> Callable[[Account, Rescue | None], bool]:
    """Accounts where `user` is the CSM, the follow-up owner or the open rescue's owner."""

    def check(account: Account, rescue: Rescue | None) -> bool:
        return user in (account.csm, account.followup_owner, rescue.owner if rescue else None)

    return check


def in_segment(segment: str) -> Callable[[Account, Rescue | None], bool]:
    return lambda account, _: account.segment == segment


def with_keys(keys: set[str]) -> Callable[[Account, Rescue | None], bool]:
    return lambda account, _: account.key in keys


def scorecard(session: Session, account: Account, rules: Rules, *, as_of: date) -> Scorecard:
    """The account's scorecard as of a day, with the manual override in force that day."""
    readings = reading_rows.history_by_account(session, account_ids=[account.id])
    history = history_of(readings.get(account.id, []), rules)
    card = evaluate(facts(account), history, rules, as_of=as_of)
    return with_override(session, account, card, rules)


def with_override(session: Session, account: Account, card: Scorecard, rules: Rules) -> Scorecard:
    """`card` with the account's manual override in force on the card's day."""
    overrides = override_rows.overrides_by_account(session, account_ids=[account.id])
    return replace(
        card, override=in_force(overrides.get(account.id, ()), card.as_of, rules.team_timezone)
    )


@dataclass(frozen=True)
class Portfolio:
    """Every onboarding account's state as of a day, ready for the standup and the digest."""

    as_of: date
    states: list[AccountState]
    accounts: dict[str, Account]
    previous_status: dict[str, Status]

    def standup(self) -> list[StandupItem]:
        return standup(self.states, as_of=self.as_of)

    def narrowed(self, keep: Callable[[Account], bool]) -> Portfolio:
        """The same portfolio, only the accounts `keep` accepts (a digest channel's scope)."""
        accounts = {k: a for k, a in self.accounts.items() if keep(a)}
        states = [s for s in self.states if s.card.account.key in accounts]
        previous = {k: v for k, v in self.previous_status.items() if k in accounts}
        return Portfolio(self.as_of, states, accounts, previous)

    def digest(self) -> Digest:
        return build_digest(
            self.states,
            as_of=self.as_of,
            previous_status=self.previous_status,
            promised_timelines={k: a.promised_timeline for k, a in self.accounts.items()},
        )


def load_portfolio(
    session: Session,
    rules: Rules,
    *,
    as_of: date,
    with_previous_week: bool = False,
    only: Callable[[Account, Rescue | None], bool] | None = None,
    trend_weeks: int = 0,
) -> Portfolio:
    """Accounts still onboarding (no outcome, or an outcome after `as_of`), scored as of `as_of`;
    `only` narrows them, given each account and its open rescue. `trend_weeks` (at most
    TREND_WINDOW_WEEKS) past week-end scores go into each card's trend."""
    rescues = rescue_rows.open_rescues(session)
    accounts = [
        a
        for a in account_rows.list_accounts(session)
        if (a.outcome is None or (a.outcome_on is not None and a.outcome_on > as_of))
        and (only is None or only(a, rescues.get(a.id)))
    ]
    everyone = only is None or len(accounts) > 500
    readings = reading_rows.history_by_account(
        session,
        account_ids=None if everyone else [a.id for a in accounts],
        since=datetime.combine(
            previous_week_end(as_of) - timedelta(weeks=TREND_WINDOW_WEEKS), time.max, UTC
        ),
    )
    overrides = override_rows.overrides_by_account(
        session, account_ids=None if everyone else [a.id for a in accounts]
    )
    last_week = previous_week_end(as_of)
    states: list[AccountState] = []
    previous: dict[str, Status] = {}
    for account in accounts:
        history = history_of(readings.get(account.id, []), rules)
        account_facts = facts(account)
        weeks = min(trend_weeks, TREND_WINDOW_WEEKS)
        card = evaluate(account_facts, history, rules, as_of=as_of, trend_weeks=weeks)
        override = in_force(overrides.get(account.id, ()), as_of, rules.team_timezone)
        if override is not None:
            card = replace(card, override=override)
        if with_previous_week:
            previous[account.key] = evaluate(
                account_facts, history, rules, as_of=last_week, trend_weeks=0
            ).status
        states.append(
            AccountState(
                card=card,
                followup=Followup(
                    account.followup_owner, account.followup_next, account.followup_due
                ),
                rescue=open_rescue_of(rescues.get(account.id), rules),
            )
        )
    return Portfolio(as_of, states, {a.key: a for a in accounts}, previous)
