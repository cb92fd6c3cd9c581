"""Weight proposals as Slack makes them: queued for the leadership channel with the proposal,
decided by the approvers in force only, and a proposal Slack refused for good withdrawn before
the next one is made."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.config import load_config
from bot.services import weight_actions
from bot.services.backend import Backend
from bot.services.policy import Actor, Ask, Roles
from bot.store import deliveries
from bot.store.db import session_scope
from bot.store.tables import Delivery, WeightProposal
from scoring.escalation import Decision
from tests.services.cohort import seed_finished_cohort

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
ROLES = Roles(admins=frozenset(), csms=None, approvers=frozenset({"U0MANAGER"}))


def ask(user: str) -> Ask:
    return Ask(actor=Actor(user, ROLES), channel="C0LEADERS")


def test_a_proposal_is_queued_decided_and_told_and_one_refused_by_slack_is_withdrawn(
    engine: Engine,
):
    backend = Backend(config=load_config(None), engine=engine, clock=lambda: NOW)
    with session_scope(engine) as session:
        seed_finished_cohort(session, today=TODAY)
    first = weight_actions.propose(backend, ask("U0CSM"), channel="C0LEADERS")
    with session_scope(engine) as session:
        posted = deliveries.by_key(session, weight_actions.message_key(first.id))
        assert posted is not None and posted.channel == "C0LEADERS"
        deliveries.failed(session, int(posted.id or 0), error="not_in_channel")

    second = weight_actions.propose(backend, ask("U0CSM"), channel="C0LEADERS")
    weight_actions.decide(backend, ask("U0MANAGER"), int(second.id or 0),
                          decision=Decision.REJECT, reason="Too few outcomes")  # fmt: skip
    with session_scope(engine, read_only=True) as session:
        states = [(p.id, p.state, p.reason) for p in session.exec(
            select(WeightProposal).order_by(col(WeightProposal.id)))]  # fmt: skip
        queued = [(d.method, d.channel, d.parent_id is not None)
                  for d in session.exec(select(Delivery).order_by(col(Delivery.id)))]  # fmt: skip
    assert states == [
        (first.id, "withdrawn", "not posted (not_in_channel)"),
        (second.id, "rejected", "Too few outcomes"),
    ]
    # the second proposal's post, its edit (waiting for the post), and the proposer's DM
    assert queued[1:] == [
        ("message", "C0LEADERS", False),
        ("update", "C0LEADERS", True),
        ("message", "U0CSM", False),
    ]
