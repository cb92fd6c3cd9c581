"""Rescues: the database itself allows one open rescue per account."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.store.accounts import add_account
from bot.store.db import session_scope
from bot.store.events import record_event, timeline
from bot.store.rescues import add_rescue, open_rescue, open_rescues, resolve_rescue
from bot.store.tables import Account, Rescue

OPENED = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _open(session: Session, account: Account) -> Rescue:
    assert account.id is not None
    return add_rescue(
        session,
        account_id=account.id,
        trigger="at_risk",
        reason="score fell to 4.2",
        owner="U1",
        opened_by="rescuebot",
        opened_at=OPENED,
        sla_due_at=OPENED + timedelta(days=1),
        checkpoint_on=date(2026, 11, 23),
        status_at_open="at_risk",
        score_at_open=4.2,
    )


def test_a_second_open_rescue_for_an_account_is_refused(session: Session, account: Account) -> None:
    first = _open(session, account)
    with pytest.raises(IntegrityError):
        _open(session, account)
    # The refusal only undid its own insert: the first rescue and the transaction survive.
    session.commit()
    assert session.exec(select(Rescue)).all() == [first]
    assert open_rescue(session, account_id=account.id) == first


def test_an_escalated_rescue_is_still_open(session: Session, account: Account) -> None:
    rescue = _open(session, account)
    rescue.state = "escalated"
    session.add(rescue)
    session.flush()
    with pytest.raises(IntegrityError):
        _open(session, account)


def test_after_resolving_a_new_rescue_can_open(session: Session, account: Account) -> None:
    first = _open(session, account)
    resolve_rescue(
        session, rescue=first, resolution="recovered", resolved_at=OPENED + timedelta(days=3)
    )
    second = _open(session, account)
    session.commit()
    assert open_rescue(session, account_id=account.id) == second
    assert first.state == "resolved"
    assert first.open_account_id is None


def test_state_and_open_account_id_cannot_disagree(session: Session, account: Account) -> None:
    rescue = _open(session, account)
    rescue.state = "resolved"  # without clearing open_account_id
    session.add(rescue)
    with pytest.raises(IntegrityError):
        session.flush()


def test_open_rescues_maps_accounts_to_their_open_rescue(
    session: Session, account: Account
) -> None:
    globex = add_account(session, key="globex", name="Globex", segment="mid")
    initech = add_account(session, key="initech", name="Initech", segment="mid")
    acme_rescue = _open(session, account)
    globex_rescue = _open(session, globex)
    resolve_rescue(
        session, rescue=_open(session, initech), resolution="recovered", resolved_at=OPENED
    )
    assert open_rescues(session) == {account.id: acme_rescue, globex.id: globex_rescue}
    assert open_rescue(session, account_id=initech.id) is None


def test_a_refused_rescue_inside_session_scope_leaves_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        account = add_account(session, key="acme", name="Acme", segment="smb")
        _open(session, account)
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        assert account.id is not None
        record_event(
            session, account_id=account.id, kind="rescue_opened", actor="U1", at=OPENED, payload={}
        )
        _open(session, account)
    with session_scope(engine) as session:
        assert timeline(session, account_id=account.id) == []
        assert len(session.exec(select(Rescue)).all()) == 1
