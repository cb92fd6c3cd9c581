"""Event listeners: the App Home tab is published when someone opens it."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.services.backend import Backend
from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.refresh import publish_home


def register(app: App, backend: Backend) -> None:
    @app.event("app_home_opened")
    @answers_errors
    def home_opened(event: dict, client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            publish_home(backend, client, event["user"])
