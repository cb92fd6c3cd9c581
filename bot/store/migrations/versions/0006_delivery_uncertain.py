"""The outbox remembers attempts whose outcome is unknown (delivery.attempted_at,
uncertain_since, file_id), and finds a parent's waiting children by index.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("delivery", sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "delivery", sa.Column("uncertain_since", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("delivery", sa.Column("file_id", sa.String(length=32), nullable=True))
    op.create_index("ix_delivery_parent_id", "delivery", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_delivery_parent_id", table_name="delivery")
    op.drop_column("delivery", "file_id")
    op.drop_column("delivery", "uncertain_since")
    op.drop_column("delivery", "attempted_at")
