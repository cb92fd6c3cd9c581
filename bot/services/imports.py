"""Importing accounts and signal history from files: all or nothing, idempotent, row-numbered.

A file with any bad row imports nothing unless `skip_bad` is set; then the good rows go in and
the bad ones are reported. Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import re
from bisect import insort
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.services import fields, surveys
from bot.services.tabular import EXTRA, WRONG_TYPE, Row, good_rows, read_rows
from bot.store import accounts as account_rows
from bot.store import events
from bot.store import readings as reading_rows
from bot.store import surveys as survey_rows
from bot.store.integrations import EXTERNAL_IDS
from bot.store.tables import Account
from scoring.accounts import HANDOFF_QUESTIONS, derive_key, free_key, resolve_account
from scoring.duplicates import repeated
from scoring.errors import DomainError
from scoring.readings import Reading
from scoring.rules import Rules
from scoring.signals import VALUE_USAGE, parse_value
from scoring.surveys import IMPORT_COLUMNS as SURVEY_COLUMNS
from scoring.surveys import Answer, import_answer

ACCOUNT_COLUMNS = (
    "key", "name", "segment", "csm", "signed_on", "arr", "users", "channel",
    *HANDOFF_QUESTIONS, "outcome", "outcome_on", *EXTERNAL_IDS, *SURVEY_COLUMNS,
)  # fmt: skip
READING_COLUMNS = ("account", "signal", "value", "recorded_at", "note", "author")
BATCH_ROWS = 5_000
_SURVEYS = "surveys"  # the survey answers a row carries, beside the account's fields
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Told (rows just done, rows in all) as an import goes, for a progress bar with count and ETA.
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What an import did. `skipped` holds `row N: …` lines for rows left out."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


class _RowError(DomainError):
    pass


def _get(row: Row, name: str) -> str:
    value = row.fields.get(name, "")
    if value.startswith(WRONG_TYPE):
        raise _RowError(f"`{name}` must be text or a number, not a {value[1:]}")
    return value


def _text(row: Row, name: str) -> str | None:
    return fields.text(_get(row, name), name)


def _date(row: Row, name: str) -> date | None:
    return fields.day(_get(row, name), name)


def _account_fields(row: Row) -> dict[str, Any]:
    if EXTRA in row.fields:
        raise _RowError(row.fields[EXTRA])
    name = fields.text(_get(row, "name"), "name", limit=fields.MAX_NAME)
    if not name:
        raise _RowError("`name` is empty; every account needs a name")
    key = _get(row, "key").lower() or None
    if key is not None and (not _KEY.match(key) or len(key) > 64):
        raise _RowError(f"`key` is `{key}`; use lower-case letters, digits and single dashes")
    if key is None and not derive_key(name):
        raise _RowError(f"`name` `{name}` has no letters or digits to make a key from; give `key`")
    outcome = _get(row, "outcome")
    values: dict[str, Any] = {
        "key": key,
        "name": name,
        "segment": fields.segment(_get(row, "segment") or "smb"),
        "csm": fields.user(_get(row, "csm"), "csm"),
        "signed_on": _date(row, "signed_on"),
        "arr": fields.count(_get(row, "arr"), "arr"),
        "users": fields.count(_get(row, "users"), "users"),
        "channel": fields.channel(_get(row, "channel"), "channel"),
        "outcome": fields.outcome(outcome) if outcome else None,
        "outcome_on": _date(row, "outcome_on"),
    }
    for question in HANDOFF_QUESTIONS:
        values[question] = _text(row, question)
    for column in EXTERNAL_IDS:  # only when the file has the column: absent keeps the id
        if column in row.fields:
            values[column] = _external_id(row, column)
    return values


def _survey_answers(row: Row) -> list[Answer]:
    """The row's survey columns that carry a score (an empty cell records nothing)."""
    answers = []
    for column in SURVEY_COLUMNS:
        text = _get(row, column)
        if text:
            try:
                answers.append(import_answer(column, text))
            except DomainError as exc:
                raise _RowError(f"`{column}`: {exc}") from None
    return answers


