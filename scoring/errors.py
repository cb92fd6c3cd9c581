"""Domain errors: each carries text a user can act on."""

from __future__ import annotations


class DomainError(ValueError):
    """A rule was broken by the input; the message says what was wrong."""


class InvalidValue(DomainError):
    """A value, date or option that does not parse."""


class UnknownName(DomainError):
    """A name that matches nothing; `candidates` lists what would have matched."""

    def __init__(self, message: str, *, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class AmbiguousName(UnknownName):
    """A prefix that matches more than one thing."""
