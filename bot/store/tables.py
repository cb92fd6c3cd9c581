"""The store's tables: one SQLModel class per table, as the migrations create them.

Constraint and index names follow ``NAMING_CONVENTION`` so that PostgreSQL and SQLite agree and
later migrations can refer to them by name.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def _now() -> datetime:
    return datetime.now(UTC)


# A customer in onboarding, with its hand-off checklist, outcome and standup follow-up.
class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    # The name folded for the same-name rule (bot.store.accounts.fold_name) on the account that
    # holds it; NULL on a later account deliberately given the same name (an explicit key).
    # UNIQUE: twenty simultaneous adds of one name cannot all insert it.
    name_fold: str | None = Field(default=None, sa_type=Text, unique=True, index=True)
    segment: str = Field(max_length=16)  # smb | mid | enterprise
    csm: str | None = Field(default=None, index=True)  # Slack user id
    signed_on: date | None = None
    arr: int = 0
    users: int = 0
    channel: str | None = None  # Slack channel id
    # The hand-off checklist: None or empty means the question is unanswered.
    business_problem: str | None = Field(default=None, sa_type=Text)
    promised_timeline: str | None = Field(default=None, sa_type=Text)
    dependencies: str | None = Field(default=None, sa_type=Text)
    decision_maker: str | None = Field(default=None, sa_type=Text)
    outcome: str | None = None  # completed | churned | expanded
    outcome_on: date | None = None
    followup_owner: str | None = Field(default=None, index=True)  # Slack user id
    followup_next: str | None = Field(default=None, sa_type=Text)
    followup_due: date | None = None
    # The account's ids in the tools that send signals (PRODUCT.md, integrations): UNIQUE, so an
    # event names one account at most.
    hubspot_id: str | None = Field(default=None, max_length=128, unique=True, index=True)
    segment_group_id: str | None = Field(default=None, max_length=128, unique=True, index=True)
    intercom_company_id: str | None = Field(default=None, max_length=128, unique=True, index=True)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(
        default_factory=_now, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": _now}
    )


# One rating of one signal for one account: append-only history, never updated or deleted.
class Reading(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("value BETWEEN 0 AND 2", name="value_range"),
        Index("ix_reading_account_id_recorded_at", "account_id", "recorded_at"),
        # When each account first reached a value (the KPIs' time to first value), read from the
        # index alone instead of every reading.
        Index("ix_reading_signal_value_account_id", "signal", "value", "account_id", "recorded_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    signal: str = Field(max_length=64)
    value: int  # 0 at risk, 1 watch, 2 healthy
    note: str | None = Field(default=None, sa_type=Text)
    author: str | None = None  # Slack user id
    source: str = Field(max_length=16)  # slash_command | button | import | webhook | demo
    recorded_at: datetime = Field(sa_type=UTCDateTime)  # when the rating is true from
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


# A cache of an account's score at the end of an ISO week; the readings stay the truth.
class WeeklySnapshot(SQLModel, table=True):
    __tablename__ = "weekly_snapshot"
    __table_args__ = (UniqueConstraint("account_id", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    week: str = Field(max_length=8)  # ISO week, "2026-W47"
    week_end: date
    score: float | None = None
    status: str = Field(max_length=16)
    coverage: float
    computed_at: datetime = Field(sa_type=UTCDateTime)
    weights_version: int | None = None  # the weight version the score was computed with


# A rescue of a drifting account; at most one per account is not resolved (see open_account_id).
class Rescue(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(
            "(state = 'resolved' AND open_account_id IS NULL)"
            " OR (state <> 'resolved' AND open_account_id = account_id)",
            name="open_account_id_follows_state",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    state: str = Field(max_length=16)  # open | acknowledged | recovering | resolved | escalated
    trigger: str = Field(max_length=32)
    reason: str = Field(sa_type=Text)
    owner: str | None = None  # Slack user id
    opened_by: str
    opened_at: datetime = Field(sa_type=UTCDateTime)
    sla_due_at: datetime = Field(sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    checkpoint_on: date
    next_step: str | None = Field(default=None, sa_type=Text)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution: str | None = None  # recovered | not_recovered | opened_by_mistake
    status_at_open: str = Field(max_length=16)
    score_at_open: float | None = None
    channel: str | None = None  # where the rescue thread lives
    message_ts: str | None = None
    # account_id while not resolved, NULL once resolved: UNIQUE makes one open rescue per account.
    open_account_id: int | None = Field(default=None, unique=True)


# A recovery plan submitted for leadership's decision on an escalated rescue.
class Escalation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    rescue_id: int = Field(foreign_key="rescue.id")
    account_id: int = Field(foreign_key="account.id", index=True)
    requested_by: str
    root_cause: str = Field(sa_type=Text)
    impact: str = Field(sa_type=Text)
    intervention: str = Field(sa_type=Text)
    success_criteria: str = Field(sa_type=Text)
    decision_deadline: date
    state: str = Field(max_length=24)  # pending | approved | changes_requested | rejected
    approvals_required: int = 1
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel: str | None = None  # where the plan was posted for decision
    message_ts: str | None = None


# One approver's decision on a recovery plan; each approver decides a plan at most once.
class Approval(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("escalation_id", "approver"),)

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id")
    approver: str  # Slack user id
    decision: str = Field(max_length=24)  # approve | request_changes | reject
    reason: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime = Field(sa_type=UTCDateTime)


# The append-only audit timeline: every change, with actor, time and payload.
class Event(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    kind: str = Field(max_length=64)
    actor: str
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


# A Slack request already applied (its trigger_id or event_id), written in the same transaction
# as the change it caused, so a retry or a replay of the same request applies nothing twice.
class HandledRequest(SQLModel, table=True):
    __tablename__ = "handled_request"

    key: str = Field(primary_key=True, max_length=128)
    handled_at: datetime = Field(sa_type=UTCDateTime)


# A KPI baseline captured on demand: later reports compare against its window.
class KpiBaseline(SQLModel, table=True):
    __tablename__ = "kpi_baseline"

    id: int | None = Field(default=None, primary_key=True)
    captured_at: datetime = Field(sa_type=UTCDateTime)
    captured_by: str
    window_start: date
    window_end: date
    values: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


# A run of scheduled work (a channel's digest for a week, a day's recompute, one reminder), claimed
# by the first process to insert its key: the key is what makes each run happen once, whatever
# the number of replicas or restarts.
class ScheduledRun(SQLModel, table=True):
    __tablename__ = "scheduled_run"

    key: str = Field(primary_key=True, max_length=200)
    job: str = Field(max_length=32)  # digest | recompute | reminder
    due_at: datetime = Field(sa_type=UTCDateTime)
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str = Field(max_length=128)  # host:pid of the claiming process
    # Set when the work is done; a claim left unfinished by a crash can be taken over later.
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# The outbox: one Slack call for a scheduled or automatic message, written in the same transaction
# as the work that decided it, then delivered (retried, rate-limited) until Slack accepts or
# refuses it for good.
class Delivery(SQLModel, table=True):
    __table_args__ = (
        Index("ix_delivery_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_delivery_parent_id", "parent_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)  # what makes a message exist once
    run_key: str | None = Field(default=None, max_length=200, index=True)
    method: str = Field(max_length=32)  # message | update | file
    channel: str = Field(max_length=32)  # channel id, or a user id for a DM
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    content: bytes | None = Field(default=None, sa_type=LargeBinary)  # a file's bytes
    # Waits for this delivery: a message or file goes into its thread, an update edits it.
    parent_id: int | None = Field(default=None, foreign_key="delivery.id")
    state: str = Field(max_length=16)  # pending | sending | delivered | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ts: str | None = None  # the Slack message's ts once delivered
    attempted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # latest attempt
    # Since when an attempt may have reached Slack without its answer reaching us (a timeout,
    # a dropped connection, a 5xx, a sender killed mid-send): Slack's history is searched from
    # then on for the delivery's key before it is sent again.
    uncertain_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The file a `file` delivery uploaded before its sharing went unanswered: looked for in the
    # channel's history, since files carry no message metadata.
    file_id: str | None = Field(default=None, max_length=32)


# A manual status override, stored beside the computed status, never instead of it. The one in
# force has no cleared_at; a new override for the account clears the one before it.
class StatusOverride(SQLModel, table=True):
    __tablename__ = "status_override"
    __table_args__ = (
        CheckConstraint("status IN ('healthy', 'watch', 'at_risk')", name="status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    status: str = Field(max_length=16)  # healthy | watch | at_risk
    reason: str = Field(sa_type=Text)
    author: str  # Slack user id
    created_at: datetime = Field(sa_type=UTCDateTime)
    cleared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cleared_by: str | None = None  # Slack user id (of the clearer, or of the next override)


# An approved set of weights: the weights in force are the config's taxonomy with the latest
# version applied (no version: the config as shipped). Versions are only ever added.
class WeightVersion(SQLModel, table=True):
    __tablename__ = "weight_version"

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    weights: dict[str, float] = Field(default_factory=dict, sa_type=JSON)  # {signal: weight}
    retired: list[str] = Field(default_factory=list, sa_type=JSON)
    source: str = Field(max_length=32)  # "config" | "proposal N"
    approved_by: list[str] = Field(default_factory=list, sa_type=JSON)  # Slack user ids
    created_at: datetime = Field(sa_type=UTCDateTime)


# New weights proposed by calibration, with the evidence for them, awaiting an approver.
class WeightProposal(SQLModel, table=True):
    __tablename__ = "weight_proposal"

    id: int | None = Field(default=None, primary_key=True)
    based_on: int  # the weight version in force when proposed (0: the config)
    weights: dict[str, float] = Field(default_factory=dict, sa_type=JSON)  # proposed
    retire: list[str] = Field(default_factory=list, sa_type=JSON)
    # current vs proposed per signal, AUCs, the cohort and the cross-validation folds
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    auc_before: float | None = None  # mean held-out AUC with the weights in force
    auc_after: float | None = None  # … and with weights refitted without the held-out fold
    proposed_by: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    state: str = Field(max_length=16)  # pending | approved | rejected | withdrawn
    decided_by: str | None = None
    reason: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int | None = Field(default=None, foreign_key="weight_version.version")  # approved
    channel: str | None = None  # where it was posted for decision
    message_ts: str | None = None


# A webhook delivery from an integration (Segment, Intercom…), stored raw as `received` by the
# answer and applied afterwards by the worker; (provider, event_id) UNIQUE makes a redelivery
# apply nothing. An event for an account nobody has given the external id yet waits as
# `unmatched` until the id is set.
class IntegrationEvent(SQLModel, table=True):
    __tablename__ = "integration_event"
    __table_args__ = (
        UniqueConstraint("provider", "event_id"),
        CheckConstraint(
            "state IN ('applied', 'unmatched', 'ignored', 'failed', 'pending', 'received')",
            name="state_known",
        ),
        Index("ix_integration_event_state_external_id", "state", "external_id"),
        Index("ix_integration_event_state_id", "state", "id"),  # the worker's next event
    )

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)  # segment | intercom | hubspot
    event_id: str = Field(max_length=200)  # the provider's: messageId, notification id …
    received_at: datetime = Field(sa_type=UTCDateTime)
    body: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # the event as received
    # received (answered, not applied yet) | applied | unmatched | ignored | failed | pending
    state: str = Field(max_length=16)
    external_id: str | None = Field(default=None, max_length=128)  # the account id it names
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    error: str | None = Field(default=None, sa_type=Text)  # why ignored or failed
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# When the last applied change of a HubSpot property on an account occurred (its `occurredAt`):
# HubSpot does not deliver in order, and a change older than this one is ignored.
class HubspotProperty(SQLModel, table=True):
    __tablename__ = "hubspot_property"
    __table_args__ = (UniqueConstraint("account_id", "property"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    property: str = Field(max_length=100)
    occurred_at: datetime = Field(sa_type=UTCDateTime)


# A support ticket counted for `ticket_trend`, once whatever told us (either Intercom topic or an
# import row): ticket_id is UNIQUE.
class Ticket(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    ticket_id: str = Field(max_length=200, unique=True)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    source: str = Field(max_length=16)  # intercom | import
    created_at: datetime = Field(sa_type=UTCDateTime)

    __table_args__ = (Index("ix_ticket_account_id_opened_at", "account_id", "opened_at"),)


# One customer survey answer (CSAT 1–5 or NPS 0–10) at D+7 or D+30 after signature, from
# `/onboard survey` or an accounts import; append-only: the latest per account, kind and day counts.
class Survey(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("kind IN ('csat', 'nps')", name="kind_known"),
        CheckConstraint("day IN (7, 30)", name="day_known"),
        CheckConstraint(
            "(kind = 'csat' AND score BETWEEN 1 AND 5)"
            " OR (kind = 'nps' AND score BETWEEN 0 AND 10)",
            name="score_range",
        ),
        Index("ix_survey_account_id_kind_day", "account_id", "kind", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    kind: str = Field(max_length=8)  # csat | nps
    day: int  # 7 | 30: days after signature the survey asks about
    score: int
    author: str  # Slack user id, or cli:<user> / import
    source: str = Field(max_length=16)  # slash_command | import | demo
    recorded_at: datetime = Field(sa_type=UTCDateTime)


# Where an account stands on one phase-gate item (PRODUCT.md, phase gates): ticked or not, or a
# measured value against the item's target. One row per account and item, updated in place; every
# change is also an Event on the timeline, which keeps the history.
class GateItem(SQLModel, table=True):
    __tablename__ = "gate_item"
    __table_args__ = (UniqueConstraint("account_id", "item"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    item: str = Field(max_length=64)  # the item's key in the gates: config
    phase: str = Field(max_length=16)  # day0 | days_1_30 | days_31_60 | days_61_90
    done: bool = False
    value: float | None = None  # a measured item's latest value
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when it last closed
    updated_by: str
    updated_at: datetime = Field(sa_type=UTCDateTime)


# Since when this installation tracks phase gates: the day the gates migration met accounts that
# were already there. No row (a fresh install): each account tracks gates from the day it was added.
class GateTracking(SQLModel, table=True):
    __tablename__ = "gate_tracking"

    id: int | None = Field(default=None, primary_key=True)
    started_on: date


# A risk in an account's living register. Open until mitigated, accepted or closed.
class Risk(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(
            "category IN ('data', 'auth', 'cutover', 'comms', 'compliance', 'other')",
            name="category_known",
        ),
        CheckConstraint("impact IN ('high', 'medium', 'low')", name="impact_known"),
        CheckConstraint("state IN ('open', 'mitigated', 'accepted', 'closed')", name="state_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    category: str = Field(max_length=16)
    text: str = Field(sa_type=Text)
    owner: str | None = None  # Slack user id
    mitigation: str | None = Field(default=None, sa_type=Text)
    due_on: date | None = None
    impact: str = Field(max_length=8)  # high | medium | low
    state: str = Field(max_length=16)  # open | mitigated | accepted | closed
    created_by: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    settled_by: str | None = None  # who mitigated, accepted or closed it
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# A risk category of an account reviewed and found to hold no risk ("category reviewed, no risk").
class RiskReview(SQLModel, table=True):
    __tablename__ = "risk_review"
    __table_args__ = (UniqueConstraint("account_id", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    category: str = Field(max_length=16)
    reviewed_by: str
    reviewed_at: datetime = Field(sa_type=UTCDateTime)


# A standup posted in a channel, kept live: later changes of its accounts edit it in place
# (bot/services/live_standup.py). One live standup per channel and scope: a newer one sets
# `superseded_by`. `accounts` are the keys in their order at posting, the focus first
# (`focus_count` of them); `edit_id` is the latest edit queued for it (a pending one takes
# every further change, so a burst of changes is one edit).
class StandupPost(SQLModel, table=True):
    __tablename__ = "standup_post"
    __table_args__ = (Index("ix_standup_post_channel_scope", "channel", "scope"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    scope: str = Field(max_length=200)  # what the standup was narrowed to ("" for everyone)
    scope_label: str = Field(default="", sa_type=Text)  # as the header says it
    delivery_id: int = Field(foreign_key="delivery.id")  # its first message
    accounts: list[str] = Field(default_factory=list, sa_type=JSON)
    focus_count: int = 0
    posted_by: str
    posted_at: datetime = Field(sa_type=UTCDateTime)
    superseded_by: int | None = Field(default=None, foreign_key="standup_post.id")
    edit_id: int | None = Field(default=None, foreign_key="delivery.id")


# Which live standups list an account: the lookup every change of an account makes.
class StandupLine(SQLModel, table=True):
    __tablename__ = "standup_line"

    standup_id: int = Field(foreign_key="standup_post.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    position: int


# Each onboarding account's scorecard as of a day, written by the transaction of every change to
# its readings, overrides, account row or rescues (bot/services/current_state.py) and rebuilt by
# the daily recompute. A row of another day or of other rules is stale: readers score that account
# from its readings instead. The readings stay the truth.
class CurrentState(SQLModel, table=True):
    __tablename__ = "current_state"
    __table_args__ = (Index("ix_current_state_day_rules_key", "day", "rules_key"),)

    account_id: int = Field(
        primary_key=True, foreign_key="account.id", sa_column_kwargs={"autoincrement": False}
    )
    day: date  # the team-timezone day the state is as of
    rules_key: str = Field(max_length=64)  # the rules and card layout it was computed with
    status: str = Field(max_length=16, index=True)
    score_tenths: int | None = None
    last_week_tenths: int | None = None  # the score at the end of last week
    previous_status: str = Field(max_length=16)  # the status at the end of last week
    flags: list[str] = Field(default_factory=list, sa_type=JSON)
    card: bytes = Field(sa_type=LargeBinary)  # the scorecard (scoring.card_codec.pack)
    computed_at: datetime = Field(sa_type=UTCDateTime)
