"""current_state: each onboarding account's scorecard as of today, kept by every change and
rebuilt by the daily recompute; indexes on account.csm and account.followup_owner for the
App Home's "mine"; an index on reading for when each account first reached a value (the KPIs
in the digest). Starts empty: readers score accounts without a fresh state from their readings.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "current_state",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rules_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score_tenths", sa.Integer(), nullable=True),
        sa.Column("last_week_tenths", sa.Integer(), nullable=True),
        sa.Column("previous_status", sa.String(length=16), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("card", sa.LargeBinary(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_current_state_account_id_account")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_current_state")),
    )
    op.create_index("ix_current_state_day_rules_key", "current_state", ["day", "rules_key"])
    op.create_index(op.f("ix_current_state_status"), "current_state", ["status"])
    op.create_index(op.f("ix_account_csm"), "account", ["csm"])
    op.create_index(op.f("ix_account_followup_owner"), "account", ["followup_owner"])
    op.create_index(
        "ix_reading_signal_value_account_id",
        "reading",
        ["signal", "value", "account_id", "recorded_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_reading_signal_value_account_id", table_name="reading")
    op.drop_index(op.f("ix_account_followup_owner"), table_name="account")
    op.drop_index(op.f("ix_account_csm"), table_name="account")
    op.drop_table("current_state")
