"""kill -9 of `rescuebot serve` between answering events (2xx) and applying them: events only
stored (`received`, the server answering with APPLY_INTEGRATION_EVENTS=false so none is applied
before the kill), and a HubSpot company creation whose CRM read is held in flight. After a
restart on the same database each is applied exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.store.accounts import add_account
from bot.store.db import make_engine, upgrade
from bot.store.tables import Account, Event, IntegrationEvent, Reading
from tests.conftest import DATABASES, fresh_database
from tests.integrations.applying import ANSWER_ONLY
from tests.integrations.doubles import SEGMENT_SECRET, Segment
from tests.integrations.hubspot_double import HUBSPOT_SECRET, HubspotDouble, HubspotWebhooks
from tests.slack.conftest import SECRET, free_port, wait_until_healthy
from tests.slack_double import SlackDouble

COMPANY = "9100"


@contextmanager
def serve(env: dict[str, str], directory: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("database", DATABASES)
def test_a_creation_answered_then_killed_is_applied_once_after_restart(
    database: str, tmp_path: Path
) -> None:
    with (
        fresh_database(database, tmp_path) as database_url,
        SlackDouble() as slack,
        HubspotDouble() as crm,
    ):
        env = {**os.environ, "DATABASE_URL": database_url, "SLACK_API_URL": slack.api_url,
               "SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SECRET,
               "HUBSPOT_CLIENT_SECRET": HUBSPOT_SECRET, "HUBSPOT_TOKEN": crm.token,
               "HUBSPOT_API_URL": crm.api_url, "LOG_LEVEL": "WARNING"}  # fmt: skip
        crm.add_company(COMPANY, name="Massive Dynamic")
        release = crm.hold(f"/crm/v3/objects/companies/{COMPANY}")
        with serve(env, tmp_path) as (url, process):
            now = datetime.now(UTC)
            answer = HubspotWebhooks(url).send([HubspotWebhooks.creation(COMPANY, now)], at=now)
            assert answer.status == 200 and answer.json()["states"] == {"received": 1}
            crm.wait_for(lambda: ("GET", f"/crm/v3/objects/companies/{COMPANY}") in crm.calls)
            process.send_signal(signal.SIGKILL)  # accepted, read in flight, not applied
            process.wait(timeout=10)
        engine = make_engine(database_url)
        try:
            with Session(engine) as session:
                (event,) = session.exec(select(IntegrationEvent)).all()
                assert event.state == "pending"
                assert session.exec(select(Account)).first() is None
            release.set()
            crm.calls.clear()
            with serve(env, tmp_path):

                def applied() -> bool:
                    """the creation applied after the restart"""
                    with Session(engine) as session:
                        return session.exec(select(IntegrationEvent)).one().state == "applied"

                crm.wait_for(applied)
            with Session(engine) as session:
                accounts = session.exec(select(Account)).all()
                assert [(a.name, a.hubspot_id) for a in accounts] == [("Massive Dynamic", COMPANY)]
                added = session.exec(
                    select(Event).where(Event.kind == "account_added").order_by(col(Event.id))
                ).all()
                assert len(added) == 1
        finally:
            engine.dispose()


@pytest.mark.parametrize("database", DATABASES)
def test_events_answered_then_killed_before_applying_are_applied_once_after_restart(
    database: str, tmp_path: Path
) -> None:
    with (
        fresh_database(database, tmp_path) as database_url,
        SlackDouble() as slack,
        HubspotDouble() as crm,  # its wait_for re-checks the database every 50 ms
    ):
        env = {**os.environ, "DATABASE_URL": database_url, "SLACK_API_URL": slack.api_url,
               "SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SECRET,
               "SEGMENT_SHARED_SECRET": SEGMENT_SECRET, "LOG_LEVEL": "WARNING"}  # fmt: skip
        config = tmp_path / "rescuebot.yml"
        config.write_text('integrations: {segment: {events: {"Data Import Finished": '
                          "{signal: data_import, value: 2}}}}\n", encoding="utf-8")  # fmt: skip
        env["RESCUEBOT_CONFIG"] = str(config)
        engine = make_engine(database_url)
        try:
            upgrade(engine)
            with Session(engine) as session:
                account = add_account(session, key="acme", name="Acme", segment="mid", csm=None,
                                      users=100)  # fmt: skip
                account.segment_group_id = "grp_acme"
                session.add(account)
                session.commit()
            at = datetime.now(UTC).replace(microsecond=0)
            events = [Segment.track("Data Import Finished", "grp_acme", at) for _ in range(3)]
            with serve({**env, **ANSWER_ONLY}, tmp_path) as (url, process):
                answer = Segment(url).send({"batch": events})
                assert answer.status == 200 and answer.json()["states"] == {"received": 3}
                process.send_signal(signal.SIGKILL)  # answered, stored, none applied
                process.wait(timeout=10)
            with Session(engine) as session:
                assert [e.state for e in session.exec(select(IntegrationEvent))] == [
                    "received"] * 3  # fmt: skip
                assert session.exec(select(Reading)).first() is None
            with serve(env, tmp_path):  # its worker applies what was left, at start

                def applied() -> bool:
                    """every event applied after the restart"""
                    with Session(engine) as session:
                        states = {e.state for e in session.exec(select(IntegrationEvent))}
                        return states == {"applied"}

                crm.wait_for(applied, timeout=30)
            with Session(engine) as session:
                readings = session.exec(select(Reading).where(Reading.source == "segment"))
                assert [(r.signal, r.value) for r in readings] == [("data_import", 2)]
        finally:
            engine.dispose()
