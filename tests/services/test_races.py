"""Twenty people clicking at once: every rescue and plan transition applies once, by the database.

Each click runs the use case the Slack listener calls, in its own thread with its own connection
and its own Slack request key, all released together by a barrier. On PostgreSQL the transitions
take row locks (`SELECT … FOR UPDATE`) and re-check the state they found; on SQLite write
transactions begin IMMEDIATE and so run one after the other. Either way exactly one click wins
and the others get an answer that says what already happened, never a traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.config import load_config
from bot.services import accounts, rating, rescue_actions
from bot.services.backend import Backend
from bot.services.policy import Actor, Ask, Roles
from bot.store import accounts as account_rows
from bot.store.db import session_scope
from bot.store.tables import Approval, Delivery, Escalation, Event, Rescue
from scoring.errors import DomainError
from scoring.escalation import Decision
from scoring.signals import Value

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
CLICKS = 20
CSM, APPROVERS = "U0CSM", frozenset({"U1", "U2", "U3"})
ROLES = Roles(admins=frozenset(), csms=None, approvers=APPROVERS)
PLAN = {
    "root_cause": "ERP export fails",
    "impact": "No invoices",
    "intervention": "Joint fix",
    "success_criteria": "Import green for a week",
}


def backend_on(engine: Engine, *, minutes_later: int = 0) -> Backend:
    now = NOW + timedelta(minutes=minutes_later)
    return Backend(config=load_config(None), engine=engine, clock=lambda: now)


def ask(user: str, key: str | None = None) -> Ask:
    return Ask(actor=Actor(user, ROLES), key=key, channel="C0RESCUE")


def open_rescue(engine: Engine, *, arr: int = 100_000) -> int:
    """An account with an open rescue and its thread queued; returns the rescue's id."""
    with session_scope(engine) as session:
        account = account_rows.add_account(
            session, key="acme", name="Acme Corp", segment="mid", arr=arr, csm=CSM,
            channel="C0ACME",
        )  # fmt: skip
    opened = rescue_actions.open_by_hand(
        backend_on(engine), ask(CSM, "open"), account, owner=None, due=None, note=None
    )
    return opened.view.rescue.id


def at_once(clicks: list[Callable[[], object]]) -> list[str]:
    """Run every click at the same moment, each in its own thread; what each was told."""
    start = threading.Barrier(len(clicks))
    told: list[str] = [""] * len(clicks)

    def run(i: int) -> None:
        start.wait()
        try:
            clicks[i]()
            told[i] = "ok"
        except DomainError as exc:
            told[i] = str(exc)
        except Exception as exc:  # a traceback the user would have seen: fail with it
            told[i] = f"CRASH {type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clicks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a click never finished"
    return told


def kinds(engine: Engine, kind: str) -> list[Event]:
    with session_scope(engine, read_only=True) as session:
        return list(session.exec(select(Event).where(Event.kind == kind)))


def replies_saying(engine: Engine, words: str) -> int:
    with session_scope(engine, read_only=True) as session:
        texts = [d.payload.get("text", "") for d in session.exec(select(Delivery))]
    return sum(words in text for text in texts)


def clickers() -> list[str]:
    """Twenty clicks by the people who may work a rescue: its owner (the CSM) and approvers."""
    people = [CSM, *sorted(APPROVERS)]
    return [people[i % len(people)] for i in range(CLICKS)]


def test_twenty_acknowledge_clicks_record_one_acknowledgement(engine: Engine) -> None:
    rescue_id = open_rescue(engine)
    backend = backend_on(engine, minutes_later=3)
    told = at_once([
        lambda u=user, i=i: rescue_actions.acknowledge(backend, ask(u, f"ack-{i}"), rescue_id)
        for i, user in enumerate(clickers())
    ])  # fmt: skip
    assert told.count("ok") == 1, told
    acks = kinds(engine, "rescue_acknowledged")
    assert len(acks) == 1
    winner = acks[0].actor
    refusals = [t for t in told if t != "ok"]
    assert refusals == [f"already acknowledged by <@{winner}>, 3m after opening"] * (CLICKS - 1)
    assert replies_saying(engine, "Acknowledged by") == 1
    with session_scope(engine, read_only=True) as session:
        rescue = session.get(Rescue, rescue_id)
        assert (rescue.state, rescue.acknowledged_at) == (
            "acknowledged",
            NOW + timedelta(minutes=3),
        )


