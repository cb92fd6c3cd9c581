"""An account's full history for audit and export: every event, and readings that came in
without one (imports, the demo), oldest first."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.store import events as event_rows
from bot.store import readings as reading_rows
from bot.store.tables import Account

COLUMNS = ("at", "kind", "actor", "payload")


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    actor: str
    payload: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "actor": self.actor,
            "payload": self.payload,
        }


def timeline(session: Session, account: Account) -> list[Entry]:
    entries = [
        Entry(e.at, e.kind, e.actor, dict(e.payload))
        for e in event_rows.timeline(session, account_id=account.id)
    ]
    for r in reading_rows.readings_by_account(session, account_ids=[account.id]).get(
        account.id, []
    ):
        if r.source in ("import", "demo"):
            entries.append(
                Entry(
                    r.recorded_at,
                    "reading_imported",
                    r.author or r.source,
                    {"signal": r.signal, "value": r.value, "note": r.note, "source": r.source},
                )
            )
    entries.sort(key=lambda e: e.at)
    return entries


def as_json(account: Account, entries: list[Entry]) -> str:
    data = {"account": account.key, "name": account.name, "entries": [e.as_dict() for e in entries]}
    return json.dumps(data, indent=2, ensure_ascii=False)


def as_csv(entries: list[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(
            [e.at.isoformat(), e.kind, e.actor, json.dumps(e.payload, ensure_ascii=False)]
        )
    return out.getvalue()
