"""Accounts: unique keys, and naming an account by its key or a prefix of its key or name."""

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.store.accounts import (
    add_account,
    get_account,
    keys_with_prefix,
    list_accounts,
    match_accounts,
)
from bot.store.tables import Account


@pytest.fixture
def portfolio(session: Session) -> None:
    for key, name in [
        ("acme", "Acme Corp"),
        ("acme-2", "Acme Europe"),
        ("globex", "Globex"),
        ("emile-sarl", "Émile SARL"),
        ("strasse", "Straße Logistik"),
        ("initech", "Initech_Labs"),
    ]:
        add_account(session, key=key, name=name, segment="mid")


def _keys(session: Session, text: str) -> list[str]:
    return [account.key for account in match_accounts(session, text=text)]


@pytest.mark.usefixtures("portfolio")
@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("acme", ["acme"]),  # the exact key wins over the prefix it shares with acme-2
        ("ACME", ["acme"]),  # ... ignoring case
        ("ac", ["acme", "acme-2"]),  # a prefix of several keys: all of them, by key
        ("acme corp", ["acme"]),  # a prefix of a name
        ("Acme Eu", ["acme-2"]),
        ("gLoB", ["globex"]),
        ("ém", ["emile-sarl"]),  # accented name, case-insensitive
        ("ÉMILE", ["emile-sarl"]),
        ("em", ["emile-sarl"]),  # the key is the accent-folded name
        ("STRASSE LOG", ["strasse"]),  # ß folds to ss
        ("initech_", ["initech"]),  # _ is a character, not a wildcard
        ("  globex  ", ["globex"]),
        ("unknown", []),
        ("%", []),
        ("", []),
        ("   ", []),
    ],
)
def test_match_accounts(session: Session, text: str, keys: list[str]) -> None:
    assert _keys(session, text) == keys


@pytest.mark.usefixtures("portfolio")
def test_keys_with_prefix_finds_the_taken_variants(session: Session) -> None:
    assert keys_with_prefix(session, prefix="acme") == {"acme", "acme-2"}
    assert keys_with_prefix(session, prefix="ACME") == set()
    assert keys_with_prefix(session, prefix="nobody") == set()


@pytest.mark.usefixtures("portfolio")
def test_list_accounts_is_ordered_by_key(session: Session) -> None:
    keys = [account.key for account in list_accounts(session)]
    assert keys == sorted(keys)
    assert len(keys) == 6


def test_a_new_account_has_defaults_and_timestamps(session: Session) -> None:
    add_account(session, key="acme", name="Acme", segment="smb", csm="U1", arr=120_000)
    session.commit()
    session.expire_all()
    account = get_account(session, key="acme")
    assert account is not None
    assert (account.csm, account.arr, account.users, account.outcome) == ("U1", 120_000, 0, None)
    assert account.created_at.tzinfo is not None
    assert get_account(session, key="nope") is None


def test_changing_an_account_moves_updated_at(session: Session, account: Account) -> None:
    session.commit()
    created, updated = account.created_at, account.updated_at
    account.followup_owner = "U2"
    session.add(account)
    session.commit()
    assert account.created_at == created
    assert account.updated_at > updated


def test_a_taken_key_is_refused(session: Session) -> None:
    add_account(session, key="acme", name="Acme", segment="smb")
    with pytest.raises(IntegrityError):
        add_account(session, key="acme", name="Another Acme", segment="smb")
