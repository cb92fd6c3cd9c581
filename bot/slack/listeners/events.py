"""Event listeners: the App Home tab is published when someone opens it."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners.errors import answers_errors
from bot.slack.listeners.refresh import HomeRefresher


def register(app: App, homes: HomeRefresher) -> None:
    @app.event("app_home_opened")
    @answers_errors
    def home_opened(event: dict) -> None:
        if event.get("tab", "home") == "home":
            homes.publish(event["user"])
