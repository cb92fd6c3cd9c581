"""The demo portfolio: a seeded, realistic book of onboarding accounts, relative to a day.

Forty-four accounts onboarding (and two finished) across the three segments and every phase,
with fourteen weeks of weekly standup ratings. Like a real team's book, most accounts are on
track in a given week and about a quarter need help: an import that just failed with nobody on
it, a sponsor gone quiet, an account falling three weeks in a row, three rescues in different
states (just opened; acknowledged and being worked; escalated with a recovery plan awaiting the
implementation manager's approval), an account on Watch with a milestone overdue, and the
everyday noise (a brand-new signature, a hand-off with a gap, a signal nobody re-rated, a
follow-up due this week). One account recovered from a rescue earlier in the quarter.

Each account has a *story* (`STORIES`): what its ratings were week by week. To add a kind of
account (phase gates, risks, surveys…), add a story with its values and, when it needs more
than readings, a step in `_after_ratings`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from bot.config import Config
from bot.services import escalations
from bot.services import rescues as rescue_use
from bot.services.demo_register import seed_register
from bot.services.demo_surveys import seed_surveys
from bot.store import accounts as account_rows
from bot.store import events
from bot.store import readings as reading_rows
from bot.store import rescues as rescue_rows
from bot.store.tables import Account, Rescue
from scoring.accounts import derive_key
from scoring.rescue import rescue_terms
from scoring.rules import Status
from scoring.weeks import week_start

SEED = 20261124
WEEKS = 14
DEMO_ACTOR = "demo"
MARKER = "demo_seeded"
# The team, by Slack user id; the terminal shows their names where Slack would.
PEOPLE = {
    "U0DEMOALICE": "Alice Moreau",
    "U0DEMOBRUNO": "Bruno Costa",
    "U0DEMOCHIDI": "Chidi Okafor",
    "U0DEMODANA": "Dana Kowalski",
    "U0DEMOMAYA": "Maya Lindqvist",  # the implementation manager: approves recovery plans
}
CSMS = ("U0DEMOALICE", "U0DEMOBRUNO", "U0DEMOCHIDI", "U0DEMODANA")
MANAGER = "U0DEMOMAYA"
CHANNELS = {"smb": "C0DEMOSMB", "mid": "C0DEMOMID", "enterprise": "C0DEMOENT"}
SIGNALS = ("kickoff", "admin_trained", "data_import", "first_value", "ticket_trend", "exec_update")
WINDOWS = {"data_import": {"smb": 30, "mid": 45, "enterprise": 60},
           "first_value": {"smb": 30, "mid": 60, "enterprise": 90}}  # fmt: skip
ARR = {"smb": (9_000, 32_000), "mid": (45_000, 160_000), "enterprise": (180_000, 420_000)}
USERS = {"smb": (15, 80), "mid": (120, 600), "enterprise": (900, 4_000)}


@dataclass(frozen=True)
class Story:
    """One account of the demo: who it is, how old, and what happened to it."""

    name: str
    segment: str
    age: int  # days since signature, as of the demo's day
    kind: str  # a key of STORIES, or healthy, stale, handoff_gap, new, finished
    arr: int | None = None  # drawn from the segment's range when None


# The accounts that need help this week, then the ones that do not; the rest of the book is
# healthy (`HEALTHY_NAMES`). Ages put them in every phase.
NEEDING_HELP = (
    Story("Northwind Logistics", "mid", 41, "import_failed", 128_000),
    Story("Harbor & Finch Insurance", "enterprise", 56, "sponsor_silent", 310_000),
    Story("Kestrel Analytics", "smb", 62, "falling", 24_500),
    Story("Bluepeak Energy", "enterprise", 83, "rescue_open", 265_000),
    Story("Lumen Dental Group", "mid", 71, "rescue_worked", 96_000),
    Story("Atlas Freight Systems", "enterprise", 104, "rescue_escalated", 395_000),
    Story("Café Müller GmbH", "smb", 52, "watch_overdue", 14_500),
    Story("Orchard Lane Schools", "mid", 18, "watch_followup", 61_000),
    Story("Zürich Analytik AG", "mid", 0, "new", 72_000),
    Story("Pinecrest Property", "smb", 33, "handoff_gap", 11_000),
    Story("Meridian Hotels", "enterprise", 47, "stale", 228_000),
)
RECOVERED = Story("Granite Peak Outdoors", "mid", 92, "recovered", 88_000)
FINISHED = (
    Story("Sable & Stone Legal", "smb", 150, "finished"),
    Story("Riverbend Credit Union", "mid", 172, "finished"),
)
HEALTHY_NAMES = (
    "Brightline Clinics", "Copperleaf Foods", "Driftwood Studios", "Evergreen Payroll",
    "Foxglove Pharmacy", "Helix Robotics", "Ironbridge Manufacturing", "Juniper Travel",
    "Keystone Realty", "Larkspur Insurance", "Maple & Vine Wines", "Nimbus Cloud Services",
    "Oakridge Veterinary", "Pelican Bay Resorts", "Quarry Labs", "Redwood Credit",
    "Saltmarsh Seafood", "Tidewater Ports", "Umber Design Co", "Vantage Fitness",
    "Willow Creek Farms", "Yellowtail Media", "São Paulo Têxteis", "Kraków Software Hub",
    "Société Générale d'Étiquettes", "Nordic Fjord Fisheries", "Alder Health Partners",
    "Bramble Books", "Cinder Coffee Roasters", "Dovetail Furniture", "Ember Solar",
    "Fernhill Academy",
)  # fmt: skip
HEALTHY_AGES = (24, 26, 23, 27, 29, 34, 38, 42, 45, 49, 53, 58, 64, 67, 69, 74, 78, 82, 86, 88,
                95, 101, 108, 115, 122, 131, 139, 146, 152, 158, 163, 170)  # fmt: skip

Values = dict[str, int]


def healthy(story: Story, age: int, rng_ticket: int) -> Values:
    """An account on track: each signal in progress (1) until shortly before its window ends,
    Healthy after; signals are first rated once there is something to say about them."""
    values: Values = {}
    if age >= 1:
        values["kickoff"] = 2 if age >= 4 else 1
    if age >= 5:
        values["exec_update"] = 2
    if age >= 7:
        values["admin_trained"] = 2 if age >= 12 else 1
        values["data_import"] = 2 if age >= WINDOWS["data_import"][story.segment] - 8 else 1
    if age >= 10:
        values["first_value"] = 2 if age >= WINDOWS["first_value"][story.segment] - 10 else 1
    if age >= 14:
        values["ticket_trend"] = rng_ticket
    return values


# What changed in each kind of account's course, as (weeks ago, values from then on) steps over
# its healthy course; week 0 is the current week. Kinds not listed follow the healthy course
# (`stale` and `handoff_gap` differ in what is rated and answered, `new` has no rating yet).
STORIES: dict[str, tuple[tuple[int, Values], ...]] = {
    "import_failed": ((0, {"data_import": 0}),),
    "sponsor_silent": ((1, {"exec_update": 1}), (0, {"exec_update": 0})),
    "falling": ((2, {"exec_update": 1}), (1, {"ticket_trend": 1}), (0, {"admin_trained": 1})),
    "rescue_open": (
        (3, {"data_import": 1}),
        (1, {"data_import": 0, "ticket_trend": 1}),
        (0, {"first_value": 0, "exec_update": 1, "admin_trained": 1}),
    ),
    "rescue_worked": (
        (4, {"data_import": 1, "ticket_trend": 1}),
        (2, {"data_import": 0, "first_value": 0, "admin_trained": 1}),
        (1, {"exec_update": 1}),
    ),
    "rescue_escalated": (
        (6, {"data_import": 1}),
        (4, {"data_import": 0, "first_value": 0}),
        (3, {"ticket_trend": 0, "admin_trained": 1}),
        (2, {"exec_update": 1}),
    ),
    "watch_overdue": (
        (9, {"data_import": 1, "first_value": 1, "ticket_trend": 1, "exec_update": 1}),
    ),
    "watch_followup": ((WEEKS, {"admin_trained": 1}), (1, {"ticket_trend": 1})),
    "recovered": (
        (9, {"data_import": 0, "ticket_trend": 1}),
        (3, {"data_import": 2}),
        (2, {"ticket_trend": 2}),
    ),
}


def rated(story: Story, base: Values, weeks_ago: int) -> Values:
    """What the account was rated `weeks_ago` weeks before the demo's week: its healthy course
    (`base`) with its story's steps applied from each step's week onwards."""
    if story.kind == "new":
        return {}
    values = dict(base)
    for since, change in STORIES.get(story.kind, ()):
        if weeks_ago <= since:
            values.update(change)
    return values


NOTES = {
    ("data_import", 0): "Import blocked: the customer's ERP export fails validation",
    ("data_import", 1): "Import started; mapping still being agreed",
    ("exec_update", 0): "Sponsor missed the last two progress calls",
    ("exec_update", 1): "Progress update sent, no reply yet",
    ("ticket_trend", 0): "Tickets doubled after the new module rollout",
    ("ticket_trend", 1): "Ticket volume flat",
    ("first_value", 0): "First report delayed: data still incomplete",
    ("admin_trained", 1): "Their admin left; the new one is not trained yet",
}


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


def demo_stories() -> list[Story]:
    """Every account of the demo, in the order they are added."""
    rng = random.Random(SEED)
    segments = ("smb", "mid", "mid", "enterprise", "smb")
    book = [
        Story(name, segments[i % len(segments)], HEALTHY_AGES[i], "healthy")
        for i, name in enumerate(HEALTHY_NAMES)
    ]
    stories = [*NEEDING_HELP, RECOVERED, *book, *FINISHED]
    rng.shuffle(stories)  # the book is not sorted by trouble
    return stories


def seed_demo(session: Session, config: Config, *, today: date) -> Seeded:
    """Fill an empty database with the demo portfolio as of `today`."""
    rng = random.Random(SEED)
    now = datetime.combine(today, time(12, 0), UTC)
    readings = accounts = 0
    surveyed: list[tuple[Account, str]] = []
    for index, story in enumerate(demo_stories()):
        signed_on = today - timedelta(days=story.age)
        low, high = ARR[story.segment]
        arr = story.arr or rng.randrange(low, high, 500)
        account = account_rows.add_account(
            session,
            key=derive_key(story.name),
            name=story.name,
            segment=story.segment,
            csm=CSMS[index % len(CSMS)],
            signed_on=signed_on,
            arr=arr,
            users=rng.randint(*USERS[story.segment]),
            channel=CHANNELS[story.segment],
            created_at=datetime.combine(signed_on, time(9, 0), UTC),
            **_handoff(rng, story),
        )
        accounts += 1
        events.record_event(
            session, account_id=account.id, kind="account_added", actor=DEMO_ACTOR,
            at=datetime.combine(signed_on, time(9, 0), UTC), payload={"source": "demo"},
        )  # fmt: skip
        readings += _rate_weekly(session, rng, account, story, today)
        seed_register(session, config.rules.gates, account, story.kind, today)
        _after_ratings(session, config, rng, account, story, today, now)
        surveyed.append((account, story.kind))
    seed_surveys(session, surveyed, today)  # its own random stream: the rest is unchanged
    events.record_event(
        session, account_id=None, kind=MARKER, actor=DEMO_ACTOR, at=now,
        payload={"today": today.isoformat(), "seed": SEED},
    )  # fmt: skip
    return Seeded(accounts, readings, WEEKS, True)


def _handoff(rng: random.Random, story: Story) -> dict[str, str | None]:
    promised = 60 if story.kind.startswith("rescue") else rng.choice((75, 90, 120))
    answers: dict[str, str | None] = {
        "business_problem": rng.choice((
            "Replace spreadsheets for shift planning", "Cut invoice processing time in half",
            "One view of customer tickets across regions", "Automate month-end reconciliation",
            "Onboard new franchise locations in days, not weeks",
        )),
        "promised_timeline": f"Live within {promised} days",
        "dependencies": rng.choice((
            "SSO via Okta; ERP export", "Salesforce integration", "Data from legacy CSV dumps",
            "Azure AD groups; payroll provider API",
        )),
        "decision_maker": rng.choice(("VP Operations", "Head of Finance", "CTO", "COO")),
    }  # fmt: skip
    if story.kind == "handoff_gap":
        answers["decision_maker"] = None
    return answers


def _skip(story: Story, key: str, weeks_ago: int, unchanged: bool, rng: random.Random) -> bool:
    """Whether this week's standup left the signal alone: teams re-rate what moved, and every
    signal at least every other week (so nothing goes stale) — except the stale account's."""
    if story.kind == "stale" and key == "ticket_trend" and weeks_ago < 3:
        return True
    return unchanged and weeks_ago >= 2 and rng.random() < 0.5


