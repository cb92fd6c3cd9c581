"""Errors a use case raises for the user to read; the CLI and Slack turn them into answers."""

from __future__ import annotations

from bot.messages.wording import plural
from scoring.errors import AmbiguousName, DomainError, InvalidValue, UnknownName

__all__ = ["AmbiguousName", "DomainError", "ImportRefused", "InvalidValue", "UnknownName"]


class ImportRefused(DomainError):
    """A file with bad rows; `problems` are `row N: …` lines. Nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{plural(len(problems), 'bad row')}; nothing was imported")
        self.problems = problems
