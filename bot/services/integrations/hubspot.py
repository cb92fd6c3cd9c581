"""HubSpot company events → accounts and their fields (PRODUCT.md, "Signals that update
themselves").

`company.propertyChange` sets the account field its property is mapped to
(`integrations.hubspot.properties`, plus `name`), unless a change of that property that occurred
later was applied already (HubSpot does not deliver in order): `hubspot_property` keeps the last
applied `occurredAt` per account and property. `company.creation` needs the company's name and
mapped properties from the CRM, a network read that does not belong in a transaction: applying
the event leaves it `pending` and `hubspot_reads` completes it afterwards (and again later while
the read fails), creating or linking the account.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from bot.config import Config
from bot.services import accounts
from bot.services.integrations.recording import Applied
from bot.services.integrations.shapes import milliseconds
from bot.store import accounts as account_rows
from bot.store import integrations as store
from bot.store.tables import Account
from scoring.accounts import derive_key
from scoring.errors import DomainError

HUBSPOT = "hubspot"
ID_COLUMN = "hubspot_id"
CREATION = "company.creation"
PROPERTY_CHANGE = "company.propertyChange"
NAME = "name"
ACTOR = "hubspot"
NUMBERS = frozenset({"arr", "users"})


def mapped(config: Config) -> dict[str, str]:
    """{HubSpot property: the account field it sets}; `name` always sets the name."""
    return {NAME: NAME, **config.integrations.hubspot.properties}


def apply_hubspot(
    session: Session, config: Config, body: Mapping[str, Any], *, now: datetime
) -> Applied:
    kind, company = body["subscriptionType"], str(body["objectId"])
    if kind == CREATION:
        account = store.account_by_external_id(session, column=ID_COLUMN, value=company)
        if account is not None:
            return "ignored", account, company, f"the company is already {account.name}"
        return "pending", None, company, None
    if kind == PROPERTY_CHANGE:
        return _property_change(session, config, body, company, now=now)
    return "ignored", None, company, f"`{kind}` is not a subscription rescuebot uses"


def _property_change(
    session: Session, config: Config, body: Mapping[str, Any], company: str, *, now: datetime
) -> Applied:
    name = body["propertyName"]
    field = mapped(config).get(name)
    if field is None:
        return "ignored", None, company, f"`{name}` is not in integrations.hubspot.properties"
    account = store.account_by_external_id(session, column=ID_COLUMN, value=company)
    if account is None:
        return "unmatched", None, company, None
    occurred = milliseconds(body["occurredAt"], "occurredAt")
    account_rows.lock(session, account_id=account.id)  # changes of one company, one at a time
    last = store.property_changed_at(session, account_id=account.id, name=name)
    if last is not None and occurred < last:
        return "ignored", account, company, (
            f"`{name}` changed at {occurred.isoformat()}, before the change applied "
            f"({last.isoformat()})"
        )  # fmt: skip
    value = option_value(field, body.get("propertyValue"))
    if value is not None:
        accounts.edit_account(session, account=account, options={field: value}, actor=ACTOR,
                              now=now)  # fmt: skip
    store.property_applied(session, account_id=account.id, name=name, at=occurred)
    return "applied", account, company, None


def option_value(field: str, raw: Any) -> str | None:
    """A HubSpot property's value as the `/onboard set` text for `field` (None: nothing to set:
    a cleared name or segment keeps the account's)."""
    text = "" if raw is None else str(raw).strip()
    if field in NUMBERS:
        if not text:
            return "0"
        try:
            return str(int(Decimal(text).to_integral_value()))
        except InvalidOperation:
            raise DomainError(f"HubSpot's `{text[:40]}` is not a number for {field}") from None
    if field == "signed":
        if not text:
            return "none"
        if text.isdigit():  # HubSpot's date properties: midnight UTC in Unix ms
            return datetime.fromtimestamp(int(text) / 1000, UTC).date().isoformat()
        return text
    return text or None


def create_or_link(
    session: Session, config: Config, company_id: str, properties: Mapping[str, Any], *,
    read_at: datetime, now: datetime,
) -> Account:  # fmt: skip
    """The account for a HubSpot company: the one with its hubspot_id, else an account of the
    same name without one (linked), else a new one. Its mapped fields are the company's as read
    at `read_at`, so a change that occurred before that and arrives later is ignored."""
    account = store.account_by_external_id(session, column=ID_COLUMN, value=company_id)
    name = str(properties.get(NAME) or properties.get("domain") or f"HubSpot company {company_id}")
    values = {
        field: value
        for prop, field in mapped(config).items()
        if field != NAME and (value := option_value(field, properties.get(prop))) is not None
    }
    if account is None:
        same = [a for a in account_rows.same_name(session, name=name) if not a.hubspot_id]
        if same:
            account = same[0]
        else:
            options = {"csm": "none", **values}
            taken = bool(account_rows.same_name(session, name=name))
            if taken:  # same name, another company: a key of its own
                options["key"] = f"{derive_key(name)[:40].strip('-') or 'company'}-{company_id}"
            account = accounts.add_account(
                session, name=name, options=options, actor=ACTOR, now=now
            )
            values = {}
    accounts.edit_account(
        session, account=account, options={ID_COLUMN: company_id, **values}, actor=ACTOR, now=now
    )
    for prop in mapped(config):
        store.property_applied(session, account_id=account.id, name=prop, at=read_at)
    return account


def summary(body: Mapping[str, Any]) -> str:
    what = body.get("subscriptionType")
    if what == PROPERTY_CHANGE:
        return f"{what} {body.get('propertyName')} of company {body.get('objectId')}"
    return f"{what} of company {body.get('objectId')}"
