"""Phase gates and the risk register: gate_item (one row per account and gate item), gate_tracking
(since when gates are tracked: filled with today when accounts already exist, so their history
never floods the standup), risk (the living register) and risk_review (a category reviewed, no
risk).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gate_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_gate_item_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_item")),
        sa.UniqueConstraint("account_id", "item", name=op.f("uq_gate_item_account_id_item")),
    )
    op.create_index("ix_gate_item_account_id", "gate_item", ["account_id"])
    gate_tracking = op.create_table(
        "gate_tracking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_tracking")),
    )
    # Accounts added before gates existed start tracking today, not on the day they were added.
    if op.get_bind().execute(sa.text("SELECT 1 FROM account LIMIT 1")).first() is not None:
        op.bulk_insert(gate_tracking, [{"id": 1, "started_on": datetime.now(UTC).date()}])
    op.create_table(
        "risk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(), nullable=True),
        sa.Column("mitigation", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("impact", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_by", sa.String(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "category IN ('data', 'auth', 'cutover', 'comms', 'compliance', 'other')",
            name=op.f("ck_risk_category_known"),
        ),
        sa.CheckConstraint(
            "impact IN ('high', 'medium', 'low')", name=op.f("ck_risk_impact_known")
        ),
        sa.CheckConstraint(
            "state IN ('open', 'mitigated', 'accepted', 'closed')",
            name=op.f("ck_risk_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_risk_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk")),
    )
    op.create_index("ix_risk_account_id", "risk", ["account_id"])
    op.create_table(
        "risk_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by", sa.String(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_risk_review_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_review")),
        sa.UniqueConstraint(
            "account_id", "category", name=op.f("uq_risk_review_account_id_category")
        ),
    )


def downgrade() -> None:
    op.drop_table("risk_review")
    op.drop_table("risk")
    op.drop_table("gate_tracking")
    op.drop_table("gate_item")
