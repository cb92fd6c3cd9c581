"""Manual status overrides (status_override), versioned weights (weight_version), weight proposals
awaiting approval (weight_proposal), and the weight version of each weekly snapshot.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("weekly_snapshot", sa.Column("weights_version", sa.Integer(), nullable=True))
    op.create_table(
        "status_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.String(), nullable=True),
        sa.CheckConstraint(
            "status IN ('healthy', 'watch', 'at_risk')", name="ck_status_override_status_known"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_status_override_account_id_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_status_override"),
    )
    op.create_index("ix_status_override_account_id", "status_override", ["account_id"])
    op.create_table(
        "weight_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("retired", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("approved_by", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_weight_version"),
    )
    op.create_table(
        "weight_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("retire", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("auc_before", sa.Float(), nullable=True),
        sa.Column("auc_after", sa.Float(), nullable=True),
        sa.Column("proposed_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version"],
            ["weight_version.version"],
            name="fk_weight_proposal_version_weight_version",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_weight_proposal"),
    )


def downgrade() -> None:
    op.drop_table("weight_proposal")
    op.drop_table("weight_version")
    op.drop_index("ix_status_override_account_id", table_name="status_override")
    op.drop_table("status_override")
    with op.batch_alter_table("weekly_snapshot") as batch:
        batch.drop_column("weights_version")
