"""Engines, sessions and schema migrations for the store.

``make_engine`` turns a database URL into a configured engine (SQLite or PostgreSQL),
``session_scope`` is the one transaction boundary, and ``upgrade`` applies the Alembic migrations
in ``migrations/`` without needing an ``alembic.ini`` on disk. Choosing the default URL is the
config module's job, not this one's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Select, Table, create_engine, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where a migration is asked for: with what it brings (mako, pygments,
# tomllib) it was a fifth of every CLI command's start, and most commands never migrate.

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 5000
READ_ONLY = "rescuebot_read_only"
# Any constant will do: it only has to be the same for every process that migrates.
_MIGRATION_LOCK_ID = 7_142_025


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite, or PostgreSQL through psycopg 3.

    ``postgres://`` and ``postgresql://`` are rewritten to ``postgresql+psycopg://``. SQLite gets
    foreign keys, a busy timeout, WAL for file databases, and real BEGIN / SAVEPOINT handling.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True)


def insert_unless_present(session: Session, table: Table, **conflict: Any) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` into `table` in the session's dialect (both databases
    have it); `conflict` names the constraint (`index_elements=[…]`), the primary key by default."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(**conflict)


def driver_rows(session: Session, statement: Select[Any]) -> Sequence[Sequence[Any]]:
    """The rows of `statement` as the driver gives them, for columns and parameters that need
    no processing by SQLAlchemy (integers, text, bytes). From PostgreSQL in its binary format,
    which sends a bytea as its bytes rather than as twice as many hex digits: a portfolio's
    10,000 kept cards, 12 MB, read in 26 ms instead of 75 ms."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return connection.execute(statement).all()
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor(binary=True) as cursor:  # in the session's transaction
        cursor.execute(compiled.string, compiled.params)
        return cursor.fetchall()


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    # An in-memory database lives in one connection, so every session must share it.
    options: dict[str, Any] = (
        {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}} if in_memory else {}
    )
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop pysqlite from managing transactions itself: SQLAlchemy emits BEGIN (below), which
        # makes SAVEPOINT and transactional DDL work as documented.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writing transaction takes the write lock at once (IMMEDIATE), so having read first
        # it can never find its snapshot outdated by another writer (which SQLite refuses).
        # A reading one (DEFERRED) takes no lock: in WAL mode it blocks nobody, however long.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def session_scope(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any exception.

    Loaded objects stay readable after the commit (``expire_on_commit=False``). `read_only`
    sessions must not write: on SQLite they take no lock, so long reports never block writers.
    """
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    return config


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Apply the migrations up to ``revision``; already-applied ones are skipped."""
    from alembic import command

    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        config = _alembic_config()
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Replicas starting together migrate one after the other, not at once.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if engine is not engine_or_url:
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before any migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision the code ships."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head
