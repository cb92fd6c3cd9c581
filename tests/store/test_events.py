"""Events: the timeline comes back in order, with its payloads intact."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.store.accounts import add_account
from bot.store.events import record_event, timeline
from bot.store.tables import Account

AT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def test_timeline_is_ordered_by_time_then_id_and_keeps_payloads(
    session: Session, account: Account
) -> None:
    assert account.id is not None
    other = add_account(session, key="globex", name="Globex", segment="mid")
    later = record_event(
        session,
        account_id=account.id,
        kind="note",
        actor="U1",
        at=AT + timedelta(hours=1),
        payload={"text": "called the sponsor", "tags": ["call"]},
    )
    first = record_event(
        session,
        account_id=account.id,
        kind="reading",
        actor="U2",
        at=AT,
        payload={"signal": "kickoff", "from": None, "to": 2},
    )
    tied = record_event(
        session, account_id=account.id, kind="rescue_opened", actor="rescuebot", at=AT, payload={}
    )
    record_event(session, account_id=other.id, kind="note", actor="U1", at=AT, payload={})
    record_event(
        session, account_id=None, kind="digest_posted", actor="rescuebot", at=AT, payload={}
    )
    session.commit()
    session.expire_all()

    events = timeline(session, account_id=account.id)
    assert [e.id for e in events] == [first.id, tied.id, later.id]
    assert events[0].payload == {"signal": "kickoff", "from": None, "to": 2}
    assert events[2].payload == {"text": "called the sponsor", "tags": ["call"]}
