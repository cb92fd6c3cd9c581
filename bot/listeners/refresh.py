"""Keeping App Home tabs current after the data behind them changes."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.backend import Backend
from bot.messages import blocks as ui
from bot.services.home import home_for

log = logging.getLogger("rescuebot.home")


def publish_home(backend: Backend, client: WebClient, user: str) -> None:
    with backend.session() as session:
        home = home_for(session, backend.config, user=user, today=backend.today())
    view = ui.home_view(
        user=user, mine=home.needs_help, cards=home.cards, rescues=home.rescues, plans=home.plans
    )
    client.views_publish(user_id=user, view=view)


def refresh_homes(backend: Backend, client: WebClient, *, users: Iterable[str | None]) -> None:
    """Republish the home tab of everyone whose accounts just changed; never fails the caller."""
    for user in sorted({u for u in users if u}):
        try:
            publish_home(backend, client, user)
        except SlackApiError as exc:
            log.warning("home not refreshed for %s: %s", user, exc.response.get("error"))