def _rate_weekly(
    session: Session, rng: random.Random, account: Account, story: Story, today: date
) -> int:
    assert account.id is not None and account.signed_on is not None
    this_monday = week_start(today)
    ticket = 2 if rng.random() < 0.7 or story.kind != "healthy" else 1
    last: dict[str, int] = {}
    count = 0
    for weeks_ago in range(WEEKS - 1, -1, -1):
        standup_day = min(this_monday - timedelta(weeks=weeks_ago, days=-rng.randint(0, 2)), today)
        age = (standup_day - account.signed_on).days
        if age < 0:
            continue
        base = healthy(story, age, ticket)
        values = rated(story, base, weeks_ago)
        author = account.csm or CSMS[0]
        for minute, key in enumerate(k for k in SIGNALS if k in values):
            value = values[key]
            if _skip(story, key, weeks_ago, last.get(key) == value, rng):
                continue
            reading_rows.add_reading(
                session, account_id=account.id, signal=key, value=value,
                note=_note(key, value, last.get(key)), author=author, source="demo",
                recorded_at=datetime.combine(standup_day, time(9, 30 + minute), UTC),
            )  # fmt: skip
            last[key] = value
            count += 1
    return count


def _note(key: str, value: int, before: int | None) -> str | None:
    if before is None or before == value:
        return None
    if value > before:
        return "Back on track" if value == 2 else None
    return NOTES.get((key, value), "Slipping, see the thread")


