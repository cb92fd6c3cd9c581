"""Errors a use case raises for the user to read; the CLI and Slack turn them into answers."""

from __future__ import annotations

from scoring.errors import AmbiguousName, DomainError, InvalidValue, UnknownName

__all__ = ["AmbiguousName", "DomainError", "ImportRefused", "InvalidValue", "UnknownName"]


class ImportRefused(DomainError):
    """A file with bad rows; `problems` are `row N: …` lines. Nothing was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} bad row(s); nothing was imported")
        self.problems = problems
