"""Integration events through their use cases: stored once as `received` by the answer, applied
afterwards by the worker's step (once, even with two appliers at the same time) to the account
that carries the external id, kept unmatched until the id is set (by `/onboard set` or an
accounts import), and tickets turned into one `ticket_trend` reading per complete week."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from bot.config import load_config
from bot.services import account_actions, integrations
from bot.services.backend import Backend
from bot.services.imports import import_accounts
from bot.services.policy import Actor, Ask, Roles
from bot.store import accounts as account_rows
from bot.store.db import session_scope
from bot.store.tables import Account, Delivery, IntegrationEvent, Reading, Rescue, Ticket
from scoring.errors import DomainError

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)  # a Wednesday
CSM = "U0CSM"
CONFIG = """
rescue:
  channel: C0RESCUE
integrations:
  segment:
    events:
      "Data Import Finished": {signal: data_import, value: 2}
      "Data Import Failed": {signal: data_import, value: 0}
"""


@pytest.fixture
def backend(engine: Engine, tmp_path: Path) -> Backend:
    path = tmp_path / "rescuebot.yml"
    path.write_text(CONFIG, encoding="utf-8")
    return Backend(config=load_config(path), engine=engine, clock=lambda: NOW)


def add(engine: Engine, key: str = "acme", **ids: str) -> None:
    with session_scope(engine) as session:
        account = account_rows.add_account(
            session, key=key, name=key.title(), segment="mid", csm=CSM, users=200
        )
        for column, value in ids.items():
            setattr(account, column, value)
        session.add(account)


def track(message_id: str, name: str, group: str, at: datetime) -> dict[str, object]:
    return {"type": "track", "messageId": message_id, "event": name,
            "context": {"groupId": group}, "timestamp": at.isoformat()}  # fmt: skip


def delivered(
    receive: Callable[[Backend, Any], integrations.Received], backend: Backend, payload: Any
) -> integrations.Received:
    """A delivery answered, then the worker's step applying what it stored."""
    received = receive(backend, payload)
    integrations.apply_received(backend)
    return received


def readings(engine: Engine, signal: str) -> list[tuple[int, datetime, str]]:
    with session_scope(engine, read_only=True) as session:
        rows = session.exec(
            select(Reading).where(Reading.signal == signal).order_by(col(Reading.id))
        )
        return [(r.value, r.recorded_at, r.source) for r in rows]


def states(engine: Engine) -> list[str]:
    with session_scope(engine, read_only=True) as session:
        return [e.state for e in session.exec(select(IntegrationEvent).order_by("id"))]


def ask(key: str) -> Ask:
    return Ask(actor=Actor(CSM, Roles(admins=frozenset(), csms=None, approvers=frozenset())),
               key=key, channel="C0ACME")  # fmt: skip


def test_a_redelivered_event_applies_once(engine: Engine, backend: Backend) -> None:
    add(engine, segment_group_id="grp_1")
    event = track("m1", "Data Import Finished", "grp_1", NOW - timedelta(hours=1))
    first = delivered(integrations.receive_segment, backend, event)
    again = delivered(integrations.receive_segment, backend, {"batch": [event, event]})
    assert (first.new, again.new, again.redelivered) == (1, 0, 2)
    assert readings(engine, "data_import") == [(2, NOW - timedelta(hours=1), "segment")]


def test_out_of_order_deliveries_end_at_the_latest_event(engine: Engine, backend: Backend) -> None:
    add(engine, segment_group_id="grp_1")
    later = track("m2", "Data Import Finished", "grp_1", NOW - timedelta(hours=1))
    earlier = track("m1", "Data Import Failed", "grp_1", NOW - timedelta(hours=5))
    delivered(integrations.receive_segment, backend, {"batch": [later, earlier]})
    with session_scope(engine, read_only=True) as session:
        latest = session.exec(
            select(Reading).order_by(col(Reading.recorded_at).desc(), col(Reading.id).desc())
        ).first()
        assert latest is not None and latest.value == 2
        assert session.exec(select(Rescue)).first() is None  # the 0 was already overtaken


