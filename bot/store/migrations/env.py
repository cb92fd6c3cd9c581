"""Alembic's environment for the store: runs the migrations on the connection it is given.

There is no ``alembic.ini``: ``bot.store.db.upgrade`` passes its connection in
``config.attributes["connection"]``. To autogenerate a new revision, do the same with
``alembic.command.revision(config, message, autogenerate=True)`` on a database at head.
"""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlmodel import SQLModel

import bot.store.tables  # noqa: F401  (puts the tables on SQLModel.metadata)
from bot.store.types import UTCDateTime

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes UTCDateTime as the type it creates: migrations import no app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is None:
    raise RuntimeError("run the store's migrations with bot.store.db.upgrade(), on a connection")
run_migrations(given)
