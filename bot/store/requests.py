"""Handled Slack requests: the claim that makes a retried request a no-op."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.store.tables import HandledRequest


class RequestIdReused(Exception):
    """Slack's id of this request was already used by a request that asked something else."""


def claim_request(session: Session, *, key: str, at: datetime) -> bool:
    """Record `key` as handled in the caller's transaction; False if it already was.

    A key `ID#DIGEST` (Slack's request id, then what the request asks) also claims `ID`
    alone, so the same id asking something else raises `RequestIdReused`. Concurrent claims of
    one key wait for each other on the primary key: the loser sees False (or the refusal) once
    the winner commits, and succeeds if the winner rolled back.
    """
    if not _insert(session, key, at):
        return False
    request_id, _, digest = key.partition("#")
    if digest and not _insert(session, request_id, at):
        raise RequestIdReused(request_id)
    return True


def _insert(session: Session, key: str, at: datetime) -> bool:
    try:
        with session.begin_nested():
            session.add(HandledRequest(key=key, handled_at=at))
    except IntegrityError:
        return False
    return True
