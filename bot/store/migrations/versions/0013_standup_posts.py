"""Live standups: standup_post (a standup posted in a channel, its scope, first message, accounts
in order, what superseded it and its latest queued edit) and standup_line (which posted standups
list an account, looked up on every change of it).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "standup_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("scope_label", sa.Text(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("accounts", sa.JSON(), nullable=False),
        sa.Column("focus_count", sa.Integer(), nullable=False),
        sa.Column("posted_by", sa.String(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("edit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["delivery.id"], name=op.f("fk_standup_post_delivery_id_delivery")
        ),
        sa.ForeignKeyConstraint(
            ["edit_id"], ["delivery.id"], name=op.f("fk_standup_post_edit_id_delivery")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["standup_post.id"],
            name=op.f("fk_standup_post_superseded_by_standup_post"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standup_post")),
    )
    op.create_index("ix_standup_post_channel_scope", "standup_post", ["channel", "scope"])
    op.create_table(
        "standup_line",
        sa.Column("standup_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_standup_line_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["standup_id"],
            ["standup_post.id"],
            name=op.f("fk_standup_line_standup_id_standup_post"),
        ),
        sa.PrimaryKeyConstraint("standup_id", "account_id", name=op.f("pk_standup_line")),
    )
    op.create_index(
        op.f("ix_standup_line_account_id"), "standup_line", ["account_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_standup_line_account_id"), table_name="standup_line")
    op.drop_table("standup_line")
    op.drop_index("ix_standup_post_channel_scope", table_name="standup_post")
    op.drop_table("standup_post")
