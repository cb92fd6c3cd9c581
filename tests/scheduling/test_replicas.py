"""Three replicas, each with its own scheduler, connections and courier, sweeping at the same
moments: one digest per channel and week, no reminder twice, every message posted once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.delivery.courier import Courier
from bot.scheduler.worker import courier_client
from bot.services.rescues import MANUAL, open_rescue
from bot.store import accounts as account_rows
from bot.store.db import make_engine, session_scope
from tests.scheduling.conftest import ALL, CSM, LONDON, MANAGER, NEW_YORK, Scheduled

REPLICAS = 3


def at_once(tasks: list[Callable[[], object]]) -> None:
    start = threading.Barrier(len(tasks))
    failures: list[BaseException] = []

    def run(task: Callable[[], object]) -> None:
        start.wait()
        try:
            task()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures


def test_three_replicas_post_one_digest_per_channel_and_no_reminder_twice(
    scheduled: Scheduled, database_url: str
) -> None:
    opened_at = datetime(2026, 10, 12, 9, tzinfo=UTC)  # its response SLA lapses by the 15th
    with session_scope(scheduled.engine) as session:
        account = account_rows.get_account(session, key="acct-1")
        assert account is not None
        account.channel = "C0RESCUE"
        open_rescue(session, scheduled.config, account=account, trigger=MANUAL, actor=CSM,
                    now=opened_at, owner=CSM)  # fmt: skip
    engines = [make_engine(database_url) for _ in range(REPLICAS)]
    settings = Settings(
        slack_bot_token=scheduled.double.token, slack_api_url=scheduled.double.api_url
    )
    couriers = [
        Courier(engine, courier_client(settings), scheduled.clock, threads=4) for engine in engines
    ]
    workers = [scheduled.work(f"replica:{i}", engine) for i, engine in enumerate(engines)]
    try:
        start = datetime(2026, 10, 19, 7, tzinfo=UTC)
        for minutes in range(0, 8 * 60, 10):  # Monday 07:00 to 15:00 UTC, every 10 minutes
            scheduled.clock.to(start + timedelta(minutes=minutes))
            at_once([w.sweep for w in workers])
            at_once([c.deliver_due for c in couriers])
        scheduled.deliver_all()
    finally:
        for courier in couriers:
            courier.close()
        for engine in engines:
            engine.dispose()
    runs = Counter(run.key for run in scheduled.runs())
    assert all(count == 1 for count in runs.values())
    assert {k for k in runs if k.startswith("digest:")} == {
        f"digest:{LONDON}:2026-W43", f"digest:{NEW_YORK}:2026-W43", f"digest:{ALL}:2026-W43",
    }  # fmt: skip
    assert any(k.startswith("reminder:sla_lapsed") for k in runs)
    for channel in (LONDON, NEW_YORK, ALL):
        assert len(scheduled.double.messages(channel)) == 1, channel
    deliveries = scheduled.deliveries()
    assert {d.state for d in deliveries} == {"delivered"}
    # The lapsed-SLA reminder reached the owner and the approvers once each.
    lapsed = [m for m in scheduled.double.messages(MANAGER) if "SLA" in m.text]
    assert len(lapsed) == 1
    owner = [m for m in scheduled.double.messages(CSM) if "lapsed" in m.text]
    assert len(owner) == 1
    texts = Counter((d.channel, d.key) for d in deliveries)
    assert all(count == 1 for count in texts.values())
