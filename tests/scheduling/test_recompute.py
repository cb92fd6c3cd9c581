"""The daily recompute: a snapshot per account, and rescues for what imports set off."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.store import accounts as account_rows
from bot.store.db import session_scope
from bot.store.tables import Reading, Rescue, WeeklySnapshot
from tests.scheduling.conftest import CSM, Scheduled


def test_the_recompute_snapshots_every_account_and_rescues_what_an_import_sank(
    scheduled: Scheduled,
) -> None:
    scheduled.clock.to(datetime(2026, 10, 20, 2, 5, tzinfo=UTC))
    scheduled.work().sweep()  # the first recompute: nothing to compare with yet
    with session_scope(scheduled.engine) as session:
        account = account_rows.get_account(session, key="acct-2")
        assert account is not None
        account.channel = "C0RESCUE"
        for signal in ("kickoff", "admin_trained", "data_import"):  # an import, no Slack
            session.add(Reading(account_id=account.id, signal=signal, value=0, source="import",
                                recorded_at=datetime(2026, 10, 20, 12, tzinfo=UTC)))  # fmt: skip
    scheduled.clock.to(datetime(2026, 10, 21, 2, 5, tzinfo=UTC))
    ran = scheduled.work().sweep()
    assert "recompute:2026-10-21" in ran.runs
    assert "recompute:2026-10-21" not in scheduled.work("other:2").sweep().runs
    scheduled.deliver_all()
    with session_scope(scheduled.engine, read_only=True) as session:
        snapshots = session.exec(select(WeeklySnapshot)).all()
        assert len(snapshots) == 6 and {s.week for s in snapshots} == {"2026-W43"}
        (rescue,) = session.exec(select(Rescue)).all()
        assert "At risk" in rescue.reason and rescue.opened_by == "rescuebot"
        assert rescue.owner == CSM
        assert rescue.message_ts is not None  # the courier recorded where its thread is
    (posted,) = scheduled.double.messages("C0RESCUE")
    assert posted.ts == rescue.message_ts
    assert [m for m in scheduled.double.messages(CSM) if "daily recompute" in m.text]
