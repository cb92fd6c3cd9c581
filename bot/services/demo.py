"""The demo portfolio: a seeded, realistic book of onboarding accounts, relative to a day.

Forty-odd accounts across the three segments and every phase, fourteen weeks of weekly
standup ratings with steady, improving, falling, at-risk, stale and brand-new accounts,
incomplete hand-offs, claimed follow-ups, open rescues and a few finished onboardings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from bot.store import accounts as account_rows
from bot.store import events
from bot.store import readings as reading_rows
from bot.store import rescues as rescue_rows
from bot.store.tables import Account
from scoring.accounts import derive_key
from scoring.rescue import rescue_terms
from scoring.rules import Rules, Status
from scoring.weeks import week_start

SEED = 20261124
WEEKS = 14
DEMO_ACTOR = "demo"
MARKER = "demo_seeded"
CSMS = ("U0DEMOALICE", "U0DEMOBRUNO", "U0DEMOCHIDI", "U0DEMODANA")
CHANNELS = {"smb": "C0DEMOSMB", "mid": "C0DEMOMID", "enterprise": "C0DEMOENT"}
NAMES = (
    "Acme Logistics", "Globex Retail", "Initech Payroll", "Umbrella Health", "Hooli Cloud",
    "Stark Components", "Wayne Freight", "Wonka Confectionery", "Tyrell Biotech",
    "Cyberdyne Robotics", "Soylent Foods", "Pied Piper Media", "Vandelay Imports",
    "Dunder Mifflin Paper", "Oscorp Materials", "Gringotts Ledger", "Monsters Energy Grid",
    "Café Müller GmbH", "Zürich Analytik AG", "Société Générale d'Étiquettes", "Nakatomi Trading",
    "Blue Sun Beverages", "Aperture Labs", "Black Mesa Research", "Massive Dynamic",
    "Virtucon Holdings", "Prestige Worldwide", "Bluth Homes", "Sterling Cooper Ads",
    "Los Pollos Hermanos", "Krusty Krab Franchising", "Wernham Hogg", "Gekko & Co",
    "Ollivanders Wands", "Duff Brewing", "Spacely Sprockets", "Cogswell Cogs", "Genco Olive Oil",
    "Mooby's Restaurants", "Planet Express", "Nordic Fjord Fisheries", "São Paulo Têxteis",
    "Kraków Software Hub", "Quick-E-Mart Stores",
)  # fmt: skip
# (pattern, how many): what the account's fourteen weeks look like
PATTERNS = (
    ("new", 2), ("ramping", 5), ("steady", 12), ("improving", 6), ("falling", 5),
    ("at_risk", 6), ("stale", 3), ("watch", 3), ("finished", 2),
)  # fmt: skip
AGES = {  # days since signature, by pattern
    "new": (0, 0), "ramping": (6, 26), "steady": (25, 160), "improving": (40, 110),
    "falling": (35, 120), "at_risk": (45, 115), "stale": (30, 95), "watch": (20, 80),
    "finished": (130, 200),
}  # fmt: skip
SIGNALS = ("kickoff", "admin_trained", "data_import", "first_value", "ticket_trend", "exec_update")


@dataclass(frozen=True)
class Seeded:
    accounts: int
    readings: int
    weeks: int
    created: bool


def seeded_on(session: Session) -> date | None:
    """The day the demo data in this database was generated for, if it is demo data."""
    marker = events.latest_event(session, kind=MARKER)
    return date.fromisoformat(marker.payload["today"]) if marker else None


def seed_demo(session: Session, rules: Rules, *, today: date) -> Seeded:
    """Fill an empty database with the demo portfolio as of `today`."""
    rng = random.Random(SEED)
    now = datetime.combine(today, time(8, 0), UTC)
    patterns = [p for p, n in PATTERNS for _ in range(n)]
    readings = accounts = 0
    for index, (name, pattern) in enumerate(zip(NAMES, patterns, strict=True)):
        segment = ("smb", "mid", "enterprise")[index % 3]
        low, high = AGES[pattern]
        signed_on = today - timedelta(days=rng.randint(low, high))
        account = account_rows.add_account(
            session,
            key=derive_key(name),
            name=name,
            segment=segment,
            csm=CSMS[index % len(CSMS)],
            signed_on=signed_on,
            arr={"smb": 1, "mid": 6, "enterprise": 30}[segment] * rng.randrange(8_000, 30_000, 500),
            users={"smb": 1, "mid": 8, "enterprise": 60}[segment] * rng.randint(15, 90),
            channel=CHANNELS[segment],
            created_at=now,
            **_handoff(rng, index, signed_on),
        )
        accounts += 1
        events.record_event(
            session, account_id=account.id, kind="account_added", actor=DEMO_ACTOR,
            at=datetime.combine(signed_on, time(9, 0), UTC), payload={"source": "demo"},
        )  # fmt: skip
        readings += _rate_weekly(session, rng, account.id, pattern, index, signed_on, today)
        if pattern == "finished":
            account_rows.update_account(
                session, account=account, at=now,
                changes={"outcome": ("completed", "expanded")[index % 2],
                         "outcome_on": signed_on + timedelta(days=95)},
            )  # fmt: skip
        _agree_next_steps(session, rules, rng, account, pattern, index, today, now)
    events.record_event(
        session, account_id=None, kind=MARKER, actor=DEMO_ACTOR, at=now,
        payload={"today": today.isoformat(), "seed": SEED},
    )  # fmt: skip
    return Seeded(accounts, readings, WEEKS, True)


def _handoff(rng: random.Random, index: int, signed_on: date) -> dict[str, str | None]:
    promised = rng.choice((60, 75, 90, 120))
    answers: dict[str, str | None] = {
        "business_problem": rng.choice((
            "Replace spreadsheets for shift planning", "Cut invoice processing time in half",
            "One view of customer tickets across regions", "Automate month-end reconciliation",
        )),
        "promised_timeline": rng.choice((
            f"Live within {promised} days",
            f"Go-live by {(signed_on + timedelta(days=promised)).isoformat()}",
        )),
        "dependencies": rng.choice((
            "SSO via Okta; ERP export", "Salesforce integration", "Data from legacy CSV dumps",
        )),
        "decision_maker": rng.choice(("VP Operations", "Head of Finance", "CTO", "COO")),
    }  # fmt: skip
    if index % 7 == 3:
        answers[rng.choice(tuple(answers))] = None
    return answers


def _values(
    pattern: str, index: int, week: int, age_weeks: int, rng: random.Random
) -> dict[str, int]:
    """What the team would rate each signal in week `week` (WEEKS-1 is the current week)."""
    steady = {
        "kickoff": 2 if age_weeks >= 1 else 1,
        "admin_trained": 2 if age_weeks >= 3 else 1,
        "data_import": 2 if age_weeks >= 5 else 1,
        "first_value": 2 if age_weeks >= 8 else 1,
        "ticket_trend": 2 if age_weeks >= 4 or rng.random() < 0.5 else 1,
        "exec_update": 2,
    }
    current = WEEKS - 1
    if pattern in ("steady", "stale", "finished"):
        return steady
    if pattern == "ramping":
        return {k: v for k, v in steady.items() if k in ("kickoff", "admin_trained", "exec_update")}
    if pattern == "new":
        return {"kickoff": 1} if week == current else {}
    if pattern == "improving":
        lift = max(0, week - (WEEKS - 6))
        base = {"kickoff": 2, "admin_trained": 1, "data_import": 0, "first_value": 0,
                "ticket_trend": 1, "exec_update": 1}  # fmt: skip
        order = ("data_import", "admin_trained", "first_value", "ticket_trend", "data_import",
                 "exec_update")  # fmt: skip
        for key in order[:lift]:
            base[key] = min(2, base[key] + 1)
        return base
    if pattern == "falling":
        values = {**steady, "data_import": 2, "first_value": 2 if age_weeks >= 6 else 1}
        drops = (("exec_update", 1), ("ticket_trend", 1), ("data_import", 0))
        for offset, (key, value) in enumerate(drops):
            if week >= current - 2 + offset:
                values[key] = value
        return values
    if pattern == "at_risk":
        return {"kickoff": 2, "admin_trained": 1 + index % 2, "data_import": 0,
                "first_value": 0 if week >= current - 3 else 1,
                "ticket_trend": 1 if week % 3 else 0, "exec_update": 1}  # fmt: skip
    return {"kickoff": 2, "admin_trained": 2, "data_import": 1, "first_value": 1,
            "ticket_trend": 1, "exec_update": 1 if week % 2 else 2}  # fmt: skip


def _rate_weekly(
    session: Session, rng: random.Random, account_id: int | None, pattern: str, index: int,
    signed_on: date, today: date,
) -> int:  # fmt: skip
    assert account_id is not None
    first_monday = week_start(today) - timedelta(weeks=WEEKS - 1)
    last: dict[str, int] = {}
    count = 0
    for week in range(WEEKS):
        monday = first_monday + timedelta(weeks=week)
        standup_day = min(monday + timedelta(days=rng.randint(0, 2)), today)
        if standup_day < signed_on or (pattern == "stale" and week > WEEKS - 4):
            continue
        age_weeks = (standup_day - signed_on).days // 7
        author = CSMS[rng.randrange(len(CSMS))]
        for key, value in _values(pattern, index, week, age_weeks, rng).items():
            if last.get(key) == value and rng.random() < 0.45:
                continue
            reading_rows.add_reading(
                session, account_id=account_id, signal=key, value=value,
                note=_note(key, value, last.get(key)), author=author, source="demo",
                recorded_at=datetime.combine(standup_day, time(9, 30 + len(last)), UTC),
            )  # fmt: skip
            last[key] = value
            count += 1
    return count


def _note(key: str, value: int, before: int | None) -> str | None:
    if before is None or before == value:
        return None
    if value > before:
        return f"{key.replace('_', ' ').capitalize()} back on track"
    return {
        "data_import": "Import blocked: customer's ERP export fails validation",
        "exec_update": "Sponsor missed the last two progress calls",
        "ticket_trend": "Ticket volume up after the new module rollout",
        "first_value": "First report delayed: data still incomplete",
    }.get(key, "Slipping, see thread")


def _agree_next_steps(
    session: Session, rules: Rules, rng: random.Random, account: Account, pattern: str,
    index: int, today: date, now: datetime,
) -> None:  # fmt: skip
    if pattern == "watch" or (pattern == "improving" and index % 2 == 0):
        account_rows.update_account(
            session, account=account, at=now,
            changes={"followup_owner": CSMS[(index + 1) % len(CSMS)],
                     "followup_next": "Walk the admin through the import checklist",
                     "followup_due": today + timedelta(days=rng.randint(1, 6))},
        )  # fmt: skip
    if pattern != "at_risk" or index % 3 == 2:
        return
    opened_at = now - timedelta(days=rng.randint(2, 9), hours=3)
    terms = rescue_terms(Status.AT_RISK, opened_at, rules.rescue, tz=rules.team_timezone,
                         holidays=rules.holidays)  # fmt: skip
    rescue = rescue_rows.add_rescue(
        session, account_id=account.id, trigger="at_risk",
        reason="turned At risk: data import blocked and first value slipping",
        owner=account.csm, opened_by=DEMO_ACTOR, opened_at=opened_at,
        sla_due_at=terms.sla_due_at, checkpoint_on=terms.checkpoint_on,
        status_at_open=Status.AT_RISK.value, score_at_open=3.3,
        next_step="Joint call with the customer's IT lead to fix the ERP export",
    )  # fmt: skip
    if index % 2:
        rescue.state, rescue.acknowledged_at = "acknowledged", opened_at + timedelta(hours=5)
        session.flush()
    events.record_event(
        session, account_id=account.id, kind="rescue_opened", actor=DEMO_ACTOR, at=opened_at,
        payload={"rescue_id": rescue.id, "trigger": "at_risk", "owner": account.csm},
    )  # fmt: skip
