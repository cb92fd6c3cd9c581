"""Slack listeners, registered in one place; each stays thin (parse, service, render).

The `asking` middleware runs first for every request: it puts who asks, with the roles in force,
into the context, so each listener hands one `Ask` to its use case.
"""

from __future__ import annotations

from slack_bolt import App

from bot.services.backend import Backend
from bot.slack.channels import Channels
from bot.slack.directory import SlackDirectory
from bot.slack.listeners import (
    actions,
    asking,
    commands,
    events,
    gates,
    home,
    overrides,
    rescues,
    risks,
    views,
    weights,
)
from bot.slack.listeners.refresh import HomeRefresher


def register(app: App, backend: Backend) -> None:
    directory = SlackDirectory(app.client, backend.clock)
    asking.register(app, backend, directory)
    homes = HomeRefresher(backend, directory)
    commands.register(app, backend, homes, Channels(app.client, backend.clock))
    actions.register(app, backend, homes)
    views.register(app, backend, homes)
    events.register(app, homes)
    home.register(app, backend, homes)
    rescues.register(app, backend, homes)
    overrides.register(app, backend, homes)
    weights.register(app, backend)
    gates.register(app, backend, homes)
    risks.register(app, backend, homes)
