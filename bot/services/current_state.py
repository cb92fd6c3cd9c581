"""The kept current state of every onboarding account: its scorecard as of today and its status
at the end of last week, so the standup, `/onboard list`, the App Home and the digest read one
row per account instead of scoring every history.

A state is kept by the transaction that changes what it is computed from: `keep` (run by
`Backend.change` before it commits) recomputes the accounts the transaction marked
(`bot.store.current_state`); any other writer's marks drop the state in its own transaction.
The daily recompute `rebuild`s every state for the new day. A state is used only for the day it
was computed for and with the rules it was computed with (`card_codec.rules_key`): staleness,
deadlines, the phase and the trend move with the date, so after midnight, until the rebuild, an
account is scored from its readings as before, and a report as of a past day always is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from bot.services.scoring_inputs import facts, history_of
from bot.store import current_state as state_rows
from bot.store import overrides as override_rows
from bot.store import readings as reading_rows
from bot.store.db import session_scope
from bot.store.tables import Account
from scoring import card_codec
from scoring.accounts import AccountFacts
from scoring.overrides import Override, in_force
from scoring.readings import History, Reading
from scoring.rules import Rules, Status
from scoring.scorecard import Scorecard, evaluate
from scoring.weeks import previous_week_end

# Portfolio views (standup, digest, home) score this many past week ends into each trend at
# most: a kept card holds them all, a view asking for fewer gets the latest ones.
TREND_WINDOW_WEEKS = 8
BATCH = 500


@dataclass(frozen=True, slots=True)
class Scored:
    """An account's scorecard as of a day (its override in force shown) and its status at the
    end of the week before (a person's override then, else the computed one)."""

    card: Scorecard
    previous_status: Status


def score(
    account: Account,
    readings: list[Reading],
    overrides: Collection[Override],
    rules: Rules,
    *,
    as_of: date,
    trend_weeks: int,
    with_previous_week: bool = True,
) -> Scored:
    """What every portfolio view shows of one account, from its readings and overrides."""
    history = history_of(readings, rules)
    account_facts = facts(account)
    card = evaluate(account_facts, history, rules, as_of=as_of, trend_weeks=trend_weeks)
    return _overridden(
        account_facts, history, card, overrides, rules, with_previous_week=with_previous_week
    )


def _overridden(
    account_facts: AccountFacts,
    history: History,
    card: Scorecard,
    overrides: Collection[Override],
    rules: Rules,
    *,
    with_previous_week: bool,
) -> Scored:
    """`card` (as of its day) with the override in force, and the status a week before."""
    as_of = card.as_of
    override = in_force(overrides, as_of, rules.team_timezone)
    if override is not None:
        card = replace(card, override=override)
    if not with_previous_week:
        return Scored(card, card.status)
    last_week = previous_week_end(as_of)
    called = in_force(overrides, last_week, rules.team_timezone)
    previous = (
        called.status
        if called is not None
        else evaluate(account_facts, history, rules, as_of=last_week, trend_weeks=0).status
    )
    return Scored(card, previous)


@dataclass(frozen=True, slots=True)
class _Made:
    """A scorecard a transaction made of an account from its whole history (a rating's, once
    recorded), with what it was made from: keeping the account's state would make it again
    while the transaction has written nothing more that a scorecard is computed from."""

    changes: int  # `state_rows.changes` when it was made
    rules: Rules
    facts: AccountFacts
    history: History
    card: Scorecard  # no override; its trend of `rules.trend_weeks` weeks


def made(
    session: Session, account_id: int, rules: Rules, account_facts: AccountFacts,
    history: History, card: Scorecard,
) -> None:  # fmt: skip
    """Remember `card`, just made from the account's whole `history` in this transaction with
    everything it wrote flushed, so keeping the account's state scores it no second time."""
    session.info.setdefault(state_rows.SCORED, {})[account_id] = _Made(
        state_rows.changes(session), rules, account_facts, history, card
    )


def _made_again(
    session: Session, account_id: int, rules: Rules, as_of: date, overrides: Collection[Override]
) -> Scored | None:
    """The account's kept state from the card the transaction made of it, if that still holds
    (same rules and day, nothing written since) and its trend covers TREND_WINDOW_WEEKS."""
    found: _Made | None = session.info.get(state_rows.SCORED, {}).get(account_id)
    if (
        found is None
        or found.changes != state_rows.changes(session)
        or found.rules is not rules
        or found.card.as_of != as_of
        or rules.trend_weeks < TREND_WINDOW_WEEKS
    ):
        return None
    # A trend of more weeks ends with the same weeks as a shorter one: its latest are kept.
    trend = found.card.trend
    card = replace(
        found.card, trend=replace(trend, weekly=trend.weekly[-(TREND_WINDOW_WEEKS + 1) :])
    )
    return _overridden(found.facts, found.history, card, overrides, rules, with_previous_week=True)


def score_accounts(
    session: Session,
    accounts: Collection[Account],
    rules: Rules,
    *,
    as_of: date,
    trend_weeks: int,
    with_previous_week: bool = True,
) -> dict[int, Scored]:
    """The accounts scored from their readings: the last TREND_WINDOW_WEEKS weeks before last
    week's end and each signal's latest reading before (all any current value, delta or recent
    week needs), in two queries; an account falling for about that long is scored again from its
    whole history, so its count of falling weeks is exact too. Up to `reading_rows.FEW` accounts
    (a rating's upkeep) are scored from their whole history, which the transaction keeps."""
    if not accounts:
        return {}
    ids = None if len(accounts) > BATCH else [a.id for a in accounts if a.id is not None]
    since = (
        None  # a few accounts (a transaction's): their whole history, read once
        if len(accounts) <= reading_rows.FEW
        else datetime.combine(
            previous_week_end(as_of) - timedelta(weeks=TREND_WINDOW_WEEKS), time.max, UTC
        )
    )
    readings = reading_rows.history_by_account(session, account_ids=ids, since=since)
    overrides = override_rows.overrides_by_account(session, account_ids=ids)
    scored: dict[int, Scored] = {}
    for account in accounts:
        assert account.id is not None
        found = score(
            account, readings.get(account.id, []), overrides.get(account.id, ()), rules,
            as_of=as_of, trend_weeks=trend_weeks, with_previous_week=with_previous_week,
        )  # fmt: skip
        if since is not None and found.card.trend.falling_weeks >= TREND_WINDOW_WEEKS - 1:
            whole = reading_rows.history_by_account(session, account_ids=[account.id])
            found = score(
                account, whole.get(account.id, []), overrides.get(account.id, ()), rules,
                as_of=as_of, trend_weeks=trend_weeks, with_previous_week=with_previous_week,
            )  # fmt: skip
        scored[account.id] = found
    return scored


def refresh(
    session: Session, account_ids: Collection[int], rules: Rules, *, today: date, now: datetime
) -> int:
    """Recompute the kept state of the accounts (their rows locked first) from their whole
    history as of `today`; an account no longer onboarding keeps none. How many were kept."""
    if not account_ids:
        return 0
    state_rows.lock_accounts(session, account_ids)
    key = card_codec.rules_key(rules)
    accounts = _onboarding(session, account_ids, today)
    again: dict[int, Scored] = {}
    if session.info.get(state_rows.SCORED):
        ids = [a.id for a in accounts if a.id is not None]
        overrides = override_rows.overrides_by_account(session, account_ids=ids)
        for account_id in ids:
            scored = _made_again(session, account_id, rules, today, overrides.get(account_id, ()))
            if scored is not None:
                again[account_id] = scored
    rest = [a for a in accounts if a.id not in again]
    rows = []
    for account_id, scored in (
        again | score_accounts(session, rest, rules, as_of=today, trend_weeks=TREND_WINDOW_WEEKS)
    ).items():
        card = scored.card
        rows.append(
            {
                "account_id": account_id,
                "day": today,
                "rules_key": key,
                "status": card.status.value,
                "score_tenths": card.score_tenths,
                "last_week_tenths": (
                    None if card.trend.delta_tenths is None or card.score_tenths is None
                    else card.score_tenths - card.trend.delta_tenths
                ),
                "previous_status": scored.previous_status.value,
                "flags": list(card.flags),
                "card": card_codec.pack(card),
                "computed_at": now,
            }
        )  # fmt: skip
    state_rows.replace_states(session, account_ids, rows)
    return len(rows)


def _onboarding(session: Session, account_ids: Collection[int], today: date) -> list[Account]:
    """The accounts still onboarding on `today`: those the transaction holds already (a
    rating's) as they are in it, the others read."""
    held: list[Account] = []
    unread: list[int] = []
    for account_id in account_ids:
        account = session.identity_map.get(identity_key(Account, account_id))
        if account is None:
            unread.append(account_id)
        elif account.outcome is None or (
            account.outcome_on is not None and account.outcome_on > today
        ):  # as `state_rows.onboarding_clause`
            held.append(account)  # type: ignore[arg-type]
    if unread:
        held += session.exec(
            select(Account).where(col(Account.id).in_(unread), state_rows.onboarding_clause(today))
        ).all()
    return held


def keep(session: Session, rules: Callable[[], Rules], *, today: date, now: datetime) -> None:
    """Before a transaction commits: recompute the state of every account it changed, with the
    rules `rules()` gives (asked only when something changed). A change whose accounts cannot be
    told leaves them all to the store's drop and the next rebuild."""
    changed = state_rows.take_marked(session)
    if state_rows.EVERY in changed:
        session.info.setdefault(state_rows.MARKED, set()).add(state_rows.EVERY)
        return
    if changed:
        refresh(session, changed, rules(), today=today, now=now)


@dataclass
class Rebuilt:
    kept: int = 0
    dropped: int = 0


def rebuild(
    engine: Engine, rules_of: Callable[[Session], Rules], *, today: date, now: datetime
) -> Rebuilt:
    """Every onboarding account's state as of `today` (a transaction per batch of accounts,
    with the rules `rules_of` gives in it), then the states of accounts that finished, or of
    another day or rules, dropped."""
    with session_scope(engine, read_only=True) as session:
        ids = [
            a.id for a in state_rows.onboarding_accounts(session, as_of=today) if a.id is not None
        ]
    result = Rebuilt()
    rules_key = ""
    for start in range(0, len(ids), BATCH):
        with session_scope(engine) as session:
            rules = rules_of(session)
            rules_key = card_codec.rules_key(rules)
            result.kept += refresh(session, ids[start : start + BATCH], rules, today=today, now=now)
    with session_scope(engine) as session:
        rules_key = rules_key or card_codec.rules_key(rules_of(session))
        result.dropped = state_rows.drop_other_days(session, day=today, rules_key=rules_key)
    return result


def kept_scores(
    session: Session,
    rules: Rules,
    accounts: Mapping[int, Account],
    *,
    as_of: date,
    trend_weeks: int,
    everyone: bool,
) -> dict[int, Scored]:
    """The accounts' kept states that hold for `as_of` and `rules` (the others are absent), the
    trend cut to its latest `trend_weeks` weeks. `everyone`: read every kept state in one query
    rather than by account ids."""
    found = state_rows.kept(
        session,
        day=as_of,
        rules_key=card_codec.rules_key(rules),
        account_ids=None if everyone else list(accounts),
    )
    scored: dict[int, Scored] = {}
    for account_id, (data, previous) in found.items():
        if account_id not in accounts:
            continue
        card = card_codec.unpack(data, rules=rules, trend_weeks=trend_weeks)
        scored[account_id] = Scored(card, Status(previous))
    return scored