def test_twenty_resolve_clicks_record_one_resolution(engine: Engine) -> None:
    rescue_id = open_rescue(engine)
    backend = backend_on(engine, minutes_later=90)
    told = at_once([
        lambda u=user, i=i: rescue_actions.resolve(
            backend, ask(u, f"resolve-{i}"), rescue_id, resolution="recovered", note=f"by {u}"
        )
        for i, user in enumerate(clickers())
    ])  # fmt: skip
    assert told.count("ok") == 1, told
    assert len(kinds(engine, "rescue_resolved")) == 1
    assert all("already resolved" in t for t in told if t != "ok"), told
    assert replies_saying(engine, "Resolved by") == 1


def test_twenty_log_action_clicks_each_log_and_acknowledge_once(engine: Engine) -> None:
    """Logging an action is not exclusive: all twenty are logged, but only the first one is
    the response that acknowledges the rescue."""
    rescue_id = open_rescue(engine)
    backend = backend_on(engine, minutes_later=5)
    told = at_once([
        lambda u=user, i=i: rescue_actions.log_action(
            backend, ask(u, f"log-{i}"), rescue_id, done=f"call {i}", customer=None,
            next_step=None,
        )
        for i, user in enumerate(clickers())
    ])  # fmt: skip
    assert told == ["ok"] * CLICKS
    assert len(kinds(engine, "rescue_action")) == CLICKS
    assert len(kinds(engine, "rescue_acknowledged")) == 1


def test_a_retried_click_applies_once(engine: Engine) -> None:
    """Slack retrying one click (same request key) twenty times over: applied once, and the
    retries are recognised as the same request rather than refused as a second click."""
    rescue_id = open_rescue(engine)
    backend = backend_on(engine, minutes_later=1)
    told = at_once([
        lambda: rescue_actions.acknowledge(backend, ask(CSM, "one-click"), rescue_id)
        for _ in range(CLICKS)
    ])  # fmt: skip
    assert told.count("ok") == 1, told
    assert all(t.startswith("CRASH AlreadyHandled") for t in told if t != "ok"), told
    assert len(kinds(engine, "rescue_acknowledged")) == 1


def submitted_plan(engine: Engine, *, arr: int) -> int:
    rescue_id = open_rescue(engine, arr=arr)
    plan = rescue_actions.submit_plan(
        backend_on(engine), ask(CSM, "submit"), rescue_id, fields=PLAN, deadline=date(2026, 12, 1)
    )
    return plan.id


def decisions(engine: Engine, plan_id: int) -> tuple[str, list[str], int]:
    with session_scope(engine, read_only=True) as session:
        plan = session.get(Escalation, plan_id)
        who = [
            a.approver
            for a in session.exec(select(Approval).where(Approval.escalation_id == plan_id))
        ]
        final = sum(e.payload.get("final") is True for e in kinds(engine, "plan_decided"))
        return plan.state, who, final


def decide_all(engine: Engine, plan_id: int, approvers: list[str]) -> list[str]:
    backend = backend_on(engine, minutes_later=30)
    return at_once([
        lambda a=a, i=i: rescue_actions.decide(
            backend, ask(a, f"decide-{i}"), plan_id, decision=Decision.APPROVE, reason=None
        )
        for i, a in enumerate(approvers)
    ])  # fmt: skip


def test_two_approvers_at_once_on_a_two_approval_plan(engine: Engine) -> None:
    plan_id = submitted_plan(engine, arr=400_000)
    told = decide_all(engine, plan_id, ["U1", "U2"])
    assert told == ["ok", "ok"]
    state, who, final = decisions(engine, plan_id)
    assert (state, sorted(who), final) == ("approved", ["U1", "U2"], 1)
    assert replies_saying(engine, "Your recovery plan for") == 1  # the requester told once


@pytest.mark.parametrize(("arr", "approvals"), [(100_000, 1), (400_000, 2)])
def test_twenty_approval_clicks_never_exceed_what_the_plan_needs(
    engine: Engine, arr: int, approvals: int
) -> None:
    plan_id = submitted_plan(engine, arr=arr)
    told = decide_all(engine, plan_id, [sorted(APPROVERS)[i % 3] for i in range(CLICKS)])
    state, who, final = decisions(engine, plan_id)
    assert (state, final) == ("approved", 1)
    assert len(who) == approvals == len(set(who)) == told.count("ok")
    refused = ("this plan was already decided: approved", "you have already decided this plan")
    assert all(t.startswith(refused) for t in told if t != "ok"), told


