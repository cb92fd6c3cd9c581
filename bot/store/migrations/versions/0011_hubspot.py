"""HubSpot: an integration event may wait as `pending` (a company.creation whose CRM read has not
succeeded yet, retried by a job), and hubspot_property keeps, per account and HubSpot property,
the `occurredAt` of the last change applied (an older change arriving later is ignored).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES_BEFORE = "'applied', 'unmatched', 'ignored', 'failed'"
STATES = "'applied', 'unmatched', 'ignored', 'failed', 'pending'"


def _states(states: str) -> None:
    # SQLite changes a CHECK constraint by copying the table (batch mode); PostgreSQL in place.
    with op.batch_alter_table("integration_event") as batch:
        batch.drop_constraint(op.f("ck_integration_event_state_known"), type_="check")
        batch.create_check_constraint(
            op.f("ck_integration_event_state_known"), f"state IN ({states})"
        )


def upgrade() -> None:
    _states(STATES)
    op.create_table(
        "hubspot_property",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("property", sa.String(length=100), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_hubspot_property_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubspot_property")),
        sa.UniqueConstraint(
            "account_id", "property", name=op.f("uq_hubspot_property_account_id_property")
        ),
    )


def downgrade() -> None:
    op.drop_table("hubspot_property")
    op.execute("DELETE FROM integration_event WHERE state = 'pending'")
    _states(STATES_BEFORE)
