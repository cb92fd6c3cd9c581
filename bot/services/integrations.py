"""Signals that update themselves: Segment milestones and Intercom tickets, applied in the
transaction that stores the event (PRODUCT.md, "Signals that update themselves").

Every event is stored once (its provider's id is UNIQUE: a redelivery applies nothing) and ends
`applied`, `unmatched` (its account has no such external id yet: applied when the id is set,
see `apply_waiting`), `ignored` (nothing to do, with the reason) or `failed` (with the error;
the event stays stored, the request is still answered 2xx). A reading from an integration goes
through `rescues.record_and_rescue` like a Slack rating, so it opens rescues the same way, and
their messages are queued to the outbox in the same transaction.

Tickets feed `ticket_trend` with one reading per complete ISO week, dated that Sunday 23:59:59 in
the team's zone. Readings stay append-only: when a late or imported ticket changes a judged
week, a new reading with that Sunday's time is appended; readings are ordered by
(recorded_at, id), so the newer one is the week's value and the old one stays in the history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.config import Config
from bot.services import rescue_thread, rescues
from bot.services.backend import Backend
from bot.services.tabular import EXTRA, WRONG_TYPE, Row, good_rows, read_rows
from bot.services.weights import rules_in_force
from bot.store import accounts as account_rows
from bot.store import integrations as store
from bot.store import readings as reading_rows
from bot.store.tables import Account, IntegrationEvent
from scoring.accounts import resolve_account
from scoring.errors import DomainError
from scoring.signals import Value
from scoring.tickets import TicketThresholds, trend_value, weekly_counts, weeks_to_judge
from scoring.weeks import week_start

SEGMENT = "segment"
INTERCOM = "intercom"
# Which account column each provider's events name.
ID_COLUMNS = {SEGMENT: "segment_group_id", INTERCOM: "intercom_company_id"}
TICKET_TOPICS = frozenset({"ticket.created", "conversation.user.created"})
TICKET_TREND = "ticket_trend"
TICKET_COLUMNS = ("account", "opened_at", "id")
MAX_ID = 200


class BadPayload(ValueError):
    """A signed body that is not what the provider sends: answered 400."""


@dataclass
class Received:
    """What a delivery did: events new and redelivered, and the states the new ones ended in."""

    new: int = 0
    redelivered: int = 0
    states: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"new": self.new, "redelivered": self.redelivered, "states": dict(self.states)}


# --- Shapes: what a provider's body must look like before anything is stored ----------------


def _id(value: Any, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise BadPayload(f"`{name}` must be a non-empty string")
    if len(str(value)) > MAX_ID:
        raise BadPayload(f"`{name}` is over {MAX_ID} characters")
    return str(value).strip()


def segment_events(payload: Any) -> list[dict[str, Any]]:
    """The events of a Segment delivery (one event, or `{"batch": [...]}`), each an object with
    a `messageId` and a `type`; a `track` also needs its `event` name and an ISO `timestamp`."""
    if not isinstance(payload, dict):
        raise BadPayload('the body must be a JSON object: one event or {"batch": [...]}')
    events = payload.get("batch", [payload])
    if not isinstance(events, list) or not events:
        raise BadPayload("`batch` must be a non-empty list of events")
    for i, event in enumerate(events):
        where = f"event {i}" if "batch" in payload else "the event"
        if not isinstance(event, dict):
            raise BadPayload(f"{where} is not a JSON object")
        try:
            _id(event.get("messageId"), "messageId")
            if not isinstance(event.get("type"), str):
                raise BadPayload('`type` must be a string like "track"')
            if event["type"] == "track":
                if not isinstance(event.get("event"), str):
                    raise BadPayload("a track event needs its `event` name")
                _timestamp(event.get("timestamp"), "timestamp")
        except BadPayload as error:
            raise BadPayload(f"{where}: {error}") from None
    return events


def intercom_notification(payload: Any) -> dict[str, Any]:
    """An Intercom webhook notification: `type` notification_event, an `id`, a `topic`, and for
    a ticket topic `data.item` with an `id` and `created_at`."""
    if not isinstance(payload, dict) or payload.get("type") != "notification_event":
        raise BadPayload("the body must be an Intercom notification_event object")
    _id(payload.get("id"), "id")
    if not isinstance(payload.get("topic"), str):
        raise BadPayload('`topic` must be a string like "ticket.created"')
    if payload["topic"] in TICKET_TOPICS:
        item = (payload.get("data") or {}).get("item") if isinstance(payload.get("data"), dict) \
            else None  # fmt: skip
        if not isinstance(item, dict):
            raise BadPayload("`data.item` must be an object")
        _id(item.get("id"), "data.item.id")
        _timestamp(item.get("created_at"), "data.item.created_at")
    return payload


def _timestamp(value: Any, name: str) -> datetime:
    """ISO 8601 text (UTC without a zone) or Unix seconds, as an aware UTC datetime."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise BadPayload(f"`{name}` must be an ISO 8601 time or Unix seconds")


