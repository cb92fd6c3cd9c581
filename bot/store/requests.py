"""Handled Slack requests: the claim that makes a retried request a no-op."""

from datetime import datetime

from sqlmodel import Session

from bot.store.db import insert_unless_present
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
    request_id, _, digest = key.partition("#")
    keys = [key, request_id] if digest else [key]
    # One INSERT … ON CONFLICT DO NOTHING for both keys, no savepoint: this runs first in
    # every write a Slack request makes, so it is on the path of every rating.
    table = HandledRequest.__table__  # type: ignore[attr-defined]
    statement = insert_unless_present(session, table).returning(table.c.key)
    rows = [{"key": each, "handled_at": at} for each in keys]
    inserted = set(session.connection().execute(statement, rows).scalars())
    if key not in inserted:
        return False
    if digest and request_id not in inserted:
        raise RequestIdReused(request_id)
    return True
