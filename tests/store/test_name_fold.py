"""The folded account name: what counts as the same name, the unique index behind it, and the
migration that fills it for accounts added before it existed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.store.accounts import add_account, fold_name, same_name
from bot.store.db import make_engine, upgrade


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Acme Corp", "acme corp"),
        ("  ACME CORP ", "acme corp"),  # surrounding spaces, case
        ("Émile SARL", "emile sarl"),  # accents, as the key derivation folds them
        ("Straße", "strasse"),
        ("ﬁnance", "finance"),  # compatibility forms
        ("東京商事", "東京商事"),  # other scripts stay (the key would drop them)
        ("Acme  Corp", "acme  corp"),  # inner spaces are part of the name
    ],
)
def test_fold_name(name: str, folded: str) -> None:
    assert fold_name(name) == folded


def test_same_name_finds_the_holder_and_those_sharing_it(session: Session) -> None:
    add_account(session, key="acme", name="Acme", segment="smb")
    add_account(session, key="acme-emea", name="ACME", segment="smb")  # may share: NULL fold
    add_account(session, key="globex", name="Globex", segment="smb")
    assert [a.key for a in same_name(session, name=" acmé ")] == ["acme", "acme-emea"]
    assert [a.name_fold for a in same_name(session, name="acme")] == ["acme", None]
    assert same_name(session, name="Acme Europe") == []


def test_the_database_refuses_a_second_holder_of_a_name(session: Session) -> None:
    add_account(session, key="acme", name="Acme", segment="smb")
    with pytest.raises(IntegrityError):
        add_account(session, key="acme-2", name="acme", segment="smb", may_share_name=False)


def test_the_migration_keeps_existing_duplicates_and_gives_the_name_to_the_oldest(
    database_url: str,
) -> None:
    engine: Engine = make_engine(database_url)
    try:
        upgrade(engine, "0006")
        with engine.begin() as connection:
            for key, name in [("acme", "Acme"), ("acme-2", " ACMÉ "), ("globex", "Globex"),
                              ("acme-3", "acme")]:  # fmt: skip
                connection.execute(
                    text(
                        "INSERT INTO account (key, name, segment, arr, users, created_at, "
                        "updated_at) VALUES (:key, :name, 'smb', 0, 0, :at, :at)"
                    ),
                    {"key": key, "name": name, "at": "2026-11-01 00:00:00+00:00"},
                )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT key, name, name_fold FROM account ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [
            ("acme", "Acme", "acme"),
            ("acme-2", " ACMÉ ", None),  # names and keys untouched
            ("globex", "Globex", "globex"),
            ("acme-3", "acme", None),
        ]
    finally:
        engine.dispose()