def test_an_unknown_group_waits_until_the_id_is_set(engine: Engine, backend: Backend) -> None:
    add(engine)
    delivered(
        integrations.receive_segment,
        backend,
        track("m1", "Data Import Failed", "grp_9", NOW - timedelta(hours=1)),
    )
    assert states(engine) == ["unmatched"]
    with session_scope(engine, read_only=True) as session:
        assert [e["external_id"] for e in integrations.unmatched(session)] == ["grp_9"]
        account = account_rows.get_account(session, key="acme")
    assert account is not None
    account_actions.edit(backend, ask("set-1"), account, {"segment_group_id": "grp_9"})
    assert states(engine) == ["applied"]
    assert readings(engine, "data_import") == [(0, NOW - timedelta(hours=1), "segment")]
    with session_scope(engine, read_only=True) as session:
        rescue = session.exec(select(Rescue)).one()  # the signal went to 0: a rescue
        assert rescue.trigger in ("signal_at_zero", "at_risk")
        assert session.exec(select(Delivery).where(Delivery.channel == "C0RESCUE")).first()


def test_an_external_id_names_one_account(engine: Engine, backend: Backend) -> None:
    add(engine, "acme", segment_group_id="grp_1")
    add(engine, "globex")
    with session_scope(engine, read_only=True) as session:
        globex = account_rows.get_account(session, key="globex")
    assert globex is not None
    with pytest.raises(DomainError, match="already Acme's"):
        account_actions.edit(backend, ask("set-2"), globex, {"segment_group_id": "grp_1"})


def test_an_accounts_import_sets_ids(engine: Engine, backend: Backend, tmp_path: Path) -> None:
    add(engine, "acme", hubspot_id="hs_1")
    path = tmp_path / "accounts.csv"
    path.write_text("key,name,intercom_company_id\nacme,Acme,ic_1\n", encoding="utf-8")
    with session_scope(engine) as session:
        import_accounts(session, path, actor="import", now=NOW)
    with session_scope(engine, read_only=True) as session:
        account = account_rows.get_account(session, key="acme")
        assert account is not None
        assert (account.intercom_company_id, account.hubspot_id) == ("ic_1", "hs_1")


def ticket(id_: str, company: str, at: datetime, topic: str = "ticket.created") -> dict:
    return {"type": "notification_event", "id": f"notif_{id_}_{topic}", "topic": topic,
            "created_at": int(NOW.timestamp()),
            "data": {"item": {"id": id_, "company_id": company,
                              "created_at": int(at.timestamp())}}}  # fmt: skip


def week(n: int) -> datetime:
    """Tuesday noon of the n-th complete week before this one (1 = last week)."""
    return NOW - timedelta(weeks=n, days=1, hours=-2)


def weekly(engine: Engine) -> dict[datetime, int]:
    """Each judged Sunday's value: its latest reading."""
    return {at: value for value, at, _ in readings(engine, "ticket_trend")}


