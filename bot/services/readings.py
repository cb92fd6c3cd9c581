"""Recording signal readings: one per real change, on the timeline, saying what each did.

Several ratings given at once are validated together and recorded together, or not at all.
A rating that gives a signal the value it already has, by the same person within the duplicate
window (a Slack retry, a double click: see `scoring.duplicates`), is recognised as already
recorded, under the account's lock, so concurrent duplicates cannot both land. A different
value is always recorded, even one that returns to an earlier value. A repeat that brings a new
note is new information: it is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from bot.messages import limits
from bot.messages.models import Recorded, SignalChange
from bot.services import current_state
from bot.services.portfolio import facts, history_of
from bot.store import current_state as state_rows
from bot.store import events
from bot.store import readings as reading_rows
from bot.store.tables import Account
from scoring import duplicates
from scoring.errors import InvalidValue
from scoring.rules import Rules
from scoring.scorecard import evaluate
from scoring.signals import Signal, Value

MAX_NOTE_CHARS = limits.TEXT_INPUT  # what the note modal takes


def clean_note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidValue(
            f"the note is {len(text):,} characters; keep it under {MAX_NOTE_CHARS:,}"
        )
    return text or None


def record_readings(
    session: Session,
    rules: Rules,
    *,
    account: Account,
    ratings: Sequence[tuple[Signal, Value]],
    author: str,
    note: str | None,
    source: str,
    now: datetime,
    recorded_at: datetime | None = None,
) -> Recorded:
    """Append the ratings (each signal at most once); the caller owns the transaction. They are
    true from `recorded_at` (an integration's event time; `now` by default): an earlier one than
    a signal's latest reading goes into its history without becoming its value."""
    if not ratings:
        raise InvalidValue("give at least one signal and value, e.g. `import=2`")
    keys = [signal.key for signal, _ in ratings]
    if repeated := sorted({k for k in keys if keys.count(k) > 1}):
        raise InvalidValue(f"`{repeated[0]}` is rated twice in one command; rate it once")
    note = clean_note(note)
    state_rows.lock_accounts(session, [account.id])  # once, though keeping its state locks it too
    rows = reading_rows.history_by_account(session, account_ids=[account.id]).get(account.id, [])
    today = now.astimezone(rules.team_timezone).date()
    account_facts = facts(account)
    before = evaluate(account_facts, history_of(rows, rules), rules, as_of=today)
    at = recorded_at or now
    changes: list[SignalChange] = []
    ids: list[int] = []
    for signal, value in ratings:
        previous = before.line(signal.key)
        was = previous.value if previous else None
        same = duplicates.repeated(
            [r for r in rows if r.signal == signal.key], value=int(value), author=author, at=at
        )
        duplicate = same is not None and (note is None or same.note == note)
        changes.append(SignalChange(signal, was, value, duplicate))
        if duplicate:
            continue
        stored = reading_rows.add_reading(
            session, account_id=account.id, signal=signal.key, value=int(value), note=note,
            author=author, source=source, recorded_at=at,
        )  # fmt: skip
        assert stored.id is not None
        ids.append(stored.id)
    after = before
    if ids:
        # From the whole history as the transaction keeps it, the new readings flushed into it:
        # what keeping the account's state scores, so that reuses this card (`made`).
        whole = reading_rows.history_by_account(session, account_ids=[account.id])
        history = history_of(whole.get(account.id, []), rules)
        after = evaluate(account_facts, history, rules, as_of=today)
        assert account.id is not None
        current_state.made(session, account.id, rules, account_facts, history, after)
    for change in changes:
        if change.duplicate:
            continue
        events.record_event(
            session, account_id=account.id, kind="reading_recorded", actor=author, at=now,
            payload={"signal": change.signal.key, "from": change.before, "to": int(change.value),
                     "note": note, "source": source, "score_before": before.score,
                     "score_after": after.score, "status_before": before.status.value,
                     "status_after": after.status.value},
            flush=False,  # with the state's upkeep's flush: nothing here needs its id
        )  # fmt: skip
    return Recorded(account, tuple(changes), before, after, reading_ids=tuple(ids))
