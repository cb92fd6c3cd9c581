"""The demo portfolio's customer surveys: what a real team hears back at D+7 and D+30.

Every account past day 7 answered the D+7 survey, and past day 30 the D+30 one (CSAT, and NPS
for every other account). Accounts on a healthy course are satisfied (CSAT 4–5, NPS 8–10); the
ones in trouble say so (CSAT 2–3, NPS 3–7), so a low D+30 CSAT lines up with the signals that
predicted it. Drawn from a generator of its own, so the rest of the demo is unchanged by it.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from bot.services.surveys import record
from bot.store.tables import Account
from scoring.kpis import SURVEY_DAYS, SurveyKind
from scoring.surveys import Answer

SEED = 20261203
SATISFIED = {SurveyKind.CSAT: (4, 5), SurveyKind.NPS: (8, 10)}
UNHAPPY = {SurveyKind.CSAT: (2, 3), SurveyKind.NPS: (3, 7)}
CONTENT_KINDS = ("healthy", "finished", "new", "recovered", "stale", "handoff_gap")


def seed_surveys(session: Session, accounts: list[tuple[Account, str]], today: date) -> int:
    """Survey answers for the demo's accounts (each with its story kind); how many."""
    rng = random.Random(SEED)
    answered = 0
    for index, (account, kind) in enumerate(accounts):
        if account.signed_on is None:
            continue
        ranges = SATISFIED if kind in CONTENT_KINDS else UNHAPPY
        for day in SURVEY_DAYS:
            asked = account.signed_on + timedelta(days=day)
            if asked >= today:
                continue
            kinds = (SurveyKind.CSAT, SurveyKind.NPS) if index % 2 else (SurveyKind.CSAT,)
            for survey in kinds:
                answer = Answer(survey, day, rng.randint(*ranges[survey]))
                at = datetime.combine(asked, time(15, 0), UTC)
                record(session, account, answer, actor="demo", source="demo", at=at)
                answered += 1
    return answered
