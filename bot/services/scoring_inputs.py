"""Store rows as the values scoring takes: an account's facts and its reading history."""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.tables import Account
from scoring.accounts import AccountFacts, Handoff
from scoring.readings import History, Reading
from scoring.rules import Rules
from scoring.signals import Segment


def facts(row: Account) -> AccountFacts:
    return AccountFacts(
        key=row.key,
        name=row.name,
        segment=Segment(row.segment),
        signed_on=row.signed_on,
        handoff=Handoff(
            business_problem=row.business_problem,
            promised_timeline=row.promised_timeline,
            dependencies=row.dependencies,
            decision_maker=row.decision_maker,
        ),
        arr=row.arr or 0,
        users=row.users or 0,
        csm=row.csm,
    )


def history_of(readings: Iterable[Reading], rules: Rules) -> History:
    return History(readings, rules.team_timezone)
