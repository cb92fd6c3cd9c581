"""Recording a signal reading: one per real change, on the timeline, with what it did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.services.errors import InvalidValue
from bot.services.portfolio import facts, history_of
from bot.store import events
from bot.store import readings as reading_rows
from bot.store.tables import Account
from scoring.readings import Reading
from scoring.rules import Rules
from scoring.scorecard import Scorecard, evaluate
from scoring.signals import Signal, Value

DUPLICATE_WINDOW = timedelta(minutes=10)
MAX_NOTE_CHARS = 3000


@dataclass(frozen=True)
class Recorded:
    """What recording a reading did: `duplicate` when it was already there (a retry, a re-click)."""

    account: Account
    signal: Signal
    value: Value
    duplicate: bool
    before: Scorecard
    after: Scorecard


def record_reading(
    session: Session,
    rules: Rules,
    *,
    account: Account,
    signal: Signal,
    value: Value,
    author: str,
    note: str | None,
    source: str,
    now: datetime,
) -> Recorded:
    """Append a reading unless the same author gave the same value to the same signal within
    the last 10 minutes; the caller owns the transaction."""
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise InvalidValue(
            f"the note is {len(note):,} characters; keep it under {MAX_NOTE_CHARS:,}"
        )
    rows = reading_rows.history_by_account(session, account_ids=[account.id]).get(account.id, [])
    history = history_of(rows, rules)
    today = now.astimezone(rules.team_timezone).date()
    before = evaluate(facts(account), history, rules, as_of=today)
    duplicate = reading_rows.find_recent_duplicate(
        session,
        account_id=account.id,
        signal=signal.key,
        value=int(value),
        author=author,
        recorded_at=now,
        window=DUPLICATE_WINDOW,
    )
    if duplicate is not None:
        return Recorded(account, signal, value, True, before, before)
    row = reading_rows.add_reading(
        session,
        account_id=account.id,
        signal=signal.key,
        value=int(value),
        note=note,
        author=author,
        source=source,
        recorded_at=now,
    )
    added = Reading(row.signal, row.value, row.recorded_at, row.author, row.note, row.source)
    after = evaluate(facts(account), history_of([*rows, added], rules), rules, as_of=today)
    events.record_event(
        session,
        account_id=account.id,
        kind="reading_recorded",
        actor=author,
        at=now,
        payload={
            "signal": signal.key,
            "from": previous.value if (previous := before.line(signal.key)) else None,
            "to": int(value),
            "note": note,
            "source": source,
            "score_before": before.score,
            "score_after": after.score,
            "status_before": before.status.value,
            "status_after": after.status.value,
        },
    )
    return Recorded(account, signal, value, False, before, after)
