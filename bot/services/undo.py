"""Undoing a rating: the person who gave it, within ten minutes, puts back every signal it
changed by recording new readings (the history keeps the slip and its undo), in one transaction.

What the rating changed is its readings (`Recorded.reading_ids`, carried by the Undo button).
A signal that was unrated before has no value to go back to, and one rated again since by
anyone keeps that newer value: both are left as they are and said so. The restoring readings go
through `rescues.record_and_rescue` like any correction, so the automatic rescue the rating
opened, if nobody has acted on it, closes as `opened_by_mistake` (its thread, card and owner are
told). A `rating_undone` event marks the rating: a second undo, or a second click racing the
first under the account's lock, is refused with what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.messages.ids import undo_value
from bot.messages.text import mention
from bot.services import portfolio, rescue_thread, rescues
from bot.services.backend import Backend
from bot.services.policy import Ask, authorize_undo
from bot.services.readings import Recorded
from bot.services.rescues import Opened
from bot.services.weights import rules_in_force
from bot.store import accounts as account_rows
from bot.store import events
from bot.store.tables import Account, Reading
from scoring.errors import DomainError
from scoring.scorecard import Scorecard
from scoring.signals import Signal, Taxonomy, Value

UNDONE = "rating_undone"


@dataclass(frozen=True)
class Kept:
    """A signal the undo left as it is, and why: unrated before, or rated again since."""

    signal: Signal
    rated_since_by: str | None  # None: it was unrated before the rating


@dataclass(frozen=True)
class Undone:
    account: Account
    recorded: Recorded  # the readings that put the values back
    kept: tuple[Kept, ...]
    opened: Opened | None
    card: Scorecard


def offer(recorded: Recorded, *, surface: str) -> str | None:
    """The Undo button's value on a rating's answer (`surface`: `signal` or `card`), or None
    when none is offered: it recorded nothing, or every signal it changed was unrated before
    (an unrated signal cannot go back to unrated)."""
    if not recorded.reading_ids or all(c.before is None for c in recorded.recorded):
        return None
    return undo_value(surface, recorded.reading_ids)


def undo(backend: Backend, ask: Ask, reading_ids: Sequence[int]) -> Undone:
    """Undo the rating that recorded `reading_ids`, by the person who gave it, within ten
    minutes of giving it; refused, with nothing written, otherwise."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        rating = _rating(session, reading_ids)
        account = session.get(Account, rating[0].account_id)
        if account is None:
            raise DomainError("that account no longer exists")
        account_rows.lock(session, account_id=account.id)
        session.refresh(account)
        authorize_undo(ask.actor, account=account, author=rating[0].author,
                       given_at=rating[0].recorded_at, now=now)  # fmt: skip
        _not_undone_yet(session, account, rating)
        rules = rules_in_force(session, backend.config)
        restore, kept = _what_to_restore(session, rules.taxonomy, rating)
        if not restore:
            raise DomainError(_nothing_to_restore(account, kept))
        recorded, opened = rescues.record_and_rescue(
            session, backend.config, account=account, ratings=restore, author=ask.user,
            note=None, source="undo", now=now, channel=ask.channel,
        )  # fmt: skip
        events.record_event(
            session, account_id=account.id, kind=UNDONE, actor=ask.user, at=now,
            payload={"readings": [r.id for r in rating],
                     "restored": {s.key: int(v) for s, v in restore},
                     "kept": [k.signal.key for k in kept],
                     "rescue_closed_id": recorded.closed.id if recorded.closed else None},
        )  # fmt: skip
        if opened is not None:
            rescue_thread.announce(session, backend.config, opened, now=now, fallback=ask.channel)
        if recorded.closed is not None:
            rescue_thread.closed_by_correction(
                session, backend.config, recorded.closed, corrected_by=ask.user, now=now,
                undone=True,
            )  # fmt: skip
        card = portfolio.with_override(session, account, recorded.after, rules)
        return Undone(account, recorded, tuple(kept), opened, card)


def _rating(session: Session, reading_ids: Sequence[int]) -> list[Reading]:
    """The readings of one rating: one account, one author, one instant."""
    rows = list(session.exec(select(Reading).where(col(Reading.id).in_(list(reading_ids)))))
    if not rows or len(rows) != len(set(reading_ids)):
        raise DomainError("that rating is no longer there to undo")
    if len({(r.account_id, r.author, r.recorded_at) for r in rows}) != 1:
        raise DomainError("those readings are not one rating, so they can't be undone together")
    return sorted(rows, key=lambda r: r.id or 0)


def _not_undone_yet(session: Session, account: Account, rating: list[Reading]) -> None:
    ids = {r.id for r in rating}
    for event in events.events_of_kind(session, account_id=account.id, kind=UNDONE):
        if ids & set(event.payload.get("readings") or []):
            when = event.at.strftime("%H:%M UTC")
            raise DomainError(f"you already undid this rating, at {when}")


def _what_to_restore(
    session: Session, taxonomy: Taxonomy, rating: list[Reading]
) -> tuple[list[tuple[Signal, Value]], list[Kept]]:
    """Each signal's value just before the rating, unless it had none or was rated since."""
    signals = [r.signal for r in rating]
    history = session.exec(
        select(Reading)
        .where(Reading.account_id == rating[0].account_id, col(Reading.signal).in_(signals))
        .order_by(col(Reading.recorded_at), col(Reading.id))
    ).all()
    restore: list[tuple[Signal, Value]] = []
    kept: list[Kept] = []
    for reading in rating:
        signal = taxonomy.resolve(reading.signal)  # a retired signal: refused, with why
        of_signal = [r for r in history if r.signal == reading.signal]
        place = next(i for i, r in enumerate(of_signal) if r.id == reading.id)
        if place < len(of_signal) - 1:
            kept.append(Kept(signal, of_signal[-1].author or "someone"))
        elif place == 0:
            kept.append(Kept(signal, None))
        else:
            restore.append((signal, Value(of_signal[place - 1].value)))
    return restore, kept


def _nothing_to_restore(account: Account, kept: list[Kept]) -> str:
    """Said as an error, which shows no mentions: the signals by label, why in words."""
    said = "; ".join(
        f"{k.signal.label} was " + ("unrated before" if k.rated_since_by is None else
                                    "rated again since")
        for k in kept
    )  # fmt: skip
    return f"nothing to undo on {account.name}: {said}"


def kept_text(kept: Kept) -> str:
    """Why a signal was left as it is, in words."""
    if kept.rated_since_by is None:
        return f"{kept.signal.label} was unrated before, so it stays as rated"
    by = mention(kept.rated_since_by)
    return f"{kept.signal.label} was rated again since by {by}, so it stays as they rated it"