def _save_surveys(
    session: Session, account: Account, answers: list[Answer], latest: dict[str, int],
    *, actor: str, now: datetime,
) -> bool:  # fmt: skip
    """Record the answers that differ from the account's latest (a re-import adds nothing),
    dated the day they ask about (signature + 7 or 30) when that has passed; whether any was."""
    recorded = False
    for answer in answers:
        if latest.get(f"{answer.kind.value}_d{answer.day}") == answer.score:
            continue
        at = now
        if account.signed_on is not None:
            asked = datetime.combine(account.signed_on, datetime.min.time(), UTC)
            at = min(now, asked + timedelta(days=answer.day))
        surveys.record(session, account, answer, actor=actor, source="import", at=at)
        recorded = True
    return recorded


def _external_id(row: Row, name: str) -> str | None:
    value = _get(row, name)
    if len(value) > 128 or any(c.isspace() for c in value):
        raise _RowError(f"`{name}` is not an id: up to 128 characters without spaces")
    return value or None


def import_accounts(
    session: Session,
    path: Path,
    *,
    actor: str,
    now: datetime,
    skip_bad: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update accounts from a CSV or JSON file, matched by key (or derived key)."""
    rows = read_rows(path, columns=ACCOUNT_COLUMNS, required=("name",))
    report = ImportReport(rows=len(rows))
    existing = {a.key: a for a in account_rows.list_accounts(session)}
    seen: dict[str, int] = {}

    answered = survey_rows.latest_by_account(session)

    def keyed(row: Row) -> dict[str, Any]:
        values = _account_fields(row)
        values[_SURVEYS] = _survey_answers(row)
        key = values["key"] or _match_by_name(values["name"], existing, seen)
        if key in seen:
            raise _RowError(f"account `{key}` is already in row {seen[key]}")
        for column in EXTERNAL_IDS:
            _external_id_free(column, values.get(column), key, row.number)
        seen[key] = row.number
        values["key"] = key
        return values

    ids: dict[tuple[str, str], tuple[str, int]] = {}

    def _external_id_free(column: str, value: str | None, key: str, number: int) -> None:
        """An external id names one account: not another row's, nor another account's."""
        if value is None:
            return
        if (column, value) in ids:
            raise _RowError(f"`{column}` {value} is already in row {ids[(column, value)][1]}")
        holder = next((a for a in existing.values() if getattr(a, column) == value), None)
        if holder is not None and holder.key != key:
            raise _RowError(f"`{column}` {value} is already the id of `{holder.key}`")
        ids[(column, value)] = (key, number)

    good = good_rows(rows, keyed, report.skipped, skip_bad=skip_bad)
    for values in good:
        answers = values.pop(_SURVEYS)
        unchanged = report.unchanged
        account = _save_account(session, values, existing.get(values["key"]), report,
                                actor=actor, now=now, file=path.name)  # fmt: skip
        latest = answered.get(account.id, {})  # type: ignore[arg-type]
        if _save_surveys(session, account, answers, latest, actor=actor, now=now) and (
            report.unchanged > unchanged  # only its surveys changed: the account was updated
        ):
            report.unchanged -= 1
            report.updated += 1
        if progress:
            progress(1, len(good))
    return report


def _save_account(
    session: Session,
    values: dict[str, Any],
    current: Account | None,
    report: ImportReport,
    *,
    actor: str,
    now: datetime,
    file: str,
) -> Account:
    """Add the account, or change what differs in `current`, with its timeline event."""
    if current is None:
        account = account_rows.add_account(session, **values, created_at=now)
        events.record_event(
            session, account_id=account.id, kind="account_added", actor=actor, at=now,
            payload={"source": "import", "file": file, "name": values["name"]},
        )  # fmt: skip
        report.created += 1
        return account
    changed = {k: v for k, v in values.items() if getattr(current, k) != v}
    if not changed:
        report.unchanged += 1
        return current
    account_rows.update_account(session, account=current, changes=changed, at=now)
    events.record_event(
        session, account_id=current.id, kind="account_updated", actor=actor, at=now,
        payload={"source": "import", "file": file,
                 "changed": {k: _jsonable(v) for k, v in changed.items()}},
    )  # fmt: skip
    report.updated += 1
    return current


def _match_by_name(name: str, existing: dict[str, Account], seen: dict[str, int]) -> str:
    """The derived key; the existing account of that key when it has the same name."""
    base = derive_key(name)[:60].strip("-")
    taken = set(existing) | set(seen)
    for candidate in [base, *(f"{base}-{n}" for n in range(2, 1000))]:
        account = existing.get(candidate)
        if account is not None and account.name.casefold() == name.casefold():
            return candidate
        if candidate not in taken:
            break
    return free_key(base, taken)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def parse_recorded_at(text: str) -> datetime:
    """An ISO date (00:00 UTC that day) or date-time (UTC when it has no zone)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _RowError(
            f"`recorded_at` is `{text}`; use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class _NewReading:
    account: Account
    signal: str
    value: int
    recorded_at: datetime
    note: str | None
    author: str


class _ReadingRows:
    """Parses reading rows against the accounts and the taxonomy (each account text resolved
    once)."""

    def __init__(self, session: Session, rules: Rules, *, actor: str, now: datetime) -> None:
        accounts = account_rows.list_accounts(session)
        self.names = [(a.key, a.name) for a in accounts]
        self.by_key = {a.key: a for a in accounts}
        self.resolved: dict[str, str] = {}
        self.rules, self.actor, self.now = rules, actor, now

    def __call__(self, row: Row) -> _NewReading:
        if EXTRA in row.fields:
            raise _RowError(row.fields[EXTRA])
        text = _get(row, "account")
        if text not in self.resolved:
            self.resolved[text] = resolve_account(text, self.names)
        signal = self.rules.taxonomy.resolve(_get(row, "signal"))
        try:
            value = parse_value(_get(row, "value"))
        except DomainError:
            raise _RowError(f"`value` is `{_get(row, 'value')}`; use {VALUE_USAGE}") from None
        recorded_at = parse_recorded_at(_get(row, "recorded_at"))
        if recorded_at > self.now:
            raise _RowError(f"`recorded_at` {recorded_at.isoformat()} is in the future")
        author = _text(row, "author") or self.actor
        return _NewReading(self.by_key[self.resolved[text]], signal.key, int(value), recorded_at,
                           _text(row, "note"), author)  # fmt: skip


def import_readings(
    session: Session,
    rules: Rules,
    path: Path,
    *,
    actor: str,
    now: datetime,
    skip_bad: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Append signal readings from a file. A reading that repeats what the signal already has
    (the duplicate rule of `scoring.duplicates`: same value and author within its window)
    counts as unchanged, not as a second reading; a different value is always new."""
    rows = read_rows(
        path, columns=READING_COLUMNS, required=("account", "signal", "value", "recorded_at")
    )
    report = ImportReport(rows=len(rows))
    parse = _ReadingRows(session, rules, actor=actor, now=now)
    parsed = good_rows(rows, parse, report.skipped, skip_bad=skip_bad)
    added = _append_new(session, parsed, report, now=now, progress=progress)
    for account_id, count in added.items():
        events.record_event(
            session, account_id=account_id, kind="readings_imported", actor=actor, at=now,
            payload={"file": path.name, "readings": count},
        )  # fmt: skip
    return report


def _known_history(
    session: Session, parsed: list[_NewReading]
) -> dict[tuple[int, str], list[Reading]]:
    """The stored readings of the accounts `parsed` is about, by (account id, signal)."""
    involved = {new.account.id for new in parsed}
    known: dict[tuple[int, str], list[Reading]] = {}
    for account_id, readings in reading_rows.history_by_account(
        session, account_ids=list(involved)
    ).items():
        for r in readings:
            known.setdefault((account_id, r.signal), []).append(r)
    return known


def _append_new(
    session: Session,
    parsed: list[_NewReading],
    report: ImportReport,
    *,
    now: datetime,
    progress: Progress | None,
) -> dict[int, int]:
    """Add the readings that do not repeat their signal's history (nor an earlier row), in
    batches; how many were added, by account id."""
    known = _known_history(session, parsed)
    added: dict[int, int] = {}
    batch: list[dict[str, Any]] = []
    for new in parsed:
        account_id = new.account.id
        history = known.setdefault((account_id, new.signal), [])
        if repeated(history, value=new.value, author=new.author, at=new.recorded_at):
            report.unchanged += 1
        else:
            batch.append({
                "account_id": account_id, "signal": new.signal, "value": new.value,
                "note": new.note, "author": new.author, "source": "import",
                "recorded_at": new.recorded_at, "created_at": now,
            })  # fmt: skip
            reading = Reading(new.signal, new.value, new.recorded_at, new.author)
            insort(history, reading, key=attrgetter("recorded_at"))
            added[account_id] = added.get(account_id, 0) + 1
            report.created += 1
        if len(batch) >= BATCH_ROWS:
            reading_rows.add_readings(session, rows=batch)
            batch = []
        if progress:
            progress(1, len(parsed))
    reading_rows.add_readings(session, rows=batch)
    return added
