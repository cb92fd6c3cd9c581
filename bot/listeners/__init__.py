"""Slack listeners, registered in one place; each stays thin (parse, service, render)."""

from __future__ import annotations

from slack_bolt import App

from bot.backend import Backend
from bot.listeners import actions, commands, events, rescues, views


def register(app: App, backend: Backend) -> None:
    commands.register(app, backend)
    actions.register(app, backend)
    views.register(app, backend)
    events.register(app, backend)
    rescues.register(app, backend)