def test_one_approver_clicking_twenty_times_decides_once(engine: Engine) -> None:
    plan_id = submitted_plan(engine, arr=400_000)
    told = decide_all(engine, plan_id, ["U2"] * CLICKS)
    assert told.count("ok") == 1, told
    state, who, final = decisions(engine, plan_id)
    assert (state, who, final) == ("pending", ["U2"], 0)
    assert all(t.startswith("you have already decided this plan") for t in told if t != "ok")


def test_twenty_plan_submissions_at_once_send_one_plan(engine: Engine) -> None:
    rescue_id = open_rescue(engine)
    backend = backend_on(engine, minutes_later=10)
    told = at_once([
        lambda i=i: rescue_actions.submit_plan(
            backend, ask(CSM, f"submit-{i}"), rescue_id, fields=PLAN, deadline=date(2026, 12, 1)
        )
        for i in range(CLICKS)
    ])  # fmt: skip
    assert told.count("ok") == 1, told
    assert set(told) - {"ok"} == {"a recovery plan for this rescue is already awaiting a decision"}
    assert len(kinds(engine, "plan_submitted")) == 1


def add_at_once(engine: Engine, names: list[str], **options: str) -> list[str]:
    """Everyone types `/onboard add NAME` at the same moment; what each was told."""
    backend = backend_on(engine)

    def add(i: int, name: str) -> None:
        with backend.change(f"add-{i}") as session:
            accounts.add_account(session, name=name, options=options, actor=CSM, now=backend.now())

    return at_once([lambda i=i, name=name: add(i, name) for i, name in enumerate(names)])


def all_accounts(engine: Engine) -> list[tuple[str, str]]:
    with session_scope(engine, read_only=True) as session:
        return [(a.key, a.name) for a in account_rows.list_accounts(session)]


def test_twenty_adds_of_one_name_create_one_account(engine: Engine) -> None:
    told = add_at_once(engine, ["Acme Corp"] * CLICKS)
    assert all_accounts(engine) == [("acme-corp", "Acme Corp")]
    assert told.count("ok") == 1, told
    assert set(told) - {"ok"} == {
        "Acme Corp already exists as `acme-corp`; use it, or give `key:` to add another "
        "account with the same name"
    }
    assert len(kinds(engine, "account_added")) == 1


def test_twenty_adds_of_one_name_spelled_differently_create_one_account(engine: Engine) -> None:
    spellings = ["Émile SARL", "emile sarl", " EMILE SARL ", "Emile Sarl", "ÉMILE sarl"]
    told = add_at_once(engine, [spellings[i % len(spellings)] for i in range(CLICKS)])
    assert told.count("ok") == 1, told
    [(key, name)] = all_accounts(engine)
    assert key == "emile-sarl"
    assert all(t.startswith(f"{name} already exists as `emile-sarl`") for t in told if t != "ok")


def test_twenty_names_deriving_one_key_each_get_their_own_suffix(engine: Engine) -> None:
    names = [f"Zeta Labs{'!' * i}" for i in range(CLICKS)]
    told = add_at_once(engine, names)
    assert told == ["ok"] * CLICKS
    added = all_accounts(engine)
    assert sorted(name for _, name in added) == sorted(names)
    assert {key for key, _ in added} == {"zeta-labs"} | {f"zeta-labs-{n}" for n in range(2, 21)}
    assert len(kinds(engine, "account_added")) == CLICKS


def test_twenty_adds_with_one_given_key_create_one_account(engine: Engine) -> None:
    told = add_at_once(engine, ["Acme EMEA"] * CLICKS, key="acme-emea")
    assert all_accounts(engine) == [("acme-emea", "Acme EMEA")]
    assert set(told) - {"ok"} == {
        "`acme-emea` is already the key of Acme EMEA; give another `key:`"
    }


