"""Customer surveys as people record them: `/onboard survey <account> csat:… | nps:… day:…`.

Who may record one is the policy's `TRACK_RISKS` row (the account's CSM, its follow-up owner,
CSMs and admins); each answer goes on the account's timeline. Imports record theirs through
`record` inside the import's own transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.services.backend import Backend
from bot.services.policy import Action, Ask, authorize
from bot.store import events
from bot.store import surveys as survey_rows
from bot.store.tables import Account
from scoring.errors import DomainError
from scoring.surveys import Answer


def record(
    session: Session, account: Account, answer: Answer, *, actor: str, source: str, at: datetime
) -> None:
    """Store one answer and put it on the timeline."""
    survey_rows.add_survey(
        session, account_id=account.id, kind=answer.kind.value, day=answer.day,  # type: ignore[arg-type]
        score=answer.score, author=actor, source=source, recorded_at=at,
    )  # fmt: skip
    events.record_event(
        session, account_id=account.id, kind="survey_recorded", actor=actor, at=at,
        payload={"kind": answer.kind.value, "day": answer.day, "score": answer.score,
                 "source": source},
    )  # fmt: skip


def record_survey(backend: Backend, ask: Ask, account: Account, answer: Answer) -> Account:
    """`/onboard survey`: one answer, by whoever may track the account's risks and surveys."""
    with backend.change(ask.key, rules=ask.known_rules) as session:
        stored = session.get(Account, account.id)
        if stored is None:
            raise DomainError(f"{account.name} no longer exists")
        authorize(ask.actor, Action.TRACK_RISKS, account=stored)
        record(session, stored, answer, actor=ask.user, source="slash_command", at=backend.now())
        return stored
