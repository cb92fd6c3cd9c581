"""Shared fixtures: a freshly migrated database per test, on SQLite and (if configured) PostgreSQL.

Tests that take ``engine`` or ``session`` run once per database. The PostgreSQL run needs
``TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and is skipped
without it; each such test gets its own schema, dropped afterwards.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlmodel import Session

from bot.store.accounts import add_account
from bot.store.db import make_engine, upgrade
from bot.store.tables import Account


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    """The URL of a fresh, empty database: a file in `directory`, or a new PostgreSQL schema
    (dropped on exit). PostgreSQL needs TEST_DATABASE_URL; without it the test is skipped."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'test.db'}"
        return
    base_url = os.environ.get("TEST_DATABASE_URL")
    if not base_url:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    schema = f"test_{uuid.uuid4().hex}"
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database per test, on SQLite and (when configured) PostgreSQL."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the fresh database, with every migration applied."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database; the test decides when to commit."""
    with Session(engine) as session:
        yield session


@pytest.fixture
def account(session: Session) -> Account:
    """One smb account, key "acme", added (flushed, not committed) in ``session``."""
    return add_account(session, key="acme", name="Acme Corp", segment="smb")