def test_tickets_make_one_reading_per_complete_week(engine: Engine, backend: Backend) -> None:
    add(engine, intercom_company_id="ic_1")
    for n in (5, 4, 3, 2):  # one ticket a week for four weeks, none last week
        delivered(integrations.receive_intercom, backend, ticket(f"t{n}", "ic_1", week(n)))
    sunday = datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC)
    sundays = [sunday - timedelta(weeks=n) for n in (3, 2, 1, 0)]
    # Week 5 had no four weeks of tickets before it; 4..2 were worse than theirs; last week
    # had none against a mean of one: better.
    assert weekly(engine) == dict(zip(sundays, [0, 0, 0, 2], strict=True))
    delivered(integrations.receive_intercom, backend, ticket("t1a", "ic_1", week(1)))
    assert weekly(engine)[sunday] == 1  # one against a mean of one
    count = len(readings(engine, "ticket_trend"))
    # The same ticket again, from the other topic, adds nothing.
    delivered(
        integrations.receive_intercom,
        backend,
        ticket("t1a", "ic_1", week(1), topic="conversation.user.created"),
    )
    assert len(readings(engine, "ticket_trend")) == count
    delivered(integrations.receive_intercom, backend, ticket("t1b", "ic_1", week(1)))
    # Two against a mean of one: worse. A new reading for that Sunday, the old one kept.
    assert weekly(engine)[sunday] == 0
    assert len(readings(engine, "ticket_trend")) == count + 1
    # The week in progress is not judged.
    delivered(
        integrations.receive_intercom, backend, ticket("t0", "ic_1", NOW - timedelta(hours=1))
    )
    assert len(readings(engine, "ticket_trend")) == count + 1
    with session_scope(engine, read_only=True) as session:
        assert len(session.exec(select(Ticket)).all()) == 7


def test_a_tickets_import_counts_each_id_once(
    engine: Engine, backend: Backend, tmp_path: Path
) -> None:
    add(engine, intercom_company_id="ic_1")
    delivered(integrations.receive_intercom, backend, ticket("t5", "ic_1", week(5)))
    path = tmp_path / "tickets.csv"
    rows = [f"acme,{week(n).isoformat()},t{n}" for n in (5, 4, 3, 2)]
    path.write_text("account,opened_at,id\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with session_scope(engine) as session:
        report = integrations.import_tickets(session, backend.config, path, now=NOW)
    assert (report.created, report.unchanged) == (3, 1)
    # Last week had no tickets against a mean of one a week: better.
    judged = weekly(engine)
    assert judged[max(judged)] == 2
    with session_scope(engine) as session:
        again = integrations.import_tickets(session, backend.config, path, now=NOW)
    assert (again.created, again.unchanged, again.readings) == (0, 4, 0)


def test_ping_and_other_events_are_kept_as_ignored(engine: Engine, backend: Backend) -> None:
    ping = {"type": "notification_event", "id": "n1", "topic": "ping", "data": {"item": {}}}
    delivered(integrations.receive_intercom, backend, ping)
    delivered(integrations.receive_segment, backend, {"type": "identify", "messageId": "m1"})
    delivered(integrations.receive_segment, backend, track("m2", "Unmapped", "grp_1", NOW))
    assert states(engine) == ["ignored", "ignored", "ignored"]
    with session_scope(engine, read_only=True) as session:
        status = integrations.status(session)
        assert {p["provider"]: p["by_state"] for p in status["providers"]} == {
            "hubspot": {},
            "intercom": {"ignored": 1},
            "segment": {"ignored": 2},
        }
        assert session.exec(select(Account)).first() is None


@pytest.mark.parametrize(
    "payload",
    [[], {"batch": []}, {"type": "track"}, {"messageId": "m", "type": "track", "event": "x"},
     {"messageId": "m", "type": "track", "event": "x", "timestamp": "yesterday"}],
)  # fmt: skip
def test_a_segment_body_of_the_wrong_shape_is_refused(backend: Backend, payload: object) -> None:
    with pytest.raises(integrations.BadPayload):
        integrations.receive_segment(backend, payload)


def test_simultaneous_redeliveries_apply_once(engine: Engine, backend: Backend) -> None:
    """Ten deliveries of one event at the same moment, each in its own transaction: the
    unique (provider, event id) lets one in, the others find it stored."""
    add(engine, segment_group_id="grp_1")
    event = track("m-race", "Data Import Failed", "grp_1", NOW - timedelta(minutes=1))
    start = threading.Barrier(10)
    results: list[integrations.Received] = []

    def deliver() -> None:
        start.wait()
        results.append(integrations.receive_segment(backend, event))

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.new for r in results) == [0] * 9 + [1]
    assert integrations.apply_received(backend) == {"applied": 1}
    assert readings(engine, "data_import") == [(0, NOW - timedelta(minutes=1), "segment")]
    with session_scope(engine, read_only=True) as session:
        assert len(session.exec(select(Rescue)).all()) == 1


