"""Phase gates, the read side: where an account stands on each item, since when it tracks gates,
and which items are overdue, for the scorecard, the standup and the digest. Saving the
checklist is `bot.services.gate_actions`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from sqlmodel import Session

from bot.store import gates as gate_rows
from bot.store.tables import Account
from bot.store.tables import GateItem as GateRow
from scoring.gates import GateState, OverdueGate, overdue_gates
from scoring.gates import tracking_start as start_of_tracking
from scoring.rules import Rules
from scoring.scorecard import Scorecard


def state_of(row: GateRow | None) -> GateState:
    return GateState() if row is None else GateState(done=row.done, value=row.value)


def states_of(session: Session, account: Account) -> dict[str, GateState]:
    rows = gate_rows.gate_items_of(session, [account.id]).get(account.id, {})
    return {key: state_of(row) for key, row in rows.items()}


def tracking_start(account: Account, rules: Rules, configured_on: date | None) -> date:
    added = account.created_at.astimezone(rules.team_timezone).date()
    return start_of_tracking(added, configured_on)


def overdue_of(
    session: Session, accounts: Iterable[Account], rules: Rules, *, as_of: date
) -> dict[int, tuple[OverdueGate, ...]]:
    """Each account's overdue gate items as of a day (accounts with none are left out)."""
    chosen = [a for a in accounts if a.signed_on is not None]
    if not rules.gates.items or not chosen:
        return {}
    configured_on = gate_rows.gates_configured_on(session)
    rows = gate_rows.gate_items_of(session, [a.id for a in chosen] if len(chosen) < 500 else None)
    found: dict[int, tuple[OverdueGate, ...]] = {}
    # An account with no item ticked or measured is overdue on what its dates alone say: asked
    # once per (signature, tracking start), not once per account of a whole portfolio.
    untouched: dict[tuple[date, date], tuple[OverdueGate, ...]] = {}
    for account in chosen:
        assert account.signed_on is not None
        tracking_from = tracking_start(account, rules, configured_on)
        ticked = rows.get(account.id)
        if ticked:
            states = {key: state_of(row) for key, row in ticked.items()}
            overdue = overdue_gates(rules.gates, states, signed_on=account.signed_on,
                                    tracking_from=tracking_from, as_of=as_of)  # fmt: skip
        else:
            dates = (account.signed_on, tracking_from)
            if dates not in untouched:
                untouched[dates] = overdue_gates(
                    rules.gates, {}, signed_on=dates[0], tracking_from=dates[1], as_of=as_of
                )
            overdue = untouched[dates]
        if overdue:
            found[account.id] = overdue  # type: ignore[index]
    return found


def with_gates(session: Session, account: Account, card: Scorecard, rules: Rules) -> Scorecard:
    """`card` with the account's gate items overdue on the card's day."""
    overdue = overdue_of(session, [account], rules, as_of=card.as_of)
    return replace(card, overdue_gates=overdue.get(account.id, ()))  # type: ignore[arg-type]
