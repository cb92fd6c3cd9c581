"""Handled Slack requests: the claim that makes a retried request a no-op."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.store.tables import HandledRequest


def claim_request(session: Session, *, key: str, at: datetime) -> bool:
    """Record `key` as handled in the caller's transaction; False if it already was.

    Concurrent claims of one key wait for each other on the primary key: the loser sees False
    once the winner commits (and True if the winner rolled back).
    """
    try:
        with session.begin_nested():
            session.add(HandledRequest(key=key, handled_at=at))
    except IntegrityError:
        return False
    return True
