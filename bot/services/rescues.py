"""Rescue use cases: open (by hand or on a trigger), acknowledge, log actions, change the owner
or checkpoint, resolve. Each records a timeline event with the actor and the time elapsed since
the rescue opened; the caller owns the transaction and posts to Slack after it commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.config import Config
from bot.messages import limits
from bot.messages.models import RescueView, elapsed
from bot.messages.text import mention
from bot.services import hubspot_notes, portfolio
from bot.services.readings import Recorded, record_readings
from bot.services.weights import rules_in_force
from bot.store import current_state as state_rows
from bot.store import events
from bot.store import readings as reading_rows
from bot.store import rescues as rescue_rows
from bot.store.tables import Account, Escalation, Event, Reading, Rescue
from scoring.errors import DomainError, InvalidValue
from scoring.escalation import is_severe
from scoring.rescue import RescueTrigger, TriggerKind, rescue_terms, rescue_triggers
from scoring.scorecard import Scorecard, evaluate
from scoring.signals import Signal, Value

MAX_TEXT = limits.TEXT_INPUT  # what the rescue modals take
RESOLUTIONS = ("recovered", "not_recovered", rescue_rows.NOT_NEEDED)


@dataclass(frozen=True)
class Opened:
    """The rescue a trigger landed on: new (`created`) or the one already open."""

    view: RescueView
    created: bool
    trigger: RescueTrigger


def _text(value: str | None, name: str, *, required: bool = False) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidValue(f"{name} is required")
    if len(text) > MAX_TEXT:
        raise InvalidValue(f"{name} is {len(text):,} characters; keep it under {MAX_TEXT:,}")
    return text or None


def view_of(
    session: Session, config: Config, rescue: Rescue, *, today: date, card: Scorecard | None = None
) -> RescueView:
    """The rescue as its messages show it; `card`, its account's scorecard as of `today` (as
    `portfolio.scorecard` gives it), when the caller computed it already in this transaction."""
    account = session.get(Account, rescue.account_id)
    assert account is not None
    if card is None:
        card = portfolio.scorecard(session, account, rules_in_force(session, config), as_of=today)
    plan = session.exec(
        select(Escalation)
        .where(Escalation.rescue_id == rescue.id)
        .order_by(col(Escalation.id).desc())
    ).first()
    severe = (
        None
        if rescue.state == "resolved"
        else is_severe(
            card.status, falling=card.falling, checkpoint_on=rescue.checkpoint_on, today=today
        )
    )
    return RescueView(rescue, account, card, severe, plan)


def _event(session: Session, rescue: Rescue, kind: str, actor: str, now: datetime,
           **payload: Any) -> None:  # fmt: skip
    recorded = events.record_event(
        session, account_id=rescue.account_id, kind=kind, actor=actor, at=now,
        payload={"rescue_id": rescue.id, "elapsed_seconds":
                 int((now - rescue.opened_at).total_seconds()), **payload},
    )  # fmt: skip
    hubspot_notes.note(session, recorded)  # opened and resolved are noted in HubSpot


def open_rescue(
    session: Session,
    config: Config,
    *,
    account: Account,
    trigger: RescueTrigger,
    actor: str,
    now: datetime,
    owner: str | None = None,
    checkpoint_on: date | None = None,
    note: str | None = None,
    channel: str | None = None,
) -> Opened:
    """Open the account's rescue, or land the trigger on the one already open."""
    today = now.astimezone(config.rules.team_timezone).date()
    note = _text(note, "the note")
    if checkpoint_on is not None and checkpoint_on < today:
        raise InvalidValue(f"`due:` {checkpoint_on.isoformat()} is in the past; pick a later date")
    state_rows.lock_accounts(session, [account.id])
    existing = rescue_rows.open_rescue(session, account_id=account.id)
    if existing is not None:
        _event(session, existing, "rescue_trigger", actor, now, trigger=trigger.kind.value,
               reason=trigger.reason, note=note)  # fmt: skip
        return Opened(view_of(session, config, existing, today=today), False, trigger)
    # The card the rescue opens at is the one its message shows: scored once.
    card = portfolio.scorecard(session, account, rules_in_force(session, config), as_of=today)
    terms = rescue_terms(card.status, now, config.rules.rescue, tz=config.rules.team_timezone,
                         holidays=config.rules.holidays)  # fmt: skip
    rescue = rescue_rows.add_rescue(
        session, account_id=account.id, trigger=trigger.kind.value,
        reason=trigger.reason + (f": {note}" if note else ""),
        owner=owner or account.followup_owner or account.csm or actor, opened_by=actor,
        opened_at=now, sla_due_at=terms.sla_due_at,
        checkpoint_on=checkpoint_on or terms.checkpoint_on, status_at_open=card.status.value,
        score_at_open=card.score, next_step=account.followup_next,
    )  # fmt: skip
    rescue.channel = account.channel or config.rescue_channel or channel
    session.add(rescue)
    session.flush()
    _event(session, rescue, "rescue_opened", actor, now, trigger=trigger.kind.value,
           reason=rescue.reason, owner=rescue.owner, sla_due_at=rescue.sla_due_at.isoformat(),
           checkpoint_on=rescue.checkpoint_on.isoformat(), status=card.status.value,
           score=card.score)  # fmt: skip
    return Opened(view_of(session, config, rescue, today=today, card=card), True, trigger)


