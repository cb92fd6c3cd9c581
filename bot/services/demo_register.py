"""The demo portfolio's phase gates and risk register: what a real team's book holds.

Gates of the phases an account has finished are met (the healthy course), the current phase's
are half done; a few accounts in trouble have an item left open past its phase (the failed
import's data mapping, the Watch account's pilot cohort, UAT short of its target on the escalated
cutover). Risks: an unowned high-impact data risk on the failed import, an owned cutover risk
with a mitigation on the escalated account, a comms risk for the silent sponsor, a mitigated
risk on the recovered account; most accounts have reviewed some categories.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from bot.store import events
from bot.store.tables import Account, GateItem, Risk, RiskReview
from scoring.gates import Gates
from scoring.risks import COUNTED_CATEGORIES

# Items the demo leaves open past their phase, by story: the trouble the standup shows.
LEFT_OPEN = {"import_failed": "data_mapped", "watch_overdue": "pilot_cohort"}
SHORT_OF_TARGET = {"rescue_escalated": ("uat_coverage", 80.0)}
RISKS = {
    "import_failed": ("data", "ERP export drops rows with accented names", "high", False, None),
    "rescue_escalated": (
        "cutover", "Cutover weekend clashes with their quarter close", "high", True,
        "Dry-run the cutover on staging the weekend before",
    ),
    "sponsor_silent": (
        "comms", "Sponsor has not answered in three weeks", "medium", True,
        "Weekly written update to the COO instead of calls",
    ),
    "recovered": ("auth", "SSO groups not mapped", "medium", True, "Map the Okta groups with IT"),
}  # fmt: skip


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), UTC)


def seed_register(session: Session, gates: Gates, account: Account, kind: str, today: date) -> None:
    """The account's gate items and risks, as its story had them by `today` (drawn from a
    random stream of the account's own, so the rest of the demo draws what it always did)."""
    if kind == "finished" or account.signed_on is None or account.id is None:
        return
    rng = random.Random(f"register:{account.key}")
    _gates(session, gates, account, kind, today, rng)
    _risks(session, account, kind, today, rng)


def _gates(
    session: Session, gates: Gates, account: Account, kind: str, today: date, rng: random.Random
) -> None:
    assert account.signed_on is not None
    actor = account.csm or "demo"
    for item in gates.items:
        ends_on = item.phase.ends_on(account.signed_on)
        started = account.signed_on if item.phase.last_day <= 7 else ends_on - timedelta(days=29)
        if started > today or item.key == LEFT_OPEN.get(kind):
            continue
        if ends_on >= today and rng.random() < 0.5:
            continue  # the phase in progress: about half its items done so far
        value = item.target
        if item.key == SHORT_OF_TARGET.get(kind, ("", 0.0))[0]:
            value = SHORT_OF_TARGET[kind][1]
        on = min(today, ends_on - timedelta(days=rng.randint(0, 5)))
        session.add(
            GateItem(
                account_id=account.id,  # type: ignore[arg-type]
                item=item.key,
                phase=item.phase.value,
                done=item.target is None,
                value=value,
                done_at=_at(on) if value == item.target else None,
                updated_by=actor,
                updated_at=_at(on),
            )
        )
        events.record_event(
            session,
            account_id=account.id,
            kind="gate_item_changed",
            actor=actor,
            at=_at(on),
            payload={
                "item": item.key,
                "label": item.label,
                "phase": item.phase.value,
                "done": item.target is None,
                "value": value,
                "source": "demo",
            },
        )


def _risks(session: Session, account: Account, kind: str, today: date, rng: random.Random) -> None:
    assert account.signed_on is not None
    actor = account.csm or "demo"
    logged = _at(min(today, account.signed_on + timedelta(days=3)))
    if kind in RISKS:
        category, text, impact, owned, mitigation = RISKS[kind]
        risk = Risk(
            account_id=account.id,  # type: ignore[arg-type]
            category=category,
            text=text,
            owner=actor if owned else None,
            mitigation=mitigation,
            due_on=today + timedelta(days=5) if kind == "rescue_escalated" else None,
            impact=impact,
            state="mitigated" if kind == "recovered" else "open",
            created_by=actor,
            created_at=logged,
            updated_at=logged,
            settled_by=actor if kind == "recovered" else None,
            settled_at=_at(today - timedelta(days=10)) if kind == "recovered" else None,
        )
        session.add(risk)
        session.flush()
        events.record_event(
            session,
            account_id=account.id,
            kind="risk_added",
            actor=actor,
            at=logged,
            payload={
                "risk": risk.id,
                "category": category,
                "text": text,
                "impact": impact,
                "owner": risk.owner,
                "mitigation": mitigation,
                "source": "demo",
            },
        )
    logged_category = RISKS[kind][0] if kind in RISKS else None
    for category in COUNTED_CATEGORIES:
        if category.value != logged_category and rng.random() < 0.7:
            session.add(
                RiskReview(
                    account_id=account.id,  # type: ignore[arg-type]
                    category=category.value,
                    reviewed_by=actor,
                    reviewed_at=logged,
                )
            )