# --- Receiving: store, then apply, in one transaction ---------------------------------------


def receive(
    backend: Backend, provider: str, events: Iterable[tuple[str, dict[str, Any]]]
) -> Received:
    """Store each (event id, body) of `provider` once and apply it; one transaction."""
    received = Received()
    now = backend.now()
    with backend.change(None) as session:
        for event_id, body in events:
            stored = store.add_event(
                session, provider=provider, event_id=event_id, body=body, received_at=now
            )
            if stored is None:
                received.redelivered += 1
                continue
            received.new += 1
            received.states[_apply(session, backend.config, stored, now=now)] += 1
    return received


def receive_segment(backend: Backend, payload: Any) -> Received:
    events = segment_events(payload)
    return receive(backend, SEGMENT, ((_id(e["messageId"], "messageId"), e) for e in events))


def receive_intercom(backend: Backend, payload: Any) -> Received:
    notification = intercom_notification(payload)
    return receive(backend, INTERCOM, [(_id(notification["id"], "id"), notification)])


def _apply(session: Session, config: Config, event: IntegrationEvent, *, now: datetime) -> str:
    """Apply a stored event (in a SAVEPOINT: a failure keeps the event, as `failed`)."""
    try:
        with session.begin_nested():
            state, account, external, why = (
                _apply_segment(session, config, event.body, now=now)
                if event.provider == SEGMENT
                else _apply_intercom(session, config, event.body, now=now)
            )
    except DomainError as error:
        state, account, external, why = "failed", None, event.external_id, str(error)
    store.settle(
        session, event, state=state, at=now, account_id=account.id if account else None,
        external_id=external, error=why,
    )  # fmt: skip
    return state


Applied = tuple[str, Account | None, str | None, str | None]  # state, account, external id, why


def _account(session: Session, provider: str, external: str) -> Account | None:
    return store.account_by_external_id(session, column=ID_COLUMNS[provider], value=external)


def _apply_segment(
    session: Session, config: Config, body: Mapping[str, Any], *, now: datetime
) -> Applied:
    if body.get("type") != "track":
        return "ignored", None, None, f"a `{body.get('type')}` event sets no signal"
    name = body["event"]
    mapping = config.integrations.segment.events.get(name)
    if mapping is None:
        return "ignored", None, None, f"`{name}` is not in integrations.segment.events"
    external = _group_id(body)
    if external is None:
        return "ignored", None, None, "no context.groupId or properties.groupId"
    account = _account(session, SEGMENT, external)
    if account is None:
        return "unmatched", None, external, None
    signal = rules_in_force(session, config).taxonomy.resolve(mapping.signal)
    at = min(_timestamp(body["timestamp"], "timestamp"), now)  # never true from the future
    _record(session, config, account, [(signal, Value(mapping.value))], at=at, now=now,
            source=SEGMENT)  # fmt: skip
    return "applied", account, external, None


def _group_id(body: Mapping[str, Any]) -> str | None:
    for part in ("context", "properties"):
        section = body.get(part)
        if isinstance(section, dict) and section.get("groupId") not in (None, ""):
            return str(section["groupId"])
    return None


