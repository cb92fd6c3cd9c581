"""The daily recompute: every onboarding account's score written to this week's snapshot, the
rescue triggers that time alone set off (a third falling week, a floor reached) fired, and every
account's kept current state rebuilt for the new day (`current_state.rebuild`).

Readings fire their triggers as they are recorded; what changes with no new reading is found
here by scoring each account as of today and as of the previous recompute. Rescues it opens or
adds to are announced through the outbox in the transaction that opens them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine

from bot.config import Config
from bot.services import current_state, rescue_thread
from bot.services.portfolio import TREND_WINDOW_WEEKS, facts, history_of
from bot.services.rescues import open_rescue
from bot.services.weights import rules_in_force
from bot.store import accounts as account_rows
from bot.store import readings as reading_rows
from bot.store.db import session_scope
from bot.store.snapshots import upsert_snapshot
from bot.store.tables import Account
from scoring.rescue import RescueTrigger, rescue_triggers
from scoring.scorecard import evaluate
from scoring.weeks import previous_week_end, week_end, week_label

log = logging.getLogger("rescuebot.recompute")
ACTOR = "rescuebot"
BATCH = 500


@dataclass
class Recomputed:
    snapshots: int = 0
    states: int = 0
    opened: list[str] = field(default_factory=list)
    triggered: list[str] = field(default_factory=list)


def recompute(
    engine: Engine,
    config: Config,
    *,
    today: date,
    since: datetime | None,
    now: datetime,
    run_key: str,
) -> Recomputed:
    """Snapshot every onboarding account as of `today` and fire the triggers it entered since
    `since` (when the previous recompute ran: what it saw is rebuilt from the readings recorded
    until then; the first recompute fires nothing)."""
    with session_scope(engine, read_only=True) as session:
        rules = rules_in_force(session, config)
        accounts = [
            a
            for a in account_rows.list_accounts(session)
            if a.outcome is None or (a.outcome_on is not None and a.outcome_on > today)
        ]
        earliest = min(since.astimezone(rules.team_timezone).date(), today) if since else today
        window_start = previous_week_end(earliest) - timedelta(weeks=TREND_WINDOW_WEEKS)
        readings = reading_rows.history_by_account(
            session, since=datetime.combine(window_start, time.max, UTC)
        )
    result = Recomputed()
    week, end = week_label(today), week_end(today)
    changes: list[tuple[Account, float | None, str, float, list[RescueTrigger]]] = []
    for account in accounts:
        rows = readings.get(account.id, [])
        account_facts = facts(account)
        after = evaluate(account_facts, history_of(rows, rules), rules, as_of=today, trend_weeks=0)
        triggers: list[RescueTrigger] = []
        if since is not None:
            seen = history_of([r for r in rows if r.recorded_at <= since], rules)
            day = since.astimezone(rules.team_timezone).date()
            before = evaluate(account_facts, seen, rules, as_of=day, trend_weeks=0)
            triggers = rescue_triggers(after, before=before)
        changes.append((account, after.score, after.status.value, after.coverage, triggers))
    for start in range(0, len(changes), BATCH):
        with session_scope(engine) as session:
            for account, score, status, coverage, _ in changes[start : start + BATCH]:
                assert account.id is not None
                upsert_snapshot(
                    session,
                    account_id=account.id,
                    week=week,
                    week_end=end,
                    score=score,
                    status=status,
                    coverage=coverage,
                    computed_at=now,
                    weights_version=rules.weights_version,
                )
                result.snapshots += 1
    for account, _, _, _, triggers in changes:
        if triggers:
            _fire(engine, config, account, triggers, now=now, result=result)
    rebuilt = current_state.rebuild(
        engine, lambda session: rules_in_force(session, config), today=today, now=now
    )
    result.states = rebuilt.kept
    return result


def _fire(
    engine: Engine,
    config: Config,
    account: Account,
    triggers: list[RescueTrigger],
    *,
    now: datetime,
    result: Recomputed,
) -> None:
    trigger = RescueTrigger(
        triggers[0].kind, "; ".join(t.reason for t in triggers), triggers[0].signal
    )
    with session_scope(engine) as session:
        stored = session.get(Account, account.id)
        assert stored is not None
        opened = open_rescue(session, config, account=stored, trigger=trigger, actor=ACTOR, now=now)
        rescue_thread.announce(session, config, opened, now=now, fallback=None)
    (result.opened if opened.created else result.triggered).append(account.key)
