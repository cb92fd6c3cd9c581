"""Tickets → `ticket_trend`: one reading per complete ISO week, dated that Sunday 23:59:59 in
the team's zone, from the tickets per 1,000 users against the four weeks before
(PRODUCT.md, "Signals that update themselves"); and `rescuebot tickets import`.

Readings stay append-only: when a late or imported ticket changes a judged week, a new reading
with that Sunday's time is appended; readings are ordered by (recorded_at, id), so the newer one
is the week's value and the old one stays in the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.config import Config
from bot.services.backend import Backend
from bot.services.integrations.recording import record
from bot.services.integrations.shapes import BadPayload, event_id, timestamp
from bot.services.tabular import EXTRA, WRONG_TYPE, Row, good_rows, read_rows
from bot.services.weights import rules_in_force
from bot.store import accounts as account_rows
from bot.store import integrations as store
from bot.store import readings as reading_rows
from bot.store.tables import Account
from scoring.accounts import resolve_account
from scoring.errors import DomainError
from scoring.signals import Value
from scoring.tickets import TicketThresholds, trend_value, weekly_counts, weeks_to_judge
from scoring.weeks import week_start

TICKET_TREND = "ticket_trend"
TICKET_COLUMNS = ("account", "opened_at", "id")


def thresholds(config: Config) -> TicketThresholds:
    spec = config.integrations.intercom.ticket_trend
    return TicketThresholds(Fraction(str(spec.improving)), Fraction(str(spec.worsening)))


def week_end_at(monday: date, config: Config) -> datetime:
    """Sunday 23:59:59 of the week starting `monday`, in the team's zone, as UTC."""
    sunday = monday + timedelta(days=6)
    return datetime.combine(sunday, time(23, 59, 59), config.rules.team_timezone).astimezone(UTC)


def judge_ticket_weeks(
    session: Session, config: Config, account: Account, *, since: datetime, now: datetime,
    source: str,
) -> int:  # fmt: skip
    """Judge the complete weeks a ticket opened at `since` can change, appending a
    `ticket_trend` reading for each week whose value is new or different; returns how many.

    The latest week is recorded first: its triggers are judged against the account as it was,
    and the earlier weeks then go into the history behind it without setting anything off."""
    zone = config.rules.team_timezone
    today = now.astimezone(zone).date()
    last_complete = week_start(today) - timedelta(weeks=1)
    weeks = weeks_to_judge(week_start(since.astimezone(zone).date()), last_complete)
    if not weeks:
        return 0
    from_day = weeks[0] - timedelta(weeks=4)
    start = datetime.combine(from_day, time(0), zone).astimezone(UTC)
    opened = store.ticket_times(session, account_id=account.id, since=start)
    counts = weekly_counts(at.astimezone(zone).date() for at in opened)
    judged = {
        r.recorded_at: r.value
        for r in reading_rows.history_by_account(session, account_ids=[account.id]).get(
            account.id, []
        )
        if r.signal == TICKET_TREND
    }  # ordered by (recorded_at, id): the last one of a Sunday is that week's value
    rules = thresholds(config)
    changes: list[tuple[datetime, int]] = []
    for monday in weeks:
        value = trend_value(monday, counts, account.users, rules)
        at = week_end_at(monday, config)
        if value is not None and judged.get(at) != value:
            changes.append((at, value))
    signal = rules_in_force(session, config).taxonomy.resolve(TICKET_TREND)
    for at, value in reversed(changes):
        record(session, config, account, [(signal, Value(value))], at=at, now=now,
               source=source)  # fmt: skip
    return len(changes)


# How many complete weeks back the daily run re-judges (each needs its four before).
REJUDGED_WEEKS = 4


def judge_finished_weeks(backend: Backend) -> int:
    """Judge the latest complete weeks of every account with tickets in the last weeks: a week
    with no ticket is judged once it ends, not only when a later ticket arrives. Weeks already
    judged the same are left alone, so running it again writes nothing. Returns the readings."""
    now = backend.now()
    since = now - timedelta(weeks=REJUDGED_WEEKS)
    written = 0
    with backend.change(None) as session:
        window = since - timedelta(weeks=5)  # the weeks judged and the four before each
        for account_id, source in store.ticket_sources(session, since=window).items():
            account = session.get(Account, account_id)
            assert account is not None
            written += judge_ticket_weeks(
                session, backend.config, account, since=since, now=now, source=source
            )
    return written


@dataclass
class TicketImport:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    readings: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "unchanged": self.unchanged,
                "readings": self.readings, "skipped": self.skipped}  # fmt: skip


def import_tickets(
    session: Session, config: Config, path: Path, *, now: datetime, skip_bad: bool = False
) -> TicketImport:
    """Count tickets from a CSV or JSON file (account, opened_at, id), as Intercom's would be:
    an id counted before adds nothing; all or nothing unless `skip_bad`."""
    rows = read_rows(path, columns=TICKET_COLUMNS, required=TICKET_COLUMNS)
    report = TicketImport(rows=len(rows))
    accounts = account_rows.list_accounts(session)
    names = [(a.key, a.name) for a in accounts]
    by_key = {a.key: a for a in accounts}
    seen: dict[str, int] = {}

    def parse(row: Row) -> tuple[Account, str, datetime]:
        if EXTRA in row.fields:
            raise DomainError(row.fields[EXTRA])
        values = {name: row.fields.get(name, "") for name in TICKET_COLUMNS}
        if wrong := [n for n, v in values.items() if v.startswith(WRONG_TYPE)]:
            raise DomainError(f"`{wrong[0]}` must be text or a number")
        account = by_key[resolve_account(values["account"], names)]
        try:
            opened_at = timestamp(values["opened_at"], "opened_at")
            ticket_id = event_id(values["id"], "id")
        except BadPayload as error:
            raise DomainError(str(error)) from None
        if opened_at > now:
            raise DomainError(f"`opened_at` {opened_at.isoformat()} is in the future")
        if ticket_id in seen:
            raise DomainError(f"ticket `{ticket_id}` is already in row {seen[ticket_id]}")
        seen[ticket_id] = row.number
        return account, ticket_id, opened_at

    parsed = good_rows(rows, parse, report.skipped, skip_bad=skip_bad)
    earliest: dict[int, tuple[Account, datetime]] = {}
    for account, ticket_id, opened_at in parsed:
        if store.add_ticket(session, account_id=account.id, ticket_id=ticket_id,
                            opened_at=opened_at, source="import", now=now):  # fmt: skip
            report.created += 1
            first = earliest.get(account.id)
            if first is None or opened_at < first[1]:
                earliest[account.id] = (account, opened_at)
        else:
            report.unchanged += 1
    for account, since in earliest.values():
        report.readings += judge_ticket_weeks(
            session, config, account, since=since, now=now, source="import"
        )
    return report