MANUAL = RescueTrigger(TriggerKind.MANUAL, "opened by hand")


def severity_said(session: Session, rescue: Rescue) -> bool:
    """Whether the rescue's turn to severe was already said (its `rescue_severe` event)."""
    return any(
        e.payload.get("rescue_id") == rescue.id
        for e in events.events_of_kind(session, account_id=rescue.account_id, kind="rescue_severe")
    )


def rescue_by_id(session: Session, rescue_id: int) -> Rescue:
    rescue = session.get(Rescue, rescue_id)
    if rescue is None:
        raise DomainError("that rescue no longer exists")
    return rescue


def _lock(session: Session, rescue: Rescue) -> None:
    """Lock the rescue's row and re-read it, then check it is still open: a transition is
    decided on the state every earlier click committed, whoever loaded `rescue` and how."""
    rescue_rows.lock_rescue(session, rescue_id=rescue.id)
    _open(rescue)


def _open(rescue: Rescue) -> None:
    if rescue.state == "resolved":
        raise DomainError("this rescue is already resolved; open a new one with `/rescue`")


def acknowledge(session: Session, rescue: Rescue, *, actor: str, now: datetime) -> str:
    """Stop the response clock; returns how long the response took."""
    _lock(session, rescue)
    if rescue.acknowledged_at is not None:
        took = elapsed(rescue.opened_at, rescue.acknowledged_at)
        acks = events.events_of_kind(session, account_id=rescue.account_id,
                                     kind="rescue_acknowledged")  # fmt: skip
        by = [e.actor for e in acks if e.payload.get("rescue_id") == rescue.id]
        who = f" by {mention(by[0])}" if by else ""
        raise DomainError(f"already acknowledged{who}, {took} after opening")
    rescue.acknowledged_at = now
    rescue.state = "acknowledged" if rescue.state == "open" else rescue.state
    session.add(rescue)
    session.flush()
    took = elapsed(rescue.opened_at, now)
    _event(session, rescue, "rescue_acknowledged", actor, now,
           within_sla=now <= rescue.sla_due_at, response=took)  # fmt: skip
    return took


