"""Scheduled work against a real database and the Slack double, on a clock the test moves."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import select

from bot.config import Config, DigestScope, DigestSpec, Settings, load_config
from bot.delivery.courier import Courier, Pacing
from bot.scheduler.jobs import ScheduledWork
from bot.scheduler.schedule import build_schedule
from bot.scheduler.worker import courier_client
from bot.services.backend import Backend
from bot.store.accounts import add_account
from bot.store.db import session_scope
from bot.store.tables import Delivery, Reading, ScheduledRun
from tests.slack_double import SlackDouble

LONDON, NEW_YORK, ALL = "C0LONDON", "C0NEWYORK", "C0ALL"
MANAGER, BOSS, CSM = "U0MANAGER", "U0BOSS", "U0CSM"


class Clock:
    """The time as the test says; moved by hand, never by sleeping."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def to(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


def scheduled_config(**schedule: object) -> Config:
    config = load_config(None)
    return dataclasses.replace(
        config,
        digests=(
            DigestSpec(channel=LONDON, timezone="Europe/London"),
            DigestSpec(
                channel=NEW_YORK, timezone="America/New_York", scope=DigestScope(segment="mid")
            ),
            DigestSpec(channel=ALL),
        ),
        rescue_channel="C0RESCUE",
        escalation=config.escalation.model_copy(
            update={"channel": "C0LEADERS", "approvers": [MANAGER, BOSS]}
        ),
        schedule=config.schedule.model_copy(update=schedule),
    )


def seed(engine: Engine, *, today: date = date(2026, 10, 19), accounts: int = 6) -> None:
    """Accounts in two segments, each with a few healthy readings."""
    with session_scope(engine) as session:
        for i in range(accounts):
            account = add_account(
                session, key=f"acct-{i}", name=f"Account {i}", segment="mid" if i % 2 else "smb",
                csm=CSM, signed_on=today - timedelta(days=20), arr=1000 * i,
            )  # fmt: skip
            rated_at = datetime.combine(today, datetime.min.time(), UTC)
            for signal in ("kickoff", "admin_trained", "data_import"):
                session.add(
                    Reading(account_id=account.id, signal=signal, value=2 if i % 3 else 1,
                            source="import", recorded_at=rated_at)
                )  # fmt: skip


@dataclass
class Scheduled:
    clock: Clock
    engine: Engine
    config: Config
    double: SlackDouble
    courier: Courier

    def work(self, worker: str = "test:1", engine: Engine | None = None) -> ScheduledWork:
        backend = Backend(config=self.config, engine=engine or self.engine, clock=self.clock)
        return ScheduledWork(backend, build_schedule(self.config), worker=worker)

    def post(self, channel: str, text: str) -> str:
        """Post as the bot (as the Slack app would have) and return the message's ts."""
        client = WebClient(token=self.double.token, base_url=self.double.api_url)
        return str(client.chat_postMessage(channel=channel, text=text)["ts"])

    def runs(self) -> list[ScheduledRun]:
        with session_scope(self.engine, read_only=True) as session:
            return list(session.exec(select(ScheduledRun)))

    def deliveries(self) -> list[Delivery]:
        with session_scope(self.engine, read_only=True) as session:
            return list(session.exec(select(Delivery).order_by(Delivery.id)))  # type: ignore[arg-type]

    def deliver_all(self, *, step: timedelta = timedelta(seconds=1), limit: int = 10_000) -> None:
        """Courier rounds, moving the clock on whenever nothing is due, until nothing waits."""
        for _ in range(limit):
            done = self.courier.deliver_due()
            if not any(d.state in ("pending", "sending") for d in self.deliveries()):
                return
            if not done.sent:
                self.clock.advance(seconds=step.total_seconds())
        raise AssertionError("deliveries still waiting")


@pytest.fixture
def double() -> Iterator[SlackDouble]:
    with SlackDouble() as double:
        for channel in (LONDON, NEW_YORK, ALL, "C0RESCUE", "C0LEADERS"):
            double.add_channel(channel, channel.lower(), is_member=True)
        for user in (MANAGER, BOSS, CSM):
            double.add_user(user, user.lower(), real_name=user, tz="UTC")
        yield double


@pytest.fixture
def scheduled(engine: Engine, double: SlackDouble) -> Iterator[Scheduled]:
    clock = Clock(datetime(2026, 10, 19, 6, tzinfo=UTC))
    settings = Settings(slack_bot_token=double.token, slack_api_url=double.api_url)
    courier = Courier(engine, courier_client(settings), clock, pacing=Pacing(), threads=4)
    seed(engine)
    try:
        yield Scheduled(clock, engine, scheduled_config(), double, courier)
        double.assert_no_violations()  # every message sent was valid Block Kit within limits
    finally:
        courier.close()
