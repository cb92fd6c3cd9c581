"""Accounts hold their folded name (account.name_fold, UNIQUE), so two simultaneous adds of one
name cannot both insert it.

The fold is the same-name rule's: surrounding spaces trimmed, accents folded (NFKD, combining
marks dropped), case ignored. It is copied here rather than imported, so this migration keeps
doing what it did whatever the code later does (``bot.store.accounts.fold_name`` is the live
one).

Existing accounts that share a folded name keep their names and keys untouched: the oldest
(lowest id) holds the name, the later ones get NULL, exactly as if they had been added with an
explicit ``key:`` (which is how the same-name rule lets a name be shared). Nothing is renamed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.strip())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.casefold()).strip()


def upgrade() -> None:
    op.add_column("account", sa.Column("name_fold", sa.Text(), nullable=True))
    account = sa.table(
        "account", sa.column("id", sa.Integer), sa.column("name", sa.String),
        sa.column("name_fold", sa.Text),
    )  # fmt: skip
    connection = op.get_bind()
    held: set[str] = set()
    rows = connection.execute(sa.select(account.c.id, account.c.name).order_by(account.c.id))
    for account_id, name in rows.all():
        folded = _fold(name)
        if folded in held:
            continue  # a later account with the name: it shares it, as an explicit key would
        held.add(folded)
        connection.execute(
            account.update().where(account.c.id == account_id).values(name_fold=folded)
        )
    op.create_index("ix_account_name_fold", "account", ["name_fold"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_account_name_fold", table_name="account")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("name_fold")
