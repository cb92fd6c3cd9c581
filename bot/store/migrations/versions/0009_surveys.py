"""Customer surveys: CSAT (1–5) and NPS (0–10) answers at D+7 and D+30, one row per answer.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('csat', 'nps')", name=op.f("ck_survey_kind_known")),
        sa.CheckConstraint("day IN (7, 30)", name=op.f("ck_survey_day_known")),
        sa.CheckConstraint(
            "(kind = 'csat' AND score BETWEEN 1 AND 5)"
            " OR (kind = 'nps' AND score BETWEEN 0 AND 10)",
            name=op.f("ck_survey_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_survey_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
    )
    op.create_index(
        "ix_survey_account_id_kind_day", "survey", ["account_id", "kind", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_survey_account_id_kind_day", table_name="survey")
    op.drop_table("survey")
