"""The store: SQLModel tables, the data functions that read and write them, and the migrations.

Alembic owns the schema (``migrations/``); ``db`` builds engines, sessions and applies
migrations; one module per subject (``accounts``, ``readings``, ``events``, ``rescues``,
``snapshots``, ``deliveries`` — the outbox) holds small keyword-only functions that take the
session and never commit: the caller owns the transaction. May import `bot.config` and
`scoring`, nothing above.
"""
