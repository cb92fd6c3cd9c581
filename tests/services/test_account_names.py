"""`/onboard add`'s naming rules, one add at a time (the concurrent ones are in test_races.py).

A name an account already has (ignoring case, accents and surrounding spaces) is refused with
that account named, unless `key:` is given; a different name deriving a taken key gets `-2`…
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.services import accounts
from bot.store import accounts as account_rows
from bot.store.db import session_scope
from bot.store.tables import Account, Event
from scoring.errors import DomainError, InvalidValue

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def add(engine: Engine, name: str, **options: str) -> str:
    """Add like the listener does, in its own transaction; the new key."""
    with session_scope(engine) as session:
        return accounts.add_account(session, name=name, options=options, actor="U0CSM", now=NOW).key


def keys_and_folds(engine: Engine) -> list[tuple[str, str, str | None]]:
    with session_scope(engine, read_only=True) as session:
        statement = select(Account).order_by(Account.id)
        return [(a.key, a.name, a.name_fold) for a in session.exec(statement)]


def events_written(engine: Engine) -> int:
    with session_scope(engine, read_only=True) as session:
        return len(session.exec(select(Event)).all())


REFUSED = (
    "Acme Corp already exists as `acme-corp`; use it, or give `key:` to add another account "
    "with the same name"
)


@pytest.mark.parametrize("again", ["Acme Corp", "acme corp", "  ACME CORP  ", "Âcmé Corp"])
def test_a_name_already_there_is_refused_naming_the_account(engine: Engine, again: str) -> None:
    add(engine, "Acme Corp")
    before = events_written(engine)
    with pytest.raises(DomainError) as refusal:
        add(engine, again)
    assert str(refusal.value) == REFUSED
    assert [key for key, _, _ in keys_and_folds(engine)] == ["acme-corp"]
    assert events_written(engine) == before  # nothing half-written


def test_a_given_key_adds_another_account_with_the_same_name(engine: Engine) -> None:
    add(engine, "Acme Corp")
    assert add(engine, "ACME Corp", key="Acme-EMEA") == "acme-emea"
    assert keys_and_folds(engine) == [
        ("acme-corp", "Acme Corp", "acme corp"),
        ("acme-emea", "ACME Corp", None),  # shares the name: the first account holds it
    ]
    with pytest.raises(DomainError, match="already exists as `acme-corp`"):
        add(engine, "Acme Corp")  # still refused without a key, naming the oldest


def test_a_different_name_deriving_a_taken_key_gets_a_suffix(engine: Engine) -> None:
    assert add(engine, "Zeta Labs") == "zeta-labs"
    assert add(engine, "ZETA labs!") == "zeta-labs-2"
    assert add(engine, "Zeta-Labs") == "zeta-labs-3"


def test_a_given_key_must_be_free_and_well_formed(engine: Engine) -> None:
    add(engine, "Acme Corp", key="acme")
    with pytest.raises(DomainError, match=r"^`acme` is already the key of Acme Corp; give another"):
        add(engine, "Acme Europe", key="acme")
    for bad in ("acme corp", "acme--corp", "-acme", "a" * 65, "ac/me"):
        with pytest.raises(InvalidValue, match="is not a key; use up to 64 lower-case letters"):
            add(engine, "Acme Europe", key=bad)
    assert len(keys_and_folds(engine)) == 1


def test_names_in_other_scripts_stay_distinct_and_need_a_key(engine: Engine) -> None:
    with pytest.raises(InvalidValue, match="no letters or digits to make a key from; give one"):
        add(engine, "東京商事")
    add(engine, "東京商事", key="tokyo")
    add(engine, "大阪商事", key="osaka")  # folds differently: not the same name
    with pytest.raises(DomainError, match="already exists as `tokyo`"):
        add(engine, "東京商事")  # the same name is named, rather than asked for a key


def test_renaming_to_a_taken_name_shares_it_and_renaming_away_frees_it(engine: Engine) -> None:
    add(engine, "Acme Corp")
    add(engine, "Globex")
    with session_scope(engine) as session:
        globex = account_rows.get_account(session, key="globex")
        accounts.edit_account(
            session, account=globex, options={"name": "acme corp"}, actor="U0ADMIN", now=NOW
        )
    with session_scope(engine) as session:
        acme = account_rows.get_account(session, key="acme-corp")
        accounts.edit_account(
            session, account=acme, options={"name": "Acme Old"}, actor="U0ADMIN", now=NOW
        )
    assert keys_and_folds(engine) == [
        ("acme-corp", "Acme Old", "acme old"),
        ("globex", "acme corp", None),
    ]
    with pytest.raises(DomainError, match=r"^acme corp already exists as `globex`"):
        add(engine, "Acme Corp")  # an account still has the name, though it does not hold it
    add(engine, "Globex")  # nobody has that name any more