def test_a_week_without_tickets_is_judged_once_it_ends(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "rescuebot.yml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    add(engine, intercom_company_id="ic_1")
    this_week = Backend(config=config, engine=engine, clock=lambda: NOW)
    for n in (4, 3, 2, 1):
        delivered(integrations.receive_intercom, this_week, ticket(f"t{n}", "ic_1", week(n)))
    assert integrations.judge_finished_weeks(this_week) == 0  # nothing new has ended
    next_week = Backend(config=config, engine=engine, clock=lambda: NOW + timedelta(weeks=1))
    assert integrations.judge_finished_weeks(next_week) == 1
    judged = weekly(engine)
    assert (max(judged), judged[max(judged)]) == (datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC), 2)
    assert integrations.judge_finished_weeks(next_week) == 0  # judged the same: nothing written


def test_an_answered_event_waits_received_until_the_worker_applies_it_once(
    engine: Engine, backend: Backend
) -> None:
    """The answer only stores; a process gone after it leaves the event `received`, and the
    next step (another process, or this one restarted) applies it, once."""
    add(engine, segment_group_id="grp_1")
    event = track("m1", "Data Import Failed", "grp_1", NOW - timedelta(hours=1))
    answered = integrations.receive_segment(backend, event)
    assert answered.as_dict() == {"new": 1, "redelivered": 0, "states": {"received": 1}}
    assert states(engine) == ["received"]
    assert readings(engine, "data_import") == []
    with session_scope(engine, read_only=True) as session:
        (segment,) = [p for p in integrations.status(session)["providers"]
                      if p["provider"] == "segment"]  # fmt: skip
        assert (segment["received"], segment["oldest_received_at"]) == (1, NOW.isoformat())
    assert integrations.apply_received(backend) == {"applied": 1}
    assert integrations.apply_received(backend) == {}
    assert integrations.receive_segment(backend, event).as_dict() == {
        "new": 0, "redelivered": 1, "states": {}
    }  # fmt: skip
    assert integrations.apply_received(backend) == {}
    assert states(engine) == ["applied"]
    assert readings(engine, "data_import") == [(0, NOW - timedelta(hours=1), "segment")]
    with session_scope(engine, read_only=True) as session:
        assert len(session.exec(select(Rescue)).all()) == 1


def test_received_events_are_applied_in_the_order_they_came(
    engine: Engine, backend: Backend
) -> None:
    add(engine, segment_group_id="grp_1")
    for n, name in enumerate(["Data Import Failed", "Data Import Finished"]):
        integrations.receive_segment(backend, track(f"m{n}", name, "grp_1", NOW))
    assert integrations.apply_received(backend, limit=1) == {"applied": 1}
    assert states(engine) == ["applied", "received"]
    assert integrations.apply_received(backend) == {"applied": 1}
    assert [value for value, _, _ in readings(engine, "data_import")] == [0, 2]


def test_two_appliers_at_once_apply_each_event_once(engine: Engine, backend: Backend) -> None:
    """Two workers (threads here, replicas in production) draining the same events: each
    claims a different one (SKIP LOCKED on PostgreSQL, the writer lock on SQLite)."""
    for n in range(8):
        add(engine, f"acct{n}", intercom_company_id=f"ic_{n}")
    for n in range(24):
        integrations.receive_intercom(backend, ticket(f"t{n}", f"ic_{n % 8}", week(1)))
    start = threading.Barrier(2)
    done: list[dict[str, int]] = []

    def drain() -> None:
        start.wait()
        done.append(dict(integrations.apply_received(backend)))

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(d.get("applied", 0) for d in done) == 24
    assert states(engine) == ["applied"] * 24
    with session_scope(engine, read_only=True) as session:
        assert len(session.exec(select(Ticket)).all()) == 24
