"""Integration events answered before they are applied: an event is stored `received` by the
webhook's answer and applied afterwards by the worker, oldest first (the index on state and id
is how the worker finds the next one).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES_BEFORE = "'applied', 'unmatched', 'ignored', 'failed', 'pending'"
STATES = "'applied', 'unmatched', 'ignored', 'failed', 'pending', 'received'"


def _states(states: str) -> None:
    # SQLite changes a CHECK constraint by copying the table (batch mode); PostgreSQL in place.
    with op.batch_alter_table("integration_event") as batch:
        batch.drop_constraint(op.f("ck_integration_event_state_known"), type_="check")
        batch.create_check_constraint(
            op.f("ck_integration_event_state_known"), f"state IN ({states})"
        )


def upgrade() -> None:
    _states(STATES)
    op.create_index("ix_integration_event_state_id", "integration_event", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_integration_event_state_id", table_name="integration_event")
    op.execute("DELETE FROM integration_event WHERE state = 'received'")
    _states(STATES_BEFORE)