def log_action(
    session: Session, rescue: Rescue, *, actor: str, now: datetime, done: str | None,
    customer_response: str | None, next_step: str | None,
) -> None:  # fmt: skip
    """What was done, what the customer said, what is next; the first action is a response."""
    _lock(session, rescue)
    done = _text(done, "What was done", required=True)
    customer = _text(customer_response, "The customer's response")
    step = _text(next_step, "The next step")
    if rescue.acknowledged_at is None:
        acknowledge(session, rescue, actor=actor, now=now)
    if step:
        rescue.next_step = step
    if rescue.state in ("open", "acknowledged"):
        rescue.state = "recovering"
    session.add(rescue)
    session.flush()
    _event(session, rescue, "rescue_action", actor, now, done=done, customer_response=customer,
           next_step=step)  # fmt: skip


def change(
    session: Session, rescue: Rescue, *, actor: str, now: datetime, today: date,
    owner: str | None, checkpoint_on: date | None,
) -> dict[str, tuple[str | None, str | None]]:  # fmt: skip
    """A new owner and/or checkpoint date; returns what changed (before, after)."""
    _lock(session, rescue)
    if checkpoint_on is not None and checkpoint_on < today:
        raise InvalidValue(f"the checkpoint {checkpoint_on.isoformat()} is in the past")
    changed: dict[str, tuple[str | None, str | None]] = {}
    if owner and owner != rescue.owner:
        changed["owner"] = (rescue.owner, owner)
        rescue.owner = owner
    if checkpoint_on and checkpoint_on != rescue.checkpoint_on:
        changed["checkpoint_on"] = (rescue.checkpoint_on.isoformat(), checkpoint_on.isoformat())
        rescue.checkpoint_on = checkpoint_on
    if not changed:
        raise InvalidValue("nothing changed: pick a different owner or checkpoint date")
    session.add(rescue)
    session.flush()
    _event(session, rescue, "rescue_changed", actor, now,
           changed={k: list(v) for k, v in changed.items()})  # fmt: skip
    return changed


def resolve(
    session: Session, config: Config, rescue: Rescue, *, actor: str, now: datetime,
    resolution: str, note: str | None,
) -> Scorecard:  # fmt: skip
    """Close the rescue as recovered or not; records the account's status at closing."""
    _lock(session, rescue)
    if resolution not in RESOLUTIONS:
        raise InvalidValue("choose whether the account recovered")
    note = _text(note, "The note")
    today = now.astimezone(config.rules.team_timezone).date()
    account = session.get(Account, rescue.account_id)
    assert account is not None
    card = portfolio.scorecard(session, account, rules_in_force(session, config), as_of=today)
    rescue_rows.resolve_rescue(session, rescue=rescue, resolution=resolution, resolved_at=now)
    _event(session, rescue, "rescue_resolved", actor, now, resolution=resolution, note=note,
           status=card.status.value, score=card.score)  # fmt: skip
    return card


def record_and_rescue(
    session: Session, config: Config, *, account: Account,
    ratings: Sequence[tuple[Signal, Value]], author: str, note: str | None, source: str,
    now: datetime, channel: str | None, recorded_at: datetime | None = None,
) -> tuple[Recorded, Opened | None]:  # fmt: skip
    """Record ratings and, in the same transaction, open (or add to) the account's rescue when
    they set off a trigger: it turned At risk, started falling three weeks in a row, or a signal
    went to 0. A rating that corrects the one which opened the automatic rescue, before anyone
    acted on it, closes that rescue (`recorded.closed`, see `close_if_opened_by_mistake`)."""
    recorded = record_readings(session, rules_in_force(session, config), account=account,
                               ratings=ratings, author=author, note=note, source=source,
                               now=now, recorded_at=recorded_at)  # fmt: skip
    closed = close_if_opened_by_mistake(session, config, account, recorded, author, now)
    if closed is not None:
        recorded = replace(recorded, closed=closed)
    triggers = rescue_triggers(recorded.after, before=recorded.before)
    if not triggers:
        return recorded, None
    combined = RescueTrigger(triggers[0].kind, "; ".join(t.reason for t in triggers),
                             triggers[0].signal)  # fmt: skip
    opened = open_rescue(session, config, account=account, trigger=combined, actor=author,
                         now=now, channel=channel)  # fmt: skip
    return recorded, opened