def test_a_given_key_shares_a_name_while_others_add_it_without_one(engine: Engine) -> None:
    """Half the adds give their own key: all of those succeed, the name is added once more."""
    names = ["Globex"] * CLICKS
    backend = backend_on(engine)

    def add(i: int) -> None:
        options = {"key": f"globex-team-{i}"} if i % 2 else {}
        with backend.change(f"add-{i}") as session:
            accounts.add_account(
                session, name=names[i], options=options, actor=CSM, now=backend.now()
            )

    told = at_once([lambda i=i: add(i) for i in range(CLICKS)])
    keys = [key for key, _ in all_accounts(engine)]
    given = [key for key in keys if key.startswith("globex-team-")]
    assert len(given) == CLICKS // 2
    assert len(keys) - len(given) <= 1  # at most one add without a key; none if a keyed one won
    assert not any(t.startswith("CRASH") for t in told), told


def test_claims_racing_a_resolve_never_reassign_the_resolved_rescue(engine: Engine) -> None:
    """Claim locks the account, then the rescue, and only takes over a rescue still open."""
    rescue_id = open_rescue(engine)
    backend = backend_on(engine, minutes_later=20)

    def claim(i: int) -> None:
        with backend.change(f"claim-{i}") as session:
            account = account_rows.get_account(session, key="acme")
            accounts.claim(session, account=account, user=f"U0CLAIM{i}", now=backend.now())

    def resolve() -> None:
        rescue_actions.resolve(
            backend, ask(CSM, "resolve"), rescue_id, resolution="recovered", note=None
        )

    told = at_once([resolve, *(lambda i=i: claim(i) for i in range(CLICKS - 1))])
    assert told == ["ok"] * CLICKS
    [resolved] = kinds(engine, "rescue_resolved")
    took_rescue = [e for e in kinds(engine, "claimed") if e.payload["rescue_id"] == rescue_id]
    assert all(e.id < resolved.id for e in took_rescue)  # none after the resolution
    with session_scope(engine, read_only=True) as session:
        rescue = session.get(Rescue, rescue_id)
    last = max(took_rescue, key=lambda e: e.id).actor if took_rescue else CSM
    assert (rescue.state, rescue.owner) == ("resolved", last)


def test_ratings_racing_clicks_on_the_rescue_take_turns_without_deadlock(engine: Engine) -> None:
    """A rating locks the account and then its rescue; a click locks the rescue and then
    writes events that reference the account: both orders meet without a deadlock."""
    rescue_id = open_rescue(engine)
    backend = backend_on(engine, minutes_later=15)
    kickoff = backend.config.rules.taxonomy.resolve("kickoff")
    with session_scope(engine, read_only=True) as session:
        account = account_rows.get_account(session, key="acme")

    def rate(i: int) -> None:
        rating.rate(backend, ask(CSM, f"rate-{i}"), account, [(kickoff, Value(i % 3))],
                    note=None, source="slash_command")  # fmt: skip

    def log(i: int) -> None:
        rescue_actions.log_action(backend, ask(CSM, f"log-{i}"), rescue_id, done=f"call {i}",
                                  customer=None, next_step=None)  # fmt: skip

    told = at_once([lambda i=i: (rate if i % 2 else log)(i) for i in range(CLICKS)])
    assert told == ["ok"] * CLICKS
    assert len(kinds(engine, "rescue_action")) == CLICKS // 2
    assert len(kinds(engine, "rescue_acknowledged")) == 1


def test_decisions_racing_a_resolve_never_land_on_a_resolved_rescue(engine: Engine) -> None:
    plan_id = submitted_plan(engine, arr=400_000)
    with session_scope(engine, read_only=True) as session:
        rescue_id = session.get(Escalation, plan_id).rescue_id
    backend = backend_on(engine, minutes_later=40)

    def decide(approver: str) -> None:
        rescue_actions.decide(backend, ask(approver, f"decide-{approver}"), plan_id,
                              decision=Decision.APPROVE, reason=None)  # fmt: skip

    def resolve() -> None:
        rescue_actions.resolve(backend, ask(CSM, "resolve"), rescue_id,
                               resolution="not_recovered", note=None)  # fmt: skip

    told = at_once([resolve, *(lambda a=a: decide(a) for a in sorted(APPROVERS))])
    assert told[0] == "ok"
    [resolved] = kinds(engine, "rescue_resolved")
    assert all(e.id < resolved.id for e in kinds(engine, "plan_decided"))
    late = "the rescue this plan is for was resolved, so the plan can't be decided"
    assert all(t in ("ok", late, "this plan was already decided: approved") for t in told), told
