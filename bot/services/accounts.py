"""Account use cases behind `/onboard`: add, edit, record the outcome, the hand-off, claims."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.messages.text import escape_mrkdwn
from bot.services import fields
from bot.store import accounts as account_rows
from bot.store import events
from bot.store import integrations as integration_rows
from bot.store import rescues as rescue_rows
from bot.store.tables import Account, Rescue
from scoring.accounts import HANDOFF_QUESTIONS, derive_key, free_key
from scoring.errors import DomainError, InvalidValue

NONE_WORDS = frozenset({"none", "-", "nobody", "clear"})


@dataclass(frozen=True)
class Editable:
    """An option of `/onboard set`: the column it sets and how its text is read."""

    column: str
    parse: Callable[[str, str], Any]
    clearable: bool = True


def _name(value: str, name: str) -> str:
    parsed = fields.text(value, name, limit=fields.MAX_NAME)
    if not parsed:
        raise InvalidValue("`name` cannot be empty")
    return parsed


def _segment(value: str, name: str) -> str:
    return fields.segment(value, name)


MAX_EXTERNAL_ID = 128


def _external_id(value: str, name: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_EXTERNAL_ID or any(c.isspace() for c in text):
        raise InvalidValue(
            f"`{name}:` `{escape_mrkdwn(text[:40])}` is not an id; give it as the tool shows it, "
            f"up to {MAX_EXTERNAL_ID} characters without spaces, e.g. `{name}:grp_123`"
        )
    return text


EDITABLE: dict[str, Editable] = {
    "name": Editable("name", _name, clearable=False),
    "segment": Editable("segment", _segment, clearable=False),
    "csm": Editable("csm", fields.user),
    "signed": Editable("signed_on", fields.day),
    "arr": Editable("arr", fields.count, clearable=False),
    "users": Editable("users", fields.count, clearable=False),
    "channel": Editable("channel", fields.channel),
    "owner": Editable("followup_owner", fields.user),
    "next": Editable("followup_next", fields.text),
    "due": Editable("followup_due", fields.day),
    "problem": Editable("business_problem", fields.text),
    "timeline": Editable("promised_timeline", fields.text),
    "dependencies": Editable("dependencies", fields.text),
    "decision": Editable("decision_maker", fields.text),
    **{column: Editable(column, _external_id) for column in integration_rows.EXTERNAL_IDS},
}
ADD_OPTIONS = frozenset({"key", "segment", "csm", "signed", "arr", "users", "channel"})
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_KEY = 64
# Each failed try means another transaction committed an account with this key or name, so the
# tries are bounded by how many people add at once; this only stops a runaway loop.
MAX_TRIES = 100


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def parse_options(options: Mapping[str, str], *, allowed: frozenset[str]) -> dict[str, Any]:
    """`key:value` options as column values; an unknown key or a bad value is refused."""
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise InvalidValue(
            f"`{unknown[0]}:` is not something you can set; use "
            + ", ".join(f"`{k}:`" for k in sorted(allowed))
        )
    values: dict[str, Any] = {}
    for key, raw in options.items():
        editable = EDITABLE[key]
        if raw.strip().lower() in NONE_WORDS and editable.clearable:
            values[editable.column] = None
        else:
            values[editable.column] = editable.parse(raw, key)
    return values


def add_account(
    session: Session, *, name: str, options: Mapping[str, str], actor: str, now: datetime
) -> Account:
    """A new account; its key is derived from the name (`-2`, `-3`… on a collision).

    A name an account already has (ignoring case, accents and surrounding spaces) is refused,
    naming that account, unless `key:` is given. Concurrent adds are settled by the database's
    unique key and name: the insert runs in a SAVEPOINT, and when another transaction committed
    the key or name first, this one looks again and answers as if it had come second.
    """
    clean = fields.text(name, "name", limit=fields.MAX_NAME)
    if not clean:
        raise InvalidValue("the account needs a name")
    given = _given_key(options.get("key"))
    base = given or derive_key(clean)[:60].strip("-")
    values = parse_options(
        {k: v for k, v in options.items() if k != "key"}, allowed=ADD_OPTIONS - {"key"}
    )
    values.setdefault("segment", "smb")
    values.setdefault("csm", actor)
    for _ in range(MAX_TRIES):
        key = _free_key(session, clean, base, given=given is not None)
        try:
            with session.begin_nested():
                account = account_rows.add_account(
                    session, key=key, name=clean, created_at=now,
                    may_share_name=given is not None, **values,
                )  # fmt: skip
            break
        except IntegrityError:
            # Lost a race for the key or the name: what won is committed and visible now.
            if account_rows.get_account(session, key=key) is None and not (
                account_rows.same_name(session, name=clean)
            ):
                raise  # not a race: a real fault, to be reported as one
    else:
        raise DomainError(f"too many accounts named like `{escape_mrkdwn(clean)}` are being "
                          "added at once; try again in a moment")  # fmt: skip
    events.record_event(
        session, account_id=account.id, kind="account_added", actor=actor, at=now,
        payload={"source": "slash_command", "name": clean,
                 **{k: _jsonable(v) for k, v in values.items()}},
    )  # fmt: skip
    return account


def _given_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    key = raw.strip().lower()
    if not _KEY.match(key) or len(key) > MAX_KEY:
        raise InvalidValue(
            f"`key:` `{escape_mrkdwn(raw.strip())}` is not a key; use up to {MAX_KEY} lower-case "
            "letters, digits and single dashes, e.g. `key:acme-emea`"
        )
    return key


def _free_key(session: Session, name: str, base: str, *, given: bool) -> str:
    """The key to add `name` under, or the refusal: a given key must be free; without one the
    name must be new, and the derived key gets the first free `-2`, `-3`…"""
    if given:
        taken = account_rows.get_account(session, key=base)
        if taken is not None:
            raise DomainError(
                f"`{base}` is already the key of {escape_mrkdwn(taken.name)}; give another `key:`"
            )
        return base
    same = account_rows.same_name(session, name=name)
    if same:
        raise DomainError(
            f"{escape_mrkdwn(same[0].name)} already exists as `{same[0].key}`; use it, or give "
            "`key:` to add another account with the same name"
        )
    if not base:
        raise InvalidValue(
            f"`{escape_mrkdwn(name)}` has no letters or digits to make a key from; "
            "give one with `key:`, e.g. `key:acme`"
        )
    return free_key(base, account_rows.keys_with_prefix(session, prefix=base))


def edit_account(
    session: Session, *, account: Account, options: Mapping[str, str], actor: str, now: datetime
) -> dict[str, tuple[Any, Any]]:
    """Apply `/onboard set` options; returns each changed column with (before, after)."""
    if not options:
        raise InvalidValue('say what to set, e.g. `owner:@alex next:"Call the CFO" due:2026-12-01`')
    values = parse_options(options, allowed=frozenset(EDITABLE))
    changed = {k: (getattr(account, k), v) for k, v in values.items() if getattr(account, k) != v}
    for column in sorted(set(changed) & set(integration_rows.EXTERNAL_IDS)):
        _external_id_free(session, account, column, changed[column][1])
    if changed:
        account_rows.lock(session, account_id=account.id)
        account_rows.update_account(
            session, account=account, changes={k: new for k, (_, new) in changed.items()}, at=now
        )
        events.record_event(
            session, account_id=account.id, kind="account_updated", actor=actor, at=now,
            payload={"changed": {k: [_jsonable(a), _jsonable(b)] for k, (a, b) in changed.items()}},
        )  # fmt: skip
    return changed


def _external_id_free(session: Session, account: Account, column: str, value: str | None) -> None:
    """Refuse an external id another account holds: an event must name one account."""
    holder = (
        integration_rows.account_by_external_id(session, column=column, value=value)
        if value
        else None
    )
    if holder is not None and holder.id != account.id:
        raise DomainError(
            f"`{column}:` `{escape_mrkdwn(value or '')}` is already "
            f"{escape_mrkdwn(holder.name)}'s (`{holder.key}`); clear it there first with "
            f"`{column}:none`"
        )


def record_outcome(
    session: Session, *, account: Account, outcome: str, on: date | None, actor: str, now: datetime,
    today: date,
) -> Account:  # fmt: skip
    """How onboarding ended; the date defaults to today and cannot be in the future."""
    ended = fields.outcome(outcome)
    day = on or today
    if day > today:
        raise InvalidValue(f"`date:` {day.isoformat()} is in the future; an outcome has happened")
    if account.signed_on and day < account.signed_on:
        raise InvalidValue(
            f"`date:` {day.isoformat()} is before the signature ({account.signed_on.isoformat()})"
        )
    before = (account.outcome, _jsonable(account.outcome_on))
    account_rows.update_account(
        session, account=account, changes={"outcome": ended, "outcome_on": day}, at=now
    )
    events.record_event(
        session, account_id=account.id, kind="outcome_recorded", actor=actor, at=now,
        payload={"outcome": ended, "on": day.isoformat(), "before": list(before)},
    )  # fmt: skip
    return account


def save_handoff(
    session: Session, *, account: Account, answers: Mapping[str, str], actor: str, now: datetime
) -> list[str]:
    """Store the hand-off checklist answers; returns the questions still unanswered."""
    values = {q: fields.text(answers.get(q, ""), q) for q in HANDOFF_QUESTIONS}
    changed = {k: v for k, v in values.items() if getattr(account, k) != v}
    if changed:
        account_rows.update_account(session, account=account, changes=changed, at=now)
        events.record_event(
            session, account_id=account.id, kind="handoff_updated", actor=actor, at=now,
            payload={"answered": sorted(k for k, v in changed.items() if v),
                     "cleared": sorted(k for k, v in changed.items() if not v)},
        )  # fmt: skip
    return [q for q, v in values.items() if not v]


def claim(session: Session, *, account: Account, user: str, now: datetime) -> bool:
    """Make `user` the follow-up's owner and the open rescue's; False if they already were."""
    account_rows.lock(session, account_id=account.id)
    session.refresh(account)
    rescue = rescue_rows.open_rescue(session, account_id=account.id)
    if rescue is not None:  # account, then rescue: the order every change locks them in
        rescue = rescue_rows.lock_rescue(session, rescue_id=rescue.id)
        rescue = None if rescue is None or rescue.state == "resolved" else rescue
    if account.followup_owner == user and (rescue is None or rescue.owner == user):
        return False
    previous = account.followup_owner
    account_rows.update_account(session, account=account, changes={"followup_owner": user}, at=now)
    if rescue is not None and rescue.owner != user:
        rescue.owner = user
        session.add(rescue)
        session.flush()
    events.record_event(
        session, account_id=account.id, kind="claimed", actor=user, at=now,
        payload={"previous_owner": previous, "rescue_id": rescue.id if rescue else None},
    )  # fmt: skip
    return True


def unclaim(session: Session, *, account: Account, user: str, now: datetime) -> Rescue | None:
    """`user` gives the follow-up up: it falls back to the default, and an open rescue they
    own goes back to the account's CSM (when there is one other than them). Returns that
    rescue when its owner changed. The caller holds the account's lock and asked the policy."""
    rescue = rescue_rows.open_rescue(session, account_id=account.id)
    if rescue is not None:  # account, then rescue: the order every change locks them in
        rescue = rescue_rows.lock_rescue(session, rescue_id=rescue.id)
    previous = account.followup_owner
    handed_back = (
        rescue if rescue is not None and rescue.owner == user and account.csm not in (None, user)
        else None
    )  # fmt: skip
    if previous != user and handed_back is None:
        raise DomainError(
            f"you don't own the follow-up of {account.name} (only its CSM by default), so "
            "there is nothing to unclaim"
        )
    if previous == user:
        account_rows.update_account(session, account=account, changes={"followup_owner": None},
                                    at=now)  # fmt: skip
    if handed_back is not None:
        handed_back.owner = account.csm
        session.add(handed_back)
        session.flush()
    events.record_event(
        session, account_id=account.id, kind="unclaimed", actor=user, at=now,
        payload={"previous_owner": previous,
                 "rescue_id": handed_back.id if handed_back else None,
                 "rescue_owner": handed_back.owner if handed_back else None},
    )  # fmt: skip
    return handed_back
