"""Slack listeners, registered in one place; each stays thin (parse, service, render)."""

from __future__ import annotations

from slack_bolt import App

from bot.services.backend import Backend
from bot.slack.listeners import actions, commands, events, overrides, rescues, views, weights
from bot.slack.listeners.refresh import HomeRefresher


def register(app: App, backend: Backend) -> None:
    homes = HomeRefresher(backend, app.client)
    commands.register(app, backend, homes)
    actions.register(app, backend, homes)
    views.register(app, backend, homes)
    events.register(app, backend)
    rescues.register(app, backend, homes)
    overrides.register(app, backend, homes)
    weights.register(app, backend)
