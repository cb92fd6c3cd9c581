"""Claims clicked at once, on both databases: the account's row lock makes them take turns, and
a click whose line showed an owner that is no longer the owner is asked to confirm instead of
taking the follow-up; so simultaneous claims of one line leave exactly one owner, one `claimed`
event, the previous owner told once, and the rescue owned by the same person."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import select

from bot.config import load_config
from bot.services import account_actions, rescue_actions
from bot.services.backend import Backend
from bot.services.policy import Actor, Ask, Roles
from bot.store import accounts as account_rows
from bot.store.db import session_scope
from bot.store.tables import Account, Delivery, Event, Rescue
from tests.services.test_races import at_once

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
CSM = "U0CSM"
CLAIMERS = [f"U0CLAIM{i}" for i in range(10)]
ROLES = Roles(admins=frozenset(), csms=frozenset({CSM, *CLAIMERS}), approvers=frozenset())


def backend_on(engine: Engine) -> Backend:
    return Backend(config=load_config(None), engine=engine, clock=lambda: NOW)


def ask(user: str, key: str) -> Ask:
    return Ask(actor=Actor(user, ROLES), key=key, channel="C0ACME")


def account_with_rescue(engine: Engine) -> None:
    with session_scope(engine) as session:
        account = account_rows.add_account(
            session, key="acme", name="Acme Corp", segment="mid", csm=CSM, channel="C0ACME"
        )
        session.expunge(account)
    rescue_actions.open_by_hand(
        backend_on(engine), ask(CSM, "open"), account, owner=None, due=None, note=None
    )


def owners(engine: Engine) -> tuple[str | None, str | None]:
    with session_scope(engine, read_only=True) as session:
        account = session.exec(select(Account)).one()
        rescue = session.exec(select(Rescue)).one()
        return account.followup_owner, rescue.owner


def claimed_events(engine: Engine) -> list[Event]:
    with session_scope(engine, read_only=True) as session:
        return list(session.exec(select(Event).where(Event.kind == "claimed")))


def dms_saying(engine: Engine, words: str) -> list[str]:
    with session_scope(engine, read_only=True) as session:
        rows = session.exec(select(Delivery))
        return [d.channel for d in rows if words in str(d.payload.get("text", ""))]


def test_simultaneous_claims_of_one_line_leave_one_owner(engine: Engine) -> None:
    account_with_rescue(engine)
    backend = backend_on(engine)
    results: list[account_actions.Claimed] = []

    def claim(i: int) -> None:  # each line showed the rescue's owner, the CSM
        results.append(account_actions.claim(backend, ask(CLAIMERS[i], f"claim-{i}"), "acme",
                                             shown=CSM, checked=True))  # fmt: skip

    told = at_once([lambda i=i: claim(i) for i in range(len(CLAIMERS))])
    assert told == ["ok"] * len(CLAIMERS), told
    [event] = claimed_events(engine)
    winner = event.actor
    assert owners(engine) == (winner, winner)
    assert sum(r.changed for r in results) == 1
    assert sorted(r.confirm for r in results if not r.changed) == [winner] * (len(CLAIMERS) - 1)
    assert dms_saying(engine, "claimed the follow-up of *Acme Corp*") == [CSM]


def test_claims_without_the_shown_owner_take_turns_and_the_last_one_owns(engine: Engine) -> None:
    """A click that showed no owner to check (a message posted before the value carried it)
    is applied in turn: every claim is recorded, and the last one owns both."""
    account_with_rescue(engine)
    backend = backend_on(engine)
    told = at_once([
        lambda i=i: account_actions.claim(backend, ask(CLAIMERS[i], f"claim-{i}"), "acme")
        for i in range(len(CLAIMERS))
    ])  # fmt: skip
    assert told == ["ok"] * len(CLAIMERS), told
    events = claimed_events(engine)
    assert len(events) == len(CLAIMERS)
    last = max(events, key=lambda e: e.id).actor
    assert owners(engine) == (last, last)
    # each claim names the owner before it: one chain, no lost update
    in_order = sorted(events, key=lambda e: e.id)
    previous = [e.payload["previous_owner"] for e in in_order]
    assert previous == [None, *(e.actor for e in in_order[:-1])]


def test_an_unclaim_racing_claims_leaves_a_consistent_owner(engine: Engine) -> None:
    account_with_rescue(engine)
    backend = backend_on(engine)
    first = CLAIMERS[0]
    account_actions.claim(backend, ask(first, "first"), "acme")

    def unclaim() -> None:
        account_actions.unclaim(backend, ask(first, "unclaim"), "acme")

    def claim(i: int) -> None:
        account_actions.claim(backend, ask(CLAIMERS[i], f"claim-{i}"), "acme", shown=first,
                              checked=True)  # fmt: skip

    told = at_once([unclaim, *(lambda i=i: claim(i) for i in range(1, 5))])
    assert not any(t.startswith("CRASH") for t in told), told
    follow_up, rescue_owner = owners(engine)
    with session_scope(engine, read_only=True) as session:
        kinds = [e.kind for e in session.exec(select(Event).order_by(Event.id))
                 if e.kind in ("claimed", "unclaimed")]  # fmt: skip
    assert kinds[0] == "claimed" and kinds.count("claimed") <= 2
    if kinds[-1] == "unclaimed":  # it came last: the follow-up falls back, the rescue to the CSM
        assert (follow_up, rescue_owner) == (None, CSM)
    else:
        assert follow_up == rescue_owner and follow_up in CLAIMERS[1:5]
