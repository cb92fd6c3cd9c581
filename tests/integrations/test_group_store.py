"""Deliveries answered at the same time are stored together (`GroupStore`): each still gets
what it alone did (new or redelivered events), an event id in two of them is stored once, and
a delivery the database refuses fails alone, not the others it was grouped with."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.config import load_config
from bot.integrations.webhooks import GroupStore
from bot.services import integrations
from bot.services.backend import Backend
from bot.store.db import session_scope
from bot.store.tables import IntegrationEvent

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)


@pytest.fixture
def backend(engine: Engine) -> Backend:
    return Backend(config=load_config(None), engine=engine, clock=lambda: NOW)


def segment(*ids: str) -> integrations.Delivery:
    return integrations.Delivery("segment", [(id_, {"type": "identify", "messageId": id_})
                                             for id_ in ids])  # fmt: skip


def store_at_once(storing: GroupStore, deliveries: list[integrations.Delivery]) -> list[object]:
    """Every delivery handed over at the same moment, as concurrent requests; what each got
    (its Received, or the error it was answered with)."""
    outcomes: list[object] = [None] * len(deliveries)

    async def one(n: int) -> None:
        try:
            outcomes[n] = (await storing.store(deliveries[n])).as_dict()
        except Exception as error:
            outcomes[n] = error

    async def all_of_them() -> None:
        async with anyio.create_task_group() as group:
            for n in range(len(deliveries)):
                group.start_soon(one, n)

    anyio.run(all_of_them)
    return outcomes


def stored_ids(engine: Engine) -> list[str]:
    with session_scope(engine, read_only=True) as session:
        return sorted(e.event_id for e in session.exec(select(IntegrationEvent)))


def test_concurrent_deliveries_each_get_their_own_answer(engine: Engine, backend: Backend) -> None:
    deliveries = [segment(f"m{n}", f"m{n}b") for n in range(20)]
    deliveries += [segment("m3", "m99"), segment("m99")]  # m3 and m99 delivered twice
    outcomes = store_at_once(GroupStore(backend), deliveries)
    assert outcomes[:3] + outcomes[4:20] == [{"new": 2, "redelivered": 0,
                                              "states": {"received": 2}}] * 19  # fmt: skip
    # Of the two deliveries of m3 (and of m99), whichever is stored first counts it new.
    counts = [(o["new"] + o["redelivered"], o["new"]) for o in outcomes]  # type: ignore[index]
    assert [total for total, _ in counts] == [len(d.events) for d in deliveries]
    assert sum(new for _, new in counts) == 41  # the distinct ids
    assert stored_ids(engine) == sorted([f"m{n}" for n in range(20)]
                                        + [f"m{n}b" for n in range(20)] + ["m99"])  # fmt: skip


def test_a_delivery_the_database_refuses_fails_alone(engine: Engine, backend: Backend) -> None:
    refused = integrations.Delivery("segment", [("bad", {"not JSON": {1, 2}})])
    deliveries = [segment(f"m{n}") for n in range(10)]
    deliveries[5] = refused
    outcomes = store_at_once(GroupStore(backend), deliveries)
    assert isinstance(outcomes[5], Exception)
    assert all(o == {"new": 1, "redelivered": 0, "states": {"received": 1}}
               for n, o in enumerate(outcomes) if n != 5)  # fmt: skip
    assert stored_ids(engine) == sorted(f"m{n}" for n in range(10) if n != 5)
