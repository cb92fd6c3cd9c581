"""Integrations: accounts carry their external ids (hubspot_id, segment_group_id,
intercom_company_id, each unique), webhook deliveries are kept in integration_event (unique
per provider and event id), and support tickets in ticket (unique ticket id).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXTERNAL_IDS = ("hubspot_id", "segment_group_id", "intercom_company_id")


def upgrade() -> None:
    for column in EXTERNAL_IDS:
        op.add_column("account", sa.Column(column, sa.String(length=128), nullable=True))
        op.create_index(f"ix_account_{column}", "account", [column], unique=True)
    op.create_table(
        "integration_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('applied', 'unmatched', 'ignored', 'failed')",
            name=op.f("ck_integration_event_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_integration_event_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_event")),
        sa.UniqueConstraint(
            "provider", "event_id", name=op.f("uq_integration_event_provider_event_id")
        ),
    )
    op.create_index(
        "ix_integration_event_account_id", "integration_event", ["account_id"], unique=False
    )
    op.create_index(
        "ix_integration_event_state_external_id", "integration_event", ["state", "external_id"]
    )
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_ticket_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ticket_ticket_id")),
    )
    op.create_index("ix_ticket_account_id_opened_at", "ticket", ["account_id", "opened_at"])


def downgrade() -> None:
    op.drop_table("ticket")
    op.drop_table("integration_event")
    for column in EXTERNAL_IDS:
        op.drop_index(f"ix_account_{column}", table_name="account")
        with op.batch_alter_table("account") as batch:
            batch.drop_column(column)
