"""Phase gates as people work them: the checklist's ticks and values saved (each change on the
timeline; a linked signal rated Healthy when its item becomes met).

Gate changes are `Action.TRACK_RISKS`: the account's CSM, its follow-up owner, CSMs and admins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.services import rescue_thread, rescues
from bot.services.backend import Backend
from bot.services.gates import state_of
from bot.services.policy import Action, Ask, authorize
from bot.store import accounts as account_rows
from bot.store import events
from bot.store import gates as gate_rows
from bot.store import rescues as rescue_rows
from bot.store.tables import Account
from bot.store.tables import GateItem as GateRow
from scoring.errors import DomainError, InvalidValue
from scoring.gates import GateItem, Gates, GateState, is_met
from scoring.rules import Rules
from scoring.signals import Value

GATE_EVENT = "gate_item_changed"


@dataclass(frozen=True)
class Change:
    """One item's change, as the timeline and the answer say it."""

    item: GateItem
    before: GateState
    after: GateState

    def describe(self) -> str:
        if self.item.measured:
            value = (
                "blank"
                if self.after.value is None
                else f"{_number(self.after.value)}{self.item.unit_suffix}"
            )
            return f"{self.item.label}: {value} of {self.item.target_text()}"
        return f"{self.item.label}: {'done' if self.after.done else 'not done'}"


@dataclass(frozen=True)
class Saved:
    account: Account
    changes: tuple[Change, ...]
    rated: tuple[str, ...]  # labels of signals rated Healthy by a met item


def require(backend: Backend, ask: Ask, account: Account) -> None:
    """Before the modal opens: refuse at the command, not once the person has ticked."""
    with backend.session() as session:
        stored = session.get(Account, account.id)
        if stored is None:
            raise DomainError(f"{account.name} no longer exists")
        authorize(ask.actor, Action.TRACK_RISKS, account=stored)


def parse_value(item: GateItem, text: str | None) -> float | None:
    """A measured item's number as typed (blank: not measured)."""
    text = (text or "").strip().rstrip("%").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidValue(
            f"{item.label}: `{text}` is not a number; type one like {item.target_text()}"
        ) from None
    if not 0 <= value < float("inf"):
        raise InvalidValue(f"{item.label}: give a number of 0 or more")
    return value


def save(
    backend: Backend,
    ask: Ask,
    account_key: str,
    *,
    ticked: Iterable[str],
    values: Mapping[str, float | None],
) -> Saved:
    """The modal's answers: `ticked` items are done (the rest of the ticked kind are not), and
    each measured item takes its value. Only what changed is written, each as a timeline
    event; an item linked to a signal rates it Healthy when it becomes met."""
    now = backend.now()
    with backend.change(ask.key, rules=ask.known_rules) as session:
        stored = _account(session, account_key)
        authorize(ask.actor, Action.TRACK_RISKS, account=stored)
        gates: Gates = _rules(ask, backend).gates
        rows = gate_rows.gate_items_of(session, [stored.id]).get(stored.id, {})
        done = set(ticked)
        changes: list[Change] = []
        for item in gates.items:
            row = rows.get(item.key)
            before = state_of(row)
            if item.measured:
                if item.key not in values:
                    continue
                after = GateState(done=before.done, value=values[item.key])
            else:
                after = GateState(done=item.key in done, value=before.value)
            if after == before:
                continue
            _write(session, stored, item, row, after, actor=ask.user, now=now)
            changes.append(Change(item, before, after))
            events.record_event(
                session, account_id=stored.id, kind=GATE_EVENT, actor=ask.user, at=now,
                payload={"item": item.key, "label": item.label, "phase": item.phase.value,
                         "done": after.done, "value": after.value, "met": is_met(item, after),
                         "was_done": before.done, "was_value": before.value,
                         "target": item.target},
            )  # fmt: skip
        rated = _rate_linked(session, backend, ask, stored, changes, now=now)
        return Saved(stored, tuple(changes), rated)


def _rules(ask: Ask, backend: Backend) -> Rules:
    return ask.known_rules or backend.config.rules


def _account(session: Session, key: str) -> Account:
    stored = account_rows.get_account(session, key=key) if key else None
    if stored is None:
        raise DomainError("that account no longer exists")
    return stored


def _write(
    session: Session,
    account: Account,
    item: GateItem,
    row: GateRow | None,
    after: GateState,
    *,
    actor: str,
    now: datetime,
) -> None:
    if row is None:
        row = GateRow(account_id=account.id, item=item.key, phase=item.phase.value,  # type: ignore[arg-type]
                      updated_by=actor, updated_at=now)  # fmt: skip
    was_met = is_met(item, state_of(row)) if row.id is not None else False
    row.done, row.value, row.phase = after.done, after.value, item.phase.value
    row.updated_by, row.updated_at = actor, now
    if is_met(item, after) and not was_met:
        row.done_at = now
    session.add(row)
    session.flush()


def _rate_linked(
    session: Session,
    backend: Backend,
    ask: Ask,
    account: Account,
    changes: list[Change],
    *,
    now: datetime,
) -> tuple[str, ...]:
    """Items linked to a signal that just became met rate it Healthy, in the same transaction."""
    taxonomy = _rules(ask, backend).taxonomy
    linked = [
        c for c in changes
        if c.item.signal and is_met(c.item, c.after) and not is_met(c.item, c.before)
        and c.item.signal in taxonomy.by_key
    ]  # fmt: skip
    if not linked:
        return ()
    rescue = rescue_rows.open_rescue(session, account_id=account.id)
    authorize(
        ask.actor, Action.RATE, account=account, rescue_owner=rescue.owner if rescue else None
    )
    signals = {c.item.signal: c.item.label for c in linked}
    ratings = [(taxonomy.by_key[key], Value.HEALTHY) for key in signals]
    note = "Gate met: " + ", ".join(signals.values())
    _, opened = rescues.record_and_rescue(
        session, backend.config, account=account, ratings=ratings, author=ask.user, note=note,
        source="gate", now=now, channel=ask.channel,
    )  # fmt: skip
    if opened is not None:
        rescue_thread.announce(session, backend.config, opened, now=now, fallback=ask.channel)
    return tuple(taxonomy.by_key[key].label for key in signals)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
