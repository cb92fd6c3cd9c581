"""A store seeded with finished onboardings whose truth is known by construction: at day 10 the
data import was At risk for every onboarding that went badly and Healthy for every one that went
well, while the kickoff said the opposite. Calibration proposes to weigh the import alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from bot.store import accounts as account_rows
from bot.store import readings as reading_rows

PER_OUTCOME = 15


def seed_finished_cohort(session: Session, *, today: date, per_outcome: int = PER_OUTCOME) -> None:
    signed = today - timedelta(days=200)
    rated_at = datetime.combine(signed + timedelta(days=10), time(9), UTC)
    for i in range(2 * per_outcome):
        bad = i < per_outcome
        account = account_rows.add_account(
            session,
            key=f"past-{i:02}",
            name=f"Past Customer {i:02}",
            segment="mid",
            signed_on=signed,
            outcome="churned" if bad else "completed",
            outcome_on=signed + timedelta(days=60 if bad else 80),
        )
        for signal, value in (("data_import", 0 if bad else 2), ("kickoff", 2 if bad else 0)):
            reading_rows.add_reading(
                session, account_id=account.id, signal=signal, value=value, note=None,
                author="U0CSM", source="import", recorded_at=rated_at,
            )  # fmt: skip
