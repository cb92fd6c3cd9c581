"""Accounts: adding them, and finding them by key or by the prefix a user typed."""

import unicodedata
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.store.tables import Account


def add_account(
    session: Session,
    *,
    key: str,
    name: str,
    segment: str,
    csm: str | None = None,
    signed_on: date | None = None,
    arr: int = 0,
    users: int = 0,
    channel: str | None = None,
    business_problem: str | None = None,
    promised_timeline: str | None = None,
    dependencies: str | None = None,
    decision_maker: str | None = None,
    outcome: str | None = None,
    outcome_on: date | None = None,
    created_at: datetime | None = None,
) -> Account:
    """Add an account; a key already taken raises IntegrityError when flushed (here)."""
    account = Account(
        key=key,
        name=name,
        segment=segment,
        csm=csm,
        signed_on=signed_on,
        arr=arr,
        users=users,
        channel=channel,
        business_problem=business_problem,
        promised_timeline=promised_timeline,
        dependencies=dependencies,
        decision_maker=decision_maker,
        outcome=outcome,
        outcome_on=outcome_on,
    )
    if created_at is not None:
        account.created_at = account.updated_at = created_at
    session.add(account)
    session.flush()
    return account


def update_account(
    session: Session, *, account: Account, changes: dict[str, Any], at: datetime
) -> Account:
    """Set the given columns of an account (names must be Account fields) and flush."""
    for name, value in changes.items():
        if name not in Account.model_fields or name in ("id", "key", "created_at"):
            raise ValueError(f"{name} is not an editable account field")
        setattr(account, name, value)
    account.updated_at = at
    session.add(account)
    session.flush()
    return account


def get_account(session: Session, *, key: str) -> Account | None:
    """The account with exactly this key, if any."""
    return session.exec(select(Account).where(Account.key == key)).first()


def list_accounts(session: Session) -> list[Account]:
    """Every account, ordered by key."""
    return list(session.exec(select(Account).order_by(col(Account.key))))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def match_accounts(session: Session, *, text: str) -> list[Account]:
    """The accounts ``text`` names, ordered by key.

    A key equal to ``text`` (ignoring case) wins outright; otherwise every account whose key or
    name starts with ``text``, ignoring case (Unicode-aware, which SQLite's LOWER is not, so the
    comparison happens here rather than in SQL). Blank text names nothing.
    """
    needle = _fold(text.strip())
    if not needle:
        return []
    names = session.exec(select(Account.id, Account.key, Account.name)).all()
    exact = {id_ for id_, key, _ in names if _fold(key) == needle}
    ids = exact or {
        id_
        for id_, key, name in names
        if _fold(key).startswith(needle) or _fold(name).startswith(needle)
    }
    return list(
        session.exec(select(Account).where(col(Account.id).in_(ids)).order_by(col(Account.key)))
    )


def keys_with_prefix(session: Session, *, prefix: str) -> set[str]:
    """The keys starting with ``prefix`` (case-sensitive): for picking a free ``-2``, ``-3``…"""
    start = func.substr(Account.key, 1, len(prefix))
    return set(session.exec(select(Account.key).where(start == prefix)))


def lock(session: Session, *, account_id: int | None) -> None:
    """Hold the account's row until the transaction ends, so concurrent changes to one account
    (double clicks, two replicas) take turns. SQLite transactions already take the write lock
    at BEGIN IMMEDIATE, so this matters on PostgreSQL."""
    statement = select(Account.id).where(Account.id == account_id).with_for_update()
    session.exec(statement).first()