def _after_ratings(
    session: Session, config: Config, rng: random.Random, account: Account, story: Story,
    today: date, now: datetime,
) -> None:  # fmt: skip
    """What the team did besides rating: follow-ups, rescues, a plan, outcomes."""
    if story.kind == "finished":
        account_rows.update_account(
            session, account=account, at=now,
            changes={"outcome": "expanded" if story.segment == "mid" else "completed",
                     "outcome_on": today - timedelta(days=story.age - 95)},
        )  # fmt: skip
    elif story.kind == "watch_overdue":
        _follow_up(session, account, now, CSMS[(CSMS.index(account.csm or CSMS[0]) + 1) % 4],
                   "Agree a new go-live date with the COO", today + timedelta(days=2))  # fmt: skip
    elif story.kind == "watch_followup":
        _follow_up(session, account, now, account.csm, "Book the admin training session",
                   today + timedelta(days=4))  # fmt: skip
    elif story.kind == "rescue_open":
        _rescue(
            session,
            config,
            account,
            now - timedelta(hours=2),
            next_step="Call the customer's IT lead about the failed ERP export",
        )
    elif story.kind == "rescue_worked":
        rescue = _rescue(
            session,
            config,
            account,
            now - timedelta(days=6, hours=2),
            next_step="Joint session with their data team on the import mapping",
        )
        opened = rescue.opened_at
        rescue_use.acknowledge(session, rescue, actor=rescue.owner or DEMO_ACTOR,
                               now=opened + timedelta(hours=3))  # fmt: skip
        rescue_use.log_action(
            session, rescue, actor=rescue.owner or DEMO_ACTOR, now=opened + timedelta(days=2),
            done="Walked their data team through the import mapping",
            customer_response="They will fix the export format this week",
            next_step="Re-run the import with the fixed export",
        )  # fmt: skip
        rescue.checkpoint_on = today + timedelta(days=1)
        session.add(rescue)
    elif story.kind == "rescue_escalated":
        rescue = _rescue(
            session,
            config,
            account,
            now - timedelta(days=12),
            next_step="Executive call to reset the rollout plan",
        )
        opened = rescue.opened_at
        rescue_use.acknowledge(session, rescue, actor=rescue.owner or DEMO_ACTOR,
                               now=opened + timedelta(hours=2))  # fmt: skip
        rescue_use.log_action(
            session, rescue, actor=rescue.owner or DEMO_ACTOR, now=opened + timedelta(days=3),
            done="Two calls with their IT lead; the ERP export still fails",
            customer_response="Their ERP vendor needs three more weeks",
            next_step="Ask leadership for a solutions engineer",
        )  # fmt: skip
        escalations.submit_plan(
            session, config, rescue=rescue, requester=rescue.owner or DEMO_ACTOR,
            fields={
                "root_cause": "The customer's ERP export cannot produce the fields we need",
                "impact": "Go-live slips a quarter; the renewal is at risk",
                "intervention": "A solutions engineer builds an export adapter with their IT",
                "success_criteria": "First full import passes validation; first report live",
            },
            deadline=today + timedelta(days=5), now=now - timedelta(days=2),
            today=today - timedelta(days=2),
        )  # fmt: skip
    elif story.kind == "recovered":
        rescue = _rescue(
            session,
            config,
            account,
            now - timedelta(weeks=9, days=2),
            next_step="Fix the import mapping with their data team",
        )
        opened = rescue.opened_at
        owner = rescue.owner or DEMO_ACTOR
        rescue_use.acknowledge(session, rescue, actor=owner, now=opened + timedelta(hours=4))
        rescue_use.log_action(
            session, rescue, actor=owner, now=opened + timedelta(days=5),
            done="Rebuilt the import mapping together", customer_response="Import re-run passed",
            next_step="Watch the first report",
        )  # fmt: skip
        rescue_use.resolve(
            session, config, rescue, actor=owner, now=now - timedelta(weeks=2),
            resolution="recovered", note="Import fixed; first report delivered",
        )  # fmt: skip


