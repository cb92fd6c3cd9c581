"""Intercom notifications → tickets: `ticket.created` and `conversation.user.created` count as
one ticket for the company in `data.item.company_id` (else `data.item.company.id`), dated by
`data.item.created_at`; a ticket id already counted (either topic, or an import row) adds
nothing. Each new ticket re-judges the weeks it can change (`tickets.judge_ticket_weeks`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.config import Config
from bot.services.integrations.recording import Applied
from bot.services.integrations.shapes import TICKET_TOPICS, timestamp
from bot.services.integrations.tickets import judge_ticket_weeks
from bot.store import integrations as store

INTERCOM = "intercom"
ID_COLUMN = "intercom_company_id"


def apply_intercom(
    session: Session, config: Config, body: Mapping[str, Any], *, now: datetime
) -> Applied:
    if body["topic"] not in TICKET_TOPICS:
        return "ignored", None, None, f"topic `{body['topic']}` is not a ticket"
    item = body["data"]["item"]
    company = item.get("company")
    external = item.get("company_id") or (company.get("id") if isinstance(company, dict) else None)
    if external in (None, ""):
        return "ignored", None, None, "no data.item.company_id or data.item.company.id"
    account = store.account_by_external_id(session, column=ID_COLUMN, value=str(external))
    if account is None:
        return "unmatched", None, str(external), None
    opened_at = timestamp(item["created_at"], "data.item.created_at")
    if store.add_ticket(session, account_id=account.id, ticket_id=str(item["id"]),
                        opened_at=opened_at, source=INTERCOM, now=now):  # fmt: skip
        judge_ticket_weeks(session, config, account, since=opened_at, now=now, source=INTERCOM)
    return "applied", account, str(external), None


def summary(body: Mapping[str, Any]) -> str:
    return f"{body.get('topic')} {((body.get('data') or {}).get('item') or {}).get('id')}"
