"""A posted standup kept live: its message rendered from the accounts' state when the courier
sends an edit (`render`, the courier's renderer). The focus lines keep their places, even once
an account no longer needs help, and show who claimed each since the standup was posted; the
rest are counted again under their first need. A superseded standup says so, with a link to the
newer one and no buttons. The edits are queued by `bot.store.standups` on every change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.messages import blocks as ui
from bot.messages.standup import Line, Taken
from bot.messages.wording import noun, plural
from bot.services import portfolio
from bot.services.backend import Backend
from bot.services.weights import rules_in_force
from bot.store.standups import LIVE_STANDUP
from bot.store.tables import Account, Delivery, Event, StandupPost
from scoring.standup import MORE_DECISIONS, NEEDS, StandupItem

NO_LONGER = "no longer needing help"
TAKING = ("claimed",)  # the events that make someone a line's owner
GIVING_UP = "unclaimed"  # the owner gave it back: the line no longer shows who took it


def archive_link(channel: str, ts: str) -> str:
    """Slack's permanent link form for a message (it opens in the workspace it belongs to)."""
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def render(backend: Backend, delivery: Delivery) -> dict[str, Any]:
    """The payload of a live standup's edit, as things are now."""
    with backend.session() as session:
        post = session.get(StandupPost, delivery.payload[LIVE_STANDUP])
        assert post is not None, f"live standup {delivery.payload[LIVE_STANDUP]} vanished"
        posted_on = post.posted_at.astimezone(backend.config.rules.team_timezone).date()
        if post.superseded_by is not None:
            newer = session.get(StandupPost, post.superseded_by)
            first = session.get(Delivery, newer.delivery_id) if newer else None
            link = archive_link(first.channel, first.ts) if first and first.ts else None
            blocks = ui.superseded_message(as_of=posted_on, scope=post.scope_label, link=link)
            return {"text": "Standup (superseded by a newer one)", "blocks": ui.as_dicts(blocks)}
        lines, counts = _current(session, backend, post)
    blocks = ui.standup_message(lines, counts, as_of=posted_on, scope=post.scope_label)
    text = (
        f"Standup: {plural(len(lines), 'account')} {noun(len(lines), 'needs', 'need')} "
        "a decision today"
    )
    return {"text": text, "blocks": ui.as_dicts(blocks)}


def _current(
    session: Session, backend: Backend, post: StandupPost
) -> tuple[list[Line], list[tuple[str, int]]]:
    keys = list(post.accounts)
    loaded = portfolio.load_portfolio(
        session, rules_in_force(session, backend.config), as_of=backend.today(),
        only=portfolio.with_keys(set(keys)),
    )  # fmt: skip
    now = {item.account: item for item in loaded.standup()}
    rows = {a.key: a for a in session.exec(select(Account).where(col(Account.key).in_(keys)))}
    focus_keys = keys[: post.focus_count]
    taken = _taken(session, [rows[k] for k in focus_keys if k in rows], since=post.posted_at,
                   backend=backend)  # fmt: skip
    lines = [
        Line(key, rows[key].name if key in rows else key, now.get(key), taken.get(key))
        for key in focus_keys
    ]
    return lines, _counts([now.get(key) for key in keys[post.focus_count :]])


def _counts(rest: Sequence[StandupItem | None]) -> list[tuple[str, int]]:
    """The rest counted once each, under its first need now (or as no longer needing help)."""
    order = [MORE_DECISIONS.counted, *(need.counted for need in NEEDS), NO_LONGER]
    found: dict[str, int] = {}
    for item in rest:
        if item is None:
            what = NO_LONGER
        else:
            what = (MORE_DECISIONS if item.qualifies else item.needs[0]).counted
        found[what] = found.get(what, 0) + 1
    return [(what, found[what]) for what in order if what in found]


def _taken(
    session: Session, accounts: Sequence[Account], *, since: datetime, backend: Backend
) -> dict[str, Taken]:
    """Who last claimed each account's follow-up since the standup was posted, and when;
    nobody once they unclaimed it."""
    by_id = {a.id: a for a in accounts}
    if not by_id:
        return {}
    events = session.exec(
        select(Event)
        .where(col(Event.account_id).in_(list(by_id)),
               col(Event.kind).in_([*TAKING, GIVING_UP]), col(Event.at) >= since)
        .order_by(col(Event.at), col(Event.id))
    )  # fmt: skip
    zone = backend.config.rules.team_timezone
    taken: dict[str, Taken] = {}
    for e in events:
        key = by_id[e.account_id].key
        if e.kind == GIVING_UP:
            taken.pop(key, None)
        else:
            taken[key] = Taken(e.actor, e.at.astimezone(zone).strftime("%H:%M"))
    return taken
