"""Accounts: adding them, and finding them by key, by name, or by the prefix a user typed.

The same-name rule compares names folded by `fold_name`. The first account to carry a folded
name holds it in ``name_fold`` (UNIQUE), so two simultaneous adds of one name cannot both insert
it; a later account deliberately given the same name (with an explicit key) has NULL there.
"""

import unicodedata
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, or_
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
    may_share_name: bool = True,
) -> Account:
    """Add an account; it holds its folded name, unless another account does already and
    `may_share_name` (then it shares the name, with NULL in ``name_fold``).

    A key taken, or (when the name may not be shared) a folded name held, raises IntegrityError
    when flushed (here): also when a concurrent transaction committed it after the caller looked.
    """
    account = Account(
        key=key,
        name=name,
        name_fold=_free_fold(session, name, account_id=None) if may_share_name else fold_name(name),
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
        if name not in Account.model_fields or name in ("id", "key", "name_fold", "created_at"):
            raise ValueError(f"{name} is not an editable account field")
        setattr(account, name, value)
    if "name" in changes:
        account.name_fold = _free_fold(session, account.name, account_id=account.id)
    account.updated_at = at
    session.add(account)
    session.flush()
    return account


def get_account(session: Session, *, key: str) -> Account | None:
    """The account with exactly this key, if any (the statement built once: every slash
    command and select naming an account asks)."""
    return session.exec(_by_key(), params={"key": key}).first()  # type: ignore[call-overload,no-any-return]


@cache
def _by_key() -> Any:
    return select(Account).where(Account.key == bindparam("key"))


def list_accounts(session: Session) -> list[Account]:
    """Every account, ordered by key."""
    return list(session.exec(select(Account).order_by(col(Account.key))))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def fold_name(name: str) -> str:
    """A name as the same-name rule compares it: surrounding spaces trimmed, accents folded as
    the key derivation folds them (NFKD, combining marks dropped), case ignored (`ß` is `ss`).
    Unlike the key, letters outside ASCII stay, so names in other scripts stay distinct."""
    decomposed = unicodedata.normalize("NFKD", name.strip())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.casefold()).strip()


def same_name(session: Session, *, name: str) -> list[Account]:
    """The accounts whose name equals `name` ignoring case, accents and surrounding spaces,
    oldest first: the holder of the folded name and any that share it deliberately."""
    folded = fold_name(name)
    statement = (
        select(Account)
        .where(or_(col(Account.name_fold) == folded, col(Account.name_fold).is_(None)))
        .order_by(col(Account.id))
    )
    return [a for a in session.exec(statement) if fold_name(a.name) == folded]


def _free_fold(session: Session, name: str, *, account_id: int | None) -> str | None:
    """`name` folded, when no other account holds it; else None (the name is shared)."""
    folded = fold_name(name)
    holder = session.exec(select(Account.id).where(Account.name_fold == folded)).first()
    return folded if holder is None or holder == account_id else None


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
    at BEGIN IMMEDIATE, so this matters on PostgreSQL.

    `FOR NO KEY UPDATE`, not `FOR UPDATE`: a transaction holding a rescue's lock still inserts
    events referencing the account (a foreign key check takes `FOR KEY SHARE` on it), and that
    must not wait for one holding the account's lock and waiting for the rescue: a deadlock."""
    statement = select(Account.id).where(Account.id == account_id).with_for_update(key_share=True)
    session.exec(statement).first()