def _record(
    session: Session, config: Config, account: Account, ratings: list[Any], *, at: datetime,
    now: datetime, source: str,
) -> None:  # fmt: skip
    """Readings through the same rules as a Slack rating; the rescue they open is announced."""
    recorded, opened = rescues.record_and_rescue(
        session, config, account=account, ratings=ratings, author=source, note=None,
        source=source, now=now, channel=None, recorded_at=at,
    )  # fmt: skip
    if opened is not None:
        rescue_thread.announce(session, config, opened, now=now, fallback=None)
    if recorded.closed is not None:
        rescue_thread.closed_by_correction(
            session, config, recorded.closed, corrected_by=source, now=now
        )


def _apply_intercom(
    session: Session, config: Config, body: Mapping[str, Any], *, now: datetime
) -> Applied:
    if body["topic"] not in TICKET_TOPICS:
        return "ignored", None, None, f"topic `{body['topic']}` is not a ticket"
    item = body["data"]["item"]
    company = item.get("company")
    external = item.get("company_id") or (company.get("id") if isinstance(company, dict) else None)
    if external in (None, ""):
        return "ignored", None, None, "no data.item.company_id or data.item.company.id"
    account = _account(session, INTERCOM, str(external))
    if account is None:
        return "unmatched", None, str(external), None
    opened_at = _timestamp(item["created_at"], "data.item.created_at")
    if store.add_ticket(session, account_id=account.id, ticket_id=str(item["id"]),
                        opened_at=opened_at, source=INTERCOM, now=now):  # fmt: skip
        judge_ticket_weeks(session, config, account, since=opened_at, now=now, source=INTERCOM)
    return "applied", account, str(external), None


def apply_waiting(session: Session, config: Config, account: Account, *, now: datetime) -> int:
    """Apply the unmatched events naming one of the account's external ids (just set); returns
    how many were applied. Runs in the caller's transaction."""
    applied = 0
    for provider, column in ID_COLUMNS.items():
        external = getattr(account, column)
        if not external:
            continue
        for event in store.waiting(session, provider=provider, external_id=external):
            applied += _apply(session, config, event, now=now) == "applied"
    return applied


def apply_all_waiting(session: Session, config: Config, *, now: datetime) -> int:
    """`apply_waiting` for every account that has an external id an unmatched event names."""
    applied = 0
    for event in store.waiting(session):
        if event.external_id and _account(session, event.provider, event.external_id):
            applied += _apply(session, config, event, now=now) == "applied"
    return applied


# --- Tickets → ticket_trend ------------------------------------------------------------------


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
        _record(session, config, account, [(signal, Value(value))], at=at, now=now,
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
            opened_at = _timestamp(values["opened_at"], "opened_at")
            ticket_id = _id(values["id"], "id")
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


# --- The operator's view ---------------------------------------------------------------------


def unmatched(session: Session) -> list[dict[str, Any]]:
    """The events still waiting for an account's external id, oldest first."""
    return [
        {"provider": e.provider, "event_id": e.event_id, "received_at": e.received_at.isoformat(),
         "waits_for": f"{ID_COLUMNS.get(e.provider, 'id')} {e.external_id}",
         "external_id": e.external_id, "what": _summary(e)}
        for e in store.waiting(session)
    ]  # fmt: skip


def _summary(event: IntegrationEvent) -> str:
    body = event.body
    if event.provider == SEGMENT:
        return f"track `{body.get('event')}`"
    return f"{body.get('topic')} {((body.get('data') or {}).get('item') or {}).get('id')}"


def status(session: Session) -> dict[str, Any]:
    """Per provider: when its last event came, its events by state, how many wait unmatched."""
    counts = store.counts_by_state(session)
    last = store.last_received(session)
    providers = sorted(set(ID_COLUMNS) | set(last))
    return {
        "providers": [
            {"provider": p, "last_event_at": last[p].isoformat() if p in last else None,
             "by_state": {s: n for (q, s), n in sorted(counts.items()) if q == p},
             "unmatched": counts.get((p, "unmatched"), 0)}
            for p in providers
        ]
    }  # fmt: skip
