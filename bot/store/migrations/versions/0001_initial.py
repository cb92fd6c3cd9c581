"""Initial schema: accounts, readings, weekly snapshots, rescues, escalations, approvals, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Constraint and index names are spelled out (they follow ``bot.store.tables.NAMING_CONVENTION``)
so that PostgreSQL and SQLite agree and later migrations can refer to them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str, *, nullable: bool = False) -> sa.Column:
    """A ``UTCDateTime`` column: timestamptz on PostgreSQL, naive UTC on SQLite."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("segment", sa.String(length=16), nullable=False),
        sa.Column("csm", sa.String(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("arr", sa.Integer(), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("business_problem", sa.Text(), nullable=True),
        sa.Column("promised_timeline", sa.Text(), nullable=True),
        sa.Column("dependencies", sa.Text(), nullable=True),
        sa.Column("decision_maker", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("followup_owner", sa.String(), nullable=True),
        sa.Column("followup_next", sa.Text(), nullable=True),
        sa.Column("followup_due", sa.Date(), nullable=True),
        _instant("created_at"),
        _instant("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
    )
    op.create_index(op.f("ix_account_key"), "account", ["key"], unique=True)

    op.create_table(
        "reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("signal", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        _instant("recorded_at"),
        _instant("created_at"),
        sa.CheckConstraint("value BETWEEN 0 AND 2", name=op.f("ck_reading_value_range")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_reading_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading")),
    )
    op.create_index(
        op.f("ix_reading_account_id_recorded_at"), "reading", ["account_id", "recorded_at"]
    )

    op.create_table(
        "weekly_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("week_end", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=False),
        _instant("computed_at"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_weekly_snapshot_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_snapshot")),
        sa.UniqueConstraint("account_id", "week", name=op.f("uq_weekly_snapshot_account_id_week")),
    )

    op.create_table(
        "rescue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(), nullable=True),
        sa.Column("opened_by", sa.String(), nullable=False),
        _instant("opened_at"),
        _instant("sla_due_at"),
        _instant("acknowledged_at", nullable=True),
        sa.Column("checkpoint_on", sa.Date(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=True),
        _instant("resolved_at", nullable=True),
        sa.Column("resolution", sa.String(), nullable=True),
        sa.Column("status_at_open", sa.String(length=16), nullable=False),
        sa.Column("score_at_open", sa.Float(), nullable=True),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.Column("open_account_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(state = 'resolved' AND open_account_id IS NULL)"
            " OR (state <> 'resolved' AND open_account_id = account_id)",
            name=op.f("ck_rescue_open_account_id_follows_state"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_rescue_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rescue")),
        sa.UniqueConstraint("open_account_id", name=op.f("uq_rescue_open_account_id")),
    )
    op.create_index(op.f("ix_rescue_account_id"), "rescue", ["account_id"])

    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rescue_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("intervention", sa.Text(), nullable=False),
        sa.Column("success_criteria", sa.Text(), nullable=False),
        sa.Column("decision_deadline", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("approvals_required", sa.Integer(), nullable=False),
        _instant("created_at"),
        _instant("decided_at", nullable=True),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rescue_id"], ["rescue.id"], name=op.f("fk_escalation_rescue_id_rescue")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_escalation_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
    )
    op.create_index(op.f("ix_escalation_account_id"), "escalation", ["account_id"])

    op.create_table(
        "approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("approver", sa.String(), nullable=False),
        sa.Column("decision", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _instant("decided_at"),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalation.id"],
            name=op.f("fk_approval_escalation_id_escalation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval")),
        sa.UniqueConstraint(
            "escalation_id", "approver", name=op.f("uq_approval_escalation_id_approver")
        ),
    )

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        _instant("at"),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_event_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    op.create_index(op.f("ix_event_account_id"), "event", ["account_id"])
    op.create_index(op.f("ix_event_at"), "event", ["at"])


def downgrade() -> None:
    for table in (
        "event",
        "approval",
        "escalation",
        "rescue",
        "weekly_snapshot",
        "reading",
        "account",
    ):
        op.drop_table(table)
