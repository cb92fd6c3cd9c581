"""The App Home goes through the outbox: one views.publish delivery per user, the newest; a
newer home replaces one still waiting, never one being sent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.config import load_config
from bot.services import home
from bot.services.backend import Backend
from bot.services.policy import Roles
from bot.store import accounts as account_rows
from bot.store import deliveries
from bot.store.db import session_scope
from bot.store.tables import Delivery

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
ROLES = Roles(admins=frozenset(), csms=None, approvers=frozenset())


def homes(engine: Engine) -> list[Delivery]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(Delivery).where(Delivery.method == deliveries.HOME).order_by(col(Delivery.id))
        )
        return list(rows)


def test_a_newer_home_replaces_the_one_still_waiting(engine: Engine):
    backend = Backend(config=load_config(None), engine=engine, clock=lambda: NOW)
    with session_scope(engine) as session:
        account_rows.add_account(session, key="acme", name="Acme Corp", segment="mid",
                                 csm="U0ALICE")  # fmt: skip
    home.publish(backend, ROLES, "U0ALICE")
    [first] = homes(engine)
    assert (first.channel, first.state) == ("U0ALICE", "pending")
    assert first.payload["view"]["type"] == "home" and "Acme Corp" in str(first.payload)

    home.publish(backend, ROLES, "U0ALICE")
    home.publish(backend, ROLES, "U0BOB")
    rows = homes(engine)
    assert [(r.channel, r.state) for r in rows] == [("U0ALICE", "pending"), ("U0BOB", "pending")]
    assert rows[0].key != first.key

    with session_scope(engine) as session:  # one being sent stays, and is followed by the next
        sending = session.get(Delivery, rows[0].id)
        assert sending is not None
        sending.state = "sending"
        session.add(sending)
    home.publish(backend, ROLES, "U0ALICE")
    assert [(r.channel, r.state) for r in homes(engine)] == [
        ("U0ALICE", "sending"), ("U0BOB", "pending"), ("U0ALICE", "pending"),
    ]  # fmt: skip
