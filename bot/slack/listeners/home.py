"""The App Home's own listener: a stale signal rated again there.

The home's other buttons (Acknowledge, Log action, a plan's decisions) carry the rescue card's
and the plan message's action ids, so their listeners serve both, and ask the home refresher to
publish the home again after each change.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.messages.ids import ActionId
from bot.services.backend import Backend
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.parsing import rate_selected
from bot.slack.listeners.refresh import HomeRefresher


def register(app: App, backend: Backend, homes: HomeRefresher) -> None:
    @app.action(ActionId.HOME_RATE)
    @answers_errors
    def home_rated(ack: Ack, action: dict, context: BoltContext) -> None:
        """The scorecard's rating use case; the home, where the signal is fresh again, is
        published again (a refusal is told by direct message: a home has no response URL)."""
        ack()
        ask = context["ask"]
        account, _ = rate_selected(backend, ask, action)
        homes.request({ask.user, account.csm})
