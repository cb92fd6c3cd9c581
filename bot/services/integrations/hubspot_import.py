"""`rescuebot accounts import --from hubspot`: every HubSpot company becomes an account, or
updates the account holding its hubspot_id (idempotent: a second run changes nothing). Pages
come from the CRM's `after` paging; each page is one transaction, so an interrupted run keeps
the pages done and the next run carries on where it matters (nothing is created twice)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.config import Config
from bot.hubspot.api import Company
from bot.services import accounts
from bot.services.backend import Backend
from bot.services.imports import ImportReport
from bot.services.integrations.hubspot import ACTOR, ID_COLUMN, create_or_link, mapped, option_value
from bot.services.integrations.receiving import apply_waiting
from bot.store import integrations as store
from scoring.errors import DomainError


def import_companies(
    backend: Backend, pages: Iterable[list[Company]], *, progress: Callable[[int], None]
) -> ImportReport:
    """Create or update an account per company, a transaction per page."""
    report = ImportReport()
    for page in pages:
        now = backend.now()
        with backend.change(None) as session:
            for company in page:
                report.rows += 1
                try:
                    with session.begin_nested():
                        outcome = _one(session, backend.config, company, now=now)
                except DomainError as error:
                    report.skipped.append(f"company {company.id}: {error}")
                    continue
                setattr(report, outcome, getattr(report, outcome) + 1)
        progress(len(page))
    return report


def _one(session: Session, config: Config, company: Company, *, now: datetime) -> str:
    account = store.account_by_external_id(session, column=ID_COLUMN, value=company.id)
    if account is None:
        account = create_or_link(session, config, company.id, company.properties, read_at=now,
                                 now=now)  # fmt: skip
        apply_waiting(session, config, account, now=now)
        return "created"
    changes = _changes(config, company.properties)
    changed = accounts.edit_account(session, account=account, options=changes, actor=ACTOR,
                                    now=now) if changes else {}  # fmt: skip
    for prop in mapped(config):
        store.property_applied(session, account_id=account.id, name=prop, at=now)
    return "updated" if changed else "unchanged"


def _changes(config: Config, properties: Mapping[str, Any]) -> dict[str, str]:
    return {
        field: value
        for prop, field in mapped(config).items()
        if (value := option_value(field, properties.get(prop))) is not None
    }
