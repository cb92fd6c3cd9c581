"""kill -9 of `rescuebot serve` after it answered a HubSpot company creation (2xx) and before it
applied it (its CRM read held in flight): after a restart on the same database the creation is
applied exactly once."""

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

from bot.store.db import make_engine
from bot.store.tables import Account, Event, IntegrationEvent
from tests.conftest import DATABASES, fresh_database
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
            assert answer.status == 200 and answer.json()["states"] == {"pending": 1}
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