# What the bot writes about a rescue by itself: none of these is someone acting on it.
UNATTENDED = frozenset({"rescue_opened", "rescue_trigger", "rescue_severe"})


def close_if_opened_by_mistake(
    session: Session, config: Config, account: Account, recorded: Recorded, actor: str,
    now: datetime,
) -> Rescue | None:  # fmt: skip
    """Close the account's automatic rescue as `opened_by_mistake` when `recorded` corrects the
    rating that opened it (gives one of its signals another value), nobody has acted on the
    rescue yet, and with the values in force now it would not have opened. Returns the closed
    rescue, else None. Acted means anything but the bot's own events: acknowledged, an action
    logged, the owner or date changed, claimed, escalated. The caller holds the account's lock.
    """
    if not recorded.recorded:
        return None
    rescue = session.exec(_open_rescue_locked(), params={"account_id": account.id}).first()  # type: ignore[call-overload]
    if rescue is None or rescue.trigger == TriggerKind.MANUAL:
        return None
    # Cheapest first, since every rating of an account in rescue asks: which values the
    # opening rating gave, then whether anyone acted, and only then the whole history.
    opened_with = _opening_values(session, rescue)
    corrected = sorted(
        c.signal.key for c in recorded.recorded
        if c.signal.key in opened_with and int(c.value) != opened_with[c.signal.key]
    )  # fmt: skip
    if not corrected or not _unattended(session, rescue):
        return None
    rules = rules_in_force(session, config)
    rows = reading_rows.history_by_account(session, account_ids=[account.id]).get(account.id, [])
    opening = [
        i for i, r in enumerate(rows)
        if r.recorded_at == rescue.opened_at and r.author == rescue.opened_by
    ]  # fmt: skip
    today = now.astimezone(rules.team_timezone).date()
    before_opening = evaluate(
        portfolio.facts(account), portfolio.history_of(rows[: opening[0]], rules), rules,
        as_of=today,
    )  # fmt: skip
    if rescue_triggers(recorded.after, before=before_opening):
        return None
    mistake = rescue_rows.OPENED_BY_MISTAKE
    rescue_rows.resolve_rescue(session, rescue=rescue, resolution=mistake, resolved_at=now)
    _event(session, rescue, "rescue_resolved", actor, now, resolution=mistake, note=None,
           corrected=corrected, status=recorded.after.status.value,
           score=recorded.after.score)  # fmt: skip
    return rescue


@cache
def _open_rescue_locked() -> Any:
    """The account's open rescue, locked and read anew (built once: every rating asks)."""
    return (
        select(Rescue)
        .where(Rescue.open_account_id == bindparam("account_id"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _opening_values(session: Session, rescue: Rescue) -> dict[str, int]:
    """The values the rating that opened `rescue` gave: it was recorded in the rescue's
    transaction, at its instant, by its opener (the first of a signal then: a fix comes after)."""
    rows = session.exec(
        select(Reading.signal, Reading.value)
        .where(
            Reading.account_id == rescue.account_id,
            Reading.recorded_at == rescue.opened_at,
            Reading.author == rescue.opened_by,
        )
        .order_by(col(Reading.id))
    )
    opened_with: dict[str, int] = {}
    for signal, value in rows:
        opened_with.setdefault(signal, value)
    return opened_with


def _unattended(session: Session, rescue: Rescue) -> bool:
    """Whether nobody has acted on the rescue: still open, unacknowledged, and every event
    about it one the bot wrote by itself."""
    if rescue.state != "open" or rescue.acknowledged_at is not None:
        return False
    acted = session.exec(
        select(Event.payload).where(
            Event.account_id == rescue.account_id,
            col(Event.at) >= rescue.opened_at,
            col(Event.kind).not_in(list(UNATTENDED)),
        )
    )
    return not any(payload.get("rescue_id") == rescue.id for payload in acted)
