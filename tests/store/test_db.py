"""Engines and the session scope: URLs, SQLite pragmas, all-or-nothing transactions."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.store.accounts import add_account, get_account
from bot.store.db import make_engine, session_scope
from bot.store.readings import add_reading
from bot.store.tables import Account


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:secret@db:5432/app",
        "postgresql://u:secret@db:5432/app",
        "postgresql+psycopg://u:secret@db:5432/app",
    ],
)
def test_postgres_urls_use_psycopg_and_keep_their_parts(url: str) -> None:
    engine = make_engine(url)
    assert engine.url.drivername == "postgresql+psycopg"
    assert (engine.url.username, engine.url.password, engine.url.host) == ("u", "secret", "db")
    assert engine.url.database == "app"


def test_sqlite_files_get_foreign_keys_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    engine.dispose()


def test_an_in_memory_sqlite_database_is_shared_by_sessions() -> None:
    engine = make_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()


def test_a_reference_to_a_missing_row_is_refused(session: Session) -> None:
    with pytest.raises(IntegrityError):
        add_reading(
            session,
            account_id=999,
            signal="kickoff",
            value=2,
            note=None,
            author="U1",
            source="import",
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        )


def test_session_scope_commits_on_success(engine: Engine) -> None:
    with session_scope(engine) as session:
        account = add_account(session, key="acme", name="Acme", segment="smb")
    assert account.key == "acme"  # still readable after the commit
    with session_scope(engine) as session:
        assert get_account(session, key="acme") is not None


def test_an_exception_inside_session_scope_leaves_no_rows(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        add_account(session, key="acme", name="Acme", segment="smb")
        add_account(session, key="globex", name="Globex", segment="mid")
        raise RuntimeError("the command failed half-way")
    with session_scope(engine) as session:
        assert session.exec(select(Account)).all() == []


def test_a_refused_write_inside_session_scope_leaves_no_rows(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        add_account(session, key="acme", name="Acme", segment="smb")
        add_account(session, key="acme", name="Acme again", segment="smb")
    with session_scope(engine) as session:
        assert session.exec(select(Account)).all() == []