def _follow_up(
    session: Session, account: Account, now: datetime, owner: str | None, step: str, due: date
) -> None:
    account_rows.update_account(
        session, account=account, at=now,
        changes={"followup_owner": owner, "followup_next": step, "followup_due": due},
    )  # fmt: skip


def _rescue(
    session: Session, config: Config, account: Account, opened_at: datetime, *, next_step: str
) -> Rescue:
    """An automatic rescue on an account that turned At risk."""
    rules = config.rules
    terms = rescue_terms(Status.AT_RISK, opened_at, rules.rescue, tz=rules.team_timezone,
                         holidays=rules.holidays)  # fmt: skip
    rescue = rescue_rows.add_rescue(
        session, account_id=account.id, trigger="at_risk",
        reason="turned At risk: data import blocked and first value slipping",
        owner=account.csm, opened_by=DEMO_ACTOR, opened_at=opened_at,
        sla_due_at=terms.sla_due_at, checkpoint_on=terms.checkpoint_on,
        status_at_open=Status.AT_RISK.value, score_at_open=4.2, next_step=next_step,
    )  # fmt: skip
    events.record_event(
        session, account_id=account.id, kind="rescue_opened", actor=DEMO_ACTOR, at=opened_at,
        payload={"rescue_id": rescue.id, "trigger": "at_risk", "owner": account.csm},
    )  # fmt: skip
    return rescue
